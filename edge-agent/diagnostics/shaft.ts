// Shaft-related faults from the order content of a block: imbalance,
// misalignment, mechanical looseness and gear mesh.
//
// Signatures (ISO 13373-3:2015 "Condition monitoring and diagnostics of
// machines — Vibration condition monitoring — Part 3: Guidelines for
// vibration diagnosis", Annex A, and common practice, e.g. Mitchell,
// "Introduction to machinery analysis and monitoring", 1993; Randall,
// "Vibration-based condition monitoring", 2011, ch. 2 and 5):
// - imbalance: a once-per-revolution force, so 1× dominates, its harmonics low;
// - misalignment: 2× high relative to 1× (2× above half of 1× is the usual
//   field indication), 1× often raised too;
// - looseness: a non-linear, clipped response, so many harmonics of 1×
//   (3×…10×) and, for rotating looseness, half-orders (½×, 1½×, …);
// - gear mesh: the tooth-mesh frequency (teeth × shaft) and its harmonic
//   rise with wear, and sidebands at ±1×, ±2× of the gear's shaft appear
//   with eccentricity or a local tooth fault.
//
// Levels are velocity RMS of each line, mm/s. Without a learnt baseline a
// rule fires at a share of the component's B/C velocity boundary (ISO
// 10816-21): e.g. 1× alone at half of B/C is a warning, at B/C (the line
// alone puts the point in zone C) an alarm. With a baseline (mean features of
// the point's healthy blocks) the thresholds are multiples of the learnt
// level, +8 dB (2.5×) for a warning and +14 dB (5×) for an alarm — spectral
// band alarms "relative to a reference spectrum", ISO 13373-3 §5 and ISO
// 17359:2018 Annex D — with a floor of half the absolute levels so a very
// quiet machine is not alarmed on noise.
//
// A line is measured in an order spectrum: the Welch spectrum of the
// pipeline when the speed is constant and its bins are fine enough; the
// block's own spectrum otherwise; and, when the speed ramps within the block
// by more than 1 %, the spectrum of the block resampled to shaft angle
// (computed order tracking), where the 1× does not smear.
import { type FftBackend, nextPowerOfTwo } from "../dsp/fft.ts";
import { medianOf } from "../dsp/order-statistics.ts";
import { isSpeedRamp, orderSpectrum } from "../dsp/orders.ts";
import type { Evidence, Finding, MachineContext, PowerSpectrum, SpectrumMarker } from "./types.ts";
import { velocityRow } from "./zones.ts";

/** Fewest shaft revolutions in a block for order analysis: the ½× line sits 4 resolution steps from 1×. */
export const MIN_REVOLUTIONS = 8;
/** The pipeline's Welch spectrum is used when 1× spans at least this many of its bins (½× lines 8 bins apart). */
const MIN_BINS_PER_ORDER_WELCH = 16;
/** A line counts as found when its peak bin stands this far over the local background. */
export const FOUND_SNR_DB = 10;
/** A line corrects the speed only this far over the background (its interpolated position is then good to ~0.05 bin). */
const REFINE_SNR_DB = 20;
/** Hann main lobe: a line's power is summed over its peak bin ± this many bins. */
const LOBE_HALF_WIDTH = 2;
/** Background: bins from GUARD to GUARD + SPAN away from the peak on both sides (median). */
const BACKGROUND_GUARD = 4;
const BACKGROUND_SPAN = 24;

/** Thresholds of one rule as shares of the component's B/C velocity boundary (no baseline). */
interface RuleLevels {
  readonly warnShare: number;
  readonly alarmShare: number;
}
export const SHAFT_RULES = {
  imbalance: { warnShare: 0.5, alarmShare: 1.0 },
  misalignment: { warnShare: 0.35, alarmShare: 0.7 },
  looseness: { warnShare: 0.3, alarmShare: 0.6 },
  gear_mesh: { warnShare: 0.35, alarmShare: 0.7 },
} as const satisfies Record<string, RuleLevels>;
/** With a baseline: warning at 2.5× (+8 dB), alarm at 5× (+14 dB) the learnt level. */
export const BASELINE_RATIO_WARN = 2.5;
export const BASELINE_RATIO_ALARM = 5;
/** A learnt level below this share of the A/B boundary is taken as this (noise, not a line). */
const BASELINE_FLOOR_SHARE_OF_AB = 0.1;
/** Imbalance: 1× at least twice 2× (1× dominant). Misalignment: 2× at least half of 1×. */
const IMBALANCE_1X_OVER_2X = 2;
const MISALIGNMENT_2X_OVER_1X = 0.5;
/** Gear mesh: sideband energy at least this share of the mesh energy (and twice the learnt share), ≥ 2 sidebands found. */
const GEAR_SIDEBAND_RATIO_MIN = 0.1;
const GEAR_SIDEBANDS_MIN = 2;
/** Harmonics and half-orders that make up the looseness index. */
const LOOSENESS_ORDERS = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 3, 4, 5, 6, 7, 8, 9, 10] as const;
const LOOSENESS_FOUND_MIN = 4;

