// One bearing fault family read off a rated envelope spectrum: its
// fundamental fitted to the whole series at once, its lines, and the
// sidebands its physics puts around them (Randall & Antoni 2011, §2.1).
//
// Where a fundamental is looked for: the impacts are not exactly periodic,
// and the rolling elements lag the kinematic speed by 1–2 % (Randall &
// Antoni §2.1), so from `slipBelow` under the expected value to `slipAbove`
// over it, each widened by the uncertainty of the shaft speed (a fraction of
// a per cent when the speed was read off the spectrum's 1× line, ±2 % when
// only a stated speed is known). The fundamental that puts most harmonics on
// peaks wins, and each line is then read in a narrow window around its
// multiple, so chance peaks in wide windows do not add up to a family: the
// search window scales with the harmonic order, the reading window only with
// the slip's random part.
import type { Severity } from "../../common/names.ts";
import { amplitudeDb, parabolicOffset } from "../dsp/spectral-peaks.ts";
import { type BearingFault, type FamilyKind, grade, lineEvidence } from "./bearing-grade.ts";
import { bestPeak, firstWeakPeakFrom, peakDb, type RatedSpectrum, WEAK_LINE_DB } from "./bearing-spectrum.ts";

/** What a family is and where its lines lie. */
export interface FamilySpec {
  readonly fault: BearingFault;
  readonly kind: FamilyKind;
  /** Fundamental expected from speed and geometry, Hz. */
  readonly fundamentalHz: number;
  readonly maxHarmonics: number;
  /** Sideband spacing that belongs to the family, Hz, and how many orders of it (null: none). */
  readonly sidebandHz: number | null;
  readonly sidebandOrders: number;
  /** Search window of the fundamental: relative distance below and above the expected value. */
  readonly searchBelow: number;
  readonly searchAbove: number;
}

/** One line of a family as looked for and found. */
export interface LineResult {
  readonly harmonic: number;
  /** Expected from speed and geometry, Hz. */
  readonly expectedHz: number;
  /** Where the peak is (interpolated), or the window's centre when there is none, Hz. */
  readonly frequencyHz: number;
  readonly amplitude: number;
  readonly snrDb: number;
  readonly found: boolean;
  /** Bin of the peak (−1: none). */
  readonly bin: number;
}

export interface Sidebands {
  readonly spacingHz: number;
  readonly found: number;
  readonly searched: number;
  readonly bins: readonly number[];
}

/** One fault family scored in one view. */
export interface FamilyScore {
  readonly fault: BearingFault;
  readonly kind: FamilyKind;
  /** Fundamental expected from speed and geometry, Hz. */
  readonly expectedHz: number;
  /** Fundamental as fitted to the series (slip included), Hz. */
  readonly fundamentalHz: number;
  readonly lines: readonly LineResult[];
  readonly found: number;
  readonly sidebands: Sidebands | null;
  /** Evidence strength: Σ over found lines of (SNR − threshold + 3 dB), plus the sidebands'. */
  readonly score: number;
  readonly severity: Severity | null;
  readonly confidence: number;
}

/** A line counts as found at this SNR over the floor, dB. */
export const LINE_SNR_DB = 10;
/** A sideband counts as found at this SNR, dB. */
export const SIDEBAND_SNR_DB = 8;

/** Half-width of the window a line at `hz` is read in once the fundamental is fitted. */
export const lineHalfWidth = (rs: RatedSpectrum, hz: number): number => Math.max(0.75 * rs.res, 0.0015 * hz);

/** The harmonics of a family that lie in the readable range. */
export function harmonicsOf(rs: RatedSpectrum, spec: FamilySpec): number[] {
  const out: number[] = [];
  for (let h = 1; h <= spec.maxHarmonics; h++) {
    const e = h * spec.fundamentalHz;
    const hi = e * (1 + spec.searchAbove) + lineHalfWidth(rs, e);
    if (hi > rs.ses.maxHz) break;
    if (e * (1 - spec.searchBelow) - lineHalfWidth(rs, e) < rs.lowHz) continue;
    out.push(h);
  }
  return out;
}

/**
 * Highest frequency the scoring reads a peak's rating at: a family's top
 * harmonic at the top of its search window, its line window and the
 * outermost sideband's window beyond it (with a margin of a few bins for the
 * fit's steps and the peaks' interpolated positions).
 */
