// Voltage class, cost and ranking, hand-worked. Distances: geokdbush's
// great circle on a sphere of R = 6371 km, so 0.1° of latitude is
// 6371 × π/180 × 0.1 = 11.11949 km.

import { Value } from "@sinclair/typebox/value";
import { distance } from "geokdbush";
import { describe, expect, it } from "vitest";
import { connectionPoint } from "../../test/helpers/connection-point.ts";
import { classIndexForMw, connectionCostRub, evaluatePoint, GridIndex, rankOptions } from "./check.ts";
import { DEFAULT_VOLTAGE_CLASSES, type GridConfig, GridConfigSchema } from "./config.ts";
import type { ConnectionPoint, GridSet } from "./model.ts";

const KM_PER_0_1_DEG = 11.11949;

/** The table of the issue, written out here so the expectations below do not depend on the defaults. */
const config: GridConfig = {
  ...(Value.Default(GridConfigSchema, {}) as GridConfig),
  powerFactor: 0.9,
  routeFactor: 1.2,
  voltageClasses: [
    {
      label: "0.4 kV",
      max_mw: 0.15,
      min_kv: 0.22,
      max_kv: 1,
      max_line_km: 0.5,
      line_rub_per_km: 1.5e6,
      bay_rub: 0.3e6,
      transformer_rub_per_mva: 4e6,
    },
    {
      label: "6–10 kV",
      max_mw: 10,
      min_kv: 3,
      max_kv: 20,
      max_line_km: 15,
      line_rub_per_km: 2.5e6,
      bay_rub: 3e6,
      transformer_rub_per_mva: 4e6,
    },
    {
      label: "35 kV",
      max_mw: 50,
      min_kv: 27,
      max_kv: 35,
      max_line_km: 40,
      line_rub_per_km: 6e6,
      bay_rub: 15e6,
      transformer_rub_per_mva: 3.5e6,
    },
    {
      label: "110 kV",
      max_mw: 200,
      min_kv: 110,
      max_kv: 154,
      max_line_km: 100,
      line_rub_per_km: 12e6,
      bay_rub: 50e6,
      transformer_rub_per_mva: 3e6,
    },
    {
      label: "220 kV+",
      min_kv: 220,
      max_kv: 1150,
      max_line_km: 250,
      line_rub_per_km: 20e6,
      bay_rub: 120e6,
      transformer_rub_per_mva: 2.5e6,
    },
  ],
};

/** The hand-worked point, 0.1° north of the site, with nothing queued. */
const point = (over: Partial<ConnectionPoint> = {}): ConnectionPoint =>
  connectionPoint({ lat: 42.1, generation_queue_mw: 0, ...over });

const site = { lat: 42, lon: 47, mw: 25, kind: "generation" as const };

describe("voltage class for a size", () => {
  it("follows the table: ≤ 0.15 MW 0.4 kV, ≤ 10 MW 6–10 kV, ≤ 50 MW 35 kV, ≤ 200 MW 110 kV, above 220 kV+", () => {
    const label = (mw: number) => config.voltageClasses[classIndexForMw(mw, config.voltageClasses)]!.label;
    expect(label(0.1)).toBe("0.4 kV");
    expect(label(0.15)).toBe("0.4 kV");
    expect(label(0.16)).toBe("6–10 kV");
    expect(label(10)).toBe("6–10 kV");
    expect(label(25)).toBe("35 kV");
    expect(label(50)).toBe("35 kV");
    expect(label(150)).toBe("110 kV");
    expect(label(200)).toBe("110 kV");
    expect(label(300)).toBe("220 kV+");
  });

  it("the defaults are the same table", () => {
    expect(DEFAULT_VOLTAGE_CLASSES.map((c) => [c.label, c.max_mw])).toEqual([
      ["0.4 kV", 0.15],
      ["6–10 kV", 10],
      ["35 kV", 50],
      ["110 kV", 200],
      ["220 kV+", undefined],
    ]);
  });
});

