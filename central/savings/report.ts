// Savings reports from the time-series store: per facility and for the
// portfolio. Store representation (common/names.ts): the `meter`
// measurement holds either `interval_energy_kwh` (kWh in the interval that
// starts at ts: imported and backfilled history) or the cumulative register
// `energy_kwh` (live meters; hourly energy = difference of the register's
// last readings of consecutive hours); `weather.temp_c` per site.
//
// Read path of a report (buildReport): site by site, columns straight into
// typed arrays (stores/columns.ts); over the embedded store, sites are
// shared between this thread and worker threads (report-worker.ts), each
// opening the SQLite file read-only.

import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { siblingModule, startModuleWorker } from "../../common/module-worker.ts";
import type { IoResult } from "../../common/result.ts";
import { success } from "../../common/result.ts";
import { writeCsv } from "../lib/csv.ts";
import { zoneOffsetMs } from "../lib/format.ts";
import { queryColumns } from "../stores/columns.ts";
import { embeddedStoreFile } from "../stores/embedded.ts";
import type { ColumnSeries, SeriesQuery, TimeSeriesStore } from "../stores/types.ts";
import type { SavingsConfig } from "./config.ts";
import type { FacilityContext } from "./intensity.ts";
import {
  aggregatePortfolio,
  computeSavingsPacked,
  type ModelChoice,
  type PortfolioTotals,
  packedIntervalsOf,
  type SavingsResult,
  withLazyIntervals,
} from "./savings.ts";
import {
  DAY_MS,
  fixedOffset,
  HOUR_MS,
  type HourlyData,
  type OffsetOf,
  toHourlyGrid,
  zoneOffset,
} from "./series.ts";

export interface FacilityRef {
  id: string;
  name: string;
  kind: string;
  site: string;
  timezone: string | null;
}

/** Without a site time zone, the facility simulator's and the demo's default (UTC+3, Moscow time). */
export const DEFAULT_UTC_OFFSET_HOURS = 3;

export const offsetOfSite = (timezone: string | null): OffsetOf => {
  if (timezone) {
    try {
      return zoneOffset(timezone);
    } catch {
      // An unknown zone name falls back to the default offset.
    }
  }
  return fixedOffset(DEFAULT_UTC_OFFSET_HOURS);
};

/** Hourly energy and temperature of a facility over [fromMs, toMs) (hour boundaries). */
export async function loadHourly(
  store: TimeSeriesStore,
  facility: Pick<FacilityRef, "id" | "site">,
  fromMs: number,
  toMs: number,
): Promise<IoResult<HourlyData>> {
  const interval = await store.query({
    measurement: "meter",
    field: "interval_energy_kwh",
    tags: { asset: facility.id },
    fromMs,
    toMs,
    everyMs: HOUR_MS,
    aggregate: "sum",
  });
  if (interval.kind !== "success") return interval;
  const register = await store.query({
    measurement: "meter",
    field: "energy_kwh",
    tags: { asset: facility.id },
    fromMs: fromMs - HOUR_MS,
    toMs,
    everyMs: HOUR_MS,
    aggregate: "last",
  });
  if (register.kind !== "success") return register;
  const weather = await store.query(weatherQuery(facility.site, fromMs, toMs));
  if (weather.kind !== "success") return weather;
  const kwh = toHourlyGrid(fromMs, toMs, interval.value[0]?.points ?? []);
  fillFromRegister(kwh, fromMs, register.value[0]?.points ?? []);
  return success({ startMs: fromMs, kwh, tempC: toHourlyGrid(fromMs, toMs, weather.value[0]?.points ?? []) });
}

/** Facilities grouped by site, in order of first appearance. */
export function bySite(facilities: readonly FacilityRef[]): Map<string, FacilityRef[]> {
  const out = new Map<string, FacilityRef[]>();
  for (const f of facilities) {
    const group = out.get(f.site);
    if (group) group.push(f);
    else out.set(f.site, [f]);
  }
  return out;
}

/** A site's hourly mean outdoor temperature over [fromMs, toMs). */
export const weatherQuery = (site: string, fromMs: number, toMs: number): SeriesQuery => ({
  measurement: "weather",
  field: "temp_c",
  tags: { site },
  fromMs,
  toMs,
  everyMs: HOUR_MS,
  aggregate: "mean",
});

