// Import of connection points and lines from GeoJSON or CSV, with a report
// naming every rejected feature and why. Nothing is half-imported: the
// caller replaces the stored set only when `rejected` is empty (or, asked
// explicitly, with the valid features alone).
//
// Shapes accepted (documented in docs/grid-data.md): the model's own
// property names; OpenStreetMap-derived files (`osm_vertex_id` for a
// missing `id`, `voltages_kv` possibly empty, `type: merge` junctions
// skipped, voltages read from names such as "ПС 110/35/10 …" when the tag
// is empty); LineString and MultiLineString lines with `voltage_kv` or
// `voltages_kv`.
import { readCsv } from "../lib/csv.ts";
import type { ConnectionPoint, GridLine, GridSet } from "./model.ts";

export interface Rejection {
  /** Feature index in the collection (0-based), or the CSV line number (1-based). */
  index: number;
  id: string | null;
  errors: string[];
}

export interface ImportReport {
  points: number;
  lines: number;
  /** Features that are not connection points (e.g. OSM line junctions), skipped on purpose. */
  ignored: number;
  rejected: Rejection[];
}

export interface ImportResult {
  set: GridSet;
  report: ImportReport;
}

export interface ImportOptions {
  source: string;
  illustrative?: boolean;
  nowMs?: number;
}

/** Above this a "kV" value is volts (no AC network runs above 1150 kV). */
const MAX_KV = 1500;
/** Above this an "MVA" rating is kVA (the largest power transformers are ~1000–2000 MVA). */
const MAX_TRANSFORMER_MVA = 2500;
/** Above this an "MW" figure at one point is kW. */
const MAX_POINT_MW = 10_000;
/**
 * Lists a file may give per feature: voltage levels of one point or line
 * (the largest substations have five or six), transformers of one point,
 * parts of one MultiLineString and positions of one line part. Beyond them a
 * file is wrong or hostile, and is refused by name rather than left to
 * overflow something later (a spread over 300,000 values does).
 */
export const IMPORT_LIMITS = {
  voltages: 16,
  transformers: 64,
  lineParts: 10_000,
  positionsPerPart: 100_000,
} as const;

/** The largest value of a non-empty list, without spreading it into arguments. */
const maxOf = (values: readonly number[]): number => {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > max) max = v;
  return max;
};

type Props = Record<string, unknown>;

class Errors {
  readonly list: string[] = [];
  add(message: string): void {
    this.list.push(message);
  }
}

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function optionalMw(props: Props, key: string, errors: Errors): number | null {
  const v = props[key];
  if (v === undefined || v === null || v === "") return null;
  if (!isNum(v)) {
    errors.add(`${key}: expected a number of MW, got ${JSON.stringify(v)}`);
    return null;
  }
  if (v < 0) errors.add(`${key}: must not be negative (${v})`);
  else if (v > MAX_POINT_MW) errors.add(`${key}: ${v} looks like kW; give MW`);
  return v;
}

function kvList(value: unknown, key: string, errors: Errors): number[] {
  const list = Array.isArray(value) ? value : [value];
  const out: number[] = [];
  if (list.length > IMPORT_LIMITS.voltages) {
    errors.add(`${key}: ${list.length} voltages; at most ${IMPORT_LIMITS.voltages} per feature`);
    return out;
  }
  for (const [i, v] of list.entries()) {
    const at = Array.isArray(value) ? `${key}[${i}]` : key;
    if (!isNum(v) || v <= 0) errors.add(`${at}: expected a positive number of kV, got ${JSON.stringify(v)}`);
    else if (v > MAX_KV) errors.add(`${at}: ${v} looks like volts; give kV (e.g. ${v / 1000})`);
    else out.push(v);
  }
  return out;
}

/** "ПС 220/110/10 Элиста" → [220, 110, 10]; OSM often has the classes only in the name. */
export function voltagesFromName(name: string): number[] {
  const m = /(?:^|\s)(?:ПС|PS|П\/СТ)\s*(\d+(?:[.,]\d+)?(?:\/\d+(?:[.,]\d+)?)*)(?:\s*кВ)?(?=\s|$)/i.exec(name);
  if (!m) return [];
  const kv = m[1]!.split("/").map((s) => Number(s.replace(",", ".")));
  return kv.every((v) => v > 0 && v <= MAX_KV) ? kv : [];
}

