// Goodness-of-fit statistics and savings uncertainty of M&V baselines.
//
// Definitions follow ASHRAE Guideline 14-2014 ("Measurement of Energy,
// Demand, and Water Savings"), section 4.3 and Annex B:
//   CV(RMSE) = sqrt(Σ(yᵢ−ŷᵢ)² / (n−p)) / ȳ
//   NMBE     = Σ(yᵢ−ŷᵢ) / ((n−p) · ȳ)
// and its acceptance thresholds for calibrated baselines (section 4.3.2.4 /
// 5.2.11): monthly CV(RMSE) ≤ 15 %, NMBE within ±5 %; hourly CV(RMSE) ≤ 30 %,
// NMBE within ±10 %. Daily baselines are held to the monthly thresholds here
// (the guideline names no daily ones; the stricter pair is the defensible one).
import { selectKth } from "../../common/select-kth.ts";

// Quartiles and medians select rather than sort (common/select-kth.ts).
export { selectKth };

export interface FitStats {
  n: number;
  /** Number of model parameters. */
  p: number;
  meanY: number;
  r2: number;
  adjR2: number;
  /** Fraction, e.g. 0.12 for 12 %. */
  cvRmse: number;
  /** Fraction, signed. */
  nmbe: number;
  /** Lag-1 autocorrelation of the residuals in time order. */
  rho: number;
  /**
   * The lag-1 autocorrelation an AR(1) series would need to show the
   * residuals' measured correlation over all lags (see sumCorrelationRho);
   * ≥ 0, and ≥ rho for AR(1)-like residuals.
   */
  rhoSum: number;
}

export const mean = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length > 0 ? s / xs.length : Number.NaN;
};

/** Lag-1 autocorrelation coefficient (Box & Jenkins estimator: lagged covariance over variance). */
export function lag1Autocorrelation(residuals: ArrayLike<number>): number {
  const n = residuals.length;
  if (n < 3) return 0;
  const m = mean(residuals);
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = residuals[i]! - m;
    den += d * d;
    if (i > 0) num += d * (residuals[i - 1]! - m);
  }
  return den > 0 ? num / den : 0;
}

/**
 * Correlation of a residual series over all lags, expressed as the
 * equivalent AR(1) coefficient. ASHRAE Guideline 14's n′ = n(1−ρ)/(1+ρ) is
 * the effective sample size of the sum of an AR(1) series, for which
 * n/n′ = 1 + 2 Σ_k ρᵏ = (1+ρ)/(1−ρ). Baseline residuals carry weather and
 * schedule errors that persist for days and decay slower than ρᵏ, so here
 * n/n′ = 1 + 2 Σ_k ρ_k is estimated from the measured autocorrelations, summed
 * over Geyer's initial positive sequence (pairs ρ_{2j}+ρ_{2j+1} while
 * positive; Geyer 1992, "Practical Markov chain Monte Carlo", Statist. Sci.
 * 7(4)), and returned as ρ = (F−1)/(F+1) so that the guideline's formula
 * gives that n′.
 */
export function sumCorrelationRho(residuals: ArrayLike<number>): number {
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
  // Geyer's sum never looks past n/4 (beyond it the estimates are noise).
  const maxLag = Math.floor(n / 4);
  const cov = new Float64Array(maxLag + LAG_BLOCK + 1);
  let known = 1; // cov[1 … known−1] computed
  const rhoAt = (k: number) => {
    if (k >= known) {
      lagBlock(d, known, cov);
      known += LAG_BLOCK;
    }
    return cov[k]! / c0;
  };
  let factor = -1;
  for (let j = 0; 2 * j + 1 <= maxLag; j++) {
    const pair = (j === 0 ? 1 : rhoAt(2 * j)) + rhoAt(2 * j + 1);
    if (pair <= 0) break;
    factor += 2 * pair;
  }
  factor = Math.max(1, factor);
  return (factor - 1) / (factor + 1);
}

/** Lags computed per pass over the residuals (see lagBlock). */
const LAG_BLOCK = 8;

/**
 * Lagged products Σ_{i≥k} d[i]·d[i−k] for the LAG_BLOCK lags k = lo … lo+7,
 * into cov[k], in one pass over d. Each lag has its own accumulator and adds
 * its terms in increasing i, so every sum is the same, to the bit, as one
 * pass per lag; the eight independent sums just keep the CPU busy.
 */
export function lagBlock(d: Float64Array, lo: number, cov: Float64Array): void {
  const n = d.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  // Head: i < lo + 7, where the longer lags have no term yet.
  const head = Math.min(n, lo + LAG_BLOCK - 1);
  for (let i = lo; i < head; i++) {
    const di = d[i]!;
    const r = i - lo; // lags lo … lo+r have a term at i
    s0 += di * d[i - lo]!;
    if (r >= 1) s1 += di * d[i - lo - 1]!;
    if (r >= 2) s2 += di * d[i - lo - 2]!;
    if (r >= 3) s3 += di * d[i - lo - 3]!;
    if (r >= 4) s4 += di * d[i - lo - 4]!;
    if (r >= 5) s5 += di * d[i - lo - 5]!;
    if (r >= 6) s6 += di * d[i - lo - 6]!;
  }
  for (let i = head; i < n; i++) {
    const di = d[i]!;
    const j = i - lo;
    s0 += di * d[j]!;
    s1 += di * d[j - 1]!;
    s2 += di * d[j - 2]!;
    s3 += di * d[j - 3]!;
    s4 += di * d[j - 4]!;
    s5 += di * d[j - 5]!;
    s6 += di * d[j - 6]!;
    s7 += di * d[j - 7]!;
  }
  cov.set([s0, s1, s2, s3, s4, s5, s6, s7], lo);
}

