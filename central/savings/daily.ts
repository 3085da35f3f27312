// CalTRACK daily model (CalTRACK 2.0 technical specification, section 3.4,
// as implemented by OpenEEmeter's `caltrack_usage_per_day`): four candidate
// forms fitted by OLS on daily usage,
//   intercept-only:  E = β0
//   HDD-only:        E = β0 + βH·HDD(bH)
//   CDD-only:        E = β0 + βC·CDD(bC)
//   HDD+CDD:         E = β0 + βH·HDD(bH) + βC·CDD(bC),  bH ≤ bC
// with balance points searched on a grid (CalTRACK: 30–90 °F in 1 °F steps;
// here −1…32 °C in 1 K steps, the same range), a degree-day candidate kept
// only with enough degree days (≥ 10 days with DD > 0 and ≥ 20 °F·days =
// 11.1 K·days in total) and a positive coefficient significant at p < 0.1,
// and the candidate with the highest adjusted R² selected.
import { cdd, type DailyData, hdd } from "./degreedays.ts";
import { type FitStats, finitePairs, fitStats, solveLinear, studentTQuantile } from "./stats.ts";

export type DailyForm = "intercept_only" | "hdd_only" | "cdd_only" | "hdd_cdd";

export interface DailyModel {
  kind: "daily";
  form: DailyForm;
  intercept: number;
  /** kWh per K·day. */
  heatingSlope: number;
  coolingSlope: number;
  heatingBalanceC: number | null;
  coolingBalanceC: number | null;
  stats: FitStats;
}

export const BALANCE_GRID_C: readonly number[] = Array.from({ length: 34 }, (_, i) => i - 1);
export const MIN_DD_DAYS = 10;
export const MIN_DD_TOTAL_K_DAYS = 20 / 1.8;

interface Candidate {
  form: DailyForm;
  beta: Float64Array;
  bH: number | null;
  bC: number | null;
  adjR2: number;
}

/** OLS on up to two regressors with an intercept; coefficients and their t statistics. */
function ols(
  y: Float64Array,
  xs: Float64Array[],
): { beta: Float64Array; tStats: Float64Array; sse: number; sst: number } | null {
  const n = y.length;
  const k = xs.length + 1;
  const a = new Float64Array(k * k);
  const b = new Float64Array(k);
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    row[0] = 1;
    for (let j = 0; j < xs.length; j++) row[j + 1] = xs[j]![i]!;
    for (let r = 0; r < k; r++) {
      b[r]! += row[r]! * y[i]!;
      for (let c = 0; c < k; c++) a[r * k + c]! += row[r]! * row[c]!;
    }
  }
  const beta = solveLinear(a, b, k);
  if (!beta) return null;
  let sse = 0;
  let sst = 0;
  let my = 0;
  for (let i = 0; i < n; i++) my += y[i]! / n;
  for (let i = 0; i < n; i++) {
    let f = beta[0]!;
    for (let j = 0; j < xs.length; j++) f += beta[j + 1]! * xs[j]![i]!;
    sse += (y[i]! - f) ** 2;
    sst += (y[i]! - my) ** 2;
  }
  // Standard errors from the diagonal of (XᵀX)⁻¹ · σ².
  const sigma2 = sse / Math.max(1, n - k);
  const tStats = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const e = new Float64Array(k);
    e[j] = 1;
    const col = solveLinear(a, e, k);
    const se = col ? Math.sqrt(Math.max(0, col[j]!) * sigma2) : Number.NaN;
    tStats[j] = se > 0 ? beta[j]! / se : beta[j]! > 0 ? Number.POSITIVE_INFINITY : 0;
  }
  return { beta, tStats, sse, sst };
}

const enoughDegreeDays = (dd: Float64Array): boolean => {
  let days = 0;
  let total = 0;
  for (const v of dd) {
    if (v > 0) days++;
    total += v;
  }
  return days >= MIN_DD_DAYS && total >= MIN_DD_TOTAL_K_DAYS;
};

