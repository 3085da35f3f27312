// The notification outbox: one row per delivery (a message to one rule's
// target), in the metadata SQLite that replicas share.
//
// Fan-out follows `alarm_event` by id from a cursor kept in the same file
// and moved in the same transaction as the deliveries it creates, so a
// crash or a restart neither loses nor repeats an event, and two replicas
// never fan out the same event (the transaction is IMMEDIATE: the second
// waits, then reads the moved cursor).
//
// A delivery is `pending` (due at next_attempt_at), `held` (quiet hours or
// a digest window: collecting events until it is due), `sending` (claimed by
// one replica until lease_until), then `sent` or `failed`. Claiming is one
// UPDATE of pending rows that are due, so a row is only ever sent by the
// replica whose UPDATE changed it; a replica that dies mid-send leaves a
// lease that expires, and the row is sent again (at least once).
import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import type { Severity } from "../../../common/names.ts";
import type { AlarmEvent } from "../alarm-book.ts";
import type { DeliveryType } from "./message.ts";
import { redactUrl } from "./receivers.ts";
import { type ActiveRule, type Channel, SEVERITY_RANK } from "./rules.ts";
import { dueMs } from "./schedule.ts";

export const DeliveryStatuses = ["pending", "held", "sending", "sent", "failed"] as const;
export type DeliveryStatus = (typeof DeliveryStatuses)[number];

/** Alarm events read per fan-out transaction. */
export const FANOUT_BATCH = 5000;

export const OUTBOX_SCHEMA = `
CREATE TABLE IF NOT EXISTS notification (
  id TEXT PRIMARY KEY,
  company TEXT NOT NULL,
  rule TEXT NOT NULL,
  channel TEXT NOT NULL,           -- 'webhook' | 'email'
  target TEXT NOT NULL,
  type TEXT NOT NULL,              -- 'alarm.<event kind>' | 'digest'
  status TEXT NOT NULL,            -- pending | held | sending | sent | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_until INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  payload TEXT NOT NULL,           -- JSON list of the alarm events it reports
  alarms TEXT NOT NULL             -- JSON list of alarm ids
);
CREATE INDEX IF NOT EXISTS notification_due ON notification (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS notification_company ON notification (company, created_at);
CREATE INDEX IF NOT EXISTS notification_held ON notification (company, rule, next_attempt_at) WHERE status = 'held';
-- The last alarm_event id fanned out.
CREATE TABLE IF NOT EXISTS notification_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), last_event_id INTEGER NOT NULL);
INSERT OR IGNORE INTO notification_cursor (id, last_event_id) VALUES (1, 0);
`;

/** An alarm event in its API shape (the SQL aliases the columns), `at` still in ms, with what fan-out needs. */
type EventRow = Omit<AlarmEvent, "at"> & { at: number; severity: Severity | null; timezone: string | null };

/** A row of `notification`: the API's fields that are stored as they are, and the rest in SQL form. */
type DeliveryRow = Pick<
  Delivery,
  "id" | "company" | "rule" | "channel" | "target" | "type" | "status" | "attempts"
> & {
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
  payload: string;
  alarms: string;
};

/** A delivery claimed for sending; `attempts` includes this one. */
export type Claimed = Pick<
  Delivery,
  "id" | "company" | "rule" | "channel" | "target" | "type" | "attempts" | "alarms"
> & {
  events: AlarmEvent[];
  leaseUntil: number;
};

/** What became of an attempt. */
export type Outcome =
  | { id: string; leaseUntil: number; result: "sent"; atMs: number }
  | { id: string; leaseUntil: number; result: "retry"; nextAttemptAt: number; error: string }
  | { id: string; leaseUntil: number; result: "failed"; error: string }
  /** Claimed but never attempted (the notifier is stopping). */
  | { id: string; leaseUntil: number; result: "returned" };

/** A delivery as the API shows it. */
export interface Delivery {
  id: string;
  company: string;
  rule: string;
  channel: Channel;
  target: string;
  type: DeliveryType;
  status: DeliveryStatus;
  attempts: number;
  /** When it is due (pending: the next attempt; held: the end of the quiet hours or digest window). */
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  alarms: string[];
  events: number;
}

