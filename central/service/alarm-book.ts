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
import type Database from "better-sqlite3";
import { CodedError } from "../../common/errors.ts";
import type { IsoZone, Severity } from "../../common/names.ts";
import {
  type AlarmFilterParams,
  alarmKey,
  type BoundaryRatio,
  type ConditionKind,
  RANK,
  type Rank,
} from "./alarm-filter.ts";
import { AlarmFilterTable } from "./alarm-filter-table.ts";
import { type AlarmHealth, alarmHealth } from "./alarm-health.ts";

export type AlarmState = "active" | "acknowledged" | "cleared";
export const AlarmStates: readonly AlarmState[] = ["active", "acknowledged", "cleared"];

export const AlarmEventKinds = [
  "raised",
  "severity",
  "acknowledged",
  "assigned",
  "escalated",
  "cleared",
  "reactivated",
  "comment",
] as const;
export type AlarmEventKind = (typeof AlarmEventKinds)[number];

/** An alarm as the API shows it (SPEC fields first). */
export interface AlarmRecord {
  id: string;
  asset: string;
  point: string;
  fault: string;
  severity: Severity;
  state: AlarmState;
  /** ISO-8601 UTC: when the condition began. */
  since: string;
  key: string;
  occurrence: number;
  site: string;
  company: string;
  maxSeverity: Severity;
  raisedAt: string;
  clearedAt: string | null;
  isoZone: IsoZone | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  ackComment: string | null;
  assignee: string | null;
  assignedAt: string | null;
  responseDueAt: string | null;
  escalatedAt: string | null;
}

export interface AlarmEvent {
  id: number;
  alarm: string;
  asset: string;
  company: string;
  at: string;
  kind: AlarmEventKind;
  actor: string;
  from: string | null;
  to: string | null;
  comment: string | null;
}

/** What the evaluator observed of a condition now. */
export interface Condition {
  asset: string;
  point: string;
  fault: string;
  /**
   * The level the source rates now; null: below every boundary — an analog
   * reading (with `ratio`) that only the deadband may hold at a level.
   */
  severity: Severity | null;
  /** Since when the data shows it at this severity or above (the start of the run, the edge's raise). */
  sinceMs: number;
  isoZone: IsoZone | null;
  /** Selects the filter's delays and deadband (`alarms.byKind`); the defaults when absent. */
  kind?: ConditionKind;
  /** How far the analog value is toward each level's boundary (≥ 1: past it); enables the deadband. */
  ratio?: BoundaryRatio;
}

/** Where a new occurrence goes, and how fast an `alarm` must be acknowledged there. */
export interface Route {
  company: string;
  site: string;
  responseTimeMs: number;
}

export interface ReconcilePolicy {
  /** A condition absent this long clears its alarm. */
  clearAfterMs: number;
  /** On-delay, off-delay and deadband per kind of condition; none when absent. */
  filter?: (kind: ConditionKind | undefined) => AlarmFilterParams;
  /** Routing of a new occurrence (the contract covering the time); null: the asset is gone from the fleet. */
  routeOf(asset: string, atMs: number): Route | null;
}

export interface ReconcileResult {
  /** False when a newer evaluation (another replica's) was already applied: nothing changed. */
  applied: boolean;
  events: number;
}

export interface AlarmFilter {
  /** Only alarms routed to these companies (a service company's own); all when absent. */
  companies?: readonly string[];
  states?: readonly AlarmState[];
  severity?: Severity;
  assets?: readonly string[];
  site?: string;
  fault?: string;
  /** Substring of asset, point or fault. */
  text?: string;
  /** Raised in [fromMs, toMs). */
  raisedFromMs?: number;
  raisedToMs?: number;
  sort?: AlarmSort;
  order?: "asc" | "desc";
  limit?: number;
  offset?: number;
}

export const AlarmSorts = ["severity", "since", "raisedAt", "asset", "state"] as const;
export type AlarmSort = (typeof AlarmSorts)[number];

/** A change refused because of the alarm's state (e.g. acknowledging a cleared alarm). */
export class AlarmStateError extends CodedError {
  override readonly name = "AlarmStateError";
  constructor(message: string) {
    super("CONFLICT", message);
  }
}

