// The OpenAPI document (/docs/json) against the routes the app registers:
// each operation's bearer scheme and its 401 and 403 answers follow from the
// route's declared audience (`config.access`) — present exactly when the
// route is not public — whatever the route's schema says of them, so the
// document cannot promise what the auth hook does not enforce.
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import type { RouteAccess } from "../http.ts";

interface Operation {
  security?: unknown[];
  responses?: Record<string, unknown>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

/** An error answer as /docs describes it: the shared error body. */
const ERROR_BODY_RESPONSE = {
  description: "Every error: a code from the error table and a message",
  content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } },
};

/** `/api/v1/assets/:id/health` → `/api/v1/assets/{id}/health`, as the document names paths. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

/** Every documented operation with the audience its route declares. */
function operations(doc: OpenApi, routes: readonly RouteOptions[]) {
  const access = new Map<string, RouteAccess | undefined>();
  for (const r of routes)
    for (const method of Array.isArray(r.method) ? r.method : [r.method])
      access.set(`${method.toLowerCase()} ${openApiPath(r.url)}`, r.config?.access);
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      name: `${method.toUpperCase()} ${path}`,
      op,
      declared: access.has(`${method} ${path}`),
      access: access.get(`${method} ${path}`),
    })),
  );
}

const docsOf = async (app: FastifyInstance): Promise<OpenApi> => {
  const res = await app.inject({ url: "/docs/json" });
  expect(res.statusCode).toBe(200);
  return res.json() as OpenApi;
};

/** Asserts the derived properties of one operation: token, 401 and 403 exactly when not public. */
function expectAudienceDocumented(name: string, op: Operation, access: RouteAccess | undefined) {
  expect(access, `${name} declares an audience`).toBeDefined();
  const needsToken = access?.public !== true;
  expect(op.security ?? [], name).toEqual(needsToken ? [{ bearerAuth: [] }] : []);
  for (const status of ["401", "403"])
    expect(op.responses?.[status], `${name} ${status}`).toEqual(needsToken ? ERROR_BODY_RESPONSE : undefined);
}

describe("/docs states each route's audience as the auth hook enforces it", () => {
  let f: CentralFixture;
  const routes: RouteOptions[] = [];
  let doc: OpenApi;

  beforeAll(async () => {
    f = await makeCentralFixture({ routes });
    doc = await docsOf(f.app);
  });
  afterAll(async () => f?.close());

  it("documents every operation as a registered route with a declared audience", () => {
    const ops = operations(doc, routes);
    expect(ops.length).toBeGreaterThan(50);
    expect(ops.filter((o) => !o.declared).map((o) => o.name)).toEqual([]);
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: "http", scheme: "bearer" });
    expect(doc.components.schemas.ErrorBody).toBeDefined();
  });

  it("lists the bearer scheme, 401 and 403 on every operation that is not public, and none of them on a public one", () => {
    const ops = operations(doc, routes);
    for (const { name, op, access } of ops) expectAudienceDocumented(name, op, access);
    // Both kinds are present, so neither half of the rule passes by having nothing to check.
    expect(ops.filter((o) => o.access?.roles !== undefined).length).toBeGreaterThan(30);
    expect(ops.filter((o) => o.access?.public === true).map((o) => o.name)).toEqual(
      expect.arrayContaining(["GET /healthz", "GET /readyz", "POST /api/v1/grid/check"]),
    );
  });

  it("keeps the answers a route states beside its audience", () => {
    const assets = doc.paths["/api/v1/assets/{id}/health"]?.get?.responses ?? {};
    expect(Object.keys(assets).sort()).toEqual(["200", "401", "403", "404", "500", "503"]);
    const check = doc.paths["/api/v1/grid/check"]?.post?.responses ?? {};
    expect(check["429"]).toEqual(ERROR_BODY_RESPONSE);
    expect(check["401"]).toBeUndefined();
  });

  it("answers what it documents: 401 without a token, 403 for a role the route does not list", async () => {
    // A route every person reads but no agent: the 403 the document lists is the one the hook gives.
    const op = doc.paths["/api/v1/assets"]?.get;
    expect(op?.responses?.["403"]).toEqual(ERROR_BODY_RESPONSE);
    expect((await f.app.inject({ url: "/api/v1/assets" })).statusCode).toBe(401);
    const agent = await f.app.inject({ url: "/api/v1/assets", headers: f.auth(f.tokens.agentWf1) });
    expect(agent.statusCode).toBe(403);
    expect(agent.json().error.code).toBe("FORBIDDEN");
  });
});

describe("the audience a schema states by hand gives way to the declared one", () => {
  it("documents a public route without the bearer scheme or 401/403 and a role route with them, whatever the schema says", async () => {
    const stated = {
      security: [{ bearerAuth: [] }],
      response: { 200: Type.Object({}), 401: Type.Ref("ErrorBody") },
    };
    const f = await makeCentralFixture({
      beforeReady: (app) =>
        void app.register(async (scope) => {
          scope.get(
            "/api/v1/open-by-hand",
            { config: { access: { public: true } }, schema: stated },
            async () => ({}),
          );
          scope.get("/api/v1/bare", { config: { access: { roles: ["admin"] } } }, async () => ({
            secret: 42,
          }));
          scope.get(
            "/api/v1/unstated",
            { config: { access: { roles: ["ministry"] } }, schema: { response: { 200: Type.Object({}) } } },
            async () => ({}),
          );
        }),
    });
    try {
      const doc = await docsOf(f.app);
      const open = doc.paths["/api/v1/open-by-hand"]?.get;
      expectAudienceDocumented("GET /api/v1/open-by-hand", open ?? {}, { public: true });
      expect(Object.keys(open?.responses ?? {})).toEqual(["200"]);
      expectAudienceDocumented("GET /api/v1/bare", doc.paths["/api/v1/bare"]?.get ?? {}, {
        roles: ["admin"],
      });
      const unstated = doc.paths["/api/v1/unstated"]?.get;
      expectAudienceDocumented("GET /api/v1/unstated", unstated ?? {}, { roles: ["ministry"] });
      expect(Object.keys(unstated?.responses ?? {}).sort()).toEqual(["200", "401", "403"]);
      // The hook and the document agree on the routes themselves.
      expect((await f.app.inject({ url: "/api/v1/open-by-hand" })).statusCode).toBe(200);
      expect((await f.app.inject({ url: "/api/v1/bare" })).statusCode).toBe(401);
      const ministry = await f.app.inject({ url: "/api/v1/bare", headers: f.auth(f.tokens.ministry) });
      expect(ministry.statusCode).toBe(403);
      expect(ministry.json()).toEqual({ error: expect.objectContaining({ code: "FORBIDDEN" }) });
    } finally {
      await f.close();
    }
  });
});