describe("one option", () => {
  it("available: 25 MW, 0.1° away, at the 35 kV bus — distance, line, headroom and cost by hand", () => {
    const o = evaluatePoint(point(), site, config);
    expect(o.distance_km).toBeCloseTo(KM_PER_0_1_DEG, 4);
    // Line 11.11949 × 1.2 = 13.34339 km.
    expect(o.line_km).toBeCloseTo(13.34339, 4);
    expect(o.voltage_kv).toBe(35);
    expect(o.voltage_class).toBe("35 kV");
    // Firm 36 MW − 10 connected − 0 queue = 26 MW; after 25 MW: 1 MW.
    expect(o.headroom_mw).toBeCloseTo(26, 9);
    expect(o.headroom_after_mw).toBeCloseTo(1, 9);
    expect(o.status).toBe("available");
    // 13.34339 km × 6 M + 15 M bay = 95.06034 M RUB.
    expect(o.cost_rub! / 1e6).toBeCloseTo(95.06034, 3);
    expect(o.reasons.map((r) => r.code)).toEqual(["headroom_ok"]);
    expect(o.reasons[0]!.ru).toContain("26,0 МВт");
    expect(o.reasons[0]!.en).toContain("26.0 MW");
  });

  it("counts the queue: 6 MW queued leaves 20 MW, so 25 MW needs reinforcement of 5 MW ÷ 0.9", () => {
    const o = evaluatePoint(point({ generation_queue_mw: 6, reinforcement_year: 2027 }), site, config);
    expect(o.headroom_mw).toBeCloseTo(20, 9);
    expect(o.status).toBe("needs_reinforcement");
    // 5 / 0.9 = 5.5556 MVA × 3.5 M = 19.4444 M; total 95.06034 + 19.44444 = 114.50478 M.
    expect(o.cost_breakdown!.reinforcement_rub / 1e6).toBeCloseTo(19.44444, 3);
    expect(o.cost_rub! / 1e6).toBeCloseTo(114.50478, 3);
    expect(o.reasons.map((r) => r.code)).toEqual(["headroom_short", "reinforcement_planned"]);
    expect(o.reasons[1]!.en).toBe("reinforcement planned for 2027");
  });

  it("lets the operator's figure win over N-1", () => {
    const o = evaluatePoint(point({ generation_queue_mw: 6, available_generation_mw: 30 }), site, config);
    expect(o.headroom_mw).toBe(30);
    expect(o.headroom_source).toBe("operator");
    expect(o.status).toBe("available");
  });

  it("connects at a higher voltage when the needed bus is missing, at that class's cost", () => {
    const o = evaluatePoint(point({ voltages_kv: [110, 10] }), site, config);
    expect(o.voltage_kv).toBe(110);
    // 13.34339 × 12 M + 50 M = 210.12068 M.
    expect(o.cost_rub! / 1e6).toBeCloseTo(210.12068, 3);
    expect(o.reasons.map((r) => r.code)).toContain("higher_voltage");
  });

  it("is unavailable when the voltage is too low, too far, or capacity unknown — each with its reason", () => {
    const low = evaluatePoint(point({ voltages_kv: [10, 0.4] }), site, config);
    expect(low.status).toBe("unavailable");
    expect(low.reasons.map((r) => r.code)).toEqual(["voltage_too_low"]);
    expect(low.reasons[0]!.en).toBe("highest voltage 10 kV is too low: 25.0 MW needs the 35 kV class");
    // 0.4°: 44.478 km × 1.2 = 53.37 km > 40 km practical at 35 kV.
    const far = evaluatePoint(point({ lat: 42.4 }), site, config);
    expect(far.status).toBe("unavailable");
    expect(far.reasons.map((r) => r.code)).toContain("too_far");
    const unknown = evaluatePoint(point({ transformer_mva: [], peak_load_mw: null }), site, config);
    expect(unknown.status).toBe("unavailable");
    expect(unknown.headroom_mw).toBeNull();
    expect(unknown.reasons.map((r) => r.code)).toEqual(["capacity_unknown"]);
  });

  it("for demand uses the demand headroom: 36 − 20 − 5 = 11 MW", () => {
    const o = evaluatePoint(point(), { ...site, mw: 8, kind: "demand" }, config);
    expect(o.headroom_mw).toBeCloseTo(11, 9);
    expect(o.voltage_kv).toBe(10);
    expect(o.status).toBe("available");
  });
});

describe("cost and ranking", () => {
  it("cost grows with distance within a class", () => {
    const costs = [0.01, 0.05, 0.1, 0.2, 0.3].map(
      (d) => evaluatePoint(point({ lat: 42 + d }), site, config).cost_rub!,
    );
    for (let i = 1; i < costs.length; i++) expect(costs[i]!).toBeGreaterThan(costs[i - 1]!);
    const cls = config.voltageClasses[2]!;
    expect(connectionCostRub(cls, 10, 0).total).toBe(10 * 6e6 + 15e6);
  });

  it("ranks feasible options by cost and the unavailable ones last, by distance", () => {
    const near = evaluatePoint(point({ id: "near", lat: 42.05 }), site, config);
    const far = evaluatePoint(point({ id: "far", lat: 42.2 }), site, config);
    const nearest = evaluatePoint(point({ id: "low", lat: 42.01, voltages_kv: [10] }), site, config);
    const unknown = evaluatePoint(
      point({ id: "unknown", lat: 42.02, transformer_mva: [], peak_load_mw: null }),
      site,
      config,
    );
    const short = evaluatePoint(
      point({ id: "short", lat: 42.06, generation_connected_mw: 30 }),
      site,
      config,
    );
    const ranked = rankOptions([far, nearest, unknown, short, near]).map((o) => o.connection_point_id);
    // near 5.56 km: 6.67 × 6 M + 15 M = 55.0 M; short 6.67 km: 63.0 M + (25 − 6) / 0.9 = 21.1 MVA × 3.5 M = 136.9 M;
    // far 22.24 km: 26.69 × 6 M + 15 M = 175.1 M.
    expect(ranked).toEqual(["near", "short", "far", "low", "unknown"]);
  });

  it("the spatial index finds what a full scan finds", () => {
    // 2,000 points on a 0.02° grid with every third lacking a 35 kV bus.
    const points: ConnectionPoint[] = [];
    for (let i = 0; i < 2000; i++) {
      points.push(
        point({
          id: `p${i}`,
          lat: 41.5 + Math.floor(i / 40) * 0.02,
          lon: 46.6 + (i % 40) * 0.02,
          voltages_kv: i % 3 === 0 ? [10] : [35, 10],
        }),
      );
    }
    const set: GridSet = { points, lines: [], illustrative: false, source: "test", imported_at: "" };
    const index = new GridIndex(set, config.voltageClasses);
    const request = { lat: 42.013, lon: 46.987, mw: 25, kind: "generation" as const };
    const got = index.check(request, config, 5).map((o) => o.connection_point_id);
    // A full scan: the five nearest points with a 35 kV bus, by distance (same headroom everywhere, so cost follows distance).
    const scan = points
      .filter((p) => p.voltages_kv.includes(35))
      .map((p) => ({ id: p.id, d: distance(request.lon, request.lat, p.lon, p.lat) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, 5)
      .map((x) => x.id);
    expect(got).toEqual(scan);
  });
});
