// Squared-envelope analysis (Randall & Antoni 2011, "Rolling element bearing
// diagnostics — a tutorial", MSSP 25, §3.1 and §4): band-pass the signal
// around the resonance its impacts excite, take the analytic signal, and
// look at the spectrum of the squared envelope, where the impact rate and
// its modulations show as discrete lines.
//
// Everything happens in the frequency domain on one FFT of the whole block:
// the band's bins, moved to baseband and inverse-transformed at a size just
// large enough for them, are the band's complex envelope already decimated
// (the analytic signal's magnitude does not depend on the frequency shift).
// A band of B bins costs one inverse FFT of ~2B points instead of N.
import { complexBuffer, type FftBackend, fftJsBackend, nextPowerOfTwo } from "./fft.ts";
import { hannWindow } from "./window.ts";
import { arraysPerSize, perSize } from "./workspace.ts";

/** The FFT of one whole block, zero-padded to a power of two; bins 0…size/2 are valid. */
export interface SignalSpectrum {
  /** Interleaved complex bins (re, im); bins 0…size/2. */
  readonly bins: Float64Array;
  /** Transform size (power of two ≥ count). */
  readonly size: number;
  /** Samples of signal in the block (the rest is zero padding). */
  readonly count: number;
  readonly sampleRateHz: number;
}

const spectrumWorkspace = arraysPerSize({
  padded: "real",
  bins: "complex",
  spare: "complex",
});

/**
 * FFT of `x[0…count−1]` (no window: the envelope needs the signal as it is),
 * zero-padded to the next power of two. The bins are a workspace reused on
 * the next call with the same transform size.
 */
export function signalSpectrum(
  x: Float64Array,
  count: number,
  sampleRateHz: number,
  fft: FftBackend = fftJsBackend,
): SignalSpectrum {
  const size = nextPowerOfTwo(count);
  const ws = spectrumWorkspace(size);
  let input = x;
  if (x.length !== size || count !== size) {
    ws.padded.set(x.subarray(0, count));
    ws.padded.fill(0, count);
    input = ws.padded;
  }
  fft.plan(size).realForward(input, ws.bins);
  return { bins: ws.bins, size, count, sampleRateHz };
}

/** A second bins buffer of the same size (for a pre-whitened copy), reused per size. */
export function spareBins(size: number): Float64Array {
  return spectrumWorkspace(size).spare;
}

/**
 * Bin range [first, last] whose centres lie in [lowHz, highHz), within 1…size/2−1. Half-open, so
 * the bands of a filter bank that tile the spectrum share no bin: a band of 2^m bins' width is 2^m
 * bins, and its complex envelope is critically sampled by an FFT of 2^m points (a closed band
 * would hold 2^m + 1 bins and need an FFT twice that size).
 */
export function bandBins(spec: SignalSpectrum, lowHz: number, highHz: number): [number, number] {
  const df = spec.sampleRateHz / spec.size;
  const first = Math.max(1, Math.ceil(lowHz / df - 1e-9));
  const last = Math.min(spec.size / 2 - 1, Math.ceil(highHz / df - 1e-9) - 1);
  return [first, Math.max(first, last)];
}

export interface SquaredEnvelope {
  /** |z|² of the band's analytic signal, (input unit)²; valid samples 0…count−1. A reused workspace. */
  readonly values: Float64Array;
  readonly count: number;
  readonly rateHz: number;
}

// --- loops ------------------------------------------------------------------------------------
// V8 compiles a long loop while it runs (on-stack replacement) with the type feedback gathered so
// far. Code after the loop that has not run yet has none, and an exit from there keeps the compiled
// loop — it is outside the loop — so every later call enters it and exits there again: Node 20 then
// runs most of such a function in its baseline tier (measured on this chain: 3–5× slower, and
// megabytes of boxed numbers per block for the collector). So each long loop here ends its own
// function, followed by nothing but the return of a local; the work around it is in loop-free callers.

/** e[i] = scale·|z_i|² for i = from…to−1 (`z` interleaved complex). */
function squaredMagnitudes(z: Float64Array, e: Float64Array, from: number, to: number, scale: number): void {
  for (let i = from; i < to; i++) {
    const re = z[2 * i]!;
    const im = z[2 * i + 1]!;
    e[i] = (re * re + im * im) * scale;
  }
}

/** Σ v[i]² of the last call of sumsOfQuads: its second result (a module variable costs the loop nothing after it). */
let quadsSumOfSquares = 0;

/**
 * Σ v[i] over i = from…to−1 (`to − from` a multiple of 4), and Σ v[i]² into
 * quadsSumOfSquares. Four neighbours are added first, so the sums' additions —
 * each waiting on the previous one — are a quarter as many.
 */
