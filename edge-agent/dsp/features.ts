// Vibration features of one acceleration block (ISO 10816-21 / VDI 3834-1
// quantities plus the statistics a diagnostics engine starts from).
//
// Velocity is obtained by integrating in the frequency domain (divide each
// bin by jω) rather than by a running time-domain sum: integration in time
// turns any DC offset and low-frequency noise into drift, while in the
// frequency domain the band limits (10–1000 Hz for the drive train) cut
// that off exactly. The RMS follows from Parseval's theorem with the window
// energy correction Σw² (Heinzel, Rüdiger & Schilling 2002, "Spectrum and
// spectral density estimation by the DFT", §9: "normalisation for noise"),
// which keeps broadband RMS right regardless of where tones fall on bins.

import { velocityRow } from "../../common/iso-zones.ts";
import { type ComponentClass, STANDARD_GRAVITY_M_S2 } from "../../common/names.ts";
import { detrendInto } from "./detrend.ts";
import type { PowerSpectrum } from "./welch.ts";
import { bandMeanSquare, previousPowerOfTwo, welchPowerSpectrum } from "./welch.ts";
import { perSize } from "./workspace.ts";

export type AccelerationUnit = "g" | "m/s2";

export interface BandHz {
  readonly lowHz: number;
  readonly highHz: number;
}

/**
 * Acceleration bands per component class, VDI 3834-1:2009 Table 1 (the
 * higher band where the guideline gives two): the a_rms field is the RMS
 * of this band.
 */
export const ACCELERATION_BANDS: Readonly<Record<ComponentClass, BandHz>> = {
  nacelle: { lowHz: 0.1, highHz: 10 },
  main_bearing: { lowHz: 0.1, highHz: 10 },
  gearbox: { lowHz: 10, highHz: 2000 },
  generator: { lowHz: 10, highHz: 5000 },
};

/** Velocity band per component class: the band the ISO zone boundaries apply to. */
export const velocityBand = (component: ComponentClass): BandHz => {
  const [lowHz, highHz] = velocityRow(component).bandHz;
  return { lowHz, highHz };
};

export interface BlockFeatures {
  /** Velocity RMS in the component's velocity band (10–1000 Hz for the drive train), mm/s. */
  v_rms_mm_s: number;
  /** Acceleration RMS in the component's acceleration band, g. */
  a_rms_g: number;
  a_rms_m_s2: number;
  /** Largest absolute acceleration after removing the mean, g. */
  a_peak_g: number;
  /** a_peak / broadband RMS of acceleration (√2 for a sine). */
  crest_factor: number;
  /** Fourth standardised moment (1.5 for a sine, 3 for Gaussian noise). */
  kurtosis: number;
}

export interface BlockInput {
  readonly samples: ArrayLike<number>;
  readonly sampleRateHz: number;
  readonly unit: AccelerationUnit;
  readonly component: ComponentClass;
}

/** Time-domain statistics of a detrended block (m/s²). */
export interface TimeStatistics {
  readonly meanSquare: number;
  readonly peak: number;
  readonly kurtosis: number;
}

export function timeStatistics(x: Float64Array, count: number): TimeStatistics {
  momentSums.fill(0);
  for (let from = 0; from < count; from += MOMENT_CHUNK)
    accumulateMoments(x, from, Math.min(count, from + MOMENT_CHUNK), momentSums);
  const m2 = momentSums[0]! / count;
  const m4 = momentSums[1]! / count;
  return { meanSquare: m2, peak: Math.sqrt(momentSums[2]!), kurtosis: m2 > 0 ? m4 / (m2 * m2) : 0 };
}

