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
//
// Closure days. Hour-of-week alone cannot represent a weekday on which the
// facility is closed (school holidays, public holidays): the month-weighted
// segments then blend open and closed weekdays, which biases both the closed
// months and their open neighbours. Days of operation are an independent
// variable of IPMVP (Option C, "routine adjustments"); here they are
// measured from the load shape: a Monday–Friday whose daytime-to-night load
// ratio falls to the facility's Sunday level is a closure day and takes
// Sunday's hour-of-week terms (the "holiday as Sunday" convention of load
// forecasting). The ratio is independent of the load's level, so a saving
// that scales the load does not change which days are closed; facilities
// whose rest days differ from workdays only by degree (hospitals) get no rule.
//
// Implementation: one pass builds the local calendar (typed arrays), each
// segment accumulates weighted normal equations over its three months, the
// 168 dummies are eliminated through the Schur complement so only the 2K
// temperature columns are solved densely.
import { DAY_MS, HOUR_MS, type HourlyData, type OffsetOf } from "./series.ts";
import { type FitStats, fitStats, solveLinear } from "./stats.ts";

export const BIN_ENDPOINTS_C: readonly number[] = [30, 45, 55, 65, 75, 90].map((f) => ((f - 32) * 5) / 9);
export const MIN_HOURS_PER_BIN = 20;
export const OCCUPANCY_THRESHOLD = 0.65;
const OCC_HDD_BALANCE_C = 10; // 50 °F
const OCC_CDD_BALANCE_C = ((65 - 32) * 5) / 9; // 65 °F
const MAX_K = BIN_ENDPOINTS_C.length + 1;
const SUNDAY_TOW = 6 * 24;

export interface SegmentModel {
  /** Hour-of-week coefficients, kWh; an hour the segment never saw holds the mean of its occupancy mode. */
  tow: Float64Array;
  occupied: Uint8Array;
  endpointsC: number[];
  /** Temperature slopes for occupied hours then unoccupied hours (K + K), kWh per K. */
  beta: Float64Array;
}

/** How closure days are recognised (see the header). */
export interface ClosureRule {
  /** Local hours of the day with the highest typical workday load. */
  dayHours: number[];
  /** Local hours with the lowest. */
  nightHours: number[];
  /** A workday whose day/night load ratio is below this is a closure day. */
  ratioBelow: number;
}

export interface HourlyModel {
  kind: "hourly";
  segments: SegmentModel[];
  closure: ClosureRule | null;
  stats: FitStats;
}

