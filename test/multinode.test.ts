// Central on several nodes: three `vetra central` processes, each with a
// data directory of its own (no file shared between them, the secrets key
// included: each has its own copy, as a Secret mounted on every pod), on one
// PostgreSQL (metadata and the service model) and one InfluxDB, behind a
// round-robin load balancer that skips a replica refusing connections. Two
// sites' uplinks post batches through it, re-sending until acknowledged,
// while one replica is killed with SIGKILL and started again and PostgreSQL
// is restarted once; conditions are raised before, during and after each.
//
// Asserted at the end:
// - every counter point acknowledged is in InfluxDB exactly once, and every
//   diagnosis point; every batch id is remembered once, and no batch was
//   acknowledged as new twice (batch-id de-duplication in the database);
// - every condition is one occurrence with one `raised` event;
// - every `raised` event reaches the webhook receiver in exactly one
//   delivery (one X-Vetra-Delivery id), also through a burst claimed a few
//   at a time by all three notifiers; each id arrives once, except one the
//   killed replica had in flight (answered, not yet recorded), which its
//   lease sends again — the one repeat no sender can rule out;
// - a token revoked through one replica is refused by all three within 1 s;
// - the live alarm feed (SSE) of every replica carries every `raised` event.
//
// Under CI=true a missing PostgreSQL or influxd fails the suite.

import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DELIVERY_HEADER } from "../central/maintenance/notify/signature.ts";
import { sha256Hex } from "../central/meta/meta.ts";
import { Diagnoses } from "../common/names.ts";
import { type BatchSender, type Condition, conditionKey, startBatchSender } from "./helpers/batch-sender.ts";
import { FIXTURE_FLEET } from "./helpers/central-fixture.ts";
import { type CentralProcess, centralProcess } from "./helpers/central-process.ts";
import { type EventStreamClient, openEventStream } from "./helpers/event-stream.ts";
import { influxdAvailable, type RunningInfluxd, startInfluxd } from "./helpers/influxd.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./helpers/notify-receivers.ts";
import { freePort } from "./helpers/ports.ts";
import { postgresAvailable, type RunningPostgres, startPostgres } from "./helpers/postgres.ts";
import { type RoundRobinProxy, startRoundRobinProxy } from "./helpers/round-robin-proxy.ts";
import { until } from "./helpers/until.ts";

const REPLICAS = 3;
const SECRET = "multinode-webhook-secret-0123";
const HOOK = "/alarms";
const BURST_PER_SITE = 12;
/** Sends in flight per replica (one: the notifiers' claims interleave through a burst). */
const NOTIFY_CONCURRENCY = 1;
/** Replicas killed with SIGKILL during the run. */
const KILLS = 1;
/** The receiver's answer time: a burst's sends overlap the other replicas' claims. */
const RECEIVER_DELAY_MS = 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const token = () => randomBytes(24).toString("base64url");

/** Every measuring point of a site's assets × every fault but the zone's own: the conditions a site raises in turn. */
const conditionsOf = (site: string): Condition[] =>
  FIXTURE_FLEET.assets
    .filter((a) => a.site === site)
    .flatMap((a) =>
      Diagnoses.filter((f) => f !== "overall_vibration").flatMap((fault) =>
        a.points.map((p) => ({ asset: a.id, point: p.id as Condition["point"], fault })),
      ),
    );

const available = postgresAvailable() && influxdAvailable();

