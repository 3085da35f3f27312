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
import { IngestAckSchema, IngestBatchSchema, type WirePoint } from "../../common/wire.ts";
import type { CentralDeps } from "../deps.ts";
import { ApiError, BearerSecurity, errorResponses, principalOf } from "../http.ts";
import { gunzipBody } from "../lib/gzip-body.ts";
import { fieldValueProblem, tagValuesProblem, timestampProblem } from "../lib/points.ts";
import { SeriesTrie } from "../lib/series-trie.ts";
import { isStorageFull } from "../lib/storage.ts";
import { catalogOf } from "../meta/catalog.ts";
import type { FleetIndex, Principal } from "../meta/meta.ts";
import { seriesKeyOf } from "../meta/series-registry.ts";

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

const ingest: FastifyPluginAsyncTypebox<CentralDeps> = async (app, { store, meta, config }) => {
  const series = meta.series;
  const maxSeries = config.ingest.maxSeriesPerSite;
  app.addSchema(IngestCatalogSchema);

  /**
   * The points of accepted names that would start a series past their
   * site's cap. With `commit`, a batch with none records its new series.
   */
  const overCap = async (
    points: readonly WirePoint[],
    keys: readonly string[],
    skip: ReadonlySet<number>,
    commit: boolean,
  ): Promise<Rejection[]> => {
    const bySite = new Map<string, { keys: string[]; indexes: number[] }>();
    for (let i = 0; i < points.length; i++) {
      if (skip.has(i)) continue;
      const p = points[i]!;
      const site = p.tags.site!;
      const group = bySite.get(site) ?? { keys: [], indexes: [] };
      group.keys.push(keys[i]!);
      group.indexes.push(i);
      bySite.set(site, group);
    }
    const rejected: Rejection[] = [];
    for (const [site, group] of bySite) {
      const over = await series.admit(site, group.keys, maxSeries, commit);
      if (over.size === 0) continue;
      group.keys.forEach((key, j) => {
        if (!over.has(key)) return;
        const i = group.indexes[j]!;
        rejected.push({
          index: i,
          code: "SERIES_LIMIT",
          message: `points[${i}].tags: site "${site}" has reached its cap of ${maxSeries} series (ingest.maxSeriesPerSite); this point would start a new one`,
        });
      });
    }
    return rejected.sort((a, b) => a.index - b.index);
  };

  app.get(
    "/api/v1/ingest/catalog",
    {
      config: { access: { roles: ["admin", "agent"] } },
      schema: {
        tags: ["ingest"],
        summary:
          "What central accepts from a site: its assets and their measuring points, each measurement's fields, the faults (agent token: its site; admin: `?site=`); ETag / If-None-Match",
        security: BearerSecurity,
        querystring: Type.Object(
          { site: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Ref("IngestCatalog"),
          304: Type.Null({ description: "not modified since the ETag in If-None-Match" }),
          ...errorResponses(400, 401, 403, 404),
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
      reply.header("ETag", entry.etag);
      reply.header("Cache-Control", "no-cache");
      if (request.headers["if-none-match"] === entry.etag) return reply.code(304).send(null);
      return entry.catalog;
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
        security: BearerSecurity,
        body: IngestBatchSchema,
        response: { 200: IngestAckSchema, ...errorResponses(400, 401, 403, 413, 415, 500, 503) },
      },
      preParsing: gunzipBody,
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.role !== "agent" && principal.role !== "admin") {
        throw new ApiError("FORBIDDEN", "Only agent (or admin) tokens may ingest");
      }
      const batch = request.body;
      if (principal.role === "agent" && batch.site !== principal.site) {
        throw new ApiError("FORBIDDEN", `batch.site: this token writes for site "${principal.site}"`);
      }
      const points = batch.points;
      const keys: string[] = new Array(points.length);
      const refused = refusedPoints(await meta.fleet.current(), principal, points, Date.now(), keys);
      const skip = new Set(refused.map((r) => r.index));
      // The cap is checked on the points whose names passed, so one answer lists every refusal.
      const over = await overCap(points, keys, skip, refused.length === 0);
      if (refused.length > 0 || over.length > 0) {
        const rejected =
          over.length === 0 ? refused : [...refused, ...over].sort((a, b) => a.index - b.index);
        request.log.info(
          { site: batch.site, batchId: batch.batchId, points: points.length, rejected: rejected.length },
          "batch refused",
        );
        throw rejectionError(rejected);
      }
      const written = await store.write(points);
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
          points: points.length,
        });
      } catch (error) {
        if (!isStorageFull(error)) throw error;
        app.storage.noteFull(meta.file, error);
        request.log.warn({ batchId: batch.batchId }, "batch stored; its id not remembered (storage full)");
      }
      request.log.debug({ batchId: batch.batchId, points: points.length, duplicate: !isNew }, "batch stored");
      return { batchId: batch.batchId, accepted: written.value.written, duplicate: !isNew };
    },
  );
};

export default ingest;
