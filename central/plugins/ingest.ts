// POST /api/v1/ingest: edge agents' batches. All-or-nothing: every point is
// checked before anything is written, and 200 is sent only once the store
// has durably accepted every point (the edge then drops the batch from its
// disk queue). A point is refused when the site's configuration does not
// know its names (common/catalog.ts: asset, measuring point, field, fault,
// tag key), when it lies ahead of central's clock, or when it would start a
// series past the site's cap; the answer (400) then lists every refused
// point by its index in `error.details.rejected`, nothing of the request is
// stored, and the agent re-sends the others at once.
//
// GET /api/v1/ingest/catalog tells an agent what central accepts for its
// site, so it can refuse a misconfigured source before queueing its points.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import {
  type CatalogIndex,
  checkFieldNames,
  checkSeries,
  IngestCatalogSchema,
  type PointRefusal,
} from "../../common/catalog.ts";
import { CodedError, type Rejection } from "../../common/errors.ts";
import type { IoResult } from "../../common/result.ts";
import { IngestAckSchema, type IngestBatch, IngestBatchSchema, type WirePoint } from "../../common/wire.ts";
import {
  INGEST_V1_MEDIA_TYPE,
  INGEST_V2_MEDIA_TYPE,
  type IngestBatchV2,
  IngestBatchV2Schema,
  IngestFormatsSchema,
} from "../../common/wire-columns.ts";
import type { CentralDeps } from "../deps.ts";
import { ApiError, errorResponses, principalOf } from "../http.ts";
import { gunzipBody } from "../lib/gzip-body.ts";
import { fieldValueProblem, tagValuesProblem, timestampProblem } from "../lib/points.ts";
import { columnsShapeProblem, pointsOf, refusedColumns } from "../lib/points-columns.ts";
import { seriesKeyOf } from "../lib/series-key.ts";
import { SeriesTrie } from "../lib/series-trie.ts";
import { isStorageFull } from "../lib/storage.ts";
import { catalogOf } from "../meta/catalog.ts";
import type { FleetIndex, Principal } from "../meta/meta.ts";
import { writeColumns } from "../stores/write-columns.ts";
import { mediaTypeOf, parseColumnsBody } from "./ingest-columns.ts";

export { gunzipBody };

/**
 * The 400 of a request some of whose items were refused: the first
 * refusal's code and message, and every refusal in `details.rejected`.
 */
export function rejectionError(rejected: readonly Rejection[], what = "points"): CodedError {
  const first = rejected[0]!;
  const more = rejected.length > 1 ? ` (and ${rejected.length - 1} more of the ${what} refused)` : "";
  return new CodedError(first.code, `${first.message}${more}`, { rejected });
}

/** The catalog a principal writes against: an agent's site's, or (admin) the named site's. */
export function catalogFor(
  fleet: FleetIndex,
  principal: Principal,
  site: string | undefined,
): CatalogIndex | null {
  const wanted = principal.role === "agent" ? principal.site : site;
  if (wanted === null || wanted === undefined) return null;
  return catalogOf(fleet, wanted)?.index ?? null;
}

/** What a batch's check found of one series (measurement and tags): the same for all its points. */
interface SeriesVerdict {
  /** seriesKeyOf of its points. */
  readonly key: string;
  readonly names: PointRefusal | null;
  readonly values: PointRefusal | null;
}

/**
 * Every refused point of a batch with why, by index (empty: all accepted).
 * Points an agent writes are checked against its site's catalog; an admin
 * may write any configured site, each point against its own site's.
 * `seriesKeys`, when given, receives each point's series key (seriesKeyOf).
 */
