// Orders: spectra whose axis is multiples of the shaft speed.
//
// At constant speed an order spectrum is the ordinary spectrum with its axis
// divided by the shaft frequency. When the speed changes within a block, a
// line at order h sweeps over h·Δf and smears over many bins; computed order
// tracking (Fyfe & Munck 1997, "Analysis of computed order tracking",
// Mechanical Systems and Signal Processing 11(2) 187–205) resamples the
// signal at equal increments of shaft angle, where every order is a fixed
// number of cycles per revolution again, and takes the spectrum of that.
//
// The shaft angle comes from the speed profile (a linear ramp between the
// speeds at the start and end of the block, as SCADA gives them), not from a
// tachometer: θ(t) = f₀t + (f₁ − f₀)t²/(2T) revolutions. Samples between the
// time samples are interpolated by cubic convolution (Keys 1981, IEEE Trans.
// ASSP 29(6), a = −½), Fyfe & Munck having shown that interpolation order and
// oversampling set the accuracy; the angle step is chosen so that even the
// slowest part of the block is sampled at least as densely as in time, so
// resampling never decimates (and so never aliases).
//
// Pure functions on typed arrays; buffers are reused per transform size.
import { binPower, type FftBackend, fftJsBackend, nextPowerOfTwo } from "./fft.ts";
import { hannWindow, windowEnergy } from "./window.ts";
import { arraysPerSize } from "./workspace.ts";

/** A linear speed ramp over a block: f(t) = startHz + (endHz − startHz)·t/durationS. */
export interface SpeedRamp {
  readonly startHz: number;
  readonly endHz: number;
  readonly durationS: number;
}

/** Shaft angle after `t` seconds, revolutions. */
export function revolutionsAt(ramp: SpeedRamp, t: number): number {
  const slope = (ramp.endHz - ramp.startHz) / ramp.durationS;
  return ramp.startHz * t + 0.5 * slope * t * t;
}

/**
 * The time at which the shaft has turned `revolutions`, s — the root of
 * θ(t) = f₀t + ½αt² in the form 2θ / (f₀ + √(f₀² + 2αθ)), which stays exact
 * as α → 0 (no cancellation, no division by α).
 */
export function timeAtRevolutions(ramp: SpeedRamp, revolutions: number): number {
  const slope = (ramp.endHz - ramp.startHz) / ramp.durationS;
  const root = Math.sqrt(Math.max(0, ramp.startHz * ramp.startHz + 2 * slope * revolutions));
  return (2 * revolutions) / (ramp.startHz + root);
}

/** Relative speed change over the block below which it counts as constant (the 1× line then stays within its bin). */
export const CONSTANT_SPEED_TOLERANCE = 0.01;

export const isSpeedRamp = (startHz: number, endHz: number): boolean =>
  Math.abs(endHz - startHz) > CONSTANT_SPEED_TOLERANCE * 0.5 * (startHz + endHz);

/** Cubic convolution of `x` at fractional index `u` (Keys 1981, a = −½); indices outside are clamped. */
function cubicAt(x: Float64Array, count: number, u: number): number {
  const i = Math.floor(u);
  const s = u - i;
  const last = count - 1;
  const p0 = x[i - 1 < 0 ? 0 : Math.min(i - 1, last)]!;
  const p1 = x[Math.min(i, last)]!;
  const p2 = x[Math.min(i + 1, last)]!;
  const p3 = x[Math.min(i + 2, last)]!;
  // Catmull–Rom form of the a = −½ kernel.
  return p1 + 0.5 * s * (p2 - p0 + s * (2 * p0 - 5 * p1 + 4 * p2 - p3 + s * (3 * (p1 - p2) + p3 - p0)));
}

/**
 * Resamples `x[0…count−1]` (taken at `sampleRateHz`) at `samplesPerRev`
 * equal angle steps per revolution of a shaft following `ramp`, into `out`;
 * returns how many samples were written (every angle step inside the record,
 * at most `out.length`).
 */
export function angleResample(
  x: Float64Array,
  count: number,
  sampleRateHz: number,
  ramp: SpeedRamp,
  samplesPerRev: number,
  out: Float64Array,
): number {
  const lastT = (count - 1) / sampleRateHz;
  const total = Math.min(out.length, Math.floor(revolutionsAt(ramp, lastT) * samplesPerRev) + 1);
  for (let j = 0; j < total; j++) {
    const u = timeAtRevolutions(ramp, j / samplesPerRev) * sampleRateHz;
    out[j] = cubicAt(x, count, Math.min(u, count - 1));
  }
  return total;
}

