// Cardinality (issue 13 finding 4), over a real socket against a real central
// on each store. The review degraded central with four gzip'd batches of
// 50,000 distinct `point` tags from one agent token: every one became a
// series, and every health read then scanned them all. Here, at a tenth of
// that scale: the batches are refused point by point and store nothing (the
// store's own planner counts its series before and after), a health read of
// an unrelated asset still visits that asset's series only, and a site that
// invents values of the tags no configuration lists (`source`) stops at its
// series cap while its known series go on being stored.
import { afterEach, expect, it } from "vitest";
import { SeriesRegistry } from "../../central/meta/series-registry.ts";
import type { Measurement } from "../../common/names.ts";
import { describeEachStore } from "../helpers/each-store.ts";
import {
  type IngestCentral,
  type StoreKind,
  startIngestCentral,
  wf1Batch,
} from "../helpers/ingest-central.ts";

const BATCHES = 4;
const POINTS_PER_BATCH = 5_000;

describeEachStore("cardinality at ingest, $kind store", (kind) => {
  let c: IngestCentral | undefined;
  afterEach(async () => {
    await c?.close();
    c = undefined;
  });
  const start = async (k: StoreKind, config: Record<string, unknown> = {}): Promise<IngestCentral> => {
    c = await startIngestCentral(k, config);
    return c;
  };
  const seriesIn = async (
    central: IngestCentral,
    measurement: Measurement,
    tags?: Record<string, string>,
  ) => {
    const r = await central.central.store.latestCost({ measurement, groupBy: [], ...(tags ? { tags } : {}) });
    if (r.kind !== "success") throw new Error(r.message);
    return r.value.series;
  };
  const ts = () => Date.now() - 10_000;

  it(`${BATCHES} gzip'd batches of ${POINTS_PER_BATCH} distinct point tags: all refused, nothing stored, health reads unaffected`, async () => {
    const central = await start(kind);
    const registry = new SeriesRegistry(central.central.meta.db);
    const good = await central.call(
      "POST",
      "/api/v1/ingest",
      wf1Batch([
        {
          measurement: "vibration",
          tags: { site: "wf1", asset: "T02", point: "main_bearing" },
          fields: { v_rms_mm_s: 2.5, iso_zone: 2 },
          ts: ts(),
        },
        { measurement: "scada", tags: { site: "wf1", asset: "T02" }, fields: { power_kw: 1500 }, ts: ts() },
      ]),
    );
    expect(good.status).toBe(200);
    const before = {
      vibration: await seriesIn(central, "vibration"),
      registered: await registry.seriesOf("wf1"),
    };
    expect(before).toEqual({ vibration: 1, registered: 2 });

    for (let b = 0; b < BATCHES; b++) {
      const points = Array.from({ length: POINTS_PER_BATCH }, (_, i) => ({
        measurement: "vibration",
        tags: { site: "wf1", asset: "T01", point: `p${b}_${i}` },
        fields: { v_rms_mm_s: i },
        ts: ts(),
      }));
      const res = await central.call("POST", "/api/v1/ingest", wf1Batch(points), { gzip: true });
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe("UNKNOWN_POINT");
      const rejected = res.body.error?.details?.rejected ?? [];
      expect(rejected).toHaveLength(POINTS_PER_BATCH);
      expect(rejected.every((r, i) => r.index === i && r.code === "UNKNOWN_POINT")).toBe(true);
    }

    // Rows stored: none of the 20,000; no series reserved against the site's cap either.
    expect({
      vibration: await seriesIn(central, "vibration"),
      registered: await registry.seriesOf("wf1"),
    }).toEqual(before);
    // The health read of another asset visits its own series, and answers what was stored for it.
    expect(await seriesIn(central, "vibration", { asset: "T02" })).toBe(1);
    expect(await seriesIn(central, "vibration", { asset: "T01" })).toBe(0);
    const health = await central.call<{
      points: { point: string; isoZone: string | null; features: Record<string, number> }[];
    }>("GET", "/api/v1/assets/T02/health", undefined, { token: central.tokens.company });
    expect(health.status).toBe(200);
    expect(health.body.points.find((p) => p.point === "main_bearing")).toMatchObject({
      isoZone: "B",
      features: { v_rms_mm_s: 2.5 },
    });
  });

  it("a site inventing values of a free tag stops at its series cap; its known series go on", async () => {
    const cap = 40;
    const central = await start(kind, { ingest: { maxSeriesPerSite: cap } });
    const scada = (source: string, site = "wf1", asset = "T01") => ({
      measurement: "scada",
      tags: { site, asset, source },
      fields: { power_kw: 1 },
      ts: ts(),
    });
    expect(
      (await central.call("POST", "/api/v1/ingest", wf1Batch([scada("plc"), scada("cms")]))).status,
    ).toBe(200);

    // A batch of 100 new series with room for 38: the 62 past the cap are refused, so is the batch.
    const first = Array.from({ length: 100 }, (_, i) => scada(`s0_${i}`));
    const refused = await central.call("POST", "/api/v1/ingest", wf1Batch(first), { gzip: true });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.code).toBe("SERIES_LIMIT");
    expect(refused.body.error?.details?.rejected.map((r) => r.index)).toEqual(
      Array.from({ length: 62 }, (_, i) => 38 + i),
    );
    expect(await seriesIn(central, "scada")).toBe(2);
    // The agent re-sends the others: stored, and the site is at its cap.
    expect((await central.call("POST", "/api/v1/ingest", wf1Batch(first.slice(0, 38)))).status).toBe(200);
    expect(await seriesIn(central, "scada")).toBe(cap);

    for (let b = 1; b < BATCHES; b++) {
      const points = Array.from({ length: 100 }, (_, i) => scada(`s${b}_${i}`));
      const res = await central.call("POST", "/api/v1/ingest", wf1Batch(points), { gzip: true });
      expect(res.status).toBe(400);
      expect(res.body.error?.details?.rejected).toHaveLength(100);
    }
    expect(await seriesIn(central, "scada")).toBe(cap);
    // Known series are still stored; another site has its own cap.
    expect(
      (await central.call("POST", "/api/v1/ingest", wf1Batch([scada("plc"), scada("s0_7")]))).status,
    ).toBe(200);
    const wf2 = await central.central.meta.tokens.create({ role: "agent", site: "wf2", label: "wf2" });
    const other = await central.call(
      "POST",
      "/api/v1/ingest",
      { ...wf1Batch([scada("plc", "wf2", "T03")]), site: "wf2" },
      { token: wf2 },
    );
    expect(other.status).toBe(200);
  });
});