describe.runIf(available)(
  "three central replicas on separate data dirs, one PostgreSQL, one InfluxDB",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "vetra-multinode-"));
    const tokens = { admin: token(), wf1: token(), wf2: token() };
    let pg: RunningPostgres;
    let influx: RunningInfluxd;
    let receiver: WebhookReceiver;
    let proxy: RoundRobinProxy;
    let sql: postgres.Sql;
    const replicas: CentralProcess[] = [];
    const feeds: EventStreamClient[] = [];

    beforeAll(async () => {
      [pg, influx, receiver] = await Promise.all([startPostgres(), startInfluxd(), startWebhookReceiver()]);
      const url = await pg.createDatabase("multinode");
      sql = postgres(url, { max: 2, onnotice: () => {} });
      const key = join(dir, "secrets.key");
      writeFileSync(key, randomBytes(32).toString("base64"), { mode: 0o600 });
      for (let i = 0; i < REPLICAS; i++) {
        const own = join(dir, `replica-${i}`);
        mkdirSync(own);
        copyFileSync(key, join(own, "secrets.key"));
        replicas.push(
          centralProcess(join(own, "central.json"), await freePort(), {
            dataDir: join(own, "data"),
            secretsKeyFile: join(own, "secrets.key"),
            store: { kind: "influx", url: influx.url, database: influx.database },
            metadata: { kind: "postgres", url, maxConnections: 4 },
            ...FIXTURE_FLEET,
            tokens: [
              { sha256: sha256Hex(tokens.admin), role: "admin", label: "admin" },
              { sha256: sha256Hex(tokens.wf1), role: "agent", site: "wf1", label: "wf1 gateway" },
              { sha256: sha256Hex(tokens.wf2), role: "agent", site: "wf2", label: "wf2 gateway" },
            ],
            // The edge's diagnoses are raised by its own persistence rule: no further delay here.
            alarms: { evaluateEveryMs: 1000, debounceMs: 100, onDelayMs: 0, offDelayMs: 0 },
            notifications: {
              pumpEveryMs: 50,
              retryBaseMs: 200,
              retryMaxMs: 2000,
              webhookTimeoutMs: 2000,
              // Few deliveries per claim: the replicas' claims interleave through a burst.
              concurrency: NOTIFY_CONCURRENCY,
              // The receiver is on loopback: admitted as an on-premises one.
              webhookAllowList: ["127.0.0.1"],
            },
          }),
        );
      }
      // Started together: the migrations run once (their advisory lock), the fleet is written three times.
      await Promise.all(replicas.map((r) => r.start()));
      proxy = await startRoundRobinProxy(replicas.map((r) => r.url));
    }, 180_000);

    afterAll(async () => {
      for (const f of feeds) f.close();
      await Promise.all(replicas.map((r) => r.kill("SIGKILL")));
      await proxy?.close();
      await receiver?.close();
      await sql?.end({ timeout: 1 });
      await influx?.stop();
      await pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const call = (base: string, method: string, path: string, bearer: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    it("stores every point once, raises and notifies every condition once, revokes and feeds on every replica", {
      timeout: 480_000,
    }, async () => {
      const startedAt = Date.now();
      for (const company of ["sc-north", "sc-south"]) {
        const rule = { channel: "webhook", target: receiver.url(HOOK), secret: SECRET, events: ["raised"] };
        const res = await call(
          proxy.url,
          "PUT",
          `/api/v1/companies/${company}/notification-rules`,
          tokens.admin,
          {
            rules: [{ ...rule, minSeverity: "warning" }],
          },
        );
        expect(res.status).toBe(200);
      }
      // Every replica's own live feed, followed as a browser does (reconnecting with Last-Event-ID).
      for (const r of replicas)
        feeds.push(
          openEventStream(`${r.url}/api/v1/alarms/stream`, { authorization: `Bearer ${tokens.admin}` }),
        );
      await Promise.all(feeds.map((f) => f.ready));
      receiver.script(
        HOOK,
        Array.from({ length: 500 }, () => ({ status: 200, delayMs: RECEIVER_DELAY_MS })),
      );

      const t0Ms = Date.now() - 3_600_000;
      const senders: BatchSender[] = ["wf1", "wf2"].map((site) =>
        startBatchSender({
          url: proxy.url,
          token: site === "wf1" ? tokens.wf1 : tokens.wf2,
          site,
          counterAsset: site === "wf1" ? "T01" : "T03",
          conditions: conditionsOf(site),
          t0Ms,
          pointsPerBatch: 50,
          pauseMs: 100,
        }),
      );
      /** `perSite` more conditions per site, then some acknowledged batches so that they are reported. */
      const phase = async (name: string, perSite = 2) => {
        for (const s of senders) for (let n = 0; n < perSite; n++) expect(s.raiseNext(), name).toBe(true);
        const target = senders.map((s) => s.acked() + 5);
        await until(
          `batches after "${name}"`,
          () => {
            for (const s of senders) if (s.error()) throw s.error();
            return senders.every((s, i) => s.acked() >= target[i]!) ? true : undefined;
          },
          120_000,
        );
      };

      await phase("all replicas up");
      // A burst: many deliveries due at once, claimed a few at a time by all three notifiers.
      await phase("a burst of conditions", BURST_PER_SITE);
      const victim = replicas[1]!;
      await victim.kill("SIGKILL");
      await phase("one replica killed");
      await victim.start();
      await phase("replica restarted");
      const pgRestart = pg.restart();
      await phase("PostgreSQL restarting");
      await pgRestart;
      await phase("PostgreSQL back");

      // A revocation through one replica, with the token cached on every replica beforehand.
      const created = await call(replicas[0]!.url, "POST", "/api/v1/tokens", tokens.admin, {
        role: "service_company",
        tenant: "sc-north",
        label: "to be revoked",
      });
      expect(created.status).toBe(201);
      const fresh = (await created.json()) as { token: string; info: { id: number } };
      for (const r of replicas)
        expect((await call(r.url, "GET", "/api/v1/fleet", fresh.token)).status).toBe(200);
      const revoked = await call(replicas[0]!.url, "DELETE", `/api/v1/tokens/${fresh.info.id}`, tokens.admin);
      expect(revoked.status).toBe(200);
      const revokedAt = Date.now();
      const refusedAfterMs = await Promise.all(
        replicas.map(async (r) => {
          while (Date.now() - revokedAt < 1000) {
            if ((await call(r.url, "GET", "/api/v1/fleet", fresh.token)).status === 401)
              return Date.now() - revokedAt;
            await sleep(20);
          }
          return (await call(r.url, "GET", "/api/v1/fleet", fresh.token)).status === 401 ? 1000 : Number.NaN;
        }),
      );
      for (const ms of refusedAfterMs) expect(ms).toBeLessThanOrEqual(1000);

      await Promise.all(senders.map((s) => s.stop()));
      const conditions = senders.flatMap((s) => s.raised);
      const keys = conditions.map(conditionKey).sort();

      // The book: every condition one occurrence (number 1), one `raised` event each.
      await until(
        "an alarm for every condition",
        async () => {
          const rows = await sql<{ key: string }[]>`SELECT key FROM alarm`;
          return rows.length >= conditions.length ? true : undefined;
        },
        60_000,
      );
      const alarms = await sql<
        { key: string; occurrence: number }[]
      >`SELECT key, occurrence FROM alarm ORDER BY key`;
      expect(alarms.map((a) => a.key).sort()).toEqual(keys);
      expect(alarms.every((a) => Number(a.occurrence) === 1)).toBe(true);
      const raised = await sql<{ id: string; alarm: string }[]>`
      SELECT id::text AS id, alarm FROM alarm_event WHERE kind = 'raised' ORDER BY id`;
      expect(raised.map((e) => e.alarm.replace(/:1$/, "")).sort()).toEqual(keys);

      // Notifications: every raised event in exactly one delivery, each delivery received once. A replica
      // killed holding a delivery leaves it to its lease (a minute and more): waited for, not skipped.
      await until(
        "every delivery sent",
        async () => {
          const [open] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM notification WHERE status NOT IN ('sent', 'failed')`;
          const [all] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM notification`;
          return open!.n === 0 && all!.n >= conditions.length ? true : undefined;
        },
        180_000,
      );
      const failed = await sql`SELECT id, last_error FROM notification WHERE status <> 'sent'`;
      expect(failed).toEqual([]);
      const got = receiver.at(HOOK);
      const byDelivery = new Map<string, number>();
      const eventDeliveries = new Map<string, string[]>();
      for (const r of got) {
        const delivery = String(r.headers[DELIVERY_HEADER]);
        byDelivery.set(delivery, (byDelivery.get(delivery) ?? 0) + 1);
        const body = JSON.parse(r.raw.toString("utf8")) as { events: { id: number; kind: string }[] };
        for (const e of body.events)
          eventDeliveries.set(String(e.id), [...(eventDeliveries.get(String(e.id)) ?? []), delivery]);
      }
      const repeated = [...byDelivery].filter(([, n]) => n > 1);
      // At least once; a delivery id twice only where the killed replica had it in flight (answered,
      // not yet recorded when it died): sent again once its lease expired, at most one per send slot.
      expect(repeated.length).toBeLessThanOrEqual(KILLS * NOTIFY_CONCURRENCY);
      for (const [id] of repeated) {
        const [row] = await sql<{ last_error: string | null }[]>`
          SELECT last_error FROM notification WHERE id = ${id}`;
        expect(row?.last_error).toMatch(/no outcome before the lease expired/);
      }
      expect([...eventDeliveries.keys()].sort()).toEqual(raised.map((e) => e.id).sort());
      for (const [, deliveries] of eventDeliveries) expect(new Set(deliveries).size).toBe(1);

      // InfluxDB: each site's counter 1..n once, and every diagnosis point sent.
      const query = async (q: string) => {
        const res = await fetch(
          `${influx.url}/query?${new URLSearchParams({ db: influx.database, q, epoch: "ms" })}`,
        );
        return (
          (
            (await res.json()) as {
              results: { series?: { tags?: Record<string, string>; values: number[][] }[] }[];
            }
          ).results[0]?.series ?? []
        );
      };
      for (const s of senders) {
        const [series] = await query(`SELECT power_kw FROM scada WHERE source = '${s.site}'`);
        const values = (series?.values ?? []).map((v) => v[1]!);
        expect(values.length, s.site).toBe(s.counterPoints());
        expect(values, s.site).toEqual(Array.from({ length: s.counterPoints() }, (_, i) => i + 1));
      }
      const diagnosisCounts = await query(
        "SELECT count(severity) FROM diagnosis GROUP BY asset, point, fault",
      );
      const stored = new Map(
        diagnosisCounts.map((d) => [`${d.tags!.asset}:${d.tags!.point}:${d.tags!.fault}`, d.values[0]![1]!]),
      );
      const sent = new Map(senders.flatMap((s) => [...s.diagnosisPoints]));
      expect(stored).toEqual(sent);

      // Batch ids: one row each with its size; no batch acknowledged as new twice.
      const remembered = await sql<
        { batch_id: string; points: number }[]
      >`SELECT batch_id, points FROM batch`;
      const sentBatches = new Map(senders.flatMap((s) => [...s.batches]));
      expect(new Map(remembered.map((b) => [b.batch_id, Number(b.points)]))).toEqual(sentBatches);
      for (const s of senders) for (const [id, n] of s.firstAcks) expect(n, id).toBe(1);

      // The live feed of every replica carried every raised event (the killed one's after its reconnect).
      await until(
        "every raised event on every replica's feed",
        () =>
          feeds.every((f) => raised.every((e) => f.events.some((x) => x.id === e.id))) ? true : undefined,
        30_000,
      );
      /** Per replica, the median time from an event's observation (its `at`) to its arrival on that replica's feed. */
      const feedLagMs: number[] = [];
      for (const f of feeds) {
        const seen = f.events
          .map((x) => ({
            id: x.id,
            at: x.receivedAtMs,
            event: (JSON.parse(x.data) as { event: { kind: string; at: string } }).event,
          }))
          .filter((x) => x.event.kind === "raised");
        expect(seen.map((x) => x.id).sort()).toEqual(raised.map((e) => e.id).sort());
        const lags = seen.map((x) => x.at - Date.parse(x.event.at)).sort((a, b) => a - b);
        feedLagMs.push(lags[Math.floor(lags.length / 2)]!);
      }
      // Ingest went through every replica (the killed one before and after its restart).
      expect(Math.min(...proxy.hits)).toBeGreaterThan(0);

      console.log(
        `multinode: replicas=${REPLICAS} batches=${sentBatches.size} points=${senders.reduce((n, s) => n + s.counterPoints(), 0)} ` +
          `retries=${senders.reduce((n, s) => n + s.retries(), 0)} conditions=${conditions.length} deliveries=${got.length} repeated=${repeated.length} ` +
          `requests=${proxy.hits.join("/")} refused_connections=${proxy.skipped.join("/")} ` +
          `revoked_after_ms=${refusedAfterMs.join("/")} feed_reconnects=${feeds.map((f) => f.opened - 1).join("/")} ` +
          `feed_lag_p50_ms=${feedLagMs.join("/")} ` +
          `duration_s=${Math.round((Date.now() - startedAt) / 1000)}`,
      );
    });
  },
);
