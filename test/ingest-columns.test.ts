// POST /api/v1/ingest with the columnar body (common/wire-columns.ts), on the
// embedded store and on a real InfluxDB: stored like the same points sent
// as version 1, every point refused exactly as version 1 refuses it, and
// hostile bodies answered with a clear 4xx, nothing stored, the process up.
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { openInfluxStore } from "../central/stores/influx.ts";
import type { TimeSeriesStore } from "../central/stores/types.ts";
import { type IngestBatch, MAX_POINTS_PER_BATCH, type WirePoint } from "../common/wire.ts";
import { INGEST_V2_MEDIA_TYPE } from "../common/wire-columns.ts";
import { batchRefusals, toColumnsBatch } from "../edge-agent/uplink/columns.ts";
import { type CentralFixture, makeCentralFixture } from "./helpers/central-fixture.ts";
import { influxdAvailable, type RunningInfluxd, startInfluxd } from "./helpers/influxd.ts";
import { batchOf, scada } from "./helpers/wire-batch.ts";

const minute = (ms: number) => Math.floor(ms / 60_000) * 60_000;
const T0 = minute(Date.now()) - 30 * 60_000;

const vibration = (point: string, ts: number, v: number): WirePoint => ({
  measurement: "vibration",
  tags: { site: "wf1", asset: "T01", point },
  fields: { v_rms_mm_s: v, iso_zone: 2 },
  ts,
});

/** A series of the columnar body written by hand (hostile bodies are not what the encoder makes). */
const series = (extra: Record<string, unknown> = {}) => ({
  measurement: "scada",
  tags: { site: "wf1", asset: "T02" },
  fields: ["power_kw", "wind_speed_m_s"],
  ts: [T0, T0 + 1000],
  values: [
    [1500, 1510],
    [9.5, 9.6],
  ],
  ...extra,
});
const body = (extra: Record<string, unknown> = {}, seriesList: unknown[] = [series()]) => ({
  batchId: "wf1-agent-hostile-1",
  agent: "wf1-agent",
  site: "wf1",
  sentAt: Date.now(),
  series: seriesList,
  ...extra,
});

const stores: [string, () => Promise<TimeSeriesStore | undefined>][] = [["embedded", async () => undefined]];
let influxd: RunningInfluxd | undefined;
let databases = 0;
if (influxdAvailable())
  stores.push([
    "influx",
    async () => {
      influxd ??= await startInfluxd();
      // A database per test: nothing one test stored is seen by another.
      return openInfluxStore({ url: influxd.url, database: `columns_${++databases}` });
    },
  ]);
afterAll(async () => {
  await influxd?.stop();
});

