// Rolling-element bearing faults from the squared-envelope spectrum.
//
// Defect frequencies: R. B. Randall, J. Antoni, "Rolling element bearing
// diagnostics — a tutorial", MSSP 25 (2011) 485–520, eqs. 1–4, stationary
// outer race. What tells the faults apart (same tutorial §2.1 and §5; W. A.
// Smith, R. B. Randall, "Rolling element bearing diagnostics using the Case
// Western Reserve University data: a benchmark study", MSSP 64–65 (2015)
// 100–131):
// - outer race: a series of BPFO harmonics, not modulated (the defect stays
//   in the load zone);
// - inner race: BPFI harmonics with sidebands at ±1× shaft (the defect
//   passes through the load zone once per revolution);
// - rolling element: BSF harmonics, the even ones (2×BSF: the defect
//   strikes both races) often the stronger, with sidebands at ±FTF (the
//   element goes round with the cage);
// - cage: FTF and its harmonics. FTF combs also accompany race and element
//   faults (BPFO = Z·FTF; uneven elements repeat once per cage turn), so a
//   cage fault is named only when no other family is named.
//
// Slip: the impacts are not exactly periodic, and the rolling elements lag
// the kinematic speed by 1–2 % (Randall & Antoni §2.1), so a family's
// fundamental is looked for from 2 % below to 1 % above its expected value
// (the 1 % for the speed reading's error). The fundamental is fitted to the
// whole series at once — the one that puts most harmonics on peaks — and
// each line is then read in a narrow window around its multiple, so chance
// peaks in wide windows do not add up to a family.
//
// Families share lines (CWRU: 3×BPFO and 2×BPFI are 0.7 % apart): the
// winner is chosen with each line weighted by 1/harmonic (see rankScore),
// and a second family is named, as a warning at most, only when it is
// strong on lines the winner does not explain.
import type { Severity } from "../../common/names.ts";
import type { EnvelopeSpectrum } from "../dsp/envelope.ts";
import { perSize } from "../dsp/workspace.ts";
import type { BearingGeometry, DefectOrders, Finding, SpectrumMarker } from "./types.ts";

/** Bearing defect frequencies as orders of shaft speed (Randall & Antoni 2011, eqs. 1–4). */
export function bearingDefectOrders(g: BearingGeometry): DefectOrders {
  const ratio = (g.ballDiameterMm / g.pitchDiameterMm) * Math.cos((g.contactAngleDeg * Math.PI) / 180);
  return {
    bpfo: (g.balls / 2) * (1 - ratio),
    bpfi: (g.balls / 2) * (1 + ratio),
    bsf: (g.pitchDiameterMm / (2 * g.ballDiameterMm)) * (1 - ratio * ratio),
    ftf: (1 - ratio) / 2,
  };
}

export type BearingFault =
  | "bearing_outer_race"
  | "bearing_inner_race"
  | "bearing_rolling_element"
  | "bearing_cage";
type Kind = "bpfo" | "bpfi" | "bsf" | "ftf";

/** Thresholds of the scoring; the defaults are the ones the recordings and simulator tests hold to. */
export interface BearingScoreOptions {
  /** A line counts as found at this SNR over the local median background, dB (default 10). */
  readonly lineSnrDb?: number;
  /** A sideband counts as found at this SNR, dB (default 8). */
  readonly sidebandSnrDb?: number;
  /** Factor from the spectrum's unit to the reported amplitude unit (default 1). */
  readonly amplitudeScale?: number;
  readonly amplitudeUnit?: string;
  /** Demodulation band, for the evidence. */
  readonly bandHz?: readonly [number, number];
  /**
   * Spectral kurtosis of the demodulation band. Below `MIN_ALARM_KURTOSIS` the band is close to
   * Gaussian: its envelope lines are a modulation of noise, which many things cause, not the impacts
   * of a developed localised defect (which make the band impulsive — Antoni & Randall 2006, MSSP 20,
   * "The spectral kurtosis: application to the vibratory surveillance and diagnostics of rotating
   * machines"), so such a finding is a warning at most. Unknown: no cap.
   */
  readonly bandKurtosis?: number;
}

/** Spectral kurtosis a demodulation band needs for a race or element alarm. */
export const MIN_ALARM_KURTOSIS = 1;
/**
 * Spectral kurtosis below which a band holds no impacts at all: Gaussian noise gives 0 (a block's
 * estimate within about ±0.1), a localised race or element defect makes the band impulsive. Below
 * it no race or element fault is named; a cage defect modulates without impacts and is exempt.
 */
export const MIN_FINDING_KURTOSIS = 0.5;

/** Slip window of a fundamental, relative: 2 % below (slip) to 1 % above (speed reading). */
const SLIP_BELOW = 0.02;
const SLIP_ABOVE = 0.01;
const DEFAULT_LINE_SNR_DB = 10;
const DEFAULT_SIDEBAND_SNR_DB = 8;

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

/** One fault family scored. */
export interface FamilyScore {
  readonly fault: BearingFault;
  readonly kind: Kind;
  /** Fundamental expected from speed and geometry, Hz. */
  readonly expectedHz: number;
  /** Fundamental as fitted to the series (slip included), Hz. */
  readonly fundamentalHz: number;
  readonly lines: readonly LineResult[];
  readonly found: number;
  readonly sidebands: {
    readonly spacingHz: number;
    readonly found: number;
    readonly searched: number;
    readonly bins: readonly number[];
  } | null;
  /** Evidence strength: Σ over found lines of (SNR − threshold + 3 dB), plus 3 per sideband found. */
  readonly score: number;
  readonly severity: Severity | null;
  readonly confidence: number;
}

