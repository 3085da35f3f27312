// Central judges the alarm deadband against the zone boundaries of
// common/iso-zones.ts; the edge rates each block with its own table
// (edge-agent/diagnostics/zones.ts). They must not drift apart, and each row's
// field must carry the RMS of that row's band.
import { describe, expect, it } from "vitest";
import { ISO_10816_21_BOUNDARIES, zoneBoundaryRatio } from "../common/iso-zones.ts";
import { ComponentClasses } from "../common/names.ts";
import { DEFAULT_ZONE_TABLE } from "../edge-agent/diagnostics/zones.ts";
import { ACCELERATION_BANDS, velocityBand } from "../edge-agent/dsp/features.ts";

describe("ISO 10816-21 boundaries at central", () => {
  it("equal the edge's default zone table, row by row, and name the field of each row's band", () => {
    for (const component of ComponentClasses) {
      const edge = DEFAULT_ZONE_TABLE[component].map((r) => [r.quantity, [...r.bandHz], r.bc, r.cd]);
      const central = ISO_10816_21_BOUNDARIES[component].map((r) => [r.quantity, [...r.bandHz], r.bc, r.cd]);
      expect(central, component).toEqual(edge);
      for (const row of ISO_10816_21_BOUNDARIES[component]) {
        const band = row.field === "v_rms_mm_s" ? velocityBand(component) : ACCELERATION_BANDS[component];
        expect([band.lowHz, band.highHz], `${component} ${row.field}`).toEqual([...row.bandHz]);
      }
    }
  });

  it("rates a block by its worst row", () => {
    // Gearbox: velocity 4.2 mm/s is 1.2 × B/C (3.5), acceleration 6 m/s² is 0.8 × B/C (7.5).
    const r = zoneBoundaryRatio({ v_rms_mm_s: 4.2, a_rms_m_s2: 6 }, "gearbox")!;
    expect(r.warning).toBeCloseTo(1.2, 12);
    expect(r.alarm).toBeCloseTo(4.2 / 5.6, 12);
    expect(zoneBoundaryRatio({ kurtosis: 3 }, "gearbox")).toBeNull();
  });
});
