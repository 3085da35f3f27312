// The time-series store seen by central: one small interface, two
// implementations (embedded SQLite, InfluxDB v1 HTTP API). Both pass the same
// conformance suite (test/conformance/store.ts).
import type { Measurement } from "../../common/names.ts";
import type { IoResult } from "../../common/result.ts";
import type { Point } from "../../common/wire.ts";
import type { WireSeries } from "../../common/wire-columns.ts";

/**
 * Points of one series as columns (the v2 ingest body's series):
 * `values[f][j]` is field `fields[f]` of the point at `ts[j]`, null when
 * that point has no such field.
 */
export type SeriesColumns = WireSeries;

export type Aggregate = "mean" | "min" | "max" | "sum" | "count" | "last";
export const Aggregates: readonly Aggregate[] = ["mean", "min", "max", "sum", "count", "last"];

export interface SeriesQuery {
  measurement: Measurement;
  field: string;
  /** Equality filters on tags. */
  tags?: Record<string, string>;
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  /** Aggregation window; windows start at epoch multiples of everyMs. Implies `mean` if no aggregate. */
  everyMs?: number;
  /** Without everyMs: one point per series over the whole range, at ts = fromMs. */
  aggregate?: Aggregate;
  /** Tag keys that split the result into series; without it, one series with `tags: {}`. */
  groupBy?: string[];
}

/**
 * One result series. `tags` holds the groupBy keys only (a key whose tag is
 * absent from the data is left out). Points ascend by ts; ts is the window
 * start when aggregated; empty windows are omitted; raw queries without
 * groupBy may hold equal timestamps from different underlying series.
 */
export interface Series {
  tags: Record<string, string>;
  points: { ts: number; value: number }[];
}

/**
 * The same answer as `Series`, as columns: `ts[i]` and `values[i]` are the
 * i-th point (same order, same grouping), so a reader of millions of points
 * allocates two typed arrays per series instead of an object per point.
 */
export interface ColumnSeries {
  tags: Record<string, string>;
  ts: Float64Array;
  values: Float64Array;
}

/**
 * A downsampled read for trends: per epoch-aligned window of `everyMs`, the
 * minimum, mean, maximum and count of each field, over every series the tags
 * select (merged). Windows without a value of a field are left out of that
 * field's answer.
 */
export interface BucketQuery {
  measurement: Measurement;
  /** 1 to MAX_BUCKET_FIELDS field names. */
  fields: readonly string[];
  tags?: Record<string, string>;
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  everyMs: number;
}

/** Fields one bucketed read may ask for (a trend page shows a handful). */
export const MAX_BUCKET_FIELDS = 32;

/** One field's windows as columns: `ts[i]` is the i-th window's start, ascending. */
export interface FieldBuckets {
  field: string;
  ts: Float64Array;
  min: Float64Array;
  mean: Float64Array;
  max: Float64Array;
  count: Float64Array;
}

export interface LatestQuery {
  measurement: Measurement;
  tags?: Record<string, string>;
  groupBy: string[];
}

/** Newest row of a group: all fields one underlying series has at its newest timestamp. */
export interface LatestRow {
  tags: Record<string, string>;
  ts: number;
  fields: Record<string, number>;
}

/**
 * What a read visits, from the store's own planner (SQLite's EXPLAIN QUERY
 * PLAN, InfluxDB's EXPLAIN): the number of series it reads and the plan's
 * lines. A read for one asset must visit that asset's series, however many
 * other series the store holds.
 */
export interface ReadCost {
  series: number;
  plan: string[];
}

export interface TimeSeriesStore {
  readonly kind: "embedded" | "influx";
  ping(): Promise<IoResult<void>>;
  /**
   * Durable when it resolves success. Idempotent: the same
   * measurement + tags + field + ts overwrites. All-or-nothing on invalid
   * input: a non-finite value (NaN, ±Infinity) → failure INVALID_NUMBER, a
   * point without fields or with an empty tag value → failure
   * VALIDATION_FAILED, and nothing is written. An empty array is a success
   * with `written: 0`. `written` counts points.
   */
  write(points: readonly Point[]): Promise<IoResult<{ written: number }>>;
  /**
   * Optional: `write` of the same points given as columns (same checks,
   * codes and all-or-nothing; messages name `series[s]`). Callers go
   * through `writeColumns` (write-columns.ts), which falls back to `write`
   * for a store without it.
   */
  writeColumns?(series: readonly SeriesColumns[]): Promise<IoResult<{ written: number }>>;
  /** A query matching nothing is a success with `[]`. */
  query(q: SeriesQuery): Promise<IoResult<Series[]>>;
  /**
   * Optional: `query` answered as columns (identical groups, order and
   * values). Callers go through `queryColumns` (columns.ts), which falls back
   * to `query` for a store without it.
   */
  queryColumns?(q: SeriesQuery): Promise<IoResult<ColumnSeries[]>>;
  /**
   * Min/mean/max/count per window for each asked field, computed by the
   * store (InfluxQL `GROUP BY time`, the embedded store's rollups): a year of
   * a point answers in milliseconds. One entry per asked field, in the asked
   * order (empty columns when it has no value in the range).
   */
  bucketed(q: BucketQuery): Promise<IoResult<FieldBuckets[]>>;
  /** Newest row per group; ties between series at the same newest ts pick one of them. */
  latest(q: LatestQuery): Promise<IoResult<LatestRow[]>>;
  /** What `latest(q)` would visit, without reading values (tests, benchmarks, an operator's question). */
  latestCost(q: LatestQuery): Promise<IoResult<ReadCost>>;
  close(): Promise<void>;
}