/** The pairs (a[i], b[i]) in which both are finite, as two arrays in order: complete observations. */
export function finitePairs(a: ArrayLike<number>, b: ArrayLike<number>): [number[], number[]] {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i]!) && Number.isFinite(b[i]!)) {
      as.push(a[i]!);
      bs.push(b[i]!);
    }
  }
  return [as, bs];
}

/** Fit statistics of predictions ŷ against observations y with p model parameters. */
export function fitStats(y: ArrayLike<number>, yHat: ArrayLike<number>, p: number): FitStats {
  const n = y.length;
  const meanY = mean(y);
  let sse = 0;
  let sst = 0;
  let bias = 0;
  const residuals = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = y[i]! - yHat[i]!;
    residuals[i] = r;
    sse += r * r;
    bias += r;
    const d = y[i]! - meanY;
    sst += d * d;
  }
  const dof = Math.max(1, n - p);
  const r2 = sst > 0 ? 1 - sse / sst : 0;
  const adjR2 = n - p - 1 > 0 ? 1 - ((1 - r2) * (n - 1)) / (n - p - 1) : r2;
  return {
    n,
    p,
    meanY,
    r2,
    adjR2,
    cvRmse: Math.sqrt(sse / dof) / meanY,
    nmbe: bias / (dof * meanY),
    rho: lag1Autocorrelation(residuals),
    rhoSum: sumCorrelationRho(residuals),
  };
}

export type Granularity = "hourly" | "daily" | "monthly";

export const ASHRAE14_THRESHOLDS: Record<Granularity, { cvRmse: number; nmbe: number }> = {
  hourly: { cvRmse: 0.3, nmbe: 0.1 },
  daily: { cvRmse: 0.15, nmbe: 0.05 },
  monthly: { cvRmse: 0.15, nmbe: 0.05 },
};

export function ashrae14Pass(stats: Pick<FitStats, "cvRmse" | "nmbe">, granularity: Granularity): boolean {
  const t = ASHRAE14_THRESHOLDS[granularity];
  return Number.isFinite(stats.cvRmse) && stats.cvRmse <= t.cvRmse && Math.abs(stats.nmbe) <= t.nmbe;
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * Student-t quantile t(p; df) by the Cornish–Fisher expansion around the
 * normal quantile (Abramowitz & Stegun 26.7.5); accurate to ~1e-3 for df ≥ 3,
 * which is far inside what savings uncertainty needs.
 */
export function studentTQuantile(p: number, df: number): number {
  const z = normalQuantile(p);
  if (!Number.isFinite(df) || df > 1e7) return z;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  const z9 = z ** 9;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3) +
    (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * df ** 4)
  );
}

export interface SavingsUncertainty {
  /** Autocorrelation-corrected number of baseline points, n′ = n(1−ρ)/(1+ρ). */
  nPrime: number;
  t: number;
  /** Absolute uncertainty of the avoided energy at the confidence level, kWh. */
  uncertaintyKwh: number;
}

/**
 * Uncertainty of avoided energy, ASHRAE Guideline 14-2014 Annex B
 * (eq. B-14, after Reddy & Claridge 2000):
 *   ΔE_save = 1.26 · t · CV · E_baseline · sqrt((n/n′) · (1 + 2/n′) · (1/m))
 * with n baseline points, m reporting points, n′ = n(1−ρ)/(1+ρ) corrected for
 * the lag-1 autocorrelation ρ of the baseline residuals, and t the two-sided
 * Student-t value at the confidence level with n′ − p degrees of freedom.
 * The fractional savings uncertainty is ΔE_save / E_save. The 1.26 factor
 * was derived for monthly models; the guideline applies it to all.
 */
export function savingsUncertainty(args: {
  cvRmse: number;
  n: number;
  p: number;
  rho: number;
  m: number;
  baselineKwh: number;
  confidence?: number;
}): SavingsUncertainty {
  const rho = Math.min(0.999, Math.max(0, args.rho));
  const nPrime = Math.max(1, (args.n * (1 - rho)) / (1 + rho));
  const df = Math.max(1, nPrime - args.p);
  const confidence = args.confidence ?? 0.9;
  const t = studentTQuantile(1 - (1 - confidence) / 2, df);
  const uncertaintyKwh =
    1.26 *
    t *
    args.cvRmse *
    Math.abs(args.baselineKwh) *
    Math.sqrt((args.n / nPrime) * (1 + 2 / nPrime) * (1 / Math.max(1, args.m)));
  return { nPrime, t, uncertaintyKwh };
}

/** Solves A x = b (dense, n small) by Gaussian elimination with partial pivoting; null when singular. */
export function solveLinear(a: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let piv = col;
    let best = Math.abs(m[col * n + col]!);
    for (let r = col + 1; r < n; r++) {
      const v = Math.abs(m[r * n + col]!);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (best < 1e-12) return null;
    if (piv !== col) {
      for (let k = 0; k < n; k++) {
        const t = m[col * n + k]!;
        m[col * n + k] = m[piv * n + k]!;
        m[piv * n + k] = t;
      }
      const t = x[col]!;
      x[col] = x[piv]!;
      x[piv] = t;
    }
    const d = m[col * n + col]!;
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col]! / d;
      if (f === 0) continue;
      for (let k = col; k < n; k++) m[r * n + k]! -= f * m[col * n + k]!;
      x[r]! -= f * x[col]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let k = r + 1; k < n; k++) s -= m[r * n + k]! * x[k]!;
    x[r] = s / m[r * n + r]!;
  }
  return x;
}
