// Central replicas that share no file: two central processes' worth of
// services (each its own data dir and embedded store) on one PostgreSQL
// database, started from the config as `vetra central` starts them. What
// replicas must agree on goes through the database only:
//
// - a token revoked on one replica is refused by the other within a second
//   (LISTEN/NOTIFY drops the other's cached principal);
// - an alarm condition both replicas' books observe at the same moment is
//   one occurrence with one `raised` event (the book's advisory lock), and
//   each replica hears of the other's changes (the live feed's trigger);
// - both notifiers pumping at once deliver that event exactly once to a
//   webhook receiver (deliveries claimed FOR UPDATE SKIP LOCKED).
//
// The throwaway cluster comes from test/helpers/postgres.ts; under CI=true a
// missing PostgreSQL fails the suite.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCentralConfig } from "../central/config.ts";
import { AlarmBook, type Condition } from "../central/maintenance/alarm-book.ts";
import { type RunningCentral, startCentral } from "../central/server.ts";
import { FIXTURE_FLEET } from "./helpers/central-fixture.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./helpers/notify-receivers.ts";
import { postgresAvailable, type RunningPostgres, startPostgres } from "./helpers/postgres.ts";

const SECRET = "replica-webhook-secret-0123";

describe.skipIf(!postgresAvailable())("two central replicas on one PostgreSQL, no shared file", () => {
  let pg: RunningPostgres;
  let receiver: WebhookReceiver;
  const dirs: string[] = [];
  const replicas: RunningCentral[] = [];
  let admin = "";

  const start = async (url: string, secretsKeyFile: string): Promise<RunningCentral> => {
    const dataDir = mkdtempSync(join(tmpdir(), "vetra-replica-"));
    dirs.push(dataDir);
    const config = parseCentralConfig({
      server: { host: "127.0.0.1", port: 0 },
      dataDir,
      store: { kind: "embedded" },
      metadata: { kind: "postgres", url, maxConnections: 4 },
      // Every replica seals webhook secrets with the same key (a Secret mounted on each; a replica
      // with a key of its own refuses to start, see the README).
      secretsKeyFile,
      ...FIXTURE_FLEET,
      alarms: { evaluateEveryMs: 0, onDelayMs: 0, offDelayMs: 0 },
      // The receiver is on loopback: admitted explicitly, as an admin admits an on-premises one.
      notifications: { pumpEveryMs: 0, webhookAllowList: ["127.0.0.1"] },
    });
    const central = await startCentral(config);
    replicas.push(central);
    return central;
  };

  beforeAll(async () => {
    pg = await startPostgres();
    receiver = await startWebhookReceiver();
    const url = await pg.createDatabase("replicas");
    const keyDir = mkdtempSync(join(tmpdir(), "vetra-replica-key-"));
    dirs.push(keyDir);
    const key = join(keyDir, "secrets.key");
    writeFileSync(key, randomBytes(32).toString("base64"), { mode: 0o600 });
    // Started together: the migrations run once under their advisory lock, the fleet is written twice.
    const [a] = await Promise.all([start(url, key), start(url, key)]);
    admin = a!.adminToken ?? (await a!.meta.tokens.create({ role: "admin", label: "test admin" }));
  }, 120_000);

  afterAll(async () => {
    for (const r of replicas) await r.close();
    await receiver?.close();
    await pg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const get = (central: RunningCentral, path: string, token: string) =>
    fetch(`${central.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it("shares one admin token and the fleet; no metadata file in either data dir", async () => {
    const [a, b] = replicas as [RunningCentral, RunningCentral];
    expect([a.adminToken, b.adminToken].filter(Boolean)).toHaveLength(1); // the first admin is made once
    for (const r of [a, b]) {
      expect((await get(r, "/api/v1/fleet", admin)).status).toBe(200);
      expect(r.meta.db.kind).toBe("postgres");
      expect(r.meta.db.file).toBeUndefined();
      const ready = await (await fetch(`${r.url}/readyz`)).json();
      expect(ready).toMatchObject({ status: "ready", metadata: "postgres" });
    }
  });

  it("a token revoked on one replica is refused by the other within a second", async () => {
    const [a, b] = replicas as [RunningCentral, RunningCentral];
    const token = await a.meta.tokens.create({ role: "service_company", tenant: "sc-north", label: "north" });
    // B has seen (and cached) the token before the revocation.
    expect((await get(b, "/api/v1/fleet", token)).status).toBe(200);
    const id = (await a.meta.tokens.authenticate(token))!.tokenId;
    const revoked = await fetch(`${a.url}/api/v1/tokens/${id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(revoked.status).toBe(200);
    const t0 = Date.now();
    let status = 0;
    while (Date.now() - t0 < 1000) {
      status = (await get(b, "/api/v1/fleet", token)).status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
    expect((await get(a, "/api/v1/fleet", token)).status).toBe(401);
  });

  it("one condition seen by both replicas at once: one occurrence, one notification", async () => {
    const [a, b] = replicas as [RunningCentral, RunningCentral];
    await a.app.notifier.rules.replace(
      "sc-north",
      [
        {
          channel: "webhook",
          target: receiver.url("/replicas"),
          secret: SECRET,
          events: ["raised"],
          minSeverity: "warning",
        },
      ],
      Date.now(),
    );
    const heardOnB: (string | null)[] = [];
    const stop = b.meta.db.subscribe("alarm_events", (payload) => heardOnB.push(payload));
    const bookA = new AlarmBook(a.meta.db);
    const bookB = new AlarmBook(b.meta.db);
    const now = Date.now();
    const condition: Condition = {
      asset: "T01",
      point: "main_bearing",
      fault: "bearing_outer_race",
      severity: "alarm",
      sinceMs: now - 60_000,
      isoZone: "D",
    };
    const policyOf = async (r: RunningCentral) => ({
      clearAfterMs: 3_600_000,
      routeOf: await r.app.service.evaluator.routes(),
    });
    const [ra, rb] = await Promise.all([
      bookA.reconcile([condition], now, await policyOf(a)),
      bookB.reconcile([condition], now, await policyOf(b)),
    ]);
    expect(ra.events + rb.events).toBe(1);
    const raised = (await bookA.events({ limit: 100 })).filter((e) => e.kind === "raised");
    expect(raised).toHaveLength(1);
    expect((await bookB.list({ states: ["active"] })).alarms.map((x) => x.id)).toEqual([
      "T01:main_bearing:bearing_outer_race:1",
    ]);
    // B hears of the event A or B wrote (its own at once, the other's through NOTIFY) within a second.
    const t0 = Date.now();
    while (!heardOnB.includes(String(raised[0]!.id)) && Date.now() - t0 < 1000)
      await new Promise((resolve) => setTimeout(resolve, 20));
    stop();
    expect(heardOnB).toContain(String(raised[0]!.id));

    const [pa, pb] = await Promise.all([a.app.notifier.pump(), b.app.notifier.pump()]);
    expect(pa.sent + pb.sent).toBe(1);
    // Pumping again, on either replica, sends nothing more.
    const [qa, qb] = await Promise.all([a.app.notifier.pump(), b.app.notifier.pump()]);
    expect(qa.sent + qb.sent + qa.enqueued + qb.enqueued).toBe(0);
    const got = receiver.at("/replicas");
    expect(got).toHaveLength(1);
    const body = JSON.parse(got[0]!.raw.toString("utf8")) as { events: { id: number; type: string }[] };
    expect(body.events.map((e) => e.id)).toEqual([raised[0]!.id]);
  });
});
