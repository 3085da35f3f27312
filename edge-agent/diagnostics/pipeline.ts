// The diagnostic chain of one measuring-point block (issue 3): detrend →
// m/s² → Welch power spectrum → ISO 10816-21 zones and the `vibration`
// features → squared-envelope analysis in the band the kurtogram picks →
// bearing-fault scoring → shaft/gear analysis → snapshot for central.
//
// Pure and allocation-frugal: the block's big arrays (detrended signal,
// spectra, envelopes) are workspaces kept per size, so the agent's steady
// stream of 65536-sample blocks allocates only the small result objects.
// One caveat follows: a PointDiagnosis holds copies (the snapshot's
// decimated traces), never the workspaces.
import { type ComponentClass, type IsoZone, STANDARD_GRAVITY_M_S2 } from "../../common/names.ts";
import {
  bandBins,
  bandSquaredEnvelope,
  decimateSquaredEnvelope,
  type EnvelopeSpectrum,
  envelopeKurtosis,
  type SignalSpectrum,
  type SquaredEnvelope,
  signalSpectrum,
  spareBins,
  squaredEnvelopeSpectrum,
} from "../dsp/envelope.ts";
import {
  detrendedBlock,
  segmentLengthFor,
  timeStatistics,
  velocityBand,
  vibrationFeatures,
} from "../dsp/features.ts";
import { type FftBackend, fastestFft, nextPowerOfTwo } from "../dsp/fft.ts";
import { fastKurtogram } from "../dsp/kurtogram.ts";
import { angleResample, isSpeedRamp, type SpeedRamp } from "../dsp/orders.ts";
import { cepstralPrewhiten } from "../dsp/prewhiten.ts";
import { refineShaftSpeed } from "../dsp/shaft-speed.ts";
import { HANN_ENBW_BINS, hannPowerFromSpectrum, welchPowerSpectrum } from "../dsp/welch.ts";
import { perSize } from "../dsp/workspace.ts";
import {
  type BearingView,
  bearingDefectOrders,
  bearingReadLimitHz,
  diagnoseBearing,
  STATED_SPEED_UNCERTAINTY,
} from "./bearing.ts";
import { analyseShaft } from "./shaft.ts";
import type {
  BlockSamples,
  DiagnoseOptions,
  DiagnosticFeatures,
  Finding,
  MachineContext,
  PointDiagnosis,
  PowerSpectrum,
  SpectrumMarker,
  SpectrumTrace,
} from "./types.ts";
import { DEFAULT_ZONE_TABLE, evaluateZones, overallVibrationFinding, worstZone } from "./zones.ts";

/** Shortest block the chain accepts (the kurtogram and the envelope spectrum need some length). */
export const MIN_BLOCK_SAMPLES = 1024;
/** Most values in a snapshot trace; longer traces are decimated by peak-hold. */
export const SNAPSHOT_MAX_VALUES = 4096;
/**
 * Pre-whitening default, from the recordings comparison recordings.test.ts
 * prints: without it the kurtogram's band names the seeded fault on all 8
 * Y-graded and MFPT records; cepstral pre-whitening first misses one
 * (CWRU IR007: the whitened kurtogram picks a low band) and turns two alarms
 * into warnings, for fewer stray warnings. Off.
 */
export const PREWHITEN_DEFAULT = false;

/**
 * Relative uncertainty of a shaft speed read off the spectrum's 1× line: its interpolated position
 * is good to a few hundredths of a bin, the speed wanders within a block by a few tenths of a per
 * cent on a test rig's induction motor.
 */
const REFINED_SPEED_UNCERTAINTY = 0.003;

/** The Welch segment length the chain uses (the whole block up to 2^17); defined with the features. */
export { segmentLengthFor };

/** Highest frequency of a component's spectrum snapshot: the top of its zone bands. */
function analysisTopHz(component: ComponentClass): number {
  let top = 0;
  for (const r of DEFAULT_ZONE_TABLE[component]) top = Math.max(top, r.bandHz[1]);
  return top;
}

/**
 * Peak-hold decimation of `values[k] / divisor` (k from 0 to `last`) to at most
 * SNAPSHOT_MAX_VALUES, rounded to 4 significant digits (a snapshot's values
 * travel as JSON; more digits say nothing). The divisor (> 0) is applied to
 * each group's maximum: x ↦ x / d is monotonic, so that is the maximum of the
 * quotients.
 */