export function readLimitHz(families: readonly FamilySpec[], resolutionHz: number, dfHz: number): number {
  const margin = 4 * resolutionHz + 4 * dfHz;
  let top = 0;
  for (const f of families) {
    const e = f.maxHarmonics * f.fundamentalHz * (1 + f.searchAbove);
    const line = e + Math.max(0.75 * resolutionHz, 0.0015 * e);
    const sidebands = f.sidebandHz === null ? 0 : f.sidebandOrders * f.sidebandHz;
    top = Math.max(top, 1.01 * (line + sidebands) + margin);
  }
  return top;
}

/** The trial fundamentals of a fit and their scores; grown as needed. */
let fitTrials = new Float64Array(1024);
let fitScores = new Float64Array(1024);

/**
 * The fundamental in the search window, stepped by `step`, that puts the
 * most evidence on the harmonics `hs`: per trial, Σ over harmonics of the
 * best peak (not claimed) in the harmonic's line window, in dB over
 * WEAK_LINE_DB when it reaches that. Only weak peaks can score (see
 * RatedSpectrum.weakPeaks); each harmonic's window slides up with the trial,
 * so a pointer into the list follows it, and a harmonic with no weak peak
 * anywhere in its search window is skipped. Ties go to the trial nearest the
 * expected fundamental.
 */
function fitFundamental(
  rs: RatedSpectrum,
  spec: FamilySpec,
  hs: readonly number[],
  step: number,
  claim: Uint8Array | null,
): number {
  const f0 = spec.fundamentalHz;
  const room = Math.ceil(((spec.searchBelow + spec.searchAbove) * f0) / step) + 4;
  if (fitTrials.length < room) {
    fitTrials = new Float64Array(room);
    fitScores = new Float64Array(room);
  }
  const count = stepTrials(f0 * (1 - spec.searchBelow), f0 * (1 + spec.searchAbove), step, fitTrials);
  const scores = fitScores;
  scores.fill(0, 0, count);
  if (count === 0) return f0;
  const df = rs.ses.dfHz;
  const kMax = rs.peakRatio.length - 2;
  for (const h of hs) {
    const cFirst = h * fitTrials[0]!;
    const cLast = h * fitTrials[count - 1]!;
    const p = firstWeakPeakFrom(rs, Math.max(1, Math.ceil((cFirst - lineHalfWidth(rs, cFirst)) / df)));
    if (
      p >= rs.weakCount ||
      rs.weakPeaks[p]! > Math.min(kMax, Math.floor((cLast + lineHalfWidth(rs, cLast)) / df))
    )
      continue;
    scoreHarmonic(rs, h, p, fitTrials, count, scores, claim);
  }
  return bestTrial(fitTrials, scores, count, f0);
}

/** The trial fundamentals from `lowHz`, + step, … up to `highHz` into `trials`; how many. */
function stepTrials(lowHz: number, highHz: number, step: number, trials: Float64Array): number {
  let count = 0;
  for (let f = lowHz; f <= highHz; f += step) trials[count++] = f;
  return count;
}

/**
 * Adds to scores[s] the evidence of harmonic h at trial s: the best weak peak
 * (not claimed) in its line window, in dB over WEAK_LINE_DB. The window slides
 * up with the trial, so a pointer into the weak peaks (from index p) follows it.
 */
function scoreHarmonic(
  rs: RatedSpectrum,
  h: number,
  p: number,
  trials: Float64Array,
  count: number,
  scores: Float64Array,
  claim: Uint8Array | null,
): void {
  const weakRatio = 10 ** (WEAK_LINE_DB / 20);
  const df = rs.ses.dfHz;
  const kMax = rs.peakRatio.length - 2;
  const peaks = rs.weakPeaks;
  const n = rs.weakCount;
  for (let s = 0; s < count; s++) {
    const c = h * trials[s]!;
    const hw = lineHalfWidth(rs, c);
    const k0 = Math.max(1, Math.ceil((c - hw) / df));
    const k1 = Math.min(kMax, Math.floor((c + hw) / df));
    while (p < n && peaks[p]! < k0) p++;
    let best = 0;
    for (let q = p; q < n && peaks[q]! <= k1; q++) {
      const r = rs.peakRatio[peaks[q]!]!;
      if (r > best && (claim === null || claim[peaks[q]!] === 0)) best = r;
    }
    if (best > 0) scores[s]! += amplitudeDb(best / weakRatio);
  }
}

