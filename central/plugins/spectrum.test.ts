// Spectrum snapshots at central: ingest (agent token, site/asset rules,
// schema caps, gzip), the newest per point served to whoever may see the
// asset, kept in the metadata file so two replicas on one file agree.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_SPECTRUM_VALUES, type SpectrumIngest, type SpectrumUpload } from "../../common/spectrum.ts";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import { bearingSnapshot } from "../../test/helpers/spectrum-upload.ts";
import { META_FILE, MetaStore } from "../meta/meta.ts";

const T0 = Date.UTC(2026, 4, 1, 8, 0, 0);

const body = (site: string, snapshots: SpectrumUpload[]): SpectrumIngest => ({
  agent: `edge-${site}`,
  site,
  snapshots,
});

describe("spectrum snapshots", () => {
  let f: CentralFixture;
  beforeAll(async () => {
    f = await makeCentralFixture();
  });
  afterAll(async () => f.close());

  const post = (token: string, payload: unknown, gzip = false) =>
    f.app.inject({
      method: "POST",
      url: "/api/v1/ingest/spectrum",
      headers: {
        ...f.auth(token),
        "content-type": "application/json",
        ...(gzip ? { "content-encoding": "gzip" } : {}),
      },
      payload: gzip ? gzipSync(JSON.stringify(payload)) : JSON.stringify(payload),
    });
  const get = (token: string, url: string) => f.app.inject({ url, headers: f.auth(token) });

  it("stores an agent's snapshots (gzip'd too) and serves the newest per point", async () => {
    const first = await post(f.tokens.agentWf1, body("wf1", [bearingSnapshot("main_bearing", T0)]));
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ accepted: 1 });
    const second = await post(
      f.tokens.agentWf1,
      body("wf1", [
        bearingSnapshot("main_bearing", T0 + 600_000, 2.4),
        bearingSnapshot("gearbox_hss", T0 + 5000),
      ]),
      true,
    );
    expect(second.statusCode, second.body).toBe(200);

    const one = await get(f.tokens.north, "/api/v1/assets/T01/spectrum?point=main_bearing");
    expect(one.statusCode).toBe(200);
    const served = one.json() as { asset: string; snapshots: Record<string, unknown>[] };
    expect(served.asset).toBe("T01");
    expect(served.snapshots).toHaveLength(1);
    const s = served.snapshots[0]!;
    expect(s).toMatchObject({
      point: "main_bearing",
      component: "main_bearing",
      ts: new Date(T0 + 600_000).toISOString(),
      reason: "diagnosis_changed",
      speedRpm: 12.1,
      markers: [{ kind: "bpfo", frequency_hz: 2.4 }],
      envelope: { band_hz: [300, 600], values: [0, 0.001, 0.02, 0.001] },
    });
    expect(s.diagnoses).toEqual([
      {
        ...bearingSnapshot("main_bearing", T0 + 600_000, 2.4).diagnoses[0],
        since: new Date(T0 + 590_000).toISOString(),
      },
    ]);

    const all = await get(f.tokens.admin, "/api/v1/assets/T01/spectrum");
    expect(all.statusCode).toBe(200);
    expect((all.json().snapshots as { point: string; ts: string }[]).map((x) => [x.point, x.ts])).toEqual([
      ["gearbox_hss", new Date(T0 + 5000).toISOString()],
      ["main_bearing", new Date(T0 + 600_000).toISOString()],
    ]);
  });

  it("answers 404 for another tenant's asset, an unknown asset, and a point without a snapshot", async () => {
    expect((await get(f.tokens.south, "/api/v1/assets/T01/spectrum?point=main_bearing")).statusCode).toBe(
      404,
    );
    expect((await get(f.tokens.south, "/api/v1/assets/T01/spectrum")).statusCode).toBe(404);
    expect((await get(f.tokens.admin, "/api/v1/assets/T99/spectrum")).statusCode).toBe(404);
    expect((await get(f.tokens.admin, "/api/v1/assets/T03/spectrum")).statusCode).toBe(404);
    const none = await get(f.tokens.admin, "/api/v1/assets/T01/spectrum?point=generator_de");
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe("NOT_FOUND");
    expect((await get(f.tokens.north, "/api/v1/assets/T01/spectrum?nope=1")).statusCode).toBe(400);
  });

  it("lets an agent write only its own site's assets and their measuring points", async () => {
    const otherSite = await post(f.tokens.agentWf2, body("wf1", [bearingSnapshot("main_bearing", T0)]));
    expect(otherSite.statusCode).toBe(403);
    const smuggled = await post(f.tokens.agentWf2, body("wf2", [bearingSnapshot("main_bearing", T0 + 1)]));
    expect(smuggled.statusCode).toBe(400);
    expect(smuggled.json().error.code).toBe("UNKNOWN_ASSET");
    const unknownPoint = await post(f.tokens.agentWf1, body("wf1", [bearingSnapshot("tower", T0)]));
    expect(unknownPoint.statusCode).toBe(400);
    expect(unknownPoint.json().error.message).toContain("snapshots[0].point");
    const people = await post(f.tokens.north, body("wf1", [bearingSnapshot("main_bearing", T0)]));
    expect(people.statusCode).toBe(403);
    // Nothing of the refused ones was stored.
    const latest = await get(f.tokens.admin, "/api/v1/assets/T01/spectrum?point=main_bearing");
    expect(latest.json().snapshots[0].ts).toBe(new Date(T0 + 600_000).toISOString());
  });

  it("refuses oversized and malformed snapshots with the key path", async () => {
    const big = bearingSnapshot("main_bearing", T0 + 1);
    const huge = {
      ...big,
      snapshot: {
        ...big.snapshot,
        spectrum: { ...big.snapshot.spectrum, values: new Array(MAX_SPECTRUM_VALUES + 1).fill(0) },
      },
    };
    const tooBig = await post(f.tokens.agentWf1, body("wf1", [huge]));
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.json().error.message).toContain("body.snapshots[0].snapshot.spectrum.values");
    const badReason = await post(f.tokens.agentWf1, body("wf1", [{ ...big, reason: "whenever" as never }]));
    expect(badReason.statusCode).toBe(400);
    const extra = await post(f.tokens.agentWf1, { ...body("wf1", [big]), more: 1 });
    expect(extra.json().error.message).toContain("more: unknown key");
    const future = await post(
      f.tokens.agentWf1,
      body("wf1", [bearingSnapshot("main_bearing", Date.now() + 3_600_000)]),
    );
    expect(future.json().error.code).toBe("INVALID_TIMESTAMP");
  });

  it("documents both routes in /docs", async () => {
    const doc = (await f.app.inject({ url: "/docs/json" })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/v1/ingest/spectrum", "/api/v1/assets/{id}/spectrum"]),
    );
  });
});