/** Piecewise-linear temperature features on bins with the given endpoints (K = endpoints + 1 values). */
export function temperatureFeatures(t: number, endpoints: readonly number[], out: Float64Array): void {
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

/** Bin index of a temperature: bin j is (e[j−1], e[j]]. */
const binOf = (t: number, e: readonly number[]): number => {
  let j = 0;
  while (j < e.length && t > e[j]!) j++;
  return j;
};

/** Drops endpoints until every bin holds at least MIN_HOURS_PER_BIN of the counted hours. */
function mergeBinCounts(baseCounts: ArrayLike<number>, endpoints: readonly number[]): number[] {
  const e = [...endpoints];
  const counts = Array.from(baseCounts);
  for (;;) {
    const thin = counts.findIndex((c) => c < MIN_HOURS_PER_BIN);
    if (thin < 0 || e.length === 0) return e;
    // The last bin merges downwards; every other one upwards.
    const drop = thin === e.length ? thin - 1 : thin;
    e.splice(drop, 1);
    counts.splice(drop, 2, counts[drop]! + counts[drop + 1]!);
  }
}

/** Drops endpoints until every bin holds at least MIN_HOURS_PER_BIN hours. */
export function mergeBins(temps: readonly number[], endpoints: readonly number[]): number[] {
  const counts = new Array<number>(endpoints.length + 1).fill(0);
  for (const t of temps) counts[binOf(t, endpoints)]!++;
  return mergeBinCounts(counts, endpoints);
}

/** Local calendar of an hourly grid: hour of day, weekday (Monday 0), month, local day index. */
interface Calendar {
  hod: Uint8Array;
  dow: Uint8Array;
  month: Uint8Array;
  /** Local day of each hour, counted from the first hour's day. */
  day: Int32Array;
  days: number;
}

function calendarOf(startMs: number, n: number, offsetOf: OffsetOf): Calendar {
  const hod = new Uint8Array(n);
  const dow = new Uint8Array(n);
  const month = new Uint8Array(n);
  const day = new Int32Array(n);
  let firstDay = 0;
  let lastDay = Number.NaN;
  let m = 0;
  let wd = 0;
  for (let i = 0; i < n; i++) {
    const ms = startMs + i * HOUR_MS;
    const localHours = Math.floor((ms + offsetOf(ms)) / HOUR_MS);
    const d = Math.floor(localHours / 24);
    if (d !== lastDay) {
      if (i === 0) firstDay = d;
      lastDay = d;
      m = new Date(d * DAY_MS).getUTCMonth();
      wd = (((d + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    }
    hod[i] = localHours - d * 24;
    dow[i] = wd;
    month[i] = m;
    day[i] = d - firstDay;
  }
  return { hod, dow, month, day, days: n > 0 ? day[n - 1]! + 1 : 0 };
}

/** Per local day: mean load over the rule's day hours and night hours (NaN when any is missing), and weekday. */
function dayRatios(
  kwh: Float64Array,
  cal: Calendar,
  dayHours: readonly number[],
  nightHours: readonly number[],
) {
  const isDay = new Uint8Array(24);
  const isNight = new Uint8Array(24);
  for (const h of dayHours) isDay[h] = 1;
  for (const h of nightHours) isNight[h] = 1;
  const hi = new Float64Array(cal.days);
  const lo = new Float64Array(cal.days);
  const nHi = new Uint8Array(cal.days);
  const nLo = new Uint8Array(cal.days);
  const dow = new Uint8Array(cal.days);
  for (let i = 0; i < kwh.length; i++) {
    const d = cal.day[i]!;
    dow[d] = cal.dow[i]!;
    const v = kwh[i]!;
    if (!Number.isFinite(v)) continue;
    const h = cal.hod[i]!;
    if (isDay[h]) {
      hi[d]! += v;
      nHi[d]!++;
    } else if (isNight[h]) {
      lo[d]! += v;
      nLo[d]!++;
    }
  }
  const ratio = new Float64Array(cal.days).fill(Number.NaN);
  for (let d = 0; d < cal.days; d++) {
    if (nHi[d] === dayHours.length && nLo[d] === nightHours.length && lo[d]! > 0)
      ratio[d] = hi[d]! / nHi[d]! / (lo[d]! / nLo[d]!);
  }
  return { ratio, dow };
}

const median = (xs: number[]): number => {
  if (xs.length === 0) return Number.NaN;
  // Typed-array sort: numeric, native, no comparator calls.
  const s = Float64Array.from(xs).sort();
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The closure rule of a baseline, or null when rest days are not closed days (or too few days to tell). */
function fitClosureRule(kwh: Float64Array, cal: Calendar): ClosureRule | null {
  // Typical workday shape: per local hour, the median over Monday–Friday of the hour's share of its day.
  const shares: number[][] = Array.from({ length: 24 }, () => []);
  const daySum = new Float64Array(cal.days);
  const dayCount = new Uint8Array(cal.days);
  for (let i = 0; i < kwh.length; i++) {
    const v = kwh[i]!;
    if (Number.isFinite(v)) {
      daySum[cal.day[i]!]! += v;
      dayCount[cal.day[i]!]!++;
    }
  }
  for (let i = 0; i < kwh.length; i++) {
    const d = cal.day[i]!;
    const v = kwh[i]!;
    if (cal.dow[i]! < 5 && dayCount[d] === 24 && daySum[d]! > 0 && Number.isFinite(v))
      shares[cal.hod[i]!]!.push(v / daySum[d]!);
  }
  if (shares.some((s) => s.length < 20)) return null;
  const order = shares.map((s, h) => ({ h, m: median(s) })).sort((a, b) => b.m - a.m);
  const dayHours = order.slice(0, 6).map((o) => o.h);
  const nightHours = order.slice(18).map((o) => o.h);
  const { ratio, dow } = dayRatios(kwh, cal, dayHours, nightHours);
  const work: number[] = [];
  const sundays: number[] = [];
  for (let d = 0; d < cal.days; d++) {
    if (!Number.isFinite(ratio[d]!)) continue;
    if (dow[d]! < 5) work.push(ratio[d]!);
    else if (dow[d] === 6) sundays.push(ratio[d]!);
  }
  if (work.length < 20 || sundays.length < 4) return null;
  // Excess of day over night load: a closed Sunday has (almost) none. The
  // rule applies only when a workday's excess is at least three times a Sunday's.
  const workExcess = median(work) - 1;
  const sundayExcess = Math.max(0, median(sundays) - 1);
  if (!(workExcess > 0.3 && sundayExcess < workExcess / 3)) return null;
  return { dayHours, nightHours, ratioBelow: 1 + (workExcess + sundayExcess) / 2 };
}

/** Hour-of-week of every hour (Monday 00:00 = 0), closure days mapped to Sunday's hours. */
function hourOfWeekOf(kwh: Float64Array, cal: Calendar, rule: ClosureRule | null): Uint8Array {
  const tow = new Uint8Array(kwh.length);
  const closed = new Uint8Array(cal.days);
  if (rule) {
    const { ratio, dow } = dayRatios(kwh, cal, rule.dayHours, rule.nightHours);
    for (let d = 0; d < cal.days; d++) if (dow[d]! < 5 && ratio[d]! < rule.ratioBelow) closed[d] = 1;
  }
  for (let i = 0; i < kwh.length; i++)
    tow[i] = closed[cal.day[i]!] ? SUNDAY_TOW + cal.hod[i]! : cal.dow[i]! * 24 + cal.hod[i]!;
  return tow;
}

/** Number of closure days the rule finds in hourly data. */
export function closureDays(model: HourlyModel, data: HourlyData, offsetOf: OffsetOf): number {
  if (!model.closure) return 0;
  const cal = calendarOf(data.startMs, data.kwh.length, offsetOf);
  const { ratio, dow } = dayRatios(data.kwh, cal, model.closure.dayHours, model.closure.nightHours);
  let n = 0;
  for (let d = 0; d < cal.days; d++) if (dow[d]! < 5 && ratio[d]! < model.closure.ratioBelow) n++;
  return n;
}

/**
 * One month-weighted segment, fitted on the hours `idx` with weights `w`.
 * `t`, `y`, `tow` are the whole grid's arrays.
 */
function fitSegment(
  idx: Int32Array,
  w: Float64Array,
  y: Float64Array,
  t: Float64Array,
  tow: Uint8Array,
): SegmentModel {
  const rows = idx.length;
  // 1. Occupancy from the residuals of a weighted HDD/CDD fit.
  const a = new Float64Array(9);
  const b = new Float64Array(3);
  const baseCounts = new Float64Array(MAX_K);
  for (let r = 0; r < rows; r++) {
    const i = idx[r]!;
    const wi = w[r]!;
    const ti = t[i]!;
    const yi = y[i]!;
    const x1 = Math.max(0, OCC_HDD_BALANCE_C - ti);
    const x2 = Math.max(0, ti - OCC_CDD_BALANCE_C);
    a[0]! += wi;
    a[1]! += wi * x1;
    a[2]! += wi * x2;
    a[4]! += wi * x1 * x1;
    a[5]! += wi * x1 * x2;
    a[8]! += wi * x2 * x2;
    b[0]! += wi * yi;
    b[1]! += wi * x1 * yi;
    b[2]! += wi * x2 * yi;
    if (wi > 0) baseCounts[binOf(ti, BIN_ENDPOINTS_C)]!++;
  }
  a[3] = a[1]!;
  a[6] = a[2]!;
  a[7] = a[5]!;
  for (let p = 0; p < 3; p++) if (a[p * 3 + p]! === 0) a[p * 3 + p] = 1;
  const simple = solveLinear(a, b, 3) ?? Float64Array.of(0, 0, 0);
  const pos = new Float64Array(168);
  const tot = new Float64Array(168);
  for (let r = 0; r < rows; r++) {
    const i = idx[r]!;
    const wi = w[r]!;
    const ti = t[i]!;
    const f =
      simple[0]! +
      simple[1]! * Math.max(0, OCC_HDD_BALANCE_C - ti) +
      simple[2]! * Math.max(0, ti - OCC_CDD_BALANCE_C);
    tot[tow[i]!]! += wi;
    if (y[i]! - f > 0) pos[tow[i]!]! += wi;
  }
  const occupied = new Uint8Array(168);
  for (let h = 0; h < 168; h++) occupied[h] = tot[h]! > 0 && pos[h]! / tot[h]! > OCCUPANCY_THRESHOLD ? 1 : 0;

  // 2. Bins: merged on the hours this segment weighs.
  const endpoints = mergeBinCounts(baseCounts, BIN_ENDPOINTS_C);
  const k = endpoints.length + 1;
  const m = 2 * k;

  // 3. Weighted least squares with 168 hour-of-week dummies, solved through
  // the Schur complement of the diagonal dummy block.
  const d = new Float64Array(168);
  const dy = new Float64Array(168);
  const bt = new Float64Array(168 * m);
  const c = new Float64Array(m * m);
  const ty = new Float64Array(m);
  const f = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    const wi = w[r]!;
    if (wi === 0) continue;
    const i = idx[r]!;
    const yi = y[i]!;
    const h = tow[i]!;
    temperatureFeatures(t[i]!, endpoints, f);
    const off = occupied[h] ? 0 : k;
    d[h]! += wi;
    dy[h]! += wi * yi;
    const base = h * m + off;
    for (let p = 0; p < k; p++) {
      const wf = wi * f[p]!;
      if (wf === 0) continue;
      bt[base + p]! += wf;
      ty[off + p]! += wf * yi;
      const row = (off + p) * m + off;
      for (let q = 0; q < k; q++) c[row + q]! += wf * f[q]!;
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
  const towCoef = new Float64Array(168).fill(Number.NaN);
  for (let h = 0; h < 168; h++) {
    if (d[h]! === 0) continue;
    let v = dy[h]!;
    for (let p = 0; p < m; p++) v -= bt[h * m + p]! * beta[p]!;
    towCoef[h] = v / d[h]!;
  }
  // An hour of the week the segment never saw: mean of the same occupancy mode.
  const sum = [0, 0];
  const cnt = [0, 0];
  for (let h = 0; h < 168; h++) {
    if (Number.isNaN(towCoef[h]!)) continue;
    sum[occupied[h]!]! += towCoef[h]!;
    cnt[occupied[h]!]!++;
  }
  for (let h = 0; h < 168; h++) {
    if (!Number.isNaN(towCoef[h]!)) continue;
    const o = occupied[h]!;
    towCoef[h] = cnt[o]! > 0 ? sum[o]! / cnt[o]! : 0;
  }
  return { tow: towCoef, occupied, endpointsC: endpoints, beta };
}

const predictWith = (seg: SegmentModel, tow: number, t: number, f: Float64Array): number => {
  const k = seg.endpointsC.length + 1;
  temperatureFeatures(t, seg.endpointsC, f);
  const off = seg.occupied[tow] ? 0 : k;
  let y = seg.tow[tow]!;
  for (let p = 0; p < k; p++) y += seg.beta[off + p]! * f[p]!;
  return y;
};

export interface HourlyFit {
  model: HourlyModel;
  /** In-sample prediction of every hour of the baseline grid; NaN where energy or temperature is missing. */
  fitted: Float64Array;
}

/** Fits the hourly model and returns its in-sample predictions; null with fewer than 168 usable hours. */
export function fitHourlyDetailed(data: HourlyData, offsetOf: OffsetOf): HourlyFit | null {
  const n = data.kwh.length;
  const y = data.kwh;
  const t = data.tempC;
  const cal = calendarOf(data.startMs, n, offsetOf);
  const monthCount = new Int32Array(12);
  let usable = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(y[i]!) && Number.isFinite(t[i]!)) {
      monthCount[cal.month[i]!]!++;
      usable++;
    }
  }
  if (usable < 168) return null;
  const closure = fitClosureRule(y, cal);
  const tow = hourOfWeekOf(y, cal, closure);
  const byMonth = Array.from({ length: 12 }, (_, m) => new Int32Array(monthCount[m]!));
  const fill = new Int32Array(12);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i]!) || !Number.isFinite(t[i]!)) continue;
    const m = cal.month[i]!;
    byMonth[m]![fill[m]!++] = i;
  }
  const segments: SegmentModel[] = [];
  for (let month = 0; month < 12; month++) {
    const parts = [byMonth[(month + 11) % 12]!, byMonth[month]!, byMonth[(month + 1) % 12]!];
    const total = parts[0]!.length + parts[1]!.length + parts[2]!.length;
    let idx: Int32Array;
    let w: Float64Array;
    if (total === 0) {
      // No data near this month at all: the whole year at full weight.
      idx = new Int32Array(usable);
      let j = 0;
      for (const part of byMonth) for (const i of part) idx[j++] = i;
      w = new Float64Array(usable).fill(1);
    } else {
      idx = new Int32Array(total);
      w = new Float64Array(total);
      let j = 0;
      // A month without data of its own borrows its neighbours at full weight.
      const own = parts[1]!.length > 0;
      for (const [pi, part] of parts.entries()) {
        const weight = pi === 1 || !own ? 1 : 0.5;
        for (const i of part) {
          idx[j] = i;
          w[j++] = weight;
        }
      }
    }
    segments.push(fitSegment(idx, w, y, t, tow));
  }
  const model: HourlyModel = { kind: "hourly", segments, closure, stats: fitStats([], [], 0) };
  const fitted = new Float64Array(n).fill(Number.NaN);
  const yy = new Float64Array(usable);
  const yHat = new Float64Array(usable);
  const f = new Float64Array(MAX_K);
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i]!) || !Number.isFinite(t[i]!)) continue;
    const p = predictWith(segments[cal.month[i]!]!, tow[i]!, t[i]!, f);
    fitted[i] = p;
    yy[j] = y[i]!;
    yHat[j++] = p;
  }
  let maxK = 0;
  for (const s of segments) maxK = Math.max(maxK, s.endpointsC.length + 1);
  model.stats = fitStats(yy, yHat, 168 + 2 * maxK);
  return { model, fitted };
}

