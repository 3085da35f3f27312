// Savings reports from the time-series store: per facility and for the
// portfolio. A report (buildReport) reads site by site (report-read.ts); over the
// embedded store, sites are shared between this thread and worker threads
// (report-worker.ts), each opening the SQLite file read-only.

import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { siblingModule, startModuleWorker } from "../../common/module-worker.ts";
import type { IoResult } from "../../common/result.ts";
import { success } from "../../common/result.ts";
import { writeCsv } from "../lib/csv.ts";
import { zoneOffsetMs } from "../lib/format.ts";
import { embeddedStoreFile } from "../stores/embedded.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import type { SavingsConfig } from "./config.ts";
import type { FacilityContext } from "./intensity.ts";
import { bySite, type FacilityRef, forEachHourlyColumns, offsetOfSite } from "./report-read.ts";
import {
  aggregatePortfolio,
  computeSavingsPacked,
  type ModelChoice,
  type PortfolioTotals,
  packedIntervalsOf,
  type SavingsResult,
  withLazyIntervals,
} from "./savings.ts";
import { DAY_MS, HOUR_MS, type HourlyData } from "./series.ts";

export type { FacilityRef } from "./report-read.ts";

export interface ReportPeriods {
  baselineFromMs: number;
  baselineToMs: number;
  reportingFromMs: number;
  reportingToMs: number;
}

export const floorHour = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Local midnight of 1 January of `year` in a zone, epoch ms (the offset re-read at the result). */
export function newYearMs(year: number, timeZone: string): number {
  const wall = Date.UTC(year, 0, 1);
  const first = wall - zoneOffsetMs(wall, timeZone);
  return wall - zoneOffsetMs(first, timeZone);
}

/**
 * Default periods: reporting from 1 January of `to`'s year (local midnight
 * in the region's zone, UTC without one) to `to`; baseline the 365 days before.
 */
export function defaultPeriods(args: {
  fromMs?: number;
  toMs?: number;
  baselineFromMs?: number;
  baselineToMs?: number;
  nowMs: number;
  timeZone?: string;
}): ReportPeriods {
  const tz = args.timeZone ?? "UTC";
  const reportingToMs = floorHour(args.toMs ?? args.nowMs);
  const localYear = new Date(reportingToMs - 1 + zoneOffsetMs(reportingToMs - 1, tz)).getUTCFullYear();
  const reportingFromMs = floorHour(args.fromMs ?? newYearMs(localYear, tz));
  const baselineToMs = floorHour(args.baselineToMs ?? reportingFromMs);
  const baselineFromMs = floorHour(args.baselineFromMs ?? baselineToMs - 365 * DAY_MS);
  return { baselineFromMs, baselineToMs, reportingFromMs, reportingToMs };
}

export interface FacilityReport extends Omit<SavingsResult, "intervals">, Partial<FacilityContext> {
  id: string;
  name: string;
  kind: string;
  site: string;
  /** Adjusted baseline and actual per day of the reporting period, for charts. */
  daily: { ts: number; actual_kwh: number; baseline_kwh: number }[];
  intervals: SavingsResult["intervals"];
}

export interface SavingsReport {
  scope: "facility" | "portfolio";
  generated_at: string;
  baseline_from: string;
  baseline_to: string;
  reporting_from: string;
  reporting_to: string;
  tariff_rub_per_kwh: number;
  emission_factor_kg_co2_per_kwh: number;
  facilities: FacilityReport[];
  portfolio: PortfolioTotals;
}

/** dailySeries of intervals packed as [ts, actual_kwh, baseline_kwh] triples: the same sums in the same order. */
export function dailySeriesPacked(flat: Float64Array): FacilityReport["daily"] {
  const out: FacilityReport["daily"] = [];
  let last: FacilityReport["daily"][number] | undefined;
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const day = Math.floor(flat[i]! / DAY_MS) * DAY_MS;
    if (last && day < last.ts) return dailySeriesUnordered(unpackRows(flat));
    if (!last || day !== last.ts) {
      last = { ts: day, actual_kwh: 0, baseline_kwh: 0 };
      out.push(last);
    }
    last.actual_kwh += flat[i + 1]!;
    last.baseline_kwh += flat[i + 2]!;
  }
  return out;
}

