// A squared-envelope spectrum prepared for reading bearing families: its
// noise floor, each local maximum rated against it, the shaft's harmonics
// marked, and the list of peaks strong enough for a family fit to score.
import type { EnvelopeSpectrum } from "../dsp/envelope.ts";
import { amplitudeDb, floorAt, isLocalMaximum, type NoiseFloor, noiseFloor } from "../dsp/spectral-peaks.ts";
import { perSize } from "../dsp/workspace.ts";

/**
 * A peak at least this far over the floor can score in a family fit, dB: one such peak alone is a
 * coin toss, a series of them on the fitted harmonics is not (see bearing-grade.ts).
 */
export const WEAK_LINE_DB = 8;

/** The envelope spectrum with its local background and what the shaft explains. */
export interface RatedSpectrum {
  readonly ses: EnvelopeSpectrum;
  /** Amplitude / noise floor at local maxima, 0 elsewhere. */
  readonly peakRatio: Float64Array;
  /** 1 where a shaft harmonic owns the bin. */
  readonly shaftMask: Uint8Array;
  /**
   * The bins, ascending, of the peaks at least WEAK_LINE_DB over the floor and not on a shaft
   * harmonic (`weakPeaks[0…weakCount−1]`): the only bins the fit of a fundamental can score, so it
   * looks them up instead of scanning every window bin by bin.
   */
  readonly weakPeaks: Int32Array;
  readonly weakCount: number;
  readonly floor: NoiseFloor;
  /** Frequency resolution, Hz. */
  readonly res: number;
  /** Lowest frequency a line is read at (above the mean's leakage), Hz. */
  readonly lowHz: number;
  /** Shaft speed the spectrum was rated for, Hz. */
  readonly shaftHz: number;
  readonly slot: ViewSlot;
}

interface Scratch {
  readonly peakRatio: Float64Array;
  readonly mask: Uint8Array;
  readonly claim: Uint8Array;
  readonly weakPeaks: Int32Array;
  levels: Float64Array;
  readonly quantile: { values: Float64Array };
}
/** Workspaces per spectrum size and view slot (key 2·size + slot), so two views can be read side by side. */
const scratchByKey = perSize((key): Scratch => {
  const n = key >> 1;
  return {
    peakRatio: new Float64Array(n),
    mask: new Uint8Array(n),
    claim: new Uint8Array(n),
    weakPeaks: new Int32Array(n),
    levels: new Float64Array(64),
    quantile: { values: new Float64Array(256) },
  };
});
const scratchOf = (n: number, slot: ViewSlot): Scratch => scratchByKey(2 * n + slot);

/** Which of the two rating workspaces of a size a view uses. */
export type ViewSlot = 0 | 1;

/**
 * The claim mask of a spectrum's size (bins a winning family explains), cleared. One per size:
 * valid until the next call for a spectrum of the same size.
 */
export function claimMask(rs: RatedSpectrum): Uint8Array {
  const c = scratchOf(rs.ses.amplitude.length, rs.slot).claim;
  c.fill(0);
  return c;
}

export interface RateOptions {
  /** Shaft speed, Hz. */
  readonly shaftHz: number;
  /**
   * Relative uncertainty of the shaft harmonics' positions (speed estimate and its wander within
   * the block): each harmonic masks ± this much of its frequency, at least ¾ of a resolution bin.
   */
  readonly shaftUncertainty: number;
  /** Width of the blocks the floor is measured in, Hz. */
  readonly floorBlockHz: number;
  /** Highest frequency a peak is rated at, Hz (the top of what the families read). */
  readonly readHz: number;
  /** Workspace slot (default 0). */
  readonly slot?: ViewSlot;
}

/**
 * Rates a squared-envelope spectrum (a view: one demodulation band). The
 * arrays are workspaces per spectrum size: a second view of the same size
 * must be rated after the first is read.
 */
