// The time waveform of a block for the snapshot: the detrended acceleration
// in g, peak-held to at most WAVEFORM_MAX_GROUPS groups (each the lowest and
// the highest sample of its stretch), so impacts survive the decimation — a
// plain every-k-th sample would drop the very spikes an analyst looks for.
import { STANDARD_GRAVITY_M_S2 } from "../../common/names.ts";
import type { WaveformTrace } from "./types.ts";

/** Groups of a snapshot's waveform: 2 × 2048 values, a screen's width of detail. */
export const WAVEFORM_MAX_GROUPS = 2048;

/** `x[0…n−1]` (m/s²) at `sampleRateHz` as min/max per group, in g. Copies: `x` may be a workspace. */
export function waveformTrace(x: Float64Array, n: number, sampleRateHz: number): WaveformTrace {
  const per = Math.max(1, Math.ceil(n / WAVEFORM_MAX_GROUPS));
  const groups = Math.ceil(n / per);
  const min = new Float64Array(groups);
  const max = new Float64Array(groups);
  fillGroups(x, n, per, min, max);
  return { unit: "g", dt_s: per / sampleRateHz, min, max };
}

function fillGroups(x: Float64Array, n: number, per: number, min: Float64Array, max: Float64Array): void {
  const g = STANDARD_GRAVITY_M_S2;
  for (let i = 0, k = 0; i < n; i += per, k++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    const end = Math.min(n, i + per);
    for (let j = i; j < end; j++) {
      const v = x[j]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    min[k] = lo / g;
    max[k] = hi / g;
  }
}
