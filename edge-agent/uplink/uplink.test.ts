// The uplink against a real local HTTP server that answers the way central does.
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { IngestBatch, Point } from "../../common/wire.ts";
import { openMemoryQueue } from "../queue/memory.ts";
import type { PointQueue } from "../queue/queue.ts";
import { openSqliteQueue, readDeadLetters } from "../queue/sqlite.ts";
import { createHttpTransport, parseRetryAfter } from "./transport.ts";
import { createUplink } from "./uplink.ts";

type Reply = (req: IncomingMessage, res: ServerResponse, batch: IngestBatch) => void;
interface Received {
  at: number;
  headers: IncomingMessage["headers"];
  batch: IngestBatch;
}

const ok: Reply = (_req, res, batch) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ batchId: batch.batchId, accepted: batch.points.length, duplicate: false }));
};
const busy =
  (retryAfterS: number): Reply =>
  (_req, res) => {
    res.writeHead(503, { "content-type": "application/json", "retry-after": String(retryAfterS) });
    res.end(JSON.stringify({ error: { code: "STORE_UNAVAILABLE", message: "store down" } }));
  };
const bad: Reply = (_req, res) => {
  res.writeHead(400, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { code: "VALIDATION_FAILED", message: "points[0].fields: NaN" } }));
};
/** Central's refusal of some points by index: every point whose power_kw is in `refused`. */
const refusing =
  (refused: readonly number[]): Reply =>
  (_req, res, batch) => {
    const rejected = batch.points.flatMap((p, index) =>
      refused.includes(p.fields.power_kw!)
        ? [
            {
              index,
              code: "UNKNOWN_ASSET",
              message: `points[${index}].tags.asset: "T01" is not an asset of site "wf1"`,
            },
          ]
        : [],
    );
    if (rejected.length === 0) return ok(_req, res, batch);
    res.writeHead(400, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        error: { code: "UNKNOWN_ASSET", message: rejected[0]!.message, details: { rejected } },
      }),
    );
  };
/** Central stored it, but the answer never arrives. */
const lostAck: Reply = (req) => {
  req.socket.destroy();
};

async function startCentral(script: Reply[]): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let raw = Buffer.concat(chunks);
    if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
    const batch = JSON.parse(raw.toString("utf8")) as IngestBatch;
    received.push({ at: Date.now(), headers: req.headers, batch });
    const reply = script.length > 1 ? script.shift()! : script[0]!;
    reply(req, res, batch);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, server };
}

const T0 = Date.UTC(2025, 0, 1);
const pts = (n: number, from = 0): Point[] =>
  Array.from({ length: n }, (_, i) => ({
    measurement: "scada" as const,
    tags: { site: "wf1", asset: "T01" },
    fields: { power_kw: from + i },
    ts: T0 + (from + i) * 1000,
  }));