function peakHold(
  values: Float64Array,
  last: number,
  divisor: number,
  dfHz: number,
  unit: string,
): SpectrumTrace {
  const factor = Math.max(1, Math.ceil((last + 1) / SNAPSHOT_MAX_VALUES));
  const maxima = maximaWorkspace(SNAPSHOT_MAX_VALUES);
  const whole = Math.floor((last + 1) / factor) * factor;
  let count = groupMaxima(values, 0, whole, factor, maxima, 0);
  if (whole <= last) count = groupMaxima(values, whole, last + 1, last + 1 - whole, maxima, count);
  // Filled in place (pushing grows the array a step at a time: twice the rounding's cost), and made
  // with a double in every slot so it holds doubles from the start instead of converting on the first.
  const out = new Array<number>(count).fill(Number.NaN);
  roundToFourDigits(maxima, count, divisor, out);
  return { df_hz: dfHz * factor, unit, values: out };
}

const maximaWorkspace = perSize((size) => new Float64Array(size));

// The loops of the snapshot end their own functions, with nothing after them but the return of a
// local (see envelope.ts: V8's on-stack replacement otherwise leaves the code after a long loop in
// its baseline tier).

/**
 * The maximum of each group of `size` values of values[from…to−1] (to − from a
 * multiple of size) into out from index `at`; returns the index after the last.
 */
function groupMaxima(
  values: Float64Array,
  from: number,
  to: number,
  size: number,
  out: Float64Array,
  at: number,
): number {
  let i = at;
  let m = 0;
  let inGroup = 0;
  for (let j = from; j < to; j++) {
    m = Math.max(m, values[j]!);
    if (++inGroup === size) {
      out[i++] = m;
      m = 0;
      inGroup = 0;
    }
  }
  return i;
}

/** 10^e for e = −330…330 (0 and ∞ at the ends). */
const POW10_OFFSET = 330;
const POW10 = Float64Array.from({ length: 2 * POW10_OFFSET + 1 }, (_, i) => 10 ** (i - POW10_OFFSET));
/** A double and its high word (little-endian), for its binary exponent. */
const exponentOf = new Float64Array(1);
const exponentWord = new Uint32Array(exponentOf.buffer, 4, 1);

/**
 * out[i] = round(v·10^(3−e)) / 10^(3−e) for v = maxima[i] / divisor, e = ⌊log10 v⌋
 * (0 for v ≤ 0 or NaN). e is first read off v's binary exponent (⌊log10 2^b⌋ or
 * one more) and kept when v lies safely inside its decade; within 1e-9 of an edge,
 * where Math.log10 may round to the next integer, Math.log10 decides, so the
 * result is exactly round-to-4-digits by ⌊Math.log10 v⌋.
 */
function roundToFourDigits(maxima: Float64Array, count: number, divisor: number, out: number[]): void {
  for (let i = 0; i < count; i++) {
    const v = maxima[i]! / divisor;
    exponentOf[0] = v;
    const binary = ((exponentWord[0]! >>> 20) & 0x7ff) - 1023;
    let e = Math.max(-POW10_OFFSET, Math.min(POW10_OFFSET - 1, Math.floor(binary * Math.LOG10E * Math.LN2)));
    if (v >= POW10[e + 1 + POW10_OFFSET]!) e++;
    const inside = v > POW10[e + POW10_OFFSET]! * (1 + 1e-9) && v < POW10[e + 1 + POW10_OFFSET]! * (1 - 1e-9);
    if (!inside) e = v > 0 ? Math.floor(Math.log10(v)) : 0;
    const scale = POW10[3 - e + POW10_OFFSET]!;
    out[i] = v > 0 ? Math.round(v * scale) / scale : 0;
  }
}

const traceWorkspaces = perSize((size) => new Float64Array(size));

