// The ISO 10816-21:2015 (= VDI 3834-1:2009) zone table of wind turbines with
// gearbox: per component class the bands rated and their zone boundaries,
// and the overrides a configuration may put on top. Edge and central read the
// same table: the edge rates each block against it, central draws its
// boundaries on the trends and judges the alarm deadband against them
// (ISO_10816_21_BOUNDARIES below: the default rows with the `vibration`
// field that carries each band's RMS).
//
// Boundaries B/C and C/D: ISO 10816-21:2015 Annex A, Table A.1 and VDI
// 3834-1:2009 Table 1 ("Group 1", turbines ≤ 3 MW with gearbox). The
// standard gives no A/B boundary; A/B is derived as B/C ÷ 1.6, 1.6 being the
// ratio between successive zone boundaries of ISO 10816-1:1995 Annex B
// (B.1: "…a ratio of approximately 1:1.6 between successive levels").
import { type Static, Type } from "@sinclair/typebox";
import { type ComponentClass, ComponentClasses, type VibrationField } from "./names.ts";

/** One evaluated band of ISO 10816-21 / VDI 3834-1. */
export interface ZoneRow {
  readonly quantity: "velocity" | "acceleration";
  /** Band of the RMS, Hz. */
  readonly bandHz: readonly [number, number];
  /** Zone boundaries in the quantity's unit (mm/s for velocity, m/s² for acceleration). */
  readonly ab: number;
  readonly bc: number;
  readonly cd: number;
  /** Where the numbers come from (standard, table, or "derived: …"). */
  readonly source: string;
}

/** Bands and boundaries per component class. */
export type ZoneTable = Readonly<Record<ComponentClass, readonly ZoneRow[]>>;

/** Ratio between successive zone boundaries, ISO 10816-1:1995 Annex B. */
export const ZONE_BOUNDARY_RATIO = 1.6;

const TABLE_A1 = "ISO 10816-21:2015 Annex A Table A.1 / VDI 3834-1:2009 Table 1";
const AB_DERIVED = "A/B derived as B/C ÷ 1.6 (ISO 10816-1:1995 Annex B)";

const row = (
  quantity: ZoneRow["quantity"],
  bandHz: readonly [number, number],
  bc: number,
  cd: number,
  what: string,
): ZoneRow => ({
  quantity,
  bandHz,
  ab: bc / ZONE_BOUNDARY_RATIO,
  bc,
  cd,
  source: `B/C, C/D: ${TABLE_A1}, ${what}; ${AB_DERIVED}`,
});

/**
 * The default table: the bands the issue and the standard rate per component
 * class. Velocity boundaries in mm/s, acceleration boundaries in m/s².
 *
 * The acceleration values (0.3/0.5 m/s² for 0.1–10 Hz, 7.5/12 m/s² for the
 * gearbox 10–2000 Hz, 10/16 m/s² for the generator 10–5000 Hz) agree with an
 * independent public implementation of VDI 3834-1; they were not read from
 * the standard's own text here — check them against your copy of the
 * standard before relying on the acceleration zones contractually.
 * The standard also rates the rotor bearing and gearbox in acceleration
 * 0.1–10 Hz (0.3/0.5 m/s²): that is the tower/nacelle motion seen from the
 * drive train and is rated at the nacelle point here.
 */
export const DEFAULT_ZONE_TABLE: ZoneTable = {
  nacelle: [
    row("acceleration", [0.1, 10], 0.3, 0.5, "nacelle and tower, a 0.1–10 Hz"),
    row("velocity", [0.1, 10], 60, 100, "nacelle and tower, v 0.1–10 Hz"),
  ],
  main_bearing: [row("velocity", [10, 1000], 2.0, 3.2, "rotor bearing, v 10–1000 Hz")],
  gearbox: [
    row("acceleration", [10, 2000], 7.5, 12, "gearbox, a 10–2000 Hz"),
    row("velocity", [10, 1000], 3.5, 5.6, "gearbox, v 10–1000 Hz"),
  ],
  generator: [
    row("acceleration", [10, 5000], 10, 16, "generator, a 10–5000 Hz"),
    row("velocity", [10, 1000], 6.0, 10, "generator, v 10–1000 Hz"),
  ],
};

