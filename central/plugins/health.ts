// Liveness (the process answers) and readiness (the metadata database and
// the time-series store answer too).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { CentralDeps } from "../deps.ts";
import { ApiError, errorResponses } from "../http.ts";

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
        summary: "Readiness: 200 when the metadata database and the time-series store answer, 503 otherwise",
        response: {
          200: Type.Object({ status: Type.Literal("ready"), store: Type.String(), metadata: Type.String() }),
          ...errorResponses(503),
        },
      },
    },
    async () => {
      const fault = await metadataFault(meta);
      if (fault !== null) throw new ApiError("STORE_UNAVAILABLE", `metadata (${meta.db.kind}): ${fault}`);
      const ping = await store.ping();
      if (ping.kind !== "success") {
        throw new ApiError("STORE_UNAVAILABLE", `${store.kind} store: ${ping.message}`);
      }
      return { status: "ready" as const, store: store.kind, metadata: meta.db.kind };
    },
  );
};

export default health;
