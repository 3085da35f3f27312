// The columnar ingest body (version 2 of POST /api/v1/ingest's body), sent
// with `Content-Type: application/vnd.vetra.points.v2+json` beside the
// version 1 body (`application/json`, common/wire.ts), which old agents keep
// sending. The same batch, grouped by series: a series' measurement and tags
// and its field names appear once, its timestamps and values as arrays of
// numbers, so neither side builds an object per point (parsing, checking and
// writing a batch cost about what its numbers cost).
//
// Point i of a batch is the i-th timestamp counting through `series` in
// order and through each series' `ts`: a refusal's `index` in
// `error.details.rejected` is that position, as a v1 refusal's is the
// position in `points`. Batch id, de-duplication, acknowledgement and the
// per-point refusals are those of version 1.
import { type Static, Type } from "@sinclair/typebox";
import {
  BatchHeaderProperties,
  MAX_POINTS_PER_BATCH,
  MAX_STORABLE_TIMESTAMP_MS,
  MIN_TIMESTAMP_MS,
  NameSchema,
  WirePointSchema,
} from "./wire.ts";

/** Media type of the version 1 body (a list of point objects). */
export const INGEST_V1_MEDIA_TYPE = "application/json";
/** Media type of the columnar body. */
export const INGEST_V2_MEDIA_TYPE = "application/vnd.vetra.points.v2+json";
/** Field names one series of a v2 body may carry (a measurement has far fewer). */
export const MAX_FIELDS_PER_SERIES = 64;

export const WireSeriesSchema = Type.Object(
  {
    measurement: WirePointSchema.properties.measurement,
    tags: WirePointSchema.properties.tags,
    /** The series' field names, each once; `values[f]` is the column of `fields[f]`. */
    fields: Type.Array(NameSchema, { minItems: 1, maxItems: MAX_FIELDS_PER_SERIES, uniqueItems: true }),
    /** Unix epoch milliseconds, UTC, one per point. */
    ts: Type.Array(Type.Integer({ minimum: MIN_TIMESTAMP_MS, maximum: MAX_STORABLE_TIMESTAMP_MS }), {
      minItems: 1,
      maxItems: MAX_POINTS_PER_BATCH,
    }),
    /**
     * One column per field, as long as `ts`: `values[f][j]` is field f of
     * point j, null when that point has no such field (a point needs one
     * value at least). JSON cannot carry NaN or Infinity.
     */
    values: Type.Array(
      Type.Array(Type.Unsafe<number | null>({ type: ["number", "null"] }), {
        minItems: 1,
        maxItems: MAX_POINTS_PER_BATCH,
      }),
      { minItems: 1, maxItems: MAX_FIELDS_PER_SERIES },
    ),
  },
  { additionalProperties: false },
);
export type WireSeries = Static<typeof WireSeriesSchema>;

export const IngestBatchV2Schema = Type.Object(
  {
    ...BatchHeaderProperties,
    /** Each series (measurement and tags) once. */
    series: Type.Array(WireSeriesSchema, { minItems: 1, maxItems: MAX_POINTS_PER_BATCH }),
  },
  { additionalProperties: false },
);
export type IngestBatchV2 = Static<typeof IngestBatchV2Schema>;

/**
 * What the ingest catalog (`GET /api/v1/ingest/catalog`) adds for the
 * uplink: the media types `POST /api/v1/ingest` accepts. A central without
 * the key accepts version 1 only.
 */
export const IngestFormatsSchema = Type.Array(Type.String({ maxLength: 128 }), { maxItems: 16 });