// --- the spectrum as SNR --------------------------------------------------------------------

/** The envelope spectrum with its local background and what is already explained. */
interface Analysed {
  readonly ses: EnvelopeSpectrum;
  /** Amplitude / local median background at local maxima, 0 elsewhere. */
  readonly peakRatio: Float64Array;
  /** 1 where a shaft harmonic owns the bin. */
  readonly shaftMask: Uint8Array;
  /**
   * The bins, ascending, of the peaks at least WEAK_LINE_DB over the background and not on a shaft
   * harmonic (`weakPeaks[0…weakCount−1]`): the only bins the fit of a fundamental can score, so it
   * looks them up instead of scanning every window bin by bin.
   */
  readonly weakPeaks: Int32Array;
  readonly weakCount: number;
  /** Frequency resolution, Hz. */
  readonly res: number;
  /** Lowest frequency a line is read at (above the mean's leakage), Hz. */
  readonly lowHz: number;
  readonly lineRatio: number;
  readonly sidebandRatio: number;
}

interface Scratch {
  readonly peakRatio: Float64Array;
  readonly mask: Uint8Array;
  readonly claim: Uint8Array;
  readonly weakPeaks: Int32Array;
  readonly smallest: Float64Array;
  medians: Float64Array;
  block: Float64Array;
}
const scratch = perSize(
  (n): Scratch => ({
    peakRatio: new Float64Array(n),
    mask: new Uint8Array(n),
    claim: new Uint8Array(n),
    weakPeaks: new Int32Array(n),
    smallest: new Float64Array(SMALLEST_MAX + 1),
    medians: new Float64Array(64),
    block: new Float64Array(256),
  }),
);

