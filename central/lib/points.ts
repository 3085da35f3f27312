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

/** The first reason central refuses this point, or null. `nowMs`: central's clock. */
export function pointProblem(point: Point, nowMs: number): PointProblem | null {
  const ts = point.ts;
  if (!Number.isSafeInteger(ts))
    return { code: "INVALID_TIMESTAMP", message: `ts: ${ts} is not a whole number of milliseconds` };
  if (ts < MIN_TIMESTAMP_MS)
    return { code: "INVALID_TIMESTAMP", message: `ts: ${iso(ts)} is before ${iso(MIN_TIMESTAMP_MS)}` };
  if (ts > nowMs + MAX_FUTURE_SKEW_MS)
    return { code: "INVALID_TIMESTAMP", message: `ts: ${iso(ts)} is ahead of central's clock` };
  for (const name in point.fields) {
    const value = point.fields[name]!;
    if (typeof value !== "number" || !Number.isFinite(value))
      return { code: "INVALID_NUMBER", message: `fields.${name}: not finite` };
    if (Math.abs(value) > MAX_FIELD_MAGNITUDE)
      return {
        code: "INVALID_NUMBER",
        message: `fields.${name}: ${value} is out of range (±${MAX_FIELD_MAGNITUDE})`,
      };
    const bounds = FieldBounds.get(`${point.measurement}.${name}`);
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
  }
  for (const key in point.tags) {
    const bad = tagValueProblem(point.tags[key]!);
    if (bad) return { code: "VALIDATION_FAILED", message: `tags.${key}: ${bad}` };
  }
  return null;
}
