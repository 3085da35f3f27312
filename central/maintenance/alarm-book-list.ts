// The alarm list's query (AlarmBook.list, ./alarm-book.ts): filters, the
// sort orders, a page by offset or after a cursor (keyset pagination: the
// page after the last row seen, read from an index in the list's order
// rather than by counting past every row before it), and the columns an
// AlarmRecord needs, nothing more. The indexes it is read through are in
// the metadata migrations (version 6, "alarm list order").
import { CodedError } from "../../common/errors.ts";
import type { SqlRunner } from "../db/types.ts";
import { Where } from "../db/where.ts";
import {
  ALARM_IDENTITY_COLUMNS,
  type AlarmFilter,
  type AlarmRecord,
  type AlarmSort,
  type AlarmState,
  AlarmStates,
  type RecordRow,
  recordOf,
} from "./alarm-records.ts";

/** Alarms per page unless asked: a screenful and then some; the console pages through the rest. */
export const DEFAULT_PAGE = 200;

/** What an AlarmRecord is made of (recordOf): the list reads these, not the book's bookkeeping. */
const RECORD_COLUMNS = [
  ...ALARM_IDENTITY_COLUMNS,
  "iso_zone",
  "acked_by",
  "acked_at",
  "ack_comment",
  "assignee",
  "assigned_at",
  "response_due_at",
  "escalated_at",
  "cleared_at",
].join(", ");

/**
 * Sort columns: whitelisted, never from the request's text; each with the
 * value a row has in it (a cursor carries the last row's). The severity
 * expression is the one the open alarms' index is built on: written
 * differently, the index would not be used.
 */
const SORTS: Record<AlarmSort, { sql: string; valueOf: (r: RecordRow) => string | number }> = {
  severity: {
    sql: "CASE severity WHEN 'alarm' THEN 2 ELSE 1 END",
    valueOf: (r) => (r.severity === "alarm" ? 2 : 1),
  },
  since: { sql: "since_ms", valueOf: (r) => r.since_ms },
  raisedAt: { sql: "raised_at", valueOf: (r) => r.raised_at },
  asset: { sql: "asset", valueOf: (r) => r.asset },
  state: {
    sql: "CASE state WHEN 'active' THEN 0 WHEN 'acknowledged' THEN 1 ELSE 2 END",
    valueOf: (r) => (r.state === "active" ? 0 : r.state === "acknowledged" ? 1 : 2),
  },
};

/** Where the next page starts: after this row, in this sort and order. */
interface Cursor {
  sort: AlarmSort;
  order: "asc" | "desc";
  value: string | number;
  sinceMs: number;
  id: string;
}

/** A cursor the request cannot have had from us (altered, or from another sort): 400 naming the key. */
const badCursor = (why: string) => new CodedError("VALIDATION_FAILED", `querystring.after: ${why}`);

const encodeCursor = (c: Cursor): string =>
  Buffer.from(JSON.stringify([c.sort, c.order, c.value, c.sinceMs, c.id])).toString("base64url");

function decodeCursor(text: string, sort: AlarmSort, order: "asc" | "desc"): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw badCursor("not a cursor of this list");
  }
  if (!Array.isArray(parsed) || parsed.length !== 5) throw badCursor("not a cursor of this list");
  const [s, o, value, sinceMs, id] = parsed as unknown[];
  if (s !== sort || o !== order) throw badCursor(`made for sort=${String(s)}&order=${String(o)}`);
  const valueOk =
    sort === "asset" ? typeof value === "string" : typeof value === "number" && Number.isSafeInteger(value);
  if (!valueOk || !Number.isSafeInteger(sinceMs) || typeof id !== "string")
    throw badCursor("not a cursor of this list");
  return { sort, order, value: value as string | number, sinceMs: sinceMs as number, id };
}

/** The states asked for, as SQL literals from the whitelist (a partial index matches literals, not parameters). */
const statesSql = (states: readonly AlarmState[]): string => {
  const known = AlarmStates.filter((s) => states.includes(s));
  return known.length === 1 ? `state = '${known[0]}'` : `state IN (${known.map((s) => `'${s}'`).join(", ")})`;
};

/** Exactly the open states: the list the open alarms' partial index is made for. */
const isOpenStates = (states: readonly AlarmState[] | undefined): boolean =>
  states !== undefined &&
  AlarmStates.every((s) => states.includes(s) === (s === "active" || s === "acknowledged"));

/**
 * A filter by company and state only: its total is in `alarm_count` (kept by triggers, migration 7),
 * where the same WHERE applies; any other filter counts the alarms themselves.
 */
