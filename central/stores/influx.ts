// InfluxDB through its v1-compatible HTTP API (`/write` with line protocol,
// `/query` with InfluxQL), which InfluxDB 1.x, 2.x (v1 compatibility) and
// 3.x all serve — so one implementation covers them, with plain `fetch`.
import type { ErrorCode } from "../../common/errors.ts";
import { failure, type IoResult, retryable, success } from "../../common/result.ts";
import { MAX_STORABLE_TIMESTAMP_MS } from "../../common/wire.ts";
import { linesOfColumns, SeriesCache, toLine } from "./line-protocol.ts";
import type { FieldBuckets, LatestQuery, LatestRow, Series, SeriesQuery, TimeSeriesStore } from "./types.ts";
import {
  canonicalTags,
  checkBucketQuery,
  checkColumns,
  checkPoints,
  checkQuery,
  filterMatchesNothing,
} from "./validate.ts";

export interface InfluxStoreOptions {
  url: string;
  database: string;
  /** InfluxDB 2.x/3.x token → `Authorization: Token …`. */
  token?: string;
  /** InfluxDB 1.x credentials → `u` / `p` query parameters. */
  username?: string;
  password?: string;
  timeoutMs?: number;
  /** Whether to issue `CREATE DATABASE` (idempotent in 1.x) before the first use. */
  createDatabase?: boolean;
}

const RETRY_AFTER_MS = 2000;
const AUTH_RETRY_MS = 30_000;

/**
 * InfluxQL escapes (influxql scanner): inside quotes a backslash escapes
 * `\\`, the quote and `n` (a line feed); any other control character cannot
 * be carried, and callers never send one (filterMatchesNothing).
 */
const escapeQuoted = (text: string, quote: string): string =>
  text.replace(/\\/g, "\\\\").replace(new RegExp(quote, "g"), `\\${quote}`).replace(/\n/g, "\\n");
/** InfluxQL identifier: double-quoted, with `\`, `"` and line feeds escaped. */
export const quoteIdent = (name: string): string => `"${escapeQuoted(name, '"')}"`;
/** InfluxQL string literal: single-quoted, with `\`, `'` and line feeds escaped. */
export const quoteString = (value: string): string => `'${escapeQuoted(value, "'")}'`;

/**
 * What a 4xx partial write means. InfluxDB stores the lines it accepts and
 * drops the others, answering 400 `partial write: <reason> dropped=N`.
 * Validation (validate.ts) is meant to refuse every line InfluxDB would
 * refuse for its content, so a partial write is either such a line after
 * all (unparseable, a reserved key, beyond the retention policy: re-sending
 * cannot help, so the batch is refused, 400) or the database's own state (a
 * field stored with another type by some other writer, a series or
 * tag-value limit): kept queued at the edge and retried until an operator
 * fixes it. A re-sent batch rewrites the points it already stored with the
 * same values (points are keyed by measurement + tags + field + ts), so a
 * retry never duplicates anything.
 */
const CONTENT_REFUSALS =
  /unable to parse|invalid field name|invalid tag key|beyond retention policy|time outside range/i;

const RETENTION_RECHECK_MS = 60_000;
/** Points this close to the retention boundary are refused too: InfluxDB checks against its own clock. */
const RETENTION_MARGIN_MS = 60_000;

/** A Go duration as InfluxDB prints it (`168h0m0s`, `30m0s`, `0s`) → ms; 0 when unreadable. */
export const goDurationMs = (text: string): number => {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  if (!m || text === "") return 0;
  return (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
};

/** Time bounds InfluxQL accepts (int64 nanoseconds), in ms. */
const clampTime = (ms: number): number =>
  Math.max(-MAX_STORABLE_TIMESTAMP_MS, Math.min(MAX_STORABLE_TIMESTAMP_MS, ms));

interface InfluxSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: (number | string | boolean | null)[][];
}
interface InfluxResponse {
  results?: { statement_id?: number; series?: InfluxSeries[]; error?: string }[];
  error?: string;
}

type HttpOutcome = { kind: "ok"; status: number; body: string } | IoResult<never>;