export interface AlarmRow {
  id: string;
  key: string;
  occurrence: number;
  asset: string;
  site: string;
  point: string;
  fault: string;
  company: string;
  severity: Severity;
  max_severity: Severity;
  state: AlarmState;
  since_ms: number;
  raised_at: number;
  alarm_at: number | null;
  last_seen_at: number;
  iso_zone: IsoZone | null;
  acked_by: string | null;
  acked_at: number | null;
  ack_comment: string | null;
  assignee: string | null;
  assigned_by: string | null;
  assigned_at: number | null;
  response_due_at: number | null;
  escalated_at: number | null;
  cleared_at: number | null;
  updated_at: number;
}

interface EventRow {
  id: number;
  alarm: string;
  asset: string;
  company: string;
  at: number;
  kind: AlarmEventKind;
  actor: string;
  from_value: string | null;
  to_value: string | null;
  comment: string | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export const recordOf = (r: AlarmRow): AlarmRecord => ({
  id: r.id,
  asset: r.asset,
  point: r.point,
  fault: r.fault,
  severity: r.severity,
  state: r.state,
  since: new Date(r.since_ms).toISOString(),
  key: r.key,
  occurrence: r.occurrence,
  site: r.site,
  company: r.company,
  maxSeverity: r.max_severity,
  raisedAt: new Date(r.raised_at).toISOString(),
  clearedAt: iso(r.cleared_at),
  isoZone: r.iso_zone,
  acknowledgedBy: r.acked_by,
  acknowledgedAt: iso(r.acked_at),
  ackComment: r.ack_comment,
  assignee: r.assignee,
  assignedAt: iso(r.assigned_at),
  responseDueAt: iso(r.response_due_at),
  escalatedAt: iso(r.escalated_at),
});

const eventOf = (r: EventRow): AlarmEvent => ({
  id: r.id,
  alarm: r.alarm,
  asset: r.asset,
  company: r.company,
  at: new Date(r.at).toISOString(),
  kind: r.kind,
  actor: r.actor,
  from: r.from_value,
  to: r.to_value,
  comment: r.comment,
});

export { alarmKey };

/** Alarms per page unless asked: a screenful and then some; the console pages through the rest. */
export const DEFAULT_PAGE = 200;
export const SYSTEM_ACTOR = "system";

// Sort columns: whitelisted, never from the request's text.
const SORT_SQL: Record<AlarmSort, string> = {
  severity: "CASE severity WHEN 'alarm' THEN 2 ELSE 1 END",
  since: "since_ms",
  raisedAt: "raised_at",
  asset: "asset",
  state: "CASE state WHEN 'active' THEN 0 WHEN 'acknowledged' THEN 1 ELSE 2 END",
};

export class AlarmBook {
  private readonly listeners = new Set<() => void>();
  /** Prepared once per SQL text: preparing cost more than running the small queries. */
  private readonly statements = new Map<string, Database.Statement>();

  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) {
      if (this.statements.size >= 256) this.statements.clear(); // filters make a bounded set; stay bounded anyway
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  private readonly filters: AlarmFilterTable;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => number = Date.now,
  ) {
    this.filters = new AlarmFilterTable(db);
  }

  /** Called after every committed change made through this book (the live feed polls sooner). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  private row(id: string): AlarmRow | undefined {
    return this.sql("SELECT * FROM alarm WHERE id = ?").get(id) as AlarmRow | undefined;
  }

  get(id: string): AlarmRecord | null {
    const r = this.row(id);
    return r ? recordOf(r) : null;
  }

  /** By id, or by key: the open occurrence of the key, else its newest. */
  resolve(idOrKey: string): AlarmRecord | null {
    const byId = this.row(idOrKey);
    if (byId) return recordOf(byId);
    const byKey = this.sql(
      "SELECT * FROM alarm WHERE key = ? ORDER BY CASE state WHEN 'cleared' THEN 1 ELSE 0 END, occurrence DESC LIMIT 1",
    ).get(idOrKey) as AlarmRow | undefined;
    return byKey ? recordOf(byKey) : null;
  }

