// Liveness (the process answers) and readiness (the metadata database and
// the time-series store answer, and central can write: a full disk makes it
// not ready until space returns).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyReply } from "fastify";
import { apiError } from "../../common/errors.ts";
import type { CentralDeps } from "../deps.ts";
import { errorResponses } from "../http.ts";
import { STORAGE_FULL_RETRY_S } from "../lib/storage.ts";

/** Null when the metadata database answers a query (PostgreSQL: within 2 s), else why not. */
const metadataFault = async (meta: CentralDeps["meta"]): Promise<string | null> => {
  try {
    await meta.db.ping();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

const health: FastifyPluginAsyncTypebox<CentralDeps> = async (app, { store, meta }) => {
  app.get(
    "/healthz",
    {
      config: { access: { public: true } },
      schema: {
        tags: ["health"],
        summary: "Liveness: 200 while the process serves HTTP",
        response: { 200: Type.Object({ status: Type.Literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/readyz",
    {
      config: { access: { public: true } },
      schema: {
        tags: ["health"],
        summary:
          "Readiness: 200 when the metadata database and the time-series store answer and central's data folders have room; 503 otherwise",
        response: {
          200: Type.Object({ status: Type.Literal("ready"), store: Type.String(), metadata: Type.String() }),
          ...errorResponses(503),
        },
      },
    },
    async (request, reply) => {
      const full = app.storage.problem();
      if (full) {
        // Answered here rather than thrown: the error handler keeps 5xx details to the log, and this one
        // (a file's base name and the free space) is what the operator probing readiness needs.
        const raw = reply as unknown as FastifyReply;
        raw.header("Retry-After", String(STORAGE_FULL_RETRY_S));
        return raw.code(503).send(apiError("STORAGE_FULL", `storage full: ${full.where} (${full.message})`));
      }
      const fault = await metadataFault(meta);
      if (fault !== null) {
        // Which part is not ready is what a probe needs; the database's own words go to the log only.
        request.log.warn({ fault }, "readiness: the metadata database does not answer");
        const raw = reply as unknown as FastifyReply;
        return raw
          .code(503)
          .send(apiError("STORE_UNAVAILABLE", `metadata (${meta.db.kind}): does not answer`));
      }
      const ping = await store.ping();
      if (ping.kind !== "success") {
        // Named like the metadata's fault; the store's own words (its address) go to the log only.
        request.log.warn({ fault: ping.message }, "readiness: the time-series store does not answer");
        const raw = reply as unknown as FastifyReply;
        return raw.code(503).send(apiError("STORE_UNAVAILABLE", `${store.kind} store: does not answer`));
      }
      return { status: "ready" as const, store: store.kind, metadata: meta.db.kind };
    },
  );
};

export default health;
