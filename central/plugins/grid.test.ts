// The grid routes through the real app: public reads and checks, the
// admin-only replacement with its rejection report, batch CSV, the rate
// limit, and the monitoring sites for the map.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import { parseCentralConfig } from "../config.ts";
import { demoGridSet } from "../grid/demo-set.ts";
import { toGeoJson } from "../grid/store.ts";
import { type RunningCentral, startCentral } from "../server.ts";

const point = (id: string, lat: number, props: Record<string, unknown> = {}) => ({
  type: "Feature",
  geometry: { type: "Point", coordinates: [47, lat] },
  properties: {
    id,
    name: `ПС ${id}`,
    voltages_kv: [110, 35, 10],
    transformer_mva: [40, 40],
    peak_load_mw: 20,
    generation_connected_mw: 10,
    ...props,
  },
});
const SET = {
  type: "FeatureCollection",
  features: [
    point("near", 42.1),
    point("far", 42.2, { generation_queue_mw: 20 }),
    {
      type: "Feature",
      geometry: {
        type: "LineString",
        coordinates: [
          [47, 42.1],
          [47, 42.2],
        ],
      },
      properties: { voltage_kv: 110 },
    },
  ],
};

describe("grid routes", () => {
  let f: CentralFixture;
  beforeAll(async () => {
    f = await makeCentralFixture();
  });
  afterAll(async () => f?.close());

  it("replacing the set needs an admin token", async () => {
    const put = (token?: string) =>
      f.app.inject({
        method: "PUT",
        url: "/api/v1/grid/connection-points",
        ...(token === undefined ? {} : { headers: f.auth(token) }),
        payload: SET,
      });
    expect((await put()).statusCode).toBe(401);
    expect((await put(f.tokens.ministry)).statusCode).toBe(403);
    const admin = await put(f.tokens.admin);
    expect(admin.statusCode).toBe(200);
    expect(admin.json()).toEqual({ points: 2, lines: 1, ignored: 0, rejected: [] });
  });

  it("serves the points as GeoJSON with headroom, without a token", async () => {
    const r = await f.app.inject({ method: "GET", url: "/api/v1/grid/substations" });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.type).toBe("FeatureCollection");
    expect(body.vetra.illustrative).toBe(false);
    const near = body.features.find((x: { id: string }) => x.id === "near");
    // 2 × 40 MVA × 0.9 without one = 36; − 10 connected = 26 MW; demand 36 − 20 = 16 MW.
    expect(near.properties.headroom_generation_mw).toBeCloseTo(26, 9);
    expect(near.properties.headroom_demand_mw).toBeCloseTo(16, 9);
    const lines = await f.app.inject({ method: "GET", url: "/api/v1/grid/lines" });
    expect(lines.json().features).toHaveLength(1);
  });

  it("checks a site without a token: ranked options in the SPEC shape, reasons in the asked language", async () => {
    const r = await f.app.inject({
      method: "POST",
      url: "/api/v1/grid/check",
      payload: { lat: 42, lon: 47, mw: 25, kind: "generation", lang: "en" },
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.voltage_class).toBe("35 kV");
    expect(body.options.map((o: { connection_point_id: string }) => o.connection_point_id)).toEqual([
      "near",
      "far",
    ]);
    const [near, far] = body.options;
    expect(near).toMatchObject({
      name: "ПС near",
      voltage_kv: 35,
      status: "available",
      headroom_mw: 26,
      headroom_after_mw: 1,
    });
    expect(near.distance_km).toBeCloseTo(11.119, 3);
    expect(near.reasons[0]).toBe(
      "headroom 26.0 MW (N-1, after a queue of 0.0 MW), 1.0 MW left after connection",
    );
    // far: 36 − 10 − 20 = 6 MW < 25 MW.
    expect(far).toMatchObject({ status: "needs_reinforcement", headroom_mw: 6 });
    const ru = await f.app.inject({
      method: "POST",
      url: "/api/v1/grid/check",
      payload: { lat: 42, lon: 47, mw: 25, kind: "generation" },
    });
    expect(ru.json().options[0].reasons[0]).toContain("свободная мощность 26,0 МВт");
  });

  it("refuses a bad check body with a code", async () => {
    for (const payload of [
      { lat: 42, lon: 47, mw: -1, kind: "generation" },
      { lat: 42, lon: 47, mw: 5, kind: "wind" },
      { lat: 42, lon: 47, mw: 5 },
    ]) {
      const r = await f.app.inject({ method: "POST", url: "/api/v1/grid/check", payload });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe("VALIDATION_FAILED");
    }
  });

  it("refuses a set with bad features, names them, and keeps the old set", async () => {
    const bad = {
      type: "FeatureCollection",
      features: [
        point("x", 42.3),
        point("v", 42.4, { voltages_kv: [110000] }),
        { type: "Feature", geometry: { type: "Point", coordinates: ["a", 1] }, properties: { id: "g" } },
      ],
    };
    const r = await f.app.inject({
      method: "PUT",
      url: "/api/v1/grid/connection-points",
      headers: f.auth(f.tokens.admin),
      payload: bad,
    });
    expect(r.statusCode).toBe(422);
    const body = r.json();
    expect(body.error.code).toBe("GRID_INVALID_FEATURES");
    expect(body.error.details.rejected.map((x: { index: number; id: string }) => [x.index, x.id])).toEqual([
      [1, "v"],
      [2, "g"],
    ]);
    const after = await f.app.inject({ method: "GET", url: "/api/v1/grid/substations" });
    expect(after.json().features.map((x: { id: string }) => x.id)).toEqual(["near", "far"]);
  });

  it("batch: CSV in, CSV out, one row per site with its best option", async () => {
    const csv =
      'name,lat,lon,mw,kind\nWF A,42,47,25,generation\n"Школа, №2",42.1,47.01,0.5,demand\nbad,91,47,1,generation\n';
    const r = await f.app.inject({
      method: "POST",
      url: "/api/v1/grid/check-batch?lang=en",
      headers: { "content-type": "text/csv" },
      payload: csv,
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toContain("text/csv");
    const lines = r.body.trim().split("\r\n");
    expect(lines[0]).toBe(
      "line,name,lat,lon,mw,kind,status,connection_point_id,connection_point_name,voltage_kv,voltage_class,distance_km,line_km,headroom_mw,headroom_after_mw,cost_rub,available_options,reasons",
    );
    expect(lines[1]).toMatch(
      /^2,WF A,42,47,25,generation,available,near,ПС near,35,35 kV,11\.12,13\.34,26,1,/,
    );
    // 0.5 MW demand next to "near": 10 kV; demand headroom 16 MW.
    expect(lines[2]).toMatch(/^3,"Школа, №2",42\.1,47\.01,0\.5,demand,available,near,ПС near,10,6–10 kV,/);
    expect(lines[3]).toBe("4,bad,91,47,1,generation,invalid,,,,,,,,,,0,invalid lat");
    const missing = await f.app.inject({
      method: "POST",
      url: "/api/v1/grid/check-batch",
      headers: { "content-type": "text/csv" },
      payload: "name,lat\nx,1\n",
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toContain("lon, mw");
  });

  it("gives a token holder the monitored sites with position and state", async () => {
    const none = await f.app.inject({ method: "GET", url: "/api/v1/map/sites" });
    expect(none.statusCode).toBe(401);
    // The fixture's sites carry no coordinates: none to draw.
    const r = await f.app.inject({
      method: "GET",
      url: "/api/v1/map/sites",
      headers: f.auth(f.tokens.north),
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ sites: [] });
  });

  it("documents the grid routes in /docs", async () => {
    const r = await f.app.inject({ method: "GET", url: "/docs/json" });
    const paths = Object.keys(r.json().paths);
    for (const p of [
      "/api/v1/grid/substations",
      "/api/v1/grid/check",
      "/api/v1/grid/check-batch",
      "/api/v1/grid/connection-points",
    ])
      expect(paths).toContain(p);
  });
});

describe("grid rate limit and the demo's illustrative set", () => {
  let dir: string;
  let central: RunningCentral;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-grid-rl-"));
    central = await startCentral(
      parseCentralConfig({
        server: { port: 0 },
        dataDir: dir,
        grid: { rateLimit: { max: 3, timeWindowMs: 60_000 } },
        tenants: [{ id: "t", name: "T" }],
        sites: [{ id: "wf", name: "ВЭС", kind: "wind_farm", lat: 42.35, lon: 47.8 }],
        assets: [{ id: "T1", name: "Turbine 1", kind: "turbine", site: "wf", tenant: "t" }],
      }),
    );
  });
  afterAll(async () => {
    await central?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("marks the demo set illustrative in the API", async () => {
    const token = await central.meta.tokens.create({ role: "admin", label: "t" });
    const put = await fetch(`${central.url}/api/v1/grid/connection-points`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/geo+json" },
      body: JSON.stringify(toGeoJson(demoGridSet())),
    });
    expect(put.status).toBe(200);
    const r = await fetch(`${central.url}/api/v1/grid/check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ lat: 42.35, lon: 47.8, mw: 25, kind: "generation" }),
    });
    const body = (await r.json()) as { illustrative: boolean; options: unknown[] };
    expect(body.illustrative).toBe(true);
    expect(body.options.length).toBeGreaterThan(0);
    const sites = await fetch(`${central.url}/api/v1/map/sites`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await sites.json()).toEqual({
      sites: [
        {
          id: "wf",
          name: "ВЭС",
          kind: "wind_farm",
          lat: 42.35,
          lon: 47.8,
          assets: [{ id: "T1", name: "Turbine 1", kind: "turbine" }],
          state: "ok",
          active_alarms: 0,
        },
      ],
    });
  });

  it("answers 429 RATE_LIMITED with Retry-After past the limit", async () => {
    // One request was used above; two more are allowed, the next is refused.
    const get = () => fetch(`${central.url}/api/v1/grid/substations`);
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
  });
});
