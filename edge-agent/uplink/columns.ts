// A queued batch as the columnar ingest body (common/wire-columns.ts): its
// points grouped by series (measurement and tags, in the order the series
// first appear), each series' field names once, a column of values per
// field (null where a point has no such field). Central names a refused
// point by its position in the columnar body; `order` turns that back into
// its position in the batch, which is what the queue dead-letters by.
import type { Rejection } from "../../common/errors.ts";
import type { IngestBatch, WirePoint } from "../../common/wire.ts";
import type { IngestBatchV2, WireSeries } from "../../common/wire-columns.ts";

export interface ColumnsBatch {
  readonly body: IngestBatchV2;
  /** `order[i]`: the batch index of the columnar body's point i. */
  readonly order: Int32Array;
}

interface Group {
  readonly series: WireSeries & { fields: string[]; ts: number[]; values: (number | null)[][] };
  readonly indexes: number[];
  readonly column: Map<string, number>;
}

/** The series key of a point: measurement and tags with the keys sorted (tags in any order are one series). */
function keyOf(p: WirePoint): string {
  const keys = Object.keys(p.tags);
  if (keys.length > 1) keys.sort();
  let key = p.measurement;
  for (const k of keys) key += `\n${k}=${p.tags[k]}`;
  return key;
}

export function toColumnsBatch(batch: IngestBatch): ColumnsBatch {
  const groups = new Map<string, Group>();
  const points = batch.points;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const key = keyOf(p);
    let g = groups.get(key);
    if (!g) {
      g = {
        series: { measurement: p.measurement, tags: p.tags, fields: [], ts: [], values: [] },
        indexes: [],
        column: new Map(),
      };
      groups.set(key, g);
    }
    const j = g.series.ts.length;
    g.series.ts.push(p.ts);
    g.indexes.push(i);
    for (const name in p.fields) {
      let f = g.column.get(name);
      if (f === undefined) {
        // A field first seen now: earlier points of the series have no value for it.
        f = g.series.fields.length;
        g.column.set(name, f);
        g.series.fields.push(name);
        g.series.values.push(new Array<number | null>(j).fill(null));
      }
      g.series.values[f]!.push(p.fields[name]!);
    }
    // Fields this point lacks: null, so every column stays as long as `ts`.
    for (const column of g.series.values) if (column.length === j) column.push(null);
  }
  const order = new Int32Array(points.length);
  const series: WireSeries[] = [];
  let at = 0;
  for (const g of groups.values()) {
    series.push(g.series);
    for (const i of g.indexes) order[at++] = i;
  }
  return {
    body: { batchId: batch.batchId, agent: batch.agent, site: batch.site, sentAt: batch.sentAt, series },
    order,
  };
}

/**
 * Central's refusals of a columnar body as refusals of the batch: each
 * index (and the `points[i].` its message begins with) mapped back
 * through `order`. Null when an index is not one of the body's points.
 */
export function batchRefusals(rejected: readonly Rejection[], order: Int32Array): Rejection[] | null {
  const out: Rejection[] = [];
  for (const r of rejected) {
    if (r.index < 0 || r.index >= order.length) return null;
    const index = order[r.index]!;
    const prefix = `points[${r.index}].`;
    const message = r.message.startsWith(prefix)
      ? `points[${index}].${r.message.slice(prefix.length)}`
      : r.message;
    out.push({ index, code: r.code, message });
  }
  return out;
}
