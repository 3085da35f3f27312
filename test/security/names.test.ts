// Names at ingest (issue 13 finding 4, issue 19 item 6), over a real socket
// against a real central on each store: a point whose asset, measuring
// point, field, fault or tag key the site's configuration does not know is
// refused (400, every refused index in `details.rejected`) and nothing of
// its batch is stored; one batch of 2,000 invented faults raises no alarm
// and sends no webhook, where one real diagnosis raises one of each; and
// features, diagnoses and spectra of a measuring point central does not
// have follow one rule.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ComponentClass, Measurement } from "../../common/names.ts";
import type { SpectrumUpload } from "../../common/spectrum.ts";
import { describeEachStore } from "../helpers/each-store.ts";
import { DRIVE_TRAIN, type IngestCentral, startIngestCentral, wf1Batch } from "../helpers/ingest-central.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/notify-receivers.ts";
import { until } from "../helpers/until.ts";

const diagnosis = (fault: string, point = "main_bearing", ts = Date.now() - 5_000) => ({
  measurement: "diagnosis",
  tags: { site: "wf1", asset: "T01", point, fault },
  fields: { severity: 2, confidence: 0.9, active: 1, raised_at_ms: ts - 60_000 },
  ts,
});
const vibration = (point: string, ts = Date.now() - 5_000) => ({
  measurement: "vibration",
  tags: { site: "wf1", asset: "T01", point },
  fields: { v_rms_mm_s: 1.2, iso_zone: 1 },
  ts,
});
const snapshot = (point: string, ts = Date.now() - 5_000): SpectrumUpload => ({
  asset: "T01",
  point,
  ts,
  reason: "scheduled",
  snapshot: {
    speedRpm: 12,
    sampleRateHz: 25_600,
    samples: 65_536,
    spectrum: { df_hz: 0.390625, unit: "mm/s", values: [0, 0.1, 0.2] },
    envelope: { df_hz: 0.390625, unit: "g2", values: [0, 0.01, 0.02], band_hz: [300, 600] },
    markers: [],
  },
  diagnoses: [],
});

