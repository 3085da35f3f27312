import { Point as LinePoint } from "@influxdata/influxdb-client";
import { describe, expect, it } from "vitest";
import type { Point } from "../../common/wire.ts";
import { SeriesCache, toLine } from "./line-protocol.ts";

describe("line protocol", () => {
  it("writes hand-worked lines: sorted tags and fields, escapes, ms timestamps", () => {
    const p: Point = {
      measurement: "scada",
      tags: { site: "wf1", asset: "T01" },
      fields: { wind_speed_m_s: 8.5, power_kw: 1234 },
      ts: 1_767_225_600_000,
    };
    expect(toLine(p)).toBe("scada,asset=T01,site=wf1 power_kw=1234,wind_speed_m_s=8.5 1767225600000");
    const odd: Point = {
      measurement: "meter",
      tags: { site: "a b,c=d", point: "x=y" },
      fields: { power_kw: -0.125 },
      ts: 946_684_800_000,
    };
    expect(toLine(odd)).toBe("meter,point=x\\=y,site=a\\ b\\,c\\=d power_kw=-0.125 946684800000");
  });

  it("matches @influxdata/influxdb-client's Point for the same points, with and without the series cache", () => {
    const cache = new SeriesCache();
    const points: Point[] = [
      {
        measurement: "vibration",
        tags: { site: "wf1", asset: "T01", point: "main bearing" },
        fields: { v_rms_mm_s: 1.5e-7, kurtosis: 3 },
        ts: 1_700_000_000_123,
      },
      {
        measurement: "agent",
        tags: { site: "s", asset: "s", agent: "a=1" },
        fields: { lag_s: 0.1 + 0.2 },
        ts: 1_700_000_000_124,
      },
      {
        measurement: "vibration",
        tags: { site: "wf1", asset: "T01", point: "main bearing" },
        fields: { v_rms_mm_s: 2 },
        ts: 1_700_000_000_125,
      },
    ];
    for (const p of points) {
      const reference = new LinePoint(p.measurement);
      for (const [k, v] of Object.entries(p.tags)) reference.tag(k, v);
      for (const [k, v] of Object.entries(p.fields)) reference.floatField(k, v);
      reference.timestamp(p.ts);
      expect(toLine(p)).toBe(reference.toLineProtocol());
      expect(toLine(p, cache)).toBe(reference.toLineProtocol());
    }
    expect(cache.size).toBe(2);
  });

  it("sorts fields listed out of order, and fields whose names read as numbers, as the client does", () => {
    const points: Point[] = [
      { measurement: "scada", tags: { site: "wf1" }, fields: { b: 2, a: 1, c: 3 }, ts: 1_700_000_000_000 },
      { measurement: "scada", tags: { site: "wf1" }, fields: { a: 1, c: 3, b: 2 }, ts: 1_700_000_000_001 },
      {
        measurement: "scada",
        tags: { site: "wf1" },
        fields: { "10": 1, "9": 2, x: 3 },
        ts: 1_700_000_000_002,
      },
      { measurement: "scada", tags: { site: "wf1" }, fields: { a: 1, a_b: 2, b: 3 }, ts: 1_700_000_000_003 },
    ];
    const cache = new SeriesCache();
    for (const p of points) {
      const reference = new LinePoint(p.measurement);
      for (const [k, v] of Object.entries(p.tags)) reference.tag(k, v);
      for (const [k, v] of Object.entries(p.fields)) reference.floatField(k, v);
      reference.timestamp(p.ts);
      expect(toLine(p, cache)).toBe(reference.toLineProtocol());
    }
    expect(toLine(points[0]!)).toBe("scada,site=wf1 a=1,b=2,c=3 1700000000000");
    expect(toLine(points[2]!)).toBe("scada,site=wf1 10=1,9=2,x=3 1700000000002");
  });
});