/** Raw interval energy over [fromMs, toMs), one series per meter (asset). */
export const intervalByAssetQuery = (
  tags: Record<string, string>,
  fromMs: number,
  toMs: number,
): SeriesQuery => ({
  measurement: "meter",
  field: "interval_energy_kwh",
  tags,
  fromMs,
  toMs,
  groupBy: ["asset"],
});

/** Registers' last reading per hour from the hour before fromMs, one series per meter (asset). */
export const registerByAssetQuery = (
  tags: Record<string, string>,
  fromMs: number,
  toMs: number,
): SeriesQuery => ({
  measurement: "meter",
  field: "energy_kwh",
  tags,
  fromMs: fromMs - HOUR_MS,
  toMs,
  everyMs: HOUR_MS,
  aggregate: "last",
  groupBy: ["asset"],
});

/** The asset's hourly energy grid in `kwhOf`, made (n hours, all NaN) if it has none yet. */
export function kwhGridOf(kwhOf: Map<string, Float64Array>, asset: string, n: number): Float64Array {
  let kwh = kwhOf.get(asset);
  if (!kwh) {
    kwh = new Float64Array(n).fill(Number.NaN);
    kwhOf.set(asset, kwh);
  }
  return kwh;
}

/**
 * Hands each facility of a site's group its hourly data: its energy from the
 * site's queries, or, where those found none of its meters (no site tag on
 * its points), its own three queries (loadHourly).
 */
export async function emitGroup(
  store: TimeSeriesStore,
  group: readonly FacilityRef[],
  kwhOf: ReadonlyMap<string, Float64Array>,
  tempC: Float64Array,
  fromMs: number,
  toMs: number,
  each: (facility: FacilityRef, data: HourlyData) => void,
): Promise<IoResult<void>> {
  for (const f of group) {
    const kwh = kwhOf.get(f.id);
    if (kwh) {
      each(f, { startMs: fromMs, kwh, tempC });
      continue;
    }
    const alone = await loadHourly(store, f, fromMs, toMs);
    if (alone.kind !== "success") return alone;
    each(f, alone.value);
  }
  return success(undefined);
}

/**
 * Hourly data of many facilities over [fromMs, toMs), site by site, each
 * series read into typed arrays: per site one query for its weather and,
 * over a server store, one for all its meters' interval energy (grouped by
 * asset, summed per hour here) and one for their registers. A facility
 * whose meter points carry no site tag is not found that way and falls back
 * to loadHourly. `each` is called once per facility, in the order of
 * `facilities`' sites, so only one site's data is held at a time.
 */
export async function forEachHourlyColumns(
  store: TimeSeriesStore,
  facilities: readonly FacilityRef[],
  fromMs: number,
  toMs: number,
  each: (facility: FacilityRef, data: HourlyData) => void,
): Promise<IoResult<void>> {
  const n = Math.max(0, Math.ceil((toMs - fromMs) / HOUR_MS));
  // A store that reads columns itself reads locally: there, a query per
  // facility costs nothing over one per site and reads only the wanted
  // meters (a site query reads all of the site's). Other stores (a server)
  // are asked once per site.
  const perFacility = store.queryColumns !== undefined;
  for (const [site, group] of bySite(facilities)) {
    const wanted = new Set(group.map((f) => f.id));
    const interval: ColumnSeries[] = [];
    const register: ColumnSeries[] = [];
    for (const batch of perFacility ? group.map((f) => [f]) : [group]) {
      const tags: Record<string, string> = batch.length === 1 ? { site, asset: batch[0]!.id } : { site };
      const energy = await queryColumns(store, intervalByAssetQuery(tags, fromMs, toMs));
      if (energy.kind !== "success") return energy;
      interval.push(...energy.value);
      const readings = await queryColumns(store, registerByAssetQuery(tags, fromMs, toMs));
      if (readings.kind !== "success") return readings;
      register.push(...readings.value);
    }
    const weather = await queryColumns(store, weatherQuery(site, fromMs, toMs));
    if (weather.kind !== "success") return weather;
    const tempC = hourlyGridOfColumns(fromMs, toMs, weather.value[0]);
    const kwhOf = new Map<string, Float64Array>();
    for (const series of interval) {
      const asset = series.tags.asset;
      if (asset === undefined || !wanted.has(asset)) continue;
      // Interval energy summed per hour (intervals may be shorter than an hour).
      const kwh = new Float64Array(n).fill(Number.NaN);
      const { ts, values } = series;
      for (let i = 0; i < ts.length; i++) {
        const k = Math.floor((ts[i]! - fromMs) / HOUR_MS);
        if (k < 0 || k >= n) continue;
        kwh[k] = Number.isNaN(kwh[k]!) ? values[i]! : kwh[k]! + values[i]!;
      }
      kwhOf.set(asset, kwh);
    }
    for (const series of register) {
      const asset = series.tags.asset;
      if (asset === undefined || !wanted.has(asset)) continue;
      fillFromRegisterColumns(kwhGridOf(kwhOf, asset, n), fromMs, series);
    }
    const emitted = await emitGroup(store, group, kwhOf, tempC, fromMs, toMs, each);
    if (emitted.kind !== "success") return emitted;
  }
  return success(undefined);
}

