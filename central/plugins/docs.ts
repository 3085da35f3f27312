// OpenAPI generated from the route schemas, with Swagger UI at /docs and
// the document itself at /docs/json (served from node_modules, no CDN),
// public like every route's declared audience it describes.
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";

const docs: FastifyPluginAsync = async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Vetra central API",
        description:
          "Condition monitoring of wind turbines and energy management of social facilities. " +
          'Errors are `{"error": {"code", "message"}}`.',
        version: "0.1.0",
      },
      components: {
        securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } },
      },
    },
    // Shared schemas registered with addSchema appear as components; refs point at them.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  // The document and its viewer are public (they hold no data); the routes come from the library,
  // so this scope declares their audience as they are added.
  await app.register(async (scope) => {
    scope.addHook("onRoute", (route) => {
      route.config = { ...route.config, access: { public: true } };
    });
    await scope.register(swaggerUi, { routePrefix: "/docs" });
  });
};

export default fp(docs, { name: "vetra-docs" });
