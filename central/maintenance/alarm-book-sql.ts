// Multi-row statements for the alarm book's writes: an evaluator's pass
// touches every open alarm (its `last_seen_at`) and may raise or clear
// thousands at once, and one statement per row is one network round trip
// each on PostgreSQL (BENCHMARKS.md, "Console API at fleet scale"). These
// send a few hundred rows per statement, in SQL both engines run.
import { placeholders } from "../db/sql.ts";
import type { SqlParam, SqlRunner } from "../db/types.ts";

/** Parameters per statement (below SQLite's 32,766 and PostgreSQL's 65,535), as central/db/sql.ts. */
const MAX_PARAMS = 8000;

/** `values` in slices of at most `size`. */
export function* chunks<T>(values: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < values.length; i += size) yield values.slice(i, i + size);
}

/** The SQL type a VALUES column is read as (PostgreSQL types a bare parameter there as text). */
export type ColumnType = "TEXT" | "BIGINT" | "INTEGER";

/**
 * Updates many rows by key, each with its own values, a few hundred per
 * statement: `UPDATE table SET c = v.columnN … FROM (VALUES …) AS v WHERE
 * table.key = v.column1` (PostgreSQL, and SQLite since 3.33; both name
 * the columns of VALUES column1, column2, …). Each row is the key, then
 * one value per column. Returns how many rows changed.
 */
export async function updateRows(
  db: SqlRunner,
  table: string,
  key: string,
  columns: readonly (readonly [name: string, type: ColumnType])[],
  rows: readonly (readonly SqlParam[])[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const types: ColumnType[] = ["TEXT", ...columns.map(([, type]) => type)];
  const tuple = `(${types.map((t) => `CAST(? AS ${t})`).join(", ")})`;
  const set = columns.map(([name], i) => `${name} = v.column${i + 2}`).join(", ");
  let changed = 0;
  for (const chunk of chunks(rows, Math.max(1, Math.floor(MAX_PARAMS / types.length)))) {
    changed += await db.run(
      `UPDATE ${table} SET ${set} FROM (VALUES ${chunk.map(() => tuple).join(", ")}) AS v
         WHERE ${table}.${key} = v.column1`,
      chunk.flat(),
    );
  }
  return changed;
}

/** Runs `sql` once per slice of `values`, with `(?, …)` for the slice in place of `%s`; the rows, in order. */
export async function allIn<T extends object>(
  db: SqlRunner,
  sql: string,
  values: readonly SqlParam[],
  before: readonly SqlParam[] = [],
): Promise<T[]> {
  const out: T[] = [];
  for (const chunk of chunks(values, MAX_PARAMS - before.length))
    out.push(...(await db.all<T>(sql.replace("%s", placeholders(chunk.length)), [...before, ...chunk])));
  return out;
}

/**
 * Inserts rows with multi-row VALUES and returns the ids the database gave
 * them (`RETURNING id`; PostgreSQL and SQLite since 3.35), in order.
 */
export async function insertReturningIds(
  db: SqlRunner,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlParam[])[],
): Promise<number[]> {
  const tuple = `(${placeholders(columns.length)})`;
  const ids: number[] = [];
  for (const chunk of chunks(rows, Math.max(1, Math.floor(MAX_PARAMS / columns.length)))) {
    const returned = await db.all<{ id: number }>(
      `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${chunk.map(() => tuple).join(", ")} RETURNING id`,
      chunk.flat(),
    );
    ids.push(...returned.map((r) => r.id));
  }
  return ids;
}
