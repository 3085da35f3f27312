// Liveness (the process answers) and readiness (the store answers too).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { CentralDeps } from "../deps.ts";
import { ApiError, errorResponses } from "../http.ts";

const health: FastifyPluginAsyncTypebox<CentralDeps> = async (app, { store }) => {
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
        summary: "Readiness: 200 when the time-series store answers, 503 otherwise",
        response: {
          200: Type.Object({ status: Type.Literal("ready"), store: Type.String() }),
          ...errorResponses(503),
        },
      },
    },
    async () => {
      const ping = await store.ping();
      if (ping.kind !== "success") {
        throw new ApiError("STORE_UNAVAILABLE", `${store.kind} store: ${ping.message}`);
      }
      return { status: "ready" as const, store: store.kind };
    },
  );
};

export default health;
