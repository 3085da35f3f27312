// The shaft speed read off the block's own spectrum. A speed from a
// tachometer, a SCADA tag or a name plate may be off by a few per cent (an
// induction motor's slip changes with load: the CWRU rig's nominal speeds
// differ from the measured ones, and the MFPT rig's "25 Hz" shaft turns at
// 24.8 Hz), and every bearing defect frequency is a multiple of it. Every
// rotor carries some residual unbalance (ISO 21940-11), so 1× stands as a
// line in the acceleration spectrum; its position within ±`tolerance` of
// the stated speed, confirmed by a line at 2× or 3× where 1× puts it, gives
// the speed to a fraction of a resolution bin.

import { selectKth } from "./order-statistics.ts";
import type { PowerSpectrum } from "./welch.ts";

export interface ShaftSpeedEstimate {
  /** Shaft speed, Hz: refined when `refined`, else the stated one. */
  readonly hz: number;
  readonly refined: boolean;
  /** The 1× line over the median power around it, dB (−∞ when not looked for). */
  readonly lineDb: number;
}

export interface ShaftSpeedOptions {
  /** Relative error of the stated speed searched (default 0.03: ±2 % of error and a margin). */
  readonly tolerance?: number;
  /** 1× must stand this far over the median power of its neighbourhood, dB (default 10). */
  readonly lineDb?: number;
  /** 2× or 3× must stand this far over theirs where 1× puts them, dB (default 6). */
  readonly harmonicDb?: number;
}

/**
 * The shaft speed within ±tolerance of `statedHz`, from the 1× line of a
 * power spectrum (Hann-windowed), or the stated speed when there is no clear
 * 1× confirmed by 2× or 3× (too slow a shaft for the resolution, or no line).
 */
export function refineShaftSpeed(
  ps: PowerSpectrum,
  statedHz: number,
  opts: ShaftSpeedOptions = {},
): ShaftSpeedEstimate {
  const tolerance = opts.tolerance ?? 0.03;
  const none = { hz: statedHz, refined: false, lineDb: Number.NEGATIVE_INFINITY };
  const df = ps.dfHz;
  const p = ps.power;
  // 1× must stand clear of the lowest bins (the mean's and the window's leakage), 3× within the
  // spectrum; the search window spans at least 1.5 bins on each side.
  if (!(statedHz > 0) || statedHz < 8 * df || 3.2 * statedHz >= (p.length - 2) * df) return none;
  const halfHz = Math.max(tolerance * statedHz, 1.5 * df);
  const one = strongestLine(p, df, statedHz - halfHz, statedHz + halfHz);
  if (one === null) return none;
  const lineDb = lineOverMedian(p, one.bin, Math.ceil((2 * halfHz) / df));
  if (lineDb < (opts.lineDb ?? 10)) return { ...none, lineDb };
  const hz = one.hz;
  const confirmed = [2, 3].some((h) => {
    const line = strongestLine(p, df, h * hz - 1.5 * df, h * hz + 1.5 * df);
    return (
      line !== null && lineOverMedian(p, line.bin, Math.ceil((2 * h * halfHz) / df)) >= (opts.harmonicDb ?? 6)
    );
  });
  return confirmed ? { hz, refined: true, lineDb } : { ...none, lineDb };
}

/** The largest bin in [lowHz, highHz] and its frequency by the parabola through log power; null when empty. */
function strongestLine(
  p: Float64Array,
  df: number,
  lowHz: number,
  highHz: number,
): { bin: number; hz: number } | null {
  const k0 = Math.max(1, Math.ceil(lowHz / df));
  const k1 = Math.min(p.length - 2, Math.floor(highHz / df));
  if (k1 < k0) return null;
  let best = k0;
  for (let k = k0 + 1; k <= k1; k++) if (p[k]! > p[best]!) best = k;
  if (!(p[best]! > 0)) return null;
  // Gaussian interpolation (the parabola through the logarithms): a Hann main lobe is close to a Gaussian.
  const ym = Math.log(Math.max(p[best - 1]!, Number.MIN_VALUE));
  const y0 = Math.log(p[best]!);
  const yp = Math.log(Math.max(p[best + 1]!, Number.MIN_VALUE));
  const den = ym - 2 * y0 + yp;
  const delta = den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (ym - yp)) / den)) : 0;
  return { bin: best, hz: (best + delta) * df };
}

/** Power of bin k over the median power of the `half` bins (at least 8) on each side of it, its main lobe left out, dB. */
function lineOverMedian(p: Float64Array, k: number, half: number): number {
  const h = Math.max(half, 8);
  const around = new Float64Array(2 * h);
  let n = 0;
  for (let j = Math.max(1, k - h); j <= Math.min(p.length - 1, k + h); j++)
    if (Math.abs(j - k) > 2) around[n++] = p[j]!;
  if (n === 0) return Number.NEGATIVE_INFINITY;
  const median = selectKth(around, n >> 1, 0, n);
  return median > 0 ? 10 * Math.log10(p[k]! / median) : Number.POSITIVE_INFINITY;
}
