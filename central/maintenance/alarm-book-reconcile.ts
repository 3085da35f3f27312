// The alarm book's reconcile (AlarmBook.reconcile, ./alarm-book.ts): one
// evaluator pass applied in one transaction under the book's lock. Its
// writes go as multi-row statements (./alarm-book-sql.ts), a few per pass
// whatever the number of alarms: on PostgreSQL each statement is a network
// round trip, and a pass touches every open alarm. The order of the events
// (their ids) is the order the changes are decided in, as one statement
// per change would have numbered them.

import { insertMany, placeholders } from "../db/sql.ts";
import type { SqlParam, SqlTx } from "../db/types.ts";
import { allIn, chunks, insertReturningIds, updateRows } from "./alarm-book-sql.ts";
import { alarmKey, RANK } from "./alarm-filter.ts";
import type { AlarmFilterTable } from "./alarm-filter-table.ts";
import {
  ALARM_IDENTITY_COLUMNS,
  type AlarmEventKind,
  type AlarmRow,
  type Condition,
  type ReconcilePolicy,
  type ReconcileResult,
} from "./alarm-records.ts";

/** The actor of the book's own changes. */
export const SYSTEM_ACTOR = "system";

/** Rows per `IN (…)` list of ids. */
const IDS_PER_STATEMENT = 1000;

const ALARM_COLUMNS = [
  ...ALARM_IDENTITY_COLUMNS,
  "alarm_at",
  "last_seen_at",
  "iso_zone",
  "response_due_at",
  "updated_at",
] as const;

const EVENT_COLUMNS = [
  "alarm",
  "asset",
  "company",
  "at",
  "kind",
  "actor",
  "from_value",
  "to_value",
  "comment",
] as const;

/** What an evaluator pass may change of an open alarm it still sees. */
const SEEN_COLUMNS = [
  ["severity", "TEXT"],
  ["max_severity", "TEXT"],
  ["state", "TEXT"],
  ["last_seen_at", "BIGINT"],
  ["iso_zone", "TEXT"],
  ["alarm_at", "BIGINT"],
  ["response_due_at", "BIGINT"],
  ["escalated_at", "BIGINT"],
  ["updated_at", "BIGINT"],
] as const;

/** The events of one pass, in the order decided; inserted together at its end. */
class EventDrafts {
  readonly rows: SqlParam[][] = [];
  constructor(private readonly at: number) {}
  add(
    r: Pick<AlarmRow, "id" | "asset" | "company">,
    kind: AlarmEventKind,
    from: string | null = null,
    to: string | null = null,
    comment: string | null = null,
  ): void {
    this.rows.push([r.id, r.asset, r.company, this.at, kind, SYSTEM_ACTOR, from, to, comment]);
  }
}

/**
 * Makes the open alarms match what the evaluator observed at
 * `observedAtMs`, inside `tx` (which holds the book's lock): see
 * AlarmBook.reconcile.
 */
