// Spectral kurtosis of a band (Antoni 2006, "The spectral kurtosis: a useful
// tool for characterising non-stationary signals", MSSP 20; Antoni 2007,
// "Fast computation of the kurtogram", MSSP 21): the kurtosis of the band's
// complex envelope, computed from the block's one FFT (envelope.ts), as
// the kurtogram's inner loop.
import { envelopeTransformSize, type SignalSpectrum, type SquaredEnvelope, sums } from "./envelope.ts";
import { complexBuffer, type FftBackend, fftJsBackend } from "./fft.ts";
import { arraysPerSize, perSize } from "./workspace.ts";

/** Scratch of `sums` for this module's single-threaded calls. */
const sumsOut = new Float64Array(2);

const kurtosisWorkspace = arraysPerSize({
  input: "complex",
  output: "complex",
  /** |z|² of each output. */
  energy: "real",
});

/**
 * The radix-3 step of a transform of L = 3M points from three of M points
 * (Cooley & Tukey 1965, decimation in time): y[m + jM] = Σ_r W_L^{rm} ω^{rj} Y_r[m]
 * with Y_r the transform of every third input from r, W_L = e^{−2πi/L},
 * ω = e^{−2πi/3}. Per size M: the decimated inputs and their transforms, and
 * the twiddles W_L^m and W_L^{2m} interleaved (cos, sin, cos, sin, …).
 */
interface Radix3Workspace {
  readonly in0: Float64Array;
  readonly in1: Float64Array;
  readonly in2: Float64Array;
  readonly y0: Float64Array;
  readonly y1: Float64Array;
  readonly y2: Float64Array;
  /** cos and sin of 2πm/L, then of 4πm/L, m = 0…M−1: four values per m. */
  readonly twiddles: Float64Array;
}
const radix3Workspace = perSize((m): Radix3Workspace => {
  const twiddles = new Float64Array(4 * m);
  for (let i = 0; i < m; i++) {
    const a = (2 * Math.PI * i) / (3 * m);
    twiddles[4 * i] = Math.cos(a);
    twiddles[4 * i + 1] = Math.sin(a);
    twiddles[4 * i + 2] = Math.cos(2 * a);
    twiddles[4 * i + 3] = Math.sin(2 * a);
  }
  return {
    in0: complexBuffer(m),
    in1: complexBuffer(m),
    in2: complexBuffer(m),
    y0: complexBuffer(m),
    y1: complexBuffer(m),
    y2: complexBuffer(m),
    twiddles,
  };
});

/** √3/2: the imaginary part of ω = e^{−2πi/3} (negated). */
const HALF_SQRT3 = Math.sqrt(3) / 2;

/**
 * Spectral kurtosis of the band of bins [first, last]: the kurtosis of its
 * complex envelope sampled at L = `envelopeTransformSize(bins)` points over
 * the block, E|z|⁴ / (E|z|²)² − 2 (0 for Gaussian noise); the kurtogram's inner
 * loop. A forward transform of the band's bins gives z conjugated and
 * time-reversed — the same moments without the inverse's 1/L pass, and the
 * scale of z cancels in the ratio. Sample j of the envelope is at index
 * (L − j) mod L; only the `count` samples that cover the block (not its
 * zero padding) count: indices 0 and L − count + 1 … L − 1.
 */
export function bandKurtosis(
  spec: SignalSpectrum,
  first: number,
  last: number,
  fft: FftBackend = fftJsBackend,
): number {
  const bins = last - first + 1;
  const l = envelopeTransformSize(bins);
  const e = kurtosisWorkspace(l).energy;
  // Both paths return Σ|y|² over all L outputs and leave Σ|y|⁴ in energySumOfSquares.
  let sum2 =
    l % 3 === 0
      ? radix3Energies(spec.bins, first, bins, l / 3, e, fft)
      : pow2Energies(spec.bins, first, bins, l, e, fft);
  let sum4 = energySumOfSquares;
  const count = Math.min(l, Math.ceil((spec.count * l) / spec.size));
  if (count < l) {
    // A zero-padded block: its padding's samples do not count.
    const tail = sums(e, l - count + 1, l, sumsOut);
    sum2 = e[0]! + tail[0]!;
    sum4 = e[0]! * e[0]! + tail[1]!;
  }
  if (sum2 <= 0) return 0;
  const m1 = sum2 / count;
  return sum4 / count / (m1 * m1) - 2;
}