/** Fits the hourly model on the hours with both energy and temperature; null with fewer than 168 such hours. */
export function fitHourly(data: HourlyData, offsetOf: OffsetOf): HourlyModel | null {
  return fitHourlyDetailed(data, offsetOf)?.model ?? null;
}

/**
 * Predictions for every hour of `data` (NaN where the temperature is
 * missing), with the closure days of `data` recognised from its own load shape.
 */
export function predictHours(model: HourlyModel, data: HourlyData, offsetOf: OffsetOf): Float64Array {
  const n = data.kwh.length;
  const cal = calendarOf(data.startMs, n, offsetOf);
  const tow = hourOfWeekOf(data.kwh, cal, model.closure);
  const out = new Float64Array(n);
  const f = new Float64Array(MAX_K);
  for (let i = 0; i < n; i++) {
    const ti = data.tempC[i]!;
    out[i] = Number.isFinite(ti) ? predictWith(model.segments[cal.month[i]!]!, tow[i]!, ti, f) : Number.NaN;
  }
  return out;
}

const scratch = new Float64Array(MAX_K);

const calendarAt = (ms: number, offsetOf: OffsetOf) => {
  const localHours = Math.floor((ms + offsetOf(ms)) / HOUR_MS);
  const d = Math.floor(localHours / 24);
  return {
    tow: ((((d + 3) % 7) + 7) % 7) * 24 + (localHours - d * 24),
    month: new Date(d * DAY_MS).getUTCMonth(),
  };
};

/**
 * Predicted kWh of one hour (UTC start ms) at a mean temperature; NaN when
 * the temperature is missing. A single hour carries no day shape, so it is
 * predicted as a regular day of its weekday (for reports use predictHours).
 */
export function predictHour(model: HourlyModel, ms: number, tempC: number, offsetOf: OffsetOf): number {
  if (!Number.isFinite(tempC)) return Number.NaN;
  const c = calendarAt(ms, offsetOf);
  return predictWith(model.segments[c.month]!, c.tow, tempC, scratch);
}

/** Whether the model treats that hour as occupied. */
export function isOccupiedHour(model: HourlyModel, ms: number, offsetOf: OffsetOf): boolean {
  const c = calendarAt(ms, offsetOf);
  return model.segments[c.month]!.occupied[c.tow] === 1;
}
