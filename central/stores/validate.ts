// Checks both stores apply before writing anything, so they refuse the same
// inputs with the same codes (see TimeSeriesStore.write).
import type { ErrorCode } from "../../common/errors.ts";
import type { Point } from "../../common/wire.ts";
import { type BucketQuery, MAX_BUCKET_FIELDS, type SeriesQuery } from "./types.ts";

export interface PointProblem {
  code: ErrorCode;
  message: string;
}

export function checkPoints(points: readonly Point[]): PointProblem | null {
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const fieldNames = Object.keys(p.fields);
    if (fieldNames.length === 0) {
      return { code: "VALIDATION_FAILED", message: `points[${i}].fields: at least one field is required` };
    }
    for (const name of fieldNames) {
      const value = p.fields[name];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return { code: "INVALID_NUMBER", message: `points[${i}].fields.${name}: not a finite number` };
      }
    }
    for (const [key, value] of Object.entries(p.tags)) {
      if (key.length === 0 || value.length === 0) {
        return { code: "VALIDATION_FAILED", message: `points[${i}].tags.${key}: empty tag key or value` };
      }
    }
    if (!Number.isSafeInteger(p.ts)) {
      return { code: "INVALID_TIMESTAMP", message: `points[${i}].ts: not an integer of milliseconds` };
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

/** Canonical tag JSON: keys sorted, so the same tag set always names the same series. */
export function canonicalTags(tags: Record<string, string>): string {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(tags).sort()) sorted[key] = tags[key]!;
  return JSON.stringify(sorted);
}