export function refusedPoints(
  fleet: FleetIndex,
  principal: Principal,
  points: readonly WirePoint[],
  nowMs: number,
  seriesKeys?: string[],
): Rejection[] {
  const rejected: Rejection[] = [];
  const own = principal.role === "agent" ? catalogFor(fleet, principal, undefined) : null;
  // An admin writes any site: each site's catalog looked up once per request.
  const bySite = new Map<string | undefined, CatalogIndex | null>();
  const catalogOf = (site: string | undefined): CatalogIndex | null => {
    let index = bySite.get(site);
    if (index === undefined) {
      index = catalogFor(fleet, principal, site);
      bySite.set(site, index);
    }
    return index;
  };
  // A batch holds few series and many points: what depends only on the series (its names against
  // the catalog, its tag values, its key) is worked out once per series.
  const verdicts = new SeriesTrie<SeriesVerdict>();
  const refuse = (i: number, refusal: PointRefusal): void => {
    rejected.push({ index: i, code: refusal.code, message: `points[${i}].${refusal.message}` });
  };
  // Index loops: this runs per point of every batch.
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const slot = verdicts.slot(p.measurement, p.tags);
    let verdict = slot.value;
    if (verdict === undefined) {
      const index = own ?? catalogOf(p.tags.site);
      verdict = slot.value = {
        key: seriesKeyOf(p),
        names: index
          ? checkSeries(index, p.measurement, p.tags)
          : {
              code: "UNKNOWN_ASSET" as const,
              message: `tags.site: ${JSON.stringify(p.tags.site ?? "")} is not a site of central's configuration`,
            },
        values: tagValuesProblem(p.tags),
      };
    }
    if (seriesKeys) seriesKeys[i] = verdict.key;
    if (verdict.names) {
      refuse(i, verdict.names);
      continue;
    }
    const fieldNames = checkFieldNames((own ?? catalogOf(p.tags.site))!, p.measurement, p.fields);
    if (fieldNames) {
      refuse(i, fieldNames);
      continue;
    }
    // Times, finite values within their physical bounds, storable tag values (the order of
    // pointProblem, shared with `vetra import`).
    const late = timestampProblem(p.ts, nowMs);
    if (late) {
      refuse(i, late);
      continue;
    }
    let bad: PointRefusal | null = null;
    for (const name in p.fields) {
      bad = fieldValueProblem(p.measurement, name, p.fields[name]);
      if (bad) break;
    }
    if (bad ?? verdict.values) refuse(i, (bad ?? verdict.values)!);
  }
  return rejected;
}

/** The media types POST /api/v1/ingest accepts, as the ingest catalog advertises them. */
export const INGEST_FORMATS: string[] = [INGEST_V1_MEDIA_TYPE, INGEST_V2_MEDIA_TYPE];
/** Marks the ETag of a catalog answer carrying INGEST_FORMATS. */
const FORMATS_TAG = "w2";

/** The ingest catalog (common/catalog.ts) with the media types POST /api/v1/ingest accepts. */
const IngestCatalogAnswerSchema = Type.Object({
  ...IngestCatalogSchema.properties,
  ingestFormats: IngestFormatsSchema,
});

