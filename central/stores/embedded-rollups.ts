// Rollups of the embedded store, so trends over months read hundreds of rows
// instead of tens of thousands. For the measurements in ROLLUP_MEASUREMENTS,
// the `rollup` table keeps min, max, sum and count per series, field and
// epoch-aligned window of 10 min, 1 h and 1 d, updated by every write in
// the write's transaction: a new sample adds to its three windows, a sample
// overwritten with another value has its windows recomputed from the
// samples (a minimum cannot be taken back), a re-sent equal value changes
// nothing. A year of one field at 1 per 10 min is then 365 or 8760 rows
// instead of 52,560.
//
// A bucketed read takes, per field, the longest level that divides its
// window: whole rollup windows inside the range come from `rollup`, the
// ragged ends from `sample`, and the partial aggregates are merged per
// window (min of minima, sums of sums and counts). Without a level that
// divides the window, or for another measurement, it groups the samples
// (the same index walk as a raw read). bench/trends.bench.ts measures both.
import type Database from "better-sqlite3";
import type { Measurement } from "../../common/names.ts";
import type { BucketQuery, FieldBuckets } from "./types.ts";

/** Measurements kept as rollups too: the vibration features analysts trend over months. */
export const ROLLUP_MEASUREMENTS: ReadonlySet<Measurement> = new Set<Measurement>(["vibration"]);
/** Rollup windows, ms (10 min, 1 h, 1 d), epoch-aligned. */
export const ROLLUP_LEVELS_MS: readonly number[] = [600_000, 3_600_000, 86_400_000];

