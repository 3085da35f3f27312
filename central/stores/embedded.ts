// The embedded store: one SQLite file, no server to install. A `series`
// table names each measurement + canonical tag set once; `sample` holds one
// row per (series, field, ts), so a re-sent point overwrites instead of
// duplicating; `latest` keeps the newest row of each series so "latest per
// asset/point" never scans history. Reads find their series through
// in-memory lists per measurement and per tag value (the shortest one the
// filter names) and read `latest` by primary key, so a read for one asset
// costs the same however many other series the file holds. The primary key (series_id, field, ts)
// is the table's clustered index, so a range read of one series is one
// index search plus a sequential walk, with no separate index to consult.
// Trends over months read rollups (embedded-rollups.ts) instead of samples.
import Database from "better-sqlite3";
import type { Measurement } from "../../common/names.ts";
import { failure, type IoResult, retryable, success } from "../../common/result.ts";
import type { Point } from "../../common/wire.ts";
import { privateDatabase } from "../lib/private-files.ts";
import { isStorageFull, STORAGE_FULL_RETRY_S } from "../lib/storage.ts";
import { ROLLUP_SCHEMA, Rollups } from "./embedded-rollups.ts";
import type {
  Aggregate,
  BucketQuery,
  ColumnSeries,
  FieldBuckets,
  LatestQuery,
  LatestRow,
  Series,
  SeriesQuery,
  TimeSeriesStore,
} from "./types.ts";
import { canonicalTags, checkBucketQuery, checkPoints, checkQuery } from "./validate.ts";

export interface EmbeddedStoreOptions {
  /** Path of the SQLite file; created with its folder when missing. */
  path: string;
  /**
   * Open an existing store file for reading only, e.g. from a worker thread
   * beside the process that writes it (WAL lets readers run alongside the
   * writer). Writes then fail with STORE_REJECTED.
   */
  readOnly?: boolean;
  /**
   * Keep rollups of ROLLUP_MEASUREMENTS at write (default true). Off, bucketed
   * reads group the samples themselves (slower over long ranges; the
   * benchmark measures both), and a later opening with rollups on rebuilds
   * them.
   */
  rollups?: boolean;
}

/** Store objects opened from a file, and that file: report workers open it again read-only. */
const filesOfStores = new WeakMap<TimeSeriesStore, string>();

/** The SQLite file of an embedded store, or null for any other store. */
export const embeddedStoreFile = (store: TimeSeriesStore): string | null => filesOfStores.get(store) ?? null;

/** A store wrapping an embedded one (stores/instrumented.ts) names the same file. */
export const shareEmbeddedStoreFile = (inner: TimeSeriesStore, outer: TimeSeriesStore): void => {
  const file = filesOfStores.get(inner);
  if (file !== undefined) filesOfStores.set(outer, file);
};