describe("snapshots in the metadata file", () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-spectrum-meta-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps the newest N per point, gzip's large ones, and is shared by two replicas on one file", async () => {
    const path = join(dir, META_FILE);
    const a = await MetaStore.openFile(path);
    const b = await MetaStore.openFile(path);
    const large = JSON.stringify({ values: new Array(20_000).fill(0.125) });
    for (let i = 0; i < 8; i++)
      await a.snapshots.put(
        [
          {
            asset: "T01",
            point: "main_bearing",
            ts: T0 + i,
            reason: "scheduled",
            json: i === 7 ? large : `{"i":${i}}`,
          },
          { asset: "T01", point: "gearbox_hss", ts: T0 + i, reason: "scheduled", json: `{"g":${i}}` },
        ],
        3,
      );
    // The same block again (a re-send) replaces, it does not add.
    await b.snapshots.put(
      [{ asset: "T01", point: "gearbox_hss", ts: T0 + 7, reason: "diagnosis_changed", json: "{}" }],
      3,
    );
    expect(await b.snapshots.latest("T01", "main_bearing")).toEqual([
      { asset: "T01", point: "main_bearing", ts: T0 + 7, reason: "scheduled", json: large },
    ]);
    expect((await a.snapshots.latest("T01")).map((s) => [s.point, s.ts, s.reason])).toEqual([
      ["gearbox_hss", T0 + 7, "diagnosis_changed"],
      ["main_bearing", T0 + 7, "scheduled"],
    ]);
    await a.close();
    await b.close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare("SELECT point, ts, encoding FROM spectrum_snapshot ORDER BY point, ts").all() as {
      point: string;
      ts: number;
      encoding: string;
    }[];
    db.close();
    expect(rows.map((r) => [r.point, r.ts - T0, r.encoding])).toEqual([
      ["gearbox_hss", 5, "identity"],
      ["gearbox_hss", 6, "identity"],
      ["gearbox_hss", 7, "identity"],
      ["main_bearing", 5, "identity"],
      ["main_bearing", 6, "identity"],
      ["main_bearing", 7, "gzip"],
    ]);
  });
});