/** An order spectrum to measure lines in. */
interface View {
  readonly power: Float64Array;
  readonly ordersPerBin: number;
  /** Mean shaft speed, Hz: orders → Hz and ω for velocity. */
  readonly shaftHz: number;
  /** Median of noise-only bins → their mean (χ² with 2K degrees of freedom, Wilson–Hilferty). */
  readonly medianToMean: number;
  readonly spectrum: Evidence["spectrum"];
}

interface Line {
  /** Order of the line as found (peak, interpolated). */
  readonly order: number;
  readonly hz: number;
  /** Mean square of the line, noise background removed, (m/s²)². */
  readonly meanSquare: number;
  /** Velocity RMS of the line, mm/s. */
  readonly vMmS: number;
  readonly snrDb: number;
  readonly found: boolean;
}

/** median/mean of a χ² variable with ν degrees of freedom (Wilson–Hilferty): (1 − 2/(9ν))³. */
const chi2MedianOverMean = (dof: number): number => (1 - 2 / (9 * dof)) ** 3;

const scratch = new Float64Array(2 * BACKGROUND_SPAN + 2);

function measureLine(view: View, order: number, searchBins: number): Line | null {
  const { power } = view;
  const last = power.length - 1;
  const centre = order / view.ordersPerBin;
  const from = Math.round(centre) - searchBins;
  const to = Math.round(centre) + searchBins;
  if (from - LOBE_HALF_WIDTH < 1 || to + LOBE_HALF_WIDTH > last - 1) return null;
  let peak = from;
  for (let k = from + 1; k <= to; k++) if (power[k]! > power[peak]!) peak = k;
  let m = 0;
  for (
    let k = peak - BACKGROUND_GUARD - BACKGROUND_SPAN;
    k <= peak + BACKGROUND_GUARD + BACKGROUND_SPAN;
    k++
  ) {
    if (Math.abs(k - peak) < BACKGROUND_GUARD || k < 1 || k > last) continue;
    scratch[m++] = power[k]!;
  }
  const median = m === 0 ? 0 : medianOf(scratch, m);
  const background = median / view.medianToMean;
  let sum = 0;
  for (let k = peak - LOBE_HALF_WIDTH; k <= peak + LOBE_HALF_WIDTH; k++) sum += power[k]!;
  const meanSquare = Math.max(0, sum - (2 * LOBE_HALF_WIDTH + 1) * background);
  // Peak position between bins from the larger neighbour, exact for a Hann-windowed tone:
  // δ = (2r − 1)/(r + 1), r = |X_{k±1}|/|X_k| (Grandke 1983, IEEE Trans. IM 32(2)).
  const left = power[peak - 1]!;
  const right = power[peak + 1]!;
  const side = right >= left ? 1 : -1;
  const r = Math.sqrt((side === 1 ? right : left) / (power[peak]! || 1));
  const delta = Math.min(0.5, Math.max(0, (2 * r - 1) / (r + 1)));
  const foundOrder = (peak + side * delta) * view.ordersPerBin;
  const hz = foundOrder * view.shaftHz;
  const snrDb = background > 0 ? 10 * Math.log10(power[peak]! / background) : 99;
  return {
    order: foundOrder,
    hz,
    meanSquare,
    vMmS: (Math.sqrt(meanSquare) / (2 * Math.PI * hz)) * 1000,
    snrDb,
    found: snrDb >= FOUND_SNR_DB && meanSquare > 0,
  };
}

