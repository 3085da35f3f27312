// A rolling element's signature when its lines are smeared. A ball slips
// more than the races: it rolls in and out of the load zone and its spin
// axis wanders, so its effective rolling diameter — and BSF with it —
// varies from one turn to the next (Randall & Antoni 2011, §2.1; Smith &
// Randall 2015 grade such records "not classic"). Its envelope lines then
// spread into humps around BSF and 2×BSF that a line detector misses.
//
// The test compares the continuous part of the envelope spectrum — the
// bins that are neither on a discrete line (≥ LINE_SNR_DB over the floor,
// with its main lobe) nor on a shaft harmonic — inside the family's search
// window with the same on both flanks. For noise alone both are means of
// exponentially distributed bin powers, so their ratio follows an F
// distribution with 2·n degrees of freedom on each side, n the number of
// independent bins (width / (1.5 × resolution): a Hann window's equivalent
// noise bandwidth). Its significance is read with Paulson's normal
// approximation (E. Paulson, "An approximate normalization of the analysis
// of variance distribution", Ann. Math. Statist. 13 (1942) 233–235), so the
// thresholds are significance levels, the same for a 2.56 s block and a
// 10 s recording, not levels fitted to one.
import type { Severity } from "../../common/names.ts";
import { LINE_SNR_DB } from "./bearing-families.ts";
import type { RatedSpectrum } from "./bearing-spectrum.ts";

/** A hump in the continuous part of the envelope spectrum around one harmonic. */
export interface Hump {
  readonly harmonic: number;
  readonly centreHz: number;
  /** Mean power in the window over the mean on its flanks, dB. */
  readonly db: number;
  /** Significance as a standard normal deviate (Paulson). */
  readonly z: number;
  /** Mean amplitude in the window (√ of the mean power), the spectrum's unit. */
  readonly amplitude: number;
}

/**
 * Flanks on each side, in widths of the window: wide enough that a hump's skirts do not make its
 * own background, short of the next harmonic.
 */
const FLANK_WIDTHS = 2;

/** Hann window's equivalent noise bandwidth in resolution bins (Harris 1978, Table 1). */
const HANN_ENBW = 1.5;

/**
 * Significance z of a ratio R of two means of exponentially distributed
 * values (n1 in the numerator, n2 in the denominator, independent): R ~
 * F(2·n1, 2·n2) under the null hypothesis, normalised by Paulson's
 * approximation of F^(1/3).
 */
export function ratioSignificance(ratio: number, n1: number, n2: number): number {
  if (!(ratio > 0) || !(n1 > 0) || !(n2 > 0)) return Number.NEGATIVE_INFINITY;
  const a1 = 2 / (9 * 2 * n1);
  const a2 = 2 / (9 * 2 * n2);
  const r3 = Math.cbrt(ratio);
  return ((1 - a2) * r3 - (1 - a1)) / Math.sqrt(a1 + r3 * r3 * a2);
}

/**
 * The hump around harmonic h of `fundamentalHz`: the window from
 * h·f·(1 − below) to h·f·(1 + above) against flanks as wide as the window on
 * each side (at least four resolution bins), kept within half a fundamental
 * of the centre so they do not reach the next harmonic. Null when the
 * window or its flanks leave the readable range or hold too few bins.
 */
export function humpAt(
  rs: RatedSpectrum,
  fundamentalHz: number,
  h: number,
  below: number,
  above: number,
): Hump | null {
  const c = h * fundamentalHz;
  const lo = c * (1 - below);
  const hi = c * (1 + above);
  const flank = Math.min(
    Math.max(FLANK_WIDTHS * (hi - lo), 4 * rs.res),
    Math.max(0, 0.5 * fundamentalHz - (c - lo)),
  );
  if (lo - flank < rs.lowHz || hi + flank > rs.ses.maxHz || flank < 2 * rs.res) return null;
  const window = continuousMean(rs, lo, hi);
  const left = continuousMean(rs, lo - flank, lo);
  const right = continuousMean(rs, hi, hi + flank);
  const flankBins = left.bins + right.bins;
  const binsPerIndependent = (HANN_ENBW * rs.res) / rs.ses.dfHz;
  // Too few bins left after the lines are taken out: no test.
  if (window.bins < 2 * binsPerIndependent || flankBins < 2 * binsPerIndependent) return null;
  const flankMean = (left.sum + right.sum) / flankBins;
  const mean = window.sum / window.bins;
  const ratio = flankMean > 0 ? mean / flankMean : 0;
  return {
    harmonic: h,
    centreHz: c,
    db: ratio > 0 ? 10 * Math.log10(ratio) : Number.NEGATIVE_INFINITY,
    z: ratioSignificance(ratio, window.bins / binsPerIndependent, flankBins / binsPerIndependent),
    amplitude: Math.sqrt(mean),
  };
}

