// Ingest's limits and what central tells an agent it accepts: the series cap
// per site (ingest.maxSeriesPerSite) and GET /api/v1/ingest/catalog.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import { metadataKinds, suiteMetadata } from "../../test/helpers/metadata.ts";

describe.each(metadataKinds())("series cap per site, ingest.maxSeriesPerSite (%s metadata)", (kind) => {
  const metadata = suiteMetadata(kind);
  let f: CentralFixture;
  beforeEach(async () => {
    f = await makeCentralFixture({ metadata: await metadata(), config: { ingest: { maxSeriesPerSite: 4 } } });
  });
  afterEach(async () => f.close());

  const ts = Date.now() - 60_000;
  const scada = (site: string, asset: string, source: string, i = 0) => ({
    measurement: "scada" as const,
    tags: { site, asset, source },
    fields: { power_kw: i },
    ts: ts + i,
  });
  const post = (site: string, points: unknown[], token: string, n: number) =>
    f.app.inject({
      method: "POST",
      url: "/api/v1/ingest",
      headers: f.auth(token),
      payload: { batchId: `cap-${site}-${n}`, agent: `${site}-agent`, site, sentAt: Date.now(), points },
    });

  it("refuses the points that would start a series past the cap, keeps storing the series it has", async () => {
    const first = await post(
      "wf1",
      [0, 1, 2].map((i) => scada("wf1", "T01", `s${i}`)),
      f.tokens.agentWf1,
      1,
    );
    expect(first.statusCode).toBe(200);
    // Three more new series and one known: the fourth series fits, the fifth and sixth do not.
    const second = await post(
      "wf1",
      [
        scada("wf1", "T01", "s0", 1),
        scada("wf1", "T01", "s3"),
        scada("wf1", "T01", "s4"),
        scada("wf1", "T02", "s5"),
      ],
      f.tokens.agentWf1,
      2,
    );
    expect(second.statusCode).toBe(400);
    expect(second.json().error.code).toBe("SERIES_LIMIT");
    expect(second.json().error.details.rejected.map((r: { index: number }) => r.index)).toEqual([2, 3]);
    expect(second.json().error.message).toMatch(/cap of 4 series \(ingest\.maxSeriesPerSite\)/);
    // Nothing of the refused batch was stored; the agent's re-send without the refused points is.
    const q = {
      measurement: "scada" as const,
      field: "power_kw",
      fromMs: 0,
      toMs: Date.now() + 60_000,
      groupBy: ["source"],
    };
    expect(await f.store.query(q)).toMatchObject({
      value: [{ tags: { source: "s0" } }, { tags: { source: "s1" } }, { tags: { source: "s2" } }],
    });
    const rest = await post(
      "wf1",
      [scada("wf1", "T01", "s0", 1), scada("wf1", "T01", "s3")],
      f.tokens.agentWf1,
      3,
    );
    expect(rest.statusCode).toBe(200);
    // At the cap: known series go on, a new one is refused, another site has its own cap.
    expect((await post("wf1", [scada("wf1", "T01", "s3", 2)], f.tokens.agentWf1, 4)).statusCode).toBe(200);
    expect((await post("wf1", [scada("wf1", "T02", "s9")], f.tokens.agentWf1, 5)).statusCode).toBe(400);
    expect((await post("wf2", [scada("wf2", "T03", "s9")], f.tokens.agentWf2, 6)).statusCode).toBe(200);
  });
});

describe("GET /api/v1/ingest/catalog", () => {
  let f: CentralFixture;
  beforeEach(async () => {
    f = await makeCentralFixture();
  });
  afterEach(async () => f.close());

  const get = (token: string, query = "", headers: Record<string, string> = {}) =>
    f.app.inject({
      method: "GET",
      url: `/api/v1/ingest/catalog${query}`,
      headers: { ...f.auth(token), ...headers },
    });

  it("tells an agent its site's assets and points, each measurement's fields and the faults", async () => {
    const res = await get(f.tokens.agentWf1);
    expect(res.statusCode).toBe(200);
    const catalog = res.json();
    expect(catalog).toMatchObject({
      site: "wf1",
      assets: [
        { id: "T01", kind: "turbine", points: ["main_bearing", "gearbox_hss"] },
        { id: "T02", kind: "turbine", points: ["main_bearing", "gearbox_hss", "generator_de"] },
      ],
    });
    expect(catalog.generation).toEqual(expect.any(Number));
    expect(catalog.measurements.vibration).toContain("v_rms_mm_s");
    expect(catalog.measurements.scada).not.toContain("v_rms_mm_s");
    expect(catalog.faults).toContain("bearing_outer_race");
    expect(Object.keys(catalog.measurements).sort()).toEqual([
      "agent",
      "control",
      "diagnosis",
      "meter",
      "scada",
      "vibration",
      "weather",
    ]);
    // Unchanged: 304 against its ETag.
    const again = await get(f.tokens.agentWf1, "", { "if-none-match": String(res.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
  });

  it("changes (generation and ETag) when the fleet changes", async () => {
    const before = await get(f.tokens.agentWf1);
    await f.meta.fleet.replace({
      ...f.config,
      assets: f.config.assets.map((a) =>
        a.id === "T01"
          ? { ...a, points: [...a.points, { id: "generator_de", component: "generator" as const }] }
          : a,
      ),
    });
    const after = await get(f.tokens.agentWf1, "", { "if-none-match": String(before.headers.etag) });
    expect(after.statusCode).toBe(200);
    expect(after.json().generation).toBeGreaterThan(before.json().generation);
    expect(after.json().assets[0].points).toContain("generator_de");
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });

  it("admin names the site; an agent reads its own only", async () => {
    expect((await get(f.tokens.admin)).statusCode).toBe(400);
    expect((await get(f.tokens.admin, "?site=wf2")).json()).toMatchObject({
      site: "wf2",
      assets: [{ id: "T03" }],
    });
    expect((await get(f.tokens.admin, "?site=nowhere")).statusCode).toBe(404);
    expect((await get(f.tokens.agentWf1, "?site=wf2")).statusCode).toBe(403);
    expect((await get(f.tokens.north)).statusCode).toBe(403);
    expect((await f.app.inject({ method: "GET", url: "/api/v1/ingest/catalog" })).statusCode).toBe(401);
  });
});
