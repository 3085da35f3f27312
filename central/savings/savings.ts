// Avoided energy (IPMVP Option C, whole facility; ASHRAE Guideline 14):
//   avoided = adjusted baseline − actual, over the reporting period,
// where the adjusted baseline is the baseline model driven by the reporting
// period's weather and calendar. With its uncertainty (stats.ts), money
// (tariff) and CO2 (grid emission factor), and portfolio aggregation.
import { writeCsv } from "../lib/csv.ts";
import { dailyMeanRate, rateAt, type SavingsConfig } from "./config.ts";
import { type DailyModel, fitDaily, predictDay } from "./daily.ts";
import { toDaily } from "./degreedays.ts";
import { fitHourlyDetailed, type HourlyModel, predictHours } from "./hourly.ts";
import { DAY_MS, HOUR_MS, type HourlyData, type OffsetOf } from "./series.ts";
import { ashrae14Pass, finitePairs, fitStats, savingsUncertainty, selectKth } from "./stats.ts";

export type ModelChoice = "daily" | "hourly" | "auto";

/** Notes on data quality, as codes the reports translate. */
export type SufficiencyNote =
  | "baseline_shorter_than_year"
  | "baseline_coverage_below_90pct"
  | "temperature_coverage_below_90pct"
  | "reporting_coverage_below_90pct"
  | "zero_readings"
  | "outliers"
  | "no_model";

export interface Sufficiency {
  ok: boolean;
  baseline_days: number;
  baseline_coverage: number;
  temperature_coverage: number;
  reporting_coverage: number;
  zero_hours: number;
  outlier_hours: number;
  notes: SufficiencyNote[];
}

/** CalTRACK 2.0 section 2.2 data sufficiency, plus zero and outlier flags (Tukey fences at 3·IQR). */
export function checkSufficiency(baseline: HourlyData, reporting: HourlyData): Sufficiency {
  const n = baseline.kwh.length;
  let e = 0;
  let t = 0;
  let zeros = 0;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = baseline.kwh[i]!;
    if (Number.isFinite(v)) {
      values[e++] = v;
      if (v === 0) zeros++;
    }
    if (Number.isFinite(baseline.tempC[i]!)) t++;
  }
  let r = 0;
  for (let i = 0; i < reporting.kwh.length; i++) {
    const v = reporting.kwh[i]!;
    if (Number.isFinite(v)) {
      r++;
      if (v === 0) zeros++;
    }
  }
  let outliers = 0;
  if (e >= 4) {
    // The quartiles are order statistics of the sorted values; selecting
    // them needs no sort (the count below does not depend on the order).
    const k1 = Math.floor(e * 0.25);
    const k3 = Math.floor(e * 0.75);
    const q3 = selectKth(values, k3, 0, e);
    const q1 = selectKth(values, k1, 0, k3);
    const lo = q1 - 3 * (q3 - q1);
    const hi = q3 + 3 * (q3 - q1);
    for (let i = 0; i < e; i++) {
      const v = values[i]!;
      if (v < lo || v > hi) outliers++;
    }
  }
  const days = (n * HOUR_MS) / 86_400_000;
  const s: Sufficiency = {
    ok: true,
    baseline_days: Math.round(days * 10) / 10,
    baseline_coverage: n > 0 ? e / n : 0,
    temperature_coverage: n > 0 ? t / n : 0,
    reporting_coverage: reporting.kwh.length > 0 ? r / reporting.kwh.length : 0,
    zero_hours: zeros,
    outlier_hours: outliers,
    notes: [],
  };
  if (days < 365 - 1e-9) s.notes.push("baseline_shorter_than_year");
  if (s.baseline_coverage < 0.9) s.notes.push("baseline_coverage_below_90pct");
  if (s.temperature_coverage < 0.9) s.notes.push("temperature_coverage_below_90pct");
  if (s.reporting_coverage < 0.9) s.notes.push("reporting_coverage_below_90pct");
  if (zeros > 0) s.notes.push("zero_readings");
  if (outliers > 0) s.notes.push("outliers");
  s.ok = !s.notes.some((note) => note !== "zero_readings" && note !== "outliers");
  return s;
}

export interface Interval {
  /** Start, UTC ms. */
  ts: number;
  actual_kwh: number;
  /** Adjusted baseline. */
  baseline_kwh: number;
}