function sumsOfQuads(v: Float64Array, from: number, to: number): number {
  let sum = 0;
  let sumSq = 0;
  for (let i = from; i < to; i += 4) {
    const a = v[i]!;
    const b = v[i + 1]!;
    const c = v[i + 2]!;
    const d = v[i + 3]!;
    sum += a + b + (c + d);
    sumSq += a * a + b * b + (c * c + d * d);
  }
  quadsSumOfSquares = sumSq;
  return sum;
}

/** [Σ v[i], Σ v[i]²] over i = from…to−1, any count (the first (to − from) mod 4 one by one), into `out`. */
export function sums(v: Float64Array, from: number, to: number, out: Float64Array): Float64Array {
  const head = from + ((to - from) % 4);
  let s = 0;
  let sSq = 0;
  for (let i = from; i < head; i++) {
    s += v[i]!;
    sSq += v[i]! * v[i]!;
  }
  out[0] = s + sumsOfQuads(v, head, to);
  out[1] = sSq + quadsSumOfSquares;
  return out;
}
const sumsOut = new Float64Array(2);

// --- the band's squared envelope ----------------------------------------------------------------

const bandWorkspace = arraysPerSize({
  baseband: "complex",
  complexEnvelope: "complex",
  squared: "real",
});

/**
 * Squared envelope of the band of bins [first, last] of `spec`, decimated to
 * a rate of L·df with L = the power of two ≥ `oversample`·(band bins).
 * `oversample` 2 keeps the squared envelope free of aliasing (|z|² spans
 * twice the band); 1 samples the complex envelope critically, enough for
 * its statistics (the kurtogram).
 */
export function bandSquaredEnvelope(
  spec: SignalSpectrum,
  first: number,
  last: number,
  oversample: 1 | 2,
  fft: FftBackend = fftJsBackend,
): SquaredEnvelope {
  const bandBinsCount = last - first + 1;
  const l = nextPowerOfTwo(oversample * bandBinsCount);
  const ws = bandWorkspace(l);
  const { baseband, complexEnvelope, squared } = ws;
  baseband.set(spec.bins.subarray(2 * first, 2 * (last + 1)));
  baseband.fill(0, 2 * bandBinsCount);
  fft.plan(l).inverse(baseband, complexEnvelope);
  // z = (2/N)·Σ_band X_k e^{…}: the inverse transform divides by L, so scale by 2L/N.
  const scale = (2 * l) / spec.size;
  squaredMagnitudes(complexEnvelope, squared, 0, l, scale * scale);
  const count = Math.min(l, Math.ceil((spec.count * l) / spec.size));
  return { values: squared, count, rateHz: (l * spec.sampleRateHz) / spec.size };
}

// --- spectral kurtosis of a band ----------------------------------------------------------------

/**
 * Points of the transform that samples a band of `bins` bins critically or
 * just above: the power of two ≥ bins, or 3·2^m ≥ bins when that is smaller
 * (the bands of the kurtogram's 1/3 levels hold N/(3·2^k) bins, which a power
 * of two would oversample 1.5 times) and M = 2^m is a size every backend runs.
 */
export function envelopeTransformSize(bins: number): number {
  const pow2 = nextPowerOfTwo(bins);
  const m = nextPowerOfTwo(Math.ceil(bins / 3));
  return 3 * m < pow2 && m >= 4 ? 3 * m : pow2;
}

// --- decimation ---------------------------------------------------------------------------------

interface DecimationWorkspace {
  readonly spectrum: Float64Array;
  readonly low: Float64Array;
  readonly out: Float64Array;
  readonly values: Float64Array;
}
/** Per (input size L, output size M) pair, both powers of two: keyed 64·log2 L + log2 M. */
const decimationWorkspace = perSize((key): DecimationWorkspace => {
  const l = 2 ** Math.floor(key / 64);
  const m = 2 ** (key % 64);
  return {
    spectrum: complexBuffer(l),
    low: complexBuffer(m),
    out: complexBuffer(m),
    values: new Float64Array(m),
  };
});

/**
 * The squared envelope low-passed to `topHz` and resampled at the power-of-two
 * rate just above 2·topHz (an ideal low-pass through the FFT: the spectrum of
 * all L samples, its bins up to topHz, the inverse at M points). The envelope
 * spectrum of a wide band reaches half the band's width, while a bearing's
 * lines lie below a few kHz: the whole band's squared envelope then costs
 * one transform of L points instead of one of 2L with a Hann window over L.
 * Returns `env` itself when it is no faster than twice topHz already.
 */
