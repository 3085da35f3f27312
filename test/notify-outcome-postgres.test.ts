// A webhook answered while PostgreSQL restarts: the notifier could send the
// delivery but not record that it did. Its outcome is kept and committed by
// the next pump (while the lease still holds), so the delivery is `sent`
// after one attempt — not left `sending` until its lease expires (a minute
// and more) and then sent to the receiver a second time.
//
// Under CI=true a missing PostgreSQL fails the suite.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCentralConfig } from "../central/config.ts";
import { AlarmBook } from "../central/maintenance/alarm-book.ts";
import { type RunningCentral, startCentral } from "../central/server.ts";
import { FIXTURE_FLEET } from "./helpers/central-fixture.ts";
import { postgresAvailable, type RunningPostgres, startPostgres } from "./helpers/postgres.ts";
import { until } from "./helpers/until.ts";

describe.runIf(postgresAvailable())("a webhook answered while PostgreSQL restarts", () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-notify-pg-"));
  let pg: RunningPostgres;
  let url = "";
  let central: RunningCentral;
  /** Requests received; each answer waits in `held` until the test lets it go. */
  const received: string[] = [];
  const held: ServerResponse[] = [];
  const receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received.push(String(req.headers["x-vetra-delivery"]));
      held.push(res);
    });
  });

  beforeAll(async () => {
    pg = await startPostgres();
    url = await pg.createDatabase("notify_outcome");
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    central = await startCentral(
      parseCentralConfig({
        server: { host: "127.0.0.1", port: 0 },
        dataDir: join(dir, "data"),
        store: { kind: "embedded" },
        metadata: { kind: "postgres", url, maxConnections: 2 },
        ...FIXTURE_FLEET,
        alarms: { evaluateEveryMs: 0, onDelayMs: 0, offDelayMs: 0 },
        notifications: { pumpEveryMs: 0, webhookAllowList: ["127.0.0.1"] },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    for (const res of held) res.destroy();
    receiver.closeAllConnections();
    receiver.close();
    await central?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("records the outcome with the next pump: sent once, after one attempt", async () => {
    const { port } = receiver.address() as AddressInfo;
    const notifier = central.app.notifier;
    await notifier.rules.replace(
      "sc-north",
      [
        {
          channel: "webhook",
          target: `http://127.0.0.1:${port}/hook`,
          secret: "outcome-webhook-secret-0123",
          events: ["raised"],
          minSeverity: "warning",
        },
      ],
      Date.now(),
    );
    const now = Date.now();
    const condition = {
      asset: "T01",
      point: "main_bearing",
      fault: "imbalance",
      severity: "alarm" as const,
      sinceMs: now - 60_000,
      isoZone: null,
    };
    await new AlarmBook(central.meta.db).reconcile([condition], now, {
      clearAfterMs: 3_600_000,
      routeOf: await central.app.service.evaluator.routes(),
    });

    const pumped = notifier.pump();
    pumped.catch(() => {}); // awaited below
    await until("the webhook request", () => (held.length === 1 ? true : undefined));
    // The database goes down while the receiver holds its answer; the answer comes once it is down.
    const restarting = pg.restart();
    const probe = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    await until("PostgreSQL down", async () => {
      try {
        await probe`SELECT 1`;
        return undefined;
      } catch {
        return true;
      }
    });
    await probe.end({ timeout: 1 }).catch(() => undefined);
    held[0]!.writeHead(200).end("ok");
    await pumped.catch(() => undefined);
    await restarting;

    // The next pump (once the pool has reconnected) commits the kept outcome; nothing is sent again.
    await until("a pump with the database back", async () => {
      try {
        await notifier.pump();
        return true;
      } catch {
        return undefined;
      }
    });
    const list = await notifier.outbox.list({});
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ status: "sent", attempts: 1 });
    expect(received).toEqual([list[0]!.id]);
  });
});