/** Fits the daily model on the complete days of `days` (usage and temperature present); null with fewer than 2 days. */
export function fitDaily(days: DailyData): DailyModel | null {
  const [ys, ts] = finitePairs(days.kwh, days.tempC);
  const n = ys.length;
  if (n < 2) return null;
  const y = Float64Array.from(ys);
  const temp = Float64Array.from(ts);
  const tCrit = studentTQuantile(0.95, Math.max(1, n - 3)); // one-sided p < 0.1 on a positive slope
  const adj = (sse: number, sst: number, p: number) =>
    sst > 0 && n - p - 1 > 0 ? 1 - (sse / sst) * ((n - 1) / (n - p - 1)) : 0;

  const ddOf = (f: (t: number, b: number) => number, b: number) => temp.map((t) => f(t, b));
  const hddCache = new Map(BALANCE_GRID_C.map((b) => [b, ddOf(hdd, b)]));
  const cddCache = new Map(BALANCE_GRID_C.map((b) => [b, ddOf(cdd, b)]));

  let best: Candidate = {
    form: "intercept_only",
    beta: Float64Array.of(y.reduce((s, v) => s + v, 0) / n),
    bH: null,
    bC: null,
    adjR2: 0,
  };
  const consider = (c: Candidate) => {
    if (c.adjR2 > best.adjR2) best = c;
  };
  for (const b of BALANCE_GRID_C) {
    const h = hddCache.get(b)!;
    if (enoughDegreeDays(h)) {
      const r = ols(y, [h]);
      if (r && r.beta[1]! > 0 && r.tStats[1]! > tCrit)
        consider({ form: "hdd_only", beta: r.beta, bH: b, bC: null, adjR2: adj(r.sse, r.sst, 1) });
    }
    const c = cddCache.get(b)!;
    if (enoughDegreeDays(c)) {
      const r = ols(y, [c]);
      if (r && r.beta[1]! > 0 && r.tStats[1]! > tCrit)
        consider({ form: "cdd_only", beta: r.beta, bH: null, bC: b, adjR2: adj(r.sse, r.sst, 1) });
    }
  }
  for (const bH of BALANCE_GRID_C) {
    const h = hddCache.get(bH)!;
    if (!enoughDegreeDays(h)) continue;
    for (const bC of BALANCE_GRID_C) {
      if (bC < bH) continue;
      const c = cddCache.get(bC)!;
      if (!enoughDegreeDays(c)) continue;
      const r = ols(y, [h, c]);
      if (r && r.beta[1]! > 0 && r.beta[2]! > 0 && r.tStats[1]! > tCrit && r.tStats[2]! > tCrit)
        consider({ form: "hdd_cdd", beta: r.beta, bH, bC, adjR2: adj(r.sse, r.sst, 2) });
    }
  }
  const model: DailyModel = {
    kind: "daily",
    form: best.form,
    intercept: best.beta[0]!,
    heatingSlope: best.form === "hdd_only" || best.form === "hdd_cdd" ? best.beta[1]! : 0,
    coolingSlope: best.form === "cdd_only" ? best.beta[1]! : best.form === "hdd_cdd" ? best.beta[2]! : 0,
    heatingBalanceC: best.bH,
    coolingBalanceC: best.bC,
    stats: fitStats([], [], 0),
  };
  const yHat = temp.map((t) => predictDay(model, t));
  const p = { intercept_only: 1, hdd_only: 2, cdd_only: 2, hdd_cdd: 3 }[best.form];
  model.stats = fitStats(y, yHat, p);
  return model;
}

/** Predicted kWh of one day at a daily mean temperature. */
export function predictDay(model: DailyModel, meanTempC: number): number {
  let e = model.intercept;
  if (model.heatingBalanceC !== null) e += model.heatingSlope * hdd(meanTempC, model.heatingBalanceC);
  if (model.coolingBalanceC !== null) e += model.coolingSlope * cdd(meanTempC, model.coolingBalanceC);
  return e;
}
