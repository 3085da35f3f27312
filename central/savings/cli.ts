// `vetra savings …` (offline M&V on CSV files) and `vetra import meter|weather …`
// (history into the store). CSV: `timestamp,value` with a header; ISO
// timestamps with a zone, or naive local ones with `--tz ZONE`; meter
// values in kWh per interval, or a cumulative register with `--cumulative`.
// An import checks every row as ingest checks every point (lib/points.ts):
// any refused row refuses the file, unless `--skip-invalid`.
import { readFileSync, writeFileSync } from "node:fs";
import { command, helpText, parseCommand, UsageError, usageLine } from "../../common/cli.ts";
import type { Point } from "../../common/wire.ts";
import { loadCentralConfig } from "../config.ts";
import { readCsv } from "../lib/csv.ts";
import { pointProblem } from "../lib/points.ts";
import { createStore } from "../stores/registry.ts";
import { defaultSavingsConfig } from "./config.ts";
import { renderPdf } from "./pdf.ts";
import { dailySeries, jsonSafe } from "./report.ts";
import { offsetOfSite } from "./report-read.ts";
import { computeSavings, intervalsCsv, type ModelChoice } from "./savings.ts";
import { HOUR_MS, type OffsetOf, sliceHours, zoneOffset } from "./series.ts";

export interface CsvRows {
  /** Sorted by time; `line`: the file line the value came from. */
  rows: { ts: number; value: number; line: number }[];
  rejected: { line: number; reason: string }[];
  /** Rows with an empty value: missing readings (the data sets' convention), skipped, not refused. */
  missing: number;
  /** The header's column names (lower case). */
  header: string[];
  /** Rows after the header. */
  dataRows: number;
}

/** Plain decimal numbers only: `0x10`, `1_000`, `Infinity`, `12abc` and an empty cell are not readings. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** ISO 8601 date and time, with or without a zone (`T` or a space between them). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses `timestamp,value` CSV (lib/csv.ts) with a header; rows sorted by
 * time, duplicates keep the last. Values must be plain decimal numbers and
 * times ISO 8601, zoned or naive with `offsetOf` (--tz); every other row
 * is refused with its line and reason.
 */
export function parseTimeValueCsv(text: string, offsetOf: OffsetOf | null): CsvRows {
  const { rows: records, lines } = readCsv(text);
  const byTs = new Map<number, { value: number; line: number }>();
  const rejected: CsvRows["rejected"] = [];
  let missing = 0;
  for (let i = 1; i < records.length; i++) {
    const record = records[i]!;
    const line = lines[i]!;
    if (record.length !== 2) {
      rejected.push({ line, reason: `expected 2 columns (timestamp,value), got ${record.length}` });
      continue;
    }
    const t = record[0]!.trim();
    const v = record[1]!.trim();
    if (v === "") {
      missing++;
      continue;
    }
    if (!DECIMAL.test(v)) {
      rejected.push({ line, reason: `value '${v.slice(0, 24)}' is not a decimal number` });
      continue;
    }
    const value = Number(v);
    if (!Number.isFinite(value)) {
      rejected.push({ line, reason: `value '${v.slice(0, 24)}' is not finite` });
      continue;
    }
    const iso = ISO_TIME.exec(t);
    if (!iso) {
      rejected.push({ line, reason: `timestamp '${t.slice(0, 32)}' is not ISO 8601` });
      continue;
    }
    let ts: number;
    const normalised = t.replace(" ", "T");
    if (iso[1] !== undefined) ts = Date.parse(normalised);
    else if (offsetOf) {
      const naive = Date.parse(`${normalised}Z`);
      ts = naive - offsetOf(naive);
    } else {
      rejected.push({ line, reason: "timestamp without zone (use --tz)" });
      continue;
    }
    if (!Number.isFinite(ts)) {
      rejected.push({ line, reason: `timestamp '${t.slice(0, 32)}' is not a valid time` });
      continue;
    }
    byTs.set(ts, { value, line });
  }
  const rows = [...byTs.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([ts, { value, line }]) => ({ ts, value, line }));
  return {
    rows,
    rejected,
    missing,
    header: (records[0] ?? []).map((h) => h.trim().toLowerCase()),
    dataRows: Math.max(0, records.length - 1),
  };
}