/** Σx², Σx⁴ and max x² of a block, carried from one chunk of timeStatistics to the next. */
const momentSums = new Float64Array(3);
/**
 * Samples per call of accumulateMoments. V8 may compile a long loop in mid-call (on-stack
 * replacement) before the code after it has ever run; without type feedback there, every later
 * call leaves the compiled loop at that point and finishes in the baseline tier (seen on the
 * diagnostic chain: every block, for the whole run). Calls this short are over before that, so
 * the stores after the loop have their feedback when the loop is compiled.
 */
const MOMENT_CHUNK = 4096;

function accumulateMoments(x: Float64Array, from: number, to: number, sums: Float64Array): void {
  let m2 = sums[0]!;
  let m4 = sums[1]!;
  let peak2 = sums[2]!;
  for (let i = from; i < to; i++) {
    const v = x[i]!;
    const v2 = v * v;
    m2 += v2;
    m4 += v2 * v2;
    // Branch-free (Math.max of the square): a data-dependent branch per sample mispredicts on
    // noise and costs six times the loop.
    peak2 = Math.max(peak2, v2);
  }
  sums[0] = m2;
  sums[1] = m4;
  sums[2] = peak2;
}

/** The `vibration` fields from a block's power spectrum and time statistics (both m/s²). */
export function vibrationFeatures(
  ps: PowerSpectrum,
  stats: TimeStatistics,
  component: ComponentClass,
): BlockFeatures {
  const v = velocityBand(component);
  const a = ACCELERATION_BANDS[component];
  const vRms = Math.sqrt(bandMeanSquare(ps, v.lowHz, v.highHz, true));
  const aRms = Math.sqrt(bandMeanSquare(ps, a.lowHz, a.highHz, false));
  const rmsBroad = Math.sqrt(stats.meanSquare);
  return {
    v_rms_mm_s: vRms * 1000,
    a_rms_g: aRms / STANDARD_GRAVITY_M_S2,
    a_rms_m_s2: aRms,
    a_peak_g: stats.peak / STANDARD_GRAVITY_M_S2,
    crest_factor: rmsBroad > 0 ? stats.peak / rmsBroad : 0,
    kurtosis: stats.kurtosis,
  };
}

/** Longest Welch segment: 2^17 samples (5.1 s at 25.6 kHz, 0.2 Hz bins). */
const MAX_SEGMENT = 2 ** 17;

/** Welch segment length for a block of `count` samples: the whole block (a power of two), up to 2^17. */
export const segmentLengthFor = (count: number): number => Math.min(MAX_SEGMENT, previousPowerOfTwo(count));

const signals = perSize((n) => new Float64Array(n));
/**
 * The block in m/s² with its mean removed, a workspace per block length. The
 * mean, not a least-squares line: a line fitted to a block of whole periods
 * of a tone takes part of the tone with it (0.4 % of a 100 Hz sine's peak in
 * 2.56 s), and the Hann window and the bands' high-pass already keep a slow
 * drift out of the spectrum.
 */
export function detrendedBlock(samples: ArrayLike<number>, unit: AccelerationUnit): Float64Array {
  const x = signals(samples.length);
  detrendInto(samples, x, "mean", unit === "g" ? STANDARD_GRAVITY_M_S2 : 1);
  return x;
}

/**
 * Features of one block: the same numbers the diagnostic chain (diagnoseBlock)
 * reports — mean removed, Welch/Hann spectrum with whole-block segments up
 * to 2^17, band RMS by Parseval. Pure: reads `input.samples`, allocates only
 * per new block size.
 */
export function computeFeatures(input: BlockInput): BlockFeatures {
  const { samples, sampleRateHz, unit, component } = input;
  const n = samples.length;
  if (n < 4) throw new Error(`a block needs at least 4 samples, got ${n}`);
  if (!(sampleRateHz > 0)) throw new Error(`sample rate must be > 0, got ${sampleRateHz}`);
  const x = detrendedBlock(samples, unit);
  const ps = welchPowerSpectrum(x, n, sampleRateHz, segmentLengthFor(n));
  return vibrationFeatures(ps, timeStatistics(x, n), component);
}
