// Columnar writes for any store: the store's own `writeColumns` when it has
// one (InfluxDB builds its lines straight from the columns), else `write`
// with the columns turned into points.
import type { IoResult } from "../../common/result.ts";
import type { Point } from "../../common/wire.ts";
import type { SeriesColumns, TimeSeriesStore } from "./types.ts";

/** The points of columnar series, in order (series by series, point by point). */
export function pointsOfColumns(series: readonly SeriesColumns[]): Point[] {
  const points: Point[] = [];
  for (const s of series) {
    for (let j = 0; j < s.ts.length; j++) {
      const fields: Record<string, number> = {};
      for (let f = 0; f < s.fields.length; f++) {
        const v = s.values[f]![j];
        if (v !== null && v !== undefined) fields[s.fields[f]!] = v;
      }
      points.push({ measurement: s.measurement, tags: s.tags, fields, ts: s.ts[j]! });
    }
  }
  return points;
}

/** `store.write` of columnar series, through the store's native path when it has one. */
export function writeColumns(
  store: TimeSeriesStore,
  series: readonly SeriesColumns[],
): Promise<IoResult<{ written: number }>> {
  if (store.writeColumns) return store.writeColumns(series);
  return store.write(pointsOfColumns(series));
}