/** A cumulative register to interval energy at each interval's start; negative steps (resets) are rejected. */
export function registerToIntervals(rows: CsvRows["rows"]): {
  rows: CsvRows["rows"];
  resets: CsvRows["rejected"];
} {
  const out: CsvRows["rows"] = [];
  const resets: CsvRows["rejected"] = [];
  for (let i = 1; i < rows.length; i++) {
    const d = rows[i]!.value - rows[i - 1]!.value;
    if (d < 0) resets.push({ line: rows[i]!.line, reason: "register went backwards" });
    else out.push({ ts: rows[i - 1]!.ts, value: d, line: rows[i]!.line });
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

const parsePeriod = (text: string | undefined, name: string): [number, number] => {
  const [a, b] = (text ?? "").split("/");
  const day = (s: string | undefined) => (s && /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  const from = Date.parse(day(a) ?? "");
  const to = Date.parse(day(b) ?? "");
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from)
    throw new UsageError(`--${name}: expected FROM/TO (ISO dates), got '${text ?? ""}'`);
  return [Math.floor(from / HOUR_MS) * HOUR_MS, Math.floor(to / HOUR_MS) * HOUR_MS];
};

export const SAVINGS_COMMAND = command({
  name: "vetra savings",
  synopsis: [
    "vetra savings --meter FILE --weather FILE --baseline FROM/TO --reporting FROM/TO [--model daily|hourly|auto] [--format json|csv|pdf] [--lang ru|en] [--tz ZONE] [--cumulative] [--out FILE]",
  ],
  options: {
    meter: {
      type: "string",
      arg: "FILE",
      help: "CSV file timestamp,value (energy per interval, or a register with --cumulative)",
    },
    weather: { type: "string", arg: "FILE", help: "CSV file timestamp,value (°C)" },
    baseline: {
      type: "string",
      arg: "FROM/TO",
      help: "ISO dates or times; the baseline ends before reporting starts",
    },
    reporting: { type: "string", arg: "FROM/TO", help: "ISO dates or times" },
    model: {
      type: "string",
      default: "auto",
      arg: "daily|hourly|auto",
      help: "the baseline model (ASHRAE Guideline 14; auto picks by CV(RMSE))",
    },
    format: {
      type: "string",
      default: "json",
      arg: "json|csv|pdf",
      help: "summary JSON, hourly intervals CSV, or the PDF report",
    },
    lang: { type: "string", default: "ru", arg: "ru|en", help: "report language" },
    tz: { type: "string", arg: "ZONE", help: "IANA zone for naive timestamps" },
    cumulative: {
      type: "boolean",
      default: false,
      help: "the meter values are a register reading, not energy per interval",
    },
    out: { type: "string", arg: "FILE", help: "write there instead of stdout" },
  },
});

export async function runSavings(argv: string[]): Promise<number> {
  try {
    const parsed = parseCommand(argv, SAVINGS_COMMAND);
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    if (!values.meter || !values.weather) throw new UsageError("--meter and --weather are required");
    if (!["daily", "hourly", "auto"].includes(values.model!))
      throw new UsageError("--model must be daily, hourly or auto");
    if (!["json", "csv", "pdf"].includes(values.format!))
      throw new UsageError("--format must be json, csv or pdf");
    if (values.lang !== "ru" && values.lang !== "en") throw new UsageError("--lang must be ru or en");
    const [bFrom, bTo] = parsePeriod(values.baseline, "baseline");
    const [rFrom, rTo] = parsePeriod(values.reporting, "reporting");
    if (bTo > rFrom) throw new UsageError("--baseline must end before --reporting starts");
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
    // A usage error points at --help; an unreadable file or a refused period is named on one line.
    console.error(
      err instanceof UsageError
        ? usageLine("vetra savings", err.message)
        : `vetra savings: ${(err as Error).message.split("\n")[0]}`,
    );
    return 2;
  }
}

function write(out: string | undefined, body: string | Buffer): void {
  if (out) writeFileSync(out, body);
  else process.stdout.write(body);
}

/** `import meter` and `import weather` take the same options; each says which one it is for. */
export const IMPORT_COMMAND = command({
  name: "vetra import",
  synopsis: [
    "vetra import meter --facility ID FILE | vetra import weather --site ID FILE   [--config FILE] [--tz ZONE] [--cumulative] [--skip-invalid]",
  ],
  arguments: { FILE: "CSV timestamp,value (header names the unit: kwh, energy_kwh, temp_c …)" },
  options: {
    facility: { type: "string", arg: "ID", help: "(meter) the facility as configured in central" },
    site: { type: "string", arg: "ID", help: "(weather) the site as configured in central" },
    config: {
      type: "string",
      default: ".vetra/central.json",
      arg: "FILE",
      help: "the central configuration",
    },
    tz: { type: "string", arg: "ZONE", help: "IANA zone of naive timestamps (default: the site's region)" },
    cumulative: {
      type: "boolean",
      default: false,
      help: "the values are a register reading, not energy per interval",
    },
    "skip-invalid": {
      type: "boolean",
      default: false,
      help: "import the valid rows and report the rest (default: refuse the file)",
    },
  },
  positionals: { min: 1, max: 1, name: "FILE" },
});

/**
 * Units a header may name for the value column (`kwh`, `energy_kwh`,
 * `temp_c`…): the unit the store keeps is accepted, another is refused
 * (nothing is converted behind the user's back), a name without a unit
 * (`value`) is taken as the documented one.
 */
const UNITS = {
  meter: {
    unit: "kWh",
    ok: ["kwh"],
    other: ["wh", "mwh", "gwh", "kw", "w", "mw", "kvah", "j", "kj", "mj", "gj"],
  },
  weather: { unit: "°C", ok: ["c", "degc", "celsius"], other: ["f", "degf", "fahrenheit", "k", "kelvin"] },
} as const;

/** Why the header's value column names a unit other than the store's, or null. */
export function headerUnitProblem(what: "meter" | "weather", header: readonly string[]): string | null {
  const column = header[1];
  if (column === undefined) return "header: expected timestamp,value";
  const unit = column.split(/[_\s]+/).at(-1) ?? column;
  const known = UNITS[what];
  if ((known.other as readonly string[]).includes(unit))
    return `header: column '${column}' is in ${unit}; give ${what === "meter" ? "energy" : "temperature"} in ${known.unit}`;
  return null;
}

/** How many refusals are printed by line; the summary counts them all by reason. */
const REASONS_SHOWN = 5;

export async function runImport(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  if (what === "--help" || what === "-h" || what === "help") {
    console.log(helpText(IMPORT_COMMAND));
    return 0;
  }
  if (what !== "meter" && what !== "weather") {
    console.error(
      usageLine(
        "vetra import",
        what === undefined ? "expected meter or weather" : `unknown '${what}': expected meter or weather`,
      ),
    );
    return 2;
  }
  const name = `vetra import ${what}`;
  const args = parseCommand(rest, { ...IMPORT_COMMAND, name });
  if (typeof args === "number") return args;
  const { values } = args;
  const file = args.positionals[0]!;
  if (what === "meter" && !values.facility) {
    console.error(usageLine(name, "--facility is required"));
    return 2;
  }
  if (what === "weather" && !values.site) {
    console.error(usageLine(name, "--site is required"));
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
  const unitProblem = headerUnitProblem(what, parsed.header);
  if (unitProblem) {
    console.error(`vetra import: ${file}: ${unitProblem}; nothing was imported`);
    return 2;
  }
  let rows = parsed.rows;
  const refused = [...parsed.rejected];
  if (what === "meter" && values.cumulative) {
    const intervals = registerToIntervals(rows);
    rows = intervals.rows;
    refused.push(...intervals.resets);
  }
  const field = what === "meter" ? "interval_energy_kwh" : "temp_c";
  // Every row meets ingest's rules for a point (times, finite values within physical bounds, tag values).
  const nowMs = Date.now();
  const points: Point[] = [];
  const kept: CsvRows["rows"] = [];
  for (const r of rows) {
    const point: Point = { measurement: what, tags, fields: { [field]: r.value }, ts: r.ts };
    const problem = pointProblem(point, nowMs);
    if (problem) refused.push({ line: r.line, reason: problem.message });
    else {
      points.push(point);
      kept.push(r);
    }
  }
  refused.sort((a, b) => a.line - b.line);
  const total = parsed.dataRows;
  if (refused.length > 0 && !values["skip-invalid"]) {
    console.error(
      `vetra import: ${file}: ${refused.length} of ${total} rows refused; nothing was imported (--skip-invalid imports the rest)`,
    );
    for (const r of refused.slice(0, REASONS_SHOWN)) console.error(`  line ${r.line}: ${r.reason}`);
    if (refused.length > REASONS_SHOWN) console.error(`  … and ${refused.length - REASONS_SHOWN} more`);
    return 2;
  }
  // Gaps: steps longer than the file's usual step.
  const steps = kept
    .slice(1)
    .map((r, i) => r.ts - kept[i]!.ts)
    .sort((a, b) => a - b);
  const usual = steps[Math.floor(steps.length / 2)] ?? 0;
  let gaps = 0;
  let longestGapMs = 0;
  for (let i = 1; i < kept.length; i++) {
    const step = kept[i]!.ts - kept[i - 1]!.ts;
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
  // Reasons by kind: the message without the value it names (`value '0x10' is not…` → `value is not…`).
  for (const r of refused) {
    const kind = r.reason.replace(/'[^']*'|-?\d[\d.eE+:TZ-]*/g, "…");
    reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
  }
  const summary = {
    imported: points.length,
    rejected: refused.length,
    rejected_reasons: Object.fromEntries(reasons),
    rejected_lines: refused.slice(0, REASONS_SHOWN).map((r) => ({ line: r.line, reason: r.reason })),
    missing: parsed.missing,
    first: kept[0] ? new Date(kept[0].ts).toISOString() : null,
    last: kept.at(-1) ? new Date(kept.at(-1)!.ts).toISOString() : null,
    gaps,
    longest_gap_h: longestGapMs / HOUR_MS,
  };
  console.log(JSON.stringify(summary));
  return 0;
}