/** Σ|y|⁴ over the outputs of the last pow2Energies or radix3Energies (their second result). */
let energySumOfSquares = 0;

/**
 * |y|² of the forward transform of L (a power of two) points of `bins` bins
 * from `first` (zero-padded) into e; returns Σ|y|², and Σ|y|⁴ goes to
 * energySumOfSquares.
 */
function pow2Energies(
  binsIn: Float64Array,
  first: number,
  bins: number,
  l: number,
  e: Float64Array,
  fft: FftBackend,
): number {
  const ws = kurtosisWorkspace(l);
  let input: Float64Array;
  if (bins === l) {
    // A band of exactly L bins (the kurtogram's binary levels): transformed where it lies.
    input = binsIn.subarray(2 * first, 2 * (first + l));
  } else {
    input = ws.input;
    input.set(binsIn.subarray(2 * first, 2 * (first + bins)));
    input.fill(0, 2 * bins);
  }
  fft.plan(l).forward(input, ws.output);
  return energiesByFours(ws.output, e, l);
}

/**
 * e[i] = |z_i|² for i = 0…l−1 (l a multiple of 4); returns Σe, and Σe² goes
 * to energySumOfSquares. Four at a time, so that the sums' additions — each
 * waiting on the previous one — are a quarter as many.
 */
function energiesByFours(z: Float64Array, e: Float64Array, l: number): number {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < l; i += 4) {
    const e0 = z[2 * i]! * z[2 * i]! + z[2 * i + 1]! * z[2 * i + 1]!;
    const e1 = z[2 * i + 2]! * z[2 * i + 2]! + z[2 * i + 3]! * z[2 * i + 3]!;
    const e2 = z[2 * i + 4]! * z[2 * i + 4]! + z[2 * i + 5]! * z[2 * i + 5]!;
    const e3 = z[2 * i + 6]! * z[2 * i + 6]! + z[2 * i + 7]! * z[2 * i + 7]!;
    e[i] = e0;
    e[i + 1] = e1;
    e[i + 2] = e2;
    e[i + 3] = e3;
    sum += e0 + e1 + (e2 + e3);
    sumSq += e0 * e0 + e1 * e1 + (e2 * e2 + e3 * e3);
  }
  energySumOfSquares = sumSq;
  return sum;
}

/**
 * The complex values src[first + q], q = 0…bins−1, dealt out by q mod 3: value
 * q goes to in_{q mod 3} at ⌊q/3⌋, zeros after. The last, incomplete triple is
 * dealt before the loop over whole ones, so that the loop ends the function.
 */
function decimateBy3(
  src: Float64Array,
  first: number,
  bins: number,
  in0: Float64Array,
  in1: Float64Array,
  in2: Float64Array,
): void {
  const whole = bins - (bins % 3);
  const p = (2 * whole) / 3;
  in0.fill(0, whole < bins ? p + 2 : p);
  in1.fill(0, whole + 1 < bins ? p + 2 : p);
  in2.fill(0, p);
  if (whole < bins) {
    in0[p] = src[2 * (first + whole)]!;
    in0[p + 1] = src[2 * (first + whole) + 1]!;
  }
  if (whole + 1 < bins) {
    in1[p] = src[2 * (first + whole) + 2]!;
    in1[p + 1] = src[2 * (first + whole) + 3]!;
  }
  for (let q = 2 * first, end = 2 * (first + whole), i = 0; q < end; q += 6, i += 2) {
    in0[i] = src[q]!;
    in0[i + 1] = src[q + 1]!;
    in1[i] = src[q + 2]!;
    in1[i + 1] = src[q + 3]!;
    in2[i] = src[q + 4]!;
    in2[i + 1] = src[q + 5]!;
  }
}

