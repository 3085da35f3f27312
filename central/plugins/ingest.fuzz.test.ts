// Fuzz of POST /api/v1/ingest: thousands of bodies, each broken by one to
// three mutations that each make a batch invalid on their own (so every one
// must be refused). Expected: every answer 4xx with an error code from the
// table, the store's own file holds no sample afterwards, and central still
// stores a good batch.

import { join } from "node:path";
import { gzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCodes } from "../../common/errors.ts";
import { mulberry32 } from "../../simulators/turbine/physics.ts";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";

type Json = Record<string, unknown>;
const NOW = Date.now();
const good = (): Json => ({
  batchId: "fuzz-batch-0001",
  agent: "edge-wf1",
  site: "wf1",
  sentAt: NOW,
  points: [0, 1, 2].map((i) => ({
    measurement: "scada",
    tags: { site: "wf1", asset: "T01" },
    fields: { power_kw: 100 + i, rotor_speed_rpm: 12 },
    ts: NOW - 10_000 + i * 1000,
  })),
});

/** Each mutation alone makes the batch invalid. A raw-text sentinel lets JSON carry what JSON.stringify cannot. */
type Mutation = (b: Json, r: () => number) => void;
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const pointOf = (b: Json, r: () => number): Json => {
  const pts = b.points as Json[];
  return pts[Math.floor(r() * pts.length)]!;
};
const RAW = (text: string) => `@@RAW:${text}@@`;
const WRONG_TYPES = [null, true, [], {}, "x", -1.5];

const MUTATIONS: Mutation[] = [
  (b, r) => delete b[pick(r, ["batchId", "agent", "site", "sentAt", "points"])],
  (b, r) => delete pointOf(b, r)[pick(r, ["measurement", "tags", "fields", "ts"])],
  (b, r) => {
    b[pick(r, ["batchId", "points", "sentAt"])] = pick(r, [null, true, {}, -1.5, 3]);
  },
  (b, r) => {
    pointOf(b, r)[pick(r, ["tags", "fields", "measurement"])] = pick(
      r,
      WRONG_TYPES.filter((v) => typeof v !== "object" || v === null),
    );
  },
  (b, r) => {
    b[pick(r, ["extra", "__proto__x", "constructor"])] = 1;
  },
  (b, r) => {
    pointOf(b, r).unit = "kW";
  },
  (b, r) => {
    pointOf(b, r).ts = pick(r, [
      NOW + 86_400_000,
      0,
      -5,
      946_684_799_999,
      NOW + 0.5,
      RAW("1e309"),
      "2025-01-01",
    ]);
  },
  (b, r) => {
    const f = pointOf(b, r).fields as Json;
    f.power_kw = pick(r, [
      RAW("NaN"),
      RAW("Infinity"),
      RAW("-Infinity"),
      RAW("1e309"),
      RAW("-1e400"),
      "12",
      null,
      true,
    ]);
  },
  (b, r) => {
    pointOf(b, r).measurement = pick(r, ["Scada", "cpu", "", "vibration; DROP TABLE sample"]);
  },
  (b, r) => {
    (pointOf(b, r).tags as Json).asset = pick(r, ["T02\nx", "", "x".repeat(129), "T03", "T99", "H01"]);
  },
  (b, r) => {
    (pointOf(b, r).tags as Json)[pick(r, ["Asset", "has space", "1x", ""])] = "v";
  },
  (b, r) => {
    (pointOf(b, r).tags as Json).site = pick(r, ["wf2", "fac-h01", "nowhere"]);
  },
  (b) => {
    b.site = "wf2";
  },
  (b, r) => {
    b.points = pick(r, [[], {}, "[]"]);
  },
  (b, r) => {
    pointOf(b, r).fields = {};
  },
  (b, r) => {
    (pointOf(b, r).fields as Json)[pick(r, ["Power", "x-y", "", "9a"])] = 1;
  },
  (b, r) => {
    b.batchId = pick(r, ["short", "has space in it", "x".repeat(129), "semi;colon;id"]);
  },
  (b, r) => {
    b.sentAt = pick(r, [1.5, -1, 0, "now"]);
  },
];

