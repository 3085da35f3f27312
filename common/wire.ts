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

const TagValue = Type.String({ minLength: 1, maxLength: 128, pattern: "^[^\\n\\r]*$" });
// The pattern carries the length cap too: record keys are checked by pattern only.
const Name = Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z][a-z0-9_]{0,63}$" });

export const WirePointSchema = Type.Object(
  {
    measurement: Type.Union(Measurements.map((m) => Type.Literal(m))),
    // additionalProperties: false, or keys not matching the pattern would pass unchecked.
    tags: Type.Record(Name, TagValue, { additionalProperties: false }),
    /** Finite numbers only (JSON cannot carry NaN/Infinity; null is refused). */
    fields: Type.Record(Name, Type.Number(), { minProperties: 1, additionalProperties: false }),
    /** Unix epoch milliseconds, UTC, taken at the edge. */
    ts: Type.Integer({ minimum: MIN_TIMESTAMP_MS }),
  },
  { additionalProperties: false },
);
export type WirePoint = Static<typeof WirePointSchema>;

export const IngestBatchSchema = Type.Object(
  {
    /** Unique per batch; the same id is re-sent after a lost acknowledgement. */
    batchId: Type.String({ minLength: 8, maxLength: 128, pattern: "^[A-Za-z0-9_.:-]+$" }),
    agent: Type.String({ minLength: 1, maxLength: 128 }),
    site: Type.String({ minLength: 1, maxLength: 128 }),
    /** When the agent sent it, ms (lets central see the agent's clock). */
    sentAt: Type.Integer({ minimum: MIN_TIMESTAMP_MS }),
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
