// The ingest benchmark's load generator: batches of synthetic SCADA points
// POSTed to central (gzip'd JSON, as an agent sends them: the columnar body
// of common/wire-columns.ts, or the version 1 list of points) or as line
// protocol straight to InfluxDB (the baseline), several batches in flight.
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { Point } from "../common/wire.ts";
import { INGEST_V1_MEDIA_TYPE, INGEST_V2_MEDIA_TYPE } from "../common/wire-columns.ts";
import { toColumnsBatch } from "../edge-agent/uplink/columns.ts";

/** Which request body the load sends central: the columnar one (what agents send now) or version 1 (older agents). */
export type Body = "v2" | "v1";

const gzipAsync = promisify(gzip);
export const BATCH = 5000;
/** VETRA_BENCH_QUICK=1: a short run to check the bench works, not figures to publish. */
export const QUICK = process.env.VETRA_BENCH_QUICK === "1";
export const BATCHES = Number(process.env.VETRA_BENCH_INGEST_BATCHES ?? (QUICK ? 8 : 40));
/** Batches in flight at once (several agents). */
export const CONCURRENCY = 4;

const T0 = Date.now() - 3 * 86_400_000;
export const batchPoints = (b: number): Point[] =>
  Array.from({ length: BATCH }, (_, i) => ({
    measurement: "scada",
    tags: { site: "wf1", asset: i % 2 === 0 ? "T01" : "T02" },
    fields: { power_kw: 1000 + (i % 97), rotor_speed_rpm: 12 + (i % 5) / 10, wind_speed_m_s: 8.5 },
    ts: T0 + (b * BATCH + i) * 10,
  }));

const lineProtocol = (points: Point[]): string =>
  points
    .map(
      (p) =>
        `${p.measurement},${Object.entries(p.tags)
          .sort()
          .map(([k, v]) => `${k}=${v}`)
          .join(",")} ${Object.entries(p.fields)
          .map(([k, v]) => `${k}=${v}`)
          .join(",")} ${p.ts}`,
    )
    .join("\n");

async function pool(n: number, work: (i: number) => Promise<void>): Promise<number> {
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await work(next++);
    }),
  );
  return (performance.now() - t) / 1000;
}

/** A prepared load: `send()` posts it and resolves to points/s; building and compressing it is not timed. */
export interface Load {
  points: number;
  send(): Promise<number>;
}

/** BATCHES batches for central from batch number `offset` on; with several URLs, batch b goes to urls[b % n]. */
export async function centralLoad(
  url: string | string[],
  token: string,
  offset: number,
  body: Body = "v2",
): Promise<Load> {
  const urls = typeof url === "string" ? [url] : url;
  const bodies = await Promise.all(
    Array.from({ length: BATCHES }, (_, b) => {
      const batch = {
        batchId: `bench-${offset}-${b}`,
        agent: "bench",
        site: "wf1",
        sentAt: Date.now(),
        points: batchPoints(offset + b),
      };
      // The agent's own encoder (edge-agent/uplink/columns.ts) makes the columnar body.
      return gzipAsync(JSON.stringify(body === "v2" ? toColumnsBatch(batch).body : batch));
    }),
  );
  const mediaType = body === "v2" ? INGEST_V2_MEDIA_TYPE : INGEST_V1_MEDIA_TYPE;
  return {
    points: BATCHES * BATCH,
    async send() {
      const s = await pool(BATCHES, async (b) => {
        const res = await fetch(`${urls[b % urls.length]}/api/v1/ingest`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": mediaType,
            "content-encoding": "gzip",
          },
          body: bodies[b]!,
        });
        if (res.status !== 200) throw new Error(`ingest ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      });
      return (BATCHES * BATCH) / s;
    },
  };
}

/** The same BATCHES batches as line protocol for InfluxDB 1.x `/write` into database `db`. */
export function directLoad(url: string, db: string, offset: number): Load {
  const bodies = Array.from({ length: BATCHES }, (_, b) => lineProtocol(batchPoints(offset + b)));
  return {
    points: BATCHES * BATCH,
    async send() {
      const s = await pool(BATCHES, async (b) => {
        const res = await fetch(`${url}/write?db=${db}&precision=ms`, { method: "POST", body: bodies[b]! });
        if (res.status !== 204) throw new Error(`influx write ${res.status}: ${await res.text()}`);
      });
      return (BATCHES * BATCH) / s;
    },
  };
}

/** Points/s of BATCHES batches POSTed to central. */
export async function viaCentral(
  url: string | string[],
  token: string,
  offset: number,
  body: Body = "v2",
): Promise<number> {
  return (await centralLoad(url, token, offset, body)).send();
}