function textOrNull(v: unknown): string | null {
  if (typeof v === "string") return v.trim() === "" ? null : v.trim();
  if (typeof v === "number") return String(v);
  return null;
}

function pointId(props: Props): string | null {
  const id = textOrNull(props.id);
  if (id) return id;
  const osm = props.osm_vertex_id ?? props.osm_id;
  return isNum(osm) || (typeof osm === "string" && osm !== "") ? `osm-${osm}` : null;
}

function validPosition(pos: unknown): pos is [number, number] {
  return (
    Array.isArray(pos) &&
    pos.length >= 2 &&
    isNum(pos[0]) &&
    isNum(pos[1]) &&
    pos[0] >= -180 &&
    pos[0] <= 180 &&
    pos[1] >= -90 &&
    pos[1] <= 90
  );
}

function toPoint(props: Props, coords: unknown, errors: Errors): ConnectionPoint | null {
  const id = pointId(props);
  if (!id) errors.add("id: required");
  if (!validPosition(coords))
    errors.add(`geometry.coordinates: expected [lon, lat] in degrees, got ${JSON.stringify(coords)}`);
  const name = textOrNull(props.name) ?? id ?? "";
  let voltages: number[] = [];
  if (props.voltages_kv !== undefined && props.voltages_kv !== null)
    voltages = kvList(props.voltages_kv, "voltages_kv", errors);
  else if (props.voltage_kv !== undefined && props.voltage_kv !== null)
    voltages = kvList(props.voltage_kv, "voltage_kv", errors);
  if (voltages.length === 0) voltages = voltagesFromName(name);
  const transformers: number[] = [];
  const tr = props.transformer_mva;
  if (tr !== undefined && tr !== null && tr !== "") {
    const list = Array.isArray(tr) ? tr : [tr];
    if (list.length > IMPORT_LIMITS.transformers)
      errors.add(
        `transformer_mva: ${list.length} transformers; at most ${IMPORT_LIMITS.transformers} per point`,
      );
    else
      for (const [i, v] of list.entries()) {
        const at = Array.isArray(tr) ? `transformer_mva[${i}]` : "transformer_mva";
        if (!isNum(v) || v <= 0)
          errors.add(`${at}: expected a positive rating in MVA, got ${JSON.stringify(v)}`);
        else if (v > MAX_TRANSFORMER_MVA) errors.add(`${at}: ${v} looks like kVA; give MVA`);
        else transformers.push(v);
      }
  }
  const peak = optionalMw(props, "peak_load_mw", errors);
  if (transformers.length > 0 && peak === null && !errors.list.some((e) => e.startsWith("peak_load_mw")))
    errors.add("peak_load_mw: required when transformer_mva is given");
  const year = props.reinforcement_year;
  if (
    year !== undefined &&
    year !== null &&
    !(Number.isInteger(year) && (year as number) >= 1950 && (year as number) <= 2100)
  )
    errors.add(`reinforcement_year: expected a year, got ${JSON.stringify(year)}`);
  const point: ConnectionPoint = {
    id: id ?? "",
    name,
    operator: textOrNull(props.operator),
    lon: validPosition(coords) ? coords[0] : 0,
    lat: validPosition(coords) ? coords[1] : 0,
    voltages_kv: [...new Set(voltages)].sort((a, b) => b - a),
    transformer_mva: transformers,
    peak_load_mw: peak,
    contracted_demand_mw: optionalMw(props, "contracted_demand_mw", errors) ?? 0,
    generation_connected_mw: optionalMw(props, "generation_connected_mw", errors) ?? 0,
    generation_queue_mw: optionalMw(props, "generation_queue_mw", errors) ?? 0,
    reinforcement_year: isNum(year) ? year : null,
    available_generation_mw: optionalMw(props, "available_generation_mw", errors),
    available_demand_mw: optionalMw(props, "available_demand_mw", errors),
  };
  return errors.list.length === 0 ? point : null;
}

