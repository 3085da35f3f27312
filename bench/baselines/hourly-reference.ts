// The first, straightforward implementation of the TOWT fit (arrays of row
// objects, one pass per segment over copied rows, per-hour calendar look-ups),
// kept unchanged as the benchmark's "before" path and as an independent
// cross-check of the fast fit in hourly.ts (same model without closure days).

// CalTRACK hourly model: time-of-week and temperature (TOWT; Mathieu, Price,
// Kiliccote & Piette 2011, "Quantifying changes in building electricity use,
// with application to demand response", IEEE Trans. Smart Grid; CalTRACK
// 2.0 section 3.8, as implemented by OpenEEmeter's `caltrack_hourly`):
//   E(h) = α_tow(h) + Σ_j β_{occ(tow), j} · f_j(T(h))
// with one coefficient per hour of the week (168), piecewise-linear
// temperature terms f_j on bins with endpoints 30, 45, 55, 65, 75, 90 °F
// (−1.1 … 32.2 °C), separate temperature slopes for occupied and
// unoccupied hours of the week, and
// - occupancy inferred from residuals: an hour of the week is occupied when
//   more than 65 % of the residuals of a simple HDD(50 °F)/CDD(65 °F) fit at
//   that hour are positive;
// - thin temperature bins (< 20 hours) merged with their neighbour;
// - month-weighted segmentation: one model per calendar month, fitted with
//   weight 1 on that month and 0.5 on the two neighbouring months.
import {
  HOUR_MS,
  type HourlyData,
  hourOfWeek,
  localMonth,
  type OffsetOf,
} from "../../central/savings/series.ts";
import { type FitStats, fitStats, solveLinear } from "../../central/savings/stats.ts";

const BIN_ENDPOINTS_C: readonly number[] = [30, 45, 55, 65, 75, 90].map((f) => ((f - 32) * 5) / 9);
const MIN_HOURS_PER_BIN = 20;
const OCCUPANCY_THRESHOLD = 0.65;
const OCC_HDD_BALANCE_C = 10; // 50 °F
const OCC_CDD_BALANCE_C = ((65 - 32) * 5) / 9; // 65 °F

interface SegmentModel {
  /** Hour-of-week coefficients, kWh; NaN where the segment saw no data at that hour. */
  tow: Float64Array;
  occupied: Uint8Array;
  endpointsC: number[];
  /** Temperature slopes for occupied hours then unoccupied hours (K + K), kWh per K. */
  beta: Float64Array;
}

export interface HourlyModelReference {
  kind: "hourly";
  segments: SegmentModel[];
  stats: FitStats;
}

/** Piecewise-linear temperature features on bins with the given endpoints (K = endpoints + 1 values). */
function temperatureFeatures(t: number, endpoints: readonly number[], out: Float64Array): void {
  const k = endpoints.length;
  if (k === 0) {
    out[0] = t;
    return;
  }
  out[0] = Math.min(t, endpoints[0]!);
  for (let j = 1; j < k; j++) {
    out[j] = Math.min(Math.max(t - endpoints[j - 1]!, 0), endpoints[j]! - endpoints[j - 1]!);
  }
  out[k] = Math.max(0, t - endpoints[k - 1]!);
}

/** Drops endpoints until every bin holds at least MIN_HOURS_PER_BIN hours. */
function mergeBins(temps: readonly number[], endpoints: readonly number[]): number[] {
  const e = [...endpoints];
  for (;;) {
    const counts = new Array<number>(e.length + 1).fill(0);
    for (const t of temps) {
      let j = 0;
      while (j < e.length && t > e[j]!) j++;
      counts[j]!++;
    }
    const thin = counts.findIndex((c) => c < MIN_HOURS_PER_BIN);
    if (thin < 0 || e.length === 0) return e;
    // The last bin merges downwards; every other one upwards.
    e.splice(thin === e.length ? thin - 1 : thin, 1);
  }
}

interface Row {
  y: number;
  t: number;
  tow: number;
  month: number;
  index: number;
}

