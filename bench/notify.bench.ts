// Notification fan-out: 1,000 alarms raised at once (one evaluation) across
// 50 service companies, each with a webhook rule to a local HTTP receiver
// (real loopback, real SQLite with durable commits). Timed from the start of
// the pump until every delivery is sent: the fan-out (events → deliveries,
// one transaction) and the sending (claims, signed POSTs, outcomes).
// Named baseline, measured in the same run on the same deliveries: sending
// them one at a time (concurrency 1, so one claim and one commit per
// delivery, each POST waiting for the previous one).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseCentralConfig } from "../central/config.ts";
import { SecretBox } from "../central/lib/secret-box.ts";
import { AlarmBook, type Condition } from "../central/maintenance/alarm-book.ts";
import { Notifier } from "../central/maintenance/notify/notifier.ts";
import { META_FILE, MetaStore } from "../central/meta/meta.ts";
import { startWebhookReceiver } from "../test/helpers/notify-receivers.ts";

const COMPANIES = 50;
const ALARMS = 1000;
const CONCURRENCY = 16;

export interface NotifyFanoutResult {
  alarms: number;
  deliveries: number;
  enqueueMs: number;
  sendMs: number;
  deliveriesPerS: number;
  markdown: string;
}

interface Run {
  enqueueMs: number;
  sendMs: number;
  sent: number;
}

export async function notifyFanoutBench(): Promise<NotifyFanoutResult> {
  const dir = mkdtempSync(join(tmpdir(), "vetra-notify-bench-"));
  const receiver = await startWebhookReceiver({ keepBodies: false });
  const meta = await MetaStore.openFile(join(dir, META_FILE));
  const notifiers: Notifier[] = [];
  try {
    const companies = Array.from({ length: COMPANIES }, (_, i) => `sc-${String(i).padStart(2, "0")}`);
    const perCompany = ALARMS / COMPANIES;
    const assets = Array.from({ length: ALARMS }, (_, i) => ({
      id: `T${String(i).padStart(4, "0")}`,
      name: `ВЭУ-${i + 1}`,
      kind: "turbine",
      site: "wf",
      tenant: companies[Math.floor(i / perCompany)]!,
      points: [],
    }));
    await meta.fleet.replace(
      parseCentralConfig({
        tenants: companies.map((id) => ({ id, name: `Service ${id}` })),
        sites: [{ id: "wf", name: "Wind farm", kind: "wind_farm" }],
        assets,
      }),
    );
    const now = Date.now();
    const secrets = new SecretBox(randomBytes(32));
    const notifierOf = (concurrency: number, claimBatch?: number) => {
      const n = new Notifier({
        db: meta.db,
        secrets,
        ...(claimBatch ? { claimBatch } : {}),
        // The receiver is on loopback: admitted explicitly.
        config: parseCentralConfig({
          notifications: { pumpEveryMs: 0, concurrency, webhookAllowList: ["127.0.0.1"] },
        }).notifications,
      });
      notifiers.push(n);
      return n;
    };
    const current = notifierOf(CONCURRENCY);
    for (const company of companies)
      current.rules.replace(
        company,
        [
          {
            channel: "webhook",
            target: receiver.url(`/${company}`),
            secret: `${company}-webhook-secret`,
            events: ["raised"],
          },
        ],
        now,
      );
    // All alarms at once: one evaluation observing 1,000 new conditions.
    const conditions: Condition[] = assets.map((a) => ({
      asset: a.id,
      point: "main_bearing",
      fault: "bearing_outer_race",
      severity: "alarm",
      sinceMs: now - 60_000,
      isoZone: "D",
    }));
    const tenantOf = new Map(assets.map((a) => [a.id, a.tenant]));
    await new AlarmBook(meta.db).reconcile(conditions, now, {
      clearAfterMs: 3_600_000,
      routeOf: (asset) => ({ company: tenantOf.get(asset)!, site: "wf", responseTimeMs: 3_600_000 }),
    });

    const timed = async (n: Notifier, fanOut: boolean): Promise<Run> => {
      const t0 = performance.now();
      if (fanOut) await n.fanOut();
      const t1 = performance.now();
      const { sent } = await n.dispatch();
      return { enqueueMs: t1 - t0, sendMs: performance.now() - t1, sent };
    };
    const again = () =>
      meta.db.run("UPDATE notification SET status = 'pending', attempts = 0, next_attempt_at = 0");

    const run = await timed(current, true);
    const deliveries = (await current.outbox.counts()).sent;
    if (deliveries !== ALARMS || run.sent !== ALARMS || receiver.received.length !== ALARMS)
      throw new Error(`notify bench: ${run.sent} of ${ALARMS} sent, ${receiver.received.length} received`);
    await again();
    const baseline = await timed(notifierOf(1, 1), false);
    if (baseline.sent !== deliveries) throw new Error(`notify bench baseline: ${baseline.sent} sent`);

    const totalMs = run.enqueueMs + run.sendMs;
    const deliveriesPerS = (deliveries / totalMs) * 1000;
    const baselinePerS = (deliveries / baseline.sendMs) * 1000;
    const f = (x: number) => x.toFixed(0);
    const markdown = `Notification fan-out (bench/notify.bench.ts): ${ALARMS.toLocaleString("en")} alarms raised in one
evaluation across ${COMPANIES} service companies, each company with one webhook rule to a local HTTP
receiver (loopback, node:http); signed JSON POSTs, outcomes committed to the metadata SQLite
(WAL, synchronous = FULL). Timed from the start of the pump until every delivery is sent.
Baseline: the same deliveries sent one at a time (concurrency 1: one claim, one POST and one
commit after another), measured in the same run.

| variant | deliveries | fan-out ms | send ms | deliveries/s |
| --- | ---: | ---: | ---: | ---: |
| notifier (concurrency ${CONCURRENCY}, batched claims) | ${deliveries} | ${f(run.enqueueMs)} | ${f(run.sendMs)} | ${f(deliveriesPerS)} |
| baseline: one at a time | ${deliveries} | — | ${f(baseline.sendMs)} | ${f(baselinePerS)} |

Sending is ${(baseline.sendMs / run.sendMs).toFixed(1)}× faster than one at a time; all ${ALARMS.toLocaleString("en")}
alarms are delivered ${f(totalMs)} ms after the evaluation that raised them.`;
    return {
      alarms: ALARMS,
      deliveries,
      enqueueMs: run.enqueueMs,
      sendMs: run.sendMs,
      deliveriesPerS,
      markdown,
    };
  } finally {
    for (const n of notifiers) await n.stop();
    meta.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
