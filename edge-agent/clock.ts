// Clock-step detection. Timestamps are taken at the edge from the wall
// clock, which NTP (or an operator) may step; the monotonic clock
// (performance.now, CLOCK_MONOTONIC) never steps. When the two disagree by
// more than a threshold since the last check, the wall clock jumped: the
// agent flags it (log, `clock_jumps` and `clock_step_s` in its health
// points) instead of silently writing a stretch of data into the future or
// over the past.
import { performance } from "node:perf_hooks";

/** Drift between checks below this is rate slew (NTP adjtime), not a step, ms. */
export const CLOCK_STEP_THRESHOLD_MS = 2000;

export interface ClockMonitor {
  /** The wall-clock step since the last call, ms (positive = forward), or 0. */
  check(): number;
}

export function createClockMonitor(
  opts: { wall?: () => number; monotonic?: () => number; thresholdMs?: number } = {},
): ClockMonitor {
  const wall = opts.wall ?? Date.now;
  const monotonic = opts.monotonic ?? (() => performance.now());
  const threshold = opts.thresholdMs ?? CLOCK_STEP_THRESHOLD_MS;
  let lastWall = wall();
  let lastMono = monotonic();
  return {
    check() {
      const w = wall();
      const m = monotonic();
      const step = w - lastWall - (m - lastMono);
      lastWall = w;
      lastMono = m;
      return Math.abs(step) > threshold ? Math.round(step) : 0;
    },
  };
}
