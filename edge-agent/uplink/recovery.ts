// Noticing that central is back. A failed send backs off exponentially with
// full jitter (uplink.ts `backoffMs`, capped at `central.backoffMaxMs`); left
// alone, the wait after a long outage is whatever the last draw was — up to
// the cap — after central has already returned. So the wait probes
// `GET /readyz` (cheap, no body, no batch re-sent): once at once, to tell a
// central that is gone from one that refused, then every `readyProbeMs`
// while central answers at all (e.g. 503 while its store is down: it will
// be back soon), doubling up to `readyProbeMaxMs` while it cannot be
// reached. A probe that says ready after one that said otherwise ends the
// wait — after a random pause of up to one probe period, so agents that all
// saw central return do not send at the same instant (Brooker, "Exponential
// Backoff And Jitter", AWS Architecture Blog 2015). A `ready` never preceded
// by a failed probe does not cut the wait short: central is up and refused
// this batch for a reason of its own (e.g. 429), which the back-off and any
// Retry-After stand for.
//
// Recovery is then noticed within about `readyProbeMaxMs` (5 s by default)
// of central answering again, whatever the outage's length; the backlog then
// drains at `central.catchUpPointsPerS`.

export type ProbeResult = "ready" | "answering" | "unreachable";

export interface RecoveryOptions {
  /** Probe period while central answers, ms. */
  readonly readyProbeMs: number;
  /** Probe period cap while central cannot be reached, ms. */
  readonly readyProbeMaxMs: number;
}

export interface RecoveryDeps {
  now(): number;
  /** Sleeps; may end early when the loop stops. */
  sleep(ms: number): Promise<void>;
  probe(): Promise<ProbeResult>;
  random(): number;
  stopped(): boolean;
}

export interface RecoveryOutcome {
  /** Central was seen to come back before the back-off ended. */
  readonly cutShort: boolean;
  readonly waitedMs: number;
  readonly probes: number;
}

/**
 * Waits `waitMs` after a failed send (never less than `floorMs`, a
 * Retry-After), probing readiness as described above; returns when the send
 * should be tried again.
 */
export async function waitForRecovery(
  waitMs: number,
  floorMs: number,
  o: RecoveryOptions,
  d: RecoveryDeps,
): Promise<RecoveryOutcome> {
  const start = d.now();
  const end = start + Math.max(waitMs, floorMs);
  const notBefore = start + floorMs;
  let interval = o.readyProbeMs;
  let seenDown = false;
  let probes = 0;
  // What the failed send met: down (probe again soon), or a central that is up and refused.
  const first = await d.probe();
  probes++;
  if (first !== "ready") {
    seenDown = true;
    interval = o.readyProbeMs;
  }
  for (;;) {
    if (d.stopped()) return { cutShort: false, waitedMs: d.now() - start, probes };
    const now = d.now();
    if (now >= end) return { cutShort: false, waitedMs: now - start, probes };
    const next = Math.min(end, now + interval);
    await d.sleep(next - now);
    if (d.stopped() || d.now() >= end) continue;
    probes++;
    const r = await d.probe();
    if (r === "ready") {
      if (!seenDown) continue;
      // Back: a little jitter, and never before Retry-After.
      const jitter = d.random() * o.readyProbeMs;
      const at = Math.max(d.now() + jitter, notBefore);
      if (at < end) await d.sleep(at - d.now());
      return { cutShort: true, waitedMs: d.now() - start, probes };
    }
    seenDown = true;
    interval = r === "answering" ? o.readyProbeMs : Math.min(interval * 2, o.readyProbeMaxMs);
  }
}

/** `GET <central>/readyz`: 200 ready, another status answering, no answer unreachable. */
export function createReadyProbe(url: string, timeoutMs: number): () => Promise<ProbeResult> {
  const endpoint = new URL("/readyz", url).href;
  return async () => {
    try {
      const res = await fetch(endpoint, { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      return res.status === 200 ? "ready" : "answering";
    } catch {
      return "unreachable";
    }
  };
}