/** The savings figures of one facility or of a portfolio. */
export interface SavingsFigures {
  baseline_kwh: number;
  actual_kwh: number;
  avoided_kwh: number;
  savings_pct: number;
  /**
   * Absolute uncertainty of avoided_kwh at the confidence level, kWh; for a
   * portfolio the root-sum-square of the facilities' (independent errors;
   * CalTRACK aggregation guidance).
   */
  uncertainty_kwh: number;
  /** uncertainty / avoided, %; null when nothing was avoided. */
  fsu_pct: number | null;
  /** The avoided energy exceeds its uncertainty. */
  significant: boolean;
  money_rub: number;
  co2_kg: number;
}

export interface SavingsResult extends SavingsFigures {
  model: "daily" | "hourly" | null;
  baseline_from: string;
  baseline_to: string;
  reporting_from: string;
  reporting_to: string;
  confidence: number;
  r2: number;
  adj_r2: number;
  /** Fraction (0.12 = 12 %). */
  cv_rmse: number;
  /** Fraction, signed. */
  nmbe: number;
  ashrae14_pass: boolean;
  ashrae14_granularity: "hourly" | "daily";
  n_baseline: number;
  n_reporting: number;
  rho: number;
  n_prime: number;
  parameters: number;
  model_form: string;
  sufficiency: Sufficiency;
  intervals: Interval[];
}

