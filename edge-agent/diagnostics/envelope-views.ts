// The envelope views a block's bearing is diagnosed in, and the speed they
// are read at. Smith & Randall (MSSP 64–65, 2015) diagnose the CWRU records
// with the squared envelope of the band the fast kurtogram picks (Antoni
// 2007) and of the whole band after cepstral pre-whitening (Sawalhi &
// Randall; Borghesani et al., MSSP 36 (2013) 370–384): each catches what the
// other misses — the kurtogram a resonance that stands out, the whitened
// band impacts spread over bands no one of which stands out, or behind
// discrete lines the kurtogram's band is full of. Both are computed on the
// block's one FFT, every transform through the FftBackend passed in.

import { envelopeKurtosis } from "../dsp/band-kurtosis.ts";
import {
  bandBins,
  bandSquaredEnvelope,
  decimateSquaredEnvelope,
  type EnvelopeSpectrum,
  type SignalSpectrum,
  type SquaredEnvelope,
  spareBins,
  squaredEnvelopeSpectrum,
} from "../dsp/envelope.ts";
import { type FftBackend, nextPowerOfTwo } from "../dsp/fft.ts";
import { fastKurtogram } from "../dsp/kurtogram.ts";
import { angleResample, isSpeedRamp, type SpeedRamp } from "../dsp/orders.ts";
import { cepstralPrewhiten } from "../dsp/prewhiten.ts";
import { refineShaftSpeed } from "../dsp/shaft-speed.ts";
import { perSize } from "../dsp/workspace.ts";
import {
  type BearingView,
  bearingDefectOrders,
  bearingReadLimitHz,
  STATED_SPEED_UNCERTAINTY,
} from "./bearing.ts";
import type { BearingGeometry, DefectOrders, MachineContext, PowerSpectrum } from "./types.ts";

/**
 * Relative uncertainty of a shaft speed read off the spectrum's 1× line: its interpolated position
 * is good to a few hundredths of a bin, the speed wanders within a block by a few tenths of a per
 * cent on a test rig's induction motor.
 */
const REFINED_SPEED_UNCERTAINTY = 0.003;

const angleWorkspaces = perSize((size) => new Float64Array(size));
const angleWorkspace = (n: number): Float64Array => angleWorkspaces(nextPowerOfTwo(n));

export interface EnvelopeAnalysis {
  readonly ses: EnvelopeSpectrum;
  readonly bandHz: readonly [number, number];
  readonly spectralKurtosis: number;
}

/**
 * Squared-envelope spectrum of a detrended block (m/s²) in the band the
 * kurtogram picks among bands at least `minBandwidthHz` wide. Lines above
 * `topHz` are not needed (default: all the band gives).
 */
export function envelopeAnalysis(
  spec: SignalSpectrum,
  minBandwidthHz: number,
  fft: FftBackend,
  ramp: SpeedRamp | null = null,
  topHz = Number.POSITIVE_INFINITY,
): EnvelopeAnalysis {
  const { best } = fastKurtogram(spec, { minBandwidthHz }, fft);
  const [first, last] = bandBins(spec, best.lowHz, best.highHz);
  const env = bandSquaredEnvelope(spec, first, last, 2, fft);
  const ses = envelopeSpectrumOf(env, best.bandwidthHz, topHz, fft, ramp);
  return { ses, bandHz: [best.lowHz, best.highHz], spectralKurtosis: best.kurtosis };
}

/**
 * The squared-envelope spectrum of a band's squared envelope up to `topHz`
 * (decimated first when the band is wider than that needs); under a speed
 * ramp the squared envelope is first resampled to equal shaft angles at the
 * rate it would have at the mean speed, so the defect lines stand where the
 * mean speed puts them instead of smearing over the ramp.
 */
function envelopeSpectrumOf(
  squared: SquaredEnvelope,
  bandwidthHz: number,
  topHz: number,
  fft: FftBackend,
  ramp: SpeedRamp | null,
): EnvelopeSpectrum {
  // A ramp stretches the time axis by up to its end speed over its mean: keep the lines up there too.
  const lowPassHz = lowPassHzFor(topHz, ramp);
  let env = Number.isFinite(topHz) ? decimateSquaredEnvelope(squared, lowPassHz, fft) : squared;
  // Decimated, the spectrum holds nothing above the low-pass.
  const validHz = env === squared ? bandwidthHz : Math.min(bandwidthHz, lowPassHz);
  if (ramp !== null) {
    const meanHz = 0.5 * (ramp.startHz + ramp.endHz);
    const out = angleWorkspace(Math.ceil(env.count * (Math.max(ramp.startHz, ramp.endHz) / meanHz)) + 4);
    const count = angleResample(env.values, env.count, env.rateHz, ramp, env.rateHz / meanHz, out);
    env = { values: out, count, rateHz: env.rateHz };
  }
  return squaredEnvelopeSpectrum(env, validHz, 2, fft);
}