/**
 * |y|² of the forward transform of L = 3M points of `bins` bins from `first`
 * (zero-padded), into e: three transforms of M points and the radix-3 step.
 * Returns Σ|y|², and Σ|y|⁴ goes to energySumOfSquares.
 */
function radix3Energies(
  binsIn: Float64Array,
  first: number,
  bins: number,
  m: number,
  e: Float64Array,
  fft: FftBackend,
): number {
  const ws = radix3Workspace(m);
  decimateBy3(binsIn, first, bins, ws.in0, ws.in1, ws.in2);
  const plan = fft.plan(m);
  plan.forward(ws.in0, ws.y0);
  plan.forward(ws.in1, ws.y1);
  plan.forward(ws.in2, ws.y2);
  return radix3Step(ws.y0, ws.y1, ws.y2, ws.twiddles, e, m);
}

/**
 * The radix-3 butterflies of Radix3Workspace, |y|² of the L = 3M outputs into
 * e; returns Σ|y|², and Σ|y|⁴ goes to energySumOfSquares.
 */
function radix3Step(
  y0: Float64Array,
  y1: Float64Array,
  y2: Float64Array,
  w: Float64Array,
  e: Float64Array,
  m: number,
): number {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < m; i++) {
    const a0r = y0[2 * i]!;
    const a0i = y0[2 * i + 1]!;
    const b1r = y1[2 * i]!;
    const b1i = y1[2 * i + 1]!;
    const b2r = y2[2 * i]!;
    const b2i = y2[2 * i + 1]!;
    const c1 = w[4 * i]!;
    const s1 = w[4 * i + 1]!;
    const c2 = w[4 * i + 2]!;
    const s2 = w[4 * i + 3]!;
    // t_r = W_L^{ri}·Y_r[i], W_L^{ri} = cos − i·sin.
    const t1r = c1 * b1r + s1 * b1i;
    const t1i = c1 * b1i - s1 * b1r;
    const t2r = c2 * b2r + s2 * b2i;
    const t2i = c2 * b2i - s2 * b2r;
    const sr = t1r + t2r;
    const si = t1i + t2i;
    const dr = HALF_SQRT3 * (t1r - t2r);
    const di = HALF_SQRT3 * (t1i - t2i);
    const cr = a0r - 0.5 * sr;
    const ci = a0i - 0.5 * si;
    // y[i] = t0 + t1 + t2; y[i + M] = t0 + ω t1 + ω² t2; y[i + 2M] = t0 + ω² t1 + ω t2.
    const u0r = a0r + sr;
    const u0i = a0i + si;
    const u1r = cr + di;
    const u1i = ci - dr;
    const u2r = cr - di;
    const u2i = ci + dr;
    const e0 = u0r * u0r + u0i * u0i;
    const e1 = u1r * u1r + u1i * u1i;
    const e2 = u2r * u2r + u2i * u2i;
    e[i] = e0;
    e[i + m] = e1;
    e[i + 2 * m] = e2;
    sum += e0 + e1 + e2;
    sumSq += e0 * e0 + e1 * e1 + e2 * e2;
  }
  energySumOfSquares = sumSq;
  return sum;
}

/** Kurtosis of a complex envelope from its squared magnitude: E|z|⁴ / (E|z|²)² − 2 (0 for Gaussian noise). */
export function envelopeKurtosis(env: SquaredEnvelope): number {
  const total = sums(env.values, 0, env.count, sumsOut);
  if (total[0]! <= 0) return 0;
  const m1 = total[0]! / env.count;
  return total[1]! / env.count / (m1 * m1) - 2;
}