/** The component's velocity row (the broadband rating every component has). */
export function velocityRow(component: ComponentClass, table: ZoneTable = DEFAULT_ZONE_TABLE): ZoneRow {
  const r =
    table[component].find((x) => x.quantity === "velocity") ??
    DEFAULT_ZONE_TABLE[component].find((x) => x.quantity === "velocity");
  if (r === undefined) throw new Error(`no velocity zone row for ${component}`);
  return r;
}

// ---------------------------------------------------------------------------
// Config: the table's defaults can be overridden in `diagnostics.zones` and
// per turbine type in `diagnostics.turbineTypes.<type>.zones`.

const Boundary = Type.Number({ exclusiveMinimum: 0 });

/**
 * One row of an override. A row with the quantity and band of a default row
 * replaces the boundaries it names (A/B follows a new B/C as B/C ÷ 1.6 unless
 * given); a row with a new band adds it and needs `bc` and `cd`.
 */
export const ZoneRowConfigSchema = Type.Object(
  {
    quantity: Type.Union([Type.Literal("velocity"), Type.Literal("acceleration")]),
    /** Band of the RMS, Hz: [low, high]. */
    bandHz: Type.Tuple([Type.Number({ minimum: 0 }), Type.Number({ exclusiveMinimum: 0 })]),
    /** Boundaries in the quantity's unit: mm/s for velocity, m/s² for acceleration. */
    ab: Type.Optional(Boundary),
    bc: Type.Optional(Boundary),
    cd: Type.Optional(Boundary),
    /** Where the numbers come from (an agreement with the manufacturer, a site study, …). */
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  },
  { additionalProperties: false },
);

const OverrideRows = Type.Optional(Type.Array(ZoneRowConfigSchema));

/** Overrides of the zone table per component class (any subset). */
export const ZoneTableConfigSchema = Type.Object(
  { nacelle: OverrideRows, main_bearing: OverrideRows, gearbox: OverrideRows, generator: OverrideRows },
  { additionalProperties: false },
);
export type ZoneTableConfig = Static<typeof ZoneTableConfigSchema>;
export type ZoneRowConfig = Static<typeof ZoneRowConfigSchema>;

function merge(
  base: ZoneTable,
  overrides: ZoneTableConfig | undefined,
): { table: ZoneTable } | { error: string } {
  if (overrides === undefined) return { table: base };
  const table = {} as Record<ComponentClass, ZoneRow[]>;
  for (const component of ComponentClasses) {
    const rows = [...base[component]];
    const list = overrides[component] ?? [];
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!;
      const path = `${component}[${i}]`;
      const [lowHz, highHz] = o.bandHz;
      if (!(highHz > lowHz))
        return { error: `${path}.bandHz: the upper edge must be above the lower, got [${lowHz}, ${highHz}]` };
      const at = rows.findIndex(
        (r) => r.quantity === o.quantity && r.bandHz[0] === lowHz && r.bandHz[1] === highHz,
      );
      const named = (["ab", "bc", "cd"] as const).filter((k) => o[k] !== undefined);
      let next: ZoneRow;
      if (at >= 0) {
        const b = rows[at]!;
        const bc = o.bc ?? b.bc;
        next = {
          quantity: b.quantity,
          bandHz: b.bandHz,
          ab: o.ab ?? (o.bc !== undefined ? bc / ZONE_BOUNDARY_RATIO : b.ab),
          bc,
          cd: o.cd ?? b.cd,
          source: o.source ?? `override of ${named.join(", ") || "nothing"} (defaults: ${b.source})`,
        };
      } else {
        if (o.bc === undefined || o.cd === undefined)
          return {
            error: `${path}: ${o.quantity} ${lowHz}–${highHz} Hz is not a default band of ${component}, so it needs bc and cd`,
          };
        next = {
          quantity: o.quantity,
          bandHz: [lowHz, highHz],
          ab: o.ab ?? o.bc / ZONE_BOUNDARY_RATIO,
          bc: o.bc,
          cd: o.cd,
          source: o.source ?? "override",
        };
      }
      if (!(next.ab < next.bc && next.bc < next.cd))
        return {
          error: `${path}: boundaries must rise A/B < B/C < C/D, got ${next.ab} / ${next.bc} / ${next.cd}`,
        };
      if (at >= 0) rows[at] = next;
      else rows.push(next);
    }
    table[component] = rows;
  }
  return { table };
}

