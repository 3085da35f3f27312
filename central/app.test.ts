import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Point } from "../common/wire.ts";
import {
  BEARING_AND_GEARBOX_POINTS,
  type CentralFixture,
  makeCentralFixture,
} from "../test/helpers/central-fixture.ts";
import { metadataKinds, suiteMetadata } from "../test/helpers/metadata.ts";

const MIN = 60_000;
/** Ten minutes ago on a minute boundary: recent enough to be "active", past enough to be valid. */
const T0 = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;

const vib = (asset: string, point: string, ts: number, v: number, zone: number): Point => ({
  measurement: "vibration",
  tags: { site: asset === "T03" ? "wf2" : "wf1", asset, point },
  fields: { v_rms_mm_s: v, iso_zone: zone },
  ts,
});

// T01/main_bearing: minute 0 in zone B, minutes 1 and 2 in zone C → warning since T0 + 1 min.
// T01/gearbox_hss: one block in zone D → alarm. T02/main_bearing: zone A. T03: zone D (other site, north).
const POINTS: Point[] = [
  ...[0, 20, 40].map((s) => vib("T01", "main_bearing", T0 + s * 1000, 2.0, 2)),
  ...[0, 20, 40].map((s) => vib("T01", "main_bearing", T0 + MIN + s * 1000, 5.0, 3)),
  ...[0, 20].map((s) => vib("T01", "main_bearing", T0 + 2 * MIN + s * 1000, 6.0, 3)),
  vib("T01", "gearbox_hss", T0 + 2 * MIN, 12.0, 4),
  vib("T02", "main_bearing", T0 + 2 * MIN, 1.0, 1),
  vib("T03", "main_bearing", T0 + 2 * MIN, 11.0, 4),
  {
    measurement: "scada",
    tags: { site: "wf1", asset: "T01" },
    fields: { power_kw: 1800, wind_speed_m_s: 11 },
    ts: T0 + 2 * MIN,
  },
  {
    measurement: "diagnosis",
    tags: { site: "wf1", asset: "T01", point: "main_bearing", fault: "bearing_outer_race" },
    fields: { severity: 1, confidence: 0.8, frequency_hz: 87.3 },
    ts: T0 + 2 * MIN,
  },
  // Withdrawn by the edge (active 0), and one not re-confirmed for over an hour: neither is active.
  {
    measurement: "diagnosis",
    tags: { site: "wf1", asset: "T01", point: "gearbox_hss", fault: "gear_mesh" },
    fields: { severity: 2, confidence: 0.9, active: 0 },
    ts: T0 + 2 * MIN,
  },
  {
    measurement: "diagnosis",
    tags: { site: "wf1", asset: "T01", point: "gearbox_hss", fault: "misalignment" },
    fields: { severity: 1, confidence: 0.7, active: 1 },
    ts: T0 - 2 * 60 * MIN,
  },
  {
    measurement: "meter",
    tags: { site: "fac-h01", asset: "H01" },
    fields: { power_kw: 120, energy_kwh: 5000 },
    ts: T0,
  },
];

