// Central's checks of a columnar (v2) batch, column by column: what depends
// on a series (its names against the catalog, its tag values, its field
// names) once per series, then each column in one loop of number
// comparisons. A point is refused with exactly the code and message a v1
// batch would give it (the first problem in the order of plugins/ingest.ts's
// refusedPoints: names, field names, time, field values in order, tag
// values); the exact message is worked out only for a point that fails.
import { type CatalogIndex, checkFieldNames, checkSeries, type PointRefusal } from "../../common/catalog.ts";
import type { Rejection } from "../../common/errors.ts";
import { MAX_FIELD_MAGNITUDE } from "../../common/names.ts";
import { MAX_FUTURE_SKEW_MS, MAX_POINTS_PER_BATCH } from "../../common/wire.ts";
import type { WireSeries } from "../../common/wire-columns.ts";
import { fieldBoundsOf, fieldValueProblem, tagValuesProblem, timestampProblem } from "./points.ts";
import { seriesKeyOf } from "./series-key.ts";

/**
 * Why a v2 body that passed its schema is still not a batch, naming the
 * path (`body.series[2].values[1]: …`), or null: columns as many as fields
 * and as long as `ts`, at most MAX_POINTS_PER_BATCH points in all, every
 * point with a value, each series once. `keys` receives each series' key
 * (seriesKeyOf).
 */
export function columnsShapeProblem(series: readonly WireSeries[], keys: string[]): string | null {
  let total = 0;
  const seen = new Map<string, number>();
  for (let s = 0; s < series.length; s++) {
    const x = series[s]!;
    const n = x.ts.length;
    const columns = x.values;
    if (columns.length !== x.fields.length)
      return `body.series[${s}].values: ${columns.length} columns for ${x.fields.length} fields`;
    let nulls = false;
    for (let f = 0; f < columns.length; f++) {
      const column = columns[f]!;
      if (column.length !== n)
        return `body.series[${s}].values[${f}]: ${column.length} values for ${n} timestamps (ts)`;
      if (!nulls) for (let j = 0; j < n && !nulls; j++) nulls = column[j] === null;
    }
    total += n;
    if (total > MAX_POINTS_PER_BATCH) return `body.series: more than ${MAX_POINTS_PER_BATCH} points in all`;
    if (nulls)
      for (let j = 0; j < n; j++) {
        let any = false;
        for (let f = 0; f < columns.length && !any; f++) any = columns[f]![j] !== null;
        if (!any) return `body.series[${s}].values: point ${j} (ts[${j}]) has no value, every column is null`;
      }
    const key = seriesKeyOf(x as never);
    const earlier = seen.get(key);
    if (earlier !== undefined)
      return `body.series[${s}]: the same measurement and tags as body.series[${earlier}] (a series appears once)`;
    seen.set(key, s);
    keys[s] = key;
  }
  return null;
}

/** Points in all of a v2 batch. */
export const pointsOf = (series: readonly WireSeries[]): number => {
  let n = 0;
  for (const s of series) n += s.ts.length;
  return n;
};

/**
 * Every refused point of a v2 batch with why, by index counting through
 * the series (empty: all accepted). `catalogOf` gives the catalog a series'
 * site is checked against (null: not a site of central's).
 */
export function refusedColumns(
  series: readonly WireSeries[],
  catalogOf: (site: string | undefined) => CatalogIndex | null,
  nowMs: number,
): Rejection[] {
  const rejected: Rejection[] = [];
  const latestMs = nowMs + MAX_FUTURE_SKEW_MS;
  let base = 0;
  for (let s = 0; s < series.length; s++) {
    const x = series[s]!;
    const n = x.ts.length;
    const first = base;
    base += n;
    const refuseAll = (refusal: PointRefusal): void => {
      for (let j = 0; j < n; j++)
        rejected.push({
          index: first + j,
          code: refusal.code,
          message: `points[${first + j}].${refusal.message}`,
        });
    };
    const index = catalogOf(x.tags.site);
    if (!index) {
      refuseAll({
        code: "UNKNOWN_ASSET",
        message: `tags.site: ${JSON.stringify(x.tags.site ?? "")} is not a site of central's configuration`,
      });
      continue;
    }
    const names = checkSeries(index, x.measurement, x.tags);
    if (names) {
      refuseAll(names);
      continue;
    }
    // A point's first problem wins: each check below fills only points still without one.
    let problems: (PointRefusal | undefined)[] | null = null;
    const note = (j: number, refusal: PointRefusal): void => {
      problems ??= new Array(n);
      problems[j] ??= refusal;
    };
    const fields = x.fields;
    const columns = x.values;
    for (let f = 0; f < fields.length; f++) {
      const unknown = checkFieldNames(index, x.measurement, { [fields[f]!]: 0 });
      if (!unknown) continue;
      const column = columns[f]!;
      for (let j = 0; j < n; j++) if (column[j] !== null) note(j, unknown);
    }
    const ts = x.ts;
    for (let j = 0; j < n; j++) if (ts[j]! > latestMs) note(j, timestampProblem(ts[j]!, nowMs)!);
    for (let f = 0; f < fields.length; f++) {
      const name = fields[f]!;
      const bounds = fieldBoundsOf(x.measurement, name);
      const lo = Math.max(-MAX_FIELD_MAGNITUDE, bounds?.min ?? -MAX_FIELD_MAGNITUDE);
      const hi = Math.min(MAX_FIELD_MAGNITUDE, bounds?.max ?? MAX_FIELD_MAGNITUDE);
      const column = columns[f]!;
      for (let j = 0; j < n; j++) {
        const v = column[j];
        // NaN fails both comparisons; null is an absent field.
        if (v === null || (v! >= lo && v! <= hi)) continue;
        note(j, fieldValueProblem(x.measurement, name, v)!);
      }
    }
    const tagValues = tagValuesProblem(x.tags);
    if (tagValues) for (let j = 0; j < n; j++) note(j, tagValues);
    if (problems === null) continue;
    const found: (PointRefusal | undefined)[] = problems;
    for (let j = 0; j < n; j++) {
      const p = found[j];
      if (p) rejected.push({ index: first + j, code: p.code, message: `points[${first + j}].${p.message}` });
    }
  }
  return rejected;
}
