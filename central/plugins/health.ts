// Liveness (the process answers) and readiness (the metadata database and
// the time-series store answer, and central can write: a full disk makes it
// not ready until space returns).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyReply } from "fastify";
import { apiError } from "../../common/errors.ts";
import type { CentralDeps } from "../deps.ts";
import { ApiError, errorResponses } from "../http.ts";
import { STORAGE_FULL_RETRY_S } from "../lib/storage.ts";

/** Null when the metadata database answers a read of one of its tables, else why not. */
const metadataFault = (meta: CentralDeps["meta"]): string | null => {
  try {
    meta.sqlite.prepare("SELECT gen FROM fleet_generation LIMIT 1").get();
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
      const fault = metadataFault(meta);
      if (fault !== null) {
        // Which part is not ready is what a probe needs; the database's own words go to the log only.
        request.log.warn({ fault }, "readiness: the metadata database does not answer");
        const raw = reply as unknown as FastifyReply;
        return raw.code(503).send(apiError("STORE_UNAVAILABLE", "metadata (sqlite): does not answer"));
      }
      const ping = await store.ping();
      if (ping.kind !== "success") {
        throw new ApiError("STORE_UNAVAILABLE", `${store.kind} store: ${ping.message}`);
      }
      return { status: "ready" as const, store: store.kind, metadata: "sqlite" };
    },
  );
};

export default health;