/** Velocity amplitude spectrum (peak, mm/s) from the acceleration power spectrum, zero below the band's high-pass. */
function velocityTrace(ps: PowerSpectrum, component: ComponentClass): SpectrumTrace {
  const last = Math.min(ps.power.length - 1, Math.floor(analysisTopHz(component) / ps.dfHz));
  const v = traceWorkspaces(ps.power.length);
  const first = Math.max(1, Math.ceil(velocityBand(component).lowHz / ps.dfHz));
  v.fill(0, 0, first);
  velocityAmplitudes(ps.power, ps.dfHz, first, last, v);
  return peakHold(v, last, 1, ps.dfHz, "mm/s");
}

/**
 * v[k] = peak velocity (mm/s) of the line in bin k of an acceleration power
 * spectrum, k = first…last: a tone of amplitude A puts A²/2 into ENBW bins'
 * worth of power, so its peak bin reads A²/(2·ENBW); ÷ω integrates.
 */
function velocityAmplitudes(
  power: Float64Array,
  dfHz: number,
  first: number,
  last: number,
  v: Float64Array,
): void {
  for (let k = first; k <= last; k++) {
    const f = k * dfHz;
    v[k] = (Math.sqrt(2 * HANN_ENBW_BINS * power[k]!) / (2 * Math.PI * f)) * 1000;
  }
}

function envelopeTrace(ses: EnvelopeSpectrum, topHz: number): SpectrumTrace {
  const last = Math.min(ses.amplitude.length - 1, Math.floor(Math.min(topHz, ses.maxHz) / ses.dfHz));
  const g2 = STANDARD_GRAVITY_M_S2 * STANDARD_GRAVITY_M_S2;
  return peakHold(ses.amplitude, last, g2, ses.dfHz, "g2");
}

const angleWorkspaces = perSize((size) => new Float64Array(size));
const angleWorkspace = (n: number): Float64Array => angleWorkspaces(nextPowerOfTwo(n));

// --- the chain ---------------------------------------------------------------------------------

export interface EnvelopeAnalysis {
  readonly ses: EnvelopeSpectrum;
  readonly bandHz: readonly [number, number];
  readonly spectralKurtosis: number;
}

/**
 * Squared-envelope spectrum of a detrended block (m/s²) in the band the
 * kurtogram picks among bands at least `minBandwidthHz` wide; pre-whitened
 * first (cepstral) when asked. Lines above `topHz` are not needed (default:
 * all the band gives).
 */
