// History from the thermal model agrees with the live simulator it stands
// for, and its coarser integration step changes nothing that matters.
import { describe, expect, it } from "vitest";
import { buildingHistory } from "./history.ts";
import { start } from "./index.ts";
import { DEMO_REALISM, type RealismOptions } from "./realism.ts";

const HOUR_MS = 3_600_000;
const realism: RealismOptions = {
  ...DEMO_REALISM,
  seed: 77,
  closures: [{ from: "2026-01-01", to: "2026-01-08" }],
};
/** At night 16 °C, by day 21 °C (local UTC+3): a setback the thermal model must follow. */
const setback = (ms: number) => {
  const h = new Date(ms + 3 * HOUR_MS).getUTCHours();
  return h >= 6 && h < 18 ? 21 : 16;
};

describe("buildingHistory", () => {
  it("in 5-minute thermal steps stays within 0.1 % a year (2 % an hour) of 1-minute steps", () => {
    for (const kind of ["school", "hospital"] as const) {
      const args = {
        kind,
        from: new Date(Date.UTC(2025, 0, 1)),
        to: new Date(Date.UTC(2026, 0, 1)),
        seed: 5,
        heatingSetpointAt: setback,
        realism,
      };
      const coarse = buildingHistory(args);
      const fine = buildingHistory({ ...args, thermalStepMs: 60_000 });
      expect(coarse).toHaveLength(8760);
      const total = (rows: typeof fine) => rows.reduce((s, r) => s + r.kwh, 0);
      expect(Math.abs(total(coarse) - total(fine)) / total(fine)).toBeLessThan(0.001);
      for (let i = 0; i < fine.length; i++)
        expect(Math.abs(coarse[i]!.kwh - fine[i]!.kwh) / fine[i]!.kwh).toBeLessThan(0.02);
    }
  }, 120_000);

  it("with every realism level at zero and no closures is the plain model, to the bit", () => {
    const args = {
      kind: "clinic" as const,
      from: new Date(Date.UTC(2026, 1, 2)),
      to: new Date(Date.UTC(2026, 1, 9)),
      seed: 9,
    };
    const zero: RealismOptions = {
      seed: 1,
      hourlyNoise: 0,
      baseDrift: 0,
      occupancySpread: 0,
      irregularDayRate: 0,
      weatherAnomalyK: 0,
      closures: [],
    };
    expect(buildingHistory({ ...args, realism: zero })).toEqual(buildingHistory(args));
    // …and the demo's levels do change it.
    expect(buildingHistory({ ...args, realism })).not.toEqual(buildingHistory(args));
  });

  it("counterfactual: the same building without the setpoints and the measure", () => {
    const args = {
      kind: "school" as const,
      from: new Date(Date.UTC(2026, 0, 12)),
      to: new Date(Date.UTC(2026, 0, 19)),
      seed: 3,
      realism,
    };
    const plain = buildingHistory(args);
    const measure = { from: new Date(Date.UTC(2026, 0, 15)), savingFraction: 0.1 };
    const both = buildingHistory({ ...args, heatingSetpointAt: setback, measure, counterfactual: true });
    for (let i = 0; i < plain.length; i++) expect(both[i]!.counterfactual_kwh).toBeCloseTo(plain[i]!.kwh, 9);
    const saved = both.reduce((s, r) => s + r.counterfactual_kwh! - r.kwh, 0);
    expect(saved).toBeGreaterThan(0);
    // Twelve hours at 16 °C cool the rooms most of the way (τ = 40 h, the controller holds the floor).
    expect(Math.min(...both.map((r) => r.indoor_c))).toBeLessThan(18);
  });
});

describe("live simulator and history", () => {
  it("meter the same hourly energy with the demo's realism (a school across a closure and a weekend)", async () => {
    const t0 = Date.UTC(2026, 0, 6, 21); // Wednesday 7 January 00:00 local, in the closure
    let now = t0;
    const sim = await start({
      assetId: "S9",
      kind: "school",
      seed: 4,
      control: true,
      realism,
      clock: () => now,
      updateMs: 3_600_000,
    });
    try {
      const hours = 96;
      const rows = buildingHistory({
        kind: "school",
        from: new Date(t0),
        to: new Date(t0 + hours * HOUR_MS),
        seed: 4,
        realism,
      });
      let before = sim.truth().energyKwh;
      let liveTotal = 0;
      let historyTotal = 0;
      for (let h = 0; h < hours; h++) {
        now = t0 + (h + 1) * HOUR_MS;
        const after = sim.truth().energyKwh;
        const live = after - before;
        before = after;
        liveTotal += live;
        historyTotal += rows[h]!.kwh;
        // Held 1-minute values against 5-minute midpoints: a few per cent in an hour of ramps.
        expect(Math.abs(live - rows[h]!.kwh) / rows[h]!.kwh, `hour ${h}`).toBeLessThan(0.03);
      }
      expect(Math.abs(liveTotal - historyTotal) / historyTotal).toBeLessThan(0.005);
    } finally {
      await sim.stop();
    }
  }, 60_000);
});
