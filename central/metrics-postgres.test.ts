// Central on a real PostgreSQL (test/helpers/postgres.ts) as a probe and
// Prometheus see it: /readyz answers 503 naming the metadata database while
// PostgreSQL is stopped and is ready again once it is back, without a
// restart of central; /healthz stays 200 throughout (liveness asks no
// database, so an outage does not restart every replica); /metrics keeps
// answering and reports the pool's connections; and a time-series store
// that does not answer is named by /readyz with the database up; the
// notifier's attempts are counted by outcome and its backlog reported.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_FLEET } from "../test/helpers/central-fixture.ts";
import { startWebhookReceiver } from "../test/helpers/notify-receivers.ts";
import { freePort } from "../test/helpers/ports.ts";
import { postgresAvailable, type RunningPostgres, startPostgres } from "../test/helpers/postgres.ts";
import { sample } from "../test/helpers/prometheus.ts";
import { until } from "../test/helpers/until.ts";
import { parseCentralConfig } from "./config.ts";
import { AlarmBook } from "./maintenance/alarm-book.ts";
import { type RunningCentral, startCentral } from "./server.ts";

interface ErrorBody {
  error: { code: string; message: string };
}

describe.skipIf(!postgresAvailable())("readiness and metrics with the metadata in PostgreSQL", () => {
  let pg: RunningPostgres;
  const dirs: string[] = [];
  const centrals: RunningCentral[] = [];

  const start = async (url: string, store: object): Promise<RunningCentral> => {
    const dataDir = mkdtempSync(join(tmpdir(), "vetra-ready-pg-"));
    dirs.push(dataDir);
    const central = await startCentral(
      parseCentralConfig({
        server: { host: "127.0.0.1", port: 0, metrics: { port: 0 } },
        dataDir,
        store,
        metadata: { kind: "postgres", url, maxConnections: 4, startTimeoutMs: 30_000 },
        ...FIXTURE_FLEET,
        alarms: { evaluateEveryMs: 0 },
        // Pumped by the test; a transient failure is tried again at the next pump. The receiver is on loopback.
        notifications: { pumpEveryMs: 0, retryBaseMs: 0, webhookAllowList: ["127.0.0.1"] },
      }),
    );
    centrals.push(central);
    return central;
  };
  const scrape = async (central: RunningCentral) => {
    const res = await fetch(central.metricsUrl!);
    expect(res.status).toBe(200);
    return res.text();
  };
  const pool = (text: string, state: string) =>
    sample(text, "vetra_central_database_pool_connections", { database: "metadata", state });

  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);

  afterAll(async () => {
    for (const c of centrals) await c.close().catch(() => undefined);
    await pg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("a stopped PostgreSQL makes /readyz 503 naming the metadata database; it recovers once PostgreSQL is back", async () => {
    const central = await start(await pg.createDatabase("ready_outage"), { kind: "embedded" });
    const ready = await fetch(`${central.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", store: "embedded", metadata: "postgres" });

    // The pool as Prometheus sees it: connections open, and the three states reported.
    const before = await scrape(central);
    expect(pool(before, "total")).toBeGreaterThanOrEqual(1);
    expect(pool(before, "idle")).toBeGreaterThanOrEqual(0);
    expect(pool(before, "waiting")).toBe(0);
    // No SQLite metadata file to measure: the metadata is PostgreSQL's.
    expect(
      sample(before, "vetra_central_database_file_bytes", { database: "metadata", file: "main" }),
    ).toBeUndefined();

    await pg.pause();
    try {
      const down = await fetch(`${central.url}/readyz`);
      expect(down.status).toBe(503);
      const body = (await down.json()) as ErrorBody;
      expect(body.error.code).toBe("STORE_UNAVAILABLE");
      expect(body.error.message).toMatch(/^metadata \(postgres\)/);
      // The database's own words (its address) stay in the log.
      expect(body.error.message).not.toContain(String(pg.port));
      expect((await fetch(`${central.url}/healthz`)).status).toBe(200);
      // Metrics still answer: the notification backlog is left out this scrape, the pool is reported.
      const during = await scrape(central);
      expect(pool(during, "waiting")).toBeGreaterThanOrEqual(0);
      expect(sample(during, "vetra_central_notifications", { status: "pending" })).toBeUndefined();
    } finally {
      await pg.resume();
    }

    const again = await until(
      "/readyz to answer 200 after PostgreSQL is back",
      async () => {
        const res = await fetch(`${central.url}/readyz`);
        return res.status === 200 ? res.json() : undefined;
      },
      30_000,
    );
    expect(again).toEqual({ status: "ready", store: "embedded", metadata: "postgres" });
    const after = await scrape(central);
    expect(pool(after, "total")).toBeGreaterThanOrEqual(1);
    expect(sample(after, "vetra_central_notifications", { status: "pending" })).toBe(0);
  }, 120_000);

  it("a time-series store that does not answer is named by /readyz while PostgreSQL answers", async () => {
    // Nothing listens on this port: InfluxDB is down.
    const port = await freePort();
    const central = await start(await pg.createDatabase("ready_store"), {
      kind: "influx",
      url: `http://127.0.0.1:${port}`,
      database: "vetra",
      timeoutMs: 1000,
    });
    const res = await fetch(`${central.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("STORE_UNAVAILABLE");
    expect(body.error.message).toMatch(/^influx store/);
    expect((await fetch(`${central.url}/healthz`)).status).toBe(200);
    // The failed ping is timed under the store's name, and none succeeded.
    const text = await scrape(central);
    const pings = (result?: string) =>
      sample(text, "vetra_central_store_operation_duration_seconds_count", {
        store: "influx",
        operation: "ping",
        ...(result ? { result } : {}),
      });
    expect(pings()).toBeGreaterThanOrEqual(1);
    expect(pings("success")).toBeUndefined();
  }, 60_000);

  it("counts the notifier's attempts by outcome and reports its backlog", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const central = await start(await pg.createDatabase("notifier_metrics"), { kind: "embedded" });
      await central.app.notifier.rules.replace(
        "sc-north",
        [
          {
            channel: "webhook",
            target: receiver.url("/hook"),
            secret: "metrics-webhook-secret-0123",
            events: ["raised"],
            minSeverity: "warning",
          },
        ],
        Date.now(),
      );
      // The receiver is down for the first attempt, up for the second.
      receiver.script("/hook", [{ status: 503, body: "maintenance" }]);
      const now = Date.now();
      const book = new AlarmBook(central.meta.db);
      const condition = {
        asset: "T01",
        point: "main_bearing",
        fault: "bearing_outer_race",
        severity: "alarm" as const,
        sinceMs: now - 60_000,
        isoZone: "D" as const,
      };
      await book.reconcile([condition], now, {
        clearAfterMs: 3_600_000,
        routeOf: await central.app.service.evaluator.routes(),
      });
      const attempts = (text: string, result: string) =>
        sample(text, "vetra_central_notification_attempts_total", { result }) ?? 0;

      expect(await central.app.notifier.pump()).toMatchObject({ enqueued: 1, sent: 0, retried: 1 });
      let text = await scrape(central);
      expect(attempts(text, "retried")).toBe(1);
      expect(attempts(text, "sent")).toBe(0);
      expect(sample(text, "vetra_central_notifications", { status: "pending" })).toBe(1);

      expect(await central.app.notifier.pump()).toMatchObject({ sent: 1 });
      text = await scrape(central);
      expect(attempts(text, "retried")).toBe(1);
      expect(attempts(text, "sent")).toBe(1);
      expect(attempts(text, "failed")).toBe(0);
      expect(sample(text, "vetra_central_notifications", { status: "pending" }) ?? 0).toBe(0);
      expect(sample(text, "vetra_central_notifications", { status: "sent" })).toBe(1);
      expect(receiver.at("/hook")).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  }, 60_000);
});
