// Liveness (the process answers) and readiness (the metadata database and
// the time-series store answer too).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { CentralDeps } from "../deps.ts";
import { ApiError, errorResponses } from "../http.ts";

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
        summary: "Readiness: 200 when the metadata database and the time-series store answer, 503 otherwise",
        response: {
          200: Type.Object({ status: Type.Literal("ready"), store: Type.String(), metadata: Type.String() }),
          ...errorResponses(503),
        },
      },
    },
    async () => {
      const fault = metadataFault(meta);
      if (fault !== null) throw new ApiError("STORE_UNAVAILABLE", `metadata (sqlite): ${fault}`);
      const ping = await store.ping();
      if (ping.kind !== "success") {
        throw new ApiError("STORE_UNAVAILABLE", `${store.kind} store: ${ping.message}`);
      }
      return { status: "ready" as const, store: store.kind, metadata: "sqlite" };
    },
  );
};

export default health;