export interface DeliveryFilter {
  company?: string;
  status?: DeliveryStatus;
  alarm?: string;
  limit?: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const eventOf = ({ severity: _, timezone: __, at, ...event }: EventRow): AlarmEvent => ({
  ...event,
  at: new Date(at).toISOString(),
});

const deliveryOf = ({
  next_attempt_at,
  lease_until: _,
  last_error,
  created_at,
  sent_at,
  payload,
  alarms,
  ...stored
}: DeliveryRow): Delivery => ({
  ...stored,
  target: stored.channel === "webhook" ? redactUrl(stored.target) : stored.target,
  nextAttemptAt: stored.status === "pending" || stored.status === "held" ? iso(next_attempt_at) : null,
  lastError: last_error,
  createdAt: new Date(created_at).toISOString(),
  sentAt: iso(sent_at),
  alarms: JSON.parse(alarms) as string[],
  events: (JSON.parse(payload) as unknown[]).length,
});

/** A held delivery being filled during one fan-out. */
interface HeldDraft {
  id: string;
  existing: boolean;
  events: AlarmEvent[];
  alarms: Set<string>;
}

export class Outbox {
  private readonly stmt: {
    cursor: Database.Statement;
    setCursor: Database.Statement;
    events: Database.Statement;
    insert: Database.Statement;
    held: Database.Statement;
    updateHeld: Database.Statement;
    release: Database.Statement;
    expire: Database.Statement;
    claim: Database.Statement;
    sent: Database.Statement;
    retry: Database.Statement;
    failed: Database.Statement;
    returned: Database.Statement;
    lastEvent: Database.Statement;
    anyDue: Database.Statement;
  };