describeEachStore("names at ingest, $kind store", (kind) => {
  let c: IngestCentral;
  let receiver: WebhookReceiver;
  /** Series of a measurement in the store, counted by the store's own planner. */
  const seriesIn = async (measurement: Measurement): Promise<number> => {
    const r = await c.central.store.latestCost({ measurement, groupBy: [] });
    if (r.kind !== "success") throw new Error(r.message);
    return r.value.series;
  };
  /** Every alarm (any state) after an evaluation and a notifier pass: what a refused batch must not change. */
  const alarmsAndDeliveries = async () => {
    await c.central.app.service.evaluator.evaluate();
    await c.central.app.notifier.pump();
    const alarms = await c.call<{ total: number }>("GET", "/api/v1/alarms?state=all", undefined, {
      token: c.tokens.company,
    });
    const deliveries = await c.call<{ notifications: unknown[] }>("GET", "/api/v1/notifications", undefined, {
      token: c.tokens.company,
    });
    return { alarms: alarms.body.total, deliveries: deliveries.body.notifications.length };
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    c = await startIngestCentral(kind);
    const rules = await c.call(
      "PUT",
      "/api/v1/companies/sc-north/notification-rules",
      {
        rules: [
          {
            channel: "webhook",
            target: receiver.url("/north"),
            secret: "a-long-webhook-secret-42",
            minSeverity: "warning",
            events: ["raised"],
          },
        ],
      },
      { token: c.tokens.company },
    );
    expect(rules.status).toBe(200);
  });
  afterAll(async () => {
    await c?.close();
    await receiver?.close();
  });

  it("one batch of 2,000 invented faults is a 400 with every index, and makes no alarm and no webhook", async () => {
    const points = Array.from({ length: 2000 }, (_, i) => diagnosis(`invented_fault_${i}`));
    const res = await c.call("POST", "/api/v1/ingest", wf1Batch(points), { gzip: true });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe("UNKNOWN_FAULT");
    const rejected = res.body.error?.details?.rejected ?? [];
    expect(rejected.map((r) => r.index)).toEqual(points.map((_, i) => i));
    expect(new Set(rejected.map((r) => r.code))).toEqual(new Set(["UNKNOWN_FAULT"]));
    expect(rejected[1999]?.message).toMatch(/^points\[1999\]\.tags\.fault: "invented_fault_1999"/);
    expect(await seriesIn("diagnosis")).toBe(0);
    expect(await alarmsAndDeliveries()).toEqual({ alarms: 0, deliveries: 0 });
    expect(receiver.received).toHaveLength(0);

    // The same path with one real diagnosis raises one alarm and sends one webhook.
    const real = await c.call("POST", "/api/v1/ingest", wf1Batch([diagnosis("bearing_outer_race")]));
    expect(real.status).toBe(200);
    expect(await alarmsAndDeliveries()).toEqual({ alarms: 1, deliveries: 1 });
    await until("the webhook", () => (receiver.at("/north").length > 0 ? true : undefined));
    expect(receiver.received).toHaveLength(1);
  });

  const refusals: { name: string; point: Record<string, unknown>; code: string; key: RegExp }[] = [
    {
      name: "a mistyped asset",
      point: { ...vibration("main_bearing"), tags: { site: "wf1", asset: "TO1", point: "main_bearing" } },
      code: "UNKNOWN_ASSET",
      key: /tags\.asset: "TO1"/,
    },
    {
      name: "another site's asset",
      point: { ...vibration("main_bearing"), tags: { site: "wf1", asset: "T03", point: "main_bearing" } },
      code: "UNKNOWN_ASSET",
      key: /tags\.asset: "T03"/,
    },
    {
      name: "an invented measuring point",
      point: vibration("point_49999"),
      code: "UNKNOWN_POINT",
      key: /tags\.point: "point_49999"/,
    },
    {
      name: "an invented field",
      point: { ...vibration("main_bearing"), fields: { v_rms_mm_s: 1, x_49999: 2 } },
      code: "UNKNOWN_FIELD",
      key: /fields\.x_49999/,
    },
    {
      name: "a field of another measurement",
      point: {
        measurement: "scada",
        tags: { site: "wf1", asset: "T01" },
        fields: { iso_zone: 4 },
        ts: Date.now() - 1000,
      },
      code: "UNKNOWN_FIELD",
      key: /fields\.iso_zone/,
    },
    {
      name: "a fault on a SCADA point",
      point: {
        measurement: "scada",
        tags: { site: "wf1", asset: "T01", fault: "imbalance" },
        fields: { power_kw: 1 },
        ts: Date.now() - 1000,
      },
      code: "UNKNOWN_FAULT",
      key: /tags\.fault/,
    },
    {
      name: "an unknown tag key",
      point: {
        ...vibration("main_bearing"),
        tags: { site: "wf1", asset: "T01", point: "main_bearing", k49999: "v" },
      },
      code: "UNKNOWN_TAG",
      key: /tags\.k49999/,
    },
  ];
  for (const r of refusals)
    it(`refuses ${r.name} (${r.code}) between two good points and stores none of the three`, async () => {
      const measurement = r.point.measurement as Measurement;
      const before = { [measurement]: await seriesIn(measurement), scada: await seriesIn("scada") };
      const good = (ms: number) => ({
        measurement: "scada",
        tags: { site: "wf1", asset: "T02" },
        fields: { power_kw: 7 },
        ts: Date.now() - ms,
      });
      const res = await c.call("POST", "/api/v1/ingest", wf1Batch([good(3000), r.point, good(2000)]));
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe(r.code);
      expect(res.body.error?.details?.rejected).toEqual([
        {
          index: 1,
          code: r.code,
          message: expect.stringMatching(new RegExp(`^points\\[1\\]\\.${r.key.source}`)),
        },
      ]);
      expect({ [measurement]: await seriesIn(measurement), scada: await seriesIn("scada") }).toEqual(before);
      const scada = await c.call<{ scada?: unknown }>("GET", "/api/v1/assets/T02/health", undefined, {
        token: c.tokens.company,
      });
      expect(scada.body.scada).toBeUndefined();
    });

  it("one rule for features, diagnoses and spectra of a measuring point central does not have", async () => {
    const missing = "tower_top";
    const features = await c.call("POST", "/api/v1/ingest", wf1Batch([vibration(missing)]));
    const diagnoses = await c.call("POST", "/api/v1/ingest", wf1Batch([diagnosis("imbalance", missing)]));
    const spectra = await c.call("POST", "/api/v1/ingest/spectrum", {
      agent: "wf1-gateway",
      site: "wf1",
      snapshots: [snapshot("main_bearing"), snapshot(missing)],
    });
    for (const [what, res, prefix] of [
      ["features", features, "points[0].tags.point"],
      ["diagnoses", diagnoses, "points[0].tags.point"],
      ["spectra", spectra, "snapshots[1].point"],
    ] as const) {
      expect(res.status, what).toBe(400);
      expect(res.body.error?.code, what).toBe("UNKNOWN_POINT");
      expect(res.body.error?.message, what).toContain(
        `${prefix}: "${missing}" is not a measuring point of T01`,
      );
      expect(
        res.body.error?.details?.rejected.map((r) => r.index),
        what,
      ).toEqual([prefix.startsWith("snap") ? 1 : 0]);
    }
    // Nothing of any of the three requests: not the feature, not the diagnosis, not the good snapshot beside the bad one.
    const health = await c.call<{ points: { point: string }[]; diagnoses: unknown[] }>(
      "GET",
      "/api/v1/assets/T01/health",
      undefined,
      { token: c.tokens.company },
    );
    expect(health.body.points.map((p) => p.point)).toEqual(DRIVE_TRAIN.map((p) => p.id));
    expect(
      (
        await c.call("GET", "/api/v1/assets/T01/spectrum?point=main_bearing", undefined, {
          token: c.tokens.company,
        })
      ).status,
    ).toBe(404);

    // Once central's configuration has the point, all three are accepted.
    const meta = c.central.meta;
    const turbine = (id: string, site: string, points: { id: string; component?: ComponentClass }[]) => ({
      id,
      name: id,
      kind: "turbine" as const,
      site,
      tenant: "sc-north",
      points,
    });
    const fleet = {
      tenants: [{ id: "sc-north", name: "North Wind Service" }],
      sites: (await meta.fleet.current()).sites.map((s) => ({ id: s.id, name: s.name, kind: s.kind })),
      assets: [
        // A measuring point needs no component class (that is for ISO 10816-21 zones).
        turbine("T01", "wf1", [...DRIVE_TRAIN, { id: missing }]),
        turbine("T02", "wf1", DRIVE_TRAIN),
        turbine("T03", "wf2", DRIVE_TRAIN),
      ],
    };
    await meta.fleet.replace(fleet);
    expect((await c.call("POST", "/api/v1/ingest", wf1Batch([vibration(missing)]))).status).toBe(200);
    expect((await c.call("POST", "/api/v1/ingest", wf1Batch([diagnosis("imbalance", missing)]))).status).toBe(
      200,
    );
    expect(
      (
        await c.call("POST", "/api/v1/ingest/spectrum", {
          agent: "wf1-gateway",
          site: "wf1",
          snapshots: [snapshot(missing)],
        })
      ).status,
    ).toBe(200);
  });
});