interface SeriesRow {
  id: number;
  measurement: Measurement;
  tags: Record<string, string>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  measurement TEXT NOT NULL,
  tags TEXT NOT NULL,
  UNIQUE (measurement, tags)
);
CREATE TABLE IF NOT EXISTS sample (
  series_id INTEGER NOT NULL REFERENCES series(id),
  field TEXT NOT NULL,
  ts INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (series_id, field, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS latest (
  series_id INTEGER PRIMARY KEY REFERENCES series(id),
  ts INTEGER NOT NULL,
  fields TEXT NOT NULL
);
`;

// SQL aggregate per window; `last` is handled with a window function.
const SQL_AGGREGATE: Record<Exclude<Aggregate, "last">, string> = {
  mean: "AVG(value)",
  min: "MIN(value)",
  max: "MAX(value)",
  sum: "SUM(value)",
  count: "COUNT(value)",
};

const matches = (tags: Record<string, string>, filter: Record<string, string> | undefined): boolean => {
  if (!filter) return true;
  for (const [k, v] of Object.entries(filter)) if (tags[k] !== v) return false;
  return true;
};

const groupTags = (tags: Record<string, string>, groupBy: readonly string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const key of groupBy) {
    const v = tags[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
};

export function openEmbeddedStore(options: EmbeddedStoreOptions): TimeSeriesStore {
  const readOnly = options.readOnly === true;
  if (!readOnly) privateDatabase(options.path);
  const db = new Database(options.path, { readonly: readOnly, fileMustExist: readOnly });
  if (!readOnly) {
    db.pragma("journal_mode = WAL");
    // FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power
    // loss, and central acknowledges a batch to the edge (which then deletes
    // it from its queue) only once the write is durable.
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.exec(SCHEMA);
    db.exec(ROLLUP_SCHEMA);
  }

  const seriesById = new Map<number, SeriesRow>();
  const seriesIdByKey = new Map<string, number>();
  // Series ids per measurement and per measurement + tag = value, so a read
  // picks its candidates from the smallest matching list instead of testing
  // every series the store holds.
  const idsByMeasurement = new Map<Measurement, number[]>();
  const idsByTag = new Map<string, number[]>();
  const tagKey = (measurement: Measurement, key: string, value: string): string =>
    `${measurement}\u0000${key}\u0000${value}`;
  const append = <K>(map: Map<K, number[]>, key: K, id: number): void => {
    const list = map.get(key);
    if (list) list.push(id);
    else map.set(key, [id]);
  };
  const remember = (row: SeriesRow, key: string): void => {
    seriesById.set(row.id, row);
    seriesIdByKey.set(key, row.id);
    append(idsByMeasurement, row.measurement, row.id);
    for (const k in row.tags) append(idsByTag, tagKey(row.measurement, k, row.tags[k]!), row.id);
  };
  /** Undoes remember(): the series row is gone (its transaction rolled back). */
  const forget = (key: string): void => {
    const id = seriesIdByKey.get(key);
    if (id === undefined) return;
    const row = seriesById.get(id)!;
    seriesIdByKey.delete(key);
    seriesById.delete(id);
    const drop = (index: Map<string, number[]>, k: string) => {
      const list = index.get(k);
      if (!list) return;
      const at = list.lastIndexOf(id);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) index.delete(k);
    };
    drop(idsByMeasurement, row.measurement);
    for (const k in row.tags) drop(idsByTag, tagKey(row.measurement, k, row.tags[k]!));
  };
  for (const row of db.prepare("SELECT id, measurement, tags FROM series").all() as {
    id: number;
    measurement: Measurement;
    tags: string;
  }[]) {
    remember(
      { id: row.id, measurement: row.measurement, tags: JSON.parse(row.tags) },
      `${row.measurement}\n${row.tags}`,
    );
  }

  const insertSeries = db.prepare("INSERT INTO series (measurement, tags) VALUES (?, ?)");
  const upsertSample = db.prepare(
    `INSERT INTO sample (series_id, field, ts, value) VALUES (?, ?, ?, ?)
     ON CONFLICT (series_id, field, ts) DO UPDATE SET value = excluded.value`,
  );
  const upsertLatest = db.prepare(
    `INSERT INTO latest (series_id, ts, fields) VALUES (?, ?, ?)
     ON CONFLICT (series_id) DO UPDATE SET
       fields = CASE WHEN excluded.ts = latest.ts THEN json_patch(latest.fields, excluded.fields) ELSE excluded.fields END,
       ts = excluded.ts
     WHERE excluded.ts >= latest.ts`,
  );
  // One primary-key search per candidate series: never a scan of the table.
  const LATEST_OF_SERIES = "SELECT ts, fields FROM latest WHERE series_id = ?";
  const selectLatest = db.prepare(LATEST_OF_SERIES);

  /** Series created by the write in progress: forgotten again if its transaction rolls back. */
  const created: string[] = [];
  const seriesIdOf = (measurement: Measurement, tags: Record<string, string>): number => {
    const tagJson = canonicalTags(tags);
    const key = `${measurement}\n${tagJson}`;
    const known = seriesIdByKey.get(key);
    if (known !== undefined) return known;
    const id = Number(insertSeries.run(measurement, tagJson).lastInsertRowid);
    remember({ id, measurement, tags: JSON.parse(tagJson) }, key);
    created.push(key);
    return id;
  };

  const writeInTransaction = db.transaction((points: readonly Point[]) => {
    rollups.begin();
    for (const p of points) {
      const id = seriesIdOf(p.measurement, p.tags);
      if (rollups.keeps(p.measurement))
        for (const [field, value] of Object.entries(p.fields)) rollups.writeSample(id, field, p.ts, value);
      else for (const [field, value] of Object.entries(p.fields)) upsertSample.run(id, field, p.ts, value);
      upsertLatest.run(id, p.ts, JSON.stringify(p.fields));
    }
    rollups.commit();
  });
  const writeAll = (points: readonly Point[]): void => {
    created.length = 0;
    try {
      writeInTransaction(points);
    } catch (error) {
      // Rolled back (e.g. SQLITE_FULL): the series rows made by it are gone, so are their cached ids —
      // else the re-sent batch would reuse an id no row has.
      for (const key of created) forget(key);
      throw error;
    } finally {
      created.length = 0;
    }
  };

  const NONE: readonly number[] = [];
  /** The series of a measurement matching the filter, picked from the shortest index list of its tags. */
  const selectSeries = (
    measurement: Measurement,
    filter: Record<string, string> | undefined,
  ): SeriesRow[] => {
    let candidates: readonly number[] = idsByMeasurement.get(measurement) ?? NONE;
    if (filter)
      for (const k in filter) {
        const list = idsByTag.get(tagKey(measurement, k, filter[k]!)) ?? NONE;
        if (list.length < candidates.length) candidates = list;
      }
    const out: SeriesRow[] = [];
    for (const id of candidates) {
      const s = seriesById.get(id)!;
      if (matches(s.tags, filter)) out.push(s);
    }
    return out;
  };

  // Prepared statements are reused: a report reads thousands of series, and
  // preparing costs as much as reading a short one. Keyed by mode + SQL
  // (pluck/raw change a statement's mode); the SQL varies only with the
  // number of series in a group and the window, so the cache stays small.
  const statements = new Map<string, Database.Statement>();
  const prepared = (mode: "objects" | "raw" | "pluck", sql: string): Database.Statement => {
    const key = `${mode}\n${sql}`;
    let st = statements.get(key);
    if (!st) {
      if (statements.size >= 256) statements.clear();
      st = db.prepare(sql);
      if (mode === "raw") st.raw(true);
      if (mode === "pluck") st.pluck(true);
      statements.set(key, st);
    }
    return st;
  };

  /** Groups of series ids, by canonical groupBy tags, in the order results are returned. */
  const groupsOf = (q: SeriesQuery): { tags: Record<string, string>; ids: number[] }[] => {
    const groups = new Map<string, { tags: Record<string, string>; ids: number[] }>();
    for (const s of selectSeries(q.measurement, q.tags)) {
      const tags = groupTags(s.tags, q.groupBy ?? []);
      const key = canonicalTags(tags);
      const group = groups.get(key) ?? { tags, ids: [] };
      group.ids.push(s.id);
      groups.set(key, group);
    }
    return [...groups.keys()].sort().map((key) => groups.get(key)!);
  };

  /** The SQL of one group's answer: rows (ts, value) in the order of the result. */
  const groupSql = (q: SeriesQuery, ids: readonly number[]): { sql: string; params: (number | string)[] } => {
    const aggregate = q.aggregate ?? (q.everyMs !== undefined ? "mean" : undefined);
    const inList = ids.map(() => "?").join(",");
    const where = `series_id IN (${inList}) AND field = ? AND ts >= ? AND ts < ?`;
    const params: (number | string)[] = [...ids, q.field, q.fromMs, q.toMs];
    // Window start: epoch-aligned multiple of everyMs (also right for negative ts).
    const window =
      q.everyMs !== undefined
        ? `(ts - (((ts % ${q.everyMs}) + ${q.everyMs}) % ${q.everyMs}))`
        : `${q.fromMs}`;
    if (aggregate === undefined)
      return { sql: `SELECT ts, value FROM sample WHERE ${where} ORDER BY ts, series_id`, params };
    if (aggregate === "last")
      return {
        sql: `SELECT w AS ts, value FROM (
                SELECT ${window} AS w, value,
                  ROW_NUMBER() OVER (PARTITION BY ${window} ORDER BY ts DESC, series_id DESC) AS rn
                FROM sample WHERE ${where}
              ) WHERE rn = 1 ORDER BY w`,
        params,
      };
    return {
      sql: `SELECT ${window} AS ts, ${SQL_AGGREGATE[aggregate]} AS value FROM sample
            WHERE ${where} GROUP BY 1 ORDER BY 1`,
      params,
    };
  };

  // One series: its columns read with `pluck` (plain numbers, no array or
  // object per row), inside one read transaction (readColumns) so every
  // statement sees the same snapshot. SQLite's per-row work, not JS, is then
  // what a read costs: ~3 ms per column of 17,520 rows.
  const RANGE = "series_id = ? AND field = ? AND ts >= ? AND ts < ?";
  const RAW_TS = `SELECT ts FROM sample WHERE ${RANGE} ORDER BY ts`;
  const RAW_VALUE = `SELECT value FROM sample WHERE ${RANGE} ORDER BY ts`;
  const FIRST_TWO_TS = `SELECT ts FROM sample WHERE ${RANGE} ORDER BY ts LIMIT 2`;
  const LAST_TS = `SELECT ts FROM sample WHERE ${RANGE} ORDER BY ts DESC LIMIT 1`;
  // NULL (value is NOT NULL) marks a sample off the lattice first + k·step.
  const LATTICE_VALUE = `SELECT CASE WHEN (ts - ?) % ? = 0 THEN value END FROM sample WHERE ${RANGE} ORDER BY ts`;
  const columnsOfSeries = (id: number, q: SeriesQuery): { ts: Float64Array; values: Float64Array } => {
    const params = [id, q.field, q.fromMs, q.toMs];
    const head = prepared("pluck", FIRST_TWO_TS).all(...params) as number[];
    if (head.length < 2) {
      const values = new Float64Array(prepared("pluck", RAW_VALUE).all(...params) as number[]);
      return { ts: new Float64Array(head.slice(0, values.length)), values };
    }
    // Regular series (hourly meters and weather) need not read ts: n
    // distinct timestamps (the primary key), all on the lattice
    // first + k·step (step: the first two's distance) between first and
    // last = first + (n − 1)·step, are exactly that lattice's n points. The
    // check rides along with reading the values, and costs two index
    // look-ups; reading ts would cost as much as reading the values.
    const first = head[0]!;
    const step = head[1]! - first;
    const last = prepared("pluck", LAST_TS).get(...params) as number;
    const checked = prepared("pluck", LATTICE_VALUE).all(first, step, ...params) as (number | null)[];
    const onLattice = !checked.includes(null);
    const values = new Float64Array(
      onLattice ? (checked as number[]) : (prepared("pluck", RAW_VALUE).all(...params) as number[]),
    );
    const n = values.length;
    if (onLattice && last - first === (n - 1) * step) {
      const ts = new Float64Array(n);
      for (let i = 0; i < n; i++) ts[i] = first + i * step;
      return { ts, values };
    }
    return { ts: new Float64Array(prepared("pluck", RAW_TS).all(...params) as number[]), values };
  };

  /**
   * An aggregate of one series whose every window holds one sample (hourly
   * weather by the hour) is that sample's value (count: 1), at the window
   * start: answered from the raw columns, without SQL's GROUP BY sort.
   * Null when a window holds more than one sample.
   */
  const singletonWindows = (
    raw: { ts: Float64Array; values: Float64Array },
    q: SeriesQuery,
    aggregate: Aggregate,
  ): { ts: Float64Array; values: Float64Array } | null => {
    const count = aggregate === "count" ? new Float64Array(raw.ts.length).fill(1) : null;
    const everyMs = q.everyMs;
    if (everyMs === undefined)
      // The whole range is one window, stamped fromMs.
      return raw.ts.length > 1 ? null : { ts: raw.ts.fill(q.fromMs), values: count ?? raw.values };
    const ts = new Float64Array(raw.ts.length);
    for (let i = 0; i < ts.length; i++) {
      const t = raw.ts[i]!;
      ts[i] = t - (((t % everyMs) + everyMs) % everyMs);
      if (i > 0 && ts[i] === ts[i - 1]) return null;
    }
    return { ts, values: count ?? raw.values };
  };
  const rollups = new Rollups(db, { enabled: options.rollups !== false, readOnly }, (sql) =>
    prepared("raw", sql),
  );
  const readBuckets = db.transaction((q: BucketQuery): FieldBuckets[] => {
    const ids = selectSeries(q.measurement, q.tags).map((s) => s.id);
    return q.fields.map((field) => rollups.buckets(ids, field, q));
  });

  const readColumns = db.transaction((q: SeriesQuery): ColumnSeries[] => {
    const aggregate = q.aggregate ?? (q.everyMs !== undefined ? "mean" : undefined);
    const out: ColumnSeries[] = [];
    for (const group of groupsOf(q)) {
      let answer: { ts: Float64Array; values: Float64Array } | null = null;
      if (group.ids.length === 1) {
        const raw = columnsOfSeries(group.ids[0]!, q);
        answer = aggregate === undefined ? raw : singletonWindows(raw, q, aggregate);
      }
      if (!answer) {
        const { sql, params } = groupSql(q, group.ids);
        const rows = prepared("raw", sql).all(...params) as [number, number][];
        answer = { ts: new Float64Array(rows.length), values: new Float64Array(rows.length) };
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          answer.ts[i] = row[0];
          answer.values[i] = row[1];
        }
      }
      if (answer.ts.length > 0) out.push({ tags: group.tags, ...answer });
    }
    return out;
  });

  let closed = false;
  const messageOf = (error: unknown): string =>
    `embedded store: ${error instanceof Error ? error.message : String(error)}`;
  const ioError = (error: unknown): IoResult<never> => failure("INTERNAL", messageOf(error));
  /** A read: a query the checks refuse, a closed store, or what the read throws, each as its failure. */
  const guardedRead = <T>(bad: string | null, read: () => T): IoResult<T> => {
    if (bad) return failure("QUERY_FAILED", bad);
    if (closed) return failure("STORE_UNAVAILABLE", "embedded store is closed");
    try {
      return success(read());
    } catch (error) {
      return failure("QUERY_FAILED", messageOf(error));
    }
  };

  const store: TimeSeriesStore = {
    kind: "embedded",

    async ping() {
      if (closed) return failure("STORE_UNAVAILABLE", "embedded store is closed");
      try {
        db.prepare("SELECT 1").get();
        return success(undefined);
      } catch (error) {
        return ioError(error);
      }
    },

    async write(points) {
      const problem = checkPoints(points);
      if (problem) return failure(problem.code, problem.message);
      if (points.length === 0) return success({ written: 0 });
      if (closed) return failure("STORE_UNAVAILABLE", "embedded store is closed");
      if (readOnly) return failure("STORE_REJECTED", "embedded store is opened read-only");
      try {
        writeAll(points);
        return success({ written: points.length });
      } catch (error) {
        // SQLITE_BUSY / disk full are worth retrying; anything else is a bug or corruption.
        const code = (error as { code?: string }).code ?? "";
        if (isStorageFull(error))
          return retryable(
            "STORAGE_FULL",
            `embedded store ${options.path}: ${String(error)}`,
            STORAGE_FULL_RETRY_S * 1000,
          );
        if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_IOERR")) {
          return {
            kind: "retryable",
            code: "STORE_UNAVAILABLE",
            message: String(error),
            retryInMillis: 1000,
          };
        }
        return failure("STORE_REJECTED", messageOf(error));
      }
    },

    async query(q) {
      return guardedRead(checkQuery(q), () => {
        const out: Series[] = [];
        for (const group of groupsOf(q)) {
          const { sql, params } = groupSql(q, group.ids);
          // Rows are already { ts, value } objects: handed over as they come.
          const points = prepared("objects", sql).all(...params) as { ts: number; value: number }[];
          if (points.length > 0) out.push({ tags: group.tags, points });
        }
        return out;
      });
    },

    async queryColumns(q) {
      return guardedRead(checkQuery(q), () => readColumns(q));
    },

    async bucketed(q) {
      return guardedRead(checkBucketQuery(q), () => readBuckets(q));
    },

    async latest(q: LatestQuery) {
      if (closed) return failure("STORE_UNAVAILABLE", "embedded store is closed");
      try {
        const best = new Map<string, LatestRow & { seriesId: number }>();
        for (const s of selectSeries(q.measurement, q.tags)) {
          const row = selectLatest.get(s.id) as { ts: number; fields: string } | undefined;
          if (!row) continue;
          const tags = groupTags(s.tags, q.groupBy);
          const key = canonicalTags(tags);
          const current = best.get(key);
          if (!current || row.ts > current.ts || (row.ts === current.ts && s.id > current.seriesId)) {
            best.set(key, { tags, ts: row.ts, fields: JSON.parse(row.fields), seriesId: s.id });
          }
        }
        return success(
          [...best.keys()].sort().map((key) => {
            const { tags, ts, fields } = best.get(key)!;
            return { tags, ts, fields };
          }),
        );
      } catch (error) {
        return ioError(error);
      }
    },

    async latestCost(q: LatestQuery) {
      if (closed) return failure("STORE_UNAVAILABLE", "embedded store is closed");
      try {
        const plan = (
          db.prepare(`EXPLAIN QUERY PLAN ${LATEST_OF_SERIES}`).all(0) as { detail: string }[]
        ).map((r) => r.detail);
        return success({ series: selectSeries(q.measurement, q.tags).length, plan });
      } catch (error) {
        return ioError(error);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
  // An in-memory database has no file another connection could open.
  if (options.path !== "" && options.path !== ":memory:") filesOfStores.set(store, options.path);
  return store;
}
