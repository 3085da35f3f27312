// The alarm filter's state in SQL (`alarm_filter`, one row per condition the
// book follows), applied inside the alarm book's reconcile transaction on the
// same connection: replicas read and write the same rows, and nothing of it
// lives in a process. The rules are in ./alarm-filter.ts.
import type { IsoZone, Severity } from "../../common/names.ts";
import { insertMany, placeholders } from "../db/sql.ts";
import type { SqlParam, SqlRunner } from "../db/types.ts";
import type { AlarmRow, Condition } from "./alarm-book.ts";
import { chunks, updateRows } from "./alarm-book-sql.ts";
import {
  type AlarmFilterParams,
  alarmKey,
  type ConditionKind,
  type FilterState,
  NO_FILTER,
  RANK,
  type Rank,
  SEVERITY_OF_RANK,
  stepFilter,
} from "./alarm-filter.ts";

interface FilterRow {
  key: string;
  asset: string;
  point: string;
  fault: string;
  kind: string | null;
  raw_rank: Rank;
  warning_changed_at: number;
  alarm_changed_at: number;
  shown_rank: Rank;
  since_ms: number;
  iso_zone: IsoZone | null;
}

const UPDATED_COLUMNS = [
  ["raw_rank", "INTEGER"],
  ["warning_changed_at", "BIGINT"],
  ["alarm_changed_at", "BIGINT"],
  ["shown_rank", "INTEGER"],
  ["since_ms", "BIGINT"],
  ["iso_zone", "TEXT"],
] as const;
const INSERTED_COLUMNS = [
  "key",
  "asset",
  "point",
  "fault",
  "kind",
  ...UPDATED_COLUMNS.map(([name]) => name),
] as const;

/** What one pass changes in the table, written together at its end. */
interface FilterWrites {
  deletes: string[];
  updates: SqlParam[][];
  inserts: SqlParam[][];
}

const filterStateOf = (r: FilterRow): FilterState => ({
  rawRank: r.raw_rank,
  changedAt: [r.warning_changed_at, r.alarm_changed_at],
  shownRank: r.shown_rank,
  sinceMs: r.since_ms,
  isoZone: r.iso_zone,
});

/** Stateless: every call works on the connection or transaction it is given (the book's). */
export class AlarmFilterTable {
  /** The raw level and start of each condition followed, by key. */
  async known(db: SqlRunner): Promise<Map<string, { rawRank: Rank; sinceMs: number }>> {
    const rows = await db.all<{ key: string; raw_rank: Rank; since_ms: number }>(
      "SELECT key, raw_rank, since_ms FROM alarm_filter",
    );
    return new Map(rows.map((r) => [r.key, { rawRank: r.raw_rank, sinceMs: r.since_ms }]));
  }

  /**
   * Runs every followed condition through the filter and stores its state:
   * what the alarms show now (one condition per key, with a severity).
   */
  async apply(
    db: SqlRunner,
    conditions: readonly Condition[],
    open: ReadonlyMap<string, AlarmRow>,
    now: number,
    lastObservedMs: number,
    paramsOf: ((kind: ConditionKind | undefined) => AlarmFilterParams) | undefined,
  ): Promise<(Condition & { severity: Severity })[]> {
    // One observation per key: the highest severity; an analog ratio from whichever carries one.
    const observed = new Map<string, Condition>();
    for (const c of conditions) {
      const key = alarmKey(c.asset, c.point, c.fault);
      const seen = observed.get(key);
      if (!seen) observed.set(key, c);
      else {
        const higher = (c.severity ? RANK[c.severity] : 0) > (seen.severity ? RANK[seen.severity] : 0);
        const keep = higher ? c : seen;
        const ratio = keep.ratio ?? (higher ? seen.ratio : c.ratio);
        observed.set(key, { ...keep, kind: seen.kind ?? c.kind, ...(ratio ? { ratio } : {}) });
      }
    }
    const rows = await db.all<FilterRow>("SELECT * FROM alarm_filter");
    const states = new Map<string, { row: FilterRow | null; state: FilterState }>(
      rows.map((r) => [r.key, { row: r, state: filterStateOf(r) }]),
    );
    // An open alarm the last evaluation still saw, without a filter row (a data directory older than
    // the filter): it starts from what it shows, so the upgrade changes nothing by itself.
    for (const [key, a] of open)
      if (!states.has(key) && a.last_seen_at >= lastObservedMs)
        states.set(key, {
          row: null,
          state: {
            rawRank: RANK[a.severity],
            changedAt: [a.last_seen_at, a.last_seen_at],
            shownRank: RANK[a.severity],
            sinceMs: a.since_ms,
            isoZone: a.iso_zone,
          },
        });
    const out: (Condition & { severity: Severity })[] = [];
    const writes: FilterWrites = { deletes: [], updates: [], inserts: [] };
    const keys = new Set([...states.keys(), ...observed.keys()]);
    for (const key of keys) {
      const c = observed.get(key);
      const known = states.get(key);
      const kind = c?.kind ?? (known?.row?.kind as ConditionKind | undefined);
      const params = paramsOf?.(kind) ?? NO_FILTER;
      const next = stepFilter(
        known?.state ?? null,
        c
          ? {
              rank: c.severity ? RANK[c.severity] : 0,
              sinceMs: c.sinceMs,
              isoZone: c.isoZone,
              ...(c.ratio ? { ratio: c.ratio } : {}),
            }
          : null,
        now,
        params,
      );
      const where = c ?? known?.row ?? open.get(key) ?? null;
      this.save(writes, key, known?.row ?? null, next, where, kind);
      const severity = next ? SEVERITY_OF_RANK[next.shownRank] : null;
      if (!severity || !where) continue;
      out.push({
        asset: where.asset,
        point: where.point,
        fault: where.fault,
        severity,
        sinceMs: next!.sinceMs,
        isoZone: next!.isoZone,
      });
    }
    await this.write(db, writes);
    return out;
  }

  /** The pass's changes in a few multi-row statements (a round trip each on PostgreSQL), not one per key. */
  private async write(db: SqlRunner, w: FilterWrites): Promise<void> {
    for (const keys of chunks(w.deletes, 1000))
      await db.run(`DELETE FROM alarm_filter WHERE key IN (${placeholders(keys.length)})`, keys);
    await updateRows(db, "alarm_filter", "key", UPDATED_COLUMNS, w.updates);
    await insertMany(db, "alarm_filter", INSERTED_COLUMNS, w.inserts);
  }

  private save(
    w: FilterWrites,
    key: string,
    row: FilterRow | null,
    next: FilterState | null,
    where: Pick<Condition, "asset" | "point" | "fault"> | null,
    kind: ConditionKind | undefined,
  ): void {
    if (!next) {
      if (row) w.deletes.push(key);
      return;
    }
    if (!where) return;
    const values = [
      next.rawRank,
      next.changedAt[0],
      next.changedAt[1],
      next.shownRank,
      next.sinceMs,
      next.isoZone,
    ] as const;
    if (row) {
      const same =
        row.raw_rank === values[0] &&
        row.warning_changed_at === values[1] &&
        row.alarm_changed_at === values[2] &&
        row.shown_rank === values[3] &&
        row.since_ms === values[4] &&
        row.iso_zone === values[5];
      if (!same) w.updates.push([key, ...values]);
      return;
    }
    w.inserts.push([key, where.asset, where.point, where.fault, kind ?? null, ...values]);
  }
}
