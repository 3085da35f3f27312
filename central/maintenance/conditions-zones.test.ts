// The zone deadband follows central's `zones` overrides end to end: an
// evaluator on a simulated clock, fed blocks rated by an edge whose C/D is
// overridden to 2.8 mm/s. Zone D falls back to C at 2.6 mm/s, inside 10 % of
// the overridden boundary (0.9 × 2.8 = 2.52): central configured with the
// same override holds the alarm there and lets it fall only below 2.52;
// central left on the default table (C/D 3.2) cannot judge the edge's zone
// against it (no boundary ratio) and lets the alarm fall at once.
import { describe, expect, it } from "vitest";
import type { Point } from "../../common/wire.ts";
import { openAlarmParts } from "../../test/helpers/alarm-parts.ts";
import { MAIN_BEARING_POINT, windFarmFleet } from "../../test/helpers/central-fixture.ts";

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);
const S = 1000;
const MIN = 60 * S;
const STEP_MS = 5 * S;
/** The rotor bearing's boundaries as the edge and (in one run) central have them: B/C default, C/D overridden. */
const BC = 2.0;
const CD = 2.8;
const OVERRIDE = {
  main_bearing: [{ quantity: "velocity" as const, bandHz: [10, 1000] as [number, number], cd: CD }],
};
/** 3.0 mm/s (zone D) for 3 min, 2.6 (zone C, within the deadband) for 5 min, then 2.4 (below it) for 5 min. */
const HOLD_UNTIL = 3 * MIN;
const BELOW_FROM = 8 * MIN;
const END = 13 * MIN;
const velocity = (t: number): number => (t < HOLD_UNTIL ? 3.0 : t < BELOW_FROM ? 2.6 : 2.4);
const edgeZone = (v: number): number => (v >= CD ? 4 : v >= BC ? 3 : 2);

async function run(zones: boolean): Promise<{ kind: string; to: string | null; atMs: number }[]> {
  let now = T0;
  const { store, book, evaluator, close } = await openAlarmParts(
    {
      ...windFarmFleet("sc", ["T01"], MAIN_BEARING_POINT),
      alarms: { evaluateEveryMs: 0, onDelayMs: MIN, offDelayMs: MIN, deadbandPct: 10 },
      ...(zones ? { zones: OVERRIDE } : {}),
    },
    () => now,
  );
  try {
    for (let t = 0; t <= END; t += STEP_MS) {
      now = T0 + t;
      const v = velocity(t);
      const block: Point = {
        measurement: "vibration",
        tags: { site: "wf1", asset: "T01", point: "main_bearing" },
        fields: { v_rms_mm_s: v, iso_zone: edgeZone(v) },
        ts: now,
      };
      expect((await store.write([block])).kind).toBe("success");
      const r = await evaluator.evaluate();
      if (r.kind !== "success") throw new Error(r.message);
    }
    return (await book.events({ afterId: 0, limit: 1000 }))
      .filter((e) => e.kind === "raised" || e.kind === "severity")
      .map((e) => ({ kind: e.kind, to: e.to ?? null, atMs: Date.parse(e.at) - T0 }));
  } finally {
    await close();
  }
}

describe("zone deadband with central's zones overrides", { timeout: 120_000 }, () => {
  it("holds zone D within 10 % of the overridden C/D, and lets it fall only below that", async () => {
    const events = await run(true);
    expect(events.map((e) => [e.kind, e.to])).toEqual([
      ["raised", "alarm"],
      ["severity", "warning"],
    ]);
    // Raised after the on-delay; fallen only once below 0.9 × 2.8, after the off-delay.
    expect(events[0]!.atMs).toBeGreaterThanOrEqual(MIN);
    expect(events[0]!.atMs).toBeLessThanOrEqual(MIN + STEP_MS);
    expect(events[1]!.atMs).toBeGreaterThanOrEqual(BELOW_FROM + MIN);
    expect(events[1]!.atMs).toBeLessThanOrEqual(BELOW_FROM + MIN + STEP_MS);
  });

  it("on the default table the edge's zone D has no ratio there, so it falls back at 2.6 mm/s already", async () => {
    const events = await run(false);
    expect(events.map((e) => [e.kind, e.to])).toEqual([
      ["raised", "alarm"],
      ["severity", "warning"],
    ]);
    expect(events[1]!.atMs).toBeGreaterThanOrEqual(HOLD_UNTIL + MIN);
    expect(events[1]!.atMs).toBeLessThan(BELOW_FROM);
  });
});