export function envelopeAnalysis(
  signal: SignalSpectrum,
  minBandwidthHz: number,
  prewhiten: boolean,
  fft: FftBackend,
  ramp: SpeedRamp | null = null,
  topHz = Number.POSITIVE_INFINITY,
): EnvelopeAnalysis {
  const spec = prewhiten ? cepstralPrewhiten(signal, spareBins(signal.size)) : signal;
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
  const kurtogram = envelopeAnalysis(signal, minBandwidthHz, false, fft, ramp, topHz);
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

/** Diagnoses one block of one measuring point. */
export function diagnoseBlock(
  block: BlockSamples,
  ctx: MachineContext,
  opts: DiagnoseOptions = {},
): PointDiagnosis {
  // The FFT loaded at start-up (PFFFT), or fft.js where nothing faster loaded.
  const fft = opts.fft ?? fastestFft();
  const prewhiten = opts.prewhiten ?? PREWHITEN_DEFAULT;
  const n = block.samples.length;
  const fs = block.sampleRateHz;
  if (n < MIN_BLOCK_SAMPLES) throw new Error(`a block needs at least ${MIN_BLOCK_SAMPLES} samples, got ${n}`);
  if (!(fs > 0)) throw new Error(`sample rate must be > 0, got ${fs}`);
  const component = ctx.component;
  const table = ctx.zones ?? DEFAULT_ZONE_TABLE;

  const x = detrendedBlock(block.samples, block.unit);
  const stats = timeStatistics(x, n);

  // One FFT of the whole block serves the envelope and, when the block is one Welch segment (the
  // agent's power-of-two blocks), the power spectrum too (Hann applied in the frequency domain).
  const segment = segmentLengthFor(n);
  const spec = signalSpectrum(x, n, fs, fft);
  // Spectrum, zones and features first: the power spectrum is a workspace later steps may reuse.
  const ps =
    segment === n && spec.size === n
      ? hannPowerFromSpectrum(spec.bins, n, fs)
      : welchPowerSpectrum(x, n, fs, segment, fft);
  const zones = evaluateZones(ps, component, table);
  const isoZone: IsoZone = worstZone(zones) ?? "A";
  const overall = overallVibrationFinding(zones, component, table, ps);
  const features: Record<string, number> = { ...vibrationFeatures(ps, stats, component) };
  const spectrumTrace = velocityTrace(ps, component);

  const findings: Finding[] = [];
  const markers: SpectrumMarker[] = [];
  const speedRpm =
    ctx.speedRpm === null
      ? null
      : ctx.speedRpmEnd === undefined || ctx.speedRpmEnd === null
        ? ctx.speedRpm
        : (ctx.speedRpm + ctx.speedRpmEnd) / 2;
  const shaftHz = speedRpm !== null && speedRpm > 0 ? speedRpm / 60 : null;

  // The envelope the snapshot shows (the view the bearing call rests on) and the kurtogram's band (a feature).
  let envelope: EnvelopeAnalysis;
  let kurtogramBand: EnvelopeAnalysis;
  let envelopeTopHz = 500;
  if (ctx.bearing !== undefined && shaftHz !== null) {
    const orders = bearingDefectOrders(ctx.bearing);
    const startHz = (ctx.speedRpm ?? 0) / 60;
    const endHz = (ctx.speedRpmEnd ?? ctx.speedRpm ?? 0) / 60;
    const ramp =
      startHz > 0 && endHz > 0 && isSpeedRamp(startHz, endHz) ? { startHz, endHz, durationS: n / fs } : null;
    // The speed as the spectrum's 1× line has it (a stated speed may be off by a few per cent); under a
    // ramp 1× is smeared and the stated speeds are what the resampling follows.
    const speed = ramp === null ? refineShaftSpeed(ps, shaftHz) : null;
    const bearingShaftHz = speed?.hz ?? shaftHz;
    features.shaft_speed_hz = bearingShaftHz;
    const bpfiHz = orders.bpfi * bearingShaftHz;
    envelopeTopHz = Math.max(10 * bpfiHz, 500);
    // The band must hold the lines looked for and their sidebands: a few × BPFI.
    const { views, kurtogram } = bearingViews(
      spec,
      4 * bpfiHz,
      Math.max(envelopeTopHz, bearingReadLimitHz(orders, bearingShaftHz)),
      fft,
      ramp,
    );
    const g2 = STANDARD_GRAVITY_M_S2 * STANDARD_GRAVITY_M_S2;
    const scored = diagnoseBearing(views, bearingShaftHz, orders, {
      amplitudeScale: 1 / g2,
      amplitudeUnit: "g2",
      speedUncertainty: speed?.refined ? REFINED_SPEED_UNCERTAINTY : STATED_SPEED_UNCERTAINTY,
    });
    const shown = views[scored.viewIndex]!;
    envelope =
      scored.viewIndex === 0
        ? kurtogram
        : { ses: shown.ses, bandHz: shown.bandHz, spectralKurtosis: shown.kurtosis ?? Number.NaN };
    kurtogramBand = kurtogram;
    findings.push(...scored.findings);
    markers.push(...scored.markers);
  } else {
    envelope = envelopeAnalysis(spec, fs / 16, prewhiten, fft);
    kurtogramBand = envelope;
  }
  features.env_band_low_hz = kurtogramBand.bandHz[0];
  features.env_band_high_hz = kurtogramBand.bandHz[1];
  features.env_spectral_kurtosis = kurtogramBand.spectralKurtosis;
  const envTrace = envelopeTrace(envelope.ses, envelopeTopHz);

  // Shaft orders and gear mesh; its markers include 1×–3× of the shaft.
  const shaft = analyseShaft({ samples: x.subarray(0, n), sampleRateHz: fs, spectrum: ps, ctx, fft });
  Object.assign(features, shaft.features);
  findings.push(...shaft.findings);
  markers.push(...shaft.markers);
  if (overall !== null) findings.push(overall);

  return {
    features: features as DiagnosticFeatures,
    isoZone,
    zones,
    findings,
    snapshot: {
      speedRpm,
      sampleRateHz: fs,
      samples: n,
      spectrum: spectrumTrace,
      envelope: { ...envTrace, band_hz: envelope.bandHz },
      markers,
    },
  };
}
