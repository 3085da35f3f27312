// Zone conditions as the alarm book receives them, from a real embedded
// store: the boundary ratio that enables the deadband (only when central's
// table rates the block as the edge did), the below-C observation of a point
// the book follows, and the zone's run looked up only where the level rises.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Point } from "../../common/wire.ts";
import { parseCentralConfig } from "../config.ts";
import { MetaStore } from "../meta/meta.ts";
import { openEmbeddedStore } from "../stores/embedded.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import { deriveConditions } from "./conditions.ts";

const MIN = 60_000;
const NOW = Math.floor(Date.now() / MIN) * MIN;

describe("zone conditions", () => {
  let dir: string;
  let meta: MetaStore;
  let store: TimeSeriesStore;

  // Rotor bearing: B/C 2.0, C/D 3.2 mm/s (ISO 10816-21 Table A.1).
  const block = (asset: string, ts: number, v: number, zone: number): Point => ({
    measurement: "vibration",
    tags: { site: "wf1", asset, point: "main_bearing" },
    fields: { v_rms_mm_s: v, iso_zone: zone },
    ts,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-conditions-"));
    const config = parseCentralConfig({
      dataDir: dir,
      tenants: [{ id: "sc", name: "SC" }],
      sites: [{ id: "wf1", name: "WF", kind: "wind_farm" }],
      assets: ["T01", "T02", "T03", "T04"].map((id) => ({
        id,
        name: id,
        kind: "turbine",
        site: "wf1",
        tenant: "sc",
        points: [{ id: "main_bearing", component: "main_bearing" }],
      })),
    });
    meta = new MetaStore(join(dir, "metadata.sqlite"));
    meta.replaceFleet(config);
    store = openEmbeddedStore({ path: join(dir, "timeseries.sqlite") });
    const points: Point[] = [];
    // T01: zone D for the last 5 minutes (3.3 mm/s), zone C before.
    for (let m = 10; m >= 0; m--)
      points.push(block("T01", NOW - m * MIN, m <= 5 ? 3.3 : 2.5, m <= 5 ? 4 : 3));
    // T02: now zone C by the edge at 3.0 mm/s.
    points.push(block("T02", NOW, 3.0, 3));
    // T03: now zone B at 1.9 mm/s.
    points.push(block("T03", NOW, 1.9, 2));
    // T04: an edge with its own, lower C/D (2.8): zone D at 3.0 mm/s, which the ISO table calls C.
    points.push(block("T04", NOW, 3.0, 4));
    expect((await store.write(points)).kind).toBe("success");
  });
  afterAll(async () => {
    await store.close();
    meta.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const derive = async (known: Record<string, { rawRank: 0 | 1 | 2; sinceMs: number }> = {}) => {
    const r = await deriveConditions(store, meta, NOW, (key) => known[key]);
    if (r.kind !== "success") throw new Error(r.message);
    return new Map(r.value.map((c) => [c.asset, c]));
  };

  it("carries the boundary ratio where central's table agrees with the edge's zone, and the run's start", async () => {
    const c = await derive();
    expect(c.get("T01")).toMatchObject({
      severity: "alarm",
      kind: "zone",
      isoZone: "D",
      sinceMs: NOW - 5 * MIN,
      ratio: { warning: 3.3 / 2.0, alarm: 3.3 / 3.2 },
    });
    expect(c.get("T02")).toMatchObject({ severity: "warning", ratio: { warning: 1.5, alarm: 3.0 / 3.2 } });
    // The edge rated with other boundaries: its zone counts, without a deadband.
    expect(c.get("T04")).toMatchObject({ severity: "alarm", isoZone: "D" });
    expect(c.get("T04")!.ratio).toBeUndefined();
    // Zone B and not followed: nothing.
    expect(c.has("T03")).toBe(false);
  });

  it("reports a followed point below zone C (for its deadband) and keeps the start the book knows", async () => {
    const c = await derive({
      "T02:main_bearing:overall_vibration": { rawRank: 2, sinceMs: NOW - 30 * MIN },
      "T03:main_bearing:overall_vibration": { rawRank: 1, sinceMs: NOW - 20 * MIN },
    });
    expect(c.get("T02")).toMatchObject({ severity: "warning", sinceMs: NOW - 30 * MIN });
    expect(c.get("T03")).toMatchObject({
      severity: null,
      isoZone: "B",
      ratio: { warning: 0.95, alarm: 1.9 / 3.2 },
    });
  });
});