/** The trial with the highest score (> 0), the one nearest f0 among equals; f0 when none scores. */
function bestTrial(trials: Float64Array, scores: Float64Array, count: number, f0: number): number {
  let bestF = f0;
  let bestScore = 0;
  for (let s = 0; s < count; s++) {
    const sc = scores[s]!;
    const f = trials[s]!;
    if (sc > bestScore || (sc === bestScore && sc > 0 && Math.abs(f - f0) < Math.abs(bestF - f0))) {
      bestScore = sc;
      bestF = f;
    }
  }
  return bestF;
}

/** The line of harmonic h read around `atHz` (in its line window). */
function readLine(
  rs: RatedSpectrum,
  h: number,
  expectedHz: number,
  atHz: number,
  claim: Uint8Array | null,
): LineResult {
  const hw = lineHalfWidth(rs, atHz);
  const k = bestPeak(rs, atHz - hw, atHz + hw, claim);
  if (k < 0)
    return {
      harmonic: h,
      expectedHz,
      frequencyHz: atHz,
      amplitude: 0,
      snrDb: Number.NEGATIVE_INFINITY,
      found: false,
      bin: -1,
    };
  const snrDb = peakDb(rs, k);
  return {
    harmonic: h,
    expectedHz,
    frequencyHz: (k + parabolicOffset(rs.ses.amplitude, k)) * rs.ses.dfHz,
    amplitude: rs.ses.amplitude[k]!,
    snrDb,
    found: snrDb >= LINE_SNR_DB,
    bin: k,
  };
}

/**
 * Sidebands at ±m·spacing around each found line (m = 1…orders). Only the
 * first order counts as evidence; higher orders only mark what the family
 * explains (their bins).
 */
function readSidebands(
  rs: RatedSpectrum,
  spec: FamilySpec,
  found: readonly LineResult[],
  claim: Uint8Array | null,
): Sidebands | null {
  const spacing = spec.sidebandHz;
  if (spacing === null || spacing < 2 * rs.res) return null;
  let count = 0;
  let searched = 0;
  const bins: number[] = [];
  for (const l of found) {
    for (let m = 1; m <= spec.sidebandOrders; m++) {
      for (const sign of [-1, 1]) {
        const c = l.frequencyHz + sign * m * spacing;
        const hw = lineHalfWidth(rs, c);
        if (c - hw < rs.lowHz || c + hw > rs.ses.maxHz) continue;
        const k = bestPeak(rs, c - hw, c + hw, claim);
        const ok = k >= 0 && peakDb(rs, k) >= SIDEBAND_SNR_DB;
        if (ok) bins.push(k);
        if (m === 1) {
          searched++;
          if (ok) count++;
        }
      }
    }
  }
  return { spacingHz: spacing, found: count, searched, bins };
}

/** Fits the family's fundamental within its search window and reads its lines and sidebands. */
export function scoreFamily(rs: RatedSpectrum, spec: FamilySpec, claim: Uint8Array | null): FamilyScore {
  const hs = harmonicsOf(rs, spec);
  const f0 = spec.fundamentalHz;
  const maxH = hs.length > 0 ? hs[hs.length - 1]! : 1;
  // Step so that the highest harmonic moves by half the resolution per step: its line, read in a
  // window of ±¾ of the resolution, is then within ±¼ of some trial's multiple.
  const step = Math.max((0.5 * rs.res) / maxH, 1e-6 * f0);
  const bestF = fitFundamental(rs, spec, hs, step, claim);
  const lines = hs.map((h) => readLine(rs, h, h * f0, h * bestF, claim));
  const foundLines = lines.filter((l) => l.found);
  // Refine the fundamental from the found lines' positions (least squares through the origin).
  let num = 0;
  let den = 0;
  for (const l of foundLines) {
    num += l.harmonic * l.frequencyHz;
    den += l.harmonic * l.harmonic;
  }
  const fundamentalHz = den > 0 ? num / den : bestF;
  const sidebands = readSidebands(rs, spec, foundLines, claim);
  const score = lineEvidence(lines, sidebands);
  return {
    fault: spec.fault,
    kind: spec.kind,
    expectedHz: f0,
    fundamentalHz,
    lines,
    found: foundLines.length,
    sidebands,
    score,
    ...grade(spec.kind, lines, sidebands, score),
  };
}