export interface MvInput {
  baseline: HourlyData;
  reporting: HourlyData;
  offsetOf: OffsetOf;
  model: ModelChoice;
  config: SavingsConfig;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Fits the chosen baseline (auto: hourly when the data allow, else daily), with the hourly fit's in-sample predictions. */
export function fitBaseline(
  baseline: HourlyData,
  offsetOf: OffsetOf,
  choice: ModelChoice,
  sufficiency: Sufficiency,
): { model: HourlyModel | DailyModel | null; fitted: Float64Array | null } {
  const hourlyOk =
    sufficiency.baseline_coverage >= 0.9 && sufficiency.temperature_coverage >= 0.9 && choice !== "daily";
  if (choice === "hourly" || hourlyOk) {
    const m = fitHourlyDetailed(baseline, offsetOf);
    if (m) return m;
    if (choice === "hourly") return { model: null, fitted: null };
  }
  return { model: fitDaily(toDaily(baseline, offsetOf)), fitted: null };
}

export function computeSavings(input: MvInput): SavingsResult {
  const { result, intervals } = computeSavingsPacked(input);
  return withLazyIntervals(result, intervals);
}

/**
 * computeSavings with the reporting intervals packed as one Float64Array of
 * [ts, actual_kwh, baseline_kwh] triples (8,760 objects per facility-year
 * cost more to make and to collect than the figures; reports keep them
 * packed and make objects only when read).
 */
export function computeSavingsPacked(input: MvInput): {
  result: Omit<SavingsResult, "intervals">;
  intervals: Float64Array;
} {
  const { baseline, reporting, offsetOf, config } = input;
  const sufficiency = checkSufficiency(baseline, reporting);
  const { model, fitted } = fitBaseline(baseline, offsetOf, input.model, sufficiency);
  let flat = new Float64Array(0);
  let m = 0;
  let money = 0;
  if (model?.kind === "hourly") {
    const predicted = predictHours(model, reporting, offsetOf);
    const rates = hourlyRates(config.tariff);
    flat = new Float64Array(3 * reporting.kwh.length);
    for (let i = 0; i < reporting.kwh.length; i++) {
      const ms = reporting.startMs + i * HOUR_MS;
      const actual = reporting.kwh[i]!;
      const base = predicted[i]!;
      if (!Number.isFinite(actual) || !Number.isFinite(base)) continue;
      flat[3 * m] = ms;
      flat[3 * m + 1] = actual;
      flat[3 * m + 2] = base;
      m++;
      money += (base - actual) * rates[localHourOf(ms + offsetOf(ms))]!;
    }
  } else if (model?.kind === "daily") {
    const days = toDaily(reporting, offsetOf);
    const rate = dailyMeanRate(config.tariff);
    flat = new Float64Array(3 * days.kwh.length);
    for (let i = 0; i < days.kwh.length; i++) {
      const actual = days.kwh[i]!;
      const t = days.tempC[i]!;
      if (!Number.isFinite(actual) || !Number.isFinite(t)) continue;
      const base = predictDay(model, t);
      flat[3 * m] = days.dayStartMs[i]!;
      flat[3 * m + 1] = actual;
      flat[3 * m + 2] = base;
      m++;
      money += (base - actual) * rate;
    }
  }
  // Exactly m triples (its buffer is transferred between threads whole).
  if (3 * m < flat.length) flat = flat.slice(0, 3 * m);
  let baseKwh = 0;
  let actualKwh = 0;
  for (let j = 0; j < m; j++) {
    baseKwh += flat[3 * j + 2]!;
    actualKwh += flat[3 * j + 1]!;
  }
  const avoided = baseKwh - actualKwh;
  const stats = model?.stats;
  let unc =
    stats && m > 0
      ? savingsUncertainty({
          cvRmse: stats.cvRmse,
          n: stats.n,
          p: stats.p,
          rho: stats.rho,
          m,
          baselineKwh: baseKwh,
          confidence: config.confidence,
        })
      : { nPrime: 0, t: 0, uncertaintyKwh: Number.NaN };
  // Hourly residuals are correlated well beyond lag 1 (a day's schedule, a
  // week's weather), which n′ from ρ₁ alone misses; so for the hourly model
  // the uncertainty is also evaluated on the residuals summed to days, and
  // the larger of the two is stated.
  if (model?.kind === "hourly" && m > 0) {
    const daily = fitted ? dailyResidualStats(fitted, baseline, offsetOf) : null;
    if (daily) {
      const alt = savingsUncertainty({
        cvRmse: daily.cvRmse,
        n: daily.n,
        p: 1,
        rho: Math.max(daily.rho, daily.rhoSum),
        m: localDaysOf(flat, m, offsetOf),
        baselineKwh: baseKwh,
        confidence: config.confidence,
      });
      if (alt.uncertaintyKwh > unc.uncertaintyKwh) unc = alt;
    }
  }
  const granularity = model?.kind === "daily" ? "daily" : "hourly";
  if (!model) sufficiency.notes.push("no_model");
  if (!model) sufficiency.ok = false;
  const result: Omit<SavingsResult, "intervals"> = {
    model: model?.kind ?? null,
    baseline_from: iso(baseline.startMs),
    baseline_to: iso(baseline.startMs + baseline.kwh.length * HOUR_MS),
    reporting_from: iso(reporting.startMs),
    reporting_to: iso(reporting.startMs + reporting.kwh.length * HOUR_MS),
    baseline_kwh: baseKwh,
    actual_kwh: actualKwh,
    avoided_kwh: avoided,
    savings_pct: baseKwh > 0 ? (100 * avoided) / baseKwh : 0,
    uncertainty_kwh: unc.uncertaintyKwh,
    fsu_pct: avoided > 0 && Number.isFinite(unc.uncertaintyKwh) ? (100 * unc.uncertaintyKwh) / avoided : null,
    confidence: config.confidence,
    significant: Number.isFinite(unc.uncertaintyKwh) && avoided > unc.uncertaintyKwh,
    money_rub: money,
    co2_kg: avoided * config.emissionFactorKgCo2PerKwh,
    r2: stats?.r2 ?? Number.NaN,
    adj_r2: stats?.adjR2 ?? Number.NaN,
    cv_rmse: stats?.cvRmse ?? Number.NaN,
    nmbe: stats?.nmbe ?? Number.NaN,
    ashrae14_pass: stats ? ashrae14Pass(stats, granularity) : false,
    ashrae14_granularity: granularity,
    n_baseline: stats?.n ?? 0,
    n_reporting: m,
    rho: stats?.rho ?? Number.NaN,
    n_prime: unc.nPrime,
    parameters: stats?.p ?? 0,
    model_form:
      model?.kind === "daily"
        ? `${model.form}${model.heatingBalanceC === null ? "" : ` bH=${model.heatingBalanceC}°C`}${model.coolingBalanceC === null ? "" : ` bC=${model.coolingBalanceC}°C`}`
        : model?.kind === "hourly"
          ? "towt"
          : "none",
    sufficiency,
  };
  return { result, intervals: flat };
}

/** Tariff of each local hour 0..23. */
const hourlyRates = (tariff: SavingsConfig["tariff"]): Float64Array =>
  Float64Array.from({ length: 24 }, (_, h) => rateAt(tariff, h));

/** Hour of the day 0..23 of a local wall-clock time in ms (what `new Date(local).getUTCHours()` gives). */
export const localHourOf = (localMs: number): number => {
  const h = Math.floor(localMs / HOUR_MS) % 24;
  return h < 0 ? h + 24 : h;
};

/** Number of distinct local days of the first m packed intervals. */
function localDaysOf(flat: Float64Array, m: number, offsetOf: OffsetOf): number {
  let count = 0;
  let last = Number.NaN;
  for (let j = 0; j < m; j++) {
    const ts = flat[3 * j]!;
    const day = Math.floor((ts + offsetOf(ts)) / DAY_MS);
    if (day === last) continue;
    // Out of order (a zone's offset stepping back over midnight): count by set.
    if (day < last) return localDaysBySet(flat, m, offsetOf);
    last = day;
    count++;
  }
  return count;
}

function localDaysBySet(flat: Float64Array, m: number, offsetOf: OffsetOf): number {
  const days = new Set<number>();
  for (let j = 0; j < m; j++) {
    const ts = flat[3 * j]!;
    days.add(Math.floor((ts + offsetOf(ts)) / DAY_MS));
  }
  return days.size;
}

/** Intervals packed as [ts, actual_kwh, baseline_kwh] triples, of objects made by withLazyIntervals. */
const packedIntervals = new WeakMap<object, Float64Array>();

/** The packed intervals behind an object's lazy `intervals`, while they have not been replaced. */
export const packedIntervalsOf = (target: object): Float64Array | undefined => packedIntervals.get(target);

/** Interval objects of packed [ts, actual_kwh, baseline_kwh] triples. */
export function unpackIntervals(flat: Float64Array): Interval[] {
  const out = new Array<Interval>(Math.floor(flat.length / 3));
  for (let i = 0; i < out.length; i++)
    out[i] = { ts: flat[3 * i]!, actual_kwh: flat[3 * i + 1]!, baseline_kwh: flat[3 * i + 2]! };
  return out;
}

/**
 * Gives `target` an enumerable `intervals` property that makes the objects
 * from `flat` when first read (a portfolio's JSON, CSV and PDF never read
 * them; a facility's CSV does); assigning it replaces them.
 */
export function withLazyIntervals<T extends object>(
  target: T,
  flat: Float64Array,
): T & { intervals: Interval[] } {
  let intervals: Interval[] | null = null;
  packedIntervals.set(target, flat);
  Object.defineProperty(target, "intervals", {
    enumerable: true,
    configurable: true,
    get: () => {
      if (intervals === null) {
        intervals = unpackIntervals(flat);
        // The objects may now be changed in place: they, not flat, are the intervals.
        packedIntervals.delete(target);
      }
      return intervals;
    },
    set: (value: Interval[]) => {
      packedIntervals.delete(target);
      intervals = value;
    },
  });
  return target as T & { intervals: Interval[] };
}

/** Fit statistics of the hourly model's baseline residuals summed to complete local days. */
function dailyResidualStats(fitted: Float64Array, baseline: HourlyData, offsetOf: OffsetOf) {
  const actual = toDaily(baseline, offsetOf);
  const predicted = toDaily({ startMs: baseline.startMs, kwh: fitted, tempC: baseline.tempC }, offsetOf);
  const [y, yHat] = finitePairs(actual.kwh, predicted.kwh);
  return y.length >= 30 ? fitStats(y, yHat, 1) : null;
}

export interface PortfolioTotals extends SavingsFigures {
  facilities: number;
}

/** The figures a portfolio adds up facility by facility (the uncertainty adds as a root-sum-square). */
const SUMMED = ["baseline_kwh", "actual_kwh", "avoided_kwh", "money_rub", "co2_kg"] as const;

export function aggregatePortfolio(
  results: readonly Pick<
    SavingsResult,
    "baseline_kwh" | "actual_kwh" | "avoided_kwh" | "uncertainty_kwh" | "money_rub" | "co2_kg" | "model"
  >[],
): PortfolioTotals {
  const sum = { baseline_kwh: 0, actual_kwh: 0, avoided_kwh: 0, money_rub: 0, co2_kg: 0 };
  let u2 = 0;
  let n = 0;
  for (const r of results) {
    if (r.model === null) continue;
    n++;
    for (const key of SUMMED) sum[key] += r[key];
    if (Number.isFinite(r.uncertainty_kwh)) u2 += r.uncertainty_kwh ** 2;
  }
  const u = Math.sqrt(u2);
  const v = sum.avoided_kwh;
  return {
    facilities: n,
    baseline_kwh: sum.baseline_kwh,
    actual_kwh: sum.actual_kwh,
    avoided_kwh: v,
    savings_pct: sum.baseline_kwh > 0 ? (100 * v) / sum.baseline_kwh : 0,
    uncertainty_kwh: u,
    fsu_pct: v > 0 ? (100 * u) / v : null,
    significant: n > 0 && v > u,
    money_rub: sum.money_rub,
    co2_kg: sum.co2_kg,
  };
}

/** CSV of the reporting intervals: `timestamp,actual_kwh,baseline_kwh` (ISO UTC), through lib/csv.ts. */
export function intervalsCsv(intervals: readonly Interval[]): string {
  const records: (string | number)[][] = [["timestamp", "actual_kwh", "baseline_kwh"]];
  for (const it of intervals)
    records.push([iso(it.ts), it.actual_kwh.toFixed(4), it.baseline_kwh.toFixed(4)]);
  return writeCsv(records);
}
