// Token lifecycle and the audit log (admin only, as each route declares).
// Tokens are 256 random bits, shown once at creation and stored as SHA-256
// only; revocation takes effect on the next request and ends the token's
// live streams at once. Every change, acknowledgement and export is written
// to the audit log with the token that did it, before the answer is sent:
// which calls count is a property of the matched route (its method, or its
// `config.audit`), never of the URL string.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { type Role, Roles } from "../config.ts";
import type { CentralDeps } from "../deps.ts";
import { ApiError, errorResponses, principalOf } from "../http.ts";
import { redactUrl } from "../lib/redact.ts";
import { Contracts } from "../maintenance/contracts.ts";

// Typed as the literal union (TypeBox infers never from a mapped array).
const RoleSchema = Type.Unsafe<Role>(Type.Union(Roles.map((r) => Type.Literal(r))));

const TokenInfoSchema = Type.Object({
  id: Type.Integer(),
  role: RoleSchema,
  tenant: Type.Union([Type.String(), Type.Null()]),
  site: Type.Union([Type.String(), Type.Null()]),
  label: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  revokedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
});

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Formats whose download is an export (audited even though it is a GET). */
const FILE_FORMATS = new Set(["csv", "pdf", "xlsx"]);

/** Whether the audit log keeps this call: decided on the matched route and the parsed query. */
export const auditsCall = (request: FastifyRequest): boolean => {
  if (request.is404) return false;
  const declared = request.routeOptions.config.audit;
  if (declared !== undefined) return declared;
  const method = request.routeOptions.method;
  const reads = (Array.isArray(method) ? method : [method]).every((m) => m === "GET" || m === "HEAD");
  if (!reads) return true;
  const format = (request.query as Record<string, unknown> | undefined)?.format;
  return typeof format === "string" && FILE_FORMATS.has(format);
};

const admin: FastifyPluginAsyncTypebox<CentralDeps> = async (app, { meta }) => {
  const companies = new Contracts(meta);
  // onSend, not onResponse: the entry is committed before the answer leaves, so a caller that has
  // its answer finds the call in the log (onResponse runs once the answer is sent).
  app.addHook("onSend", async (request, reply, payload) => {
    if (!auditsCall(request)) return payload;
    const p = request.principal;
    // Only the authenticated: failed logins are rate-limited and logged by fastify, not audited.
    if (!p) return payload;
    try {
      await meta.audit.append({
        tokenId: p.tokenId,
        actor: p.label || `${p.role}#${p.tokenId}`,
        role: p.role,
        action: `${request.method} ${request.routeOptions.url}`,
        target: redactUrl(request.url),
        status: reply.statusCode,
      });
    } catch (error) {
      // A success not on record is not answered as one: the error (503 with Retry-After for a
      // database away or a full disk) goes out instead. A refusal keeps its own answer.
      if (reply.statusCode < 400) throw error;
      request.log.warn({ err: error }, "audit entry of a refused call not written");
    }
    return payload;
  });

  app.post(
    "/api/v1/tokens",
    {
      config: { access: { roles: ["admin"] } },
      schema: {
        tags: ["admin"],
        summary: "Create a token (admin); the plaintext is in this response only",
        body: Type.Object(
          {
            role: RoleSchema,
            tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            site: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            label: Type.String({ minLength: 1, maxLength: 200 }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ token: Type.String(), info: TokenInfoSchema }),
          ...errorResponses(400),
        },
      },
    },
    async (request, reply) => {
      principalOf(request);
      const { role, tenant, site, label } = request.body;
      if (role === "service_company" || role === "energy_manager") {
        if (!tenant) throw new ApiError("VALIDATION_FAILED", `body.tenant: required for ${role}`);
        // A company from the config's tenants or connected through POST /api/v1/companies.
        if (!(await companies.getCompany(tenant)))
          throw new ApiError("VALIDATION_FAILED", `body.tenant: unknown tenant "${tenant}"`);
      }
      if (role === "agent") {
        if (!site) throw new ApiError("VALIDATION_FAILED", "body.site: required for agent");
        if (!(await meta.fleet.current()).siteById.has(site))
          throw new ApiError("VALIDATION_FAILED", `body.site: unknown site "${site}"`);
      }
      const token = await meta.tokens.create({
        role: role as Role,
        label,
        ...((role === "service_company" || role === "energy_manager") && tenant ? { tenant } : {}),
        ...(role === "agent" && site ? { site } : {}),
      });
      const id = (await meta.tokens.idOf(token))!;
      const info = (await meta.tokens.list()).find((t) => t.id === id)!;
      reply.code(201);
      return {
        token,
        info: { ...info, createdAt: iso(info.createdAt)!, revokedAt: iso(info.revokedAt) },
      };
    },
  );

  app.get(
    "/api/v1/tokens",
    {
      config: { access: { roles: ["admin"] } },
      schema: {
        tags: ["admin"],
        summary: "List tokens (admin): role, scope, label, created/revoked; never the secret",
        response: { 200: Type.Object({ tokens: Type.Array(TokenInfoSchema) }) },
      },
    },
    async () => ({
      tokens: (await meta.tokens.list()).map((t) => ({
        ...t,
        createdAt: iso(t.createdAt)!,
        revokedAt: iso(t.revokedAt),
      })),
    }),
  );

  app.delete(
    "/api/v1/tokens/:id",
    {
      config: { access: { roles: ["admin"] } },
      schema: {
        tags: ["admin"],
        summary: "Revoke a token (admin); effective on its next request, and its live streams end at once",
        params: Type.Object({ id: Type.String({ pattern: "^[0-9]{1,15}$" }) }),
        response: { 200: Type.Object({ revoked: Type.Integer() }), ...errorResponses(404) },
      },
    },
    async (request) => {
      const id = Number(request.params.id);
      if (!(await meta.tokens.revoke(id))) throw new ApiError("NOT_FOUND", `No live token ${id}`);
      app.liveResponses.endFor(id);
      return { revoked: id };
    },
  );

  app.get(
    "/api/v1/audit",
    {
      config: { access: { roles: ["admin"] } },
      schema: {
        tags: ["admin"],
        summary: "The audit log, newest first (admin)",
        querystring: Type.Object(
          { limit: Type.Optional(Type.String({ pattern: "^[0-9]{1,5}$" })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            entries: Type.Array(
              Type.Object({
                id: Type.Integer(),
                at: Type.String({ format: "date-time" }),
                tokenId: Type.Union([Type.Integer(), Type.Null()]),
                actor: Type.String(),
                role: Type.Union([Type.String(), Type.Null()]),
                action: Type.String(),
                target: Type.String(),
                status: Type.Integer(),
                detail: Type.String(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => ({
      entries: (await meta.audit.list(Math.min(10_000, Number(request.query.limit ?? "1000")))).map((e) => ({
        ...e,
        at: iso(e.at)!,
      })),
    }),
  );
};

// fastify-plugin so the audit hook sees every route of the app, not just these.
export default fp(admin, { name: "vetra-admin" });
