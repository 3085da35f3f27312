import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { IngestBatch } from "../../common/wire.ts";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import { metadataKinds, suiteMetadata } from "../../test/helpers/metadata.ts";
import { freePort } from "../../test/helpers/ports.ts";
import { openInfluxStore } from "../stores/influx.ts";

const minute = (ms: number) => Math.floor(ms / 60_000) * 60_000;

const validBatch = (now: number): IngestBatch => {
  const t0 = minute(now) - 10 * 60_000;
  return {
    batchId: "wf1-agent-00000001",
    agent: "wf1-agent",
    site: "wf1",
    sentAt: now,
    points: [
      {
        measurement: "vibration",
        tags: { site: "wf1", asset: "T01", point: "main_bearing" },
        fields: { v_rms_mm_s: 2.5, iso_zone: 2 },
        ts: t0,
      },
      {
        measurement: "vibration",
        tags: { site: "wf1", asset: "T01", point: "main_bearing" },
        fields: { v_rms_mm_s: 3.5, iso_zone: 2 },
        ts: t0 + 1000,
      },
      {
        measurement: "scada",
        tags: { site: "wf1", asset: "T02" },
        fields: { power_kw: 1500, wind_speed_m_s: 9.5 },
        ts: t0,
      },
    ],
  };
};

