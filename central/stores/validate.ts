// Checks both stores apply before writing anything, so they refuse the same
// inputs with the same codes (see TimeSeriesStore.write), and refuse them
// before a byte reaches the store: InfluxDB stores the good lines of a
// request whose other lines it refuses, so anything it would refuse must be
// caught here, for the whole batch.
import type { ErrorCode } from "../../common/errors.ts";
import { MAX_STORABLE_TIMESTAMP_MS, type Point, tagValueProblem } from "../../common/wire.ts";
import { type BucketQuery, MAX_BUCKET_FIELDS, type SeriesColumns, type SeriesQuery } from "./types.ts";

export interface PointProblem {
  code: ErrorCode;
  message: string;
}

/** InfluxDB refuses a tag key or field key named `time` (it is the timestamp column). */
const RESERVED_KEYS = new Set(["time"]);

const keyProblem = (key: string): string | null =>
  RESERVED_KEYS.has(key) ? `"${key}" is reserved by the store` : tagValueProblem(key);

export function checkPoints(points: readonly Point[]): PointProblem | null {
  // A batch repeats a few names and tag values across many points: each string is checked once.
  const checked = new Set<string>();
  const checkedValues = new Set<string>();
  /** A field or tag key's problem, checked the first time the batch names it. */
  const newKeyProblem = (i: number, of: "fields" | "tags", key: string): PointProblem | null => {
    if (checked.has(key)) return null;
    const bad = keyProblem(key);
    if (bad)
      return { code: "VALIDATION_FAILED", message: `points[${i}].${of}: key ${JSON.stringify(key)}: ${bad}` };
    checked.add(key);
    return null;
  };
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    let fieldCount = 0;
    for (const name in p.fields) {
      fieldCount++;
      const value = p.fields[name];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return { code: "INVALID_NUMBER", message: `points[${i}].fields.${name}: not a finite number` };
      }
      const badName = newKeyProblem(i, "fields", name);
      if (badName) return badName;
    }
    if (fieldCount === 0) {
      return { code: "VALIDATION_FAILED", message: `points[${i}].fields: at least one field is required` };
    }
    for (const key in p.tags) {
      const value = p.tags[key]!;
      if (key.length === 0 || value.length === 0) {
        return { code: "VALIDATION_FAILED", message: `points[${i}].tags.${key}: empty tag key or value` };
      }
      const badKey = newKeyProblem(i, "tags", key);
      if (badKey) return badKey;
      // Tag values go in a set of their own: `time` is a reserved key, not a reserved value.
      if (checkedValues.has(value)) continue;
      const badValue = tagValueProblem(value);
      if (badValue) return { code: "VALIDATION_FAILED", message: `points[${i}].tags.${key}: ${badValue}` };
      checkedValues.add(value);
    }
    if (!Number.isSafeInteger(p.ts)) {
      return { code: "INVALID_TIMESTAMP", message: `points[${i}].ts: not an integer of milliseconds` };
    }
    if (p.ts > MAX_STORABLE_TIMESTAMP_MS || p.ts < -MAX_STORABLE_TIMESTAMP_MS) {
      return { code: "INVALID_TIMESTAMP", message: `points[${i}].ts: ${p.ts} is outside the storable range` };
    }
  }
  return null;
}

/** `checkPoints` of columnar series: the same refusals, named by `series[s]`. */
export function checkColumns(series: readonly SeriesColumns[]): PointProblem | null {
  for (let s = 0; s < series.length; s++) {
    const x = series[s]!;
    const at = `series[${s}]`;
    const n = x.ts.length;
    if (x.fields.length === 0 || x.values.length !== x.fields.length)
      return {
        code: "VALIDATION_FAILED",
        message: `${at}: one column of values per field, one field at least`,
      };
    for (const key in x.tags) {
      const value = x.tags[key]!;
      if (key.length === 0 || value.length === 0)
        return { code: "VALIDATION_FAILED", message: `${at}.tags.${key}: empty tag key or value` };
      const bad = keyProblem(key) ?? tagValueProblem(value);
      if (bad) return { code: "VALIDATION_FAILED", message: `${at}.tags.${key}: ${bad}` };
    }
    let nulls = false;
    for (let f = 0; f < x.fields.length; f++) {
      const name = x.fields[f]!;
      const bad = keyProblem(name);
      if (bad)
        return { code: "VALIDATION_FAILED", message: `${at}.fields: key ${JSON.stringify(name)}: ${bad}` };
      const column = x.values[f]!;
      if (column.length !== n)
        return { code: "VALIDATION_FAILED", message: `${at}.values[${f}]: not one value per timestamp` };
      for (let j = 0; j < n; j++) {
        const v = column[j];
        if (v === null) nulls = true;
        else if (typeof v !== "number" || !Number.isFinite(v))
          return {
            code: "INVALID_NUMBER",
            message: `${at}.values[${f}][${j}] (${name}): not a finite number`,
          };
      }
    }
    if (nulls)
      for (let j = 0; j < n; j++) {
        let any = false;
        for (let f = 0; f < x.values.length && !any; f++) any = x.values[f]![j] !== null;
        if (!any)
          return {
            code: "VALIDATION_FAILED",
            message: `${at}: point ${j} has no field; at least one is required`,
          };
      }
    for (let j = 0; j < n; j++) {
      const ts = x.ts[j]!;
      if (!Number.isSafeInteger(ts))
        return { code: "INVALID_TIMESTAMP", message: `${at}.ts[${j}]: not an integer of milliseconds` };
      if (ts > MAX_STORABLE_TIMESTAMP_MS || ts < -MAX_STORABLE_TIMESTAMP_MS)
        return { code: "INVALID_TIMESTAMP", message: `${at}.ts[${j}]: ${ts} is outside the storable range` };
    }
  }
  return null;
}

export function checkQuery(q: SeriesQuery): string | null {
  if (!Number.isSafeInteger(q.fromMs) || !Number.isSafeInteger(q.toMs)) return "fromMs/toMs must be integers";
  if (q.everyMs !== undefined && (!Number.isSafeInteger(q.everyMs) || q.everyMs <= 0)) {
    return "everyMs must be a positive integer";
  }
  return null;
}

export function checkBucketQuery(q: BucketQuery): string | null {
  if (!Number.isSafeInteger(q.fromMs) || !Number.isSafeInteger(q.toMs)) return "fromMs/toMs must be integers";
  if (!Number.isSafeInteger(q.everyMs) || q.everyMs <= 0) return "everyMs must be a positive integer";
  if (q.fields.length === 0 || q.fields.length > MAX_BUCKET_FIELDS)
    return `fields: 1 to ${MAX_BUCKET_FIELDS} names`;
  if (new Set(q.fields).size !== q.fields.length) return "fields: a name is asked twice";
  return null;
}

/**
 * True when a query's tag filter names a value no write could have stored
 * (see tagValueProblem): the answer is empty without asking the store —
 * InfluxQL cannot even carry some of those characters.
 */
export const filterMatchesNothing = (tags: Record<string, string> | undefined): boolean => {
  for (const key in tags) if (tagValueProblem(tags[key]!) !== null || keyProblem(key) !== null) return true;
  return false;
};

/** Canonical tag JSON: keys sorted, so the same tag set always names the same series. */
export function canonicalTags(tags: Record<string, string>): string {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(tags).sort()) sorted[key] = tags[key]!;
  return JSON.stringify(sorted);
}
