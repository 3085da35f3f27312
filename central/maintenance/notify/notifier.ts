// The notifier of one replica: every pumpEveryMs (or when pump() is called)
// it fans new alarm events out to the companies' rules and sends what is
// due — webhooks and e-mails — with bounded concurrency, retrying transient
// failures with exponential back-off. All its state is in the shared
// metadata database (see outbox.ts), so replicas cooperate and a restart resumes.

import { channel } from "node:diagnostics_channel";
import type { IoResult } from "../../../common/result.ts";
import { placeholders } from "../../db/sql.ts";
import type { MetaDb } from "../../db/types.ts";
import type { Lang } from "../../lib/format.ts";
import type { SecretBox } from "../../lib/secret-box.ts";
import { recordOf } from "../alarm-book.ts";
import type { NotificationsConfig } from "./config.ts";
import { SmtpSender } from "./email.ts";
import {
  emailContent,
  type MessageAlarm,
  type MessageCompany,
  type MessageInput,
  webhookBody,
} from "./message.ts";
import { type Claimed, Outbox, type Outcome } from "./outbox.ts";
import { receiverPolicy } from "./receivers.ts";
import { NotificationRules } from "./rules.ts";
import { WebhookSender } from "./webhook.ts";

export interface NotifierLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface NotifierOptions {
  db: MetaDb;
  /** Seals and opens the rules' webhook secrets (the key is kept outside the database). */
  secrets: SecretBox;
  config: NotificationsConfig;
  clock?: () => number;
  log?: NotifierLog;
  /** Deliveries claimed per commit; default CLAIM_BATCHES × concurrency. */
  claimBatch?: number;
}

export interface PumpResult {
  /** Deliveries created (a digest counts once, however many events it collects). */
  enqueued: number;
  sent: number;
  failed: number;
  /** Attempts that failed transiently and were scheduled again. */
  retried: number;
}

/** What `pumpChannel` publishes after each pump. */
export interface PumpMessage {
  notifier: Notifier;
  result: PumpResult;
}

/**
 * Every finished pump (central/plugins/metrics.ts counts its attempts by
 * outcome). A diagnostics channel costs nothing while nobody subscribes.
 */
export const pumpChannel = channel("vetra.central.notification-pump");

/** Deliveries claimed per commit, in units of `concurrency`. */
const CLAIM_BATCHES = 4;

/** A Retry-After longer than this is taken as this (a misconfigured receiver must not park a delivery for weeks). */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

type AlarmRowWithNames = Parameters<typeof recordOf>[0] & {
  asset_name: string | null;
  site_name: string | null;
};

const SILENT: NotifierLog = { warn() {}, error() {} };

export class Notifier {
  readonly rules: NotificationRules;
  readonly outbox: Outbox;
  private readonly config: NotificationsConfig;
  private readonly clock: () => number;
  private readonly log: NotifierLog;
  private readonly leaseMs: number;
  private readonly claimBatch: number;
  private readonly db: MetaDb;
  private smtp: SmtpSender | null = null;
  private readonly webhooks: WebhookSender;
  private timer: NodeJS.Timeout | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private lastPruneMs = Number.NEGATIVE_INFINITY;
  /**
   * Outcomes of sends that could not be committed (the database away): applied
   * with the next claim, while their leases still hold, so a delivery that was
   * sent is not sent again when its lease expires.
   */
  private unrecorded: Outcome[] = [];
  /** PostgreSQL: each outcome committed once known (see dispatch). */
  private readonly recordEachOutcome: boolean;

  constructor({ db, secrets, config, clock = Date.now, log = SILENT, claimBatch }: NotifierOptions) {
    this.config = config;
    this.db = db;
    this.clock = clock;
    this.log = log;
    const receivers = receiverPolicy(config.webhookAllowList);
    this.rules = new NotificationRules(db, secrets, receivers);
    this.webhooks = new WebhookSender(receivers);
    this.outbox = new Outbox(db);
    this.recordEachOutcome = db.kind === "postgres";
    // Long enough for a claimed batch to be sent one slot after another, each
    // send ended by its own timeouts (an SMTP exchange has several), so a
    // lease only expires when its replica died.
    const slowestSendMs = Math.max(config.webhookTimeoutMs, 3 * (config.smtp?.timeoutMs ?? 0));
    this.claimBatch = Math.max(1, claimBatch ?? CLAIM_BATCHES * config.concurrency);
    this.leaseMs = 2 * (Math.ceil(this.claimBatch / config.concurrency) + 1) * slowestSendMs + 60_000;
  }