/** Sums intervals into days (UTC day starts), for charts. */
export function dailySeries(intervals: SavingsResult["intervals"]): FacilityReport["daily"] {
  // Intervals come in time order: a day is a run of them, summed in that
  // order (the same sums as collecting them per day).
  const out: FacilityReport["daily"] = [];
  let last: FacilityReport["daily"][number] | undefined;
  for (const it of intervals) {
    const day = Math.floor(it.ts / DAY_MS) * DAY_MS;
    if (last && day < last.ts) return dailySeriesUnordered(intervals);
    if (!last || day !== last.ts) {
      last = { ts: day, actual_kwh: 0, baseline_kwh: 0 };
      out.push(last);
    }
    last.actual_kwh += it.actual_kwh;
    last.baseline_kwh += it.baseline_kwh;
  }
  return out;
}

function dailySeriesUnordered(intervals: SavingsResult["intervals"]): FacilityReport["daily"] {
  const byDay = new Map<number, { actual_kwh: number; baseline_kwh: number }>();
  for (const it of intervals) {
    const day = Math.floor(it.ts / DAY_MS) * DAY_MS;
    const d = byDay.get(day) ?? { actual_kwh: 0, baseline_kwh: 0 };
    d.actual_kwh += it.actual_kwh;
    d.baseline_kwh += it.baseline_kwh;
    byDay.set(day, d);
  }
  return [...byDay.entries()].sort((a, b) => a[0] - b[0]).map(([ts, d]) => ({ ts, ...d }));
}

/** The report of one facility from its hourly data over baseline start … reporting end. */
export function facilityReport(
  facility: FacilityRef,
  data: HourlyData,
  periods: ReportPeriods,
  model: ModelChoice,
  config: SavingsConfig,
): FacilityReport {
  const split = Math.round((periods.reportingFromMs - periods.baselineFromMs) / HOUR_MS);
  const baselineEnd = Math.round((periods.baselineToMs - periods.baselineFromMs) / HOUR_MS);
  const { result, intervals } = computeSavingsPacked({
    baseline: {
      startMs: periods.baselineFromMs,
      kwh: data.kwh.subarray(0, baselineEnd),
      tempC: data.tempC.subarray(0, baselineEnd),
    },
    reporting: {
      startMs: periods.reportingFromMs,
      kwh: data.kwh.subarray(split),
      tempC: data.tempC.subarray(split),
    },
    offsetOf: offsetOfSite(facility.timezone),
    model,
    config,
  });
  const report = {
    id: facility.id,
    name: facility.name,
    kind: facility.kind,
    site: facility.site,
    ...result,
    daily: dailySeriesPacked(intervals),
  };
  return withLazyIntervals(report, intervals);
}

export async function buildReport(args: {
  store: TimeSeriesStore;
  facilities: readonly FacilityRef[];
  scope: "facility" | "portfolio";
  periods: ReportPeriods;
  model: ModelChoice;
  config: SavingsConfig;
  nowMs: number;
  /**
   * Worker threads beside this one over the embedded store; default: one
   * less than the cores (at most 3) for 100 facilities or more, none below
   * (a worker takes ~0.5–1 s to start from the TypeScript sources).
   */
  workers?: number;
}): Promise<IoResult<SavingsReport>> {
  const out: FacilityReport[] = [];
  const loaded = await reportSites(args, out);
  if (loaded.kind !== "success") return loaded;
  // Back to the caller's order of facilities.
  const order = new Map(args.facilities.map((f, i) => [f.id, i]));
  out.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return success(savingsReportOf(args, out));
}

/** The report around its facilities' reports (in the caller's order). */
export function savingsReportOf(
  args: { scope: "facility" | "portfolio"; periods: ReportPeriods; config: SavingsConfig; nowMs: number },
  facilities: FacilityReport[],
): SavingsReport {
  const { periods: p } = args;
  return {
    scope: args.scope,
    generated_at: new Date(args.nowMs).toISOString(),
    baseline_from: new Date(p.baselineFromMs).toISOString(),
    baseline_to: new Date(p.baselineToMs).toISOString(),
    reporting_from: new Date(p.reportingFromMs).toISOString(),
    reporting_to: new Date(p.reportingToMs).toISOString(),
    tariff_rub_per_kwh: args.config.tariff.rubPerKwh,
    emission_factor_kg_co2_per_kwh: args.config.emissionFactorKgCo2PerKwh,
    facilities,
    portfolio: aggregatePortfolio(facilities),
  };
}