interface Body {
  payload: string | Buffer;
  headers: Record<string, string>;
}

function malformed(r: () => number): Body {
  const kind = r();
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (kind < 0.08) {
    // Not a batch at all.
    const payload = pick(r, ["", "null", "[]", "42", '"batch"', "{", "}{", "\u0000\u0001", '{"a":1}']);
    return { payload, headers };
  }
  if (kind < 0.12) {
    // Random bytes.
    const bytes = Buffer.alloc(1 + Math.floor(r() * 300));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r() * 256);
    return { payload: bytes, headers };
  }
  const b = good();
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    try {
      pick(r, MUTATIONS)(b, r);
    } catch {
      // An earlier mutation removed what this one changes: the batch is invalid already.
    }
  }
  const text = JSON.stringify(b).replace(/"@@RAW:(.*?)@@"/g, "$1");
  if (kind < 0.2) {
    // Truncated JSON of an otherwise valid-looking batch.
    return { payload: text.slice(0, Math.floor(r() * (text.length - 1))), headers };
  }
  if (kind < 0.25) {
    // Claims gzip but is plain, or gzip cut short.
    const gz = gzipSync(text);
    const payload = r() < 0.5 ? text : gz.subarray(0, Math.floor(gz.length / 2));
    return { payload, headers: { ...headers, "content-encoding": "gzip" } };
  }
  if (kind < 0.28)
    return { payload: text, headers: { ...headers, "content-encoding": pick(r, ["br", "deflate", "zstd"]) } };
  if (kind < 0.3)
    return { payload: text, headers: { "content-type": pick(r, ["text/plain", "application/xml"]) } };
  return {
    payload: r() < 0.3 ? gzipSync(text) : text,
    headers: r() < 0.3 ? { ...headers, "content-encoding": "gzip" } : headers,
  };
}

const COUNT = Number(process.env.VETRA_FUZZ_BODIES ?? 3000);

describe("POST /api/v1/ingest fuzz", () => {
  let f: CentralFixture;
  beforeAll(async () => {
    f = await makeCentralFixture();
  });
  afterAll(async () => f.close());

  const samplesInStore = (): number => {
    const db = new Database(join(f.config.dataDir, "timeseries.sqlite"), { readonly: true });
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM sample").get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it(`refuses ${COUNT} malformed bodies with 4xx, stores nothing, stays alive`, {
    timeout: 120_000,
  }, async () => {
    // Seeded, so a failure is reproducible from the seed.
    const r = mulberry32(20250401);
    const byCode = new Map<string, number>();
    for (let i = 0; i < COUNT; i++) {
      const body = malformed(r);
      // gzip'd bodies need the header, plain ones must not claim it (handled in malformed()).
      const res = await f.app.inject({
        method: "POST",
        url: "/api/v1/ingest",
        headers: { ...f.auth(f.tokens.agentWf1), ...body.headers },
        payload: body.payload,
      });
      const ok = res.statusCode >= 400 && res.statusCode < 500;
      if (!ok)
        throw new Error(
          `body #${i} got ${res.statusCode}: ${String(body.payload).slice(0, 300)} → ${res.body}`,
        );
      const code = (res.json() as { error: { code: string } }).error.code;
      expect(Object.keys(ErrorCodes)).toContain(code);
      byCode.set(code, (byCode.get(code) ?? 0) + 1);
    }
    console.log(`ingest fuzz: ${COUNT} bodies refused by code ${JSON.stringify(Object.fromEntries(byCode))}`);
    expect(byCode.size).toBeGreaterThanOrEqual(5);
    expect(samplesInStore()).toBe(0);
    expect((await f.app.inject({ url: "/healthz" })).statusCode).toBe(200);
    const fine = await f.app.inject({
      method: "POST",
      url: "/api/v1/ingest",
      headers: f.auth(f.tokens.agentWf1),
      payload: good(),
    });
    expect(fine.statusCode).toBe(200);
    expect(samplesInStore()).toBe(6); // 3 points × 2 fields
  });
});