  /** Before the first pump: the rules' start checks (their key must open the stored secrets). */
  async open(): Promise<this> {
    await this.rules.open();
    return this;
  }

  /** Pumps every pumpEveryMs until stop() (nothing when it is 0). */
  start(): void {
    this.stopping = false;
    const every = this.config.pumpEveryMs;
    if (every <= 0 || this.timer) return;
    const tick = () => {
      this.pump()
        .catch((err: unknown) => this.log.error({ err }, "notification pump failed"))
        .finally(() => {
          if (!this.stopping) {
            this.timer = setTimeout(tick, every);
            this.timer.unref();
          }
        });
    };
    this.timer = setTimeout(tick, every);
    this.timer.unref();
  }

  /** Stops pumping; resolves once the sends in flight have ended and their outcomes are recorded. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.queue.catch(() => undefined);
    this.smtp?.close();
    this.smtp = null;
    this.webhooks.close();
  }

  /** Fans out new alarm events and sends every due delivery (one pump at a time per notifier). */
  pump(): Promise<PumpResult> {
    const run = this.queue.then(async () => {
      const now = this.clock();
      // Finished deliveries are kept `keepDays` for the record, then forgotten (checked at most hourly).
      if (now - this.lastPruneMs >= 3_600_000) {
        await this.outbox.prune(now - this.config.keepDays * 86_400_000);
        this.lastPruneMs = now;
      }
      const { enqueued } = await this.fanOut();
      const result: PumpResult = { enqueued, ...(await this.dispatch()) };
      if (pumpChannel.hasSubscribers) pumpChannel.publish({ notifier: this, result } satisfies PumpMessage);
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Turns alarm events after the cursor into deliveries (all of them, batch by batch). */
  async fanOut(): Promise<{ events: number; enqueued: number }> {
    let events = 0;
    let enqueued = 0;
    for (;;) {
      const r = await this.outbox.fanOut(this.clock(), () => this.rules.active());
      events += r.events;
      enqueued += r.enqueued;
      if (!r.more) return { events, enqueued };
    }
  }

  /**
   * Sends due deliveries, at most `concurrency` at a time, until none is due.
   * Deliveries are claimed `claimBatch` at a time. On SQLite the outcomes
   * so far are committed with the next claim: a burst costs a commit per
   * batch, not two per delivery (a durable commit there is milliseconds of
   * a blocked event loop). On PostgreSQL, where a commit does not block,
   * each outcome is committed as soon as it is known: a replica killed mid-
   * burst then sends again (once its leases expire) only what it had in
   * flight, not every delivery it sent since its last claim — a receiver
   * answered but not recorded is the one repeat no sender can rule out
   * (the receiver knows it by X-Vetra-Delivery).
   */
  async dispatch(): Promise<Omit<PumpResult, "enqueued">> {
    const counts = { sent: 0, failed: 0, retried: 0 };
    await this.outbox.release(this.clock(), this.config.maxAttempts);
    const concurrency = this.config.concurrency;
    const batch = this.claimBatch;
    const inflight = new Set<Promise<void>>();
    const claimed: Claimed[] = [];
    let outcomes: Outcome[] = this.unrecorded.splice(0);
    let exhausted = false;
    let failure: unknown = null;
    for (;;) {
      if (claimed.length === 0 && !exhausted && !this.stopping && inflight.size <= concurrency / 2) {
        const now = this.clock();
        try {
          claimed.push(...(await this.outbox.claim(now, batch, now + this.leaseMs, outcomes)));
          outcomes = [];
        } catch (error) {
          // The database away: no more claims this pump; the sends in flight finish and their
          // outcomes (and those the failed claim carried) are recorded below or at the next pump.
          failure = error;
          exhausted = true;
        }
        if (claimed.length < batch) exhausted = true;
      }
      if (this.stopping) {
        // Claimed but not started: back to pending for whichever replica pumps next.
        for (const d of claimed.splice(0))
          outcomes.push({ id: d.id, leaseUntil: d.leaseUntil, result: "returned" });
      }
      while (inflight.size < concurrency && claimed.length > 0) {
        const p: Promise<void> = this.attempt(claimed.shift()!).then(async (o) => {
          if (o.result !== "returned") counts[o.result === "retry" ? "retried" : o.result]++;
          if (this.recordEachOutcome) {
            // Applying an outcome twice is harmless (it needs the lease it was claimed with).
            await this.outbox.record([o]).catch(() => outcomes.push(o));
          } else outcomes.push(o);
          inflight.delete(p);
        });
        inflight.add(p);
      }
      if (inflight.size === 0 && (claimed.length === 0 || this.stopping)) break;
      await Promise.race(inflight);
    }
    try {
      await this.outbox.record(outcomes);
    } catch (error) {
      this.unrecorded.push(...outcomes);
      failure ??= error;
    }
    if (failure !== null) throw failure;
    return counts;
  }

  private backoffMs(attempts: number, retryAfterMs: number): number {
    const { retryBaseMs, retryMaxMs } = this.config;
    const exponential = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(30, attempts - 1));
    return Math.max(exponential, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
  }

  private async attempt(d: Claimed): Promise<Outcome> {
    const lease = { id: d.id, leaseUntil: d.leaseUntil };
    let result: IoResult<unknown>;
    try {
      result = await this.send(d);
    } catch (err) {
      // A bug, not the receiver: keep the delivery, visible, within its attempts.
      this.log.error({ err, delivery: d.id }, "notification send failed unexpectedly");
      result = { kind: "retryable", code: "INTERNAL", message: String(err), retryInMillis: 0 };
    }
    if (result.kind === "success") return { ...lease, result: "sent", atMs: this.clock() };
    if (result.kind === "failure") return { ...lease, result: "failed", error: result.message };
    if (d.attempts >= this.config.maxAttempts)
      return {
        ...lease,
        result: "failed",
        error: `${result.message} (gave up after ${d.attempts} attempts)`,
      };
    return {
      ...lease,
      result: "retry",
      nextAttemptAt: this.clock() + this.backoffMs(d.attempts, result.retryInMillis),
      error: result.message,
    };
  }

  private async send(d: Claimed): Promise<IoResult<unknown>> {
    const gone = (message: string): IoResult<never> => ({
      kind: "failure",
      code: "DELIVERY_REJECTED",
      message,
    });
    const rule = await this.rules.lookup(d.company, d.rule);
    if (!rule) return gone("the rule was removed before it could be sent");
    const message = await this.compose(d);
    if (d.channel === "webhook") {
      const secret = rule.secret;
      if (!secret) return gone("the rule has no secret to sign with");
      return this.webhooks.post({
        url: d.target,
        delivery: d.id,
        body: webhookBody(message),
        secret,
        timestampS: Math.floor(this.clock() / 1000),
        timeoutMs: this.config.webhookTimeoutMs,
      });
    }
    if (!this.config.smtp) return gone("no SMTP server is configured (notifications.smtp)");
    this.smtp ??= new SmtpSender(this.config.smtp);
    return this.smtp.send(d.target, d.id, emailContent(message));
  }

  private async compose(d: Claimed): Promise<MessageInput> {
    const row = await this.db.get<{ id: string; name: string; lang: string; timezone: string }>(
      "SELECT id, name, lang, timezone FROM company WHERE id = ?",
      [d.company],
    );
    const company: MessageCompany = {
      id: d.company,
      name: row?.name ?? d.company,
      lang: (row?.lang === "en" ? "en" : "ru") as Lang,
      timezone: row?.timezone ?? "Europe/Moscow",
    };
    const rows =
      d.alarms.length === 0
        ? []
        : await this.db.all<AlarmRowWithNames>(
            `SELECT alarm.*, asset.name AS asset_name, site.name AS site_name FROM alarm
               LEFT JOIN asset ON asset.id = alarm.asset LEFT JOIN site ON site.id = alarm.site
              WHERE alarm.id IN (${placeholders(d.alarms.length)})`,
            d.alarms,
          );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const alarms: MessageAlarm[] = [];
    for (const id of d.alarms) {
      const r = byId.get(id);
      if (r) alarms.push({ record: recordOf(r), assetName: r.asset_name ?? r.asset, siteName: r.site_name });
    }
    return {
      delivery: d.id,
      type: d.type,
      company,
      alarms,
      events: d.events,
      consoleUrl: this.config.consoleUrl,
    };
  }
}