/** What a report worker is started with (report-worker.ts). */
export interface ReportWorkerData {
  file: string;
  periods: ReportPeriods;
  model: ModelChoice;
  config: SavingsConfig;
  /** The facilities of each site: the tasks. */
  tasks: FacilityRef[][];
  /** Int32Array(1) over it: the next task to take, shared by all threads (Atomics.add). */
  cursor: SharedArrayBuffer;
}

/** Worker → this thread: a task's reports, a task's failure, or "no task left". */
export type ReportWorkerMessage =
  | { type: "done"; task: number; reports: PackedFacilityReport[] }
  | { type: "failed"; task: number; result: IoResult<never> }
  | { type: "finished" };

/**
 * A facility report on its way between threads: intervals and daily sums as
 * flat Float64Arrays (ts, actual, baseline; transferred, not copied), since
 * cloning 8,760 interval objects per facility costs more than computing them.
 */
export interface PackedFacilityReport {
  report: Omit<FacilityReport, "intervals" | "daily">;
  intervals: Float64Array;
  daily: Float64Array;
}

const packRows = (
  rows: readonly { ts: number; actual_kwh: number; baseline_kwh: number }[],
): Float64Array => {
  const out = new Float64Array(rows.length * 3);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out[3 * i] = r.ts;
    out[3 * i + 1] = r.actual_kwh;
    out[3 * i + 2] = r.baseline_kwh;
  }
  return out;
};

const unpackRows = (flat: Float64Array): { ts: number; actual_kwh: number; baseline_kwh: number }[] => {
  const out = new Array<{ ts: number; actual_kwh: number; baseline_kwh: number }>(flat.length / 3);
  for (let i = 0; i < out.length; i++)
    out[i] = { ts: flat[3 * i]!, actual_kwh: flat[3 * i + 1]!, baseline_kwh: flat[3 * i + 2]! };
  return out;
};

export function packFacilityReport(r: FacilityReport): PackedFacilityReport {
  // Copied key by key: destructuring `intervals` would make its objects.
  const report: Record<string, unknown> = {};
  for (const key of Object.keys(r))
    if (key !== "intervals" && key !== "daily") report[key] = r[key as keyof FacilityReport];
  return {
    report: report as PackedFacilityReport["report"],
    intervals: packedIntervalsOf(r) ?? packRows(r.intervals),
    daily: packRows(r.daily),
  };
}

/**
 * Back to a FacilityReport. `intervals` becomes objects only when first read
 * (a portfolio's JSON, CSV and PDF never read them; a facility's CSV does),
 * and is then an ordinary enumerable property value.
 */
export function unpackFacilityReport(packed: PackedFacilityReport): FacilityReport {
  return withLazyIntervals({ ...packed.report, daily: unpackRows(packed.daily) }, packed.intervals);
}

/** report-worker.ts beside this file (report-worker.js in the compiled build). */
const WORKER_MODULE = siblingModule(import.meta.url, "report-worker");

function startWorker(data: ReportWorkerData): Worker {
  return startModuleWorker(WORKER_MODULE, { workerData: data });
}

const defaultWorkers = (facilities: number): number =>
  facilities >= 100 ? Math.max(0, Math.min(3, availableParallelism() - 1)) : 0;

/**
 * The read of a report: sites are tasks, taken through one shared atomic cursor
 * by this thread and by worker threads, each as soon as it is free (a worker
 * still starting, or a core busy elsewhere, delays nobody; nobody waits for
 * this thread's event loop to hand out work). Reports come back as
 * messages. A task of a worker that died unanswered is done here at the
 * end, so a failing worker only makes the report slower. `mainThread:
 * false` leaves all tasks to the workers (tests). Answers how many sites
 * the workers reported.
 */
