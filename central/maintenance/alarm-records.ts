// What the alarm book holds (alarm-book.ts): occurrence states and event
// kinds, the records and events the API answers with, the conditions the
// evaluator observes, the book's query filter, and the database rows they
// are read from.
import { CodedError } from "../../common/errors.ts";
import type { IsoZone, Severity } from "../../common/names.ts";
import type { AlarmFilterParams, BoundaryRatio, ConditionKind } from "./alarm-filter.ts";

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
  /** The `next` of the previous page (same sort and order): the page after it (keyset pagination). */
  after?: string;
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

/** The columns that say which alarm a row is and where it stands: every read and write of a whole alarm has them. */
export const ALARM_IDENTITY_COLUMNS = [
  "id",
  "key",
  "occurrence",
  "asset",
  "site",
  "point",
  "fault",
  "company",
  "severity",
  "max_severity",
  "state",
  "since_ms",
  "raised_at",
] as const;

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

export interface EventRow {
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

/** The columns an AlarmRecord is made of. */
export type RecordRow = Omit<AlarmRow, "alarm_at" | "last_seen_at" | "assigned_by" | "updated_at">;

export const recordOf = (r: RecordRow): AlarmRecord => ({
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

export const eventOf = (r: EventRow): AlarmEvent => ({
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
