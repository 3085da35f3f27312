// Peaks of an amplitude spectrum against its local noise floor, in the
// manner of scipy.signal's find_peaks/peak_prominences: small functions on
// typed arrays that the diagnosis builds on (bearing families, sidebands,
// smeared humps).
//
// The floor is a low quantile of the amplitude in consecutive blocks,
// scaled to the median it equals for noise alone: the amplitude of a noise
// spectrum's bin is Rayleigh distributed, whose q-quantile is
// σ·√(−2 ln(1 − q)), so the median is the 30 % quantile × √(ln 2 / −ln 0.7).
// A median is spoilt once lines and their window lobes fill half of the
// bins — as they do at slow shafts, where the lines are a few resolution
// bins apart — a 30 % quantile only at 70 %.
import { quantileOf } from "./order-statistics.ts";

export const FLOOR_QUANTILE = 0.3;
/** Median over the FLOOR_QUANTILE quantile of Rayleigh-distributed amplitudes. */
export const FLOOR_TO_MEDIAN = Math.sqrt(Math.LN2 / -Math.log(1 - FLOOR_QUANTILE));

/** The noise floor of an amplitude spectrum: one level per block of `blockBins` bins from `first`. */
export interface NoiseFloor {
  readonly first: number;
  readonly blockBins: number;
  /** Level of each block (Rayleigh median), levels[0…blocks−1]; a reused workspace. */
  readonly levels: Float64Array;
  readonly blocks: number;
}

/**
 * Noise floor of a[first…last] in blocks of `blockBins` bins; only the first
 * `usedBlocks` blocks are measured (those a caller reads), the others are
 * left as they are in `levels`.
 */
export function noiseFloor(
  a: Float64Array,
  first: number,
  last: number,
  blockBins: number,
  usedBlocks: number,
  levels: Float64Array,
  scratch: { values: Float64Array },
): NoiseFloor {
  const blocks = Math.max(1, Math.ceil((last - first + 1) / blockBins));
  if (levels.length < blocks) throw new RangeError(`levels holds ${levels.length} blocks, ${blocks} needed`);
  blockLevels(a, first, last, blockBins, Math.min(blocks, usedBlocks), levels, scratch);
  return { first, blockBins, levels, blocks };
}

/** The floor of each of the first `used` blocks into levels (a loop that ends its function: see envelope.ts). */
function blockLevels(
  a: Float64Array,
  first: number,
  last: number,
  blockBins: number,
  used: number,
  levels: Float64Array,
  scratch: { values: Float64Array },
): void {
  for (let b = 0; b < used; b++) {
    const from = first + b * blockBins;
    const n = Math.min(last, from + blockBins - 1) - from + 1;
    levels[b] = n > 0 ? quantileOf(a, from, n, FLOOR_QUANTILE, scratch) * FLOOR_TO_MEDIAN : Number.NaN;
  }
}

/** The floor at bin k, interpolated linearly between block centres (held flat beyond the outer ones). */
export function floorAt(floor: NoiseFloor, k: number): number {
  const u = (k - floor.first - (floor.blockBins - 1) / 2) / floor.blockBins;
  const b0 = Math.max(0, Math.min(floor.blocks - 1, Math.floor(u)));
  const b1 = Math.min(floor.blocks - 1, b0 + 1);
  const t = Math.max(0, Math.min(1, u - b0));
  return floor.levels[b0]! * (1 - t) + floor.levels[b1]! * t;
}

/** Whether bin k is a local maximum (not below either neighbour). */
export const isLocalMaximum = (a: Float64Array, k: number): boolean =>
  a[k]! >= a[k - 1]! && a[k]! >= a[k + 1]!;

/**
 * Offset (−½…½ bin) of the true peak from bin k by the parabola through
 * a[k−1], a[k], a[k+1] (0 when they do not make a maximum).
 */
export function parabolicOffset(a: Float64Array, k: number): number {
  const ym = a[k - 1]!;
  const y0 = a[k]!;
  const yp = a[k + 1]!;
  const den = ym - 2 * y0 + yp;
  return den < 0 ? (0.5 * (ym - yp)) / den : 0;
}

/** Ratio to dB of amplitude (20·log10); −∞ for 0. */
export const amplitudeDb = (ratio: number): number =>
  ratio > 0 ? 20 * Math.log10(ratio) : Number.NEGATIVE_INFINITY;
