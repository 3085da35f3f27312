// The same routes on InfluxDB: ingest, health and alarms through the influx store.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CentralFixture, makeCentralFixture } from "../test/helpers/central-fixture.ts";
import { influxdAvailable, type RunningInfluxd, startInfluxd } from "../test/helpers/influxd.ts";
import { openInfluxStore } from "./stores/influx.ts";

describe.skipIf(!influxdAvailable())("central API on InfluxDB", () => {
  let influxd: RunningInfluxd;
  let f: CentralFixture;
  beforeAll(async () => {
    influxd = await startInfluxd();
    f = await makeCentralFixture({
      store: openInfluxStore({ url: influxd.url, database: influxd.database }),
    });
  });
  afterAll(async () => {
    await f?.close();
    await influxd?.stop();
  });

  it("ingests a batch once, and reports zone, alarm and readiness from InfluxDB", async () => {
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
    const batch = {
      batchId: "wf1-agent-influx-1",
      agent: "wf1-agent",
      site: "wf1",
      sentAt: Date.now(),
      points: [0, 10, 20, 30].map((s) => ({
        measurement: "vibration",
        tags: { site: "wf1", asset: "T01", point: "main_bearing" },
        fields: { v_rms_mm_s: 9.5, iso_zone: 4 },
        ts: t0 + s * 1000,
      })),
    };
    for (const duplicate of [false, true]) {
      const res = await f.app.inject({
        method: "POST",
        url: "/api/v1/ingest",
        headers: f.auth(f.tokens.agentWf1),
        payload: batch,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ batchId: batch.batchId, accepted: 4, duplicate });
    }
    const count = await f.store.query({
      measurement: "vibration",
      field: "v_rms_mm_s",
      fromMs: t0,
      toMs: t0 + 60_000,
      everyMs: 60_000,
      aggregate: "count",
    });
    expect(count).toEqual({ kind: "success", value: [{ tags: {}, points: [{ ts: t0, value: 4 }] }] });
    const health = (
      await f.app.inject({ method: "GET", url: "/api/v1/assets/T01/health", headers: f.auth(f.tokens.north) })
    ).json();
    expect(health.points[0]).toEqual({
      point: "main_bearing",
      component: "main_bearing",
      isoZone: "D",
      features: { v_rms_mm_s: 9.5 },
      ts: t0 + 30_000,
    });
    const alarms = (
      await f.app.inject({ method: "GET", url: "/api/v1/alarms", headers: f.auth(f.tokens.north) })
    ).json();
    expect(alarms.alarms).toEqual([
      expect.objectContaining({
        id: "T01:main_bearing:overall_vibration:1",
        severity: "alarm",
        since: new Date(t0).toISOString(),
      }),
    ]);
    expect((await f.app.inject({ method: "GET", url: "/readyz" })).json()).toEqual({
      status: "ready",
      store: "influx",
      metadata: "sqlite",
    });
  });
});
