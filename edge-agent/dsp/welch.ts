// Averaged one-sided power spectrum (Welch 1967, IEEE Trans. Audio
// Electroacoust. 15(2): Hann-windowed segments, 50 % overlap, averaged
// periodograms), normalised for noise as Heinzel, Rüdiger & Schilling 2002
// ("Spectrum and spectral density estimation by the DFT", eqs. 21–24):
// P_k = 2·|X_k|² / (M·Σw²), so that Σ_band P_k is the band's mean square
// whatever the window and wherever a tone falls between bins.
import { type FftBackend, fftJsBackend } from "./fft.ts";
import { hannWindow, windowEnergy } from "./window.ts";
import { arraysPerSize } from "./workspace.ts";

const workspace = arraysPerSize({
  segment: "real",
  spectrum: "complex",
  power: "half",
});

/** Largest power of two ≤ n (n ≥ 1). */
export const previousPowerOfTwo = (n: number): number => 2 ** Math.floor(Math.log2(Math.max(1, n)));

/**
 * One-sided power spectrum of acceleration, m/s², scaled so that the sum over a band's bins is the band's
 * mean square ((m/s²)²) — Heinzel et al. 2002 normalisation for noise, Σw² corrected, Welch-averaged.
 * `power[k]` is at `k · dfHz`. The array may be a workspace the producer reuses on its next call:
 * read it before then, copy it to keep it.
 */
export interface PowerSpectrum {
  readonly power: Float64Array;
  readonly dfHz: number;
  readonly sampleRateHz: number;
}

/**
 * Welch power spectrum of `x[0…count−1]` (detrended, m/s²) with segments
 * of `segmentLength` samples (a power of two). Segments are spread evenly
 * over the record with at least 50 % overlap, so no sample is left out; a
 * record shorter than one segment is one Hann-windowed, zero-padded segment.
 * The returned `power` is a workspace reused on the next call with the same
 * segment length.
 */
export function welchPowerSpectrum(
  x: Float64Array,
  count: number,
  sampleRateHz: number,
  segmentLength: number,
  fft: FftBackend = fftJsBackend,
): PowerSpectrum {
  if (count < 4) throw new Error(`a spectrum needs at least 4 samples, got ${count}`);
  if (!(sampleRateHz > 0)) throw new Error(`sample rate must be > 0, got ${sampleRateHz}`);
  const m = segmentLength;
  const ws = workspace(m);
  const plan = fft.plan(m);
  const { segment, spectrum, power } = ws;
  power.fill(0);
  const used = Math.min(count, m);
  const w = hannWindow(used);
  const sumW2 = windowEnergy(w);
  const segments = count <= m ? 1 : Math.ceil((count - m) / (m / 2)) + 1;
  if (used < m) segment.fill(0, used);
  for (let s = 0; s < segments; s++) {
    const start = segments === 1 ? 0 : Math.round((s * (count - m)) / (segments - 1));
    windowSegment(x, start, w, segment, used);
    plan.realForward(segment, spectrum);
    addBinPower(spectrum, power);
  }
  scaleInPlace(power, 2 / (m * sumW2 * segments));
  // DC and Nyquist have no mirror image: one-sided factor 1, not 2.
  power[0]! *= 0.5;
  power[power.length - 1]! *= 0.5;
  return { power, dfHz: sampleRateHz / m, sampleRateHz };
}

// The loops of the spectra end their own functions, with nothing after them (see envelope.ts: V8's
// on-stack replacement otherwise leaves the code after a long loop in its baseline tier).

/** segment[i] = x[start + i]·w[i] for i = 0…used−1. */
function windowSegment(
  x: Float64Array,
  start: number,
  w: Float64Array,
  segment: Float64Array,
  used: number,
): void {
  for (let i = 0; i < used; i++) segment[i] = x[start + i]! * w[i]!;
}

/** power[k] += |X_k|² for every k of `power` (`spectrum` interleaved complex). */
function addBinPower(spectrum: Float64Array, power: Float64Array): void {
  for (let k = 0; k < power.length; k++) {
    const re = spectrum[2 * k]!;
    const im = spectrum[2 * k + 1]!;
    power[k]! += re * re + im * im;
  }
}