describe.each(stores)("POST /api/v1/ingest, columnar body (%s store)", (_kind, openStore) => {
  let f: CentralFixture;
  beforeEach(async () => {
    const store = await openStore();
    f = await makeCentralFixture(store ? { store } : {});
  });
  afterEach(async () => {
    await f.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    f.app.inject({
      method: "POST",
      url: "/api/v1/ingest",
      headers: { "content-type": INGEST_V2_MEDIA_TYPE, ...f.auth(f.tokens.agentWf1), ...headers },
      payload: typeof payload === "string" || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
    });
  const postV1 = (batch: IngestBatch) =>
    f.app.inject({
      method: "POST",
      url: "/api/v1/ingest",
      headers: { "content-type": "application/json", ...f.auth(f.tokens.agentWf1) },
      payload: JSON.stringify(batch),
    });

  /** Every stored value of the fields these tests write. */
  const stored = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const [measurement, field] of [
      ["scada", "power_kw"],
      ["scada", "wind_speed_m_s"],
      ["vibration", "v_rms_mm_s"],
    ] as const) {
      const r = await f.store.query({
        measurement,
        field,
        fromMs: T0 - 3_600_000,
        toMs: Date.now() + 3_600_000,
        groupBy: ["asset", "point"],
      });
      if (r.kind !== "success") throw new Error(r.message);
      for (const s of r.value)
        for (const p of s.points)
          out.push(`${measurement} ${JSON.stringify(s.tags)} ${field} ${p.ts} ${p.value}`);
    }
    return out.sort();
  };

  /** The process still takes a good batch after a hostile one. */
  const stillUp = async (): Promise<void> => {
    const res = await post({ ...body(), batchId: "wf1-agent-after-1" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ batchId: "wf1-agent-after-1", accepted: 2, duplicate: false });
  };

  it("stores a batch as the same points sent as version 1 would be, and a re-send is a duplicate", async () => {
    const points = [
      scada("T02", T0, { power_kw: 1500, wind_speed_m_s: 9.5 }),
      vibration("main_bearing", T0, 2.5),
      scada("T02", T0 + 1000, { power_kw: 1510 }),
      // Tags in another order: the same series.
      {
        measurement: "scada",
        tags: { asset: "T02", site: "wf1" },
        fields: { wind_speed_m_s: 9.7 },
        ts: T0 + 2000,
      },
      vibration("main_bearing", T0 + 1000, 3.5),
    ] as WirePoint[];
    const v2 = toColumnsBatch(batchOf("wf1-agent-columns-1", points)).body;
    // Two series; the scada one has a null where a point lacks a field.
    expect(v2.series.map((s) => s.ts.length)).toEqual([3, 2]);
    expect(v2.series[0]!.values).toEqual([
      [1500, 1510, null],
      [9.5, null, 9.7],
    ]);
    for (const duplicate of [false, true]) {
      const res = await post(v2);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ batchId: "wf1-agent-columns-1", accepted: 5, duplicate });
    }
    const viaColumns = await stored();
    expect(viaColumns).toHaveLength(6);
    // The same points as version 1, in another store: the same rows.
    const other = await makeCentralFixture();
    try {
      const res = await other.app.inject({
        method: "POST",
        url: "/api/v1/ingest",
        headers: other.auth(other.tokens.agentWf1),
        payload: batchOf("wf1-agent-points-1", points),
      });
      expect(res.statusCode).toBe(200);
      const g = f;
      f = other;
      const viaPoints = await stored();
      f = g;
      expect(viaColumns).toEqual(viaPoints);
    } finally {
      await other.close();
    }
  });

  it("refuses every bad point exactly as version 1 does (codes, messages, indexes mapped back), storing nothing", async () => {
    const future = Date.now() + 3_600_000;
    const points: WirePoint[] = [
      scada("T02", T0, { power_kw: 1500 }),
      scada("T99", T0, { power_kw: 1500 }), // unknown asset
      vibration("no_such_point", T0, 2), // unknown point
      scada("T02", T0 + 1000, { power_kw: 1500, not_a_field: 1 }), // unknown field
      scada("T02", future, { power_kw: 1500 }), // ahead of central's clock
      scada("T02", T0 + 2000, { power_kw: 2e15 }), // beyond MAX_FIELD_MAGNITUDE
      { ...vibration("main_bearing", T0, -1) }, // below its physical minimum
      vibration("main_bearing", T0 + 1000, 2),
      {
        measurement: "scada",
        tags: { site: "wf1", asset: "T02", rogue: "x" },
        fields: { power_kw: 1 },
        ts: T0,
      },
    ];
    const v1 = await postV1(batchOf("wf1-agent-mixed-1", points));
    expect(v1.statusCode).toBe(400);
    const { body: v2body, order } = toColumnsBatch(batchOf("wf1-agent-mixed-1", points));
    const v2 = await post(v2body);
    expect(v2.statusCode).toBe(400);
    const v1rejected = v1.json().error.details.rejected;
    const v2rejected = batchRefusals(v2.json().error.details.rejected, order);
    expect(v1rejected.map((r: { index: number }) => r.index)).toEqual([1, 2, 3, 4, 5, 6, 8]);
    expect(new Set(v1rejected.map((r: { code: string }) => r.code))).toEqual(
      new Set([
        "UNKNOWN_ASSET",
        "UNKNOWN_POINT",
        "UNKNOWN_FIELD",
        "INVALID_TIMESTAMP",
        "INVALID_NUMBER",
        "UNKNOWN_TAG",
      ]),
    );
    expect([...v2rejected!].sort((a, b) => a.index - b.index)).toEqual(v1rejected);
    expect(v2.json().error.code).toBe(v2.json().error.details.rejected[0].code);
    expect(await stored()).toEqual([]);
    await stillUp();
  });

  it("an admin writes several sites, each series against its own site's catalog, as in version 1", async () => {
    const points: WirePoint[] = [
      scada("T02", T0, { power_kw: 1 }),
      { measurement: "scada", tags: { site: "wf2", asset: "T03" }, fields: { power_kw: 2 }, ts: T0 },
      { measurement: "scada", tags: { site: "wf9", asset: "T09" }, fields: { power_kw: 3 }, ts: T0 },
      { measurement: "scada", tags: { site: "wf2", asset: "T02" }, fields: { power_kw: 4 }, ts: T0 },
    ];
    const asAdmin = (payload: unknown, type: string) =>
      f.app.inject({
        method: "POST",
        url: "/api/v1/ingest",
        headers: { "content-type": type, ...f.auth(f.tokens.admin) },
        payload: JSON.stringify(payload),
      });
    const batch = batchOf("admin-sites-1", points);
    const v1 = await asAdmin(batch, "application/json");
    const { body: v2body, order } = toColumnsBatch(batch);
    const v2 = await asAdmin(v2body, INGEST_V2_MEDIA_TYPE);
    expect(v1.statusCode).toBe(400);
    expect(v2.statusCode).toBe(400);
    const v1rejected = v1.json().error.details.rejected;
    expect(v1rejected.map((r: { index: number; code: string }) => `${r.index} ${r.code}`)).toEqual([
      "2 UNKNOWN_ASSET",
      "3 UNKNOWN_ASSET",
    ]);
    expect(batchRefusals(v2.json().error.details.rejected, order)).toEqual(v1rejected);
    expect(await stored()).toEqual([]);
    // Without the bad ones, both sites' points are stored.
    const good = toColumnsBatch(batchOf("admin-sites-2", points.slice(0, 2))).body;
    const ok = await asAdmin(good, INGEST_V2_MEDIA_TYPE);
    expect(ok.statusCode).toBe(200);
    expect(await stored()).toHaveLength(2);
  });

  it("refuses a value JSON reads as Infinity (1e999) as version 1 does: the schema's, naming its place", async () => {
    const text = JSON.stringify(body()).replace("1510", "1e999");
    const res = await post(text);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: "VALIDATION_FAILED" });
    expect(res.json().error.message).toMatch(/^body\.series\[0\]\.values\[0\]\[1\]: must be number/);
    const v1 = await f.app.inject({
      method: "POST",
      url: "/api/v1/ingest",
      headers: { "content-type": "application/json", ...f.auth(f.tokens.agentWf1) },
      payload: JSON.stringify(batchOf("wf1-agent-inf-1", [scada("T02", T0, { power_kw: 1 })])).replace(
        '"power_kw":1',
        '"power_kw":1e999',
      ),
    });
    expect(v1.statusCode).toBe(400);
    expect(v1.json().error.code).toBe("VALIDATION_FAILED");
    expect(await stored()).toEqual([]);
    await stillUp();
  });

  const refusals: [string, () => unknown, number, string, RegExp][] = [
    [
      "a values column shorter than ts",
      () => body({}, [series({ values: [[1500], [9.5, 9.6]] })]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.values\[0\]: 1 values for 2 timestamps/,
    ],
    [
      "fewer columns than fields",
      () => body({}, [series({ values: [[1500, 1510]] })]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.values: 1 columns for 2 fields/,
    ],
    [
      "a field named twice",
      () => body({}, [series({ fields: ["power_kw", "power_kw"] })]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.fields/,
    ],
    [
      "a point with no value",
      () =>
        body({}, [
          series({
            values: [
              [1500, null],
              [9.5, null],
            ],
          }),
        ]),
      400,
      "VALIDATION_FAILED",
      /point 1 \(ts\[1\]\) has no value/,
    ],
    [
      "a string for a number",
      () =>
        body({}, [
          series({
            values: [
              [1500, "1510"],
              [9.5, 9.6],
            ],
          }),
        ]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.values\[0\]\[1\]/,
    ],
    [
      "NaN as a string",
      () =>
        body({}, [
          series({
            values: [
              [1500, "NaN"],
              [9.5, 9.6],
            ],
          }),
        ]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.values\[0\]\[1\]/,
    ],
    [
      "timestamps as strings",
      () => body({}, [series({ ts: [String(T0), String(T0 + 1)] })]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.ts\[0\]/,
    ],
    [
      "a fractional timestamp",
      () => body({}, [series({ ts: [T0 + 0.5, T0 + 1000] })]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.ts\[0\]/,
    ],
    [
      "a timestamp before 2000",
      () => body({}, [series({ ts: [0, T0] })]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.ts\[0\]/,
    ],
    [
      "a timestamp past what a store holds",
      () => body({}, [series({ ts: [T0, 9.3e12] })]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.ts\[1\]/,
    ],
    [
      "fields as one string",
      () => body({}, [series({ fields: "power_kw" })]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.fields/,
    ],
    [
      "nested junk in a column",
      () =>
        body({}, [
          series({
            values: [
              [1500, [1510]],
              [9.5, 9.6],
            ],
          }),
        ]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.values\[0\]\[1\]/,
    ],
    [
      "an object as a tag value",
      () => body({}, [series({ tags: { site: "wf1", asset: { id: "T02" } } })]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.tags\.asset/,
    ],
    [
      "an unknown key in a series",
      () => body({}, [series({ points: [] })]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.points: unknown key/,
    ],
    [
      "an unknown key at the top",
      () => body({ points: [] }),
      400,
      "VALIDATION_FAILED",
      /body\.points: unknown key/,
    ],
    [
      "a __proto__ tag",
      () => JSON.stringify(body()).replace('"tags":{', '"tags":{"__proto__":"x",'),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.tags/,
    ],
    [
      "the same series twice (tags in another order)",
      () => body({}, [series(), series({ tags: { asset: "T02", site: "wf1" }, ts: [T0 + 5000, T0 + 6000] })]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[1\]: the same measurement and tags as body\.series\[0\]/,
    ],
    [
      "more timestamps in a series than a batch holds",
      () =>
        body({}, [
          series({
            ts: Array.from({ length: MAX_POINTS_PER_BATCH + 1 }, (_, i) => T0 + i),
            values: [[1], [1]],
          }),
        ]),
      400,
      "VALIDATION_FAILED",
      /body\.series\[0\]\.ts/,
    ],
    [
      "more points in all than a batch holds",
      () => {
        const half = Math.ceil(MAX_POINTS_PER_BATCH / 2) + 1;
        const column = Array.from({ length: half }, () => 1);
        const ts = Array.from({ length: half }, (_, i) => T0 - i);
        return body({}, [
          series({ ts, values: [column, column] }),
          series({ tags: { site: "wf1", asset: "T01" }, ts, values: [column, column] }),
        ]);
      },
      400,
      "VALIDATION_FAILED",
      /body\.series: more than 50000 points in all/,
    ],
    ["no series", () => body({}, []), 400, "VALIDATION_FAILED", /body\.series/],
    [
      "version 1 points under the columnar type",
      () => ({ ...batchOf("wf1-agent-points-2", [scada("T02", T0, { power_kw: 1 })]) }),
      400,
      "VALIDATION_FAILED",
      /body\.points: unknown key|body\.series: required/,
    ],
    ["not JSON", () => '{"series": [', 400, "BAD_REQUEST", /not JSON/],
  ];
  it.each(refusals)(
    "refuses %s with a clear 4xx, storing nothing",
    async (_what, make, status, code, message) => {
      const res = await post(make() as never);
      expect(res.statusCode).toBe(status);
      expect(res.json().error.code).toBe(code);
      expect(res.json().error.message).toMatch(message);
      expect(await stored()).toEqual([]);
      await stillUp();
    },
  );

  it("refuses a columnar body sent as application/json, and version 1 points under the columnar type", async () => {
    const asJson = await f.app.inject({
      method: "POST",
      url: "/api/v1/ingest",
      headers: { "content-type": "application/json", ...f.auth(f.tokens.agentWf1) },
      payload: JSON.stringify(body()),
    });
    expect(asJson.statusCode).toBe(400);
    expect(asJson.json().error.code).toBe("VALIDATION_FAILED");
    expect(await stored()).toEqual([]);
  });

  it("reads the media type case-insensitively with charset=utf-8, and refuses other spellings and charsets (415)", async () => {
    const upper = await post(body(), {
      "content-type": "APPLICATION/VND.VETRA.POINTS.V2+JSON; Charset=UTF-8",
    });
    expect(upper.statusCode).toBe(200);
    for (const type of [
      "application/vnd.vetra.points.v2%2Bjson",
      "application/vnd.vetra.points.v2+json; charset=latin1",
      "application/vnd.vetra.points.v2+json; version=3",
      "application/vnd.vetra.points.v3+json",
      "text/plain",
    ]) {
      const res = await post({ ...body(), batchId: "wf1-agent-spelling-1" }, { "content-type": type });
      expect(res.statusCode, type).toBe(415);
      expect(res.json().error.code, type).toBe("UNSUPPORTED_ENCODING");
    }
    expect(await stored()).toHaveLength(4);
  });

  it("caps the decompressed size as for version 1: a gzip bomb is 413, nothing stored", async () => {
    const bomb = gzipSync(
      Buffer.from(
        JSON.stringify(body({}, [series({ ts: [T0, T0 + 1000] })])).replace(
          "{",
          `{${" ".repeat(17 * 1024 * 1024)}`,
        ),
      ),
    );
    expect(bomb.length).toBeLessThan(100 * 1024);
    const res = await post(bomb, { "content-encoding": "gzip" });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe("BATCH_TOO_LARGE");
    expect(await stored()).toEqual([]);
    await stillUp();
  });

  it("the ingest catalog lists both media types, under an ETag of its own", async () => {
    const res = await f.app.inject({
      method: "GET",
      url: "/api/v1/ingest/catalog",
      headers: f.auth(f.tokens.agentWf1),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().ingestFormats).toEqual(["application/json", INGEST_V2_MEDIA_TYPE]);
    const again = await f.app.inject({
      method: "GET",
      url: "/api/v1/ingest/catalog",
      headers: { ...f.auth(f.tokens.agentWf1), "if-none-match": String(res.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
  });
});