/** The spectrum to measure in: Welch when fine enough at constant speed, else the block's own, angle-resampled on a ramp. */
function chooseView(
  samples: Float64Array,
  sampleRateHz: number,
  spectrum: PowerSpectrum,
  startHz: number,
  endHz: number,
  fft: FftBackend,
): View | null {
  const n = samples.length;
  const meanHz = 0.5 * (startHz + endHz);
  if (meanHz * (n / sampleRateHz) < MIN_REVOLUTIONS) return null;
  const ramp = isSpeedRamp(startHz, endHz);
  if (!ramp && meanHz / spectrum.dfHz >= MIN_BINS_PER_ORDER_WELCH) {
    const segment = Math.round(sampleRateHz / spectrum.dfHz);
    const segments = n <= segment ? 1 : Math.ceil((n - segment) / (segment / 2)) + 1;
    return {
      power: spectrum.power,
      ordersPerBin: spectrum.dfHz / meanHz,
      shaftHz: meanHz,
      medianToMean: chi2MedianOverMean(2 * segments),
      spectrum: "velocity",
    };
  }
  if (!ramp && Math.abs(spectrum.dfHz - sampleRateHz / nextPowerOfTwo(n)) < 1e-9 * spectrum.dfHz) {
    // The pipeline's spectrum already is the whole block's.
    return {
      power: spectrum.power,
      ordersPerBin: spectrum.dfHz / meanHz,
      shaftHz: meanHz,
      medianToMean: chi2MedianOverMean(2),
      spectrum: "velocity",
    };
  }
  const os = orderSpectrum({ samples, sampleRateHz, startHz, endHz, fft });
  if (os.revolutions < MIN_REVOLUTIONS) return null;
  return {
    power: os.power,
    ordersPerBin: os.ordersPerBin,
    shaftHz: os.meanShaftHz,
    medianToMean: chi2MedianOverMean(2),
    spectrum: os.angleResampled ? "order" : "velocity",
  };
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
/** 0.5 at the warning level, 0.75 at the alarm level, 1 one alarm/warning step beyond. */
const confidenceOf = (x: number, warn: number, alarm: number): number =>
  clamp01(0.5 + (0.25 * Math.log(x / warn)) / Math.log(alarm / warn));

interface Thresholds {
  readonly warn: number;
  readonly alarm: number;
  readonly baseline?: number;
}

function thresholds(rule: RuleLevels, bc: number, ab: number, learnt: number | undefined): Thresholds {
  if (learnt === undefined || !Number.isFinite(learnt))
    return { warn: rule.warnShare * bc, alarm: rule.alarmShare * bc };
  const baseline = Math.max(learnt, BASELINE_FLOOR_SHARE_OF_AB * ab);
  return {
    warn: Math.max(BASELINE_RATIO_WARN * baseline, 0.5 * rule.warnShare * bc),
    alarm: Math.max(BASELINE_RATIO_ALARM * baseline, 0.5 * rule.alarmShare * bc),
    baseline,
  };
}

function finding(
  fault: Finding["fault"],
  level: number,
  t: Thresholds,
  evidence: Omit<Evidence, "baseline_ratio" | "amplitude" | "amplitude_unit">,
  detail: Record<string, number | string>,
): Finding | null {
  if (!(level >= t.warn)) return null;
  return {
    fault,
    severity: level >= t.alarm ? "alarm" : "warning",
    confidence: confidenceOf(level, t.warn, t.alarm),
    evidence: {
      ...evidence,
      amplitude: level,
      amplitude_unit: "mm/s",
      ...(t.baseline !== undefined ? { baseline_ratio: level / t.baseline } : {}),
      detail: { ...detail, warn_mm_s: t.warn, alarm_mm_s: t.alarm },
    },
  };
}

export interface ShaftAnalysis {
  readonly features: Record<string, number>;
  readonly findings: Finding[];
  readonly markers: SpectrumMarker[];
}

/**
 * Shaft features, findings and spectrum markers of one block. `samples` is
 * the detrended block in m/s² (its whole length is analysed); `spectrum` the
 * pipeline's Welch spectrum of it. Nothing is measured without a speed, at a
 * nacelle point, or with fewer than `MIN_REVOLUTIONS` revolutions in the
 * block (the rotor at 15 rpm turns 0.64 times in 2.56 s); markers are given
 * whenever the speed is known.
 */
export function analyseShaft(args: {
  samples: Float64Array;
  sampleRateHz: number;
  spectrum: PowerSpectrum;
  ctx: MachineContext;
  fft: FftBackend;
}): ShaftAnalysis {
  const { samples, sampleRateHz, spectrum, ctx, fft } = args;
  const features: Record<string, number> = {};
  const findings: Finding[] = [];
  if (ctx.speedRpm === null || !(ctx.speedRpm > 0) || ctx.component === "nacelle")
    return { features, findings, markers: [] };
  const startHz = ctx.speedRpm / 60;
  const endHz = ctx.speedRpmEnd != null && ctx.speedRpmEnd > 0 ? ctx.speedRpmEnd / 60 : startHz;
  const markers = shaftMarkers(0.5 * (startHz + endHz), ctx.gearTeeth, sampleRateHz / 2);

  const view = chooseView(samples, sampleRateHz, spectrum, startHz, endHz, fft);
  if (view === null) return { features, findings, markers };
  const binsPerOrder = 1 / view.ordersPerBin;

  // The speed from SCADA may be off by a fraction of a percent: the line
  // that measures it best (the gear mesh, teeth × more precise, else 1×),
  // searched ±1 % around its nominal order, corrects it when it stands well
  // clear of the noise; the other lines are then searched ±0.3 %, else ±1 %.
  const teeth = ctx.gearTeeth !== undefined && ctx.gearTeeth > 0 ? ctx.gearTeeth : undefined;
  const searchBins = (order: number, relative: number): number =>
    Math.max(2, Math.ceil(relative * order * binsPerOrder));
  let speedScale = 1;
  for (const order of teeth !== undefined ? [teeth, 1] : [1]) {
    const l = measureLine(view, order, searchBins(order, 0.01));
    if (l !== null && l.snrDb >= REFINE_SNR_DB) {
      speedScale = l.order / order;
      break;
    }
  }
  const tolerance = speedScale !== 1 ? 0.003 : 0.01;
  const line = (order: number): Line | null =>
    measureLine(view, order * speedScale, searchBins(order, tolerance));
  const x1 = line(1);
  if (x1 === null) return { features, findings, markers };
  const x2 = line(2);
  const x3 = line(3);
  const v = (l: Line | null): number => l?.vMmS ?? 0;
  features.x1_mm_s = x1.vMmS;
  features.x2_mm_s = v(x2);
  features.x3_mm_s = v(x3);

  const loose = LOOSENESS_ORDERS.map((o) => ({ o, l: line(o) }));
  const looseFound = loose.filter((x) => x.l?.found === true);
  const loosenessIndex = Math.sqrt(loose.reduce((s, x) => s + v(x.l) ** 2, 0));
  features.looseness_index = loosenessIndex;

  const zoneRow = velocityRow(ctx.component, ctx.zones);
  const learnt = (name: string): number | undefined => ctx.baseline?.features[name];
  const harmonicsFound = [x1, x2, x3].filter((l) => l?.found === true).length;
  /** Evidence of a call made on one line of the 1×–3× family. */
  const lineEvidence = (l: Line, order: number) => ({
    spectrum: view.spectrum,
    frequency_hz: l.hz,
    expected_hz: order * view.shaftHz,
    snr_db: l.snrDb,
    harmonics: harmonicsFound,
    harmonics_searched: 3,
  });

  // Imbalance: 1× dominant.
  if (x1.vMmS >= IMBALANCE_1X_OVER_2X * v(x2) && x1.vMmS >= loosenessIndex) {
    const f = finding(
      "imbalance",
      x1.vMmS,
      thresholds(SHAFT_RULES.imbalance, zoneRow.bc, zoneRow.ab, learnt("x1_mm_s")),
      lineEvidence(x1, 1),
      { x2_mm_s: v(x2), ratio_1x_2x: v(x2) > 0 ? x1.vMmS / v(x2) : 99 },
    );
    if (f !== null) findings.push(f);
  }

  // Misalignment: 2× high against 1×.
  if (x2?.found && x2.vMmS >= MISALIGNMENT_2X_OVER_1X * x1.vMmS) {
    const f = finding(
      "misalignment",
      x2.vMmS,
      thresholds(SHAFT_RULES.misalignment, zoneRow.bc, zoneRow.ab, learnt("x2_mm_s")),
      lineEvidence(x2, 2),
      { x1_mm_s: x1.vMmS, ratio_2x_1x: x1.vMmS > 0 ? x2.vMmS / x1.vMmS : 99 },
    );
    if (f !== null) findings.push(f);
  }

  // Looseness: many harmonics and half-orders.
  if (looseFound.length >= LOOSENESS_FOUND_MIN) {
    const strongest = looseFound.reduce((a, b) => (v(b.l) > v(a.l) ? b : a));
    const f = finding(
      "looseness",
      loosenessIndex,
      thresholds(SHAFT_RULES.looseness, zoneRow.bc, zoneRow.ab, learnt("looseness_index")),
      {
        spectrum: view.spectrum,
        frequency_hz: x1.hz,
        expected_hz: view.shaftHz,
        snr_db: strongest.l!.snrDb,
        harmonics: looseFound.length,
        harmonics_searched: LOOSENESS_ORDERS.length,
      },
      {
        half_orders_found: looseFound.filter((x) => !Number.isInteger(x.o)).length,
        strongest_order: strongest.o,
      },
    );
    if (f !== null) findings.push(f);
  }

  // Gear mesh: GMF and 2×GMF with sidebands at ±1×, ±2×.
  if (teeth !== undefined) {
    const gmf = line(teeth);
    const gmf2 = line(2 * teeth);
    let sidebandEnergy = 0;
    let sidebandsFound = 0;
    for (const h of [1, 2]) {
      for (const s of [-2, -1, 1, 2]) {
        const sb = line(h * teeth + s);
        if (sb === null) continue;
        sidebandEnergy += sb.vMmS ** 2;
        if (sb.found) sidebandsFound++;
      }
    }
    const meshEnergy = v(gmf) ** 2 + v(gmf2) ** 2;
    const ratio = meshEnergy > 0 ? sidebandEnergy / meshEnergy : 0;
    features.gmf_mm_s = v(gmf);
    features.gmf_sideband_ratio = ratio;
    const learntRatio = learnt("gmf_sideband_ratio");
    const ratioMin = Math.max(GEAR_SIDEBAND_RATIO_MIN, 2 * (learntRatio ?? 0));
    if (gmf !== null && sidebandsFound >= GEAR_SIDEBANDS_MIN && ratio >= ratioMin) {
      const f = finding(
        "gear_mesh",
        gmf.vMmS,
        thresholds(SHAFT_RULES.gear_mesh, zoneRow.bc, zoneRow.ab, learnt("gmf_mm_s")),
        {
          spectrum: view.spectrum,
          frequency_hz: gmf.hz,
          expected_hz: teeth * view.shaftHz,
          snr_db: gmf.snrDb,
          harmonics: [gmf, gmf2].filter((l) => l?.found === true).length,
          harmonics_searched: 2,
          sidebands: { spacing_hz: speedScale * view.shaftHz, found: sidebandsFound },
        },
        { sideband_ratio: ratio, teeth },
      );
      if (f !== null) findings.push(f);
    }
  }
  return { features, findings, markers };
}

/** Cursors: 1×–3× of the shaft, and GMF, 2×GMF with ±1×, ±2× sidebands when the teeth are known. */
export function shaftMarkers(
  shaftHz: number,
  gearTeeth: number | undefined,
  maxHz: number,
): SpectrumMarker[] {
  const markers: SpectrumMarker[] = [];
  const add = (m: SpectrumMarker): void => {
    if (m.frequency_hz > 0 && m.frequency_hz <= maxHz) markers.push(m);
  };
  for (const h of [1, 2, 3])
    add({ label: `${h}×`, kind: "shaft", harmonic: h, frequency_hz: h * shaftHz, spectrum: "spectrum" });
  if (gearTeeth !== undefined && gearTeeth > 0) {
    for (const h of [1, 2]) {
      const gmfHz = h * gearTeeth * shaftHz;
      const name = h === 1 ? "GMF" : "2×GMF";
      add({ label: name, kind: "gmf", harmonic: h, frequency_hz: gmfHz, spectrum: "spectrum" });
      for (const s of [-2, -1, 1, 2]) {
        add({
          label: `${name}${s < 0 ? "−" : "+"}${Math.abs(s)}×`,
          kind: "sideband",
          harmonic: h,
          frequency_hz: gmfHz + s * shaftHz,
          spectrum: "spectrum",
        });
      }
    }
  }
  return markers;
}