/**
 * Σ power and the number of bins of the continuous part of [lowHz, highHz):
 * without the bins within two resolution bins of a discrete line (a peak
 * LINE_SNR_DB over the floor — the Hann main lobe is ±2 bins) or on a shaft
 * harmonic.
 */
function continuousMean(rs: RatedSpectrum, lowHz: number, highHz: number): { sum: number; bins: number } {
  const a = rs.ses.amplitude;
  const df = rs.ses.dfHz;
  const k0 = Math.max(1, Math.ceil(lowHz / df));
  const k1 = Math.min(a.length - 2, Math.ceil(highHz / df) - 1);
  const lobe = Math.ceil((2 * rs.res) / df);
  const lineRatio = 10 ** (LINE_SNR_DB / 20);
  let sum = 0;
  let bins = 0;
  for (let k = k0; k <= k1; k++) {
    if (rs.shaftMask[k] !== 0 || nearLine(rs.peakRatio, k, lobe, lineRatio)) continue;
    sum += a[k]! * a[k]!;
    bins++;
  }
  return { sum, bins };
}

/** Whether a discrete line (peak ratio ≥ lineRatio) lies within `lobe` bins of k. */
function nearLine(peakRatio: Float64Array, k: number, lobe: number, lineRatio: number): boolean {
  const from = Math.max(0, k - lobe);
  const to = Math.min(peakRatio.length - 1, k + lobe);
  for (let j = from; j <= to; j++) if (peakRatio[j]! >= lineRatio) return true;
  return false;
}

/** Humps of a smeared rolling element: at BSF and 2×BSF. */
export interface SmearedElement {
  readonly bsf: Hump | null;
  readonly twoBsf: Hump | null;
}

/**
 * The humps at BSF and 2×BSF, each looked for over twice the races' slip
 * window (`below`, `above`: the element slips more than the races, and its
 * smeared line spreads over more than the slip of its mean) widened by the
 * speed's uncertainty `u`.
 */
export function smearedElement(
  rs: RatedSpectrum,
  bsfHz: number,
  below: number,
  above: number,
  u: number,
): SmearedElement {
  const lo = 2 * below + u;
  const hi = 2 * above + u;
  return { bsf: humpAt(rs, bsfHz, 1, lo, hi), twoBsf: humpAt(rs, bsfHz, 2, lo, hi) };
}

/**
 * Significance (normal deviate) of the smeared element's humps: 2×BSF, the rate at which the defect
 * strikes a race, must stand out at one-sided p ≈ 2·10⁻⁴ (3.5) for a warning and 3·10⁻⁷ (5) for an
 * alarm; BSF (the asymmetry of the two strikes) supports it at p ≈ 0.02 (2) — 3 for an alarm — or
 * the cage's line does (the cage carries the element through the load zone).
 */
export const SMEAR_WARNING_Z = 3.5;
const SMEAR_ALARM_Z = 5;
export const SMEAR_SUPPORT_Z = 2;
const SMEAR_ALARM_SUPPORT_Z = 3;

/**
 * The smeared element's severity: 2×BSF's hump significant, and supported
 * by BSF's or by the cage's line (`cageLine`: FTF found in the same view).
 */
export function smearSeverity(
  s: SmearedElement,
  cageLine: boolean,
  warningZ = SMEAR_WARNING_Z,
): Severity | null {
  const two = s.twoBsf;
  if (two === null || two.z < warningZ) return null;
  const oneZ = s.bsf?.z ?? Number.NEGATIVE_INFINITY;
  if (two.z >= SMEAR_ALARM_Z && oneZ >= SMEAR_ALARM_SUPPORT_Z) return "alarm";
  return oneZ >= SMEAR_SUPPORT_Z || cageLine ? "warning" : null;
}

/** Rank of a smeared element among line families: each hump's significance as dB-like evidence. */
export const smearRank = (s: SmearedElement): number =>
  3 * (Math.max(0, (s.twoBsf?.z ?? 0) - SMEAR_SUPPORT_Z) + Math.max(0, (s.bsf?.z ?? 0) - SMEAR_SUPPORT_Z));
