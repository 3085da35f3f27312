// The per-facility savings calculation as it was before its hot spots were
// rewritten (savings.ts, stats.ts): a sort with a comparator for the
// sufficiency quartiles, one pass over the residuals per autocorrelation
// lag, an interval object and a Date per reporting hour. Kept, like
// hourly-reference.ts, as the benchmark's named baseline and as a check that
// the rewrite gives the same figures. The model fit is today's; the work the
// previous fit did on top (ρ_sum of the hourly residuals, lag by lag) is
// replayed, so this costs at most the new ρ_sum (~0.2 ms) more than before.
import { dailyMeanRate, rateAt } from "../../central/savings/config.ts";
import { predictDay } from "../../central/savings/daily.ts";
import { toDaily } from "../../central/savings/degreedays.ts";
import { predictHours } from "../../central/savings/hourly.ts";
import {
  fitBaseline,
  type Interval,
  type MvInput,
  type SavingsResult,
  type Sufficiency,
} from "../../central/savings/savings.ts";
import { HOUR_MS, type HourlyData, type OffsetOf } from "../../central/savings/series.ts";
import { ashrae14Pass, fitStats, mean, savingsUncertainty } from "../../central/savings/stats.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** The previous fit's ρ_sum of the in-sample hourly residuals (its result was not used). */
function replayHourlyRhoSum(kwh: Float64Array, fitted: Float64Array): number {
  const residuals: number[] = [];
  for (let i = 0; i < kwh.length; i++) if (Number.isFinite(fitted[i]!)) residuals.push(kwh[i]! - fitted[i]!);
  return sumCorrelationRhoReference(Float64Array.from(residuals));
}

export function sumCorrelationRhoReference(residuals: ArrayLike<number>): number {
  const n = residuals.length;
  if (n < 8) return 0;
  const m = mean(residuals);
  const d = new Float64Array(n);
  let c0 = 0;
  for (let i = 0; i < n; i++) {
    d[i] = residuals[i]! - m;
    c0 += d[i]! * d[i]!;
  }
  if (!(c0 > 0)) return 0;
  const rhoAt = (k: number) => {
    let c = 0;
    for (let i = k; i < n; i++) c += d[i]! * d[i - k]!;
    return c / c0;
  };
  let factor = -1;
  const maxLag = Math.floor(n / 4);
  for (let j = 0; 2 * j + 1 <= maxLag; j++) {
    const pair = (j === 0 ? 1 : rhoAt(2 * j)) + rhoAt(2 * j + 1);
    if (pair <= 0) break;
    factor += 2 * pair;
  }
  factor = Math.max(1, factor);
  return (factor - 1) / (factor + 1);
}

export function checkSufficiencyReference(baseline: HourlyData, reporting: HourlyData): Sufficiency {
  const n = baseline.kwh.length;
  let e = 0;
  let t = 0;
  let zeros = 0;
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = baseline.kwh[i]!;
    if (Number.isFinite(v)) {
      e++;
      values.push(v);
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
  values.sort((a, b) => a - b);
  let outliers = 0;
  if (values.length >= 4) {
    const q1 = values[Math.floor(values.length * 0.25)]!;
    const q3 = values[Math.floor(values.length * 0.75)]!;
    const lo = q1 - 3 * (q3 - q1);
    const hi = q3 + 3 * (q3 - q1);
    for (const v of values) if (v < lo || v > hi) outliers++;
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

export function computeSavingsReference(input: MvInput): SavingsResult {
  const { baseline, reporting, offsetOf, config } = input;
  const sufficiency = checkSufficiencyReference(baseline, reporting);
  const { model, fitted } = fitBaseline(baseline, offsetOf, input.model, sufficiency);
  if (model?.kind === "hourly" && fitted) replayHourlyRhoSum(baseline.kwh, fitted);
  const intervals: Interval[] = [];
  let money = 0;
  if (model?.kind === "hourly") {
    const predicted = predictHours(model, reporting, offsetOf);
    for (let i = 0; i < reporting.kwh.length; i++) {
      const ms = reporting.startMs + i * HOUR_MS;
      const actual = reporting.kwh[i]!;
      const base = predicted[i]!;
      if (!Number.isFinite(actual) || !Number.isFinite(base)) continue;
      intervals.push({ ts: ms, actual_kwh: actual, baseline_kwh: base });
      const hour = new Date(ms + offsetOf(ms)).getUTCHours();
      money += (base - actual) * rateAt(config.tariff, hour);
    }
  } else if (model?.kind === "daily") {
    const days = toDaily(reporting, offsetOf);
    const rate = dailyMeanRate(config.tariff);
    for (let i = 0; i < days.kwh.length; i++) {
      const actual = days.kwh[i]!;
      const t = days.tempC[i]!;
      if (!Number.isFinite(actual) || !Number.isFinite(t)) continue;
      const base = predictDay(model, t);
      intervals.push({ ts: days.dayStartMs[i]!, actual_kwh: actual, baseline_kwh: base });
      money += (base - actual) * rate;
    }
  }
  let baseKwh = 0;
  let actualKwh = 0;
  for (const it of intervals) {
    baseKwh += it.baseline_kwh;
    actualKwh += it.actual_kwh;
  }
  const avoided = baseKwh - actualKwh;
  const stats = model?.stats;
  let unc =
    stats && intervals.length > 0
      ? savingsUncertainty({
          cvRmse: stats.cvRmse,
          n: stats.n,
          p: stats.p,
          rho: stats.rho,
          m: intervals.length,
          baselineKwh: baseKwh,
          confidence: config.confidence,
        })
      : { nPrime: 0, t: 0, uncertaintyKwh: Number.NaN };
  // Hourly residuals are correlated well beyond lag 1 (a day's schedule, a
  // week's weather), which n′ from ρ₁ alone misses; so for the hourly model
  // the uncertainty is also evaluated on the residuals summed to days, and
  // the larger of the two is stated.
  if (model?.kind === "hourly" && intervals.length > 0) {
    const daily = fitted ? dailyResidualStats(fitted, baseline, offsetOf) : null;
    if (daily) {
      const days = new Set(intervals.map((it) => Math.floor((it.ts + offsetOf(it.ts)) / 86_400_000))).size;
      const alt = savingsUncertainty({
        cvRmse: daily.cvRmse,
        n: daily.n,
        p: 1,
        rho: Math.max(daily.rho, daily.rhoSum),
        m: days,
        baselineKwh: baseKwh,
        confidence: config.confidence,
      });
      if (alt.uncertaintyKwh > unc.uncertaintyKwh) unc = alt;
    }
  }
  const granularity = model?.kind === "daily" ? "daily" : "hourly";
  if (!model) sufficiency.notes.push("no_model");
  if (!model) sufficiency.ok = false;
  return {
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
    n_reporting: intervals.length,
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
    intervals,
  };
}

function dailyResidualStats(fitted: Float64Array, baseline: HourlyData, offsetOf: OffsetOf) {
  const actual = toDaily(baseline, offsetOf);
  const predicted = toDaily({ startMs: baseline.startMs, kwh: fitted, tempC: baseline.tempC }, offsetOf);
  const y: number[] = [];
  const yHat: number[] = [];
  for (let d = 0; d < actual.kwh.length; d++) {
    if (Number.isFinite(actual.kwh[d]!) && Number.isFinite(predicted.kwh[d]!)) {
      y.push(actual.kwh[d]!);
      yHat.push(predicted.kwh[d]!);
    }
  }
  return y.length >= 30 ? fitStats(y, yHat, 1) : null;
}
