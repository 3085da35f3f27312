// Small helpers for statements both engines run.
import type { SqlParam, SqlRunner } from "./types.ts";

/** `?, ?, ?` for a list of n values. */
export const placeholders = (n: number): string => Array.from({ length: n }, () => "?").join(", ");

/** Parameters per multi-row INSERT (below SQLite's 32,766 and PostgreSQL's 65,535). */
const MAX_PARAMS = 8000;

/**
 * Inserts rows with multi-row VALUES, a few thousand values per statement:
 * one round trip per chunk instead of one per row (PostgreSQL), one
 * statement instead of many (SQLite). `suffix` follows the VALUES (e.g. an
 * ON CONFLICT clause).
 */
export async function insertMany(
  db: SqlRunner,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlParam[])[],
  suffix = "",
): Promise<number> {
  if (rows.length === 0) return 0;
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const tuple = `(${placeholders(columns.length)})`;
  let changed = 0;
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const sql = `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${chunk.map(() => tuple).join(", ")} ${suffix}`;
    changed += await db.run(sql, chunk.flat());
  }
  return changed;
}
