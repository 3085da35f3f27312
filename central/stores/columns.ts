// Columnar reads for any store: the store's own `queryColumns` when it has
// one (the embedded store reads SQLite columns straight into typed arrays),
// else `query` converted point by point.
import type { IoResult } from "../../common/result.ts";
import { success } from "../../common/result.ts";
import type { ColumnSeries, Series, SeriesQuery, TimeSeriesStore } from "./types.ts";

/** Series of points as columns (same groups, same order). */
export function toColumns(series: readonly Series[]): ColumnSeries[] {
  return series.map((s) => {
    const ts = new Float64Array(s.points.length);
    const values = new Float64Array(s.points.length);
    for (let i = 0; i < s.points.length; i++) {
      const p = s.points[i]!;
      ts[i] = p.ts;
      values[i] = p.value;
    }
    return { tags: s.tags, ts, values };
  });
}

/** `store.query(q)` as columns, through the store's native path when it has one. */
export async function queryColumns(
  store: TimeSeriesStore,
  q: SeriesQuery,
): Promise<IoResult<ColumnSeries[]>> {
  if (store.queryColumns) return store.queryColumns(q);
  const rows = await store.query(q);
  return rows.kind === "success" ? success(toColumns(rows.value)) : rows;
}
