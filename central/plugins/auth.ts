// Bearer tokens on every /api/ route (the public grid routes excepted): the
// token's principal is attached to the request for the handlers, and the
// role is checked against the route table below before the body is even
// parsed (defence in depth: the handlers still check tenant and site).
// Wrong tokens are counted per client address; past a limit the address is
// refused with 429 for the rest of the window, so tokens cannot be guessed
// at line rate (OWASP ASVS 4.0 §2.2.1, anti-automation).
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { apiError } from "../../common/errors.ts";
import type { Role } from "../config.ts";
import type { MetaStore } from "../meta/meta.ts";

const PUBLIC_API_PREFIX = "/api/v1/grid/";
const READ_METHODS = new Set(["GET", "HEAD", "POST", "OPTIONS"]);

/**
 * True when the route needs a token: every /api/ route but the public grid
 * routes (reads and the check computations); changing grid data (PUT,
 * DELETE, PATCH) needs a token like everything else.
 */
export const needsToken = (url: string, method = "GET"): boolean =>
  url.startsWith("/api/") && !(url.startsWith(PUBLIC_API_PREFIX) && READ_METHODS.has(method.toUpperCase()));

/** Which roles may call a route, by method and path prefix; the first match wins. */
export interface RouteRule {
  /** Upper-case methods, or all when absent. */
  readonly methods?: readonly string[];
  readonly prefix: string;
  readonly roles: readonly Role[];
}

const PEOPLE: readonly Role[] = ["admin", "ministry", "service_company"];
const WRITES = ["PUT", "DELETE", "PATCH"];

export const ROUTE_RULES: readonly RouteRule[] = [
  { methods: ["POST"], prefix: "/api/v1/ingest", roles: ["admin", "agent"] },
  { prefix: "/api/v1/tokens", roles: ["admin"] },
  { prefix: "/api/v1/audit", roles: ["admin"] },
  { prefix: "/api/v1/savings/", roles: ["admin", "ministry"] },
  { methods: WRITES, prefix: "/api/v1/grid/", roles: ["admin"] },
  { methods: ["POST"], prefix: "/api/v1/alarms/", roles: ["admin", "service_company"] },
  // The service model: admin connects companies and contracts turbines; a company manages its own
  // notification rules, work orders and reads its reports (the handlers check which company).
  { methods: ["POST", ...WRITES], prefix: "/api/v1/contracts", roles: ["admin"] },
  { methods: ["POST"], prefix: "/api/v1/companies", roles: ["admin"] },
  { methods: ["PATCH"], prefix: "/api/v1/companies/", roles: ["admin"] },
  { methods: ["PUT"], prefix: "/api/v1/companies/", roles: ["admin", "service_company"] },
  { methods: ["POST", ...WRITES], prefix: "/api/v1/work-orders", roles: ["admin", "service_company"] },
  { methods: ["POST"], prefix: "/api/v1/notifications/", roles: ["admin", "service_company"] },
  // The document flow: the region issues; each party signs, countersigns or rejects its own (handlers check whose turn).
  { methods: ["POST"], prefix: "/api/v1/documents/issue", roles: ["admin"] },
  { methods: ["GET"], prefix: "/api/v1/documents/register/", roles: ["admin"] },
  { methods: ["POST"], prefix: "/api/v1/documents", roles: ["admin", "service_company"] },
  // Everything else under /api/: people read what their tenant owns; agents only write.
  { prefix: "/api/", roles: PEOPLE },
];

export const rolesFor = (method: string, url: string): readonly Role[] => {
  const m = method.toUpperCase();
  const rule = ROUTE_RULES.find((r) => url.startsWith(r.prefix) && (!r.methods || r.methods.includes(m)));
  return rule?.roles ?? [];
};

export interface AuthLimits {
  /** Wrong tokens per client address and window before it is refused. */
  readonly maxFailures: number;
  readonly windowMs: number;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = { maxFailures: 20, windowMs: 60_000 };
/** Addresses remembered at most (a flood of spoofed sources cannot exhaust memory). */
const MAX_TRACKED = 10_000;

/** Counts wrong tokens per address in fixed windows. */
export function createFailureLimiter(limits: AuthLimits, now: () => number = Date.now) {
  const seen = new Map<string, { count: number; since: number }>();
  const current = (key: string) => {
    const t = now();
    const e = seen.get(key);
    if (e && t - e.since < limits.windowMs) return e;
    if (e) seen.delete(key);
    return null;
  };
  return {
    /** Milliseconds until the address may try again, or 0. */
    blockedFor(key: string): number {
      const e = current(key);
      return e && e.count >= limits.maxFailures ? Math.max(1, limits.windowMs - (now() - e.since)) : 0;
    },
    fail(key: string): void {
      const e = current(key);
      if (e) e.count++;
      else {
        if (seen.size >= MAX_TRACKED) {
          const t = now();
          for (const [k, v] of seen) if (t - v.since >= limits.windowMs) seen.delete(k);
          if (seen.size >= MAX_TRACKED) seen.delete(seen.keys().next().value as string);
        }
        seen.set(key, { count: 1, since: now() });
      }
    },
  };
}

const routeUrl = (request: FastifyRequest): string => request.routeOptions.url ?? request.url.split("?")[0]!;

const auth: FastifyPluginAsync<{ meta: MetaStore; limits?: AuthLimits }> = async (app, opts) => {
  const { meta } = opts;
  const limiter = createFailureLimiter(opts.limits ?? DEFAULT_AUTH_LIMITS);
  app.decorateRequest("principal", null);
  app.addHook("onRequest", async (request, reply) => {
    const url = routeUrl(request);
    if (!needsToken(request.url, request.method)) return;
    const header = request.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const blockedMs = match ? limiter.blockedFor(request.ip) : 0;
    if (blockedMs > 0) {
      reply.header("Retry-After", String(Math.ceil(blockedMs / 1000)));
      return reply.code(429).send(apiError("RATE_LIMITED", "Too many invalid tokens from this address"));
    }
    const principal = match ? meta.authenticate(match[1]!) : null;
    if (!principal) {
      if (match) limiter.fail(request.ip);
      reply.header("WWW-Authenticate", 'Bearer realm="vetra"');
      return reply.code(401).send(apiError("UNAUTHENTICATED", match ? "The token is not valid" : undefined));
    }
    request.principal = principal;
    // Unknown routes fall through to the 404 handler, whatever the role.
    if (request.routeOptions.url === undefined) return;
    if (!rolesFor(request.method, url).includes(principal.role)) {
      return reply
        .code(403)
        .send(apiError("FORBIDDEN", `A ${principal.role} token may not use ${request.method} ${url}`));
    }
  });
};

export default fp(auth, { name: "vetra-auth" });
