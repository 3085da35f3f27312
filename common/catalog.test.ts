// The one rule central and the agent apply to every point and snapshot.
import { describe, expect, it } from "vitest";
import { buildCatalog, checkMeasuringPoint, checkPoint, indexCatalog } from "./catalog.ts";
import { Diagnoses, MeasurementFields, Measurements } from "./names.ts";
import type { WirePoint } from "./wire.ts";

const index = indexCatalog(
  buildCatalog("wf1", 7, [
    { id: "T01", kind: "turbine", points: [{ id: "main_bearing" }, { id: "generator_de" }] },
    { id: "T02", kind: "turbine", points: [] },
  ]),
);
const point = (over: Partial<WirePoint> & { tags?: Record<string, string> } = {}): WirePoint => ({
  measurement: "vibration",
  tags: { site: "wf1", asset: "T01", point: "main_bearing" },
  fields: { v_rms_mm_s: 1 },
  ts: 1_700_000_000_000,
  ...over,
});

describe("catalog", () => {
  it("carries every measurement's fields and every fault of common/names.ts", () => {
    const catalog = buildCatalog("wf1", 7, []);
    expect(Object.keys(catalog.measurements)).toEqual([...Measurements]);
    for (const m of Measurements) expect(catalog.measurements[m]).toEqual(Object.keys(MeasurementFields[m]));
    expect(catalog.faults).toEqual([...Diagnoses]);
  });

  it("accepts the points the configuration names", () => {
    expect(checkPoint(index, point())).toBeNull();
    expect(
      checkPoint(
        index,
        point({
          measurement: "diagnosis",
          tags: { site: "wf1", asset: "T01", point: "generator_de", fault: "imbalance" },
          fields: { severity: 2, confidence: 0.8, active: 1 },
        }),
      ),
    ).toBeNull();
    expect(
      checkPoint(
        index,
        point({ measurement: "scada", tags: { site: "wf1", asset: "T02" }, fields: { power_kw: 1 } }),
      ),
    ).toBeNull();
    // The gateway's own health: its asset tag is the site, or absent.
    const health = { measurement: "agent" as const, fields: { queue_depth: 0, clock_jumps: 0 } };
    expect(
      checkPoint(index, point({ ...health, tags: { site: "wf1", asset: "wf1", agent: "gw" } })),
    ).toBeNull();
    expect(checkPoint(index, point({ ...health, tags: { site: "wf1", agent: "gw" } }))).toBeNull();
  });

  const refused: [string, WirePoint, string, RegExp][] = [
    [
      "another site",
      point({ tags: { site: "wf2", asset: "T01", point: "main_bearing" } }),
      "UNKNOWN_ASSET",
      /^tags\.site/,
    ],
    [
      "a mistyped asset",
      point({ tags: { site: "wf1", asset: "TO1", point: "main_bearing" } }),
      "UNKNOWN_ASSET",
      /^tags\.asset: "TO1"/,
    ],
    [
      "no asset",
      point({ measurement: "scada", tags: { site: "wf1" }, fields: { power_kw: 1 } }),
      "UNKNOWN_ASSET",
      /^tags\.asset: required/,
    ],
    [
      "a point of another asset",
      point({ tags: { site: "wf1", asset: "T02", point: "main_bearing" } }),
      "UNKNOWN_POINT",
      /^tags\.point/,
    ],
    [
      "vibration without a point",
      point({ tags: { site: "wf1", asset: "T01" } }),
      "UNKNOWN_POINT",
      /required on vibration/,
    ],
    [
      "a point on the gateway",
      point({ measurement: "agent", tags: { site: "wf1", point: "x" }, fields: { lag_s: 0 } }),
      "UNKNOWN_POINT",
      /gateway/,
    ],
    [
      "an unknown tag key",
      point({ tags: { site: "wf1", asset: "T01", point: "main_bearing", rack: "3" } }),
      "UNKNOWN_TAG",
      /^tags\.rack/,
    ],
    [
      "an invented fault",
      point({
        measurement: "diagnosis",
        tags: { site: "wf1", asset: "T01", point: "main_bearing", fault: "gremlins" },
        fields: { severity: 1 },
      }),
      "UNKNOWN_FAULT",
      /"gremlins"/,
    ],
    [
      "a diagnosis without a fault",
      point({ measurement: "diagnosis", fields: { severity: 1 } }),
      "UNKNOWN_FAULT",
      /required/,
    ],
    [
      "a fault on features",
      point({ tags: { site: "wf1", asset: "T01", point: "main_bearing", fault: "imbalance" } }),
      "UNKNOWN_FAULT",
      /only diagnosis/,
    ],
    [
      "an invented field",
      point({ fields: { v_rms_mm_s: 1, humidity_pct: 40 } }),
      "UNKNOWN_FIELD",
      /^fields\.humidity_pct: not a field of vibration/,
    ],
    [
      "a field of another measurement",
      point({ measurement: "weather", tags: { site: "wf1", asset: "T02" }, fields: { power_kw: 1 } }),
      "UNKNOWN_FIELD",
      /not a field of weather/,
    ],
    // Inherited names of a plain object are not fields.
    [
      "a prototype's name",
      point({ fields: { constructor: 1 } as unknown as Record<string, number> }),
      "UNKNOWN_FIELD",
      /constructor/,
    ],
  ];
  for (const [name, p, code, message] of refused)
    it(`refuses ${name} (${code}), naming the key`, () => {
      const r = checkPoint(index, p);
      expect(r?.code).toBe(code);
      expect(r?.message).toMatch(message);
    });

  it("cuts long invented names in its messages", () => {
    const r = checkPoint(index, point({ tags: { site: "wf1", asset: "T01", point: "p".repeat(128) } }));
    expect(r?.message.length).toBeLessThan(200);
  });

  it("checks a snapshot's asset and point by the same rule", () => {
    expect(checkMeasuringPoint(index, "T01", "main_bearing")).toBeNull();
    expect(checkMeasuringPoint(index, "T01", "tower_top", { asset: "asset", point: "point" })).toEqual({
      code: "UNKNOWN_POINT",
      message: `point: "tower_top" is not a measuring point of T01 in central's configuration`,
    });
    expect(checkMeasuringPoint(index, "T09", "main_bearing")?.code).toBe("UNKNOWN_ASSET");
  });
});
