// Batch checks: a CSV of surveyed sites (`name,lat,lon,mw,kind`) in, one
// row per site out with its best option (the first of the ranking), and a
// summary by status.

import { readCsv, writeCsv } from "../lib/csv.ts";
import { BATCH_COLUMNS } from "../ui/map/batch-columns.js";
import type { GridIndex, Lang, OptionStatus } from "./check.ts";
import type { GridConfig } from "./config.ts";
import type { Kind } from "./model.ts";

export interface BatchRow {
  line: number;
  name: string;
  lat: number | null;
  lon: number | null;
  mw: number | null;
  kind: string;
  /** The best option's status; `invalid` when the row could not be read. */
  status: OptionStatus | "invalid";
  connection_point_id: string | null;
  connection_point_name: string | null;
  voltage_kv: number | null;
  voltage_class: string | null;
  distance_km: number | null;
  line_km: number | null;
  headroom_mw: number | null;
  headroom_after_mw: number | null;
  cost_rub: number | null;
  /** Options with status available among those examined. */
  available_options: number;
  reasons: string[];
}

export interface BatchResult {
  rows: BatchRow[];
  summary: Record<OptionStatus | "invalid", number>;
  /** A header problem: nothing could be read. */
  error: string | null;
}

const num = (s: string | undefined): number | null => {
  if (s === undefined || s.trim() === "") return null;
  const n = Number(s.trim().replace(",", "."));
  return Number.isFinite(n) ? n : null;
};

const cell = (row: readonly string[], column: number): string | undefined =>
  column >= 0 ? row[column] : undefined;

const invalid = (lang: Lang, ru: string, en: string) => [lang === "ru" ? ru : en];

export function runBatch(text: string, index: GridIndex, config: GridConfig, lang: Lang): BatchResult {
  const summary = { available: 0, needs_reinforcement: 0, unavailable: 0, invalid: 0 };
  const { rows, lines } = readCsv(text);
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const missing = ["lat", "lon", "mw"].filter((k) => col(k) < 0);
  if (rows.length === 0 || missing.length > 0)
    return {
      rows: [],
      summary,
      error: `header: missing column(s) ${missing.join(", ") || "name, lat, lon, mw, kind"}`,
    };
  if (rows.length - 1 > config.batchMaxRows)
    return {
      rows: [],
      summary,
      error: `too many rows: ${rows.length - 1} > ${config.batchMaxRows}; send the file in parts`,
    };
  // Column positions once; one row object of one shape per site, filled in
  // place (no per-row closures or spreads: thousands of rows per request).
  const iName = col("name");
  const iLat = col("lat");
  const iLon = col("lon");
  const iMw = col("mw");
  const iKind = col("kind");
  const out: BatchRow[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    const lat = num(cell(row, iLat));
    const lon = num(cell(row, iLon));
    const mw = num(cell(row, iMw));
    const kindText = (cell(row, iKind) ?? "generation").trim().toLowerCase() || "generation";
    const result: BatchRow = {
      line: lines[r] ?? r + 1,
      name: (cell(row, iName) ?? "").trim(),
      lat,
      lon,
      mw,
      kind: kindText,
      status: "invalid",
      connection_point_id: null,
      connection_point_name: null,
      voltage_kv: null,
      voltage_class: null,
      distance_km: null,
      line_km: null,
      headroom_mw: null,
      headroom_after_mw: null,
      cost_rub: null,
      available_options: 0,
      reasons: [],
    };
    out.push(result);
    let problem: string[] | null = null;
    if (lat === null || lat < -90 || lat > 90) problem = invalid(lang, "неверная широта", "invalid lat");
    else if (lon === null || lon < -180 || lon > 180)
      problem = invalid(lang, "неверная долгота", "invalid lon");
    else if (mw === null || mw <= 0 || mw > 10_000)
      problem = invalid(lang, "неверная мощность, МВт", "invalid mw");
    else if (kindText !== "generation" && kindText !== "demand")
      problem = invalid(lang, "kind: generation или demand", "kind: generation or demand");
    if (problem) {
      summary.invalid++;
      result.reasons = problem;
      continue;
    }
    // Only the best option is built; the others are counted on the ranking's numbers.
    const { best, available } = index.best(
      { lat: lat!, lon: lon!, mw: mw!, kind: kindText as Kind },
      config,
      config.maxCandidates,
    );
    if (!best) {
      summary.unavailable++;
      result.status = "unavailable";
      result.reasons = invalid(lang, "поблизости нет центров питания", "no connection point nearby");
      continue;
    }
    summary[best.status]++;
    result.status = best.status;
    result.connection_point_id = best.connection_point_id;
    result.connection_point_name = best.name;
    result.voltage_kv = best.voltage_kv;
    result.voltage_class = best.voltage_class;
    result.distance_km = best.distance_km;
    result.line_km = best.line_km;
    result.headroom_mw = best.headroom_mw;
    result.headroom_after_mw = best.headroom_after_mw;
    result.cost_rub = best.cost_rub;
    result.available_options = available;
    result.reasons = best.reasons.map((x) => x[lang]);
  }
  return { rows: out, summary, error: null };
}

const round = (v: number | null, digits: number) => (v === null ? null : Number(v.toFixed(digits)));

/** The results as CSV (names and reasons are the sender's text: formula prefixes are neutralised). */
export function batchCsv(rows: readonly BatchRow[]): string {
  return writeCsv([
    BATCH_COLUMNS,
    ...rows.map((r) => [
      r.line,
      r.name,
      r.lat,
      r.lon,
      r.mw,
      r.kind,
      r.status,
      r.connection_point_id,
      r.connection_point_name,
      r.voltage_kv,
      r.voltage_class,
      round(r.distance_km, 2),
      round(r.line_km, 2),
      round(r.headroom_mw, 2),
      round(r.headroom_after_mw, 2),
      round(r.cost_rub, 0),
      r.available_options,
      r.reasons.join("; "),
    ]),
  ]);
}
