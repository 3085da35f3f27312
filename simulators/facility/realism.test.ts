// The irregularities are what they say, at the levels asked, and refuse
// levels that make no sense.
import { describe, expect, it } from "vitest";
import { occupancy } from "./model.ts";
import { DEMO_REALISM, Realism, type RealismOptions } from "./realism.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const opts = (o: Partial<RealismOptions> = {}): RealismOptions => ({
  ...DEMO_REALISM,
  seed: 3,
  closures: [],
  ...o,
});

describe("Realism", () => {
  it("hourly variation has mean 1 and the standard deviation asked", () => {
    const r = new Realism("clinic", opts({ hourlyNoise: 0.05 }));
    const xs = Array.from({ length: 20_000 }, (_, h) => r.loadFactor(Date.UTC(2025, 0, 1) + h * HOUR_MS));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean - 1)).toBeLessThan(0.002);
    expect(sd).toBeGreaterThan(0.045);
    expect(sd).toBeLessThan(0.055);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(1 - 3 * 0.05);
  });

  it("a closure is occupied as a Sunday; an open day keeps the timetable within its spread", () => {
    const school = new Realism(
      "school",
      opts({ closures: [{ from: "2026-03-23", to: "2026-03-31" }], irregularDayRate: 0 }),
    );
    const hospital = new Realism(
      "hospital",
      opts({ closures: [{ from: "2026-03-23", to: "2026-03-31" }], irregularDayRate: 0 }),
    );
    const tuesdayNoon = new Date(Date.UTC(2026, 2, 24, 9)); // 12:00 local, in the closure
    const sundayNoon = new Date(Date.UTC(2026, 2, 22, 9));
    expect(school.occupancy(tuesdayNoon)).toBe(0);
    expect(hospital.occupancy(tuesdayNoon)).toBeCloseTo(occupancy("hospital", sundayNoon), 12);
    const openNoon = new Date(Date.UTC(2026, 3, 7, 9));
    const o = school.occupancy(openNoon);
    expect(o).toBeGreaterThanOrEqual(1 - DEMO_REALISM.occupancySpread);
    expect(o).toBeLessThanOrEqual(1);
  });

  it("irregular days come at the rate asked", () => {
    const r = new Realism("clinic", opts({ irregularDayRate: 0.05, occupancySpread: 0 }));
    let irregular = 0;
    const days = 4000;
    for (let d = 0; d < days; d++) {
      // 12:00 local on consecutive days; a weekday's noon is fully occupied unless the day is irregular.
      const at = new Date(Date.UTC(2020, 0, 1, 9) + d * DAY_MS);
      const usual = occupancy("clinic", at);
      if (usual === 1 && r.occupancy(at) < 0.5) irregular++;
      else if (usual === 1) expect(r.occupancy(at)).toBe(1);
    }
    const weekdays = (days * 5) / 7;
    expect(irregular / weekdays).toBeGreaterThan(0.035);
    expect(irregular / weekdays).toBeLessThan(0.065);
  });

  it("refuses negative, infinite and not-a-number levels and a rate over 1", () => {
    for (const bad of [
      { hourlyNoise: -0.1 },
      { baseDrift: Number.NaN },
      { weatherAnomalyK: Number.POSITIVE_INFINITY },
      { irregularDayRate: 1.5 },
    ])
      expect(() => new Realism("school", opts(bad))).toThrow(/realism\./);
  });
});
