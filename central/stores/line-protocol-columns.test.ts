// Line protocol from columns: the same lines toLine makes of the same points.
import { describe, expect, it } from "vitest";
import type { Point } from "../../common/wire.ts";
import { toColumnsBatch } from "../../edge-agent/uplink/columns.ts";
import { linesOfColumns, toLine } from "./line-protocol.ts";
import { checkColumns } from "./validate.ts";
import { pointsOfColumns } from "./write-columns.ts";

describe("linesOfColumns", () => {
  it("writes the lines toLine writes: escapes, sorted fields, absent fields left out, every timestamp digit", () => {
    const points: Point[] = [
      {
        measurement: "scada",
        tags: { site: "a b,c=d", asset: "T01" },
        fields: { wind_speed_m_s: 8.5, power_kw: 1 },
        ts: 946_684_800_000,
      },
      // Timestamps whose last six digits start with zeros, or are all zero.
      {
        measurement: "scada",
        tags: { asset: "T01", site: "a b,c=d" },
        fields: { power_kw: -0.125 },
        ts: 1_767_225_000_007,
      },
      {
        measurement: "scada",
        tags: { site: "a b,c=d", asset: "T01" },
        fields: { wind_speed_m_s: 1.5e-7 },
        ts: 1_767_225_000_000,
      },
      {
        measurement: "vibration",
        tags: { site: "wf1", asset: "T01", point: "x=y" },
        fields: { v_rms_mm_s: 2 },
        ts: 1_767_225_600_123,
      },
      // Below a million ms, and negative: printed whole.
      { measurement: "meter", tags: { site: "wf1" }, fields: { power_kw: 3 }, ts: 999_999 },
      { measurement: "meter", tags: { site: "wf1" }, fields: { power_kw: 4 }, ts: -5_000_001 },
    ];
    const { body, order } = toColumnsBatch({
      batchId: "b-000001",
      agent: "a",
      site: "wf1",
      sentAt: 0,
      points,
    });
    const expected = [...order].map((i) => toLine(points[i]!)).join("\n");
    expect(linesOfColumns(body.series)).toBe(expected);
    expect(pointsOfColumns(body.series)).toEqual([...order].map((i) => points[i]));
  });

  it("the store's own check refuses what a store cannot hold, naming the series", () => {
    const series = {
      measurement: "scada" as const,
      tags: { site: "wf1" },
      fields: ["power_kw"],
      ts: [1, 2],
      values: [[1, null]],
    };
    expect(checkColumns([series])).toMatchObject({
      code: "VALIDATION_FAILED",
      message: "series[0]: point 1 has no field; at least one is required",
    });
    expect(checkColumns([{ ...series, values: [[1, Number.NaN]] }])).toMatchObject({
      code: "INVALID_NUMBER",
    });
    expect(checkColumns([{ ...series, fields: ["time"], values: [[1, 2]] }])).toMatchObject({
      code: "VALIDATION_FAILED",
    });
    expect(checkColumns([{ ...series, ts: [1, 1e16], values: [[1, 2]] }])).toMatchObject({
      code: "INVALID_TIMESTAMP",
    });
    expect(checkColumns([{ ...series, values: [[1, 2]] }])).toBeNull();
  });
});