const countable = (f: AlarmFilter): boolean =>
  f.assets === undefined &&
  f.severity === undefined &&
  f.site === undefined &&
  f.fault === undefined &&
  !f.text &&
  f.raisedFromMs === undefined &&
  f.raisedToMs === undefined;

/** `lower(column)` contains `lower(?)`. */
const containsText = (db: SqlRunner, column: string): string =>
  db.dialect === "postgres"
    ? `strpos(lower(${column}), lower(?)) > 0`
    : `instr(lower(${column}), lower(?)) > 0`;

export interface AlarmPage {
  alarms: AlarmRecord[];
  /** Alarms matching the filter, on every page. */
  total: number;
  /** The `after` of the next page, when this one is full (there may be more). */
  next?: string;
}

export async function listAlarms(db: SqlRunner, filter: AlarmFilter): Promise<AlarmPage> {
  const where = new Where();
  if (filter.companies) {
    if (filter.companies.length === 0) return { alarms: [], total: 0 };
    where.in("company", filter.companies);
  }
  if (filter.states && filter.states.length < AlarmStates.length) {
    if (!AlarmStates.some((s) => filter.states!.includes(s))) return { alarms: [], total: 0 };
    where.add(statesSql(filter.states));
  }
  if (filter.assets) {
    if (filter.assets.length === 0) return { alarms: [], total: 0 };
    where.in("asset", filter.assets);
  }
  // An empty text field filters nothing, like one left out.
  where
    .equal({
      severity: filter.severity || undefined,
      site: filter.site || undefined,
      fault: filter.fault || undefined,
    })
    .when(containsText(db, "key"), filter.text || undefined)
    .when("raised_at >= ?", filter.raisedFromMs)
    .when("raised_at < ?", filter.raisedToMs);
  const order = filter.order === "asc" ? "asc" : "desc";
  const sort = filter.sort ?? "severity";
  const by = SORTS[sort].sql;
  const page = where.copy();
  if (filter.after !== undefined) {
    // After the cursor's row in `by ${order}, since_ms DESC, id ASC`; the first comparison alone bounds
    // the index range, the rest settles the ties.
    const c = decodeCursor(filter.after, sort, order);
    const [past, upTo] = order === "desc" ? ["<", "<="] : [">", ">="];
    page.add(
      `${by} ${upTo} ? AND (${by} ${past} ? OR (${by} = ? AND (since_ms < ? OR (since_ms = ? AND id > ?))))`,
      c.value,
      c.value,
      c.value,
      c.sinceMs,
      c.sinceMs,
      c.id,
    );
  }
  // SQLite's planner, without statistics of how few alarms are open, prefers the (state, raised_at)
  // index and sorts what it finds; the open alarms' own index is at most every open alarm, in order.
  const from =
    db.dialect === "sqlite" && isOpenStates(filter.states) ? "alarm INDEXED BY alarm_open_severity" : "alarm";
  // Ties: the newest condition first, then the id, so pages are stable.
  const orderBy = `${by} ${order.toUpperCase()}, since_ms DESC, id ASC`;
  const limit = filter.limit ?? DEFAULT_PAGE;
  const offset = filter.offset ?? 0;
  const countSql = countable(filter)
    ? `SELECT SUM(n) AS n FROM alarm_count ${where.clause()}`
    : `SELECT COUNT(*) AS n FROM alarm ${where.clause()}`;
  // The total rides on the page's rows (one statement, one round trip on PostgreSQL); an empty page
  // has no row to carry it and asks for it alone.
  const rows = await db.all<RecordRow & { total_n: number | null }>(
    `SELECT (${countSql}) AS total_n, ${RECORD_COLUMNS} FROM ${from} ${page.clause()}
       ORDER BY ${orderBy} LIMIT ?${offset > 0 ? " OFFSET ?" : ""}`,
    [...where.args, ...page.args, limit, ...(offset > 0 ? [offset] : [])],
  );
  const total =
    rows.length > 0 ? rows[0]!.total_n : (await db.get<{ n: number | null }>(countSql, where.args))?.n;
  const last = rows.length === limit ? rows[rows.length - 1] : undefined;
  return {
    alarms: rows.map(recordOf),
    total: total ?? 0,
    ...(last
      ? {
          next: encodeCursor({
            sort,
            order,
            value: SORTS[sort].valueOf(last),
            sinceMs: last.since_ms,
            id: last.id,
          }),
        }
      : {}),
  };
}