// Every route on both metadata engines (PostgreSQL where installed; required under CI=true).
describe.each(metadataKinds())("central API (%s metadata)", (kind) => {
  const metadata = suiteMetadata(kind);
  let f: CentralFixture;
  beforeAll(async () => {
    const config = await metadata();
    f = await makeCentralFixture(config ? { metadata: config } : {});
    const written = await f.store.write(POINTS);
    expect(written.kind).toBe("success");
  });
  afterAll(async () => {
    await f.close();
  });

  const get = (url: string, token: string | null = f.tokens.admin) =>
    f.app.inject({ method: "GET", url, headers: token ? f.auth(token) : {} });

  it("lists the assets a principal may see", async () => {
    const ids = async (token: string) =>
      ((await get("/api/v1/assets", token)).json().assets as { id: string }[]).map((a) => a.id);
    expect(await ids(f.tokens.admin)).toEqual(["H01", "T01", "T02", "T03"]);
    expect(await ids(f.tokens.ministry)).toEqual(["H01", "T01", "T02", "T03"]);
    expect(await ids(f.tokens.north)).toEqual(["T01", "T03"]);
    expect(await ids(f.tokens.south)).toEqual(["T02"]);
    const t01 = (await get("/api/v1/assets", f.tokens.north)).json().assets[0];
    expect(t01).toEqual({
      id: "T01",
      name: "Turbine 1",
      kind: "turbine",
      site: "wf1",
      tenant: "sc-north",
      company: "sc-north",
      points: BEARING_AND_GEARBOX_POINTS,
    });
    expect((await get("/api/v1/assets", null)).statusCode).toBe(401);
  });

  it("reports an asset's health: zone and features per point, active diagnoses, latest SCADA", async () => {
    const res = await get("/api/v1/assets/T01/health", f.tokens.north);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.asset.id).toBe("T01");
    expect(body.points).toEqual([
      {
        point: "main_bearing",
        component: "main_bearing",
        isoZone: "C",
        features: { v_rms_mm_s: 6 },
        ts: T0 + 2 * MIN + 20_000,
      },
      {
        point: "gearbox_hss",
        component: "gearbox",
        isoZone: "D",
        features: { v_rms_mm_s: 12 },
        ts: T0 + 2 * MIN,
      },
    ]);
    expect(body.diagnoses).toEqual([
      {
        point: "main_bearing",
        fault: "bearing_outer_race",
        severity: "warning",
        confidence: 0.8,
        ts: T0 + 2 * MIN,
        fields: { severity: 1, confidence: 0.8, frequency_hz: 87.3 },
      },
    ]);
    expect(body.scada).toEqual({ ts: T0 + 2 * MIN, fields: { power_kw: 1800, wind_speed_m_s: 11 } });
    expect(body.meter).toBeUndefined();
    const hospital = (await get("/api/v1/assets/H01/health", f.tokens.ministry)).json();
    expect(hospital.meter).toEqual({ ts: T0, fields: { power_kw: 120, energy_kwh: 5000 } });
    expect(hospital.points).toEqual([]);
  });

  it("hides another tenant's asset as 404 in assets, health and series", async () => {
    for (const url of [
      "/api/v1/assets/T02/health",
      "/api/v1/assets/T99/health",
      `/api/v1/series?asset=T02&measurement=vibration&field=v_rms_mm_s&from=${T0}&to=${T0 + 5 * MIN}`,
    ]) {
      const res = await get(url, f.tokens.north);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe("NOT_FOUND");
    }
    expect((await get("/api/v1/assets/T02/health", f.tokens.south)).statusCode).toBe(200);
  });

  it("serves raw and aggregated series", async () => {
    const from = new Date(T0).toISOString();
    const to = new Date(T0 + 3 * MIN).toISOString();
    const raw = await get(
      `/api/v1/series?asset=T01&measurement=vibration&field=v_rms_mm_s&point=main_bearing&from=${from}&to=${to}`,
    );
    expect(raw.statusCode).toBe(200);
    expect(raw.json().series).toHaveLength(1);
    expect(raw.json().series[0].tags).toEqual({ asset: "T01", point: "main_bearing" });
    expect(raw.json().series[0].points).toHaveLength(8);
    const perMinute = await get(
      `/api/v1/series?asset=T01&measurement=vibration&field=v_rms_mm_s&from=${T0}&to=${T0 + 3 * MIN}&every=1m`,
    );
    expect(perMinute.json()).toEqual({
      series: [
        { tags: { asset: "T01", point: "gearbox_hss" }, points: [[T0 + 2 * MIN, 12]] },
        {
          tags: { asset: "T01", point: "main_bearing" },
          points: [
            [T0, 2],
            [T0 + MIN, 5],
            [T0 + 2 * MIN, 6],
          ],
        },
      ],
    });
    const maxZone = await get(
      `/api/v1/series?asset=T01&measurement=vibration&field=iso_zone&point=main_bearing&from=${T0}&to=${T0 + 3 * MIN}&every=3m&agg=max`,
    );
    // 3-minute windows are epoch-aligned, so T0 may sit inside one: check the value, not the stamp.
    const windows = maxZone.json().series[0].points as [number, number][];
    expect(Math.max(...windows.map((p) => p[1]))).toBe(3);
    for (const [ts] of windows) expect(ts % (3 * MIN)).toBe(0);
  });

  it("refuses malformed series queries with VALIDATION_FAILED naming the parameter", async () => {
    const cases: [string, RegExp][] = [
      ["/api/v1/series?asset=T01&measurement=vibration", /querystring\.field: required/],
      ["/api/v1/series?asset=T01&measurement=noise&field=x", /querystring\.measurement/],
      ["/api/v1/series?asset=T01&measurement=vibration&field=v_rms_mm_s&every=fast", /querystring\.every/],
      ["/api/v1/series?asset=T01&measurement=vibration&field=v_rms_mm_s&from=yesterday", /querystring\.from/],
      [
        "/api/v1/series?asset=T01&measurement=vibration&field=v_rms_mm_s&from=2000&to=1000",
        /querystring\.from/,
      ],
      [
        "/api/v1/series?asset=T01&measurement=vibration&field=v_rms_mm_s&from=0&to=86400000000&every=1s",
        /windows/,
      ],
      ["/api/v1/series?asset=T01&measurement=vibration&field=v_rms_mm_s&colour=red", /colour: unknown key/],
    ];
    for (const [url, message] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toBe("VALIDATION_FAILED");
      expect(res.json().error.message).toMatch(message);
    }
  });

  it("derives alarms from the latest ISO zone and the edge's diagnoses, per company, and acknowledges them", async () => {
    const north = (await get("/api/v1/alarms", f.tokens.north)).json();
    expect(north.total).toBe(4);
    expect(north.alarms).toEqual([
      expect.objectContaining({
        id: "T01:gearbox_hss:overall_vibration:1",
        asset: "T01",
        point: "gearbox_hss",
        fault: "overall_vibration",
        severity: "alarm",
        state: "active",
        since: new Date(T0 + 2 * MIN).toISOString(),
        isoZone: "D",
        company: "sc-north",
        acknowledgedBy: null,
        acknowledgedAt: null,
      }),
      expect.objectContaining({ id: "T03:main_bearing:overall_vibration:1", severity: "alarm" }),
      // The edge's active diagnosis on the same point: an alarm of its own, severity as the edge gives it.
      expect.objectContaining({
        id: "T01:main_bearing:bearing_outer_race:1",
        fault: "bearing_outer_race",
        severity: "warning",
        state: "active",
        since: new Date(T0 + 2 * MIN).toISOString(),
        isoZone: "C",
      }),
      expect.objectContaining({
        id: "T01:main_bearing:overall_vibration:1",
        severity: "warning",
        // Minute 0 was zone B; minutes 1 and 2 were all C.
        since: new Date(T0 + MIN).toISOString(),
        isoZone: "C",
      }),
    ]);
    expect((await get("/api/v1/alarms", f.tokens.south)).json().alarms).toEqual([]);

    const ack = (token: string, id = "T01:main_bearing:overall_vibration", payload?: object) =>
      f.app.inject({
        method: "POST",
        url: `/api/v1/alarms/${id}/ack`,
        headers: f.auth(token),
        ...(payload ? { payload } : {}),
      });
    expect((await ack(f.tokens.ministry)).statusCode).toBe(403);
    expect((await ack(f.tokens.south)).statusCode).toBe(404);
    // By key (the open occurrence) or by id; with a comment.
    const acked = await ack(f.tokens.north, "T01:main_bearing:overall_vibration", {
      comment: "crew on the way",
    });
    expect(acked.statusCode).toBe(200);
    expect(acked.json().alarm).toMatchObject({
      id: "T01:main_bearing:overall_vibration:1",
      state: "acknowledged",
      acknowledgedBy: "north ops",
      ackComment: "crew on the way",
    });
    expect((await ack(f.tokens.north, "T01:main_bearing:overall_vibration:1")).statusCode).toBe(409);
    expect(
      (await ack(f.tokens.north, "T01:main_bearing:overall_vibration:1", { colour: 1 })).statusCode,
    ).toBe(400);

    const active = (await get("/api/v1/alarms?state=active", f.tokens.north))
      .json()
      .alarms.map((a: { id: string }) => a.id);
    expect(active).toEqual([
      "T01:gearbox_hss:overall_vibration:1",
      "T03:main_bearing:overall_vibration:1",
      "T01:main_bearing:bearing_outer_race:1",
    ]);
    const acked2 = (await get("/api/v1/alarms?state=acknowledged", f.tokens.admin)).json().alarms;
    expect(acked2.map((a: { id: string }) => a.id)).toEqual(["T01:main_bearing:overall_vibration:1"]);
    expect((await get("/api/v1/alarms?state=cleared")).json().alarms).toEqual([]);
    expect((await get("/api/v1/alarms?state=bogus")).statusCode).toBe(400);

    // The alarm's history and the asset's history show the acknowledgement with its actor and comment.
    const detail = (await get("/api/v1/alarms/T01:main_bearing:overall_vibration:1", f.tokens.north)).json();
    expect(detail.events.map((e: { kind: string; actor: string }) => [e.kind, e.actor])).toEqual([
      ["raised", "system"],
      ["acknowledged", "north ops"],
    ]);
    expect(
      (await get("/api/v1/alarms/T01:main_bearing:overall_vibration:1", f.tokens.south)).statusCode,
    ).toBe(404);
    const history = (await get("/api/v1/assets/T01/history", f.tokens.north)).json().events;
    expect(history[0]).toMatchObject({ kind: "acknowledged", comment: "crew on the way" });

    // The fleet view: worst open severity per asset, for the company's assets only.
    const fleet = (await get("/api/v1/fleet", f.tokens.north)).json();
    expect(fleet.totals).toEqual({ assets: 2, alarm: 2, warning: 0, ok: 0 });
    expect(fleet.sites.flatMap((s: { assets: { id: string; worst: string }[] }) => s.assets)).toEqual([
      expect.objectContaining({
        id: "T01",
        worst: "alarm",
        counts: { alarm: 1, warning: 2, acknowledged: 1 },
      }),
      expect.objectContaining({ id: "T03", worst: "alarm" }),
    ]);
  });

  it("serves health and readiness", async () => {
    expect((await get("/healthz", null)).json()).toEqual({ status: "ok" });
    expect((await get("/readyz", null)).json()).toEqual({
      status: "ready",
      store: "embedded",
      metadata: kind,
    });
  });

  it("publishes OpenAPI listing the routes at /docs", async () => {
    const res = await get("/docs/json", null);
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      "/healthz",
      "/readyz",
      "/api/v1/ingest",
      "/api/v1/assets",
      "/api/v1/assets/{id}/health",
      "/api/v1/assets/{id}/spectrum",
      "/api/v1/ingest/spectrum",
      "/api/v1/series",
      "/api/v1/alarms",
      "/api/v1/alarms/{id}/ack",
    ]) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
    expect(doc.paths["/api/v1/ingest"].post.requestBody).toBeDefined();
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: "http", scheme: "bearer" });
    const ui = await f.app.inject({ method: "GET", url: "/docs/" });
    expect([200, 302]).toContain(ui.statusCode);
  });

  it("answers unknown routes with the error shape", async () => {
    const res = await get("/api/v1/nothing-here");
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: { code: "NOT_FOUND", message: "No route GET /api/v1/nothing-here" },
    });
  });

  it("serves the console page without external resources", async () => {
    const res = await get("/", null);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    expect(res.body).toContain('<html lang="ru">');
    expect(res.body).toContain('src="/ui/console.js"');
    expect(res.body).not.toMatch(/(src|href)="https?:/);
  });
});