function scaleInPlace(v: Float64Array, scale: number): void {
  for (let k = 0; k < v.length; k++) v[k]! *= scale;
}

/**
 * The single-segment Hann power spectrum of a whole block from its unwindowed
 * FFT (`bins`, interleaved, size N = the block length, a power of two),
 * without a second transform: the periodic Hann window is 0.5 − 0.25·e^{+}
 * − 0.25·e^{−}, so windowing is the 3-tap convolution
 * Xw_k = 0.5·X_k − 0.25·(X_{k−1} + X_{k+1}) (Harris 1978, §V), with
 * X_{−1} = conj(X_1) and X_{N/2+1} = conj(X_{N/2−1}) for a real signal.
 * Equal to `welchPowerSpectrum(x, N, fs, N)`; same workspace.
 */
export function hannPowerFromSpectrum(bins: Float64Array, size: number, sampleRateHz: number): PowerSpectrum {
  const { power } = workspace(size);
  const half = size / 2;
  const sumW2 = (3 * size) / 8;
  const scale = 2 / (size * sumW2);
  // The ends, whose missing neighbour is a mirror image (a conjugate: the imaginary part changes
  // sign), and which have no mirror image of their own: one-sided factor 1, not 2.
  power[0] = hannBinPower(bins, 0, 1, 1, -bins[3]!, bins[3]!, scale) * 0.5;
  power[half] =
    hannBinPower(bins, half, half - 1, half - 1, bins[2 * half - 1]!, -bins[2 * half - 1]!, scale) * 0.5;
  hannPowerInterior(bins, power, half, scale);
  return { power, dfHz: sampleRateHz / size, sampleRateHz };
}

/** Bins 1…half−1 of hannPowerFromSpectrum; bins k − 1, k and k + 1 roll through locals, one read per step. */
function hannPowerInterior(bins: Float64Array, power: Float64Array, half: number, scale: number): void {
  let prevRe = bins[0]!;
  let prevIm = bins[1]!;
  let curRe = bins[2]!;
  let curIm = bins[3]!;
  for (let k = 1; k < half; k++) {
    const nextRe = bins[2 * k + 2]!;
    const nextIm = bins[2 * k + 3]!;
    const re = 0.5 * curRe - 0.25 * (prevRe + nextRe);
    const im = 0.5 * curIm - 0.25 * (prevIm + nextIm);
    power[k] = (re * re + im * im) * scale;
    prevRe = curRe;
    prevIm = curIm;
    curRe = nextRe;
    curIm = nextIm;
  }
}

/** One bin of hannPowerFromSpectrum given its neighbours' indices and imaginary parts. */
function hannBinPower(
  bins: Float64Array,
  k: number,
  km: number,
  kp: number,
  imM: number,
  imP: number,
  scale: number,
): number {
  const re = 0.5 * bins[2 * k]! - 0.25 * (bins[2 * km]! + bins[2 * kp]!);
  const im = 0.5 * bins[2 * k + 1]! - 0.25 * (imM + imP);
  return (re * re + im * im) * scale;
}

/** Equivalent noise bandwidth of the Hann window, bins (Harris 1978, Table 1). */
export const HANN_ENBW_BINS = 1.5;

/**
 * Mean square of a band of a power spectrum, optionally of its time integral
 * (÷ω², velocity from acceleration — integration in the frequency domain, so
 * no drift; the band's lower edge is the high-pass). Bins whose centres lie in
 * [lowHz, highHz] count; DC never does.
 */
export function bandMeanSquare(ps: PowerSpectrum, lowHz: number, highHz: number, integrate = false): number {
  const kLow = Math.max(1, Math.ceil(lowHz / ps.dfHz - 1e-9));
  const kHigh = Math.min(ps.power.length - 1, Math.floor(highHz / ps.dfHz + 1e-9));
  let sum = 0;
  if (integrate) {
    const w0 = 2 * Math.PI * ps.dfHz;
    for (let k = kLow; k <= kHigh; k++) sum += ps.power[k]! / (w0 * k) ** 2;
  } else for (let k = kLow; k <= kHigh; k++) sum += ps.power[k]!;
  return sum;
}
