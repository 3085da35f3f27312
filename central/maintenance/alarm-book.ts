// Alarm occurrences and their history. An occurrence is one asset +
// measuring point + fault from raise to clear (`active → acknowledged →
// cleared`); the same condition returning after a clear is a new occurrence
// (n + 1). Every change is an `alarm_event` row: the audit trail, the asset's
// history, and the feed the notifier and the live console follow by id.
//
// States follow ANSI/ISA-18.2 (management of alarm systems): acknowledging
// does not clear; a severity increase re-annunciates an acknowledged alarm
// (`reactivated`); clearing is automatic once the condition has been absent
// for the configured time. What the book shows of a condition is filtered
// first (on-delay, off-delay, deadband: ./alarm-filter.ts), so a value
// hovering at a boundary neither chatters nor undoes acknowledgements. The
// response clock of an occurrence starts at its first unacknowledged rise
// to `alarm` and is not restarted by the severity going down and up again;
// only a re-annunciation after an acknowledgement starts a new one.
//
// Replicas share the book through the metadata database: every write of it
// takes ALARM_BOOK_LOCK for its transaction (PostgreSQL: an advisory lock;
// SQLite's writer lock already serialises), so evaluators of several
// replicas apply their observations one after the other and a condition
// raises one occurrence, whichever replica saw it first.
import { CodedError } from "../../common/errors.ts";
import type { Severity } from "../../common/names.ts";
import { placeholders } from "../db/sql.ts";
import type { MetaDb, SqlRunner, SqlTx } from "../db/types.ts";
import { Where } from "../db/where.ts";
import { type AlarmPage, listAlarms } from "./alarm-book-list.ts";
import { reconcileIn } from "./alarm-book-reconcile.ts";
import { alarmKey, RANK, type Rank } from "./alarm-filter.ts";
import { AlarmFilterTable } from "./alarm-filter-table.ts";
import { type AlarmHealth, alarmHealth } from "./alarm-health.ts";
import {
  type AlarmEvent,
  type AlarmEventKind,
  type AlarmFilter,
  type AlarmRecord,
  type AlarmRow,
  type AlarmState,
  AlarmStateError,
  type Condition,
  type EventRow,
  eventOf,
  type ReconcilePolicy,
  type ReconcileResult,
  recordOf,
} from "./alarm-records.ts";

export { type AlarmPage, DEFAULT_PAGE } from "./alarm-book-list.ts";
export { SYSTEM_ACTOR } from "./alarm-book-reconcile.ts";
// The book's records, conditions and filter are part of its interface.
export * from "./alarm-records.ts";
export { alarmKey };

/** Held by every write of the alarm book until it commits (see the head of this file). */
export const ALARM_BOOK_LOCK = "vetra.alarm-book";

/**
 * Adds an event to an alarm's history inside a transaction that holds
 * ALARM_BOOK_LOCK, and tells the live feeds once it commits.
 */
