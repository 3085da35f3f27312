// Detrending: a DC offset or a slow drift of the sensor would leak through
// every window's side lobes into the low-frequency bins, where integration
// to velocity (÷ω) magnifies it most. A least-squares line removes both.

export type DetrendMode = "mean" | "linear";

/**
 * Writes `scale · (src − trend)` into `out[0…n−1]` (n = src.length) and
 * returns the trend removed (`offset + slope · i`, in src units). `out` may be
 * longer than src; the rest is left alone. `src` and `out` may be the same array.
 */
export function detrendInto(
  src: ArrayLike<number>,
  out: Float64Array,
  mode: DetrendMode = "linear",
  scale = 1,
): { offset: number; slope: number } {
  const n = src.length;
  if (out.length < n) throw new Error(`detrend output needs ${n} values, got ${out.length}`);
  const sumX = sumOf(src, n);
  const mean = n > 0 ? sumX / n : 0;
  let slope = 0;
  if (mode === "linear" && n > 1) {
    // Least-squares slope about the centre index: Σ(i − c)(x − x̄) / Σ(i − c)², Σ(i − c)² = n(n²−1)/12.
    const c = (n - 1) / 2;
    slope = (indexWeightedSum(src, n) - c * sumX) / ((n * (n * n - 1)) / 12);
  }
  const offset = mean - slope * ((n - 1) / 2);
  // The agent's case (features.ts) is the mean alone: one subtraction per sample.
  if (slope === 0) subtractScaled(src, out, n, offset, scale);
  else subtractLineScaled(src, out, n, offset, slope, scale);
  return { offset, slope };
}

// Each loop ends its own function, with nothing after it but the return of a local (see
// envelope.ts: V8's on-stack replacement otherwise leaves the code after a long loop in its
// baseline tier).

/**
 * Σ src[i] over i = 0…n−1. Four neighbours are added first: each addition to
 * the sum waits on the previous one, so a plain running sum runs at the adder's
 * latency, four times slower than its throughput.
 */
function sumOf(src: ArrayLike<number>, n: number): number {
  const head = n % 4;
  let sum = 0;
  for (let i = 0; i < head; i++) sum += src[i]!;
  return sum + sumOfQuads(src, head, n);
}

/** Σ src[i] over i = from…to−1, `to − from` a multiple of 4, four at a time. */
function sumOfQuads(src: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i += 4) sum += src[i]! + src[i + 1]! + (src[i + 2]! + src[i + 3]!);
  return sum;
}

/** Σ i·src[i] over i = 0…n−1. */
function indexWeightedSum(src: ArrayLike<number>, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += i * src[i]!;
  return sum;
}

/** out[i] = (src[i] − offset)·scale. */
function subtractScaled(
  src: ArrayLike<number>,
  out: Float64Array,
  n: number,
  offset: number,
  scale: number,
): void {
  for (let i = 0; i < n; i++) out[i] = (src[i]! - offset) * scale;
}

/** out[i] = (src[i] − offset − slope·i)·scale. */
function subtractLineScaled(
  src: ArrayLike<number>,
  out: Float64Array,
  n: number,
  offset: number,
  slope: number,
  scale: number,
): void {
  for (let i = 0; i < n; i++) out[i] = (src[i]! - offset - slope * i) * scale;
}