  constructor(private readonly db: Database.Database) {
    db.exec(OUTBOX_SCHEMA);
    this.stmt = {
      cursor: db.prepare("SELECT last_event_id FROM notification_cursor WHERE id = 1").pluck(),
      setCursor: db.prepare("UPDATE notification_cursor SET last_event_id = ? WHERE id = 1"),
      // The severity a rule judges an event by: a raise or a severity change by the severity it
      // brought; what follows (acknowledged, escalated, cleared, …) by the highest the alarm
      // reached, so whoever was told of an alarm also hears how it ends.
      events: db.prepare(
        `SELECT e.id, e.alarm, e.asset, e.company, e.at, e.kind, e.actor, e.from_value AS "from",
                e.to_value AS "to", e.comment,
                CASE WHEN e.kind IN ('raised', 'severity') AND e.to_value IN ('warning', 'alarm') THEN e.to_value
                     ELSE a.max_severity END AS severity, c.timezone
           FROM alarm_event e LEFT JOIN alarm a ON a.id = e.alarm LEFT JOIN company c ON c.id = e.company
          WHERE e.id > ? ORDER BY e.id LIMIT ?`,
      ),
      insert: db.prepare(
        `INSERT INTO notification (id, company, rule, channel, target, type, status, attempts, next_attempt_at,
           created_at, payload, alarms) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
      ),
      held: db.prepare(
        `SELECT id, payload, alarms FROM notification
          WHERE company = ? AND rule = ? AND next_attempt_at = ? AND status = 'held' LIMIT 1`,
      ),
      updateHeld: db.prepare(
        "UPDATE notification SET payload = ?, alarms = ? WHERE id = ? AND status = 'held'",
      ),
      release: db.prepare(
        "UPDATE notification SET status = 'pending' WHERE status = 'held' AND next_attempt_at <= ?",
      ),
      expire: db.prepare(
        `UPDATE notification SET status = CASE WHEN attempts >= ? THEN 'failed' ELSE 'pending' END,
           next_attempt_at = ?, lease_until = NULL,
           last_error = COALESCE(last_error || '; ', '') || 'no outcome before the lease expired'
         WHERE status = 'sending' AND lease_until < ?`,
      ),
      claim: db.prepare(
        `UPDATE notification SET status = 'sending', attempts = attempts + 1, lease_until = ?
          WHERE id IN (SELECT id FROM notification WHERE status = 'pending' AND next_attempt_at <= ?
                        ORDER BY next_attempt_at LIMIT ?)
            AND +status IN ('pending') AND +next_attempt_at <= ?
          RETURNING id, company, rule, channel, target, type, payload, alarms, attempts`,
      ),
      sent: db.prepare(
        `UPDATE notification SET status = 'sent', sent_at = ?, lease_until = NULL
          WHERE id = ? AND status = 'sending' AND lease_until = ?`,
      ),
      retry: db.prepare(
        `UPDATE notification SET status = 'pending', next_attempt_at = ?, last_error = ?, lease_until = NULL
          WHERE id = ? AND status = 'sending' AND lease_until = ?`,
      ),
      failed: db.prepare(
        `UPDATE notification SET status = 'failed', last_error = ?, lease_until = NULL
          WHERE id = ? AND status = 'sending' AND lease_until = ?`,
      ),
      lastEvent: db.prepare("SELECT COALESCE(MAX(id), 0) FROM alarm_event").pluck(),
      anyDue: db
        .prepare(
          `SELECT EXISTS (SELECT 1 FROM notification WHERE status = 'held' AND next_attempt_at <= ?)
             OR EXISTS (SELECT 1 FROM notification WHERE status = 'sending' AND lease_until < ?)`,
        )
        .pluck(),
      returned: db.prepare(
        `UPDATE notification SET status = 'pending', attempts = attempts - 1, lease_until = NULL
          WHERE id = ? AND status = 'sending' AND lease_until = ?`,
      ),
    };
  }

  /** The last alarm event fanned out. */
  cursor(): number {
    return this.stmt.cursor.get() as number;
  }

  /**
   * Fans out the next batch of alarm events to the rules of their companies,
   * in one IMMEDIATE transaction with the cursor. `more`: the batch was full.
   */
  fanOut(
    nowMs: number,
    rulesOf: () => ReadonlyMap<string, readonly ActiveRule[]>,
    batch = FANOUT_BATCH,
  ): { events: number; enqueued: number; more: boolean } {
    // Most pumps find nothing new: a read, without taking the write lock.
    if ((this.stmt.lastEvent.get() as number) <= this.cursor())
      return { events: 0, enqueued: 0, more: false };
    return this.db
      .transaction(() => {
        const rows = this.stmt.events.all(this.cursor(), batch) as EventRow[];
        if (rows.length === 0) return { events: 0, enqueued: 0, more: false };
        const rules = rulesOf();
        const held = new Map<string, HeldDraft>();
        let enqueued = 0;
        for (const row of rows) {
          const list = rules.get(row.company);
          if (!list) continue;
          const rank = SEVERITY_RANK[row.severity ?? "warning"] ?? 0;
          const event = eventOf(row);
          for (const rule of list) {
            if (!rule.events.has(row.kind) || rank < rule.minRank) continue;
            const due = dueMs(row.at, row.timezone ?? "UTC", rule);
            if (due === null) {
              this.insert(rule, `alarm.${row.kind}`, "pending", nowMs, nowMs, [event], [row.alarm]);
              enqueued++;
              continue;
            }
            const key = `${rule.company}\u0000${rule.id}\u0000${due}`;
            let draft = held.get(key);
            if (!draft) {
              const found = this.stmt.held.get(rule.company, rule.id, due) as
                | { id: string; payload: string; alarms: string }
                | undefined;
              draft = found
                ? {
                    id: found.id,
                    existing: true,
                    events: JSON.parse(found.payload) as AlarmEvent[],
                    alarms: new Set(JSON.parse(found.alarms) as string[]),
                  }
                : {
                    id: this.insert(rule, "digest", "held", due, nowMs, [], []),
                    existing: false,
                    events: [],
                    alarms: new Set(),
                  };
              if (!found) enqueued++;
              held.set(key, draft);
            }
            draft.events.push(event);
            draft.alarms.add(row.alarm);
          }
        }
        for (const d of held.values())
          this.stmt.updateHeld.run(JSON.stringify(d.events), JSON.stringify([...d.alarms]), d.id);
        this.stmt.setCursor.run(rows[rows.length - 1]!.id);
        return { events: rows.length, enqueued, more: rows.length === batch };
      })
      .immediate();
  }

  private insert(
    rule: ActiveRule,
    type: DeliveryType,
    status: DeliveryStatus,
    dueAtMs: number,
    nowMs: number,
    events: AlarmEvent[],
    alarms: string[],
  ): string {
    const id = randomUUID();
    this.stmt.insert.run(
      id,
      rule.company,
      rule.id,
      rule.channel,
      rule.target,
      type,
      status,
      dueAtMs,
      nowMs,
      JSON.stringify(events),
      JSON.stringify(alarms),
    );
    return id;
  }

  /**
   * Makes held deliveries that are due pending, and returns those whose
   * sender's lease expired without an outcome to pending (failed when they
   * had their last attempt).
   */
  release(nowMs: number, maxAttempts: number): void {
    if (!this.stmt.anyDue.get(nowMs, nowMs)) return;
    this.db
      .transaction(() => {
        this.stmt.release.run(nowMs);
        this.stmt.expire.run(maxAttempts, nowMs, nowMs);
      })
      .immediate();
  }

  /**
   * Records `outcomes` and claims up to `limit` due deliveries until
   * `leaseUntil`, in one transaction (one commit for both).
   */
  claim(nowMs: number, limit: number, leaseUntil: number, outcomes: readonly Outcome[]): Claimed[] {
    return this.db
      .transaction(() => {
        this.applyOutcomes(outcomes);
        if (limit <= 0) return [];
        const rows = this.stmt.claim.all(leaseUntil, nowMs, limit, nowMs) as Pick<
          DeliveryRow,
          "id" | "company" | "rule" | "channel" | "target" | "type" | "payload" | "alarms" | "attempts"
        >[];
        return rows.map(({ payload, alarms, ...stored }) => ({
          ...stored,
          events: JSON.parse(payload) as AlarmEvent[],
          alarms: JSON.parse(alarms) as string[],
          leaseUntil,
        }));
      })
      .immediate();
  }

  /** Records outcomes (only where the lease is still the sender's). */
  record(outcomes: readonly Outcome[]): void {
    if (outcomes.length > 0) this.db.transaction(() => this.applyOutcomes(outcomes)).immediate();
  }

  private applyOutcomes(outcomes: readonly Outcome[]): void {
    for (const o of outcomes) {
      if (o.result === "sent") this.stmt.sent.run(o.atMs, o.id, o.leaseUntil);
      else if (o.result === "retry") this.stmt.retry.run(o.nextAttemptAt, o.error, o.id, o.leaseUntil);
      else if (o.result === "failed") this.stmt.failed.run(o.error, o.id, o.leaseUntil);
      else this.stmt.returned.run(o.id, o.leaseUntil);
    }
  }

  get(id: string): Delivery | null {
    const r = this.db.prepare("SELECT * FROM notification WHERE id = ?").get(id) as DeliveryRow | undefined;
    return r ? deliveryOf(r) : null;
  }

  /** Newest first. */
  list(filter: DeliveryFilter = {}): Delivery[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.company !== undefined) {
      where.push("company = ?");
      args.push(filter.company);
    }
    if (filter.status !== undefined) {
      where.push("status = ?");
      args.push(filter.status);
    }
    if (filter.alarm !== undefined) {
      where.push("EXISTS (SELECT 1 FROM json_each(notification.alarms) WHERE value = ?)");
      args.push(filter.alarm);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    const rows = this.db
      .prepare(`SELECT * FROM notification ${clause} ORDER BY created_at DESC, rowid DESC LIMIT ?`)
      .all(...args, filter.limit ?? 100) as DeliveryRow[];
    return rows.map(deliveryOf);
  }

  /** A failed delivery back to pending, due now, with a fresh count of attempts; false when it is not failed. */
  retry(id: string, nowMs: number): boolean {
    const info = this.db
      .prepare(
        "UPDATE notification SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ? AND status = 'failed'",
      )
      .run(nowMs, id);
    return info.changes === 1;
  }

  /** Forgets finished deliveries (sent or failed) created before `beforeMs`; how many. */
  prune(beforeMs: number): number {
    return this.db
      .prepare("DELETE FROM notification WHERE status IN ('sent', 'failed') AND created_at < ?")
      .run(beforeMs).changes;
  }

  /** Counts by status (for metrics and tests). */
  counts(): Record<DeliveryStatus, number> {
    const out: Record<DeliveryStatus, number> = { pending: 0, held: 0, sending: 0, sent: 0, failed: 0 };
    const rows = this.db.prepare("SELECT status, COUNT(*) AS n FROM notification GROUP BY status").all() as {
      status: DeliveryStatus;
      n: number;
    }[];
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}
