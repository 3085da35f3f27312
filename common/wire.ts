// The wire format between edge agent and central (POST /api/v1/ingest).
// A batch is the unit of acknowledgement: central answers 200 only once the
// store has durably accepted every point, and a re-sent batch (same id,
// same points) must not create duplicates — stores key points by
// measurement + tags + field + timestamp.
import { type Static, Type } from "@sinclair/typebox";
import { Measurements } from "./names.ts";

/** Earliest timestamp accepted anywhere (2000-01-01T00:00:00Z), ms. */
export const MIN_TIMESTAMP_MS = 946_684_800_000;
/** How far ahead of central's clock a point may be, ms. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
export const MAX_POINTS_PER_BATCH = 50_000;
/**
 * A `diagnosis` point not re-confirmed by the edge for this long no longer
 * counts as active at central; the edge re-sends active ones more often.
 */
export const DIAGNOSIS_ACTIVE_MS = 3_600_000;
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Latest timestamp any store can hold, ms: InfluxDB keeps nanoseconds in a
 * signed 64-bit integer (up to 2262-04-11), so a later one is refused at
 * validation rather than by the store after part of a batch was written.
 */
export const MAX_STORABLE_TIMESTAMP_MS = 9_223_372_036_854;

/**
 * Characters a tag value may not hold, decided per character so that both
 * stores keep exactly what was sent (InfluxDB line protocol,
 * https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/#special-characters):
 * - comma, space, equals sign: allowed, escaped by the line-protocol writer;
 * - backslash: refused. InfluxDB 1.x keeps a backslash literally except
 *   before a comma, space or equals sign (then it is an escape) and cannot
 *   end a tag value with one; 2.x reads `\\` as one backslash. No escaping
 *   stores `a\` or `a\,b` faithfully on every version;
 * - control characters U+0000–U+001F and U+007F (newline, CR, tab, NUL…):
 *   refused. A line break ends a line-protocol line, and InfluxQL string
 *   literals cannot carry NUL, CR or LF, so such a value could be written
 *   but never queried;
 * - unpaired UTF-16 surrogates (a JSON `\ud800` escape): refused, they have
 *   no UTF-8 form. Bytes that are not UTF-8 never reach this check: the JSON
 *   body is decoded as UTF-8 and they arrive as U+FFFD, which is kept.
 */
export const TAG_VALUE_PATTERN = "^[^\\u0000-\\u001f\\u007f\\\\]*$";
/** Why a tag value cannot be stored, or null when it can (see TAG_VALUE_PATTERN). */
export function tagValueProblem(value: string): string | null {
  if (value.length === 0) return "empty";
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f)
      return `control character U+${c.toString(16).toUpperCase().padStart(4, "0")} is not allowed`;
    if (c === 0x5c) return "a backslash cannot be stored faithfully (InfluxDB line protocol)";
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = value.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
      else return "not well-formed Unicode (unpaired surrogate)";
    }
  }
  return null;
}

export const TagValueSchema = Type.String({ minLength: 1, maxLength: 128, pattern: TAG_VALUE_PATTERN });
const TagValue = TagValueSchema;
// The pattern carries the length cap too: record keys are checked by pattern only.
export const NameSchema = Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z][a-z0-9_]{0,63}$" });

export const WirePointSchema = Type.Object(
  {
    measurement: Type.Union(Measurements.map((m) => Type.Literal(m))),
    // additionalProperties: false, or keys not matching the pattern would pass unchecked.
    tags: Type.Record(NameSchema, TagValue, { additionalProperties: false }),
    /** Finite numbers only (JSON cannot carry NaN/Infinity; null is refused). */
    fields: Type.Record(NameSchema, Type.Number(), { minProperties: 1, additionalProperties: false }),
    /** Unix epoch milliseconds, UTC, taken at the edge. */
    ts: Type.Integer({ minimum: MIN_TIMESTAMP_MS, maximum: MAX_STORABLE_TIMESTAMP_MS }),
  },
  { additionalProperties: false },
);
export type WirePoint = Static<typeof WirePointSchema>;

/** What every ingest batch opens with, in either encoding (points here, columns in wire-columns.ts). */
export const BatchHeaderProperties = {
  /** Unique per batch; the same id is re-sent after a lost acknowledgement. */
  batchId: Type.String({ minLength: 8, maxLength: 128, pattern: "^[A-Za-z0-9_.:-]+$" }),
  agent: Type.String({ minLength: 1, maxLength: 128 }),
  site: Type.String({ minLength: 1, maxLength: 128 }),
  /** When the agent sent it, ms (lets central see the agent's clock). */
  sentAt: Type.Integer({ minimum: MIN_TIMESTAMP_MS }),
};

export const IngestBatchSchema = Type.Object(
  {
    ...BatchHeaderProperties,
    points: Type.Array(WirePointSchema, { minItems: 1, maxItems: MAX_POINTS_PER_BATCH }),
  },
  { additionalProperties: false },
);
export type IngestBatch = Static<typeof IngestBatchSchema>;

export const IngestAckSchema = Type.Object({
  batchId: Type.String(),
  accepted: Type.Integer(),
  duplicate: Type.Boolean(),
});
export type IngestAck = Static<typeof IngestAckSchema>;

/** A time-series point as stores keep it: the wire point itself. */
export type Point = WirePoint;
