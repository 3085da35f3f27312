// The uplink's decisions after an outage of central, on a controllable
// clock: when does the first send after central's return go out? The
// retry cycle below is the uplink's own (backoffMs, waitForRecovery); only
// time and central's answers are simulated.
import { describe, expect, it } from "vitest";
import { type ProbeResult, type RecoveryOptions, waitForRecovery } from "./recovery.ts";
import { backoffMs, DEFAULT_BACKOFF_MAX_MS } from "./uplink.ts";

const OPTIONS: RecoveryOptions = { readyProbeMs: 1000, readyProbeMaxMs: 5000 };

/** A seeded uniform [0,1) (mulberry32). */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/**
 * Central is gone from 0 to `outageMs` (what a probe or a send meets then:
 * `during`), ready after. Returns when the first send after its return goes
 * out, and how many probes were made. `probing` false: the plain back-off.
 */
async function firstSendAfter(
  outageMs: number,
  o: { seed: number; probing: boolean; during?: ProbeResult; retryAfterMs?: number },
): Promise<{ sendAt: number; probes: number }> {
  let now = 0;
  const random = seeded(o.seed);
  const probe = async (): Promise<ProbeResult> => (now < outageMs ? (o.during ?? "unreachable") : "ready");
  let failures = 0;
  let probes = 0;
  for (;;) {
    if (now >= outageMs) return { sendAt: now, probes };
    // The send fails: back off.
    const floor = o.retryAfterMs ?? 0;
    const waitMs = backoffMs(failures++, floor, { baseMs: 500, maxMs: DEFAULT_BACKOFF_MAX_MS, random });
    if (!o.probing) {
      now += waitMs;
      continue;
    }
    const r = await waitForRecovery(waitMs, floor, OPTIONS, {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      probe,
      random,
      stopped: () => false,
    });
    probes += r.probes;
  }
}

describe("uplink recovery decisions (controllable clock)", () => {
  it("notices central's return within readyProbeMaxMs plus jitter, for outages from seconds to an hour", async () => {
    for (const outageMs of [10_000, 30_000, 61_000, 5 * 60_000, 59 * 60_000])
      for (let seed = 1; seed <= 20; seed++) {
        const { sendAt } = await firstSendAfter(outageMs, { seed, probing: true });
        expect(sendAt - outageMs, `outage ${outageMs} ms, seed ${seed}`).toBeLessThanOrEqual(
          OPTIONS.readyProbeMaxMs + OPTIONS.readyProbeMs,
        );
      }
  });

  it("the plain back-off it replaces leaves data stale for up to the cap after central is back", async () => {
    const late: number[] = [];
    for (let seed = 1; seed <= 20; seed++)
      late.push((await firstSendAfter(30_000, { seed, probing: false })).sendAt - 30_000);
    expect(Math.max(...late)).toBeGreaterThan(OPTIONS.readyProbeMaxMs + OPTIONS.readyProbeMs);
  });

  it("while central answers (503 from /readyz, store down) it probes every readyProbeMs", async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { sendAt } = await firstSendAfter(45_000, { seed, probing: true, during: "answering" });
      expect(sendAt - 45_000).toBeLessThanOrEqual(2 * OPTIONS.readyProbeMs);
    }
  });

  it("a ready central that refuses (429) is not hammered: the back-off and Retry-After stand", async () => {
    let now = 0;
    const r = await waitForRecovery(8000, 3000, OPTIONS, {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      probe: async () => "ready",
      random: () => 0.5,
      stopped: () => false,
    });
    expect(r.cutShort).toBe(false);
    expect(r.waitedMs).toBe(8000);
  });

  it("never sends before Retry-After, even when central is seen to return sooner", async () => {
    let now = 0;
    const r = await waitForRecovery(20_000, 10_000, OPTIONS, {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      probe: async () => (now < 3000 ? "answering" : "ready"),
      random: () => 0,
      stopped: () => false,
    });
    expect(r.cutShort).toBe(true);
    expect(r.waitedMs).toBe(10_000);
  });

  it("catch-up arithmetic: at catchUpPointsPerS ≥ 2 × the acquisition rate the backlog of an outage drains within the outage's length", () => {
    // The documented rule (config `central.catchUpPointsPerS`): backlog = rate × outage, drained at (ceiling − rate).
    for (const acquisition of [10, 500, 10_000]) {
      const ceiling = 2 * acquisition;
      for (const outageS of [10, 600, 3599]) {
        const drainS = (acquisition * outageS) / (ceiling - acquisition);
        expect(drainS).toBeLessThanOrEqual(outageS);
      }
    }
  });
});
