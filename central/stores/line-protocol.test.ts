import { Point as LinePoint } from "@influxdata/influxdb-client";
import { describe, expect, it } from "vitest";
import type { Point } from "../../common/wire.ts";
import { toLine } from "./line-protocol.ts";

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
    const cache = new Map<string, string>();
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
});
