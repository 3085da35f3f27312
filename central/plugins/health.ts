// Liveness (the process answers) and readiness (the store answers, and
// central can write: a full disk makes it not ready until space returns).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyReply } from "fastify";
import { apiError } from "../../common/errors.ts";
import type { CentralDeps } from "../deps.ts";
import { ApiError, errorResponses } from "../http.ts";
import { STORAGE_FULL_RETRY_S } from "../lib/storage.ts";

const health: FastifyPluginAsyncTypebox<CentralDeps> = async (app, { store }) => {
  app.get(
    "/healthz",
    {
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
      schema: {
        tags: ["health"],
        summary:
          "Readiness: 200 when the time-series store answers and central's data folders have room; 503 otherwise",
        response: {
          200: Type.Object({ status: Type.Literal("ready"), store: Type.String() }),
          ...errorResponses(503),
        },
      },
    },
    async (_request, reply) => {
      const full = app.storage.problem();
      if (full) {
        // Answered here rather than thrown: the error handler keeps 5xx details to the log, and this one
        // (a file's base name and the free space) is what the operator probing readiness needs.
        const raw = reply as unknown as FastifyReply;
        raw.header("Retry-After", String(STORAGE_FULL_RETRY_S));
        return raw.code(503).send(apiError("STORAGE_FULL", `storage full: ${full.where} (${full.message})`));
      }
      const ping = await store.ping();
      if (ping.kind !== "success") {
        throw new ApiError("STORE_UNAVAILABLE", `${store.kind} store: ${ping.message}`);
      }
      return { status: "ready" as const, store: store.kind };
    },
  );
};

export default health;