/**
 * The low-pass an envelope spectrum read up to `topHz` is decimated with: a
 * tenth above it, and under a ramp as much higher as the resampling to the
 * mean speed stretches the time axis.
 */
function lowPassHzFor(topHz: number, ramp: SpeedRamp | null): number {
  const stretch =
    ramp === null ? 1 : Math.max(ramp.startHz, ramp.endHz) / (0.5 * (ramp.startHz + ramp.endHz));
  return 1.1 * stretch * topHz;
}

/**
 * The whitened band's bins and the oversampling of its complex envelope: the
 * whole band up to `topHz` sampled critically (L = the power of two ≥ its
 * bins) costs half the transforms of twice that, but |z|² spans twice the
 * band's width, and what lies beyond the rate R = L·df folds back to R minus
 * its frequency. The band's low end is raised until nothing folds below
 * `lowPassHz` (width ≤ R − lowPassHz); where that leaves less than half the
 * band, it is sampled at twice the rate instead, without folding.
 */
function aliasFreeBand(
  spec: SignalSpectrum,
  topHz: number,
  lowPassHz: number,
): { band: [number, number]; oversample: 1 | 2 } {
  const [first, last] = bandBins(spec, 0, topHz);
  const df = spec.sampleRateHz / spec.size;
  const l = nextPowerOfTwo(last - first + 1);
  const lowHz = Math.max(0, topHz - (l * df - lowPassHz));
  const [trimmed] = bandBins(spec, lowHz, topHz);
  // Trimmed to half the power of two or less, the envelope would be sampled at half the rate: oversample instead.
  if (last - trimmed + 1 <= l / 2 || lowHz > 0.5 * topHz) return { band: [first, last], oversample: 2 };
  return { band: [trimmed, last], oversample: 1 };
}

/** Highest fraction of the Nyquist frequency a demodulation band reaches (the converter's roll-off above). */
const TOP_OF_BAND = 0.9;

/**
 * The two views of a bearing's impacts that Smith & Randall (MSSP 64–65,
 * 2015) diagnose the CWRU records with: the squared envelope of the band the
 * fast kurtogram picks (Antoni 2007), and of the whole band after cepstral
 * pre-whitening (Sawalhi & Randall; Borghesani et al., MSSP 36 (2013)),
 * which removes discrete lines and the resonances' colour so that impacts in
 * a band the kurtogram did not pick still show. Each comes with the spectral
 * kurtosis of its band (for the whitened band, of its complex envelope).
 * Their envelope spectra reach `topHz` (the highest line the families read,
 * and the snapshot's top).
 */
export function bearingViews(
  signal: SignalSpectrum,
  minBandwidthHz: number,
  topHz: number,
  fft: FftBackend,
  ramp: SpeedRamp | null,
): { views: BearingView[]; kurtogram: EnvelopeAnalysis } {
  const kurtogram = envelopeAnalysis(signal, minBandwidthHz, fft, ramp, topHz);
  // The kurtogram view's amplitudes are kept apart: the whitened view's spectrum may be of the same size.
  const kept = keptAmplitudes(kurtogram.ses.amplitude.length);
  kept.set(kurtogram.ses.amplitude);
  const first: BearingView = {
    name: "kurtogram",
    ses: { ...kurtogram.ses, amplitude: kept },
    bandHz: kurtogram.bandHz,
    kurtosis: kurtogram.spectralKurtosis,
  };
  const white = cepstralPrewhiten(signal, spareBins(signal.size));
  // Whitening lifts every bin to the same level, numerical noise above an anti-alias filter included.
  const bandTopHz = Math.min(TOP_OF_BAND * (signal.sampleRateHz / 2), occupiedTopHz(signal));
  const { band, oversample } = aliasFreeBand(white, bandTopHz, lowPassHzFor(topHz, ramp));
  const env = bandSquaredEnvelope(white, band[0], band[1], oversample, fft);
  const kurtosis = envelopeKurtosis(env);
  const ses = envelopeSpectrumOf(env, bandTopHz, topHz, fft, ramp);
  const df = signal.sampleRateHz / signal.size;
  return {
    views: [first, { name: "prewhitened", ses, bandHz: [band[0] * df, bandTopHz], kurtosis }],
    kurtogram: { ...kurtogram, ses: first.ses },
  };
}

