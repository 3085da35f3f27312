// The diagnostic chain of one measuring-point block (issue 3): detrend →
// m/s² → Welch power spectrum → ISO 10816-21 zones and the `vibration`
// features → the bearing's envelope views at the speed the spectrum's 1×
// confirms (envelope-views.ts: the kurtogram's band and the whitened band)
// → bearing-fault scoring → shaft/gear analysis → snapshot for central.
//
// Pure and allocation-frugal: the block's big arrays (detrended signal,
// spectra, envelopes) are workspaces kept per size, so the agent's steady
// stream of 65536-sample blocks allocates only the small result objects.
// One caveat follows: a PointDiagnosis holds copies (the snapshot's
// decimated traces), never the workspaces.
import { type ComponentClass, type IsoZone, STANDARD_GRAVITY_M_S2 } from "../../common/names.ts";
import { type EnvelopeSpectrum, signalSpectrum } from "../dsp/envelope.ts";
import {
  detrendedBlock,
  segmentLengthFor,
  timeStatistics,
  velocityBand,
  vibrationFeatures,
} from "../dsp/features.ts";
import { fastestFft } from "../dsp/fft.ts";
import { HANN_ENBW_BINS, hannPowerFromSpectrum, welchPowerSpectrum } from "../dsp/welch.ts";
import { perSize } from "../dsp/workspace.ts";
import { diagnoseBearing } from "./bearing.ts";
import { bearingAnalysis, type EnvelopeAnalysis, envelopeAnalysis } from "./envelope-views.ts";
import { familyAmplitudes } from "./family-amplitudes.ts";
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
import { waveformTrace } from "./waveform.ts";
import { DEFAULT_ZONE_TABLE, evaluateZones, overallVibrationFinding, worstZone } from "./zones.ts";

/** Shortest block the chain accepts (the kurtogram and the envelope spectrum need some length). */
export const MIN_BLOCK_SAMPLES = 1024;
/** Most values in a snapshot trace; longer traces are decimated by peak-hold. */
export const SNAPSHOT_MAX_VALUES = 4096;
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

// --- the chain ---------------------------------------------------------------------------------

/** Diagnoses one block of one measuring point. */
export function diagnoseBlock(
  block: BlockSamples,
  ctx: MachineContext,
  opts: DiagnoseOptions = {},
): PointDiagnosis {
  // The FFT loaded at start-up (PFFFT), or fft.js where nothing faster loaded.
  const fft = opts.fft ?? fastestFft();
  const n = block.samples.length;
  const fs = block.sampleRateHz;
  if (n < MIN_BLOCK_SAMPLES) throw new Error(`a block needs at least ${MIN_BLOCK_SAMPLES} samples, got ${n}`);
  if (!(fs > 0)) throw new Error(`sample rate must be > 0, got ${fs}`);
  const component = ctx.component;
  const table = ctx.zones ?? DEFAULT_ZONE_TABLE;

  const x = detrendedBlock(block.samples, block.unit);
  const waveform = waveformTrace(x, n, fs);
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
    const b = bearingAnalysis(spec, ps, ctx.bearing, ctx, n, fft);
    features.shaft_speed_hz = b.shaftHz;
    envelopeTopHz = b.topHz;
    const g2 = STANDARD_GRAVITY_M_S2 * STANDARD_GRAVITY_M_S2;
    const scored = diagnoseBearing(b.views, b.shaftHz, b.orders, {
      amplitudeScale: 1 / g2,
      amplitudeUnit: "g2",
      speedUncertainty: b.speedUncertainty,
    });
    const shown = b.views[scored.viewIndex]!;
    envelope =
      scored.viewIndex === 0
        ? b.kurtogram
        : { ses: shown.ses, bandHz: shown.bandHz, spectralKurtosis: shown.kurtosis ?? Number.NaN };
    kurtogramBand = b.kurtogram;
    findings.push(...scored.findings);
    markers.push(...scored.markers);
    // One view for the trend, block after block (the kurtogram band's), whichever view the call rests on.
    Object.assign(features, familyAmplitudes(b.kurtogram.ses, b.shaftHz, b.orders, 1 / g2));
  } else {
    envelope = envelopeAnalysis(spec, fs / 16, fft);
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
      waveform,
    },
  };
}
