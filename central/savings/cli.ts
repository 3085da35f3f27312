// `vetra savings …` (offline M&V on CSV files) and `vetra import meter|weather …`
// (history into the store). CSV: `timestamp,value` with a header; ISO
// timestamps with a zone, or naive local ones with `--tz ZONE`; meter
// values in kWh per interval, or a cumulative register with `--cumulative`.
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Point } from "../../common/wire.ts";
import { loadCentralConfig } from "../config.ts";
import { createStore } from "../stores/registry.ts";
import { defaultSavingsConfig } from "./config.ts";
import { renderPdf } from "./pdf.ts";
import { dailySeries, jsonSafe, offsetOfSite } from "./report.ts";
import { computeSavings, intervalsCsv, type ModelChoice } from "./savings.ts";
import { HOUR_MS, type OffsetOf, sliceHours, zoneOffset } from "./series.ts";

export interface CsvRows {
  rows: { ts: number; value: number }[];
  rejected: { line: number; reason: string }[];
}

const ZONED = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Parses `timestamp,value` CSV; rows sorted by time, duplicates keep the last. */
export function parseTimeValueCsv(text: string, offsetOf: OffsetOf | null): CsvRows {
  const lines = text.split(/\r?\n/);
  const byTs = new Map<number, number>();
  const rejected: CsvRows["rejected"] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const [t, v, ...rest] = line.split(",");
    if (!t || v === undefined || rest.length > 0) {
      rejected.push({ line: i + 1, reason: "not two columns" });
      continue;
    }
    if (v.trim() === "") {
      rejected.push({ line: i + 1, reason: "empty value" });
      continue;
    }
    const value = Number(v);
    if (!Number.isFinite(value)) {
      rejected.push({ line: i + 1, reason: "value not a number" });
      continue;
    }
    let ts: number;
    if (ZONED.test(t.trim())) ts = Date.parse(t.trim());
    else if (offsetOf) {
      const naive = Date.parse(`${t.trim()}Z`);
      ts = naive - offsetOf(naive);
    } else {
      rejected.push({ line: i + 1, reason: "timestamp without zone (use --tz)" });
      continue;
    }
    if (!Number.isFinite(ts)) {
      rejected.push({ line: i + 1, reason: "bad timestamp" });
      continue;
    }
    byTs.set(ts, value);
  }
  const rows = [...byTs.entries()].sort((a, b) => a[0] - b[0]).map(([ts, value]) => ({ ts, value }));
  return { rows, rejected };
}

/** A cumulative register to interval energy at each interval's start; negative steps (resets) are rejected. */
export function registerToIntervals(rows: CsvRows["rows"]): { rows: CsvRows["rows"]; resets: number } {
  const out: CsvRows["rows"] = [];
  let resets = 0;
  for (let i = 1; i < rows.length; i++) {
    const d = rows[i]!.value - rows[i - 1]!.value;
    if (d < 0) resets++;
    else out.push({ ts: rows[i - 1]!.ts, value: d });
  }
  return { rows: out, resets };
}

/** Sums (energy) or averages (temperature) onto the hourly grid [fromMs, toMs). */
export function toHours(
  rows: CsvRows["rows"],
  fromMs: number,
  toMs: number,
  how: "sum" | "mean",
): Float64Array {
  const n = Math.max(0, Math.round((toMs - fromMs) / HOUR_MS));
  const sum = new Float64Array(n);
  const count = new Float64Array(n);
  for (const r of rows) {
    const i = Math.floor((r.ts - fromMs) / HOUR_MS);
    if (i < 0 || i >= n) continue;
    sum[i]! += r.value;
    count[i]!++;
  }
  return sum.map((s, i) => (count[i]! === 0 ? Number.NaN : how === "sum" ? s : s / count[i]!));
}

const usageSavings =
  "usage: vetra savings --meter FILE --weather FILE --baseline FROM/TO --reporting FROM/TO [--model daily|hourly|auto] [--format json|csv|pdf] [--lang ru|en] [--tz ZONE] [--cumulative] [--out FILE]";

