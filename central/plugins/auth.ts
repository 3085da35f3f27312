// Access is decided on the matched route, deny by default. Every route
// declares its audience in its own options (`config.access`, see
// RouteAccess in ../http.ts); this hook reads the declaration of the route
// the router matched — never the URL string, so `%61pi`, `//`, a trailing
// slash or an upper-case path reach either the same route and the same
// decision or no route at all — and runs before the body is parsed. The
// handlers then check the tenant or site of what they touch (principalOf).
//
// Wrong tokens are throttled per client address (@fastify/rate-limit, the
// address as fastify's `trustProxy` setting gives it): past the limit a
// request with a token that is not valid gets 429 instead of 401. A valid
// token is never refused, whatever others sent from the same address —
// behind an ingress without trustProxy every client shares one address, and
// anonymous guesses must not lock the agents out. Guessing is not what the
// limit prevents (tokens are 256 random bits, OWASP ASVS 4.0 §2.6.4); it
// bounds the work and log volume of a flood of bad credentials.
//
// The OpenAPI document (/docs) says the same as this hook, because it is
// derived from the same declaration as each route is added (documentAudience):
// a route with roles lists the bearer scheme and the 401 and 403 it may
// answer, a public route neither.
//
// Live responses (the alarm feed) are held per token and ended the moment
// the token is revoked: here by the revocation itself, on another replica
// when the revocation is announced (PostgreSQL) or, at the latest, when the
// revocation counter is next read (every LIVE_CHECK_MS).
import rateLimit from "@fastify/rate-limit";
import type { FastifyPluginAsync, FastifyRequest, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { apiError } from "../../common/errors.ts";
import { Roles } from "../config.ts";
import { ApiError, errorResponses, type LiveResponses, principalOf } from "../http.ts";
import type { MetaStore } from "../meta/meta.ts";
import type { TokenRepository } from "../meta/tokens.ts";

export interface AuthLimits {
  /** Requests with a wrong token per client address and window before they get 429. */
  readonly maxFailures: number;
  readonly windowMs: number;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = { maxFailures: 20, windowMs: 60_000 };

/** How often the revocation counter is read while live responses are held (revocations made elsewhere). */
const LIVE_CHECK_MS = 250;

/** Why a route's `config.access` is not a valid declaration, or null when it is. */
export function accessProblem(access: unknown): string | null {
  if (access === undefined) return "declares no audience (config.access)";
  if (access === null || typeof access !== "object" || Array.isArray(access))
    return "config.access: expected an object";
  const { roles, public: isPublic, ...rest } = access as Record<string, unknown>;
  const unknownKey = Object.keys(rest)[0];
  if (unknownKey !== undefined) return `config.access.${unknownKey}: unknown key`;
  if (isPublic !== undefined && isPublic !== true) return "config.access.public: expected true";
  if (isPublic === true && roles !== undefined) return "config.access: either public or roles, not both";
  if (isPublic === true) return null;
  if (!Array.isArray(roles) || roles.length === 0) return "config.access.roles: expected a non-empty list";
  const bad = roles.find((r) => !(Roles as readonly unknown[]).includes(r));
  if (bad !== undefined) return `config.access.roles: unknown role ${JSON.stringify(bad)}`;
  return null;
}

/** The OpenAPI security requirement of a route that needs a token (the scheme /docs declares). */
const BEARER_SECURITY = [{ bearerAuth: [] as string[] }];

/** The statuses this hook answers on a route with roles: no or a wrong token, a role it does not list. */
const AUDIENCE_STATUSES = [401, 403];

/**
 * Writes a route's audience into its schema as /docs shows it, over whatever the schema
 * says of it: with roles, the bearer scheme and the 401 and 403 error bodies; public,
 * neither. A route without a valid declaration is left alone (start-up refuses it).
 */
function documentAudience(route: RouteOptions): void {
  const access = route.config?.access;
  if (accessProblem(access) !== null) return;
  const { security, response, ...schema } = route.schema ?? {};
  const others = Object.entries((response ?? {}) as Record<string, unknown>).filter(
    ([status]) => !AUDIENCE_STATUSES.includes(Number(status)),
  );
  if (access?.public !== true) {
    const audience = errorResponses(...AUDIENCE_STATUSES);
    route.schema = {
      ...schema,
      security: BEARER_SECURITY,
      response: { ...Object.fromEntries(others), ...audience },
    };
  } else if (security !== undefined || others.length < Object.keys(response ?? {}).length) {
    route.schema = { ...schema, ...(response === undefined ? {} : { response: Object.fromEntries(others) }) };
  }
}

const methodsOf = (route: RouteOptions): string =>
  (Array.isArray(route.method) ? route.method : [route.method]).join(",");

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The bearer credential of a request (null when there is none of that scheme). */
export const bearerOf = (request: FastifyRequest): string | null => {
  const header = request.headers.authorization;
  if (typeof header !== "string") return null;
  return BEARER.exec(header)?.[1] ?? null;
};

function liveResponses(tokens: TokenRepository): LiveResponses & { close(): void } {
  const held = new Map<number, Set<() => void>>();
  let timer: NodeJS.Timeout | null = null;
  let seen: number | null = null;
  let checking = false;
  const endFor = (tokenId: number) => {
    const ends = held.get(tokenId);
    if (!ends) return;
    held.delete(tokenId);
    for (const end of ends) {
      try {
        end();
      } catch {
        // A response already gone: nothing to end.
      }
    }
    if (held.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
  /** Ends the held responses whose token is no longer live (all of them checked in one query). */
  const recheck = async () => {
    if (held.size === 0) return;
    const ids = [...held.keys()];
    const live = await tokens.live(ids);
    for (const id of ids) if (!live.has(id)) endFor(id);
  };
  const check = async () => {
    if (checking || held.size === 0) return;
    checking = true;
    try {
      const now = await tokens.revocations();
      if (seen === null) seen = now;
      else if (now !== seen) {
        await recheck();
        seen = now;
      }
    } catch {
      // The metadata database away: the streams stay until it answers (nothing can be revoked meanwhile).
    } finally {
      checking = false;
    }
  };
  const unsubscribe = tokens.onRevoked((tokenId) => {
    if (tokenId !== null) endFor(tokenId);
    else void recheck().catch(() => undefined);
  });
  return {
    hold(request, end) {
      const { tokenId } = principalOf(request);
      const ends = held.get(tokenId) ?? new Set();
      ends.add(end);
      held.set(tokenId, ends);
      if (!timer) {
        seen = null;
        timer = setInterval(() => void check(), LIVE_CHECK_MS);
        timer.unref();
      }
      // Revoked between authentication and now: end at once. The counter is read before the token,
      // so a revocation after that read moves the counter the next check compares with.
      void (async () => {
        if (seen === null) seen = await tokens.revocations();
        if (!(await tokens.live([tokenId])).has(tokenId)) endFor(tokenId);
      })().catch(() => undefined);
      return () => {
        ends.delete(end);
        if (ends.size === 0 && held.get(tokenId) === ends) held.delete(tokenId);
      };
    },
    endFor,
    close() {
      unsubscribe();
      if (timer) clearInterval(timer);
      timer = null;
      held.clear();
    },
  };
}

const auth: FastifyPluginAsync<{ meta: MetaStore; limits?: AuthLimits }> = async (app, opts) => {
  const { tokens } = opts.meta;
  const limits = opts.limits ?? DEFAULT_AUTH_LIMITS;
  // Route-level limits only (the public grid routes declare theirs); 429 in the API's error shape.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new ApiError("RATE_LIMITED", `Too many requests; retry in ${context.after}`),
  });
  const wrongTokens = app.createRateLimit({ max: limits.maxFailures, timeWindow: limits.windowMs });

  // Every route registered from here on is checked once the app is ready (after every onRoute
  // hook had its say, so a plugin scope may declare the routes of a library it registers).
  const routes: RouteOptions[] = [];
  app.addHook("onRoute", (route) => {
    documentAudience(route);
    routes.push(route);
  });
  app.addHook("onReady", async () => {
    const problems = routes
      .map((r) => ({ r, problem: accessProblem(r.config?.access) }))
      .filter((x) => x.problem !== null)
      .map(({ r, problem }) => `${methodsOf(r)} ${r.url} ${problem}`);
    if (problems.length > 0) throw new Error(`routes without a valid audience: ${problems.join("; ")}`);
  });

  const live = liveResponses(tokens);
  app.decorate("liveResponses", live);
  app.addHook("onClose", async () => live.close());

  app.decorateRequest("principal", null);
  app.addHook("onRequest", async (request, reply) => {
    // No route matched: the not-found handler answers 404 and no handler runs. Every route is
    // listed in the public OpenAPI document (/docs), so a 404 reveals nothing a token would hide.
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    if (access?.public === true) return;
    const credential = bearerOf(request);
    const principal = credential === null ? null : await tokens.authenticate(credential);
    if (!principal) {
      if (credential !== null) {
        const limit = await wrongTokens(request);
        if (!limit.isAllowed && limit.isExceeded) {
          reply.header("Retry-After", String(Math.max(1, limit.ttlInSeconds)));
          return reply.code(429).send(apiError("RATE_LIMITED", "Too many invalid tokens from this address"));
        }
      }
      reply.header("WWW-Authenticate", 'Bearer realm="vetra"');
      return reply
        .code(401)
        .send(apiError("UNAUTHENTICATED", credential === null ? undefined : "The token is not valid"));
    }
    request.principal = principal;
    // Deny by default: a route without a declaration (which start-up refuses anyway) lets no one in.
    if (!access?.roles?.includes(principal.role)) {
      return reply
        .code(403)
        .send(
          apiError(
            "FORBIDDEN",
            `A ${principal.role} token may not use ${request.method} ${request.routeOptions.url}`,
          ),
        );
    }
  });
};

export default fp(auth, { name: "vetra-auth" });