describe.each(metadataKinds())("POST /api/v1/ingest (%s metadata)", (kind) => {
  const metadata = suiteMetadata(kind);
  let f: CentralFixture;
  beforeEach(async () => {
    f = await makeCentralFixture({ metadata: await metadata() });
  });
  afterEach(async () => {
    await f.close();
  });

  /** Everything in the store, as (measurement, asset, field, ts, value) counts: must stay 0 after a refusal. */
  const storedCount = async (): Promise<number> => {
    let n = 0;
    for (const [measurement, field] of [
      ["vibration", "v_rms_mm_s"],
      ["scada", "power_kw"],
    ] as const) {
      const r = await f.store.query({ measurement, field, fromMs: 0, toMs: Date.now() + 3_600_000 });
      if (r.kind !== "success") throw new Error(r.message);
      for (const s of r.value) n += s.points.length;
    }
    return n;
  };

  const post = (body: unknown, token = f.tokens.agentWf1, headers: Record<string, string> = {}) =>
    f.app.inject({
      method: "POST",
      url: "/api/v1/ingest",
      headers: { "content-type": "application/json", ...f.auth(token), ...headers },
      payload: typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });

  it("stores a valid batch and acknowledges it; a re-send is a duplicate and adds nothing", async () => {
    const batch = validBatch(Date.now());
    const first = await post(batch);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ batchId: batch.batchId, accepted: 3, duplicate: false });
    const t0 = batch.points[0]!.ts;
    const vib = await f.store.query({
      measurement: "vibration",
      field: "v_rms_mm_s",
      tags: { asset: "T01" },
      fromMs: t0,
      toMs: t0 + 60_000,
    });
    expect(vib).toEqual({
      kind: "success",
      value: [
        {
          tags: {},
          points: [
            { ts: t0, value: 2.5 },
            { ts: t0 + 1000, value: 3.5 },
          ],
        },
      ],
    });
    expect(await storedCount()).toBe(3);

    const again = await post(batch);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ batchId: batch.batchId, accepted: 3, duplicate: true });
    expect(await storedCount()).toBe(3);
  });

  it("accepts the agent's own health points tagged with its site", async () => {
    const batch = validBatch(Date.now());
    const health = (tags: Record<string, string>) => ({
      measurement: "agent" as const,
      tags,
      fields: { queue_depth: 12, dropped: 0 },
      ts: batch.points[0]!.ts,
    });
    const ok = await post({
      ...batch,
      points: [
        health({ site: "wf1", asset: "wf1", agent: "wf1-agent" }),
        health({ site: "wf1", agent: "wf1-agent" }),
      ],
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ accepted: 2 });
    const otherSite = await post({
      ...batch,
      batchId: "wf1-agent-00000002",
      points: [health({ site: "wf2", asset: "wf2", agent: "wf1-agent" })],
    });
    expect(otherSite.statusCode).toBe(400);
    expect(otherSite.json().error.code).toBe("UNKNOWN_ASSET");
  });

  it("accepts a gzip-encoded batch", async () => {
    const batch = validBatch(Date.now());
    const res = await post(gzipSync(JSON.stringify(batch)), f.tokens.agentWf1, {
      "content-encoding": "gzip",
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 3, duplicate: false });
    expect(await storedCount()).toBe(3);
  });

  const now = Date.now();
  const good = validBatch(now);
  const withPoint = (patch: Record<string, unknown>) => ({
    ...good,
    points: [good.points[0], { ...good.points[1], ...patch }],
  });
  const { agent: _agent, ...missingAgent } = good;
  const badCases: {
    name: string;
    body: unknown;
    status: number;
    code: string;
    message?: RegExp;
    headers?: Record<string, string>;
    token?: "agentWf2" | "north";
  }[] = [
    {
      name: "missing field",
      body: missingAgent,
      status: 400,
      code: "VALIDATION_FAILED",
      message: /body\.agent: required/,
    },
    {
      name: "extra key",
      body: { ...good, extra: 1 },
      status: 400,
      code: "VALIDATION_FAILED",
      message: /body\.extra: unknown key/,
    },
    {
      name: "extra key in a point",
      body: withPoint({ unit: "mm/s" }),
      status: 400,
      code: "VALIDATION_FAILED",
      message: /body\.points\[1\]\.unit: unknown key/,
    },
    {
      name: "wrong type",
      body: { ...good, points: "many" },
      status: 400,
      code: "VALIDATION_FAILED",
      message: /body\.points/,
    },
    {
      name: "string for a number",
      body: withPoint({ fields: { v_rms_mm_s: "3.5" } }),
      status: 400,
      code: "VALIDATION_FAILED",
      message: /body\.points\[1\]\.fields\.v_rms_mm_s/,
    },
    {
      name: "null for a number",
      body: withPoint({ fields: { v_rms_mm_s: null } }),
      status: 400,
      code: "VALIDATION_FAILED",
    },
    {
      name: "fractional timestamp",
      body: withPoint({ ts: now - 0.5 }),
      status: 400,
      code: "VALIDATION_FAILED",
    },
    {
      name: "timestamp far in the future",
      body: withPoint({ ts: now + 3_600_000 }),
      status: 400,
      code: "INVALID_TIMESTAMP",
      message: /points\[1\]\.ts/,
    },
    {
      name: "timestamp before 2000",
      body: withPoint({ ts: 900_000_000_000 }),
      status: 400,
      code: "VALIDATION_FAILED",
    },
    {
      name: "other site's asset",
      body: withPoint({ tags: { site: "wf2", asset: "T03" } }),
      status: 400,
      code: "UNKNOWN_ASSET",
      message: /points\[1\]/,
    },
    {
      name: "own site, asset of another site",
      body: withPoint({ tags: { site: "wf1", asset: "T03" } }),
      status: 400,
      code: "UNKNOWN_ASSET",
    },
    {
      name: "unknown asset",
      body: withPoint({ tags: { site: "wf1", asset: "T99" } }),
      status: 400,
      code: "UNKNOWN_ASSET",
    },
    { name: "no asset tag", body: withPoint({ tags: { site: "wf1" } }), status: 400, code: "UNKNOWN_ASSET" },
    {
      name: "a measuring point the asset does not have",
      body: withPoint({ tags: { site: "wf1", asset: "T01", point: "generator_de" } }),
      status: 400,
      code: "UNKNOWN_POINT",
      message: /points\[1\]\.tags\.point: "generator_de" is not a measuring point of T01/,
    },
    {
      name: "a vibration point without a measuring point",
      body: withPoint({ tags: { site: "wf1", asset: "T01" } }),
      status: 400,
      code: "UNKNOWN_POINT",
    },
    {
      name: "a field its measurement does not have",
      body: withPoint({ fields: { v_rms_mm_s: 1, humidity_pct: 40 } }),
      status: 400,
      code: "UNKNOWN_FIELD",
      message: /points\[1\]\.fields\.humidity_pct/,
    },
    {
      name: "a field of another measurement",
      body: withPoint({
        measurement: "scada",
        tags: { site: "wf1", asset: "T02" },
        fields: { v_rms_mm_s: 1 },
      }),
      status: 400,
      code: "UNKNOWN_FIELD",
    },
    {
      name: "an invented fault",
      body: withPoint({
        measurement: "diagnosis",
        tags: { site: "wf1", asset: "T01", point: "main_bearing", fault: "made_up_fault" },
        fields: { severity: 2, active: 1 },
      }),
      status: 400,
      code: "UNKNOWN_FAULT",
      message: /tags\.fault: "made_up_fault"/,
    },
    {
      name: "a diagnosis without a fault",
      body: withPoint({
        measurement: "diagnosis",
        tags: { site: "wf1", asset: "T01", point: "main_bearing" },
        fields: { severity: 2, active: 1 },
      }),
      status: 400,
      code: "UNKNOWN_FAULT",
    },
    {
      name: "a fault on a point that is not a diagnosis",
      body: withPoint({ tags: { site: "wf1", asset: "T01", point: "main_bearing", fault: "imbalance" } }),
      status: 400,
      code: "UNKNOWN_FAULT",
    },
    {
      name: "an unknown tag key",
      body: withPoint({ tags: { site: "wf1", asset: "T01", point: "main_bearing", serial: "x1" } }),
      status: 400,
      code: "UNKNOWN_TAG",
      message: /tags\.serial/,
    },
    { name: "batch for another site", body: good, status: 403, code: "FORBIDDEN", token: "agentWf2" },
    { name: "a service company token", body: good, status: 403, code: "FORBIDDEN", token: "north" },
    {
      name: "empty points",
      body: { ...good, points: [] },
      status: 400,
      code: "VALIDATION_FAILED",
      message: /body\.points/,
    },
    {
      name: "unknown measurement",
      body: withPoint({ measurement: "weather_station" }),
      status: 400,
      code: "VALIDATION_FAILED",
    },
    { name: "malformed JSON", body: '{"batchId": "x', status: 400, code: "BAD_REQUEST" },
    {
      name: "gzip garbage",
      body: Buffer.from("this is not gzip at all, not even close"),
      status: 400,
      code: "BAD_REQUEST",
      message: /gzip/,
      headers: { "content-encoding": "gzip" },
    },
    {
      name: "unsupported encoding",
      body: JSON.stringify(good),
      status: 415,
      code: "UNSUPPORTED_ENCODING",
      headers: { "content-encoding": "br" },
    },
  ];
  for (const c of badCases) {
    it(`refuses ${c.name} (${c.status} ${c.code}) and stores nothing`, async () => {
      const res = await post(c.body, c.token ? f.tokens[c.token] : f.tokens.agentWf1, c.headers);
      expect(res.statusCode).toBe(c.status);
      const body = res.json();
      expect(body.error.code).toBe(c.code);
      if (c.message) expect(body.error.message).toMatch(c.message);
      // A refusal of a point names it (and only it) in details.rejected; a refusal of the request has none.
      if (c.code.startsWith("UNKNOWN_") || c.code.startsWith("INVALID_"))
        expect(body.error.details).toEqual({
          rejected: [{ index: 1, code: c.code, message: body.error.message }],
        });
      else expect(body.error.details).toBeUndefined();
      expect(await storedCount()).toBe(0);
    });
  }

  it("lists every refused point by index, stores nothing of the batch, and then stores the rest once", async () => {
    const t0 = good.points[0]!.ts;
    const vib = (point: string, ts: number) => ({
      measurement: "vibration" as const,
      tags: { site: "wf1", asset: "T01", point },
      fields: { v_rms_mm_s: 1.5 },
      ts,
    });
    const points = [
      vib("main_bearing", t0),
      vib("rotor_blade", t0),
      vib("gearbox_hss", t0),
      { ...vib("main_bearing", t0 + 1000), fields: { v_rms_mm_s: 2, vibes: 1 } },
      vib("main_bearing", t0 + 2000),
    ];
    const res = await post({ ...good, points });
    expect(res.statusCode).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe("UNKNOWN_POINT");
    expect(error.message).toMatch(/\(and 1 more of the points refused\)$/);
    expect(error.details.rejected).toEqual([
      {
        index: 1,
        code: "UNKNOWN_POINT",
        message: expect.stringMatching(/^points\[1\]\.tags\.point: "rotor_blade"/),
      },
      { index: 3, code: "UNKNOWN_FIELD", message: expect.stringMatching(/^points\[3\]\.fields\.vibes/) },
    ]);
    expect(await storedCount()).toBe(0);
    // What an agent does next: the others again, at once.
    const rest = await post({
      ...good,
      batchId: "wf1-agent-00000009",
      points: [0, 2, 4].map((i) => points[i]),
    });
    expect(rest.statusCode).toBe(200);
    expect(await storedCount()).toBe(3);
  });

  it("checks each point of a series for what is its own, and gives a series' refusal to every point of it", async () => {
    const t0 = good.points[0]!.ts;
    const vib = (point: string, ts: number, fields: Record<string, number> = { v_rms_mm_s: 1.5 }) => ({
      measurement: "vibration" as const,
      tags: { site: "wf1", asset: "T01", point },
      fields,
      ts,
    });
    const points = [
      vib("main_bearing", t0),
      vib("main_bearing", Date.now() + 3_600_000),
      vib("main_bearing", t0 + 1000, { v_rms_mm_s: 1, vibes: 1 }),
      vib("main_bearing", t0 + 2000, { v_rms_mm_s: -1 }),
      vib("rotor_blade", t0),
      vib("rotor_blade", t0 + 1000),
      // The same series with its tags in another order: one series, accepted like point 0.
      {
        measurement: "vibration" as const,
        tags: { point: "main_bearing", asset: "T01", site: "wf1" },
        fields: { v_rms_mm_s: 2 },
        ts: t0 + 3000,
      },
      vib("main_bearing", t0 + 4000, { v_rms_mm_s: 1e300 }),
    ];
    const res = await post({ ...good, points });
    expect(res.statusCode).toBe(400);
    const rejected = res.json().error.details.rejected as { index: number; code: string; message: string }[];
    expect(rejected.map((r) => [r.index, r.code])).toEqual([
      [1, "INVALID_TIMESTAMP"],
      [2, "UNKNOWN_FIELD"],
      [3, "INVALID_NUMBER"],
      [4, "UNKNOWN_POINT"],
      [5, "UNKNOWN_POINT"],
      [7, "INVALID_NUMBER"],
    ]);
    expect(rejected[1]!.message).toMatch(/^points\[2\]\.fields\.vibes/);
    expect(rejected[2]!.message).toMatch(
      /^points\[3\]\.fields\.v_rms_mm_s: -1 is below its physical minimum 0/,
    );
    expect(rejected[4]!.message).toMatch(/^points\[5\]\.tags\.point: "rotor_blade"/);
    expect(rejected[5]!.message).toMatch(/^points\[7\]\.fields\.v_rms_mm_s: 1e\+300 is out of range/);
    expect(await storedCount()).toBe(0);
    const rest = await post({ ...good, batchId: "wf1-agent-00000010", points: [0, 6].map((i) => points[i]) });
    expect(rest.statusCode).toBe(200);
    expect(await storedCount()).toBe(2);
  });

  it("refuses a body larger than the limit after decompression", async () => {
    const big = {
      ...good,
      points: Array.from({ length: 1 }, () => good.points[0]),
      padding: "x".repeat(17 * 1024 * 1024),
    };
    const res = await post(gzipSync(JSON.stringify(big)), f.tokens.agentWf1, { "content-encoding": "gzip" });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe("BATCH_TOO_LARGE");
    expect(await storedCount()).toBe(0);
  });

  it("answers 401 without a token or with a wrong one", async () => {
    const none = await f.app.inject({ method: "POST", url: "/api/v1/ingest", payload: good });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe("UNAUTHENTICATED");
    expect(none.headers["www-authenticate"]).toMatch(/^Bearer/);
    const wrong = await post(good, "not-a-token");
    expect(wrong.statusCode).toBe(401);
    await f.meta.tokens.revoke(f.tokens.agentWf1);
    const revoked = await post(good);
    expect(revoked.statusCode).toBe(401);
    expect(await storedCount()).toBe(0);
  });
});

describe("POST /api/v1/ingest with the store down", () => {
  it("answers 503 STORE_UNAVAILABLE with Retry-After, and readyz is 503 while healthz stays 200", async () => {
    const port = await freePort();
    const store = openInfluxStore({ url: `http://127.0.0.1:${port}`, database: "vetra", timeoutMs: 1000 });
    const f = await makeCentralFixture({ store });
    try {
      const res = await f.app.inject({
        method: "POST",
        url: "/api/v1/ingest",
        headers: f.auth(f.tokens.agentWf1),
        payload: validBatch(Date.now()),
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe("STORE_UNAVAILABLE");
      expect(Number(res.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      // Not remembered: the re-send after recovery must not be reported as a duplicate.
      expect(
        await f.meta.batches.remember({ site: "wf1", batchId: "wf1-agent-00000001", agent: "a", points: 3 }),
      ).toBe(true);
      const ready = await f.app.inject({ method: "GET", url: "/readyz" });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().error.code).toBe("STORE_UNAVAILABLE");
      expect((await f.app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    } finally {
      await f.close();
    }
  });
});
