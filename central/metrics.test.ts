// Central's Prometheus metrics, scraped over HTTP from the metrics port of a
// running central (real SQLite stores): counters move with what happened —
// a stored batch, the same batch again, a refused one, a live feed opened
// and closed, an alarm evaluation — and the API port does not serve them.
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_FLEET } from "../test/helpers/central-fixture.ts";
import { freePort } from "../test/helpers/ports.ts";
import { sample } from "../test/helpers/prometheus.ts";
import { until } from "../test/helpers/until.ts";
import { parseCentralConfig } from "./config.ts";
import { META_FILE, MetaStore } from "./meta/meta.ts";
import { createCentralMetrics } from "./metrics.ts";
import metricsPlugin from "./plugins/metrics.ts";
import { type RunningCentral, startCentral } from "./server.ts";
import { openEmbeddedStore } from "./stores/embedded.ts";

describe("central metrics on their own port", () => {
  let dir: string;
  let central: RunningCentral;
  let agent: string;
  let admin: string;
  const scrape = async () => {
    const res = await fetch(central.metricsUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    return res.text();
  };
  const ingest = (batchId: string, points: object[]) =>
    fetch(`${central.url}/api/v1/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent}`, "content-type": "application/json" },
      body: JSON.stringify({ batchId, agent: "edge-wf1", site: "wf1", sentAt: Date.now(), points }),
    });
  const point = (asset: string, ts: number) => ({
    measurement: "vibration",
    tags: { site: "wf1", asset, point: "main_bearing" },
    fields: { v_rms_mm_s: 1.5, a_rms_g: 0.2 },
    ts,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-metrics-"));
    central = await startCentral(
      parseCentralConfig({
        server: { host: "127.0.0.1", port: 0, metrics: { port: 0 } },
        dataDir: dir,
        ...FIXTURE_FLEET,
      }),
    );
    agent = await central.meta.tokens.create({ role: "agent", site: "wf1", label: "edge wf1" });
    admin = central.adminToken!;
  });
  afterAll(async () => {
    await central?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves /metrics on the metrics port only; the API port answers 404 for it", async () => {
    expect(new URL(central.metricsUrl!).port).not.toBe(new URL(central.url).port);
    expect((await fetch(`${central.url}/metrics`)).status).toBe(404);
    expect((await fetch(new URL("/", central.metricsUrl!))).status).toBe(404);
    const text = await scrape();
    // Process metrics beside ours, and the databases' files.
    expect(sample(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(
      sample(text, "vetra_central_database_file_bytes", { database: "metadata", file: "main" }),
    ).toBeGreaterThan(0);
    expect(
      sample(text, "vetra_central_database_file_bytes", { database: "timeseries", file: "main" }),
    ).toBeGreaterThan(0);
    expect(sample(text, "vetra_central_notifications", { status: "pending" })).toBe(0);
  });

  it("counts a stored batch, its repetition and a refused batch by code; the store's writes are timed", async () => {
    const before = await scrape();
    const stored = (t: string) => sample(t, "vetra_central_ingest_batches_total", { result: "stored" }) ?? 0;
    const points = (t: string) => sample(t, "vetra_central_ingest_points_total") ?? 0;
    const writes = (t: string) =>
      sample(t, "vetra_central_store_operation_duration_seconds_count", {
        store: "embedded",
        operation: "write",
        result: "success",
      }) ?? 0;
    const now = Date.now();
    const res = await ingest("batch-0001", [
      point("T01", now - 2000),
      point("T01", now - 1000),
      point("T02", now),
    ]);
    expect(res.status, await res.clone().text()).toBe(200);
    let text = await scrape();
    expect(stored(text) - stored(before)).toBe(1);
    expect(points(text) - points(before)).toBe(3);
    expect(writes(text) - writes(before)).toBe(1);
    expect(
      sample(text, "vetra_central_store_points_written_total", { store: "embedded" }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sample(text, "vetra_central_http_requests_total", {
        method: "POST",
        route: "/api/v1/ingest",
        status: "200",
        code: "",
      }),
    ).toBeGreaterThanOrEqual(1);

    // The same batch id again: acknowledged as a duplicate.
    expect((await ingest("batch-0001", [point("T01", now - 2000)])).status).toBe(200);
    text = await scrape();
    expect(sample(text, "vetra_central_ingest_batches_total", { result: "duplicate" })).toBe(1);

    // An asset of another site: refused whole, nothing stored, counted by its code.
    const refused = await ingest("batch-0002", [point("T03", now)]);
    expect(refused.status).toBe(400);
    const code = ((await refused.json()) as { error: { code: string } }).error.code;
    const after = await scrape();
    expect(sample(after, "vetra_central_ingest_refused_total", { code })).toBe(1);
    expect(stored(after)).toBe(stored(text));
    expect(writes(after)).toBe(writes(text));
    expect(
      sample(after, "vetra_central_http_requests_total", {
        method: "POST",
        route: "/api/v1/ingest",
        status: "400",
        code,
      }),
    ).toBe(1);
    // A wrong token is counted too, under its route and code.
    await fetch(`${central.url}/api/v1/assets`, { headers: { authorization: "Bearer wrong" } });
    expect(
      sample(await scrape(), "vetra_central_http_requests_total", {
        route: "/api/v1/assets",
        status: "401",
        code: "UNAUTHENTICATED",
      }),
    ).toBe(1);
  });

  it("times alarm evaluations and counts open live feeds", async () => {
    const res = await fetch(`${central.url}/api/v1/alarms`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.status).toBe(200);
    expect(
      sample(await scrape(), "vetra_central_alarm_evaluation_duration_seconds_count", { result: "success" }),
    ).toBeGreaterThanOrEqual(1);

    const clients = async () => sample(await scrape(), "vetra_central_live_feed_clients");
    expect(await clients()).toBe(0);
    const abort = new AbortController();
    const feed = await fetch(`${central.url}/api/v1/alarms/stream`, {
      headers: { authorization: `Bearer ${admin}` },
      signal: abort.signal,
    });
    expect(feed.status).toBe(200);
    expect(await clients()).toBe(1);
    abort.abort();
    await until(
      "the closed feed to be uncounted",
      async () => ((await clients()) === 0 ? true : undefined),
      5000,
    );
  });
});

describe("the metrics listener's configuration", () => {
  it("refuses a port out of range, a string and an unknown key, naming the key", () => {
    const parse = (metrics: unknown) => () => parseCentralConfig({ server: { metrics }, ...FIXTURE_FLEET });
    expect(parse({ port: 70_000 })).toThrow(/server\.metrics\.port/);
    expect(parse({ port: "9464" })).toThrow(/server\.metrics\.port/);
    expect(parse({ port: 9464, path: "/m" })).toThrow(/server\.metrics\.path/);
    expect(parseCentralConfig({ server: { metrics: { port: 9464 } } }).server.metrics).toEqual({
      port: 9464,
    });
  });

  it("a metrics port already taken stops the start with the error, and the API port is released", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vetra-metrics-port-"));
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    const apiPort = await freePort();
    try {
      const config = (p: number) =>
        parseCentralConfig({
          server: { host: "127.0.0.1", port: apiPort, metrics: { port: p } },
          dataDir: dir,
          ...FIXTURE_FLEET,
        });
      await expect(startCentral(config(port))).rejects.toThrow(/EADDRINUSE/);
      // Nothing left listening: the same API port starts again at once.
      const again = await startCentral(config(0));
      await again.close();
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("readiness and per-point refusals", () => {
  it("/readyz answers 503 naming the metadata database when it cannot be read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vetra-ready-"));
    const central = await startCentral(
      parseCentralConfig({ server: { host: "127.0.0.1", port: 0 }, dataDir: dir, ...FIXTURE_FLEET }),
    );
    try {
      const ok = await fetch(`${central.url}/readyz`);
      expect(await ok.json()).toEqual({ status: "ready", store: "embedded", metadata: "sqlite" });
      central.meta.close();
      const down = await fetch(`${central.url}/readyz`);
      expect(down.status).toBe(503);
      const body = (await down.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("STORE_UNAVAILABLE");
      expect(body.error.message).toMatch(/^metadata/);
      expect((await fetch(`${central.url}/healthz`)).status).toBe(200);
    } finally {
      await central.app.close();
      await central.store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("counts each point named in a refusal's details.rejected by its code (contract C2's answer)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vetra-c2-"));
    const meta = await MetaStore.openFile(join(dir, META_FILE));
    const store = openEmbeddedStore({ path: join(dir, "ts.sqlite") });
    const metrics = createCentralMetrics({ processMetrics: false });
    const app = Fastify();
    try {
      await app.register(metricsPlugin, {
        meta,
        store,
        metrics,
        config: parseCentralConfig({ dataDir: dir }),
      });
      // The ingest route's refusal of three points of a batch, as central answers it.
      app.post("/api/v1/ingest", async (_request, reply) =>
        reply.code(400).send({
          error: {
            code: "UNKNOWN_POINT",
            message: "points[3].tags.point: …",
            details: {
              rejected: [
                { index: 3, code: "UNKNOWN_POINT", message: "…" },
                { index: 5, code: "UNKNOWN_POINT", message: "…" },
                { index: 8, code: "INVALID_NUMBER", message: "…" },
              ],
            },
          },
        }),
      );
      const res = await app.inject({ method: "POST", url: "/api/v1/ingest", payload: {} });
      expect(res.statusCode).toBe(400);
      const text = await metrics.registry.metrics();
      expect(sample(text, "vetra_central_ingest_refused_total", { code: "UNKNOWN_POINT" })).toBe(1);
      expect(sample(text, "vetra_central_ingest_points_refused_total", { code: "UNKNOWN_POINT" })).toBe(2);
      expect(sample(text, "vetra_central_ingest_points_refused_total", { code: "INVALID_NUMBER" })).toBe(1);
      expect(sample(text, "vetra_central_ingest_batches_total", { result: "stored" })).toBeUndefined();
    } finally {
      await app.close();
      await store.close();
      meta.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