export const ROLLUP_SCHEMA = `
CREATE TABLE IF NOT EXISTS rollup (
  series_id INTEGER NOT NULL REFERENCES series(id),
  field TEXT NOT NULL,
  level_ms INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  lo REAL NOT NULL,
  hi REAL NOT NULL,
  total REAL NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (series_id, field, level_ms, bucket)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** Start of the epoch-aligned window of `everyMs` holding `ts` (also right for negative ts). */
const windowStart = (ts: number, everyMs: number): number => ts - (((ts % everyMs) + everyMs) % everyMs);
/** The same in SQL, for a column. */
const windowStartSql = (column: string, everyMs: number): string =>
  `${column} - (((${column} % ${everyMs}) + ${everyMs}) % ${everyMs})`;

/** Partial aggregates of one window: min, max, sum, count. */
type Partial = [number, number, number, number];
/** A window's start and its partial aggregates, as a bucketed SQL read returns them. */
type PartialRow = [number, number, number, number, number];

/** The store's prepared-statement cache (raw mode: rows as arrays). */
export type PreparedRaw = (sql: string) => Database.Statement;

export interface RollupOptions {
  /** Keep rollups at write (false: bucketed reads group the samples; a later opening with them rebuilds). */
  readonly enabled: boolean;
  readonly readOnly: boolean;
}

export class Rollups {
  private readonly enabled: boolean;
  /** Whether reads may use the rollup table (read-only: when the writer keeps it). */
  private readonly usable: boolean;
  /** The write statements (none when opened read-only). */
  private readonly writes: {
    insertSample: Database.Statement;
    changeSample: Database.Statement;
    addTo: Database.Statement;
    recompute: Database.Statement;
  } | null;
  /** Windows of samples overwritten in the current write transaction. */
  private readonly stale = new Map<string, { id: number; field: string; level: number; bucket: number }>();
  /**
   * New samples' contributions per window in the current write transaction, added at its end: a
   * batch of blocks adds to each hour and day window once, not once per sample.
   */
  private readonly pending = new Map<
    string,
    {
      id: number;
      field: string;
      level: number;
      bucket: number;
      lo: number;
      hi: number;
      total: number;
      n: number;
    }
  >();

  constructor(
    private readonly db: Database.Database,
    options: RollupOptions,
    private readonly prepared: PreparedRaw,
  ) {
    this.enabled = options.enabled && !options.readOnly;
    if (!options.readOnly) {
      // Rollups are complete only when every write since the file's creation kept them: a file
      // written before they existed, or with them off, has them rebuilt from its samples.
      if (options.enabled && this.state() !== "1") this.rebuild();
      if (options.enabled) this.setState("1");
      else if (this.state() === "1") this.setState("0");
    }
    this.usable = options.readOnly ? this.state() === "1" : options.enabled;
    this.writes = !this.enabled
      ? null
      : {
          insertSample: db.prepare(
            "INSERT OR IGNORE INTO sample (series_id, field, ts, value) VALUES (?, ?, ?, ?)",
          ),
          changeSample: db.prepare(
            "UPDATE sample SET value = ? WHERE series_id = ? AND field = ? AND ts = ? AND value IS NOT ?",
          ),
          addTo: db.prepare(
            `INSERT INTO rollup (series_id, field, level_ms, bucket, lo, hi, total, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (series_id, field, level_ms, bucket) DO UPDATE SET
               lo = MIN(lo, excluded.lo), hi = MAX(hi, excluded.hi), total = total + excluded.total,
               n = n + excluded.n`,
          ),
          recompute: db.prepare(
            `INSERT OR REPLACE INTO rollup (series_id, field, level_ms, bucket, lo, hi, total, n)
             SELECT @id, @field, @level, @bucket, MIN(value), MAX(value), SUM(value), COUNT(*) FROM sample
             WHERE series_id = @id AND field = @field AND ts >= @bucket AND ts < @bucket + @level`,
          ),
        };
  }

  private state(): string | undefined {
    // A file from before rollups, opened read-only, has no store_meta table.
    const table = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_meta'")
      .get();
    if (table === undefined) return undefined;
    const row = this.db.prepare("SELECT value FROM store_meta WHERE key = 'rollups'").get() as
      | { value: string }
      | undefined;
    return row?.value;
  }

  private setState(value: string): void {
    this.db
      .prepare(
        "INSERT INTO store_meta (key, value) VALUES ('rollups', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      )
      .run(value);
  }

  /** Rollups of every ROLLUP_MEASUREMENTS sample, from scratch, in one transaction. */
  private rebuild(): void {
    const measurements = [...ROLLUP_MEASUREMENTS];
    const inList = measurements.map(() => "?").join(", ");
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM rollup").run();
      for (const level of ROLLUP_LEVELS_MS)
        this.db
          .prepare(
            `INSERT INTO rollup (series_id, field, level_ms, bucket, lo, hi, total, n)
             SELECT series_id, field, ${level}, ${windowStartSql("ts", level)} AS bucket,
                    MIN(value), MAX(value), SUM(value), COUNT(*)
             FROM sample WHERE series_id IN (SELECT id FROM series WHERE measurement IN (${inList}))
             GROUP BY series_id, field, bucket`,
          )
          .run(...measurements);
    })();
  }

  /** Whether samples of this measurement are written through `writeSample`. */
  keeps(measurement: Measurement): boolean {
    return this.enabled && ROLLUP_MEASUREMENTS.has(measurement);
  }

  /** Starts a write transaction's bookkeeping (a failed transaction's leftovers are dropped). */
  begin(): void {
    this.stale.clear();
    this.pending.clear();
  }

  /** One sample and its windows, inside the caller's write transaction. */
  writeSample(id: number, field: string, ts: number, value: number): void {
    const w = this.writes;
    if (w === null) throw new Error("rollups are not kept by this store");
    if (w.insertSample.run(id, field, ts, value).changes > 0) {
      for (const level of ROLLUP_LEVELS_MS) {
        const bucket = windowStart(ts, level);
        const key = `${id}\n${field}\n${level}\n${bucket}`;
        const p = this.pending.get(key);
        if (p === undefined)
          this.pending.set(key, { id, field, level, bucket, lo: value, hi: value, total: value, n: 1 });
        else {
          if (value < p.lo) p.lo = value;
          if (value > p.hi) p.hi = value;
          p.total += value;
          p.n++;
        }
      }
    } else if (w.changeSample.run(value, id, field, ts, value).changes > 0) {
      for (const level of ROLLUP_LEVELS_MS) {
        const bucket = windowStart(ts, level);
        this.stale.set(`${id}\n${field}\n${level}\n${bucket}`, { id, field, level, bucket });
      }
    }
  }

  /** Recomputes the windows of overwritten samples; the last step of the write transaction. */
  commit(): void {
    const w = this.writes;
    // A window with an overwritten sample is recomputed from its samples, which include the new ones.
    for (const [key, p] of this.pending)
      if (!this.stale.has(key)) w?.addTo.run(p.id, p.field, p.level, p.bucket, p.lo, p.hi, p.total, p.n);
    for (const key of this.stale.values()) w?.recompute.run(key);
    this.stale.clear();
    this.pending.clear();
  }

  /** One field's windows over the series `ids`, inside the caller's read transaction. */
  buckets(ids: readonly number[], field: string, q: BucketQuery): FieldBuckets {
    const acc = new Map<number, Partial>();
    const every = q.everyMs;
    const level =
      this.usable && ROLLUP_MEASUREMENTS.has(q.measurement)
        ? [...ROLLUP_LEVELS_MS].reverse().find((l) => every % l === 0)
        : undefined;
    if (ids.length > 0 && q.fromMs < q.toMs) {
      // Whole rollup windows inside the range: [first window start ≥ from, last window start ≤ to).
      const innerFrom = level === undefined ? 0 : -windowStart(-q.fromMs, level);
      const innerTo = level === undefined ? 0 : windowStart(q.toMs, level);
      if (level === undefined || innerFrom >= innerTo)
        this.merge(acc, this.raw(ids, field, q.fromMs, q.toMs, every));
      else {
        if (q.fromMs < innerFrom) this.merge(acc, this.raw(ids, field, q.fromMs, innerFrom, every));
        this.merge(acc, this.rolled(ids, field, level, innerFrom, innerTo, every));
        if (innerTo < q.toMs) this.merge(acc, this.raw(ids, field, innerTo, q.toMs, every));
      }
    }
    const windows = [...acc.keys()].sort((a, b) => a - b);
    const n = windows.length;
    const out: FieldBuckets = {
      field,
      ts: new Float64Array(n),
      min: new Float64Array(n),
      mean: new Float64Array(n),
      max: new Float64Array(n),
      count: new Float64Array(n),
    };
    for (let i = 0; i < n; i++) {
      const [lo, hi, total, count] = acc.get(windows[i]!)!;
      out.ts[i] = windows[i]!;
      out.min[i] = lo;
      out.mean[i] = total / count;
      out.max[i] = hi;
      out.count[i] = count;
    }
    return out;
  }

  private merge(acc: Map<number, Partial>, rows: readonly PartialRow[]): void {
    for (const [w, lo, hi, total, n] of rows) {
      const p = acc.get(w);
      if (!p) acc.set(w, [lo, hi, total, n]);
      else {
        if (lo < p[0]) p[0] = lo;
        if (hi > p[1]) p[1] = hi;
        p[2] += total;
        p[3] += n;
      }
    }
  }

  private raw(ids: readonly number[], field: string, from: number, to: number, every: number): PartialRow[] {
    const inList = ids.map(() => "?").join(",");
    const sql = `SELECT ${windowStartSql("ts", every)} AS w, MIN(value), MAX(value), SUM(value), COUNT(*)
      FROM sample WHERE series_id IN (${inList}) AND field = ? AND ts >= ? AND ts < ? GROUP BY w ORDER BY w`;
    return this.prepared(sql).all(...ids, field, from, to) as PartialRow[];
  }

  private rolled(
    ids: readonly number[],
    field: string,
    level: number,
    from: number,
    to: number,
    every: number,
  ): PartialRow[] {
    const inList = ids.map(() => "?").join(",");
    const sql = `SELECT ${windowStartSql("bucket", every)} AS w, MIN(lo), MAX(hi), SUM(total), SUM(n)
      FROM rollup WHERE series_id IN (${inList}) AND field = ? AND level_ms = ? AND bucket >= ? AND bucket < ?
      GROUP BY w ORDER BY w`;
    return this.prepared(sql).all(...ids, field, level, from, to) as PartialRow[];
  }
}
