// Requests per client address in fixed windows, for the public grid routes
// (anyone may call them, so one address must not be able to monopolise the
// check). Memory is bounded: at most `maxTracked` addresses are remembered.
export interface RateLimit {
  max: number;
  timeWindowMs: number;
}

export function createRateLimiter(limit: RateLimit, now: () => number = Date.now, maxTracked = 10_000) {
  const seen = new Map<string, { count: number; since: number }>();
  return {
    /** Counts one request; 0 when allowed, else milliseconds until the window ends. */
    take(key: string): number {
      const t = now();
      let e = seen.get(key);
      if (e && t - e.since >= limit.timeWindowMs) {
        seen.delete(key);
        e = undefined;
      }
      if (!e) {
        if (seen.size >= maxTracked) {
          for (const [k, v] of seen) if (t - v.since >= limit.timeWindowMs) seen.delete(k);
          if (seen.size >= maxTracked) seen.delete(seen.keys().next().value as string);
        }
        e = { count: 0, since: t };
        seen.set(key, e);
      }
      e.count++;
      return e.count > limit.max ? Math.max(1, limit.timeWindowMs - (t - e.since)) : 0;
    },
  };
}
