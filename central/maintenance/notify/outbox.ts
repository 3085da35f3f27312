// The notification outbox: one row per delivery (a message to one rule's
// target), in the metadata database that replicas share.
//
// Fan-out follows `alarm_event` by id from a cursor kept in the same
// database and moved in the same transaction as the deliveries it creates,
// so a crash or a restart neither loses nor repeats an event, and two
// replicas never fan out the same event: the transaction holds the cursor's
// row (SQLite: its writer lock), so the second waits, then reads the moved
// cursor. Event ids commit in order (the alarm book's lock), so following
// them by id passes none.
//
// A delivery is `pending` (due at next_attempt_at), `held` (quiet hours or
// a digest window: collecting events until it is due), `sending` (claimed by
// one replica until lease_until), then `sent` or `failed`. Claiming is one
// UPDATE of pending rows that are due — on PostgreSQL of rows no other
// replica is claiming (FOR UPDATE SKIP LOCKED) — so a row is only ever sent
// by the replica whose UPDATE changed it; a replica that dies mid-send
// leaves a lease that expires, and the row is sent again (at least once;
// the receiver knows a repeat by its X-Vetra-Delivery id).
import { randomUUID } from "node:crypto";
import type { Severity } from "../../../common/names.ts";
import { forUpdate, type MetaDb, type SqlRunner, type SqlTx, truthy } from "../../db/types.ts";
import { Where } from "../../db/where.ts";
import type { AlarmEvent } from "../alarm-book.ts";
import type { DeliveryType } from "./message.ts";
import { redactUrl } from "./receivers.ts";
import { type ActiveRule, type Channel, SEVERITY_RANK } from "./rules.ts";
import { dueMs } from "./schedule.ts";

export const DeliveryStatuses = ["pending", "held", "sending", "sent", "failed"] as const;
export type DeliveryStatus = (typeof DeliveryStatuses)[number];

/** Alarm events read per fan-out transaction. */
export const FANOUT_BATCH = 5000;

/** An alarm event in its API shape (the SQL aliases the columns), `at` still in ms, with what fan-out needs. */
type EventRow = Omit<AlarmEvent, "at"> & { at: number; severity: Severity | null; timezone: string | null };

/** A row of `notification`: the API's fields that are stored as they are, and the rest in SQL form. */
type DeliveryRow = Pick<
  Delivery,
  "id" | "company" | "rule" | "channel" | "target" | "type" | "status" | "attempts"