export async function reportSites(
  args: {
    store: TimeSeriesStore;
    facilities: readonly FacilityRef[];
    periods: ReportPeriods;
    model: ModelChoice;
    config: SavingsConfig;
    workers?: number;
  },
  out: FacilityReport[],
  options: { mainThread?: boolean } = {},
): Promise<IoResult<{ byWorkers: number }>> {
  const { periods: p } = args;
  const tasks = [...bySite(args.facilities).values()];
  // Reports made here are packed too: a portfolio's interval objects (8,760
  // per facility) would otherwise stay live to the end, and every major GC
  // would walk them (measured: ~15 % of the report's CPU time).
  const runTask = (task: readonly FacilityRef[]) =>
    forEachHourlyColumns(args.store, task, p.baselineFromMs, p.reportingToMs, (f, d) =>
      out.push(unpackFacilityReport(packFacilityReport(facilityReport(f, d, p, args.model, args.config)))),
    );
  const file = embeddedStoreFile(args.store);
  const mainThread = options.mainThread ?? true;
  const count = Math.min(
    args.workers ?? defaultWorkers(args.facilities.length),
    mainThread ? tasks.length - 1 : tasks.length,
  );
  if (count <= 0 || file === null) {
    for (const task of tasks) {
      const r = await runTask(task);
      if (r.kind !== "success") return r;
    }
    return success({ byWorkers: 0 });
  }

  const cursor = new SharedArrayBuffer(4);
  const next = new Int32Array(cursor);
  const answered = new Uint8Array(tasks.length);
  let failed: IoResult<never> | null = null;
  let byWorkers = 0;
  const fail = (r: IoResult<never>) => {
    failed ??= r;
    Atomics.store(next, 0, tasks.length); // nobody starts another task
  };
  const data: ReportWorkerData = {
    file,
    periods: p,
    model: args.model,
    config: args.config,
    // Just the fields a report uses: the caller's objects may carry more.
    tasks: tasks.map((task) =>
      task.map(({ id, name, kind, site, timezone }) => ({ id, name, kind, site, timezone })),
    ),
    cursor,
  };
  const workers: Worker[] = [];
  const ended: Promise<void>[] = [];
  for (let k = 0; k < count; k++) {
    let w: Worker;
    try {
      w = startWorker(data);
    } catch {
      continue; // no worker could start: this thread does its share
    }
    workers.push(w);
    ended.push(
      new Promise<void>((resolve) => {
        w.on("message", (m: ReportWorkerMessage) => {
          if (m.type === "done") {
            if (answered[m.task]) return; // redone here after the worker was given up
            answered[m.task] = 1;
            byWorkers++;
            for (const r of m.reports) out.push(unpackFacilityReport(r));
          } else if (m.type === "failed") {
            answered[m.task] = 1;
            fail(m.result);
          } else resolve();
        });
        w.on("error", () => resolve());
        w.on("exit", () => resolve());
      }),
    );
  }
  try {
    for (
      let i = mainThread ? Atomics.add(next, 0, 1) : tasks.length;
      i < tasks.length;
      i = Atomics.add(next, 0, 1)
    ) {
      answered[i] = 1;
      const r = await runTask(tasks[i]!);
      if (r.kind !== "success") fail(r);
      // Takes in the workers' reports between sites rather than all at the
      // end, so unpacking them is shared out by the cursor like the sites.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await Promise.all(ended);
    for (let i = 0; i < tasks.length && !failed; i++) {
      if (answered[i]) continue;
      const r = await runTask(tasks[i]!);
      if (r.kind !== "success") fail(r);
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return failed ?? success({ byWorkers });
}

const num = (v: number | null, digits: number): string =>
  v === null || !Number.isFinite(v) ? "" : v.toFixed(digits);

/** Portfolio CSV: one row per facility with its figures, through lib/csv.ts. */
export function portfolioCsv(report: SavingsReport): string {
  const head = [
    "facility",
    "model",
    "baseline_kwh",
    "actual_kwh",
    "avoided_kwh",
    "savings_pct",
    "uncertainty_kwh",
    "fsu_pct",
    "money_rub",
    "co2_kg",
    "cv_rmse",
    "nmbe",
    "r2",
    "ashrae14_pass",
    "sufficiency_ok",
  ];
  const rows = report.facilities.map((f) => [
    f.id,
    f.model ?? "",
    num(f.baseline_kwh, 3),
    num(f.actual_kwh, 3),
    num(f.avoided_kwh, 3),
    num(f.savings_pct, 3),
    num(f.uncertainty_kwh, 3),
    num(f.fsu_pct, 2),
    num(f.money_rub, 2),
    num(f.co2_kg, 2),
    num(f.cv_rmse, 5),
    num(f.nmbe, 5),
    num(f.r2, 4),
    String(f.ashrae14_pass),
    String(f.sufficiency.ok),
  ]);
  return writeCsv([head, ...rows]);
}

/** JSON-safe: NaN/Infinity become null. */
export const jsonSafe = <T>(value: T): T =>
  JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v)),
  ) as T;