export function rateSpectrum(ses: EnvelopeSpectrum, opts: RateOptions): RatedSpectrum {
  const a = ses.amplitude;
  const top = Math.min(a.length - 2, Math.floor(ses.maxHz / ses.dfHz));
  const res = ses.resolutionHz;
  const lowHz = 2.5 * res; // the removed mean leaks through the Hann main lobe (±2 bins of resolution)
  const k0 = Math.max(1, Math.ceil(lowHz / ses.dfHz));
  const slot = opts.slot ?? 0;
  const s = scratchOf(a.length, slot);
  const blockBins = Math.max(8, Math.round(opts.floorBlockHz / ses.dfHz));
  const blocks = Math.max(1, Math.ceil((top - k0 + 1) / blockBins));
  const readTop = Math.min(top, Math.ceil(opts.readHz / ses.dfHz));
  // The blocks a peak up to readTop interpolates between: its own and the next. The blocks are laid
  // out over the whole valid range all the same, so a peak's rating does not depend on how far up
  // it is read.
  const usedBlocks = Math.min(blocks, Math.max(0, Math.floor((readTop - k0) / blockBins)) + 2);
  if (s.levels.length < blocks) s.levels = new Float64Array(2 * blocks);
  const floor = noiseFloor(a, k0, top, blockBins, usedBlocks, s.levels, s.quantile);
  const mask = s.mask;
  mask.fill(0);
  // Shaft harmonics in the envelope come from many sources (looseness, rubs, electrical);
  // a bearing line on one is not evidence.
  if (opts.shaftHz >= 2 * res)
    maskShaftHarmonics(mask, ses, opts.shaftHz, opts.shaftUncertainty, readTop * ses.dfHz);
  s.peakRatio.fill(0);
  const weakCount = ratePeaks(a, k0, readTop, floor, s);
  return {
    ses,
    peakRatio: s.peakRatio,
    shaftMask: mask,
    weakPeaks: s.weakPeaks,
    weakCount,
    floor,
    res,
    lowHz,
    shaftHz: opts.shaftHz,
    slot,
  };
}

/** Marks the bins around every harmonic of the shaft up to `topHz` (what is read). */
function maskShaftHarmonics(
  mask: Uint8Array,
  ses: EnvelopeSpectrum,
  shaftHz: number,
  u: number,
  topHz: number,
): void {
  for (let m = 1; m * shaftHz <= topHz + shaftHz; m++) {
    const c = m * shaftHz;
    const hw = Math.max(0.75 * ses.resolutionHz, u * c);
    fillMask(mask, ses, c - hw, c + hw, 1);
  }
}

// The loop of ratePeaks ends its own function, with nothing after it but the return of a local
// (see envelope.ts: V8's on-stack replacement otherwise leaves the code after a long loop in its
// baseline tier).

/**
 * Rates the local maxima of a[k0…readTop] against the floor into s.peakRatio,
 * and lists those at least WEAK_LINE_DB over it and off the shaft's harmonics
 * in s.weakPeaks; returns how many it listed.
 */
function ratePeaks(a: Float64Array, k0: number, readTop: number, floor: NoiseFloor, s: Scratch): number {
  const { peakRatio, mask, weakPeaks } = s;
  const weakRatio = 10 ** (WEAK_LINE_DB / 20);
  let weakCount = 0;
  for (let k = k0; k <= readTop; k++) {
    if (!isLocalMaximum(a, k)) continue;
    const bg = floorAt(floor, k);
    const r = bg > 0 ? a[k]! / bg : 0;
    peakRatio[k] = r;
    if (r >= weakRatio && mask[k] === 0) weakPeaks[weakCount++] = k;
  }
  return weakCount;
}

/** Sets mask[k] = v for the bins of [lowHz, highHz]. */
export function fillMask(
  mask: Uint8Array,
  ses: EnvelopeSpectrum,
  lowHz: number,
  highHz: number,
  v: number,
): void {
  const k0 = Math.max(0, Math.ceil(lowHz / ses.dfHz));
  const k1 = Math.min(mask.length - 1, Math.floor(highHz / ses.dfHz));
  for (let k = k0; k <= k1; k++) mask[k] = v;
}

/** Best rated peak in [lowHz, highHz] off the shaft's harmonics and not in `claim`; −1 when none. */
export function bestPeak(rs: RatedSpectrum, lowHz: number, highHz: number, claim: Uint8Array | null): number {
  const k0 = Math.max(1, Math.ceil(lowHz / rs.ses.dfHz));
  const k1 = Math.min(rs.peakRatio.length - 2, Math.floor(highHz / rs.ses.dfHz));
  let best = -1;
  let bestRatio = 0;
  for (let k = k0; k <= k1; k++) {
    const r = rs.peakRatio[k]!;
    if (r > bestRatio && rs.shaftMask[k] === 0 && (claim === null || claim[k] === 0)) {
      best = k;
      bestRatio = r;
    }
  }
  return best;
}

/** Index of the first weak peak at or above bin k (weakCount when none). */
export function firstWeakPeakFrom(rs: RatedSpectrum, k: number): number {
  const peaks = rs.weakPeaks;
  let lo = 0;
  let hi = rs.weakCount;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (peaks[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A peak's rating in dB over the floor. */
export const peakDb = (rs: RatedSpectrum, k: number): number => amplitudeDb(rs.peakRatio[k]!);
