// The `grid` key of central's configuration: voltage classes with their
// size limits and indicative costs, the headroom assumptions, the map's
// basemap and the public routes' rate limit. Defaults come from common
// practice and are cited per value; every one can be overridden.
import { type Static, Type } from "@sinclair/typebox";

const VoltageClassSchema = Type.Object(
  {
    /** Label shown on the page and in CSV, e.g. "35 kV". */
    label: Type.String({ minLength: 1 }),
    /** Largest installation (MW) this class takes; omit for the top class. */
    max_mw: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Bus voltages (kV) that belong to this class, inclusive range. */
    min_kv: Type.Number({ exclusiveMinimum: 0 }),
    max_kv: Type.Number({ exclusiveMinimum: 0 }),
    /** Longest new line (km of route) still considered practical at this voltage. */
    max_line_km: Type.Number({ exclusiveMinimum: 0 }),
    /** Overhead line, single circuit, RUB per km of route. */
    line_rub_per_km: Type.Number({ minimum: 0 }),
    /** One line bay (switchgear cell) at the connection point, RUB. */
    bay_rub: Type.Number({ minimum: 0 }),
    /** Transformer reinforcement at the point, RUB per MVA of missing capacity. */
    transformer_rub_per_mva: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);

/*
 * Default classes. Size limits: ≤ 150 kW at 0.4 kV is the low-voltage
 * category of the Russian connection rules (Правила технологического
 * присоединения, ПП РФ № 861 от 27.12.2004, п. 12(1)–14); the other limits
 * are the usual planning practice (≤ 10 MW at 6–10 kV, ≤ 50 MW at 35 kV,
 * ≤ 200 MW at 110 kV, above at 220 kV and higher). Costs are rounded,
 * indicative figures of the order of the aggregated cost norms
 * (УНЦ, Приказ Минэнерго России № 10 от 17.01.2019) for single-circuit
 * overhead lines, line bays and transformer capacity; an operator should
 * replace them with the current norms of its region.
 */
export const DEFAULT_VOLTAGE_CLASSES: VoltageClass[] = [
  {
    label: "0.4 kV",
    max_mw: 0.15,
    min_kv: 0.22,
    max_kv: 1,
    max_line_km: 0.5,
    line_rub_per_km: 1_500_000,
    bay_rub: 300_000,
    transformer_rub_per_mva: 4_000_000,
  },
  {
    label: "6–10 kV",
    max_mw: 10,
    min_kv: 3,
    max_kv: 20,
    max_line_km: 15,
    line_rub_per_km: 2_500_000,
    bay_rub: 3_000_000,
    transformer_rub_per_mva: 4_000_000,
  },
  {
    label: "35 kV",
    max_mw: 50,
    min_kv: 27,
    max_kv: 35,
    max_line_km: 40,
    line_rub_per_km: 6_000_000,
    bay_rub: 15_000_000,
    transformer_rub_per_mva: 3_500_000,
  },
  {
    label: "110 kV",
    max_mw: 200,
    min_kv: 110,
    max_kv: 154,
    max_line_km: 100,
    line_rub_per_km: 12_000_000,
    bay_rub: 50_000_000,
    transformer_rub_per_mva: 3_000_000,
  },
  {
    label: "220 kV+",
    min_kv: 220,
    max_kv: 1150,
    max_line_km: 250,
    line_rub_per_km: 20_000_000,
    bay_rub: 120_000_000,
    transformer_rub_per_mva: 2_500_000,
  },
];

export const GridConfigSchema = Type.Object(
  {
    voltageClasses: Type.Array(VoltageClassSchema, { minItems: 1, default: DEFAULT_VOLTAGE_CLASSES }),
    /** cos φ used to turn transformer MVA into MW (0.9: a usual planning value for distribution networks). */
    powerFactor: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.9 }),
    /** Line route length ÷ great-circle distance; 1.2 is a common planning allowance for detours. */
    routeFactor: Type.Number({ minimum: 1, maximum: 3, default: 1.2 }),
    /** Candidates examined per check (nearest first, from the spatial index). */
    maxCandidates: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
    /** Options returned per check. */
    maxOptions: Type.Integer({ minimum: 1, maximum: 100, default: 8 }),
    /** Rows accepted in one batch request; the page sends larger files in parts. */
    batchMaxRows: Type.Integer({ minimum: 1, maximum: 100_000, default: 20_000 }),
    /**
     * A raster tile server's URL template ({z}/{x}/{y}) the operator runs;
     * drawn under the grid instead of the shipped basemap (land, sea,
     * borders, settlements: grid/basemap/), which needs nothing outside.
     */
    basemapUrl: Type.Optional(Type.String({ pattern: "^https?://" })),
    /**
     * A vector-tile basemap file (PMTiles, Protomaps basemap schema, e.g. an
     * extract of the region) on central's disk, served from central's own
     * origin and drawn in the browser; wins over basemapUrl.
     */
    basemapPmtilesFile: Type.Optional(Type.String({ minLength: 1 })),
    /** Attribution of basemapUrl or basemapPmtilesFile (e.g. "© OpenStreetMap contributors"). */
    basemapAttribution: Type.String({ default: "" }),
    /** Public routes: requests per client address per window. */
    rateLimit: Type.Object(
      {
        max: Type.Integer({ minimum: 1, default: 120 }),
        timeWindowMs: Type.Integer({ minimum: 1000, default: 60_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export type VoltageClass = Static<typeof VoltageClassSchema>;
export type GridConfig = Static<typeof GridConfigSchema>;

/** Classes must grow in size and voltage; the message names the key. */
export function checkVoltageClasses(classes: readonly VoltageClass[]): string | null {
  for (const [i, c] of classes.entries()) {
    if (c.min_kv > c.max_kv) return `grid.voltageClasses[${i}].min_kv: greater than max_kv`;
    const prev = classes[i - 1];
    if (!prev) continue;
    if (prev.max_mw === undefined)
      return `grid.voltageClasses[${i - 1}].max_mw: only the last class may omit it`;
    if (c.max_mw !== undefined && c.max_mw <= prev.max_mw)
      return `grid.voltageClasses[${i}].max_mw: must be greater than the previous class's`;
    if (c.min_kv <= prev.max_kv)
      return `grid.voltageClasses[${i}].min_kv: must be above the previous class's max_kv`;
  }
  return null;
}