const parsePeriod = (text: string | undefined, name: string): [number, number] => {
  const [a, b] = (text ?? "").split("/");
  const day = (s: string | undefined) => (s && /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  const from = Date.parse(day(a) ?? "");
  const to = Date.parse(day(b) ?? "");
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from)
    throw new Error(`--${name}: expected FROM/TO (ISO dates), got '${text ?? ""}'`);
  return [Math.floor(from / HOUR_MS) * HOUR_MS, Math.floor(to / HOUR_MS) * HOUR_MS];
};

export async function runSavings(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        meter: { type: "string" },
        weather: { type: "string" },
        baseline: { type: "string" },
        reporting: { type: "string" },
        model: { type: "string", default: "auto" },
        format: { type: "string", default: "json" },
        lang: { type: "string", default: "ru" },
        tz: { type: "string" },
        cumulative: { type: "boolean", default: false },
        out: { type: "string" },
      },
      strict: true,
    });
    if (!values.meter || !values.weather) throw new Error("--meter and --weather are required");
    if (!["daily", "hourly", "auto"].includes(values.model!))
      throw new Error("--model must be daily, hourly or auto");
    if (!["json", "csv", "pdf"].includes(values.format!))
      throw new Error("--format must be json, csv or pdf");
    if (values.lang !== "ru" && values.lang !== "en") throw new Error("--lang must be ru or en");
    const [bFrom, bTo] = parsePeriod(values.baseline, "baseline");
    const [rFrom, rTo] = parsePeriod(values.reporting, "reporting");
    if (bTo > rFrom) throw new Error("--baseline must end before --reporting starts");
    const offsetOf = values.tz ? zoneOffset(values.tz) : offsetOfSite(null);
    const zoneForParse = values.tz ? offsetOf : null;
    const meter = parseTimeValueCsv(readFileSync(values.meter, "utf8"), zoneForParse);
    const energy = values.cumulative ? registerToIntervals(meter.rows).rows : meter.rows;
    const weather = parseTimeValueCsv(readFileSync(values.weather, "utf8"), zoneForParse);
    const all = {
      startMs: bFrom,
      kwh: toHours(energy, bFrom, rTo, "sum"),
      tempC: toHours(weather.rows, bFrom, rTo, "mean"),
    };
    const r = computeSavings({
      baseline: sliceHours(all, bFrom, bTo),
      reporting: sliceHours(all, rFrom, rTo),
      offsetOf,
      model: values.model as ModelChoice,
      config: defaultSavingsConfig(),
    });
    if (values.format === "csv") {
      write(values.out, intervalsCsv(r.intervals));
    } else if (values.format === "pdf") {
      const { intervals, ...rest } = r;
      const report = {
        scope: "facility" as const,
        generated_at: new Date().toISOString(),
        baseline_from: r.baseline_from,
        baseline_to: r.baseline_to,
        reporting_from: r.reporting_from,
        reporting_to: r.reporting_to,
        tariff_rub_per_kwh: defaultSavingsConfig().tariff.rubPerKwh,
        emission_factor_kg_co2_per_kwh: defaultSavingsConfig().emissionFactorKgCo2PerKwh,
        facilities: [
          {
            id: "meter",
            name: values.meter,
            kind: "facility",
            site: "-",
            ...rest,
            intervals,
            daily: dailySeries(intervals),
          },
        ],
        portfolio: { facilities: 1, ...rest, fsu_pct: r.fsu_pct },
      };
      write(values.out, await renderPdf(report, values.lang));
    } else {
      const { intervals: _omit, ...summary } = r;
      write(
        values.out,
        `${JSON.stringify(jsonSafe({ ...summary, rejected_rows: meter.rejected.length + weather.rejected.length }), null, 2)}\n`,
      );
    }
    return 0;
  } catch (err) {
    console.error(`vetra savings: ${(err as Error).message}\n${usageSavings}`);
    return 2;
  }
}

function write(out: string | undefined, body: string | Buffer): void {
  if (out) writeFileSync(out, body);
  else process.stdout.write(body);
}

const usageImport =
  "usage: vetra import meter --facility ID FILE | vetra import weather --site ID FILE   [--config FILE (default .vetra/central.json)] [--tz ZONE] [--cumulative]";