export async function reconcileIn(
  tx: SqlTx,
  filters: AlarmFilterTable,
  conditions: readonly Condition[],
  observedAtMs: number,
  policy: ReconcilePolicy,
): Promise<ReconcileResult> {
  const last = (await tx.get<{ observed_at: number }>(
    "SELECT observed_at FROM alarm_evaluation WHERE id = 1",
  ))!.observed_at;
  if (observedAtMs < last) return { applied: false, events: 0 };
  const now = observedAtMs;
  const open = new Map(
    (
      await tx.all<AlarmRow>(
        "SELECT * FROM alarm WHERE state IN ('active', 'acknowledged') ORDER BY raised_at, id",
      )
    ).map((r) => [r.key, r]),
  );
  const events = new EventDrafts(now);
  const shown = await filters.apply(tx, conditions, open, now, last, policy.filter);

  // New occurrences are numbered after their key's newest one: one query for all keys.
  const newKeys = shown.map((c) => alarmKey(c.asset, c.point, c.fault)).filter((key) => !open.has(key));
  const previous = new Map(
    (
      await allIn<{ key: string; id: string; occurrence: number }>(
        tx,
        `SELECT a.key, a.id, a.occurrence FROM alarm a WHERE a.key IN (%s)
           AND a.occurrence = (SELECT MAX(b.occurrence) FROM alarm b WHERE b.key = a.key)`,
        newKeys,
      )
    ).map((r) => [r.key, r]),
  );
  const inserts: SqlParam[][] = [];
  const seenRows: SqlParam[][] = [];
  const seen = new Set<string>();
  for (const c of shown) {
    const key = alarmKey(c.asset, c.point, c.fault);
    seen.add(key);
    const current = open.get(key);
    if (!current) {
      const route = policy.routeOf(c.asset, now);
      if (!route) continue;
      const before = previous.get(key);
      const occurrence = (before?.occurrence ?? 0) + 1;
      const id = `${key}:${occurrence}`;
      const isAlarm = c.severity === "alarm";
      inserts.push([
        id,
        key,
        occurrence,
        c.asset,
        route.site,
        c.point,
        c.fault,
        route.company,
        c.severity,
        c.severity,
        "active",
        Math.min(c.sinceMs, now),
        now,
        isAlarm ? now : null,
        now,
        c.isoZone,
        isAlarm ? now + route.responseTimeMs : null,
        now,
      ]);
      events.add(
        { id, asset: c.asset, company: route.company },
        "raised",
        null,
        c.severity,
        before ? `again after ${before.id}` : null,
      );
      continue;
    }
    const up = RANK[c.severity] > RANK[current.severity];
    const changed = c.severity !== current.severity;
    const reactivated = up && current.state === "acknowledged";
    if (changed) {
      events.add(current, "severity", current.severity, c.severity);
      if (reactivated) events.add(current, "reactivated", "acknowledged", "active");
    }
    // The response clock: started by the first unacknowledged rise to `alarm`, kept while the
    // severity goes down and up again; a re-annunciation after an acknowledgement starts a new one.
    const startClock = up && c.severity === "alarm" && (reactivated || current.alarm_at === null);
    const route = startClock ? policy.routeOf(c.asset, now) : null;
    seenRows.push([
      current.id,
      c.severity,
      RANK[c.severity] > RANK[current.max_severity] ? c.severity : current.max_severity,
      reactivated ? "active" : current.state,
      now,
      c.isoZone,
      startClock ? now : current.alarm_at,
      startClock ? now + (route?.responseTimeMs ?? 0) : current.response_due_at,
      startClock ? null : current.escalated_at,
      changed ? now : current.updated_at,
    ]);
  }
  const cleared: AlarmRow[] = [];
  for (const [key, r] of open) {
    if (seen.has(key) || now - r.last_seen_at < policy.clearAfterMs) continue;
    cleared.push(r);
    events.add(
      r,
      "cleared",
      r.state,
      "cleared",
      `condition gone since ${new Date(r.last_seen_at).toISOString()}`,
    );
  }
  await insertMany(tx, "alarm", ALARM_COLUMNS, inserts);
  await updateRows(tx, "alarm", "id", SEEN_COLUMNS, seenRows);
  for (const ids of chunks(
    cleared.map((r) => r.id),
    IDS_PER_STATEMENT,
  ))
    await tx.run(
      `UPDATE alarm SET state = 'cleared', cleared_at = ?, updated_at = ? WHERE id IN (${placeholders(ids.length)})`,
      [now, now, ...ids],
    );
  // Escalation: an `alarm` still unacknowledged at its due time; one gone back to warning waits for
  // its return (then escalates at once if the time has passed: flapping does not restart the clock).
  const due = await tx.all<Pick<AlarmRow, "id" | "asset" | "company" | "response_due_at">>(
    `SELECT id, asset, company, response_due_at FROM alarm WHERE state = 'active' AND severity = 'alarm'
         AND escalated_at IS NULL AND response_due_at IS NOT NULL AND response_due_at <= ? ORDER BY raised_at, id`,
    [now],
  );
  for (const ids of chunks(
    due.map((r) => r.id),
    IDS_PER_STATEMENT,
  ))
    await tx.run(
      `UPDATE alarm SET escalated_at = ?, updated_at = ? WHERE id IN (${placeholders(ids.length)})`,
      [now, now, ...ids],
    );
  for (const r of due)
    events.add(
      r,
      "escalated",
      null,
      null,
      `not acknowledged within the response time (due ${new Date(r.response_due_at!).toISOString()})`,
    );
  const ids = await insertReturningIds(tx, "alarm_event", EVENT_COLUMNS, events.rows);
  // One announcement per pass: listeners read every event after their position (the payload is the newest).
  if (ids.length > 0) await tx.notify("alarm_events", String(ids.reduce((a, b) => Math.max(a, b))));
  await tx.run("UPDATE alarm_evaluation SET observed_at = ? WHERE id = 1", [observedAtMs]);
  return { applied: true, events: ids.length };
}
