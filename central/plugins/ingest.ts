// POST /api/v1/ingest: edge agents' batches. All-or-nothing: the whole
// batch is checked before anything is written, and 200 is sent only once
// the store has durably accepted every point (the edge then drops the batch
// from its disk queue).
import { createGunzip } from "node:zlib";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { preParsingAsyncHookHandler } from "fastify";
import { IngestAckSchema, IngestBatchSchema } from "../../common/wire.ts";
import type { CentralDeps } from "../deps.ts";
import { ApiError, BearerSecurity, errorResponses, principalOf } from "../http.ts";
import { pointProblem } from "../lib/points.ts";
import { isStorageFull } from "../lib/storage.ts";

/**
 * preParsing hook of the ingest routes: a gzip'd body is decompressed before
 * parsing, so fastify's bodyLimit caps the *decompressed* size, which is
 * what protects against a zip bomb.
 */
export const gunzipBody: preParsingAsyncHookHandler = async (request, _reply, payload) => {
  const encoding = (request.headers["content-encoding"] ?? "identity").toLowerCase().trim();
  if (encoding === "identity") return payload;
  if (encoding !== "gzip") {
    throw new ApiError("UNSUPPORTED_ENCODING", `Content-Encoding ${encoding} is not supported (use gzip)`);
  }
  const gunzip = createGunzip() as ReturnType<typeof createGunzip> & { receivedEncodedLength: number };
  gunzip.receivedEncodedLength = 0;
  payload.on("data", (chunk: Buffer) => {
    gunzip.receivedEncodedLength += chunk.length;
  });
  gunzip.on("error", (error: Error & { statusCode?: number; vetraCode?: string }) => {
    error.statusCode = 400;
    error.vetraCode = "BAD_REQUEST";
    error.message = `The body is not valid gzip: ${error.message}`;
  });
  payload.on("error", (error) => gunzip.destroy(error));
  return payload.pipe(gunzip);
};

const ingest: FastifyPluginAsyncTypebox<CentralDeps> = async (app, { store, meta }) => {
  app.post(
    "/api/v1/ingest",
    {
      schema: {
        tags: ["ingest"],
        summary: "Store a batch of points from an edge agent (agent token); JSON, optionally gzip-encoded",
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
      const { assetById, siteById } = meta.fleetIndex();
      const nowMs = Date.now();
      // Index loops and for…in: this runs per point of every batch (no iterator or entry arrays).
      const points = batch.points;
      for (let i = 0; i < points.length; i++) {
        const point = points[i]!;
        // Times, finite values within their physical bounds, storable tag values (shared with `vetra import`).
        const problem = pointProblem(point, nowMs);
        if (problem) throw new ApiError(problem.code, `points[${i}].${problem.message}`);
        const { site, asset: assetId } = point.tags;
        const asset = assetId === undefined ? undefined : assetById.get(assetId);
        const siteAllowed =
          site !== undefined && (principal.role === "admin" ? siteById.has(site) : site === principal.site);
        // The agent's own health describes the gateway, not an asset: its `asset` tag may be absent or the site id.
        const agentHealth =
          point.measurement === "agent" &&
          (assetId === undefined || assetId === site || asset?.site === site);
        if (!siteAllowed || !(agentHealth || (asset && asset.site === site))) {
          throw new ApiError(
            "UNKNOWN_ASSET",
            `points[${i}].tags: site "${site ?? ""}" / asset "${assetId ?? ""}" is not one this token may write`,
          );
        }
      }
      const written = await store.write(batch.points);
      if (written.kind === "retryable") {
        throw new ApiError(written.code, written.message, {
          "Retry-After": String(Math.max(1, Math.ceil(written.retryInMillis / 1000))),
        });
      }
      if (written.kind === "failure") throw new ApiError(written.code, written.message);
      // The points are durable now. The batch id only sets the `duplicate` flag, so a metadata file
      // that is full must not turn a stored batch into an error (the edge would re-send it for nothing).
      let isNew = true;
      try {
        isNew = meta.rememberBatch({
          site: batch.site,
          batchId: batch.batchId,
          agent: batch.agent,
          points: batch.points.length,
        });
      } catch (error) {
        if (!isStorageFull(error)) throw error;
        app.storage.noteFull(meta.file, error);
        request.log.warn({ batchId: batch.batchId }, "batch stored; its id not remembered (storage full)");
      }
      request.log.debug(
        { batchId: batch.batchId, points: batch.points.length, duplicate: !isNew },
        "batch stored",
      );
      return { batchId: batch.batchId, accepted: written.value.written, duplicate: !isNew };
    },
  );
};

export default ingest;