/** Blocks the spectrum is cut into to find where it ends. */
const OCCUPANCY_BLOCKS = 128;
/** A block below this fraction of the strongest block's energy holds no signal (80 dB down). */
const EMPTY_BLOCK_RATIO = 1e-8;

/**
 * The top of the occupied part of a spectrum: the upper edge of the highest
 * of OCCUPANCY_BLOCKS equal blocks whose energy is at least EMPTY_BLOCK_RATIO
 * of the strongest block's (an upsampled record, or a converter's stop band,
 * leaves the top of the spectrum empty).
 */
function occupiedTopHz(signal: SignalSpectrum): number {
  const half = signal.size / 2;
  const width = Math.max(1, Math.floor(half / OCCUPANCY_BLOCKS));
  const blocks = Math.floor(half / width);
  const energies = blockEnergies(signal.bins, width, blocks);
  let strongest = 0;
  for (let b = 0; b < blocks; b++) strongest = Math.max(strongest, energies[b]!);
  let top = blocks;
  while (top > 1 && energies[top - 1]! < EMPTY_BLOCK_RATIO * strongest) top--;
  return (top * width * signal.sampleRateHz) / signal.size;
}

/** Σ|X_k|² of each block of `width` bins from bin 0 (interleaved complex). */
function blockEnergies(bins: Float64Array, width: number, blocks: number): Float64Array {
  const out = new Float64Array(blocks);
  for (let k = 0; k < blocks * width; k++) {
    out[Math.floor(k / width)]! += bins[2 * k]! * bins[2 * k]! + bins[2 * k + 1]! * bins[2 * k + 1]!;
  }
  return out;
}

const keptAmplitudes = perSize((size) => new Float64Array(size));

/** What the bearing's diagnosis reads in a block: its views at the speed the spectrum confirms. */
export interface BearingAnalysis {
  readonly orders: DefectOrders;
  /** Shaft speed the families are read at (refined off the spectrum's 1× line when it could be), Hz. */
  readonly shaftHz: number;
  /** Relative uncertainty of that speed. */
  readonly speedUncertainty: number;
  readonly views: BearingView[];
  readonly kurtogram: EnvelopeAnalysis;
  /** Top of the envelope spectra read and shown, Hz. */
  readonly topHz: number;
}

/**
 * The bearing's side of a block: the speed as the spectrum's 1× line has it
 * (a stated speed may be off by a few per cent; under a ramp 1× is smeared and
 * the stated speeds are what the resampling follows), and the two envelope
 * views at that speed. Workspaces: read before the next block.
 */
export function bearingAnalysis(
  spec: SignalSpectrum,
  ps: PowerSpectrum,
  bearing: BearingGeometry,
  ctx: MachineContext,
  n: number,
  fft: FftBackend,
): BearingAnalysis {
  const orders = bearingDefectOrders(bearing);
  const startHz = (ctx.speedRpm ?? 0) / 60;
  const endHz = (ctx.speedRpmEnd ?? ctx.speedRpm ?? 0) / 60;
  const ramp =
    startHz > 0 && endHz > 0 && isSpeedRamp(startHz, endHz)
      ? { startHz, endHz, durationS: n / spec.sampleRateHz }
      : null;
  const statedHz = 0.5 * (startHz + endHz);
  const speed = ramp === null ? refineShaftSpeed(ps, statedHz) : null;
  const shaftHz = speed?.hz ?? statedHz;
  const bpfiHz = orders.bpfi * shaftHz;
  const topHz = Math.max(10 * bpfiHz, 500);
  // The kurtogram's bands must hold the lines looked for and their sidebands: a few × BPFI.
  const { views, kurtogram } = bearingViews(
    spec,
    4 * bpfiHz,
    Math.max(topHz, bearingReadLimitHz(orders, shaftHz)),
    fft,
    ramp,
  );
  return {
    orders,
    shaftHz,
    speedUncertainty: speed?.refined ? REFINED_SPEED_UNCERTAINTY : STATED_SPEED_UNCERTAINTY,
    views,
    kurtogram,
    topHz,
  };
}