  list(filter: AlarmFilter = {}): { alarms: AlarmRecord[]; total: number } {
    const where: string[] = [];
    const args: unknown[] = [];
    const inList = (column: string, values: readonly string[]) => {
      where.push(`${column} IN (${values.map(() => "?").join(", ")})`);
      args.push(...values);
    };
    if (filter.companies) {
      if (filter.companies.length === 0) return { alarms: [], total: 0 };
      inList("company", filter.companies);
    }
    if (filter.states && filter.states.length < AlarmStates.length) inList("state", filter.states);
    if (filter.assets) {
      if (filter.assets.length === 0) return { alarms: [], total: 0 };
      inList("asset", filter.assets);
    }
    if (filter.severity) {
      where.push("severity = ?");
      args.push(filter.severity);
    }
    if (filter.site) {
      where.push("site = ?");
      args.push(filter.site);
    }
    if (filter.fault) {
      where.push("fault = ?");
      args.push(filter.fault);
    }
    if (filter.text) {
      where.push("instr(lower(key), lower(?)) > 0");
      args.push(filter.text);
    }
    if (filter.raisedFromMs !== undefined) {
      where.push("raised_at >= ?");
      args.push(filter.raisedFromMs);
    }
    if (filter.raisedToMs !== undefined) {
      where.push("raised_at < ?");
      args.push(filter.raisedToMs);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    const order = filter.order === "asc" ? "ASC" : "DESC";
    const sort = filter.sort ?? "severity";
    // Ties: the newest condition first, then the id, so pages are stable.
    const orderBy = `${SORT_SQL[sort]} ${order}, since_ms DESC, id ASC`;
    const limit = filter.limit ?? DEFAULT_PAGE;
    const offset = filter.offset ?? 0;
    const total = this.sql(`SELECT COUNT(*) FROM alarm ${clause}`)
      .pluck()
      .get(...args) as number;
    const rows = this.sql(`SELECT * FROM alarm ${clause} ORDER BY ${orderBy} LIMIT ? OFFSET ?`).all(
      ...args,
      limit,
      offset,
    ) as AlarmRow[];
    return { alarms: rows.map(recordOf), total };
  }

  /** Events, oldest first after `afterId`, or newest first for an alarm's or asset's history. */
  events(q: {
    alarm?: string;
    asset?: string;
    companies?: readonly string[];
    afterId?: number;
    limit?: number;
    newestFirst?: boolean;
  }): AlarmEvent[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.alarm !== undefined) {
      where.push("alarm = ?");
      args.push(q.alarm);
    }
    if (q.asset !== undefined) {
      where.push("asset = ?");
      args.push(q.asset);
    }
    if (q.companies) {
      if (q.companies.length === 0) return [];
      where.push(`company IN (${q.companies.map(() => "?").join(", ")})`);
      args.push(...q.companies);
    }
    if (q.afterId !== undefined) {
      where.push("id > ?");
      args.push(q.afterId);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    const rows = this.sql(
      `SELECT * FROM alarm_event ${clause} ORDER BY id ${q.newestFirst ? "DESC" : "ASC"} LIMIT ?`,
    ).all(...args, q.limit ?? 1000) as EventRow[];
    return rows.map(eventOf);
  }

  /**
   * What the book knows of each condition it follows, by key: the raw level
   * last observed (with the deadband) and the condition's start. The
   * evaluator looks a zone's run up in the store only where the level rises
   * above this — the query per alarming point was most of an evaluation's cost.
   */
  knownConditions(): Map<string, { rawRank: Rank; sinceMs: number }> {
    const out = new Map<string, { rawRank: Rank; sinceMs: number }>();
    // Open alarms the last evaluation saw, of a data directory older than the filter (no filter row
    // yet); not those waiting to clear: a condition returning to them is new to the filter.
    for (const r of this.sql(
      `SELECT key, severity, since_ms FROM alarm WHERE state IN ('active', 'acknowledged')
         AND last_seen_at >= (SELECT observed_at FROM alarm_evaluation WHERE id = 1)`,
    ).all() as { key: string; severity: Severity; since_ms: number }[])
      out.set(r.key, { rawRank: RANK[r.severity], sinceMs: r.since_ms });
    for (const [key, known] of this.filters.known()) out.set(key, known);
    return out;
  }

  /** Alarms routed to `companies` that were open at `atMs` (raised before it, cleared after it or not yet). */
  openAt(companies: readonly string[], atMs: number): AlarmRecord[] {
    if (companies.length === 0) return [];
    const rows = this.sql(
      `SELECT * FROM alarm WHERE company IN (${companies.map(() => "?").join(", ")})
         AND raised_at < ? AND (cleared_at IS NULL OR cleared_at >= ?) ORDER BY asset, point, fault, occurrence`,
    ).all(...companies, atMs, atMs) as AlarmRow[];
    return rows.map(recordOf);
  }

  /** Alarm-system health over a period (./alarm-health.ts). */
  health(q: Parameters<typeof alarmHealth>[1]): AlarmHealth {
    return alarmHealth(this.db, q);
  }

  /** The newest event id (0 when none): where a live feed starts. */
  lastEventId(): number {
    return (this.sql("SELECT COALESCE(MAX(id), 0) FROM alarm_event").pluck().get() as number) ?? 0;
  }

  /** Open alarms per asset, by severity and state: the fleet view's colours and counts. */
  openCounts(
    companies?: readonly string[],
  ): Map<string, { alarm: number; warning: number; acknowledged: number }> {
    const args: unknown[] = [];
    // IN, not <>: the (state, raised_at) index answers it without reading the history.
    let clause = "WHERE state IN ('active', 'acknowledged')";
    if (companies) {
      if (companies.length === 0) return new Map();
      clause += ` AND company IN (${companies.map(() => "?").join(", ")})`;
      args.push(...companies);
    }
    const rows = this.sql(
      `SELECT asset, severity, state, COUNT(*) AS n FROM alarm ${clause} GROUP BY asset, severity, state`,
    ).all(...args) as { asset: string; severity: Severity; state: AlarmState; n: number }[];
    const out = new Map<string, { alarm: number; warning: number; acknowledged: number }>();
    for (const r of rows) {
      const c = out.get(r.asset) ?? { alarm: 0, warning: 0, acknowledged: 0 };
      c[r.severity] += r.n;
      if (r.state === "acknowledged") c.acknowledged += r.n;
      out.set(r.asset, c);
    }
    return out;
  }

  private addEvent(
    r: Pick<AlarmRow, "id" | "asset" | "company">,
    at: number,
    kind: AlarmEventKind,
    actor: string,
    from: string | null = null,
    to: string | null = null,
    comment: string | null = null,
  ): void {
    this.sql(
      "INSERT INTO alarm_event (alarm, asset, company, at, kind, actor, from_value, to_value, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(r.id, r.asset, r.company, at, kind, actor, from, to, comment);
  }

  /**
   * Makes the open alarms match what the evaluator observed at `observedAtMs`,
   * in one transaction: filter each condition (on-delay, off-delay, deadband;
   * ./alarm-filter.ts), then raise, change severity, clear the ones absent for
   * `clearAfterMs`, escalate the unacknowledged `alarm`s past their response
   * time. An observation older than one already applied (a slower replica's)
   * changes nothing, so evaluations never go back in time.
   */
  reconcile(
    conditions: readonly Condition[],
    observedAtMs: number,
    policy: ReconcilePolicy,
  ): ReconcileResult {
    let events = 0;
    const applied = this.db
      .transaction((): boolean => {
        const last = this.sql("SELECT observed_at FROM alarm_evaluation WHERE id = 1")
          .pluck()
          .get() as number;
        if (observedAtMs < last) return false;
        const now = observedAtMs;
        const open = new Map(
          (this.sql("SELECT * FROM alarm WHERE state IN ('active', 'acknowledged')").all() as AlarmRow[]).map(
            (r) => [r.key, r],
          ),
        );
        const event = (
          r: Pick<AlarmRow, "id" | "asset" | "company">,
          kind: AlarmEventKind,
          from: string | null = null,
          to: string | null = null,
          comment: string | null = null,
        ) => {
          this.addEvent(r, now, kind, SYSTEM_ACTOR, from, to, comment);
          events++;
        };
        const shown = this.filters.apply(conditions, open, now, last, policy.filter);
        const seen = new Set<string>();
        for (const c of shown) {
          const key = alarmKey(c.asset, c.point, c.fault);
          seen.add(key);
          const current = open.get(key);
          if (!current) {
            const route = policy.routeOf(c.asset, now);
            if (!route) continue;
            const previous = this.sql(
              "SELECT id, occurrence FROM alarm WHERE key = ? ORDER BY occurrence DESC LIMIT 1",
            ).get(key) as { id: string; occurrence: number } | undefined;
            const occurrence = (previous?.occurrence ?? 0) + 1;
            const id = `${key}:${occurrence}`;
            const isAlarm = c.severity === "alarm";
            this.sql(
              `INSERT INTO alarm (id, key, occurrence, asset, site, point, fault, company, severity, max_severity,
                   state, since_ms, raised_at, alarm_at, last_seen_at, iso_zone, response_due_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?)`,
            ).run(
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
              Math.min(c.sinceMs, now),
              now,
              isAlarm ? now : null,
              now,
              c.isoZone,
              isAlarm ? now + route.responseTimeMs : null,
              now,
            );
            event(
              { id, asset: c.asset, company: route.company },
              "raised",
              null,
              c.severity,
              previous ? `again after ${previous.id}` : null,
            );
            continue;
          }
          const up = RANK[c.severity] > RANK[current.severity];
          const changed = c.severity !== current.severity;
          const reactivated = up && current.state === "acknowledged";
          if (changed) {
            event(current, "severity", current.severity, c.severity);
            if (reactivated) event(current, "reactivated", "acknowledged", "active");
          }
          // The response clock: started by the first unacknowledged rise to `alarm`, kept while the
          // severity goes down and up again; a re-annunciation after an acknowledgement starts a new one.
          const startClock = up && c.severity === "alarm" && (reactivated || current.alarm_at === null);
          const route = startClock ? policy.routeOf(c.asset, now) : null;
          this.sql(
            `UPDATE alarm SET severity = ?, max_severity = ?, state = ?, last_seen_at = ?, iso_zone = ?,
                 alarm_at = ?, response_due_at = ?, escalated_at = ?, updated_at = ? WHERE id = ?`,
          ).run(
            c.severity,
            RANK[c.severity] > RANK[current.max_severity] ? c.severity : current.max_severity,
            reactivated ? "active" : current.state,
            now,
            c.isoZone,
            startClock ? now : current.alarm_at,
            startClock ? now + (route?.responseTimeMs ?? 0) : current.response_due_at,
            startClock ? null : current.escalated_at,
            changed ? now : current.updated_at,
            current.id,
          );
        }
        for (const [key, r] of open) {
          if (seen.has(key) || now - r.last_seen_at < policy.clearAfterMs) continue;
          this.sql("UPDATE alarm SET state = 'cleared', cleared_at = ?, updated_at = ? WHERE id = ?").run(
            now,
            now,
            r.id,
          );
          event(
            r,
            "cleared",
            r.state,
            "cleared",
            `condition gone since ${new Date(r.last_seen_at).toISOString()}`,
          );
        }
        // Escalation: an `alarm` still unacknowledged at its due time; one gone back to warning waits for
        // its return (then escalates at once if the time has passed: flapping does not restart the clock).
        const due = this.sql(
          `SELECT * FROM alarm WHERE state = 'active' AND severity = 'alarm' AND escalated_at IS NULL
               AND response_due_at IS NOT NULL AND response_due_at <= ?`,
        ).all(now) as AlarmRow[];
        for (const r of due) {
          this.sql("UPDATE alarm SET escalated_at = ?, updated_at = ? WHERE id = ?").run(now, now, r.id);
          event(
            r,
            "escalated",
            null,
            null,
            `not acknowledged within the response time (due ${new Date(r.response_due_at!).toISOString()})`,
          );
        }
        this.sql("UPDATE alarm_evaluation SET observed_at = ? WHERE id = 1").run(observedAtMs);
        return true;
      })
      .immediate();
    if (events > 0) this.changed();
    return { applied, events };
  }

  /** Acknowledges an active alarm; AlarmStateError when it is acknowledged or cleared already. */
  acknowledge(id: string, actor: string, comment: string | null): AlarmRecord {
    return this.change(id, (r, now) => {
      if (r.state !== "active") throw new AlarmStateError(`alarm "${id}" is ${r.state}`);
      this.sql(
        "UPDATE alarm SET state = 'acknowledged', acked_by = ?, acked_at = ?, ack_comment = ?, updated_at = ? WHERE id = ?",
      ).run(actor, now, comment, now, id);
      this.addEvent(r, now, "acknowledged", actor, "active", "acknowledged", comment);
    });
  }

  /** Assigns an open alarm to a technician (null: unassigns). */
  assign(id: string, assignee: string | null, actor: string, comment: string | null): AlarmRecord {
    return this.change(id, (r, now) => {
      if (r.state === "cleared") throw new AlarmStateError(`alarm "${id}" is cleared`);
      this.sql(
        "UPDATE alarm SET assignee = ?, assigned_by = ?, assigned_at = ?, updated_at = ? WHERE id = ?",
      ).run(assignee, actor, now, now, id);
      this.addEvent(r, now, "assigned", actor, r.assignee, assignee, comment);
    });
  }

  /** A note in the alarm's history (any state). */
  comment(id: string, actor: string, comment: string): AlarmRecord {
    return this.change(id, (r, now) => {
      this.addEvent(r, now, "comment", actor, null, null, comment);
    });
  }

  private change(id: string, apply: (r: AlarmRow, now: number) => void): AlarmRecord {
    const record = this.db
      .transaction(() => {
        const r = this.row(id);
        if (!r) return null;
        apply(r, this.clock());
        return recordOf(this.row(id)!);
      })
      .immediate();
    if (!record) throw new CodedError("NOT_FOUND", `No alarm "${id}"`);
    this.changed();
    return record;
  }
}