export async function insertAlarmEvent(
  tx: SqlTx,
  r: Pick<AlarmRow, "id" | "asset" | "company">,
  at: number,
  kind: AlarmEventKind,
  actor: string,
  from: string | null = null,
  to: string | null = null,
  comment: string | null = null,
): Promise<void> {
  const row = await tx.get<{ id: number }>(
    `INSERT INTO alarm_event (alarm, asset, company, at, kind, actor, from_value, to_value, comment)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [r.id, r.asset, r.company, at, kind, actor, from, to, comment],
  );
  await tx.notify("alarm_events", String(row!.id));
}

export class AlarmBook {
  private readonly filters: AlarmFilterTable;

  constructor(
    private readonly db: MetaDb,
    private readonly clock: () => number = Date.now,
  ) {
    this.filters = new AlarmFilterTable();
  }

  /**
   * Called after every committed change of the book by this replica, and
   * (PostgreSQL) by the others; the payload is the newest event id, or null
   * when changes may have been missed.
   */
  onChange(listener: (payload: string | null) => void): () => void {
    return this.db.subscribe("alarm_events", listener);
  }

  private async row(db: SqlRunner, id: string): Promise<AlarmRow | undefined> {
    return db.get<AlarmRow>("SELECT * FROM alarm WHERE id = ?", [id]);
  }

  async get(id: string): Promise<AlarmRecord | null> {
    const r = await this.row(this.db, id);
    return r ? recordOf(r) : null;
  }

  /** Alarms by id (those that exist), in one query. */
  async getMany(ids: readonly string[]): Promise<Map<string, AlarmRecord>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.all<AlarmRow>(
      `SELECT * FROM alarm WHERE id IN (${placeholders(ids.length)})`,
      ids,
    );
    return new Map(rows.map((r) => [r.id, recordOf(r)]));
  }

  /** By id, or by key: the open occurrence of the key, else its newest. */
  async resolve(idOrKey: string): Promise<AlarmRecord | null> {
    const byId = await this.row(this.db, idOrKey);
    if (byId) return recordOf(byId);
    const byKey = await this.db.get<AlarmRow>(
      "SELECT * FROM alarm WHERE key = ? ORDER BY CASE state WHEN 'cleared' THEN 1 ELSE 0 END, occurrence DESC LIMIT 1",
      [idOrKey],
    );
    return byKey ? recordOf(byKey) : null;
  }

  /** One page of the alarms matching `filter`, with their total (./alarm-book-list.ts). */
  list(filter: AlarmFilter = {}): Promise<AlarmPage> {
    return listAlarms(this.db, filter);
  }

  /** Events, oldest first after `afterId`, or newest first for an alarm's or asset's history. */
  async events(q: {
    alarm?: string;
    asset?: string;
    companies?: readonly string[];
    afterId?: number;
    limit?: number;
    newestFirst?: boolean;
  }): Promise<AlarmEvent[]> {
    const where = new Where().equal({ alarm: q.alarm, asset: q.asset });
    if (q.companies) {
      if (q.companies.length === 0) return [];
      where.in("company", q.companies);
    }
    where.when("id > ?", q.afterId);
    const rows = await this.db.all<EventRow>(
      `SELECT * FROM alarm_event ${where.clause()} ORDER BY id ${q.newestFirst ? "DESC" : "ASC"} LIMIT ?`,
      [...where.args, q.limit ?? 1000],
    );
    return rows.map(eventOf);
  }

  /**
   * What the book knows of each condition it follows, by key: the raw level
   * last observed (with the deadband) and the condition's start. The
   * evaluator looks a zone's run up in the store only where the level rises
   * above this — the query per alarming point was most of an evaluation's cost.
   */
  async knownConditions(): Promise<Map<string, { rawRank: Rank; sinceMs: number }>> {
    const out = new Map<string, { rawRank: Rank; sinceMs: number }>();
    // Open alarms the last evaluation saw, of a data directory older than the filter (no filter row
    // yet); not those waiting to clear: a condition returning to them is new to the filter.
    for (const r of await this.db.all<{ key: string; severity: Severity; since_ms: number }>(
      `SELECT key, severity, since_ms FROM alarm WHERE state IN ('active', 'acknowledged')
         AND last_seen_at >= (SELECT observed_at FROM alarm_evaluation WHERE id = 1)`,
    ))
      out.set(r.key, { rawRank: RANK[r.severity], sinceMs: r.since_ms });
    for (const [key, known] of await this.filters.known(this.db)) out.set(key, known);
    return out;
  }

  /** Alarms routed to `companies` that were open at `atMs` (raised before it, cleared after it or not yet). */
  async openAt(companies: readonly string[], atMs: number): Promise<AlarmRecord[]> {
    if (companies.length === 0) return [];
    const rows = await this.db.all<AlarmRow>(
      `SELECT * FROM alarm WHERE company IN (${placeholders(companies.length)})
         AND raised_at < ? AND (cleared_at IS NULL OR cleared_at >= ?) ORDER BY asset, point, fault, occurrence`,
      [...companies, atMs, atMs],
    );
    return rows.map(recordOf);
  }

  /** Alarm-system health over a period (./alarm-health.ts). */
  health(q: Parameters<typeof alarmHealth>[1]): Promise<AlarmHealth> {
    return alarmHealth(this.db, q);
  }

  /** The newest event id (0 when none): where a live feed starts. */
  async lastEventId(): Promise<number> {
    return (await this.db.get<{ id: number | null }>("SELECT MAX(id) AS id FROM alarm_event"))?.id ?? 0;
  }

  /** Open alarms per asset, by severity and state: the fleet view's colours and counts. */
  async openCounts(
    companies?: readonly string[],
  ): Promise<Map<string, { alarm: number; warning: number; acknowledged: number }>> {
    const args: string[] = [];
    // IN, not <>: the (state, raised_at) index answers it without reading the history.
    let clause = "WHERE state IN ('active', 'acknowledged')";
    if (companies) {
      if (companies.length === 0) return new Map();
      clause += ` AND company IN (${placeholders(companies.length)})`;
      args.push(...companies);
    }
    const rows = await this.db.all<{ asset: string; severity: Severity; state: AlarmState; n: number }>(
      `SELECT asset, severity, state, COUNT(*) AS n FROM alarm ${clause} GROUP BY asset, severity, state`,
      args,
    );
    const out = new Map<string, { alarm: number; warning: number; acknowledged: number }>();
    for (const r of rows) {
      const c = out.get(r.asset) ?? { alarm: 0, warning: 0, acknowledged: 0 };
      c[r.severity] += r.n;
      if (r.state === "acknowledged") c.acknowledged += r.n;
      out.set(r.asset, c);
    }
    return out;
  }

  /**
   * Makes the open alarms match what the evaluator observed at `observedAtMs`,
   * in one transaction: filter each condition (on-delay, off-delay, deadband;
   * ./alarm-filter.ts), then raise, change severity, clear the ones absent for
   * `clearAfterMs`, escalate the unacknowledged `alarm`s past their response
   * time. An observation older than one already applied (a slower replica's)
   * changes nothing, so evaluations never go back in time; replicas
   * reconciling at once apply one after the other (the book's lock), so a
   * condition raises one occurrence whichever of them saw it first.
   */
  async reconcile(
    conditions: readonly Condition[],
    observedAtMs: number,
    policy: ReconcilePolicy,
  ): Promise<ReconcileResult> {
    return this.db.transaction(async (tx) => {
      await tx.lock(ALARM_BOOK_LOCK);
      return reconcileIn(tx, this.filters, conditions, observedAtMs, policy);
    });
  }

  /** Acknowledges an active alarm; AlarmStateError when it is acknowledged or cleared already. */
  acknowledge(id: string, actor: string, comment: string | null): Promise<AlarmRecord> {
    return this.change(id, async (tx, r, now) => {
      if (r.state !== "active") throw new AlarmStateError(`alarm "${id}" is ${r.state}`);
      await tx.run(
        "UPDATE alarm SET state = 'acknowledged', acked_by = ?, acked_at = ?, ack_comment = ?, updated_at = ? WHERE id = ?",
        [actor, now, comment, now, id],
      );
      await insertAlarmEvent(tx, r, now, "acknowledged", actor, "active", "acknowledged", comment);
    });
  }

  /** Assigns an open alarm to a technician (null: unassigns). */
  assign(id: string, assignee: string | null, actor: string, comment: string | null): Promise<AlarmRecord> {
    return this.change(id, async (tx, r, now) => {
      if (r.state === "cleared") throw new AlarmStateError(`alarm "${id}" is cleared`);
      await tx.run(
        "UPDATE alarm SET assignee = ?, assigned_by = ?, assigned_at = ?, updated_at = ? WHERE id = ?",
        [assignee, actor, now, now, id],
      );
      await insertAlarmEvent(tx, r, now, "assigned", actor, r.assignee, assignee, comment);
    });
  }

  /** A note in the alarm's history (any state). */
  comment(id: string, actor: string, comment: string): Promise<AlarmRecord> {
    return this.change(id, (tx, r, now) =>
      insertAlarmEvent(tx, r, now, "comment", actor, null, null, comment),
    );
  }

  /** A note in the alarm's history inside another repository's transaction (e.g. the work order that names it). */
  async commentIn(tx: SqlTx, id: string, actor: string, comment: string): Promise<void> {
    await tx.lock(ALARM_BOOK_LOCK);
    const r = await this.row(tx, id);
    if (!r) throw new CodedError("NOT_FOUND", `No alarm "${id}"`);
    await insertAlarmEvent(tx, r, this.clock(), "comment", actor, null, null, comment);
  }

  private async change(
    id: string,
    apply: (tx: SqlTx, r: AlarmRow, now: number) => Promise<void>,
  ): Promise<AlarmRecord> {
    const record = await this.db.transaction(async (tx) => {
      await tx.lock(ALARM_BOOK_LOCK);
      const r = await this.row(tx, id);
      if (!r) return null;
      await apply(tx, r, this.clock());
      return recordOf((await this.row(tx, id))!);
    });
    if (!record) throw new CodedError("NOT_FOUND", `No alarm "${id}"`);
    return record;
  }
}