/** toHourlyGrid for a column series (absent: all NaN). */
function hourlyGridOfColumns(fromMs: number, toMs: number, series: ColumnSeries | undefined): Float64Array {
  const start = Math.floor(fromMs / HOUR_MS) * HOUR_MS;
  const n = Math.max(0, Math.ceil((toMs - start) / HOUR_MS));
  const out = new Float64Array(n).fill(Number.NaN);
  if (!series) return out;
  for (let j = 0; j < series.ts.length; j++) {
    const i = Math.floor((series.ts[j]! - start) / HOUR_MS);
    if (i >= 0 && i < n) out[i] = series.values[j]!;
  }
  return out;
}

/** fillFromRegister for a column series. */
function fillFromRegisterColumns(kwh: Float64Array, fromMs: number, reg: ColumnSeries) {
  for (let i = 1; i < reg.ts.length; i++) {
    if (reg.ts[i]! - reg.ts[i - 1]! !== HOUR_MS) continue;
    const k = Math.floor((reg.ts[i]! - fromMs) / HOUR_MS);
    const delta = reg.values[i]! - reg.values[i - 1]!;
    if (k >= 0 && k < kwh.length && Number.isNaN(kwh[k]!) && delta >= 0) kwh[k] = delta;
  }
}

/** Hourly energy from a cumulative register's last readings of consecutive hours, where interval energy is absent. */
export function fillFromRegister(
  kwh: Float64Array,
  fromMs: number,
  reg: readonly { ts: number; value: number }[],
) {
  for (let i = 1; i < reg.length; i++) {
    const cur = reg[i]!;
    const prev = reg[i - 1]!;
    if (cur.ts - prev.ts !== HOUR_MS) continue;
    const k = Math.floor((cur.ts - fromMs) / HOUR_MS);
    const delta = cur.value - prev.value;
    if (k >= 0 && k < kwh.length && Number.isNaN(kwh[k]!) && delta >= 0) kwh[k] = delta;
  }
}

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
  f: FacilityRef,
  d: HourlyData,
  p: ReportPeriods,
  model: ModelChoice,
  config: SavingsConfig,
): FacilityReport {
  const split = Math.round((p.reportingFromMs - p.baselineFromMs) / HOUR_MS);
  const baselineEnd = Math.round((p.baselineToMs - p.baselineFromMs) / HOUR_MS);
  const { result: r, intervals } = computeSavingsPacked({
    baseline: {
      startMs: p.baselineFromMs,
      kwh: d.kwh.subarray(0, baselineEnd),
      tempC: d.tempC.subarray(0, baselineEnd),
    },
    reporting: { startMs: p.reportingFromMs, kwh: d.kwh.subarray(split), tempC: d.tempC.subarray(split) },
    offsetOf: offsetOfSite(f.timezone),
    model,
    config,
  });
  const report = {
    id: f.id,
    name: f.name,
    kind: f.kind,
    site: f.site,
    ...r,
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