function toLines(
  props: Props,
  geometry: { type: string; coordinates: unknown },
  index: number,
  errors: Errors,
): GridLine[] {
  const parts = geometry.type === "LineString" ? [geometry.coordinates] : (geometry.coordinates as unknown[]);
  if (!Array.isArray(parts)) {
    errors.add("geometry.coordinates: expected an array");
    return [];
  }
  let voltage: number | null = null;
  const raw = props.voltage_kv ?? props.voltages_kv;
  if (raw !== undefined && raw !== null && !(Array.isArray(raw) && raw.length === 0)) {
    const list = kvList(raw, props.voltage_kv !== undefined ? "voltage_kv" : "voltages_kv", errors);
    voltage = list.length > 0 ? maxOf(list) : null;
  }
  if (parts.length > IMPORT_LIMITS.lineParts) {
    errors.add(`geometry.coordinates: ${parts.length} parts; at most ${IMPORT_LIMITS.lineParts} per feature`);
    return [];
  }
  const baseId = textOrNull(props.id) ?? `line-${index}`;
  const lines: GridLine[] = [];
  for (const [p, part] of parts.entries()) {
    if (Array.isArray(part) && part.length > IMPORT_LIMITS.positionsPerPart) {
      errors.add(
        `geometry.coordinates${parts.length > 1 ? `[${p}]` : ""}: ${part.length} positions; at most ${IMPORT_LIMITS.positionsPerPart}`,
      );
      continue;
    }
    if (!Array.isArray(part) || part.length < 2 || !part.every(validPosition)) {
      errors.add(
        `geometry.coordinates${parts.length > 1 ? `[${p}]` : ""}: expected two or more [lon, lat] positions`,
      );
      continue;
    }
    lines.push({
      id: parts.length > 1 ? `${baseId}-${p}` : baseId,
      name: textOrNull(props.name) ?? "",
      operator: textOrNull(props.operator),
      voltage_kv: voltage,
      coordinates: (part as [number, number][]).map(([lon, lat]) => [lon, lat]),
    });
  }
  return errors.list.length === 0 ? lines : [];
}

/** A GeoJSON FeatureCollection (already parsed) → the set and the report. */
export function importGeoJson(input: unknown, options: ImportOptions): ImportResult {
  const report: ImportReport = { points: 0, lines: 0, ignored: 0, rejected: [] };
  const set: GridSet = {
    points: [],
    lines: [],
    illustrative: options.illustrative ?? false,
    source: options.source,
    imported_at: new Date(options.nowMs ?? Date.now()).toISOString(),
  };
  const collection = input as { type?: unknown; features?: unknown } | null;
  if (
    !collection ||
    typeof collection !== "object" ||
    collection.type !== "FeatureCollection" ||
    !Array.isArray(collection.features)
  ) {
    report.rejected.push({ index: -1, id: null, errors: ["(root): expected a GeoJSON FeatureCollection"] });
    return { set, report };
  }
  // The demo's set says so in the data itself.
  const marker = (input as { vetra?: { illustrative?: unknown } }).vetra;
  if (marker?.illustrative === true) set.illustrative = true;
  const ids = new Set<string>();
  for (const [index, feature] of (collection.features as unknown[]).entries()) {
    const errors = new Errors();
    const f = feature as { type?: unknown; geometry?: unknown; properties?: unknown } | null;
    const props = (
      f && typeof f.properties === "object" && f.properties !== null ? f.properties : {}
    ) as Props;
    const geometry = f?.geometry as { type?: unknown; coordinates?: unknown } | null | undefined;
    const reject = (id: string | null) => report.rejected.push({ index, id, errors: errors.list });
    if (f?.type !== "Feature") {
      errors.add("type: expected Feature");
      reject(null);
      continue;
    }
    if (!geometry || typeof geometry !== "object") {
      errors.add("geometry: required");
      reject(pointId(props) ?? textOrNull(props.id));
      continue;
    }
    if (geometry.type === "Point") {
      if (props.type === "merge") {
        report.ignored++;
        continue;
      }
      const point = toPoint(props, geometry.coordinates, errors);
      if (point && ids.has(point.id)) errors.add(`id: duplicate "${point.id}"`);
      if (!point || errors.list.length > 0) {
        reject(pointId(props));
        continue;
      }
      ids.add(point.id);
      set.points.push(point);
    } else if (geometry.type === "LineString" || geometry.type === "MultiLineString") {
      const lines = toLines(props, geometry as { type: string; coordinates: unknown }, index, errors);
      if (errors.list.length > 0) {
        reject(textOrNull(props.id));
        continue;
      }
      for (const line of lines) set.lines.push(line);
    } else {
      errors.add(
        `geometry.type: expected Point, LineString or MultiLineString, got ${JSON.stringify(geometry.type)}`,
      );
      reject(pointId(props));
    }
  }
  report.points = set.points.length;
  report.lines = set.lines.length;
  return { set, report };
}

