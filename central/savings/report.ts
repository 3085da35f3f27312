// Savings reports from the time-series store: per facility and for the
// portfolio. Store representation (common/names.ts): the `meter`
// measurement holds either `interval_energy_kwh` (kWh in the interval that
// starts at ts: imported and backfilled history) or the cumulative register
// `energy_kwh` (live meters; hourly energy = difference of the register's
// last readings of consecutive hours); `weather.temp_c` per site.
import type { IoResult } from "../../common/result.ts";
import { success } from "../../common/result.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import type { SavingsConfig } from "./config.ts";
import {
  aggregatePortfolio,
  computeSavings,
  type ModelChoice,
  type PortfolioTotals,
  type SavingsResult,
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
  const weather = await store.query({
    measurement: "weather",
    field: "temp_c",
    tags: { site: facility.site },
    fromMs,
    toMs,
    everyMs: HOUR_MS,
    aggregate: "mean",
  });
  if (weather.kind !== "success") return weather;
  const kwh = toHourlyGrid(fromMs, toMs, interval.value[0]?.points ?? []);
  fillFromRegister(kwh, fromMs, register.value[0]?.points ?? []);
  return success({ startMs: fromMs, kwh, tempC: toHourlyGrid(fromMs, toMs, weather.value[0]?.points ?? []) });
}

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
  const bySite = new Map<string, FacilityRef[]>();
  for (const f of facilities) bySite.set(f.site, [...(bySite.get(f.site) ?? []), f]);
  const n = Math.max(0, Math.ceil((toMs - fromMs) / HOUR_MS));
  for (const [site, group] of bySite) {
    const wanted = new Set(group.map((f) => f.id));
    const interval = await store.query({
      measurement: "meter",
      field: "interval_energy_kwh",
      tags: { site },
      fromMs,
      toMs,
      groupBy: ["asset"],
    });
    if (interval.kind !== "success") return interval;
    const register = await store.query({
      measurement: "meter",
      field: "energy_kwh",
      tags: { site },
      fromMs: fromMs - HOUR_MS,
      toMs,
      everyMs: HOUR_MS,
      aggregate: "last",
      groupBy: ["asset"],
    });
    if (register.kind !== "success") return register;
    const weather = await store.query({
      measurement: "weather",
      field: "temp_c",
      tags: { site },
      fromMs,
      toMs,
      everyMs: HOUR_MS,
      aggregate: "mean",
    });
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
      let kwh = kwhOf.get(asset);
      if (!kwh) {
        kwh = new Float64Array(n).fill(Number.NaN);
        kwhOf.set(asset, kwh);
      }
      fillFromRegister(kwh, fromMs, series.points);
    }
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
  }
  return success(undefined);
}

/** Hourly energy from a cumulative register's last readings of consecutive hours, where interval energy is absent. */
function fillFromRegister(kwh: Float64Array, fromMs: number, reg: readonly { ts: number; value: number }[]) {
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

/** Default periods: reporting from 1 January of `to`'s year (UTC) to `to`; baseline the 365 days before. */
export function defaultPeriods(args: {
  fromMs?: number;
  toMs?: number;
  baselineFromMs?: number;
  baselineToMs?: number;
  nowMs: number;
}): ReportPeriods {
  const reportingToMs = floorHour(args.toMs ?? args.nowMs);
  const reportingFromMs = floorHour(
    args.fromMs ?? Date.UTC(new Date(reportingToMs - 1).getUTCFullYear(), 0, 1),
  );
  const baselineToMs = floorHour(args.baselineToMs ?? reportingFromMs);
  const baselineFromMs = floorHour(args.baselineFromMs ?? baselineToMs - 365 * DAY_MS);
  return { baselineFromMs, baselineToMs, reportingFromMs, reportingToMs };
}

export interface FacilityReport extends Omit<SavingsResult, "intervals"> {
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

/** Sums intervals into days (UTC day starts), for charts. */
export function dailySeries(intervals: SavingsResult["intervals"]): FacilityReport["daily"] {
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

export async function buildReport(args: {
  store: TimeSeriesStore;
  facilities: readonly FacilityRef[];
  scope: "facility" | "portfolio";
  periods: ReportPeriods;
  model: ModelChoice;
  config: SavingsConfig;
  nowMs: number;
  perFacilityQueries?: boolean;
}): Promise<IoResult<SavingsReport>> {
  const { periods: p } = args;
  const out: FacilityReport[] = [];
  const split = Math.round((p.reportingFromMs - p.baselineFromMs) / HOUR_MS);
  const baselineEnd = Math.round((p.baselineToMs - p.baselineFromMs) / HOUR_MS);
  const one = (f: FacilityRef, d: HourlyData) => {
    const r = computeSavings({
      baseline: {
        startMs: p.baselineFromMs,
        kwh: d.kwh.subarray(0, baselineEnd),
        tempC: d.tempC.subarray(0, baselineEnd),
      },
      reporting: { startMs: p.reportingFromMs, kwh: d.kwh.subarray(split), tempC: d.tempC.subarray(split) },
      offsetOf: offsetOfSite(f.timezone),
      model: args.model,
      config: args.config,
    });
    out.push({ id: f.id, name: f.name, kind: f.kind, site: f.site, ...r, daily: dailySeries(r.intervals) });
  };
  if (args.perFacilityQueries) {
    // The first implementation's read path (three queries per facility), kept as the benchmark's baseline.
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
  return success({
    scope: args.scope,
    generated_at: new Date(args.nowMs).toISOString(),
    baseline_from: new Date(p.baselineFromMs).toISOString(),
    baseline_to: new Date(p.baselineToMs).toISOString(),
    reporting_from: new Date(p.reportingFromMs).toISOString(),
    reporting_to: new Date(p.reportingToMs).toISOString(),
    tariff_rub_per_kwh: args.config.tariff.rubPerKwh,
    emission_factor_kg_co2_per_kwh: args.config.emissionFactorKgCo2PerKwh,
    facilities: out,
    portfolio: aggregatePortfolio(out),
  });
}

const num = (v: number | null, digits: number): string =>
  v === null || !Number.isFinite(v) ? "" : v.toFixed(digits);

/** Portfolio CSV: one row per facility with its figures. */
export function portfolioCsv(report: SavingsReport): string {
  const head =
    "facility,model,baseline_kwh,actual_kwh,avoided_kwh,savings_pct,uncertainty_kwh,fsu_pct,money_rub,co2_kg,cv_rmse,nmbe,r2,ashrae14_pass,sufficiency_ok";
  const rows = report.facilities.map((f) =>
    [
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
    ].join(","),
  );
  return `${[head, ...rows].join("\n")}\n`;
}

/** JSON-safe: NaN/Infinity become null. */
export const jsonSafe = <T>(value: T): T =>
  JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v)),
  ) as T;
