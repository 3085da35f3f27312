// Order statistics on typed arrays for the edge's DSP (spectral
// backgrounds, medians), on the selection common/select-kth.ts does.
import { selectKth } from "../../common/select-kth.ts";

export { selectKth };

/**
 * Median of a[0…n−1] (the mean of the two middle values for an even n), by
 * selection: reorders that range of `a`. NaN for n = 0.
 */
export function medianOf(a: Float64Array, n: number): number {
  if (n <= 0) return Number.NaN;
  if (n % 2 === 1) return selectKth(a, (n - 1) / 2, 0, n);
  const upper = selectKth(a, n / 2, 0, n);
  // After the selection everything before n/2 is ≤ upper: the lower middle is their largest.
  let lower = a[0]!;
  for (let i = 1; i < n / 2; i++) if (a[i]! > lower) lower = a[i]!;
  return 0.5 * (lower + upper);
}

/** Largest k `smallestOf` keeps in its scratch (k < SMALLEST_MAX). */
export const SMALLEST_MAX = 64;

/**
 * The k-th smallest (0-based, k < SMALLEST_MAX) of v[from…from+n−1], v
 * left alone; `best` (length > k) is scratch. The k+1 smallest values so
 * far are kept sorted and a value enters only when it is below the largest
 * of them: for a low quantile of a block few do, so this costs about one
 * comparison per value, where selection's partitions branch unpredictably
 * on every one.
 */
export function smallestOf(v: Float64Array, from: number, n: number, k: number, best: Float64Array): number {
  if (!(k >= 0 && k < n && k < SMALLEST_MAX && best.length > k))
    throw new RangeError(`k = ${k} outside 0…${Math.min(n, SMALLEST_MAX) - 1}`);
  let size = 0;
  for (let i = from; i < from + n; i++) {
    const x = v[i]!;
    if (size > k) {
      if (!(x < best[k]!)) continue;
    } else size++;
    let j = size - 2;
    while (j >= 0 && best[j]! > x) {
      best[j + 1] = best[j]!;
      j--;
    }
    best[j + 1] = x;
  }
  return best[k]!;
}

/**
 * The q-quantile (0 ≤ q < 1, the ⌊q·n⌋-th smallest) of v[from…from+n−1],
 * v left alone: through `smallestOf` when that index is small, else by
 * selection on a copy in `scratch` (grown when too short; the caller keeps
 * the returned array for the next call).
 */
export function quantileOf(
  v: Float64Array,
  from: number,
  n: number,
  q: number,
  scratch: { values: Float64Array },
): number {
  if (n <= 0) return Number.NaN;
  const k = Math.min(n - 1, Math.floor(q * n));
  if (k < SMALLEST_MAX) {
    if (scratch.values.length < SMALLEST_MAX + 1) scratch.values = new Float64Array(2 * SMALLEST_MAX);
    return smallestOf(v, from, n, k, scratch.values);
  }
  if (scratch.values.length < n) scratch.values = new Float64Array(2 * n);
  scratch.values.set(v.subarray(from, from + n));
  return selectKth(scratch.values, k, 0, n);
}