/** k-th smallest of v[0…n−1] (Hoare's selection; reorders v). */
function quickselect(v: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = v[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (v[i]! < pivot) i++;
      while (v[j]! > pivot) j--;
      if (i <= j) {
        const t = v[i]!;
        v[i] = v[j]!;
        v[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return v[k]!;
  }
  return v[k]!;
}

/** kthSmallestOf keeps up to this many values; larger k go to quickselect. */
const SMALLEST_MAX = 64;

/**
 * k-th smallest of v[from…from+n−1] (k < SMALLEST_MAX), v left alone: the k+1
 * smallest values so far are kept sorted in `best`, and a value enters only when
 * it is below the largest of them — for a low quantile of a block, few do, so
 * this costs about one comparison per value (quickselect's partitions branch
 * unpredictably on every one).
 */
function kthSmallestOf(v: Float64Array, from: number, n: number, k: number, best: Float64Array): number {
  let size = 0;
  for (let i = from; i < from + n; i++) {
    const x = v[i]!;
    if (size > k) {
      if (!(x < best[k]!)) continue;
    } else size++;
    let j = size - 2;
    while (j >= 0 && best[j]! > x) {
      best[j + 1] = best[j]!;
      j--;
    }
    best[j + 1] = x;
  }
  return best[k]!;
}

/**
 * The background is read as a low quantile scaled to the median it equals
 * for noise alone: the amplitude of a noise spectrum's bin is Rayleigh
 * distributed, whose q-quantile is σ·√(−2 ln(1 − q)), so the median is the
 * 30 % quantile × √(ln 2 / −ln 0.7). A median is spoilt once lines and their
 * window lobes fill half of the bins — as they do at slow shafts, where the
 * lines are a few resolution bins apart — a 30 % quantile only at 70 %.
 */
const BACKGROUND_QUANTILE = 0.3;
const BACKGROUND_SCALE = Math.sqrt(Math.LN2 / -Math.log(1 - BACKGROUND_QUANTILE));

/**
 * Local background: the noise level (see BACKGROUND_QUANTILE) of the
 * amplitude in consecutive blocks of `blockHz`, interpolated linearly
 * between block centres: the noise the lines stand on. Peaks are rated up to
 * `readHz` only (the highest frequency the families' windows reach, see
 * `readLimitHz`); the blocks are laid out over the whole valid range all the
 * same, so a peak's rating does not depend on how far up it is read.
 */
function analyse(
  ses: EnvelopeSpectrum,
  shaftHz: number,
  blockHz: number,
  lineSnrDb: number,
  sidebandSnrDb: number,
  readHz: number,
): Analysed {
  const a = ses.amplitude;
  const top = Math.min(a.length - 2, Math.floor(ses.maxHz / ses.dfHz));
  const res = ses.resolutionHz;
  const lowHz = 2.5 * res; // the removed mean leaks through the Hann main lobe (±2 bins of resolution)
  const k0 = Math.max(1, Math.ceil(lowHz / ses.dfHz));
  const s = scratch(a.length);
  const blockBins = Math.max(8, Math.round(blockHz / ses.dfHz));
  const blocks = Math.max(1, Math.ceil((top - k0 + 1) / blockBins));
  const readTop = Math.min(top, Math.ceil(readHz / ses.dfHz));
  // The blocks a peak up to readTop interpolates between: its own and the next.
  const usedBlocks = Math.min(blocks, Math.max(0, Math.floor((readTop - k0) / blockBins)) + 2);
  if (s.medians.length < blocks) s.medians = new Float64Array(2 * blocks);
  if (s.block.length < blockBins) s.block = new Float64Array(2 * blockBins);
  blockBackgrounds(a, k0, top, blockBins, usedBlocks, s);
  const mask = s.mask;
  mask.fill(0);
  // Shaft harmonics in the envelope come from many sources (looseness, rubs, electrical);
  // a bearing line on one is not evidence.
  if (shaftHz >= 2 * res) maskShaftHarmonics(mask, ses, shaftHz);
  const pr = s.peakRatio;
  pr.fill(0);
  const weakCount = ratePeaks(a, k0, readTop, blockBins, blocks, s);
  return {
    ses,
    peakRatio: pr,
    shaftMask: mask,
    weakPeaks: s.weakPeaks,
    weakCount,
    res,
    lowHz,
    lineRatio: 10 ** (lineSnrDb / 20),
    sidebandRatio: 10 ** (sidebandSnrDb / 20),
  };
}

// The loops of analyse and of the fit end their own functions, with nothing after them but the
// return of a local (see envelope.ts: V8's on-stack replacement otherwise leaves the code after a
// long loop in its baseline tier).

/** The background of each of the first `usedBlocks` blocks of `blockBins` bins from k0 into s.medians. */
function blockBackgrounds(
  a: Float64Array,
  k0: number,
  top: number,
  blockBins: number,
  usedBlocks: number,
  s: Scratch,
): void {
  for (let b = 0; b < usedBlocks; b++) {
    const from = k0 + b * blockBins;
    const n = Math.min(top, from + blockBins - 1) - from + 1;
    const k = Math.floor(BACKGROUND_QUANTILE * n);
    let q = Number.POSITIVE_INFINITY;
    if (n > 0 && k < SMALLEST_MAX) q = kthSmallestOf(a, from, n, k, s.smallest);
    else if (n > 0) {
      for (let i = 0; i < n; i++) s.block[i] = a[from + i]!;
      q = quickselect(s.block, n, k);
    }
    s.medians[b] = q * BACKGROUND_SCALE;
  }
}

/** Marks the bins around every harmonic of the shaft up to the spectrum's top. */
function maskShaftHarmonics(mask: Uint8Array, ses: EnvelopeSpectrum, shaftHz: number): void {
  for (let m = 1; m * shaftHz <= ses.maxHz; m++) {
    const c = m * shaftHz;
    const hw = Math.max(0.75 * ses.resolutionHz, 0.003 * c);
    fillMask(mask, ses, c - hw, c + hw, 1);
  }
}

/**
 * Rates the local maxima of a[k0…readTop] against the background interpolated
 * between block centres (s.medians) into s.peakRatio, and lists those at least
 * WEAK_LINE_DB over it and off the shaft's harmonics in s.weakPeaks; returns
 * how many it listed.
 */
function ratePeaks(
  a: Float64Array,
  k0: number,
  readTop: number,
  blockBins: number,
  blocks: number,
  s: Scratch,
): number {
  const { medians, peakRatio, mask, weakPeaks } = s;
  const centre = (blockBins - 1) / 2;
  const weakRatio = 10 ** (WEAK_LINE_DB / 20);
  let weakCount = 0;
  for (let k = k0; k <= readTop; k++) {
    const ak = a[k]!;
    if (!(ak >= a[k - 1]! && ak >= a[k + 1]!)) continue;
    // Position in block-centre units, for linear interpolation between block medians.
    const u = (k - k0 - centre) / blockBins;
    const b0 = Math.max(0, Math.min(blocks - 1, Math.floor(u)));
    const b1 = Math.min(blocks - 1, b0 + 1);
    const t = Math.max(0, Math.min(1, u - b0));
    const bg = medians[b0]! * (1 - t) + medians[b1]! * t;
    const r = bg > 0 ? ak / bg : 0;
    peakRatio[k] = r;
    if (r >= weakRatio && mask[k] === 0) weakPeaks[weakCount++] = k;
  }
  return weakCount;
}

function fillMask(mask: Uint8Array, ses: EnvelopeSpectrum, lowHz: number, highHz: number, v: number): void {
  const k0 = Math.max(0, Math.ceil(lowHz / ses.dfHz));
  const k1 = Math.min(mask.length - 1, Math.floor(highHz / ses.dfHz));
  for (let k = k0; k <= k1; k++) mask[k] = v;
}

/** Best local peak in [lowHz, highHz] not owned by `claim`; −1 when none. */
function bestPeak(an: Analysed, lowHz: number, highHz: number, claim: Uint8Array | null): number {
  const k0 = Math.max(1, Math.ceil(lowHz / an.ses.dfHz));
  const k1 = Math.min(an.peakRatio.length - 2, Math.floor(highHz / an.ses.dfHz));
  let best = -1;
  let bestRatio = 0;
  for (let k = k0; k <= k1; k++) {
    const r = an.peakRatio[k]!;
    if (r > bestRatio && an.shaftMask[k] === 0 && (claim === null || claim[k] === 0)) {
      best = k;
      bestRatio = r;
    }
  }
  return best;
}

/** Index of the first weak peak at or above bin k (weakCount when none). */
function firstWeakPeakFrom(an: Analysed, k: number): number {
  const peaks = an.weakPeaks;
  let lo = 0;
  let hi = an.weakCount;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (peaks[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The trial fundamentals of a fit and their scores; grown as needed. */
let fitTrials = new Float64Array(1024);
let fitScores = new Float64Array(1024);

/**
 * The fundamental in the slip window, stepped by `step`, that puts the most
 * evidence on the harmonics `hs`: per trial, Σ over harmonics of the best peak
 * (not claimed) in the harmonic's line window, in dB over WEAK_LINE_DB when it
 * reaches that. Only weak peaks can score (see Analysed.weakPeaks); each
 * harmonic's window slides up with the trial, so a pointer into the list
 * follows it, and a harmonic with no weak peak anywhere in its slip window is
 * skipped. Ties go to the trial nearest the expected fundamental.
 */
function fitFundamental(
  an: Analysed,
  hs: readonly number[],
  f0: number,
  step: number,
  claim: Uint8Array | null,
): number {
  // Room for every trial the stepping below can make.
  const room = Math.ceil(((SLIP_BELOW + SLIP_ABOVE) * f0) / step) + 4;
  if (fitTrials.length < room) {
    fitTrials = new Float64Array(room);
    fitScores = new Float64Array(room);
  }
  const count = stepTrials(f0, step, fitTrials);
  const scores = fitScores;
  scores.fill(0, 0, count);
  if (count === 0) return f0;
  const df = an.ses.dfHz;
  const kMax = an.peakRatio.length - 2;
  for (const h of hs) {
    // A harmonic with no weak peak anywhere in its slip window scores nothing.
    const cFirst = h * fitTrials[0]!;
    const cLast = h * fitTrials[count - 1]!;
    const p = firstWeakPeakFrom(an, Math.max(1, Math.ceil((cFirst - lineHalfWidth(an, cFirst)) / df)));
    if (
      p >= an.weakCount ||
      an.weakPeaks[p]! > Math.min(kMax, Math.floor((cLast + lineHalfWidth(an, cLast)) / df))
    )
      continue;
    scoreHarmonic(an, h, p, fitTrials, count, scores, claim);
  }
  return bestTrial(fitTrials, scores, count, f0);
}

/** The trial fundamentals f0·(1 − SLIP_BELOW), + step, … up to f0·(1 + SLIP_ABOVE) into `trials`; how many. */
function stepTrials(f0: number, step: number, trials: Float64Array): number {
  let count = 0;
  for (let f = f0 * (1 - SLIP_BELOW); f <= f0 * (1 + SLIP_ABOVE); f += step) trials[count++] = f;
  return count;
}

/**
 * Adds to scores[s] the evidence of harmonic h at trial s: the best weak peak
 * (not claimed) in its line window, in dB over WEAK_LINE_DB. The window slides
 * up with the trial, so a pointer into the weak peaks (from index p) follows it.
 */
function scoreHarmonic(
  an: Analysed,
  h: number,
  p: number,
  trials: Float64Array,
  count: number,
  scores: Float64Array,
  claim: Uint8Array | null,
): void {
  const weakRatio = 10 ** (WEAK_LINE_DB / 20);
  const df = an.ses.dfHz;
  const kMax = an.peakRatio.length - 2;
  const peaks = an.weakPeaks;
  const n = an.weakCount;
  for (let s = 0; s < count; s++) {
    const c = h * trials[s]!;
    const hw = lineHalfWidth(an, c);
    const k0 = Math.max(1, Math.ceil((c - hw) / df));
    const k1 = Math.min(kMax, Math.floor((c + hw) / df));
    while (p < n && peaks[p]! < k0) p++;
    let best = 0;
    for (let q = p; q < n && peaks[q]! <= k1; q++) {
      const r = an.peakRatio[peaks[q]!]!;
      if (r > best && (claim === null || claim[peaks[q]!] === 0)) best = r;
    }
    if (best > 0) scores[s]! += db(best / weakRatio);
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

/** Interpolated frequency of a peak bin (parabola through it and its neighbours). */
function peakHz(ses: EnvelopeSpectrum, k: number): number {
  const a = ses.amplitude;
  const ym = a[k - 1]!;
  const y0 = a[k]!;
  const yp = a[k + 1]!;
  const den = ym - 2 * y0 + yp;
  const delta = den < 0 ? (0.5 * (ym - yp)) / den : 0;
  return (k + delta) * ses.dfHz;
}

const db = (ratio: number): number => (ratio > 0 ? 20 * Math.log10(ratio) : Number.NEGATIVE_INFINITY);

// --- families -------------------------------------------------------------------------------

interface FamilySpec {
  readonly fault: BearingFault;
  readonly kind: Kind;
  readonly fundamentalHz: number;
  readonly maxHarmonics: number;
  /** Sideband spacing that belongs to the family, Hz, and how many orders of it (null: none). */
  readonly sidebandHz: number | null;
  readonly sidebandOrders: number;
}

/** Half-width of the window a line at `hz` is read in once the fundamental is fitted. */
const lineHalfWidth = (an: Analysed, hz: number): number => Math.max(0.75 * an.res, 0.0015 * hz);

/** The harmonics of a family that lie in the readable range. */
function harmonicsOf(an: Analysed, spec: FamilySpec): number[] {
  const out: number[] = [];
  for (let h = 1; h <= spec.maxHarmonics; h++) {
    const e = h * spec.fundamentalHz;
    const hi = e * (1 + SLIP_ABOVE) + lineHalfWidth(an, e);
    if (hi > an.ses.maxHz) break;
    if (e * (1 - SLIP_BELOW) - lineHalfWidth(an, e) < an.lowHz) continue;
    out.push(h);
  }
  return out;
}

function readLine(
  an: Analysed,
  h: number,
  expectedHz: number,
  atHz: number,
  claim: Uint8Array | null,
): LineResult {
  const hw = lineHalfWidth(an, atHz);
  const k = bestPeak(an, atHz - hw, atHz + hw, claim);
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
  const ratio = an.peakRatio[k]!;
  return {
    harmonic: h,
    expectedHz,
    frequencyHz: peakHz(an.ses, k),
    amplitude: an.ses.amplitude[k]!,
    snrDb: db(ratio),
    found: ratio >= an.lineRatio,
    bin: k,
  };
}

/** Fits the family's fundamental within the slip window and reads its lines and sidebands. */
function scoreFamily(an: Analysed, spec: FamilySpec, claim: Uint8Array | null): FamilyScore {
  const hs = harmonicsOf(an, spec);
  const f0 = spec.fundamentalHz;
  const maxH = hs.length > 0 ? hs[hs.length - 1]! : 1;
  // Step so that the highest harmonic moves by a quarter of the resolution per step.
  const step = Math.max((0.25 * an.res) / maxH, 1e-6 * f0);
  const bestF = fitFundamental(an, hs, f0, step, claim);
  const lines = hs.map((h) => readLine(an, h, h * f0, h * bestF, claim));
  const foundLines = lines.filter((l) => l.found);
  // Refine the fundamental from the found lines' positions (least squares through the origin).
  let num = 0;
  let den = 0;
  for (const l of foundLines) {
    num += l.harmonic * l.frequencyHz;
    den += l.harmonic * l.harmonic;
  }
  const fundamentalHz = den > 0 ? num / den : bestF;

  let sidebands: FamilyScore["sidebands"] = null;
  if (spec.sidebandHz !== null && spec.sidebandHz >= 2 * an.res) {
    let found = 0;
    let searched = 0;
    const bins: number[] = [];
    for (const l of foundLines) {
      for (let m = 1; m <= spec.sidebandOrders; m++) {
        for (const sign of [-1, 1]) {
          const c = l.frequencyHz + sign * m * spec.sidebandHz;
          const hw = lineHalfWidth(an, c);
          if (c - hw < an.lowHz || c + hw > an.ses.maxHz) continue;
          const k = bestPeak(an, c - hw, c + hw, claim);
          const ok = k >= 0 && an.peakRatio[k]! >= an.sidebandRatio;
          if (ok) bins.push(k);
          // Only the first order counts as evidence; higher orders only mark what the family explains.
          if (m === 1) {
            searched++;
            if (ok) found++;
          }
        }
      }
    }
    sidebands = { spacingHz: spec.sidebandHz, found, searched, bins };
  }
  let score = 0;
  for (const l of foundLines) score += l.snrDb - db(an.lineRatio) + 3;
  if (sidebands !== null) score += sidebandScore(sidebands.found);
  const graded = grade(spec, lines, sidebands, score);
  return {
    fault: spec.fault,
    kind: spec.kind,
    expectedHz: f0,
    fundamentalHz,
    lines,
    found: foundLines.length,
    sidebands,
    score,
    ...graded,
  };
}

/**
 * Severity and confidence from the evidence (score: Σ of each found line's
 * SNR over the threshold + 3 dB, and the sidebands). A clear family — two
 * lines or more scoring MIN_ALARM_SCORE — is an alarm; two lines scoring
 * MIN_WARNING_SCORE, or one line ≥ 16 dB (an FTF line alone: ≥ 14 dB), a
 * warning. The series must include its fundamental. Inner race and rolling element lines whose sidebands
 * are resolvable but absent stay a warning. A cage alarm needs FTF ≥ 25 dB
 * and its second harmonic: cage modulation is common and mild.
 */
function grade(
  spec: FamilySpec,
  lines: readonly LineResult[],
  sidebands: FamilyScore["sidebands"],
  score: number,
): { severity: Severity | null; confidence: number } {
  const found = lines.filter((l) => l.found);
  const n = found.length;
  const isLead = (l: LineResult): boolean => l.harmonic === 1 || (spec.kind === "bsf" && l.harmonic === 2);
  const weak = lines.filter((l) => l.snrDb >= WEAK_LINE_DB);
  const strongest = found.reduce((m, l) => Math.max(m, l.snrDb), Number.NEGATIVE_INFINITY);
  let severity: Severity | null = null;
  // An impact train always has harmonics, so a lone line is weak evidence of a race or element
  // defect; a cage defect modulates sinusoidally at FTF, whose line may well stand alone.
  const loneLineDb = spec.fault === "bearing_cage" ? 12 : 16;
  // The series must start where it should: the fundamental (for an element, BSF or 2×BSF). Lines
  // higher up, where the slip window is wide and other families' lines are dense, do not make a
  // family on their own.
  if (found.some(isLead)) {
    if (n >= 2 && score >= MIN_ALARM_SCORE) severity = "alarm";
    else if ((n >= 2 && score >= MIN_WARNING_SCORE) || (n === 1 && strongest >= loneLineDb))
      severity = "warning";
  }
  // A slow shaft puts only a few impacts in a block: its lines are broad and weak but all there.
  if (severity === null && weak.length >= WEAK_SERIES_LINES && weak.some(isLead)) severity = "warning";
  const needsSidebands = spec.fault === "bearing_inner_race" || spec.fault === "bearing_rolling_element";
  if (
    severity === "alarm" &&
    needsSidebands &&
    sidebands !== null &&
    sidebands.searched > 0 &&
    sidebands.found === 0
  )
    severity = "warning";
  if (spec.fault === "bearing_cage" && severity === "alarm") {
    const ftf = found.find((l) => l.harmonic === 1);
    const second = found.find((l) => l.harmonic === 2);
    if (ftf === undefined || ftf.snrDb < 25 || second === undefined) severity = "warning";
  }
  const confidence = severity === null ? 0 : Math.min(1, Math.max(0, 1 - Math.exp(-score / 30)));
  return { severity, confidence };
}

/**
 * Two lines barely over the threshold happen in noise: the fit slides the fundamental over the slip
 * window, and each line gets several chances. A two-line warning needs their excess over the
 * threshold to add up (e.g. two lines at 14 dB, or 18 dB and 10 dB): in pure noise (300 spectra
 * of the unit test) that leaves under 1 % of spectra with a finding.
 */
const MIN_WARNING_SCORE = 14;
/**
 * A series of weak lines — WEAK_SERIES_LINES of them at ≥ WEAK_LINE_DB, the lead among them — is
 * a warning too: each would be a coin toss, all of them on the fitted harmonics are not.
 */
const WEAK_LINE_DB = 8;
const WEAK_SERIES_LINES = 5;
/** An alarm's evidence: twice a warning's (e.g. three lines at 16 dB, or two at 21 dB). */
const MIN_ALARM_SCORE = 28;

/** Sidebands support a family but, in a spectrum full of lines, are cheap: 2 dB each, four at most. */
const sidebandScore = (found: number): number => 2 * Math.min(4, found);

/** Bins a family explains: its found lines and the sidebands found around them. */
function explained(f: FamilyScore): number[] {
  const out: number[] = [];
  for (const l of f.lines) if (l.found) out.push(l.bin);
  if (f.sidebands !== null) out.push(...f.sidebands.bins);
  return out;
}

/**
 * Rank of a family among those found: its lines' evidence weighted by 1/h.
 * Families share lines (CWRU: 3×BPFO ≈ 2×BPFI; gearbox HSS here: 3×BSF ≈
 * BPFI), and a family with denser harmonics and free slip can always line
 * some of them up with another family's lines. A family's low harmonics are
 * its defining evidence — the chance that an unrelated line sits on the h-th
 * harmonic grows with h — so a shared line counts most for the family in
 * which it is the lowest harmonic.
 */
function rankScore(an: Analysed, f: FamilyScore): number {
  let score = 0;
  // A rolling element strikes both races once per spin: 2×BSF is as primary as BSF.
  const order = (h: number): number => (f.kind === "bsf" ? Math.max(1, h / 2) : h);
  for (const l of f.lines) if (l.found) score += (l.snrDb - db(an.lineRatio) + 3) / order(l.harmonic);
  if (f.sidebands !== null) score += sidebandScore(f.sidebands.found);
  return score;
}

export interface BearingScoring {
  readonly findings: Finding[];
  readonly markers: SpectrumMarker[];
  readonly families: readonly FamilyScore[];
}

/**
 * Scores BPFO, BPFI, BSF (its harmonics include 2×BSF) and FTF families in a
 * squared-envelope spectrum and names the faults: the strongest on its own
 * lines with its severity; another only as a warning, and only when it
 * reaches an alarm's evidence on lines the winner does not explain.
 */
export function scoreBearingFaults(
  ses: EnvelopeSpectrum,
  shaftHz: number,
  orders: DefectOrders,
  opts: BearingScoreOptions = {},
): BearingScoring {
  const ftfHz = orders.ftf * shaftHz;
  const families: FamilySpec[] = [
    {
      fault: "bearing_outer_race",
      kind: "bpfo",
      fundamentalHz: orders.bpfo * shaftHz,
      maxHarmonics: 8,
      sidebandHz: null,
      sidebandOrders: 0,
    },
    {
      fault: "bearing_inner_race",
      kind: "bpfi",
      fundamentalHz: orders.bpfi * shaftHz,
      maxHarmonics: 6,
      sidebandHz: shaftHz,
      sidebandOrders: 4,
    },
    {
      fault: "bearing_rolling_element",
      kind: "bsf",
      fundamentalHz: orders.bsf * shaftHz,
      maxHarmonics: 10,
      sidebandHz: ftfHz,
      sidebandOrders: 2,
    },
    {
      fault: "bearing_cage",
      kind: "ftf",
      fundamentalHz: ftfHz,
      maxHarmonics: 4,
      sidebandHz: null,
      sidebandOrders: 0,
    },
  ];
  const an = analyse(
    ses,
    shaftHz,
    Math.max(10 * ses.resolutionHz, 0.25 * ftfHz),
    opts.lineSnrDb ?? DEFAULT_LINE_SNR_DB,
    opts.sidebandSnrDb ?? DEFAULT_SIDEBAND_SNR_DB,
    readLimitHz(families, orders.bsf * shaftHz, ses),
  );
  const scored = families.map((f) => scoreFamily(an, f, null));
  const races = scored.filter((s) => s.fault !== "bearing_cage");
  // Rank on own lines; the cage only when no race or element family is found at all.
  const impacts = opts.bandKurtosis === undefined || opts.bandKurtosis >= MIN_FINDING_KURTOSIS;
  const ranked = races
    .filter((s) => s.severity !== null && impacts)
    .map((s) => ({ s, own: rankScore(an, s) }))
    .sort((a, b) => b.own - a.own);
  if (process.env.DEBUG_BEARING) console.log(ranked.map((r) => `${r.s.kind}:${r.own.toFixed(1)}`).join(" "));
  const cage = scored.find((s) => s.fault === "bearing_cage")!;
  const findings: Finding[] = [];
  const markers: SpectrumMarker[] = [];
  for (const s of scored) for (const l of s.lines) markers.push(marker(s.kind, l.harmonic, l.expectedHz));
  const smeared = ranked.length === 0 && impacts ? smearedElement(an, orders.bsf * shaftHz) : null;
  // The cage competes only with race and element warnings (FTF combs come with their alarms), and
  // not with an element whose lines carry FTF sidebands: the cage's turn modulates its impacts, which
  // puts FTF itself in the envelope too (Randall & Antoni 2011 §2.1).
  const cageCompetes =
    cage.severity !== null &&
    smeared === null &&
    !ranked.some(
      (r) =>
        r.s.severity === "alarm" ||
        (r.s.fault === "bearing_rolling_element" && r.s.sidebands !== null && r.s.sidebands.found > 0),
    );
  const cageRank = cageCompetes ? rankScore(an, cage) : Number.NEGATIVE_INFINITY;
  const winner =
    ranked[0] !== undefined && ranked[0].own >= cageRank ? ranked[0].s : cageCompetes ? cage : undefined;
  const impulsive = opts.bandKurtosis === undefined || opts.bandKurtosis >= MIN_ALARM_KURTOSIS;
  if (smeared !== null) findings.push(smeared.finding(opts));
  if (winner !== undefined) {
    // The kurtosis cap is for impacts; a cage defect modulates without them.
    findings.push(finding(winner, impulsive || winner === cage ? winner.severity! : "warning", opts));
    // What the winner explains is claimed; a runner-up must stand on the rest.
    const claim = scratch(ses.amplitude.length).claim;
    claim.fill(0);
    const tol = 0.75 * an.res;
    for (const b of explained(winner)) fillMask(claim, ses, b * ses.dfHz - tol, b * ses.dfHz + tol, 1);
    for (const { s } of ranked) {
      if (s === winner) continue;
      const spec = families.find((f) => f.fault === s.fault)!;
      const independent = scoreFamily(an, spec, claim);
      // Independently strong: an alarm's evidence on its own lines, and at least half the winner's.
      if (independent.severity === "alarm" && independent.score >= 0.5 * winner.score)
        findings.push(finding(independent, "warning", opts));
    }
    if (winner.sidebands !== null)
      for (const b of winner.sidebands.bins)
        markers.push({
          label: `${winner.kind.toUpperCase()} ± ${winner.fault === "bearing_inner_race" ? "1×" : "FTF"}`,
          kind: "sideband",
          harmonic: 1,
          frequency_hz: round(b * ses.dfHz, 3),
          spectrum: "envelope",
        });
  }
  return { findings, markers, families: scored };
}

/**
 * Highest frequency the scoring reads a peak's rating at: a family's top
 * harmonic at the top of its slip window, its line window and the outermost
 * sideband's window beyond it (with a margin of a few bins for the fit's steps
 * and the peaks' interpolated positions); the smeared-element humps around
 * 2×BSF read amplitudes only.
 */
function readLimitHz(families: readonly FamilySpec[], bsfHz: number, ses: EnvelopeSpectrum): number {
  const margin = 4 * ses.resolutionHz + 4 * ses.dfHz;
  let top = 2.5 * bsfHz * (1 + SLIP_ABOVE) + margin;
  for (const f of families) {
    const e = f.maxHarmonics * f.fundamentalHz * (1 + SLIP_ABOVE);
    const line = e + Math.max(0.75 * ses.resolutionHz, 0.0015 * e);
    const sidebands = f.sidebandHz === null ? 0 : f.sidebandOrders * f.sidebandHz;
    top = Math.max(top, 1.01 * (line + sidebands) + margin);
  }
  return top;
}

/** Mean of the amplitude² over [lowHz, highHz], shaft-harmonic bins left out; and the bins used. */
function meanPower(an: Analysed, lowHz: number, highHz: number): { mean: number; bins: number } {
  const a = an.ses.amplitude;
  const k0 = Math.max(1, Math.ceil(lowHz / an.ses.dfHz));
  const k1 = Math.min(a.length - 1, Math.floor(highHz / an.ses.dfHz));
  let sum = 0;
  let n = 0;
  for (let k = k0; k <= k1; k++) {
    if (an.shaftMask[k] !== 0) continue;
    sum += a[k]! * a[k]!;
    n++;
  }
  return { mean: n > 0 ? sum / n : 0, bins: n };
}

/** Median of the amplitude² over [lowHz, highHz] without [exLowHz, exHighHz] and shaft-harmonic bins. */
function medianPower(an: Analysed, lowHz: number, highHz: number, exLowHz: number, exHighHz: number): number {
  const a = an.ses.amplitude;
  const s = scratch(a.length);
  const k0 = Math.max(1, Math.ceil(Math.max(lowHz, an.lowHz) / an.ses.dfHz));
  const k1 = Math.min(a.length - 1, Math.floor(highHz / an.ses.dfHz));
  if (s.block.length < k1 - k0 + 1) s.block = new Float64Array(2 * (k1 - k0 + 1));
  let n = 0;
  for (let k = k0; k <= k1; k++) {
    const hz = k * an.ses.dfHz;
    if (an.shaftMask[k] !== 0 || (hz >= exLowHz && hz <= exHighHz)) continue;
    s.block[n++] = a[k]! * a[k]!;
  }
  return n > 0 ? quickselect(s.block, n, n >> 1) : Number.POSITIVE_INFINITY;
}

/** Humps a smeared element needs over their surroundings, dB: 2×BSF and BSF. */
const SMEARED_2BSF_DB = 6;
const SMEARED_BSF_DB = 3;

/**
 * A rolling element slips more than the races (it rolls in and out of the
 * load zone and spins on its own axis — Randall & Antoni 2011 §2.1), so its
 * lines can smear into humps a line detector misses (Smith & Randall 2015
 * grade such records "not classic"). When no family's lines are found, the
 * power in the slip window of BSF and 2×BSF is compared with the median
 * power around it; a hump at both is named as a rolling-element warning.
 * Mean over median of noise alone is 1.6 dB (exponential distribution), so
 * 6 dB is well clear of it over the tens of independent bins a window holds.
 */
function smearedElement(
  an: Analysed,
  bsfHz: number,
): { finding: (opts: BearingScoreOptions) => Finding } | null {
  if (2 * bsfHz * (1 + SLIP_ABOVE) + 0.5 * bsfHz > an.ses.maxHz || bsfHz * (1 - 2 * SLIP_BELOW) < an.lowHz)
    return null;
  const excess = (h: number): { db: number; mean: number } => {
    const lo = h * bsfHz * (1 - 1.5 * SLIP_BELOW);
    const hi = h * bsfHz * (1 + SLIP_ABOVE);
    const m = meanPower(an, lo, hi);
    const bg = medianPower(an, h * bsfHz - 0.5 * bsfHz, h * bsfHz + 0.5 * bsfHz, lo, hi);
    if (m.bins < 8) return { db: Number.NEGATIVE_INFINITY, mean: 0 };
    return { db: 10 * Math.log10(m.mean / bg), mean: m.mean };
  };
  const one = excess(1);
  const two = excess(2);
  if (!(two.db >= SMEARED_2BSF_DB && one.db >= SMEARED_BSF_DB)) return null;
  return {
    finding: (opts) => ({
      fault: "bearing_rolling_element",
      severity: "warning",
      confidence: round(Math.min(1, Math.max(0, 1 - Math.exp(-(two.db + one.db - 9) / 10))), 3),
      evidence: {
        spectrum: "envelope",
        frequency_hz: round(2 * bsfHz, 3),
        expected_hz: round(2 * bsfHz, 3),
        amplitude: Number((Math.sqrt(two.mean) * (opts.amplitudeScale ?? 1)).toPrecision(4)),
        amplitude_unit: opts.amplitudeUnit ?? "",
        snr_db: round(two.db, 1),
        harmonics: 0,
        harmonics_searched: 2,
        ...(opts.bandHz === undefined
          ? {}
          : { band_hz: [round(opts.bandHz[0], 1), round(opts.bandHz[1], 1)] as const }),
        detail: { smeared: "humps at BSF and 2×BSF, no discrete lines", bsf_hump_db: round(one.db, 1) },
      },
    }),
  };
}

function marker(kind: Kind, harmonic: number, hz: number): SpectrumMarker {
  const name = kind.toUpperCase();
  return {
    label: harmonic === 1 ? name : `${harmonic}×${name}`,
    kind,
    harmonic,
    frequency_hz: round(hz, 3),
    spectrum: "envelope",
  };
}

function finding(s: FamilyScore, severity: Severity, opts: BearingScoreOptions): Finding {
  const scale = opts.amplitudeScale ?? 1;
  // The fundamental when it is found, else the strongest line (a weak series may have none found).
  const fundamental = s.lines.find((l) => l.harmonic === 1 && l.found);
  const at = fundamental ?? [...s.lines].sort((a, b) => b.snrDb - a.snrDb)[0]!;
  return {
    fault: s.fault,
    severity,
    confidence: round(s.confidence, 3),
    evidence: {
      spectrum: "envelope",
      frequency_hz: round(s.fundamentalHz, 3),
      expected_hz: round(s.expectedHz, 3),
      amplitude: Number((at.amplitude * scale).toPrecision(4)),
      amplitude_unit: opts.amplitudeUnit ?? "",
      snr_db: round(at.snrDb, 1),
      harmonics: s.found,
      harmonics_searched: s.lines.length,
      ...(s.sidebands === null
        ? {}
        : { sidebands: { spacing_hz: round(s.sidebands.spacingHz, 3), found: s.sidebands.found } }),
      ...(opts.bandHz === undefined
        ? {}
        : { band_hz: [round(opts.bandHz[0], 1), round(opts.bandHz[1], 1)] as const }),
      detail: { line_harmonic: at.harmonic, line_hz: round(at.frequencyHz, 3), score: round(s.score, 1) },
    },
  };
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
