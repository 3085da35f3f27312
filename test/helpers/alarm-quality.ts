// A simulated-clock run of the alarm system through the real parts
// (embedded store, metadata SQLite, evaluator, alarm book with its filter,
// the health figures): half an hour of blocks every 5 s, evaluated every
// 5 s, with an operator who acknowledges every alarm 20 s after it
// annunciates. Used by central/maintenance/alarm-quality.test.ts (the goals of
// issue 16) and bench/alarms.bench.ts (the figures in BENCHMARKS.md).
//
// - T01: velocity RMS hovering at the ISO 10816-21 C/D boundary of a rotor
//   bearing (3.2 mm/s) with 4 % noise and a slow drift, as the demo's T02;
// - T02: hovering at the B/C boundary (2.0 mm/s) likewise;
// - T03: zone B, a true rise to zone D at 10 min, a true return to zone A at
//   20 min;
// - T04: zone C (acknowledged), a true rise to zone D at 15 min;
// - T05: an edge diagnosis whose severity flips warning ↔ alarm every 30 s.
import type { CentralConfig } from "../../central/config.ts";
import type { AlarmEvent } from "../../central/maintenance/alarm-book.ts";
import { type AlarmHealth, alarmHealth } from "../../central/maintenance/alarm-health.ts";
import type { Point } from "../../common/wire.ts";
import { openAlarmParts } from "./alarm-parts.ts";
import { windFarmFleet } from "./central-fixture.ts";

export const S = 1000;
export const MIN = 60 * S;
export const T0 = Date.parse("2026-11-02T08:00:00Z");
export const RUN_MS = 30 * MIN;
export const STEP_MS = 5 * S;
export const STARTUP_MS = 5 * MIN;
const ACK_AFTER_MS = 20 * S;
/** Rotor bearing, velocity 10–1000 Hz: ISO 10816-21:2015 Table A.1 boundaries B/C and C/D, mm/s. */
const BC = 2.0;
const CD = 3.2;
const zoneOf = (v: number) => (v >= CD ? 4 : v >= BC ? 3 : v >= BC / 1.6 ? 2 : 1);

/** Deterministic standard normal noise (LCG + Box–Muller), one stream per turbine. */
function gaussian(seed: number): () => number {
  let s = seed;
  const uniform = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return (s + 1) / 2_147_483_649;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

export const T03_RISE = 10 * MIN;
export const T03_RETURN = 20 * MIN;
export const T04_RISE = 15 * MIN;

export interface RunResult {
  events: AlarmEvent[];
  health: AlarmHealth;
  /** The same figures from the end of start-up on. */
  steady: AlarmHealth;
  config: CentralConfig;
}

export async function simulate(filter: boolean): Promise<RunResult> {
  let now = T0;
  const { config, meta, store, book, evaluator, close } = await openAlarmParts(
    {
      ...windFarmFleet("sc-a", ["T01", "T02", "T03", "T04", "T05"]),
      // The defaults are what is judged; without the filter, every delay and the deadband are 0.
      alarms: {
        evaluateEveryMs: 0,
        ...(filter ? {} : { onDelayMs: 0, offDelayMs: 0, deadbandPct: 0 }),
      },
    },
    () => now,
  );
  const noise = [gaussian(11), gaussian(23)];
  const velocity = (asset: string, t: number): number => {
    const drift = Math.sin((2 * Math.PI * t) / (7 * MIN));
    switch (asset) {
      case "T01":
        return CD * (1 + 0.04 * noise[0]!() + 0.02 * drift);
      case "T02":
        return BC * (1 + 0.04 * noise[1]!() + 0.02 * drift);
      case "T03":
        return t < T03_RISE ? 1.5 : t < T03_RETURN ? 4.0 : 0.8;
      case "T04":
        return t < T04_RISE ? 2.6 : 3.8;
      default:
        return 1.0;
    }
  };
  try {
    const lastAnnounced = new Map<string, number>();
    for (let t = 0; t <= RUN_MS; t += STEP_MS) {
      now = T0 + t;
      const points: Point[] = ["T01", "T02", "T03", "T04", "T05"].map((asset) => {
        const v = velocity(asset, t);
        return {
          measurement: "vibration",
          tags: { site: "wf1", asset, point: "main_bearing" },
          fields: { v_rms_mm_s: v, iso_zone: zoneOf(v) },
          ts: now,
        };
      });
      // T05: the edge's diagnosis changes severity every 30 s (a point on every change).
      if (t % (30 * S) === 0)
        points.push({
          measurement: "diagnosis",
          tags: { site: "wf1", asset: "T05", point: "gearbox_hss", fault: "bearing_inner_race" },
          fields: {
            severity: (t / (30 * S)) % 2 === 0 ? 2 : 1,
            active: 1,
            confidence: 0.8,
            raised_at_ms: T0,
          },
          ts: now,
        });
      const written = await store.write(points);
      if (written.kind !== "success") throw new Error(written.message);
      const r = await evaluator.evaluate();
      if (r.kind !== "success") throw new Error(r.message);
      // The operator: every alarm active for 20 s since its last annunciation is acknowledged.
      for (const e of await book.events({ afterId: 0, limit: 100_000 }))
        if (e.kind === "raised" || e.kind === "reactivated") lastAnnounced.set(e.alarm, Date.parse(e.at));
      for (const a of (await book.list({ states: ["active"] })).alarms)
        if (now - (lastAnnounced.get(a.id) ?? now) >= ACK_AFTER_MS)
          await book.acknowledge(a.id, "operator", null);
    }
    return {
      events: await book.events({ afterId: 0, limit: 100_000 }),
      health: await alarmHealth(meta.db, { fromMs: T0, toMs: T0 + RUN_MS + 1, nowMs: now }),
      steady: await alarmHealth(meta.db, { fromMs: T0 + STARTUP_MS, toMs: T0 + RUN_MS + 1, nowMs: now }),
      config,
    };
  } finally {
    await close();
  }
}

/** Most alarm state events (raised, severity, cleared) of an asset in any 10 minutes after start-up. */
export const maxPer10MinAfterStartup = (events: readonly AlarmEvent[], asset: string): number => {
  const times = events
    .filter((e) => e.asset === asset && ["raised", "severity", "cleared"].includes(e.kind))
    .map((e) => Date.parse(e.at))
    .filter((t) => t >= T0 + STARTUP_MS);
  return Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + 10 * MIN).length));
};
