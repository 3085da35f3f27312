// What central checks of every point at its door, beyond the wire schema:
// times between 2000 and a few minutes ahead of central's clock, finite
// values within MAX_FIELD_MAGNITUDE and the physical bounds of their field
// (common/names.ts, FieldBounds), tag values a store keeps faithfully. One
// function, used by ingest for every point of a batch and by `vetra
// import` for every row of a file, so history and live data meet the same
// rules.
import type { ErrorCode } from "../../common/errors.ts";
import { FieldBounds, MAX_FIELD_MAGNITUDE } from "../../common/names.ts";
import { MAX_FUTURE_SKEW_MS, MIN_TIMESTAMP_MS, type Point, tagValueProblem } from "../../common/wire.ts";

export interface PointProblem {
  code: ErrorCode;
  /** Names the key within the point (`ts: …`, `fields.energy_kwh: …`); the caller says which point or line. */
  message: string;
}

const iso = (ms: number): string =>
  Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);

/** Each measurement's field bounds by field name: looked up per field of every point, without building a key. */
const boundsByMeasurement = new Map<string, Map<string, { readonly min?: number; readonly max?: number }>>();
for (const [key, bounds] of FieldBounds) {
  const dot = key.indexOf(".");
  const measurement = key.slice(0, dot);
  let fields = boundsByMeasurement.get(measurement);
  if (!fields) {
    fields = new Map();
    boundsByMeasurement.set(measurement, fields);
  }
  fields.set(key.slice(dot + 1), bounds);
}

/** `measurement`'s field `name`'s physical bounds, if it has any (common/names.ts, FieldBounds). */
export const fieldBoundsOf = (
  measurement: string,
  name: string,
): { readonly min?: number; readonly max?: number } | undefined =>
  boundsByMeasurement.get(measurement)?.get(name);

/** Why central refuses a point's time, or null. */
export function timestampProblem(ts: number, nowMs: number): PointProblem | null {
  if (!Number.isSafeInteger(ts))
    return { code: "INVALID_TIMESTAMP", message: `ts: ${ts} is not a whole number of milliseconds` };
  if (ts < MIN_TIMESTAMP_MS)
    return { code: "INVALID_TIMESTAMP", message: `ts: ${iso(ts)} is before ${iso(MIN_TIMESTAMP_MS)}` };
  if (ts > nowMs + MAX_FUTURE_SKEW_MS)
    return { code: "INVALID_TIMESTAMP", message: `ts: ${iso(ts)} is ahead of central's clock` };
  return null;
}

/** Why central refuses a value of `measurement`'s field `name`, or null. */
export function fieldValueProblem(measurement: string, name: string, value: unknown): PointProblem | null {
  if (typeof value !== "number" || !Number.isFinite(value))
    return { code: "INVALID_NUMBER", message: `fields.${name}: not finite` };
  if (Math.abs(value) > MAX_FIELD_MAGNITUDE)
    return {
      code: "INVALID_NUMBER",
      message: `fields.${name}: ${value} is out of range (±${MAX_FIELD_MAGNITUDE})`,
    };
  const bounds = boundsByMeasurement.get(measurement)?.get(name);
  if (bounds?.min !== undefined && value < bounds.min)
    return {
      code: "INVALID_NUMBER",
      message: `fields.${name}: ${value} is below its physical minimum ${bounds.min}`,
    };
  if (bounds?.max !== undefined && value > bounds.max)
    return {
      code: "INVALID_NUMBER",
      message: `fields.${name}: ${value} is above its physical maximum ${bounds.max}`,
    };
  return null;
}

/** Why central refuses a point's tag values (a store must keep them faithfully), or null. */
export function tagValuesProblem(tags: Readonly<Record<string, string>>): PointProblem | null {
  for (const key in tags) {
    const bad = tagValueProblem(tags[key]!);
    if (bad) return { code: "VALIDATION_FAILED", message: `tags.${key}: ${bad}` };
  }
  return null;
}

/** The first reason central refuses this point, or null. `nowMs`: central's clock. */
export function pointProblem(point: Point, nowMs: number): PointProblem | null {
  const late = timestampProblem(point.ts, nowMs);
  if (late) return late;
  for (const name in point.fields) {
    const bad = fieldValueProblem(point.measurement, name, point.fields[name]);
    if (bad) return bad;
  }
  return tagValuesProblem(point.tags);
}