/** The first inconsistency of overrides (key path and reason), or null; for the config loader. */
export function zoneOverridesError(base: ZoneTable, overrides: ZoneTableConfig | undefined): string | null {
  const m = merge(base, overrides);
  return "error" in m ? m.error : null;
}

/**
 * The table in force: `base` with `overrides` on top (turbine-type overrides
 * on the config's `diagnostics.zones`, which are on the defaults). Overrides
 * must have passed `zoneOverridesError` where the config entered; an
 * inconsistent one here is a bug and throws.
 */
export function zoneTableWithOverrides(base: ZoneTable, overrides: ZoneTableConfig | undefined): ZoneTable {
  const m = merge(base, overrides);
  if ("error" in m) throw new Error(`zone table override: ${m.error}`);
  return m.table;
}

// ---------------------------------------------------------------------------
// Central's alarm deadband: how far a block is from zone C and zone D.

/** A default row with the `vibration` field carrying its band's RMS (`v_rms_mm_s`, `a_rms_m_s2`). */
export interface ZoneBoundaryRow {
  readonly quantity: "velocity" | "acceleration";
  readonly field: Extract<VibrationField, "v_rms_mm_s" | "a_rms_m_s2">;
  readonly bandHz: readonly [number, number];
  /** Boundary B/C: zone C from here on (unit of the field). */
  readonly bc: number;
  /** Boundary C/D: zone D from here on. */
  readonly cd: number;
}

/** The `vibration` field that carries a default row's band RMS. */
const fieldOf = (r: Pick<ZoneRow, "quantity">): ZoneBoundaryRow["field"] =>
  r.quantity === "velocity" ? "v_rms_mm_s" : "a_rms_m_s2";

/**
 * The rows of a table in force that central can judge: those whose band is
 * a default band of the component, since only those bands' RMS arrive as a
 * field (`v_rms_mm_s`, `a_rms_m_s2`); an override's boundaries replace the
 * default ones, a band an override adds is rated by the edge alone.
 */
export function zoneBoundaryRows(
  table: ZoneTable,
): Readonly<Record<ComponentClass, readonly ZoneBoundaryRow[]>> {
  return Object.fromEntries(
    ComponentClasses.map((component) => [
      component,
      table[component]
        .filter((r) =>
          DEFAULT_ZONE_TABLE[component].some(
            (d) => d.quantity === r.quantity && d.bandHz[0] === r.bandHz[0] && d.bandHz[1] === r.bandHz[1],
          ),
        )
        .map(
          (r): ZoneBoundaryRow => ({
            quantity: r.quantity,
            field: fieldOf(r),
            bandHz: r.bandHz,
            bc: r.bc,
            cd: r.cd,
          }),
        ),
    ]),
  ) as Record<ComponentClass, ZoneBoundaryRow[]>;
}

/** The default table's rows as central judges the deadband against them (one table, not a copy). */
export const ISO_10816_21_BOUNDARIES: Readonly<Record<ComponentClass, readonly ZoneBoundaryRow[]>> =
  zoneBoundaryRows(DEFAULT_ZONE_TABLE);

/**
 * How far a block's values are toward zone C and zone D: the largest value ÷
 * boundary over the component's rows (≥ 1: in that zone or worse); null when
 * the block carries none of the rows' fields. `rows`: the boundaries in force
 * (`zoneBoundaryRows` of a table with its overrides), the defaults unless given.
 */
export function zoneBoundaryRatio(
  fields: Readonly<Record<string, number | undefined>>,
  component: ComponentClass,
  rows: Readonly<Record<ComponentClass, readonly ZoneBoundaryRow[]>> = ISO_10816_21_BOUNDARIES,
): { warning: number; alarm: number } | null {
  let warning = Number.NEGATIVE_INFINITY;
  let alarm = Number.NEGATIVE_INFINITY;
  for (const row of rows[component]) {
    const value = fields[row.field];
    if (value === undefined || !Number.isFinite(value) || value < 0) continue;
    warning = Math.max(warning, value / row.bc);
    alarm = Math.max(alarm, value / row.cd);
  }
  return Number.isFinite(warning) ? { warning, alarm } : null;
}