/**
 * One-sided power spectrum on an order axis, normalised like `PowerSpectrum`
 * (Heinzel et al. 2002 for noise: the sum over a band's bins is its mean
 * square, (m/s²)² for acceleration input). `power[k]` is at order
 * `k · ordersPerBin`. `power` is a workspace reused by the next call of the
 * same transform size.
 */
export interface OrderSpectrum {
  readonly power: Float64Array;
  readonly ordersPerBin: number;
  /** Revolutions the spectrum was taken over (its resolution is 1/revolutions orders). */
  readonly revolutions: number;
  /** Mean shaft speed over the analysed record, Hz (to turn orders into Hz, e.g. for ω of velocity). */
  readonly meanShaftHz: number;
  /** True when the record was resampled to shaft angle (speed ramp), false for the plain spectrum. */
  readonly angleResampled: boolean;
}

const workspace = arraysPerSize({
  resampled: "real",
  windowed: "real",
  spectrum: "complex",
  power: "half",
});
type Workspace = ReturnType<typeof workspace>;

/** Hann-windowed, zero-padded power spectrum of `x[0…count−1]` into `ws.power` (transform size ws.windowed.length). */
function windowedPower(x: Float64Array, count: number, ws: Workspace, fft: FftBackend): void {
  const size = ws.windowed.length;
  const w = hannWindow(count);
  for (let i = 0; i < count; i++) ws.windowed[i] = x[i]! * w[i]!;
  ws.windowed.fill(0, count);
  fft.plan(size).realForward(ws.windowed, ws.spectrum);
  binPower(ws.spectrum, ws.power);
  const scale = 2 / (size * windowEnergy(w));
  for (let k = 0; k < ws.power.length; k++) ws.power[k]! *= scale;
  ws.power[0]! *= 0.5;
  ws.power[ws.power.length - 1]! *= 0.5;
}

/**
 * Order spectrum of one block of `samples` taken at `sampleRateHz` while the
 * shaft ramps linearly from `startHz` to `endHz`. Within
 * `CONSTANT_SPEED_TOLERANCE` it is the plain spectrum of the block (Hann,
 * zero-padded to a power of two); beyond it the block is first resampled to
 * shaft angle.
 */
export function orderSpectrum(args: {
  samples: Float64Array;
  sampleRateHz: number;
  startHz: number;
  endHz: number;
  fft?: FftBackend;
}): OrderSpectrum {
  const { samples, sampleRateHz, startHz, endHz } = args;
  const fft = args.fft ?? fftJsBackend;
  const n = samples.length;
  if (n < 4) throw new Error(`an order spectrum needs at least 4 samples, got ${n}`);
  if (!(startHz > 0 && endHz > 0)) throw new Error(`shaft speeds must be > 0, got ${startHz} → ${endHz} Hz`);
  const durationS = n / sampleRateHz;
  if (!isSpeedRamp(startHz, endHz)) {
    const size = nextPowerOfTwo(n);
    const ws = workspace(size);
    windowedPower(samples, n, ws, fft);
    const meanShaftHz = 0.5 * (startHz + endHz);
    return {
      power: ws.power,
      ordersPerBin: sampleRateHz / size / meanShaftHz,
      revolutions: durationS * meanShaftHz,
      meanShaftHz,
      angleResampled: false,
    };
  }
  const ramp: SpeedRamp = { startHz, endHz, durationS };
  // Never sparser in angle than in time: samples per revolution from the slowest speed.
  const samplesPerRev = sampleRateHz / Math.min(startHz, endHz);
  const available = Math.floor(revolutionsAt(ramp, (n - 1) / sampleRateHz) * samplesPerRev) + 1;
  // A power of two of whole angle steps: the transform without zero padding (the tail of the record is left out).
  const size = 2 ** Math.floor(Math.log2(available));
  const ws = workspace(size);
  const count = angleResample(samples, n, sampleRateHz, ramp, samplesPerRev, ws.resampled);
  windowedPower(ws.resampled, count, ws, fft);
  const revolutions = count / samplesPerRev;
  return {
    power: ws.power,
    ordersPerBin: samplesPerRev / size,
    revolutions,
    meanShaftHz: revolutions / (timeAtRevolutions(ramp, revolutions) || durationS),
    angleResampled: true,
  };
}
