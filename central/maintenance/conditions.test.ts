// Zone conditions as the alarm book receives them, from a real embedded
// store: the boundary ratio that enables the deadband (only when central's
// table rates the block as the edge did), the below-C observation of a point
// the book follows, the zone's run looked up only where the level rises, and
// the deadband judged against the boundaries in force (central's `zones`
// overrides), not the default ones.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ZONE_TABLE, zoneBoundaryRows, zoneTableWithOverrides } from "../../common/iso-zones.ts";
import type { Point } from "../../common/wire.ts";
import { MAIN_BEARING_POINT, windFarmFleet } from "../../test/helpers/central-fixture.ts";
import { parseCentralConfig } from "../config.ts";
import { MetaStore } from "../meta/meta.ts";
import { openEmbeddedStore } from "../stores/embedded.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import { rawRankOf } from "./alarm-filter.ts";
import { deriveConditions, type ZoneBoundariesOf } from "./conditions.ts";

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
      ...windFarmFleet("sc", ["T01", "T02", "T03", "T04", "T05"], MAIN_BEARING_POINT),
    });
    meta = await MetaStore.openFile(join(dir, "metadata.sqlite"));
    await meta.fleet.replace(config);
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
    // T05: zone C at 2.6 mm/s, under the default C/D (3.2) and the overridden one (2.8) alike.
    points.push(block("T05", NOW, 2.6, 3));
    expect((await store.write(points)).kind).toBe("success");
  });
  afterAll(async () => {
    await store.close();
    await meta.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const derive = async (
    known: Record<string, { rawRank: 0 | 1 | 2; sinceMs: number }> = {},
    boundariesOf?: ZoneBoundariesOf,
  ) => {
    const r = await deriveConditions(store, meta, NOW, (key) => known[key], boundariesOf);
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

  it("judges the deadband against an overridden C/D, not the default one", async () => {
    // Central's `zones` override the rotor bearing's C/D to 2.8 mm/s (B/C stays 2.0), as T04's edge rates.
    const overridden = zoneBoundaryRows(
      zoneTableWithOverrides(DEFAULT_ZONE_TABLE, {
        main_bearing: [{ quantity: "velocity", bandHz: [10, 1000], cd: 2.8 }],
      }),
    );
    const followedAlarm = {
      "T05:main_bearing:overall_vibration": { rawRank: 2 as const, sinceMs: NOW - 9 * MIN },
    };
    const withOverride = await derive(followedAlarm, () => overridden);
    const withDefaults = await derive(followedAlarm);
    // T04 (zone D by its edge at 3.0) now agrees with central's table: it gets a ratio, to 2.8.
    expect(withOverride.get("T04")).toMatchObject({
      severity: "alarm",
      ratio: { warning: 3.0 / 2.0, alarm: 3.0 / 2.8 },
    });
    expect(withDefaults.get("T04")!.ratio).toBeUndefined();
    // T05 fell from zone D to 2.6 mm/s: within 10 % of the overridden C/D (2.6 ≥ 0.9 × 2.8 = 2.52), so the
    // deadband holds the alarm; against the default C/D it is 19 % below (2.6 < 0.9 × 3.2 = 2.88).
    const t05 = withOverride.get("T05")!;
    expect(t05.ratio).toEqual({ warning: 2.6 / 2.0, alarm: 2.6 / 2.8 });
    const observation = (c: typeof t05) => ({
      rank: 1 as const,
      sinceMs: NOW,
      isoZone: c.isoZone,
      ratio: c.ratio!,
    });
    expect(rawRankOf(observation(t05), 2, 10)).toBe(2);
    expect(rawRankOf(observation(withDefaults.get("T05")!), 2, 10)).toBe(1);
    // Beyond the deadband of the overridden boundary the alarm falls there too.
    expect(rawRankOf(observation(t05), 2, 5)).toBe(1);
  });
});