export function decimateSquaredEnvelope(
  env: SquaredEnvelope,
  topHz: number,
  fft: FftBackend,
): SquaredEnvelope {
  const l = env.values.length;
  const binHz = env.rateHz / l;
  const k = Math.min(l / 2 - 1, Math.ceil(topHz / binHz));
  const m = nextPowerOfTwo(2 * (k + 1));
  if (m * 2 > l || (l & (l - 1)) !== 0) return env;
  const ws = decimationWorkspace(Math.log2(l) * 64 + Math.log2(m));
  fft.plan(l).realForward(env.values, ws.spectrum);
  lowBins(ws.spectrum, ws.low, k, m);
  fft.plan(m).inverse(ws.low, ws.out);
  realParts(ws.out, ws.values, m, m / l);
  return {
    values: ws.values,
    count: Math.min(m, Math.ceil((env.count * m) / l)),
    rateHz: (env.rateHz * m) / l,
  };
}

/** low = bins 0…k of a real signal's spectrum and their conjugates at m − k…m − 1, zeros between. */
function lowBins(spectrum: Float64Array, low: Float64Array, k: number, m: number): void {
  low.set(spectrum.subarray(0, 2 * (k + 1)));
  low.fill(0, 2 * (k + 1), 2 * (m - k));
  conjugateMirror(spectrum, low, k, m);
}

/** low[m − j] = conj(spectrum[j]) for j = 1…k (interleaved complex). */
function conjugateMirror(spectrum: Float64Array, low: Float64Array, k: number, m: number): void {
  for (let j = 1; j <= k; j++) {
    low[2 * (m - j)] = spectrum[2 * j]!;
    low[2 * (m - j) + 1] = -spectrum[2 * j + 1]!;
  }
}

/** values[i] = scale·re(z_i), i = 0…m−1. */
function realParts(z: Float64Array, values: Float64Array, m: number, scale: number): void {
  for (let i = 0; i < m; i++) values[i] = z[2 * i]! * scale;
}

// --- its spectrum -------------------------------------------------------------------------------

/** Amplitude spectrum of a squared envelope: `amplitude[k]` at k·dfHz is the peak amplitude of the line there. */
export interface EnvelopeSpectrum {
  readonly amplitude: Float64Array;
  readonly dfHz: number;
  /** Highest frequency the spectrum is valid to (the band's width), Hz. */
  readonly maxHz: number;
  /** Frequency resolution of the record (1 / its duration), Hz: lines closer than this are not resolved. */
  readonly resolutionHz: number;
  /** Mean of the squared envelope (the band's mean square), same unit as the amplitudes. */
  readonly mean: number;
}

const sesWorkspace = arraysPerSize({
  windowed: "real",
  spectrum: "complex",
  amplitude: "half",
});

/** Σw of the Hann window of a size (its coherent gain × size), cached with the window. */
const hannSum = perSize((n) => sums(hannWindow(n), 0, n, sumsOut)[0]!);

/** out[i] = (v[i] − mean)·w[i] for i = 0…n−1. */
function centreAndWindow(v: Float64Array, w: Float64Array, out: Float64Array, n: number, mean: number): void {
  for (let i = 0; i < n; i++) out[i] = (v[i]! - mean) * w[i]!;
}

/** amp[k] = scale·|X_k| for k = 0…count−1 (`x` interleaved complex). */
function magnitudes(x: Float64Array, amp: Float64Array, count: number, scale: number): void {
  for (let k = 0; k < count; k++) {
    const re = x[2 * k]!;
    const im = x[2 * k + 1]!;
    amp[k] = Math.sqrt(re * re + im * im) * scale;
  }
}

/**
 * Spectrum of the squared envelope: mean removed, Hann window over the valid
 * samples (its side lobes would otherwise bury the slow lines of a slow
 * shaft under the leakage of the mean), zero-padded by `zeroPad` (a power of
 * two) so peaks between bins are read near their height, and scaled by the
 * window's coherent gain so a line A·cos(2πft) reads A. `bandWidthHz` is
 * the band the envelope came from: lines above it are not valid.
 */
export function squaredEnvelopeSpectrum(
  env: SquaredEnvelope,
  bandWidthHz: number,
  zeroPad = 4,
  fft: FftBackend = fftJsBackend,
): EnvelopeSpectrum {
  const n = env.count;
  const size = nextPowerOfTwo(n) * zeroPad;
  const ws = sesWorkspace(size);
  const mean = sums(env.values, 0, n, sumsOut)[0]! / n;
  centreAndWindow(env.values, hannWindow(n), ws.windowed, n, mean);
  ws.windowed.fill(0, n);
  fft.plan(size).realForward(ws.windowed, ws.spectrum);
  magnitudes(ws.spectrum, ws.amplitude, ws.amplitude.length, 2 / hannSum(n));
  return {
    amplitude: ws.amplitude,
    dfHz: env.rateHz / size,
    maxHz: Math.min(bandWidthHz, env.rateHz / 2),
    resolutionHz: env.rateHz / n,
    mean,
  };
}
