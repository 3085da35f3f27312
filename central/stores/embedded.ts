// The embedded store: one SQLite file, no server to install. A `series`
// table names each measurement + canonical tag set once; `sample` holds one
// row per (series, field, ts), so a re-sent point overwrites instead of
// duplicating; `latest` keeps the newest row of each series so "latest per
// asset/point" never scans history.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { Measurement } from "../../common/names.ts";
import { failure, type IoResult, success } from "../../common/result.ts";
import type { Point } from "../../common/wire.ts";
import type { Aggregate, LatestQuery, LatestRow, Series, TimeSeriesStore } from "./types.ts";
import { canonicalTags, checkPoints, checkQuery } from "./validate.ts";

export interface EmbeddedStoreOptions {
  /** Path of the SQLite file; created with its folder when missing. */
  path: string;
}

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
  mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma("journal_mode = WAL");
  // FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power
  // loss, and central acknowledges a batch to the edge (which then deletes
  // it from its queue) only once the write is durable.
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.exec(SCHEMA);

  const seriesById = new Map<number, SeriesRow>();
  const seriesIdByKey = new Map<string, number>();
  for (const row of db.prepare("SELECT id, measurement, tags FROM series").all() as {
    id: number;
    measurement: Measurement;
    tags: string;
  }[]) {
    seriesById.set(row.id, { id: row.id, measurement: row.measurement, tags: JSON.parse(row.tags) });
    seriesIdByKey.set(`${row.measurement}\n${row.tags}`, row.id);
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
  const selectLatest = db.prepare("SELECT series_id, ts, fields FROM latest");

  const seriesIdOf = (measurement: Measurement, tags: Record<string, string>): number => {
    const tagJson = canonicalTags(tags);
    const key = `${measurement}\n${tagJson}`;
    const known = seriesIdByKey.get(key);
    if (known !== undefined) return known;
    const id = Number(insertSeries.run(measurement, tagJson).lastInsertRowid);
    seriesIdByKey.set(key, id);
    seriesById.set(id, { id, measurement, tags: JSON.parse(tagJson) });
    return id;
  };

  const writeAll = db.transaction((points: readonly Point[]) => {
    for (const p of points) {
      const id = seriesIdOf(p.measurement, p.tags);
      for (const [field, value] of Object.entries(p.fields)) upsertSample.run(id, field, p.ts, value);
      upsertLatest.run(id, p.ts, JSON.stringify(p.fields));
    }
  });

  const selectSeries = (measurement: Measurement, filter: Record<string, string> | undefined): SeriesRow[] =>
    [...seriesById.values()].filter((s) => s.measurement === measurement && matches(s.tags, filter));

  let closed = false;
  const ioError = (error: unknown): IoResult<never> =>
    failure("INTERNAL", `embedded store: ${error instanceof Error ? error.message : String(error)}`);

  return {
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
      try {
        writeAll(points);
        return success({ written: points.length });
      } catch (error) {
        // SQLITE_BUSY / disk full are worth retrying; anything else is a bug or corruption.
        const code = (error as { code?: string }).code ?? "";
        if (
          code.startsWith("SQLITE_BUSY") ||
          code.startsWith("SQLITE_FULL") ||
          code.startsWith("SQLITE_IOERR")
        ) {
          return {
            kind: "retryable",
            code: "STORE_UNAVAILABLE",
            message: String(error),
            retryInMillis: 1000,
          };
        }
        return failure(
          "STORE_REJECTED",
          `embedded store: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    },

    async query(q) {
      const bad = checkQuery(q);
      if (bad) return failure("QUERY_FAILED", bad);
      if (closed) return failure("STORE_UNAVAILABLE", "embedded store is closed");
      try {
        const groups = new Map<string, { tags: Record<string, string>; ids: number[] }>();
        for (const s of selectSeries(q.measurement, q.tags)) {
          const tags = groupTags(s.tags, q.groupBy ?? []);
          const key = canonicalTags(tags);
          const group = groups.get(key) ?? { tags, ids: [] };
          group.ids.push(s.id);
          groups.set(key, group);
        }
        const aggregate = q.aggregate ?? (q.everyMs !== undefined ? "mean" : undefined);
        const out: Series[] = [];
        for (const key of [...groups.keys()].sort()) {
          const group = groups.get(key)!;
          const inList = group.ids.map(() => "?").join(",");
          const where = `series_id IN (${inList}) AND field = ? AND ts >= ? AND ts < ?`;
          const params: (number | string)[] = [...group.ids, q.field, q.fromMs, q.toMs];
          // Window start: epoch-aligned multiple of everyMs (also right for negative ts).
          const window =
            q.everyMs !== undefined
              ? `(ts - (((ts % ${q.everyMs}) + ${q.everyMs}) % ${q.everyMs}))`
              : `${q.fromMs}`;
          let rows: { ts: number; value: number }[];
          if (aggregate === undefined) {
            rows = db
              .prepare(`SELECT ts, value FROM sample WHERE ${where} ORDER BY ts, series_id`)
              .all(...params) as { ts: number; value: number }[];
          } else if (aggregate === "last") {
            rows = db
              .prepare(
                `SELECT w AS ts, value FROM (
                   SELECT ${window} AS w, value,
                     ROW_NUMBER() OVER (PARTITION BY ${window} ORDER BY ts DESC, series_id DESC) AS rn
                   FROM sample WHERE ${where}
                 ) WHERE rn = 1 ORDER BY w`,
              )
              .all(...params) as { ts: number; value: number }[];
          } else {
            rows = db
              .prepare(
                `SELECT ${window} AS ts, ${SQL_AGGREGATE[aggregate]} AS value FROM sample
                 WHERE ${where} GROUP BY 1 ORDER BY 1`,
              )
              .all(...params) as { ts: number; value: number }[];
          }
          if (rows.length > 0)
            out.push({ tags: group.tags, points: rows.map((r) => ({ ts: r.ts, value: r.value })) });
        }
        return success(out);
      } catch (error) {
        return failure(
          "QUERY_FAILED",
          `embedded store: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    },

    async latest(q: LatestQuery) {
      if (closed) return failure("STORE_UNAVAILABLE", "embedded store is closed");
      try {
        const wanted = new Map(selectSeries(q.measurement, q.tags).map((s) => [s.id, s]));
        const best = new Map<string, LatestRow & { seriesId: number }>();
        for (const row of selectLatest.all() as { series_id: number; ts: number; fields: string }[]) {
          const s = wanted.get(row.series_id);
          if (!s) continue;
          const tags = groupTags(s.tags, q.groupBy);
          const key = canonicalTags(tags);
          const current = best.get(key);
          if (
            !current ||
            row.ts > current.ts ||
            (row.ts === current.ts && row.series_id > current.seriesId)
          ) {
            best.set(key, { tags, ts: row.ts, fields: JSON.parse(row.fields), seriesId: row.series_id });
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

    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
