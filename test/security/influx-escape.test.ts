// Issue 13, finding 7: tag values InfluxDB line protocol cannot carry, and
// batches InfluxDB would store in part. Over a real socket against a real
// central, on the embedded store and on a throwaway influxd: a batch
// holding one value no store keeps faithfully (a trailing backslash, a
// backslash before a comma, NUL, tab, a line break, an unpaired surrogate)
// is a 400 and none of its points is stored; a batch InfluxDB would drop
// part of (beyond its retention policy) is a 400 with nothing stored, not a
// 500 the edge retries forever; a field another writer stored with another
// type is a 503 with Retry-After, and the batch re-sent after the fix is
// stored exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quoteIdent } from "../../central/stores/influx.ts";
import { wf1Batch } from "../helpers/central-fixture.ts";
import {
  type CentralUnderTest,
  type StoreKind,
  startCentralUnderTest,
} from "../helpers/central-under-test.ts";
import { type InfluxRef, onEachStore } from "../helpers/each-store.ts";

const HOUR = 3_600_000;

const vibration = (point: string, ts: number, v: number) => ({
  measurement: "vibration",
  tags: { site: "wf1", asset: "T01", point },
  fields: { v_rms_mm_s: v },
  ts,
});

const batch = (id: string, points: unknown[]) => wf1Batch(`escape-${id}-${Date.now()}`, points);

/** Every v_rms_mm_s of T01 in [from, to), as [ts, value] pairs of all points. */
async function storedValues(c: CentralUnderTest, fromMs: number, toMs: number): Promise<[number, number][]> {
  const res = await c.request(
    `/api/v1/series?asset=T01&measurement=vibration&field=v_rms_mm_s&from=${fromMs}&to=${toMs}`,
    { token: c.tokens.admin },
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as { series: { points: [number, number][] }[] };
  return body.series.flatMap((s) => s.points).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

const REFUSED_VALUES: [string, string][] = [
  ["a trailing backslash", "bad\\"],
  ["a backslash before a comma", "a\\,b"],
  ["NUL", "a\u0000b"],
  ["a tab", "a\tb"],
  ["a line feed", "a\nb"],
  ["a carriage return", "a\rb"],
  ["an unpaired surrogate", "a\ud800b"],
];

function hostileBatches(kind: StoreKind, influx: InfluxRef): void {
  describe(`${kind} store`, () => {
    let c: CentralUnderTest;
    beforeAll(async () => {
      c = await startCentralUnderTest({ store: kind, ...(influx() ? { influx: influx()! } : {}) });
    });
    afterAll(async () => {
      await c?.close();
    });

    it.each(REFUSED_VALUES)(
      "[good, %s, good] is a 400 and stores none of the three points",
      async (_what, value) => {
        const t = Date.now() - HOUR;
        const res = await c.request("/api/v1/ingest", {
          method: "POST",
          token: c.tokens.agentWf1,
          json: batch("bad", [
            vibration("main_bearing", t, 1),
            vibration(value, t + 1000, 2),
            vibration("main_bearing", t + 2000, 3),
          ]),
        });
        expect(res.status).toBe(400);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.message).toMatch(/points\[1\]/);
        expect(await storedValues(c, t - 1, t + 3000)).toEqual([]);
      },
    );

    it("accepts a tag value with a comma, a space and an equals sign (escaped, not refused)", async () => {
      const t = Date.now() - 2 * HOUR;
      const res = await c.request("/api/v1/ingest", {
        method: "POST",
        token: c.tokens.agentWf1,
        json: batch("odd-agent", [
          {
            measurement: "agent",
            tags: { site: "wf1", agent: "edge 1,a=b" },
            fields: { queue_depth: 7 },
            ts: t,
          },
        ]),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { accepted: number }).accepted).toBe(1);
    });
  });
}

describe("finding 7: InfluxDB escaping, all-or-nothing batches", () => {
  onEachStore(hostileBatches, (influx) => {
    const influxQuery = async (q: string, db = "") => {
      const res = await fetch(`${influx()!.url}/query?${new URLSearchParams({ q, db })}`, { method: "POST" });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { results: { error?: string }[] };
      expect(body.results[0]?.error, q).toBeUndefined();
      return body;
    };

    it("a batch InfluxDB would store in part (points beyond its retention policy) is a 400, nothing stored", async () => {
      const c = await startCentralUnderTest({ store: "influx", influx: influx()! });
      try {
        const db = quoteIdent(c.influxDatabase!);
        await influxQuery(`CREATE DATABASE ${db}`);
        await influxQuery(`CREATE RETENTION POLICY "one_day" ON ${db} DURATION 24h REPLICATION 1 DEFAULT`);
        const now = Date.now();
        const res = await c.request("/api/v1/ingest", {
          method: "POST",
          token: c.tokens.agentWf1,
          json: batch("retention", [
            vibration("main_bearing", now - HOUR, 1),
            vibration("main_bearing", now - 48 * HOUR, 2),
            vibration("main_bearing", now - HOUR + 1000, 3),
          ]),
        });
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("STORE_REFUSED_BATCH");
        expect(await storedValues(c, now - 72 * HOUR, now)).toEqual([]);
      } finally {
        await c.close();
      }
    });

    it("a field another writer stored as integer: 503 with Retry-After; re-sent after the fix, stored exactly once", async () => {
      const c = await startCentralUnderTest({ store: "influx", influx: influx()! });
      try {
        const db = c.influxDatabase!;
        await influxQuery(`CREATE DATABASE ${quoteIdent(db)}`);
        const t = Date.now() - HOUR;
        // Another writer got there first with an integer field (same shard).
        const other = await fetch(`${influx()!.url}/write?db=${db}&precision=ms`, {
          method: "POST",
          body: `vibration,site=wf1,asset=T02,point=x v_rms_mm_s=5i ${t}`,
        });
        expect(other.status).toBe(204);
        const points = [
          vibration("main_bearing", t, 1),
          vibration("gearbox_hss", t, 2),
          { measurement: "scada", tags: { site: "wf1", asset: "T01" }, fields: { power_kw: 1500 }, ts: t },
        ];
        const body = batch("conflict", points);
        const first = await c.request("/api/v1/ingest", {
          method: "POST",
          token: c.tokens.agentWf1,
          json: body,
        });
        expect(first.status).toBe(503);
        expect(Number(first.headers.get("retry-after"))).toBeGreaterThan(0);
        // The operator removes the other writer's measurement; the edge re-sends the same batch, twice.
        await influxQuery(`DROP MEASUREMENT "vibration"`, db);
        for (const attempt of [1, 2]) {
          const again = await c.request("/api/v1/ingest", {
            method: "POST",
            token: c.tokens.agentWf1,
            json: body,
          });
          expect(again.status, `attempt ${attempt}`).toBe(200);
        }
        expect(await storedValues(c, t - 1, t + 1)).toEqual([
          [t, 1],
          [t, 2],
        ]);
        const counted = (await influxQuery(
          `SELECT COUNT("power_kw") FROM "scada" WHERE time >= ${t - 1}ms AND time <= ${t + 1}ms`,
          db,
        )) as { results: { series?: { values: [unknown, number][] }[] }[] };
        expect(counted.results[0]!.series![0]!.values[0]![1]).toBe(1);
      } finally {
        await c.close();
      }
    });
  });
});