const ingest: FastifyPluginAsyncTypebox<CentralDeps> = async (app, { store, meta, config }) => {
  const series = meta.series;
  const maxSeries = config.ingest.maxSeriesPerSite;
  app.addSchema(IngestCatalogSchema);
  // This plugin's routes read JSON (v1) and the columnar body (v2) only; a text body is refused (415).
  app.removeContentTypeParser(["text/plain"]);
  app.addContentTypeParser(INGEST_V2_MEDIA_TYPE, { parseAs: "string" }, parseColumnsBody);

  /**
   * The points of one site the cap is checked on: the points
   * `indexes[k]` … `indexes[k] + spans[k] - 1` are of series `keys[k]`.
   */
  interface SiteKeys {
    keys: string[];
    indexes: number[];
    spans: number[];
  }

  /**
   * The points of accepted names that would start a series past their
   * site's cap. With `commit`, a batch with none records its new series.
   */
  const overCap = async (bySite: Map<string, SiteKeys>, commit: boolean): Promise<Rejection[]> => {
    const rejected: Rejection[] = [];
    for (const [site, group] of bySite) {
      const over = await series.admit(site, group.keys, maxSeries, commit);
      if (over.size === 0) continue;
      group.keys.forEach((key, k) => {
        if (!over.has(key)) return;
        const first = group.indexes[k]!;
        for (let i = first; i < first + group.spans[k]!; i++)
          rejected.push({
            index: i,
            code: "SERIES_LIMIT",
            message: `points[${i}].tags: site "${site}" has reached its cap of ${maxSeries} series (ingest.maxSeriesPerSite); this point would start a new one`,
          });
      });
    }
    return rejected.sort((a, b) => a.index - b.index);
  };

  const groupOf = (bySite: Map<string, SiteKeys>, site: string): SiteKeys => {
    let group = bySite.get(site);
    if (!group) {
      group = { keys: [], indexes: [], spans: [] };
      bySite.set(site, group);
    }
    return group;
  };

  /** Refuses the batch (400) when any point is refused: those of its checks, then those past the series cap. */
  const refuseAny = async (
    request: { log: { info: (o: object, m: string) => void } },
    batch: { site: string; batchId: string },
    points: number,
    refused: Rejection[],
    bySite: Map<string, SiteKeys>,
  ): Promise<void> => {
    // The cap is checked on the points whose names passed, so one answer lists every refusal.
    const over = await overCap(bySite, refused.length === 0);
    if (refused.length === 0 && over.length === 0) return;
    const rejected = over.length === 0 ? refused : [...refused, ...over].sort((a, b) => a.index - b.index);
    request.log.info(
      { site: batch.site, batchId: batch.batchId, points, rejected: rejected.length },
      "batch refused",
    );
    throw rejectionError(rejected);
  };

  /** The points of a v1 batch checked; throws the 400 that lists every refused one. */
  const checkV1 = async (
    request: Parameters<typeof refuseAny>[0],
    principal: Principal,
    batch: IngestBatch,
  ): Promise<void> => {
    const points = batch.points;
    const keys: string[] = new Array(points.length);
    const refused = refusedPoints(await meta.fleet.current(), principal, points, Date.now(), keys);
    const skip = new Set(refused.map((r) => r.index));
    const bySite = new Map<string, SiteKeys>();
    for (let i = 0; i < points.length; i++) {
      if (skip.has(i)) continue;
      const group = groupOf(bySite, points[i]!.tags.site!);
      group.keys.push(keys[i]!);
      group.indexes.push(i);
      group.spans.push(1);
    }
    await refuseAny(request, batch, points.length, refused, bySite);
  };

  /** `checkV1` of a columnar batch (point i: the i-th timestamp counting through the series). */
  const checkV2 = async (
    request: Parameters<typeof refuseAny>[0],
    principal: Principal,
    batch: IngestBatchV2,
  ): Promise<void> => {
    const keys: string[] = new Array(batch.series.length);
    const shape = columnsShapeProblem(batch.series, keys);
    if (shape) throw new ApiError("VALIDATION_FAILED", shape);
    const fleet = await meta.fleet.current();
    const own = principal.role === "agent" ? catalogFor(fleet, principal, undefined) : null;
    const bySiteCatalog = new Map<string | undefined, CatalogIndex | null>();
    const refused = refusedColumns(
      batch.series,
      (site) => {
        if (own) return own;
        let index = bySiteCatalog.get(site);
        if (index === undefined) {
          index = catalogFor(fleet, principal, site);
          bySiteCatalog.set(site, index);
        }
        return index;
      },
      Date.now(),
    );
    const skip = new Set(refused.map((r) => r.index));
    const bySite = new Map<string, SiteKeys>();
    let base = 0;
    for (let s = 0; s < batch.series.length; s++) {
      const x = batch.series[s]!;
      const n = x.ts.length;
      const group = groupOf(bySite, x.tags.site!);
      if (skip.size === 0) {
        // Nothing refused: the series' points in one entry (admit looks at keys, not points).
        group.keys.push(keys[s]!);
        group.indexes.push(base);
        group.spans.push(n);
      } else
        for (let j = 0; j < n; j++) {
          if (skip.has(base + j)) continue;
          group.keys.push(keys[s]!);
          group.indexes.push(base + j);
          group.spans.push(1);
        }
      base += n;
    }
    await refuseAny(request, batch, base, refused, bySite);
  };

  app.get(
    "/api/v1/ingest/catalog",
    {
      config: { access: { roles: ["admin", "agent"] } },
      schema: {
        tags: ["ingest"],
        summary:
          "What central accepts from a site: its assets and their measuring points, each measurement's fields, the faults (agent token: its site; admin: `?site=`); ETag / If-None-Match",
        querystring: Type.Object(
          { site: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) },
          { additionalProperties: false },
        ),
        response: {
          200: IngestCatalogAnswerSchema,
          304: Type.Null({ description: "not modified since the ETag in If-None-Match" }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role !== "agent" && principal.role !== "admin")
        throw new ApiError("FORBIDDEN", "Only agent (or admin) tokens read the ingest catalog");
      const site = principal.role === "agent" ? principal.site : request.query.site;
      if (site === null || site === undefined)
        throw new ApiError("BAD_REQUEST", "querystring.site: required with an admin token");
      if (principal.role === "agent" && request.query.site !== undefined && request.query.site !== site)
        throw new ApiError("FORBIDDEN", `querystring.site: this token reads the catalog of site "${site}"`);
      const entry = catalogOf(await meta.fleet.current(), site);
      if (!entry) throw new ApiError("NOT_FOUND", `No site "${site}" in central's configuration`);
      // The formats are part of the answer: an agent that read this catalog from an older central sees a new ETag.
      const etag = `${entry.etag.slice(0, -1)}.${FORMATS_TAG}"`;
      reply.header("ETag", etag);
      reply.header("Cache-Control", "no-cache");
      if (request.headers["if-none-match"] === etag) return reply.code(304).send(null);
      return { ...entry.catalog, ingestFormats: INGEST_FORMATS };
    },
  );

  app.post(
    "/api/v1/ingest",
    {
      config: { access: { roles: ["admin", "agent"] }, audit: false },
      schema: {
        tags: ["ingest"],
        summary:
          "Store a batch of points from an edge agent (agent token); JSON, optionally gzip-encoded. A batch with refused points stores nothing and answers 400 with every refused index in `error.details.rejected`",
        body: {
          content: {
            [INGEST_V1_MEDIA_TYPE]: { schema: IngestBatchSchema },
            [INGEST_V2_MEDIA_TYPE]: { schema: IngestBatchV2Schema },
          },
        },
        response: { 200: IngestAckSchema, ...errorResponses(400, 413, 415, 500, 503) },
      },
      preParsing: gunzipBody,
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.role !== "agent" && principal.role !== "admin") {
        throw new ApiError("FORBIDDEN", "Only agent (or admin) tokens may ingest");
      }
      // Fastify validated the body against the schema of its media type; a body of any other type has no schema.
      const mediaType = mediaTypeOf(request.headers["content-type"]);
      if (mediaType !== INGEST_V1_MEDIA_TYPE && mediaType !== INGEST_V2_MEDIA_TYPE)
        throw new ApiError(
          "UNSUPPORTED_ENCODING",
          `Content-Type ${mediaType} is not accepted (${INGEST_FORMATS.join(", ")})`,
        );
      const batch = request.body as IngestBatch | IngestBatchV2;
      if (principal.role === "agent" && batch.site !== principal.site) {
        throw new ApiError("FORBIDDEN", `batch.site: this token writes for site "${principal.site}"`);
      }
      let count: number;
      let written: IoResult<{ written: number }>;
      if ("series" in batch) {
        await checkV2(request, principal, batch);
        count = pointsOf(batch.series);
        written = await writeColumns(store, batch.series);
      } else {
        await checkV1(request, principal, batch);
        count = batch.points.length;
        written = await store.write(batch.points);
      }
      if (written.kind === "retryable") {
        throw new ApiError(written.code, written.message, {
          "Retry-After": String(Math.max(1, Math.ceil(written.retryInMillis / 1000))),
        });
      }
      if (written.kind === "failure") throw new ApiError(written.code, written.message);
      // The points are durable now. The batch id only sets the `duplicate` flag, so the metadata
      // database's disk being full must not turn a stored batch into an error (the edge would re-send it for nothing).
      let isNew = true;
      try {
        isNew = await meta.batches.remember({
          site: batch.site,
          batchId: batch.batchId,
          agent: batch.agent,
          points: count,
        });
      } catch (error) {
        if (!isStorageFull(error)) throw error;
        app.storage.noteFull(meta.file, error);
        request.log.warn({ batchId: batch.batchId }, "batch stored; its id not remembered (storage full)");
      }
      request.log.debug({ batchId: batch.batchId, points: count, duplicate: !isNew }, "batch stored");
      return { batchId: batch.batchId, accepted: written.value.written, duplicate: !isNew };
    },
  );
};

export default ingest;
