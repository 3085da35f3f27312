// N-1 headroom, hand-worked. cos φ = 0.9 throughout.
import { describe, expect, it } from "vitest";
import { connectionPoint } from "../../test/helpers/connection-point.ts";
import { firmCapacityMw, headroom, headroomLevel } from "./headroom.ts";

describe("N-1 firm capacity", () => {
  it("is the sum without the largest transformer, times cos φ", () => {
    // 2 × 40 MVA: one left → 40 × 0.9 = 36 MW.
    expect(firmCapacityMw([40, 40], 0.9)).toBeCloseTo(36, 9);
    // 25 + 40 + 40 MVA: without one 40 → 65 × 0.9 = 58.5 MW.
    expect(firmCapacityMw([25, 40, 40], 0.9)).toBeCloseTo(58.5, 9);
    // Unequal pair: the larger (63) is the one lost → 40 × 0.9 = 36 MW.
    expect(firmCapacityMw([63, 40], 0.9)).toBeCloseTo(36, 9);
  });

  it("is zero for a single transformer and unknown without ratings", () => {
    expect(firmCapacityMw([16], 0.9)).toBe(0);
    expect(firmCapacityMw([], 0.9)).toBeNull();
  });
});

describe("headroom", () => {
  it("for demand: firm − peak load − contracted demand", () => {
    // 36 − 20 − 5 = 11 MW.
    const h = headroom(connectionPoint(), "demand", 0.9);
    expect(h.mw).toBeCloseTo(11, 9);
    expect(h.source).toBe("n-1");
  });

  it("for generation: firm − connected − queue, so the queue is counted", () => {
    // 36 − 10 − 6 = 20 MW; without the 6 MW queue it would be 26 MW.
    expect(headroom(connectionPoint(), "generation", 0.9).mw).toBeCloseTo(20, 9);
    expect(headroom(connectionPoint({ generation_queue_mw: 0 }), "generation", 0.9).mw).toBeCloseTo(26, 9);
  });

  it("goes negative when over-subscribed", () => {
    // 36 − 30 − 12 = −6 MW.
    expect(
      headroom(connectionPoint({ generation_connected_mw: 30, generation_queue_mw: 12 }), "generation", 0.9)
        .mw,
    ).toBeCloseTo(-6, 9);
  });

  it("takes the operator's figure over ours, per kind", () => {
    const p = connectionPoint({ available_generation_mw: 3, available_demand_mw: 40 });
    expect(headroom(p, "generation", 0.9)).toMatchObject({ mw: 3, source: "operator" });
    expect(headroom(p, "demand", 0.9)).toMatchObject({ mw: 40, source: "operator" });
    // Only the generation figure given: demand is still ours (11 MW).
    const q = connectionPoint({ available_generation_mw: 3 });
    expect(headroom(q, "demand", 0.9).mw).toBeCloseTo(11, 9);
  });

  it("is unknown without transformer data (and no operator figure)", () => {
    const h = headroom(connectionPoint({ transformer_mva: [], peak_load_mw: null }), "generation", 0.9);
    expect(h).toEqual({ mw: null, source: "unknown", firm_mw: null });
    expect(headroomLevel(h)).toBe("unknown");
  });

  it("levels: open, limited (below 5 MW or 20 % of firm), closed", () => {
    expect(headroomLevel({ mw: 11, source: "n-1", firm_mw: 36 })).toBe("open");
    expect(headroomLevel({ mw: 4, source: "n-1", firm_mw: 36 })).toBe("limited");
    // Small point: firm 7.2 MW, 20 % = 1.44 MW.
    expect(headroomLevel({ mw: 1.5, source: "n-1", firm_mw: 7.2 })).toBe("open");
    expect(headroomLevel({ mw: 1.0, source: "n-1", firm_mw: 7.2 })).toBe("limited");
    expect(headroomLevel({ mw: 0, source: "n-1", firm_mw: 36 })).toBe("closed");
    expect(headroomLevel({ mw: -3, source: "operator", firm_mw: null })).toBe("closed");
  });
});