const CSV_NUMBER_COLUMNS = [
  "peak_load_mw",
  "contracted_demand_mw",
  "generation_connected_mw",
  "generation_queue_mw",
  "available_generation_mw",
  "available_demand_mw",
  "reinforcement_year",
];

const csvNumber = (s: string): number | string => {
  const t = s.trim().replace(",", ".");
  return t !== "" && Number.isFinite(Number(t)) ? Number(t) : s;
};

/** "110/35/10", "110;35;10", "110 35 10" → numbers; "2x40" → [40, 40]. */
const csvList = (s: string): (number | string)[] => {
  const t = s.trim();
  if (t === "") return [];
  const times = /^(\d+)\s*[x×*]\s*([\d.,]+)$/i.exec(t);
  if (times) return Array.from({ length: Number(times[1]) }, () => csvNumber(times[2]!));
  return t.split(/[;/|\s]+/).map(csvNumber);
};

/** A file rejected as a whole (no usable header, not JSON): an empty set and the one rejection. */
const rejectedWhole = (
  source: string,
  importedAtMs: number,
  rejection: ImportReport["rejected"][number],
): ImportResult => ({
  set: {
    points: [],
    lines: [],
    illustrative: false,
    source,
    imported_at: new Date(importedAtMs).toISOString(),
  },
  report: { points: 0, lines: 0, ignored: 0, rejected: [rejection] },
});

/** A CSV of connection points: header with `id,name,lat,lon,voltages_kv,…` (model names). */
export function importCsv(text: string, options: ImportOptions): ImportResult {
  const { rows, lines } = readCsv(text);
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  const missing = ["id", "lat", "lon"].filter((k) => !header.includes(k));
  if (rows.length === 0 || missing.length > 0) {
    return rejectedWhole(options.source, options.nowMs ?? Date.now(), {
      index: 1,
      id: null,
      errors: [`header: missing column(s) ${missing.join(", ") || "id, lat, lon"}`],
    });
  }
  const features = rows.slice(1).map((row) => {
    const props: Props = {};
    let lat: unknown;
    let lon: unknown;
    for (const [i, name] of header.entries()) {
      const cell = row[i] ?? "";
      if (name === "lat") lat = csvNumber(cell);
      else if (name === "lon") lon = csvNumber(cell);
      else if (name === "voltages_kv" || name === "transformer_mva") props[name] = csvList(cell);
      else if (CSV_NUMBER_COLUMNS.includes(name)) props[name] = cell.trim() === "" ? null : csvNumber(cell);
      else props[name] = cell;
    }
    return { type: "Feature", properties: props, geometry: { type: "Point", coordinates: [lon, lat] } };
  });
  const result = importGeoJson({ type: "FeatureCollection", features }, options);
  // Report CSV line numbers rather than feature indexes.
  for (const r of result.report.rejected) r.index = lines[r.index + 1] ?? r.index;
  return result;
}

/** A file's text by its content: GeoJSON when it parses as JSON, otherwise CSV. */
export function importText(text: string, options: ImportOptions): ImportResult {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      return rejectedWhole(options.source, options.nowMs ?? Date.now(), {
        index: -1,
        id: null,
        errors: [`(root): not valid JSON: ${(error as Error).message}`],
      });
    }
    return importGeoJson(parsed, options);
  }
  return importCsv(text, options);
}