export async function runImport(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  if (what !== "meter" && what !== "weather") {
    console.error(`vetra import: expected 'meter' or 'weather'\n${usageImport}`);
    return 2;
  }
  let values: { facility?: string; site?: string; config?: string; tz?: string; cumulative?: boolean };
  let file: string | undefined;
  try {
    const parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        facility: { type: "string" },
        site: { type: "string" },
        config: { type: "string", default: ".vetra/central.json" },
        tz: { type: "string" },
        cumulative: { type: "boolean", default: false },
      },
      strict: true,
    });
    values = parsed.values;
    file = parsed.positionals[0];
    if (!file || parsed.positionals.length !== 1) throw new Error("exactly one FILE is required");
    if (what === "meter" && !values.facility) throw new Error("--facility is required");
    if (what === "weather" && !values.site) throw new Error("--site is required");
  } catch (err) {
    console.error(`vetra import: ${(err as Error).message}\n${usageImport}`);
    return 2;
  }
  let config: ReturnType<typeof loadCentralConfig>;
  try {
    config = loadCentralConfig(values.config!);
  } catch (err) {
    console.error(`vetra import: ${(err as Error).message}`);
    return 2;
  }
  let tags: Record<string, string>;
  if (what === "meter") {
    const asset = config.assets.find((a) => a.id === values.facility);
    if (!asset) {
      console.error(`vetra import: unknown facility "${values.facility}" in ${values.config}`);
      return 2;
    }
    tags = { site: asset.site, asset: asset.id };
  } else {
    if (!config.sites.some((s) => s.id === values.site)) {
      console.error(`vetra import: unknown site "${values.site}" in ${values.config}`);
      return 2;
    }
    tags = { site: values.site! };
  }
  let parsed: CsvRows;
  try {
    parsed = parseTimeValueCsv(readFileSync(file, "utf8"), values.tz ? zoneOffset(values.tz) : null);
  } catch (err) {
    console.error(`vetra import: ${(err as Error).message}`);
    return 2;
  }
  let rows = parsed.rows;
  let resets = 0;
  if (what === "meter" && values.cumulative) ({ rows, resets } = registerToIntervals(rows));
  const field = what === "meter" ? "interval_energy_kwh" : "temp_c";
  const points: Point[] = rows.map((r) => ({
    measurement: what,
    tags,
    fields: { [field]: r.value },
    ts: r.ts,
  }));
  // Gaps: steps longer than the file's usual step.
  const steps = rows
    .slice(1)
    .map((r, i) => r.ts - rows[i]!.ts)
    .sort((a, b) => a - b);
  const usual = steps[Math.floor(steps.length / 2)] ?? 0;
  let gaps = 0;
  let longestGapMs = 0;
  for (let i = 1; i < rows.length; i++) {
    const step = rows[i]!.ts - rows[i - 1]!.ts;
    if (usual > 0 && step > usual) {
      gaps++;
      longestGapMs = Math.max(longestGapMs, step - usual);
    }
  }
  const store = createStore(config.store, config.dataDir);
  try {
    const slice = 5000;
    for (let i = 0; i < points.length; i += slice) {
      const r = await store.write(points.slice(i, i + slice));
      if (r.kind !== "success") {
        console.error(`\nvetra import: ${r.code}: ${r.message}`);
        return 1;
      }
      const done = Math.min(points.length, i + slice);
      const width = 30;
      const filled = Math.round((done / points.length) * width);
      process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${points.length}`);
    }
    process.stderr.write("\n");
  } finally {
    await store.close();
  }
  const reasons = new Map<string, number>();
  for (const r of parsed.rejected) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
  const summary = {
    imported: points.length,
    rejected: parsed.rejected.length + resets,
    rejected_reasons: {
      ...Object.fromEntries(reasons),
      ...(resets > 0 ? { "register went backwards": resets } : {}),
    },
    first: rows[0] ? new Date(rows[0].ts).toISOString() : null,
    last: rows.at(-1) ? new Date(rows.at(-1)!.ts).toISOString() : null,
    gaps,
    longest_gap_h: longestGapMs / HOUR_MS,
  };
  console.log(JSON.stringify(summary));
  return 0;
}