> & {
  /** PostgreSQL only: insertion order. */
  seq?: number;
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
  seq: _seq,
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

/** The events after the cursor, with the severity a rule judges them by and the company's zone. */
// The severity a rule judges an event by: a raise or a severity change by the severity it
// brought; what follows (acknowledged, escalated, cleared, …) by the highest the alarm
// reached, so whoever was told of an alarm also hears how it ends.
const EVENTS_AFTER = `SELECT e.id, e.alarm, e.asset, e.company, e.at, e.kind, e.actor, e.from_value AS "from",
        e.to_value AS "to", e.comment,
        CASE WHEN e.kind IN ('raised', 'severity') AND e.to_value IN ('warning', 'alarm') THEN e.to_value
             ELSE a.max_severity END AS severity, c.timezone
   FROM alarm_event e LEFT JOIN alarm a ON a.id = e.alarm LEFT JOIN company c ON c.id = e.company
  WHERE e.id > ? ORDER BY e.id LIMIT ?`;

/** Claims due pending deliveries (SQLite: its writer lock keeps replicas apart). */
const CLAIM_SQLITE = `UPDATE notification SET status = 'sending', attempts = attempts + 1, lease_until = ?
  WHERE id IN (SELECT id FROM notification WHERE status = 'pending' AND next_attempt_at <= ?
                ORDER BY next_attempt_at LIMIT ?)
    AND +status IN ('pending') AND +next_attempt_at <= ?
  RETURNING id, company, rule, channel, target, type, payload, alarms, attempts, next_attempt_at, created_at`;

/**
 * Claims due pending deliveries no other replica is claiming (rows another
 * holds are skipped, not waited for). The rows are chosen once, in a CTE: a
 * LIMIT in an `IN (subquery)` may be evaluated again per row of the UPDATE's
 * scan and claim more than asked.
 */
const CLAIM_POSTGRES = `WITH claimable AS (
    SELECT id FROM notification WHERE status = 'pending' AND next_attempt_at <= ?
     ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)
  UPDATE notification n SET status = 'sending', attempts = n.attempts + 1, lease_until = ?
    FROM claimable WHERE n.id = claimable.id
  RETURNING n.id, n.company, n.rule, n.channel, n.target, n.type, n.payload, n.alarms, n.attempts,
    n.next_attempt_at, n.created_at`;

export class Outbox {
  constructor(private readonly db: MetaDb) {}

  /** The last alarm event fanned out. */
  async cursor(): Promise<number> {
    return this.cursorIn(this.db);
  }

  private async cursorIn(db: SqlRunner, lock = ""): Promise<number> {
    return (
      (
        await db.get<{ last_event_id: number }>(
          `SELECT last_event_id FROM notification_cursor WHERE id = 1${lock}`,
        )
      )?.last_event_id ?? 0
    );
  }

  /**
   * Fans out the next batch of alarm events to the rules of their companies,
   * in one transaction with the cursor. `more`: the batch was full.
   */
  async fanOut(
    nowMs: number,
    rulesOf: () => Promise<ReadonlyMap<string, readonly ActiveRule[]>>,
    batch = FANOUT_BATCH,
  ): Promise<{ events: number; enqueued: number; more: boolean }> {
    // Most pumps find nothing new: a read, without taking the write lock.
    const last = (await this.db.get<{ id: number | null }>("SELECT MAX(id) AS id FROM alarm_event"))?.id ?? 0;
    if (last <= (await this.cursor())) return { events: 0, enqueued: 0, more: false };
    const rules = await rulesOf();
    return this.db.transaction(async (tx) => {
      const rows = await tx.all<EventRow>(EVENTS_AFTER, [await this.cursorIn(tx, forUpdate(tx)), batch]);
      if (rows.length === 0) return { events: 0, enqueued: 0, more: false };
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
            await this.insert(tx, rule, `alarm.${row.kind}`, "pending", nowMs, nowMs, [event], [row.alarm]);
            enqueued++;
            continue;
          }
          const key = `${rule.company}\u0000${rule.id}\u0000${due}`;
          let draft = held.get(key);
          if (!draft) {
            // Held against a replica releasing it at this moment (PostgreSQL re-checks the status once it has it).
            const found = await tx.get<{ id: string; payload: string; alarms: string }>(
              `SELECT id, payload, alarms FROM notification
                WHERE company = ? AND rule = ? AND next_attempt_at = ? AND status = 'held' LIMIT 1${forUpdate(tx)}`,
              [rule.company, rule.id, due],
            );
            draft = found
              ? {
                  id: found.id,
                  existing: true,
                  events: JSON.parse(found.payload) as AlarmEvent[],
                  alarms: new Set(JSON.parse(found.alarms) as string[]),
                }
              : {
                  id: await this.insert(tx, rule, "digest", "held", due, nowMs, [], []),
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
        await tx.run("UPDATE notification SET payload = ?, alarms = ? WHERE id = ? AND status = 'held'", [
          JSON.stringify(d.events),
          JSON.stringify([...d.alarms]),
          d.id,
        ]);
      await tx.run("UPDATE notification_cursor SET last_event_id = ? WHERE id = 1", [
        rows[rows.length - 1]!.id,
      ]);
      return { events: rows.length, enqueued, more: rows.length === batch };
    });
  }

  private async insert(
    tx: SqlTx,
    rule: ActiveRule,
    type: DeliveryType,
    status: DeliveryStatus,
    dueAtMs: number,
    nowMs: number,
    events: AlarmEvent[],
    alarms: string[],
  ): Promise<string> {
    const id = randomUUID();
    await tx.run(
      `INSERT INTO notification (id, company, rule, channel, target, type, status, attempts, next_attempt_at,
         created_at, payload, alarms) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
      [
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
      ],
    );
    return id;
  }

  /**
   * Makes held deliveries that are due pending, and returns those whose
   * sender's lease expired without an outcome to pending (failed when they
   * had their last attempt).
   */
  async release(nowMs: number, maxAttempts: number): Promise<void> {
    const any = await this.db.get<{ due: unknown }>(
      `SELECT (EXISTS (SELECT 1 FROM notification WHERE status = 'held' AND next_attempt_at <= ?)
           OR EXISTS (SELECT 1 FROM notification WHERE status = 'sending' AND lease_until < ?)) AS due`,
      [nowMs, nowMs],
    );
    if (!truthy(any?.due)) return;
    await this.db.transaction(async (tx) => {
      await tx.run(
        "UPDATE notification SET status = 'pending' WHERE status = 'held' AND next_attempt_at <= ?",
        [nowMs],
      );
      await tx.run(
        `UPDATE notification SET status = CASE WHEN attempts >= ? THEN 'failed' ELSE 'pending' END,
           next_attempt_at = ?, lease_until = NULL,
           last_error = COALESCE(last_error || '; ', '') || 'no outcome before the lease expired'
         WHERE status = 'sending' AND lease_until < ?`,
        [maxAttempts, nowMs, nowMs],
      );
    });
  }

  /**
   * Records `outcomes` and claims up to `limit` due deliveries until
   * `leaseUntil`, in one transaction (one commit for both).
   */
  async claim(
    nowMs: number,
    limit: number,
    leaseUntil: number,
    outcomes: readonly Outcome[],
  ): Promise<Claimed[]> {
    return this.db.transaction(async (tx) => {
      await this.applyOutcomes(tx, outcomes);
      if (limit <= 0) return [];
      const rows = await tx.all<
        Pick<
          DeliveryRow,
          "id" | "company" | "rule" | "channel" | "target" | "type" | "payload" | "alarms" | "attempts"
        > & { next_attempt_at: number; created_at: number }
      >(
        tx.dialect === "postgres" ? CLAIM_POSTGRES : CLAIM_SQLITE,
        tx.dialect === "postgres" ? [nowMs, limit, leaseUntil] : [leaseUntil, nowMs, limit, nowMs],
      );
      // Oldest due first, whatever order the engine returned them in.
      rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.created_at - b.created_at);
      return rows.map(({ payload, alarms, next_attempt_at: _, created_at: __, ...stored }) => ({
        ...stored,
        events: JSON.parse(payload) as AlarmEvent[],
        alarms: JSON.parse(alarms) as string[],
        leaseUntil,
      }));
    });
  }

  /** Records outcomes (only where the lease is still the sender's). */
  async record(outcomes: readonly Outcome[]): Promise<void> {
    if (outcomes.length > 0) await this.db.transaction((tx) => this.applyOutcomes(tx, outcomes));
  }

  private async applyOutcomes(tx: SqlTx, outcomes: readonly Outcome[]): Promise<void> {
    for (const o of outcomes) {
      if (o.result === "sent")
        await tx.run(
          `UPDATE notification SET status = 'sent', sent_at = ?, lease_until = NULL
            WHERE id = ? AND status = 'sending' AND lease_until = ?`,
          [o.atMs, o.id, o.leaseUntil],
        );
      else if (o.result === "retry")
        await tx.run(
          `UPDATE notification SET status = 'pending', next_attempt_at = ?, last_error = ?, lease_until = NULL
            WHERE id = ? AND status = 'sending' AND lease_until = ?`,
          [o.nextAttemptAt, o.error, o.id, o.leaseUntil],
        );
      else if (o.result === "failed")
        await tx.run(
          `UPDATE notification SET status = 'failed', last_error = ?, lease_until = NULL
            WHERE id = ? AND status = 'sending' AND lease_until = ?`,
          [o.error, o.id, o.leaseUntil],
        );
      else
        await tx.run(
          `UPDATE notification SET status = 'pending', attempts = attempts - 1, lease_until = NULL
            WHERE id = ? AND status = 'sending' AND lease_until = ?`,
          [o.id, o.leaseUntil],
        );
    }
  }

  async get(id: string): Promise<Delivery | null> {
    const r = await this.db.get<DeliveryRow>("SELECT * FROM notification WHERE id = ?", [id]);
    return r ? deliveryOf(r) : null;
  }

  /** Newest first. */
  async list(filter: DeliveryFilter = {}): Promise<Delivery[]> {
    const where = new Where().equal({ company: filter.company, status: filter.status });
    const postgres = this.db.dialect === "postgres";
    where.when(
      postgres
        ? "EXISTS (SELECT 1 FROM jsonb_array_elements_text(notification.alarms::jsonb) AS a(value) WHERE a.value = ?)"
        : "EXISTS (SELECT 1 FROM json_each(notification.alarms) WHERE value = ?)",
      filter.alarm,
    );
    const rows = await this.db.all<DeliveryRow>(
      `SELECT * FROM notification ${where.clause()} ORDER BY created_at DESC, ${postgres ? "seq" : "rowid"} DESC LIMIT ?`,
      [...where.args, filter.limit ?? 100],
    );
    return rows.map(deliveryOf);
  }

  /** A failed delivery back to pending, due now, with a fresh count of attempts; false when it is not failed. */
  async retry(id: string, nowMs: number): Promise<boolean> {
    const changed = await this.db.run(
      "UPDATE notification SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ? AND status = 'failed'",
      [nowMs, id],
    );
    return changed === 1;
  }

  /** Forgets finished deliveries (sent or failed) created before `beforeMs`; how many. */
  prune(beforeMs: number): Promise<number> {
    return this.db.run("DELETE FROM notification WHERE status IN ('sent', 'failed') AND created_at < ?", [
      beforeMs,
    ]);
  }

  /** Counts by status (for metrics and tests). */
  async counts(): Promise<Record<DeliveryStatus, number>> {
    const out: Record<DeliveryStatus, number> = { pending: 0, held: 0, sending: 0, sent: 0, failed: 0 };
    const rows = await this.db.all<{ status: DeliveryStatus; n: number }>(
      "SELECT status, COUNT(*) AS n FROM notification GROUP BY status",
    );
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}
