// The savings report's earlier read paths, kept as the benchmark's named
// baselines and as a test's cross-check that every way of reading the store
// gives the same report: "per-facility" (three store queries per facility,
// one thread) and "site-rows" (site by site, an object per sample, one
// thread). Central reads only through buildReport (columns, worker threads).

import type { SavingsConfig } from "../../central/savings/config.ts";
import {
  buildReport,
  type FacilityRef,
  type FacilityReport,
  facilityReport,
  type ReportPeriods,
  type SavingsReport,
  savingsReportOf,
} from "../../central/savings/report.ts";
import {
  bySite,
  emitGroup,
  fillFromRegister,
  intervalByAssetQuery,
  kwhGridOf,
  loadHourly,
  registerByAssetQuery,
  weatherQuery,
} from "../../central/savings/report-read.ts";
import type { ModelChoice } from "../../central/savings/savings.ts";
import { HOUR_MS, type HourlyData, toHourlyGrid } from "../../central/savings/series.ts";
import type { TimeSeriesStore } from "../../central/stores/types.ts";
import type { IoResult } from "../../common/result.ts";
import { success } from "../../common/result.ts";

/** How a report reads the store; all give the same figures. */
export type ReadPath =
  /** Site by site, columnar reads, sites shared with worker threads over the embedded store (central's). */
  | "columnar"
  /** Site by site, a point object per sample, one thread: the previous read path. */
  | "site-rows"
  /** Three queries per facility, one thread: the first read path. */
  | "per-facility";

/**
 * Hourly data of many facilities over [fromMs, toMs), site by site: per site
 * one query for its weather, one for all its meters' interval energy
 * (grouped by asset, summed per hour here) and one for their registers —
 * instead of three queries per facility. A facility whose meter points carry
 * no site tag is not found that way and falls back to loadHourly.
 * `each` is called once per facility, in the order of `facilities`' sites,
 * so only one site's data is held at a time.
 */
export async function forEachHourly(
  store: TimeSeriesStore,
  facilities: readonly FacilityRef[],
  fromMs: number,
  toMs: number,
  each: (facility: FacilityRef, data: HourlyData) => void,
): Promise<IoResult<void>> {
  const n = Math.max(0, Math.ceil((toMs - fromMs) / HOUR_MS));
  for (const [site, group] of bySite(facilities)) {
    const wanted = new Set(group.map((f) => f.id));
    const interval = await store.query(intervalByAssetQuery({ site }, fromMs, toMs));
    if (interval.kind !== "success") return interval;
    const register = await store.query(registerByAssetQuery({ site }, fromMs, toMs));
    if (register.kind !== "success") return register;
    const weather = await store.query(weatherQuery(site, fromMs, toMs));
    if (weather.kind !== "success") return weather;
    const tempC = toHourlyGrid(fromMs, toMs, weather.value[0]?.points ?? []);
    const kwhOf = new Map<string, Float64Array>();
    for (const series of interval.value) {
      const asset = series.tags.asset;
      if (asset === undefined || !wanted.has(asset)) continue;
      // Interval energy summed per hour (intervals may be shorter than an hour).
      const kwh = new Float64Array(n).fill(Number.NaN);
      for (const p of series.points) {
        const k = Math.floor((p.ts - fromMs) / HOUR_MS);
        if (k < 0 || k >= n) continue;
        kwh[k] = Number.isNaN(kwh[k]!) ? p.value : kwh[k]! + p.value;
      }
      kwhOf.set(asset, kwh);
    }
    for (const series of register.value) {
      const asset = series.tags.asset;
      if (asset === undefined || !wanted.has(asset)) continue;
      fillFromRegister(kwhGridOf(kwhOf, asset, n), fromMs, series.points);
    }
    const emitted = await emitGroup(store, group, kwhOf, tempC, fromMs, toMs, each);
    if (emitted.kind !== "success") return emitted;
  }
  return success(undefined);
}

/** buildReport on the read path named. */
export async function buildReportOnReadPath(args: {
  store: TimeSeriesStore;
  facilities: readonly FacilityRef[];
  scope: "facility" | "portfolio";
  periods: ReportPeriods;
  model: ModelChoice;
  config: SavingsConfig;
  nowMs: number;
  readPath: ReadPath;
  /** Worker threads of the columnar path (buildReport's `workers`). */
  workers?: number;
}): Promise<IoResult<SavingsReport>> {
  const { periods: p, readPath } = args;
  if (readPath === "columnar") return buildReport(args);
  const out: FacilityReport[] = [];
  const one = (f: FacilityRef, d: HourlyData) => out.push(facilityReport(f, d, p, args.model, args.config));
  if (readPath === "per-facility") {
    for (const f of args.facilities) {
      const data = await loadHourly(args.store, f, p.baselineFromMs, p.reportingToMs);
      if (data.kind !== "success") return data;
      one(f, data.value);
    }
  } else {
    const loaded = await forEachHourly(args.store, args.facilities, p.baselineFromMs, p.reportingToMs, one);
    if (loaded.kind !== "success") return loaded;
    // Back to the caller's order of facilities.
    const order = new Map(args.facilities.map((f, i) => [f.id, i]));
    out.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }
  return success(savingsReportOf(args, out));
}