describe("uplink over HTTP", () => {
  let dir: string;
  let servers: Server[];
  let queues: PointQueue[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vetra-uplink-"));
    servers = [];
    queues = [];
  });
  afterEach(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    for (const q of queues) q.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const setup = async (
    script: Reply[],
    opts: { batchMaxPoints?: number; durable?: boolean; maxPointsPerSecond?: number } = {},
  ) => {
    const central = await startCentral(script);
    servers.push(central.server);
    const queueOpts = { dir, maxBytes: 1 << 30, maxAgeHours: 720 };
    const queue = opts.durable ? openSqliteQueue(queueOpts) : openMemoryQueue(queueOpts);
    queues.push(queue);
    const counts = { acked: 0, dead: 0, retries: 0 };
    const uplink = createUplink(
      queue,
      createHttpTransport({ url: central.url, token: "agent-token", timeoutMs: 2000, gzip: true }),
      {
        agentId: "wf1-agent",
        site: "wf1",
        batchMaxPoints: opts.batchMaxPoints ?? 100,
        flushIntervalMs: 20,
        backoffBaseMs: 20,
        ...(opts.maxPointsPerSecond ? { maxPointsPerSecond: opts.maxPointsPerSecond } : {}),
        onAcked: (n) => {
          counts.acked += n;
        },
        onDeadLettered: (n) => {
          counts.dead += n;
        },
        onRetry: () => {
          counts.retries++;
        },
      },
    );
    return { central, queue, uplink, counts };
  };

  it("200: sends gzip'd JSON with the bearer token and deletes the acknowledged points", async () => {
    const { central, queue, uplink, counts } = await setup([ok]);
    queue.enqueue(pts(3));
    const r = await uplink.flushOnce();
    expect(r).toMatchObject({ kind: "acked", points: 3 });
    expect(queue.stats().depth).toBe(0);
    expect(counts.acked).toBe(3);
    const got = central.received[0]!;
    expect(got.headers.authorization).toBe("Bearer agent-token");
    expect(got.headers["content-encoding"]).toBe("gzip");
    expect(got.batch).toMatchObject({ agent: "wf1-agent", site: "wf1" });
    expect(got.batch.points.map((p) => p.fields.power_kw)).toEqual([0, 1, 2]);
    expect(await uplink.flushOnce()).toEqual({ kind: "empty" });
  });

  it("batches up to batchMaxPoints", async () => {
    const { central, queue, uplink } = await setup([ok], { batchMaxPoints: 5 });
    queue.enqueue(pts(12));
    uplink.start();
    await expect.poll(() => queue.stats().depth, { timeout: 5000 }).toBe(0);
    await uplink.stop();
    expect(central.received.map((r) => r.batch.points.length)).toEqual([5, 5, 2]);
  });

  it("catches up on a backlog no faster than maxPointsPerSecond", async () => {
    const { central, queue, uplink } = await setup([ok], { batchMaxPoints: 10, maxPointsPerSecond: 100 });
    queue.enqueue(pts(50));
    uplink.start();
    await expect.poll(() => queue.stats().depth, { timeout: 5000 }).toBe(0);
    await uplink.stop();
    expect(central.received.map((r) => r.batch.points.length)).toEqual([10, 10, 10, 10, 10]);
    // 40 points after the first batch at 100 points/s: the last arrives no sooner than ~400 ms
    // after the first (a bound on load, not a speed claim; one send's latency may vary, the sum not).
    expect(central.received[4]!.at - central.received[0]!.at).toBeGreaterThanOrEqual(360);
  });

  it("503 with Retry-After keeps the batch and sends it again no sooner than asked", async () => {
    const { central, queue, uplink, counts } = await setup([busy(1), busy(1), ok]);
    queue.enqueue(pts(4));
    const first = await uplink.flushOnce();
    expect(first).toMatchObject({ kind: "retry", code: "UPLINK_UNREACHABLE" });
    if (first.kind === "retry") expect(first.waitMs).toBeGreaterThanOrEqual(1000);
    expect(queue.stats().depth).toBe(4);
    uplink.start();
    await expect.poll(() => queue.stats().depth, { timeout: 5000 }).toBe(0);
    await uplink.stop();
    expect(central.received).toHaveLength(3); // flushOnce 503, loop: 503 → wait ≥ 1 s, then 200
    expect(central.received[2]!.at - central.received[1]!.at).toBeGreaterThanOrEqual(990);
    expect(central.received[2]!.batch.batchId).toBe(central.received[0]!.batch.batchId);
    expect(counts).toMatchObject({ acked: 4, retries: 2, dead: 0 });
  });

  it("400 moves the batch to the dead-letter table, counts it, and the queue moves on", async () => {
    const { central, queue, uplink, counts } = await setup([bad, ok], { batchMaxPoints: 2, durable: true });
    queue.enqueue(pts(3));
    expect(await uplink.flushOnce()).toMatchObject({
      kind: "dead_lettered",
      points: 2,
      code: "UPLINK_REJECTED",
    });
    expect(await uplink.flushOnce()).toMatchObject({ kind: "acked", points: 1 });
    expect(queue.stats()).toMatchObject({ depth: 0, deadLettered: 2 });
    expect(counts.dead).toBe(2);
    expect(central.received).toHaveLength(2);
    const dead = readDeadLetters(dir);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.message).toContain("VALIDATION_FAILED");
    expect(dead[0]!.points.map((p) => p.fields.power_kw)).toEqual([0, 1]);
  });

  it("400 naming points: dead-letters exactly those, with code and reason, and re-sends the rest at once", async () => {
    const { central, queue, uplink, counts } = await setup([refusing([1, 3])], { durable: true });
    queue.enqueue(pts(5));
    expect(await uplink.flushOnce()).toMatchObject({ kind: "dead_lettered", points: 2, kept: 3 });
    expect(queue.stats()).toMatchObject({ depth: 3, deadLettered: 2 });
    expect(await uplink.flushOnce()).toMatchObject({ kind: "acked", points: 3 });
    expect(central.received.map((r) => r.batch.points.map((p) => p.fields.power_kw))).toEqual([
      [0, 1, 2, 3, 4],
      [0, 2, 4],
    ]);
    expect(central.received[1]!.batch.batchId).not.toBe(central.received[0]!.batch.batchId);
    const dead = readDeadLetters(dir);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      code: "UNKNOWN_ASSET",
      message: 'tags.asset: "T01" is not an asset of site "wf1"',
    });
    expect(dead[0]!.points.map((p) => p.fields.power_kw)).toEqual([1, 3]);
    expect(counts.dead).toBe(2);
  });

  it("the send loop re-sends the unrefused points without waiting for the flush interval", async () => {
    const { central, queue, uplink } = await setup([refusing([0])], { batchMaxPoints: 100 });
    queue.enqueue(pts(3));
    uplink.start();
    await expect.poll(() => queue.stats().depth, { timeout: 5000 }).toBe(0);
    await uplink.stop();
    expect(central.received).toHaveLength(2);
    // flushIntervalMs is 20 ms in this setup: the second send did not wait for it.
    expect(central.received[1]!.batch.points.map((p) => p.fields.power_kw)).toEqual([1, 2]);
  });

  it("a rejection list that does not fit the batch (an index past its end) dead-letters the whole batch", async () => {
    const odd: Reply = (_req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      const rejected = [{ index: 7, code: "UNKNOWN_POINT", message: "points[7]: ?" }];
      res.end(JSON.stringify({ error: { code: "UNKNOWN_POINT", message: "?", details: { rejected } } }));
    };
    const { queue, uplink } = await setup([odd]);
    queue.enqueue(pts(2));
    expect(await uplink.flushOnce()).toMatchObject({ kind: "dead_lettered", points: 2, kept: 0 });
    expect(queue.stats().depth).toBe(0);
  });

  it("a lost acknowledgement re-sends the same points with the same batch id", async () => {
    const { central, queue, uplink } = await setup([lostAck, ok], { durable: true });
    queue.enqueue(pts(5));
    expect(await uplink.flushOnce()).toMatchObject({ kind: "retry", code: "UPLINK_UNREACHABLE" });
    expect(queue.stats().depth).toBe(5);
    queue.enqueue(pts(2, 100)); // newer points must not change the re-sent batch
    expect(await uplink.flushOnce()).toMatchObject({ kind: "acked", points: 5 });
    const [first, second] = central.received;
    expect(second!.batch.batchId).toBe(first!.batch.batchId);
    expect(second!.batch.points).toEqual(first!.batch.points);
    expect(await uplink.flushOnce()).toMatchObject({ kind: "acked", points: 2 });
    expect(central.received[2]!.batch.batchId).not.toBe(first!.batch.batchId);
    expect(queue.stats().depth).toBe(0);
  });

  it("network down: retryable, nothing lost", async () => {
    const central = await startCentral([ok]);
    const url = central.url;
    central.server.close();
    await once(central.server, "close");
    const queue = openMemoryQueue({ dir, maxBytes: 1 << 20, maxAgeHours: 1 });
    queues.push(queue);
    queue.enqueue(pts(2));
    const uplink = createUplink(
      queue,
      createHttpTransport({ url, token: "t", timeoutMs: 1000, gzip: false }),
      {
        agentId: "a",
        site: "s",
        batchMaxPoints: 10,
        flushIntervalMs: 10,
      },
    );
    expect(await uplink.flushOnce()).toMatchObject({ kind: "retry", code: "UPLINK_UNREACHABLE" });
    expect(queue.stats().depth).toBe(2);
  });

  it("parses Retry-After as seconds or HTTP-date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(T0 + 5000).toUTCString(), T0)).toBe(5000);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
  });
});