function fitSegment(rows: readonly Row[], weights: readonly number[]): SegmentModel {
  // 1. Occupancy from the residuals of a weighted HDD/CDD fit.
  const a = new Float64Array(9);
  const b = new Float64Array(3);
  const x = new Float64Array(3);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const w = weights[i]!;
    x[0] = 1;
    x[1] = Math.max(0, OCC_HDD_BALANCE_C - r.t);
    x[2] = Math.max(0, r.t - OCC_CDD_BALANCE_C);
    for (let p = 0; p < 3; p++) {
      b[p]! += w * x[p]! * r.y;
      for (let q = 0; q < 3; q++) a[p * 3 + q]! += w * x[p]! * x[q]!;
    }
  }
  for (let p = 0; p < 3; p++) if (a[p * 3 + p]! === 0) a[p * 3 + p] = 1;
  const simple = solveLinear(a, b, 3) ?? Float64Array.of(0, 0, 0);
  const pos = new Float64Array(168);
  const tot = new Float64Array(168);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const w = weights[i]!;
    const f =
      simple[0]! +
      simple[1]! * Math.max(0, OCC_HDD_BALANCE_C - r.t) +
      simple[2]! * Math.max(0, r.t - OCC_CDD_BALANCE_C);
    tot[r.tow]! += w;
    if (r.y - f > 0) pos[r.tow]! += w;
  }
  const occupied = new Uint8Array(168);
  for (let h = 0; h < 168; h++) occupied[h] = tot[h]! > 0 && pos[h]! / tot[h]! > OCCUPANCY_THRESHOLD ? 1 : 0;

  // 2. Bins: merged on the hours this segment weighs.
  const endpoints = mergeBins(
    rows.filter((_, i) => weights[i]! > 0).map((r) => r.t),
    BIN_ENDPOINTS_C,
  );
  const k = endpoints.length + 1;
  const m = 2 * k;

  // 3. Weighted least squares with 168 hour-of-week dummies, solved through
  // the Schur complement of the diagonal dummy block (so the dense part is
  // only the 2K temperature columns).
  const d = new Float64Array(168);
  const dy = new Float64Array(168);
  const bt = new Float64Array(168 * m);
  const c = new Float64Array(m * m);
  const ty = new Float64Array(m);
  const f = new Float64Array(k);
  for (let i = 0; i < rows.length; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    const r = rows[i]!;
    temperatureFeatures(r.t, endpoints, f);
    const off = occupied[r.tow] ? 0 : k;
    d[r.tow]! += w;
    dy[r.tow]! += w * r.y;
    const base = r.tow * m + off;
    for (let p = 0; p < k; p++) {
      const wf = w * f[p]!;
      bt[base + p]! += wf;
      ty[off + p]! += wf * r.y;
      for (let q = 0; q < k; q++) c[(off + p) * m + off + q]! += wf * f[q]!;
    }
  }
  const s = Float64Array.from(c);
  const rhs = Float64Array.from(ty);
  for (let h = 0; h < 168; h++) {
    const dh = d[h]!;
    if (dh === 0) continue;
    for (let p = 0; p < m; p++) {
      const bp = bt[h * m + p]!;
      if (bp === 0) continue;
      rhs[p]! -= (bp * dy[h]!) / dh;
      for (let q = 0; q < m; q++) s[p * m + q]! -= (bp * bt[h * m + q]!) / dh;
    }
  }
  // Columns that carry no information (an occupancy mode absent, a bin
  // constant within every hour of the week) get a zero slope, not a singular solve.
  for (let p = 0; p < m; p++) {
    const diag = s[p * m + p]!;
    if (!(diag > 1e-9 * (1 + Math.abs(c[p * m + p]!)))) {
      for (let q = 0; q < m; q++) {
        s[p * m + q] = 0;
        s[q * m + p] = 0;
      }
      s[p * m + p] = 1;
      rhs[p] = 0;
    }
  }
  const beta = solveLinear(s, rhs, m) ?? new Float64Array(m);
  const tow = new Float64Array(168).fill(Number.NaN);
  for (let h = 0; h < 168; h++) {
    if (d[h]! === 0) continue;
    let v = dy[h]!;
    for (let p = 0; p < m; p++) v -= bt[h * m + p]! * beta[p]!;
    tow[h] = v / d[h]!;
  }
  return { tow, occupied, endpointsC: endpoints, beta };
}