export function openInfluxStore(options: InfluxStoreOptions): TimeSeriesStore {
  const base = options.url.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 10_000;
  let databaseEnsured = options.createDatabase === false;

  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...extra,
    ...(options.token ? { Authorization: `Token ${options.token}` } : {}),
  });
  const params = (extra: Record<string, string>): string => {
    const p = new URLSearchParams(extra);
    if (options.username !== undefined) p.set("u", options.username);
    if (options.password !== undefined) p.set("p", options.password);
    return p.toString();
  };

  const request = async (
    path: string,
    init: { method: "GET" | "POST"; body?: string; contentType?: string },
    failCode: ErrorCode,
  ): Promise<HttpOutcome> => {
    let res: Response;
    let body: string;
    try {
      res = await fetch(`${base}${path}`, {
        method: init.method,
        headers: headers(init.contentType ? { "Content-Type": init.contentType } : {}),
        ...(init.body !== undefined ? { body: init.body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await res.text();
    } catch (error) {
      // Connection refused, DNS, reset, timeout: the server may come back.
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return retryable("STORE_UNAVAILABLE", `influx ${path.split("?")[0]}: ${cause ?? what}`, RETRY_AFTER_MS);
    }
    const said = `influx answered ${res.status}: ${body.slice(0, 300)}`;
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      const after = Number(res.headers.get("retry-after"));
      return retryable(
        /no space left on device/i.test(body) ? "STORAGE_FULL" : "STORE_UNAVAILABLE",
        said,
        Number.isFinite(after) && after > 0 ? after * 1000 : RETRY_AFTER_MS,
      );
    }
    const writing = failCode === "STORE_REFUSED_BATCH";
    if (writing && (res.status === 401 || res.status === 403 || res.status === 404)) {
      // Credentials or database missing on *our* side: an operator fixes that, and
      // meanwhile the edge must keep the batch queued rather than dead-letter it.
      return retryable("STORE_UNAVAILABLE", said, AUTH_RETRY_MS);
    }
    if (writing && /partial write/i.test(body) && !CONTENT_REFUSALS.test(body)) {
      return retryable("STORE_UNAVAILABLE", said, AUTH_RETRY_MS);
    }
    if (res.status >= 400) return failure(failCode, said);
    return { kind: "ok", status: res.status, body };
  };

  const runQuery = async (q: string, method: "GET" | "POST" = "GET"): Promise<IoResult<InfluxResponse>> => {
    const query = params({ db: options.database, epoch: "ms", q });
    const outcome = await request(`/query?${query}`, { method }, "QUERY_FAILED");
    if (outcome.kind !== "ok") return outcome;
    let parsed: InfluxResponse;
    try {
      parsed = JSON.parse(outcome.body) as InfluxResponse;
    } catch {
      return failure("QUERY_FAILED", `influx answered non-JSON: ${outcome.body.slice(0, 200)}`);
    }
    if (parsed.error) return failure("QUERY_FAILED", `influx: ${parsed.error}`);
    const statementError = parsed.results?.find((r) => r.error)?.error;
    if (statementError) return failure("QUERY_FAILED", `influx: ${statementError}`);
    return success(parsed);
  };

  /** Best effort: 2.x/3.x refuse CREATE DATABASE (buckets are made there), which is fine. */
  const ensureDatabase = async (): Promise<void> => {
    if (databaseEnsured) return;
    const r = await runQuery(`CREATE DATABASE ${quoteIdent(options.database)}`, "POST");
    if (r.kind !== "retryable") databaseEnsured = true;
  };

  const isDatabaseMissing = (r: IoResult<unknown>): boolean =>
    r.kind !== "success" && /database not found/i.test(r.message);

  const tagFilter = (tags: Record<string, string> | undefined): string[] =>
    Object.entries(tags ?? {}).map(([k, v]) => `${quoteIdent(k)} = ${quoteString(v)}`);

  const groupTags = (tags: Record<string, string> | undefined): Record<string, string> => {
    const out: Record<string, string> = {};
    // InfluxDB reports an absent group-by tag as ""; the interface leaves it out.
    for (const [k, v] of Object.entries(tags ?? {})) if (v !== "") out[k] = v;
    return out;
  };

  /**
   * The newest row of every series of the measurement the tags select:
   * grouped by every tag so each underlying series answers its own, then the
   * newest per requested group is kept. InfluxDB finds the series through its
   * tag index, so the tags bound what is read.
   */
  const latestText = (q: LatestQuery): string => {
    const where = tagFilter(q.tags);
    return (
      `SELECT *::field FROM ${quoteIdent(q.measurement)}` +
      (where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "") +
      " GROUP BY * ORDER BY time DESC LIMIT 1"
    );
  };

  /**
   * The default retention policy's duration, ms (0: kept forever or not
   * known — InfluxDB 2.x/3.x may not answer SHOW RETENTION POLICIES), read
   * at most once a minute. InfluxDB drops points older than it from a write
   * and stores the rest (a partial write), so such points are refused
   * before the batch is sent.
   */
  let retention: { ms: number; readAtMs: number } | null = null;
  const retentionMs = async (): Promise<number> => {
    const now = Date.now();
    if (retention && now - retention.readAtMs < RETENTION_RECHECK_MS) return retention.ms;
    const r = await runQuery(`SHOW RETENTION POLICIES ON ${quoteIdent(options.database)}`);
    if (r.kind !== "success") return 0;
    const s = r.value.results?.[0]?.series?.[0];
    const durationAt = s?.columns.indexOf("duration") ?? -1;
    const defaultAt = s?.columns.indexOf("default") ?? -1;
    const row = s?.values?.find((v) => v[defaultAt] === true);
    const ms = row && durationAt >= 0 ? goDurationMs(String(row[durationAt])) : 0;
    retention = { ms, readAtMs: now };
    return ms;
  };

  /**
   * The whole batch in one request: InfluxDB applies a request's lines
   * together or answers which it dropped (see CONTENT_REFUSALS), so a batch
   * is never split into requests of which the first could be stored and the
   * second refused. Callers keep batches within MAX_POINTS_PER_BATCH
   * (≈ 7 MB of lines, under InfluxDB's default 25 MB body limit).
   */
  const writeLines = async (body: string): Promise<IoResult<void>> => {
    const path = `/write?${params({ db: options.database, precision: "ms" })}`;
    const outcome = await request(
      path,
      { method: "POST", body, contentType: "text/plain; charset=utf-8" },
      "STORE_REFUSED_BATCH",
    );
    if (outcome.kind !== "ok") return outcome;
    return success(undefined);
  };

  /** The refusal of a batch holding a point InfluxDB would drop for its age; `oldest` names such a point. */
  const retentionProblem = async (
    oldest: (oldestMs: number) => string | null,
  ): Promise<IoResult<never> | null> => {
    await ensureDatabase();
    const keepMs = await retentionMs();
    if (keepMs <= 0) return null;
    const where = oldest(Date.now() - keepMs + RETENTION_MARGIN_MS);
    if (where === null) return null;
    return failure(
      "STORE_REFUSED_BATCH",
      `${where}: older than the database's retention policy (${keepMs / 3_600_000} h); InfluxDB would drop it`,
    );
  };

  const writeBody = async (body: string, count: number): Promise<IoResult<{ written: number }>> => {
    let r = await writeLines(body);
    if (isDatabaseMissing(r)) {
      databaseEnsured = false;
      await ensureDatabase();
      r = await writeLines(body);
    }
    if (r.kind !== "success") return r;
    return success({ written: count });
  };

  return {
    kind: "influx",

    async ping() {
      const outcome = await request("/ping", { method: "GET" }, "STORE_UNAVAILABLE");
      if (outcome.kind !== "ok") return outcome;
      return success(undefined);
    },

    async write(points) {
      const problem = checkPoints(points);
      if (problem) return failure(problem.code, problem.message);
      if (points.length === 0) return success({ written: 0 });
      const seriesCache = new SeriesCache();
      const lines: string[] = new Array(points.length);
      for (let i = 0; i < points.length; i++) lines[i] = toLine(points[i]!, seriesCache);
      const tooOld = await retentionProblem((oldestMs) => {
        for (let i = 0; i < points.length; i++) if (points[i]!.ts < oldestMs) return `points[${i}].ts`;
        return null;
      });
      if (tooOld) return tooOld;
      return writeBody(lines.join("\n"), points.length);
    },

    async writeColumns(series) {
      const problem = checkColumns(series);
      if (problem) return failure(problem.code, problem.message);
      let count = 0;
      for (const s of series) count += s.ts.length;
      if (count === 0) return success({ written: 0 });
      const body = linesOfColumns(series);
      const tooOld = await retentionProblem((oldestMs) => {
        for (let s = 0; s < series.length; s++) {
          const ts = series[s]!.ts;
          for (let j = 0; j < ts.length; j++) if (ts[j]! < oldestMs) return `series[${s}].ts[${j}]`;
        }
        return null;
      });
      if (tooOld) return tooOld;
      return writeBody(body, count);
    },

    async query(q: SeriesQuery) {
      const bad = checkQuery(q);
      if (bad) return failure("QUERY_FAILED", bad);
      if (filterMatchesNothing(q.tags) || q.fromMs >= q.toMs) return success([]);
      const aggregate = q.aggregate ?? (q.everyMs !== undefined ? "mean" : undefined);
      const fieldExpr = aggregate
        ? `${aggregate.toUpperCase()}(${quoteIdent(q.field)})`
        : quoteIdent(q.field);
      const where = [
        `time >= ${clampTime(q.fromMs)}ms`,
        `time < ${clampTime(q.toMs)}ms`,
        ...tagFilter(q.tags),
      ].join(" AND ");
      const groupBy = [
        ...(q.everyMs !== undefined ? [`time(${q.everyMs}ms)`] : []),
        ...(q.groupBy ?? []).map(quoteIdent),
      ];
      const text =
        `SELECT ${fieldExpr} AS "value" FROM ${quoteIdent(q.measurement)} WHERE ${where}` +
        (groupBy.length > 0 ? ` GROUP BY ${groupBy.join(", ")}` : "") +
        (q.everyMs !== undefined ? " fill(none)" : "");
      await ensureDatabase();
      const r = await runQuery(text);
      if (isDatabaseMissing(r)) return success([]);
      if (r.kind !== "success") return r;
      const out: Series[] = [];
      for (const s of r.value.results?.[0]?.series ?? []) {
        const valueAt = s.columns.indexOf("value");
        const points: Series["points"] = [];
        for (const row of s.values ?? []) {
          const ts = row[0];
          const value = row[valueAt];
          if (typeof ts !== "number" || typeof value !== "number") continue;
          // A whole-range aggregate is stamped at the range start, whatever InfluxDB's selector returns.
          points.push({ ts: aggregate && q.everyMs === undefined ? q.fromMs : ts, value });
        }
        if (points.length > 0) out.push({ tags: groupTags(s.tags), points });
      }
      out.sort((a, b) => (canonicalTags(a.tags) < canonicalTags(b.tags) ? -1 : 1));
      return success(out);
    },

    async bucketed(q) {
      const bad = checkBucketQuery(q);
      if (bad) return failure("QUERY_FAILED", bad);
      const empty = (field: string): FieldBuckets => ({
        field,
        ts: new Float64Array(0),
        min: new Float64Array(0),
        mean: new Float64Array(0),
        max: new Float64Array(0),
        count: new Float64Array(0),
      });
      if (filterMatchesNothing(q.tags) || q.fromMs >= q.toMs) return success(q.fields.map(empty));
      // One statement for every field: InfluxDB reads each field's column once per window.
      const select = q.fields
        .map((f) => {
          const c = quoteIdent(f);
          return `MIN(${c}), MEAN(${c}), MAX(${c}), COUNT(${c})`;
        })
        .join(", ");
      const where = [
        `time >= ${clampTime(q.fromMs)}ms`,
        `time < ${clampTime(q.toMs)}ms`,
        ...tagFilter(q.tags),
      ].join(" AND ");
      const text =
        `SELECT ${select} FROM ${quoteIdent(q.measurement)} WHERE ${where}` +
        ` GROUP BY time(${q.everyMs}ms) fill(none)`;
      await ensureDatabase();
      const r = await runQuery(text);
      if (isDatabaseMissing(r)) return success(q.fields.map(empty));
      if (r.kind !== "success") return r;
      const rows = r.value.results?.[0]?.series?.[0]?.values ?? [];
      return success(
        q.fields.map((field, f) => {
          // Columns: time, then min, mean, max, count of each field in the asked order.
          const at = 1 + 4 * f;
          const kept = rows.filter((row) => {
            const n = row[at + 3];
            return typeof row[0] === "number" && typeof n === "number" && n > 0;
          });
          const column = (k: number) => Float64Array.from(kept, (row) => Number(row[k]));
          return {
            field,
            ts: column(0),
            min: column(at),
            mean: column(at + 1),
            max: column(at + 2),
            count: column(at + 3),
          };
        }),
      );
    },

    async latest(q: LatestQuery) {
      if (filterMatchesNothing(q.tags)) return success([]);
      await ensureDatabase();
      const r = await runQuery(latestText(q));
      if (isDatabaseMissing(r)) return success([]);
      if (r.kind !== "success") return r;
      const best = new Map<string, LatestRow & { order: string }>();
      for (const s of r.value.results?.[0]?.series ?? []) {
        const row = s.values?.[0];
        if (!row || typeof row[0] !== "number") continue;
        const fields: Record<string, number> = {};
        s.columns.forEach((column, i) => {
          const v = row[i];
          if (i > 0 && typeof v === "number") fields[column] = v;
        });
        if (Object.keys(fields).length === 0) continue;
        const all = groupTags(s.tags);
        const tags: Record<string, string> = {};
        for (const key of q.groupBy) if (all[key] !== undefined) tags[key] = all[key];
        const key = canonicalTags(tags);
        const order = canonicalTags(all);
        const current = best.get(key);
        if (!current || row[0] > current.ts || (row[0] === current.ts && order > current.order)) {
          best.set(key, { tags, ts: row[0], fields, order });
        }
      }
      return success(
        [...best.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([, { tags, ts, fields }]) => ({ tags, ts, fields })),
      );
    },

    async latestCost(q: LatestQuery) {
      await ensureDatabase();
      const r = await runQuery(`EXPLAIN ${latestText(q)}`);
      if (isDatabaseMissing(r)) return success({ series: 0, plan: [] });
      if (r.kind !== "success") return r;
      const plan = (r.value.results?.[0]?.series?.[0]?.values ?? []).map((row) => String(row[0] ?? ""));
      let series = 0;
      for (const line of plan) {
        const m = /^NUMBER OF SERIES: (\d+)$/.exec(line);
        if (m) series += Number(m[1]);
      }
      return success({ series, plan });
    },

    async close() {
      // Stateless HTTP; nothing to release.
    },
  };
}