const predictWith = (seg: SegmentModel, tow: number, t: number, f: Float64Array): number => {
  const k = seg.endpointsC.length + 1;
  let alpha = seg.tow[tow]!;
  if (Number.isNaN(alpha)) {
    // An hour of the week the segment never saw: mean of the same occupancy mode.
    let sum = 0;
    let n = 0;
    for (let h = 0; h < 168; h++) {
      if (seg.occupied[h] === seg.occupied[tow] && !Number.isNaN(seg.tow[h]!)) {
        sum += seg.tow[h]!;
        n++;
      }
    }
    alpha = n > 0 ? sum / n : 0;
  }
  temperatureFeatures(t, seg.endpointsC, f);
  const off = seg.occupied[tow] ? 0 : k;
  let y = alpha;
  for (let p = 0; p < k; p++) y += seg.beta[off + p]! * f[p]!;
  return y;
};

/** Fits the hourly model on the hours with both energy and temperature; null with fewer than 168 such hours. */
export function fitHourlyReference(data: HourlyData, offsetOf: OffsetOf): HourlyModelReference | null {
  const rows: Row[] = [];
  for (let i = 0; i < data.kwh.length; i++) {
    const y = data.kwh[i]!;
    const t = data.tempC[i]!;
    if (!Number.isFinite(y) || !Number.isFinite(t)) continue;
    const ms = data.startMs + i * HOUR_MS;
    rows.push({ y, t, tow: hourOfWeek(ms, offsetOf), month: localMonth(ms, offsetOf), index: i });
  }
  if (rows.length < 168) return null;
  const byMonth: Row[][] = Array.from({ length: 12 }, () => []);
  for (const r of rows) byMonth[r.month]!.push(r);
  const segments: SegmentModel[] = [];
  for (let month = 0; month < 12; month++) {
    const prev = (month + 11) % 12;
    const next = (month + 1) % 12;
    const segRows = [...byMonth[prev]!, ...byMonth[month]!, ...byMonth[next]!];
    const weights = segRows.map((r) => (r.month === month ? 1 : 0.5));
    // A month without data of its own borrows its neighbours at full weight.
    if (byMonth[month]!.length === 0) weights.fill(1);
    segments.push(
      segRows.length > 0
        ? fitSegment(segRows, weights)
        : fitSegment(
            rows,
            rows.map(() => 1),
          ),
    );
  }
  const model: HourlyModelReference = { kind: "hourly", segments, stats: fitStats([], [], 0) };
  const f = new Float64Array(BIN_ENDPOINTS_C.length + 1);
  const y = new Float64Array(rows.length);
  const yHat = new Float64Array(rows.length);
  for (const [i, r] of rows.entries()) {
    y[i] = r.y;
    yHat[i] = predictWith(segments[r.month]!, r.tow, r.t, f);
  }
  const p = 168 + 2 * Math.max(...segments.map((s) => s.endpointsC.length + 1));
  model.stats = fitStats(y, yHat, p);
  return model;
}

const scratch = new Float64Array(BIN_ENDPOINTS_C.length + 1);

/** Predicted kWh of one hour (UTC start ms) at a mean temperature; NaN when the temperature is missing. */
export function predictHourReference(
  model: HourlyModelReference,
  ms: number,
  tempC: number,
  offsetOf: OffsetOf,
): number {
  if (!Number.isFinite(tempC)) return Number.NaN;
  return predictWith(model.segments[localMonth(ms, offsetOf)]!, hourOfWeek(ms, offsetOf), tempC, scratch);
}
