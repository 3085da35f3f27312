// What every route shares: the error body, the error class handlers throw,
// who may call it (its declared audience) and who may see what, and small
// parsers for query parameters.
import { type TSchema, Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { CodedError, type ErrorCode, ErrorCodes } from "../common/errors.ts";
import { MAX_STORABLE_TIMESTAMP_MS } from "../common/wire.ts";
import type { Role } from "./config.ts";
import { responsibleCompany } from "./maintenance/contracts.ts";
import type { Asset, Principal } from "./meta/meta.ts";

export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: "ErrorBody", description: "Every error: a code from the error table and a message" },
);

/** Response schemas for the error statuses a route may answer. */
export const errorResponses = (...statuses: number[]): Record<number, TSchema> =>
  Object.fromEntries(statuses.map((s) => [s, Type.Ref("ErrorBody")]));

/** Thrown by handlers; the error handler turns it into `{"error": {code, message}}` with the code's status. */
export class ApiError extends CodedError {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  constructor(code: ErrorCode, message?: string, headers: Record<string, string> = {}) {
    super(code, message);
    this.statusCode = ErrorCodes[code].status;
    this.headers = headers;
  }
}

/**
 * Who may call a route, declared in the route's own options and read by the
 * auth hook from the matched route (`request.routeOptions.config.access`),
 * never from the URL:
 *
 * ```ts
 * app.get("/api/v1/x", { config: { access: { roles: ["admin", "ministry", "service_company"] } }, schema }, h)
 * app.post("/api/v1/grid/check", { config: { access: { public: true } }, schema }, h)
 * ```
 *
 * Exactly one of the two: `roles` (a non-empty list from `Roles`; a token of
 * another role gets 403, no token 401) or `public: true` (no token needed,
 * credentials ignored). A route without a declaration refuses every caller,
 * and the app refuses to start with one (plugins/auth.ts). The route's entry
 * in /docs follows from the declaration (the bearer scheme, 401 and 403 for
 * roles; none of them when public): a schema does not state them.
 */
export interface RouteAccess {
  readonly roles?: readonly Role[];
  readonly public?: true;
}

/** Live responses (streams) held per token, ended the moment their token is revoked. */
export interface LiveResponses {
  /** Ends the response by calling `end` when the caller's token is revoked; the returned function forgets it. */
  hold(request: FastifyRequest, end: () => void): () => void;
  /** Ends every live response of a token (called by the revocation itself; other replicas notice within a poll). */
  endFor(tokenId: number): void;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route's audience (see RouteAccess). */
    access?: RouteAccess;
    /**
     * Whether a call of this route goes to the audit log. Default: every
     * method but GET/HEAD, and a GET/HEAD asking for a file (`format=csv|pdf|xlsx`).
     */
    audit?: boolean;
  }
  interface FastifyRequest {
    /** The caller, set by the auth hook on every route that is not public; read it with principalOf. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    liveResponses: LiveResponses;
  }
}

/** The caller of a non-public route: the one place handlers get it from. */
export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal) throw new ApiError("UNAUTHENTICATED");
  return request.principal;
};

/**
 * Who sees an asset: admin and ministry see everything, a service company
 * the assets it maintains now (by contract, else as the fleet owner), an
 * energy manager the facilities its tenant owns, an agent the assets of its site.
 */
export const canSeeAsset = (principal: Principal, asset: Asset, nowMs = Date.now()): boolean => {
  switch (principal.role) {
    case "admin":
    case "ministry":
      return true;
    case "service_company":
      return principal.tenant !== null && responsibleCompany(asset, nowMs) === principal.tenant;
    case "energy_manager":
      // The facilities its tenant owns (a turbine is no facility to manage).
      return principal.tenant !== null && asset.kind !== "turbine" && asset.tenant === principal.tenant;
    case "agent":
      return principal.site !== null && asset.site === principal.site;
  }
};

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `10s`, `1m`, `1h`, `1d`, `500ms` → milliseconds; null when malformed or zero. */
export const parseDuration = (text: string): number | null => {
  const m = DURATION.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
};

/**
 * ISO-8601 with an explicit zone (UTC `Z` or offset), or epoch milliseconds;
 * null when malformed or outside the times a store can hold (up to
 * 2262-04-11, MAX_STORABLE_TIMESTAMP_MS), so a range ending in year 300,000
 * is a 400, not a store error.
 */
export const parseTime = (text: string): number | null => {
  let ms: number;
  if (/^\d{1,16}$/.test(text)) ms = Number(text);
  else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(text)) ms = Date.parse(text);
  else return null;
  return Number.isSafeInteger(ms) && ms <= MAX_STORABLE_TIMESTAMP_MS ? ms : null;
};

/**
 * How many rows a list route answers at once: the `limit` query parameter's
 * bounds and default. A limit always starts at 1; `outside` says what a value
 * past the maximum or 0 gets: `refuse` (the default), 400 VALIDATION_FAILED
 * naming `querystring.limit`; `clamp`, the nearer bound (the control history
 * and an asset's alarm history have always answered so, and clients rely on it).
 */
export interface PageLimit {
  readonly max: number;
  readonly default: number;
  readonly outside?: "refuse" | "clamp";
}

/**
 * A list route's `limit`, from its bounds stated once: `query`, the schema of
 * the optional query parameter (and so its words in /docs, the same for every
 * route), and `of`, the number a request asks for. The querystring is not
 * coerced (see app.ts), so the schema takes a string of digits no longer than
 * the maximum's: a sign, a space, an exponent or a repeated key are refused
 * there, naming `querystring.limit` as every refusal here does.
 *
 * ```ts
 * const ORDERS_PAGE = pageLimit({ max: 1000, default: 200 });
 * querystring: Type.Object({ limit: ORDERS_PAGE.query }),
 * const limit = ORDERS_PAGE.of(request.query.limit);
 * ```
 */
export const pageLimit = (page: PageLimit) => {
  const range = `1 to ${page.max}`;
  const clamps = page.outside === "clamp";
  return {
    query: Type.Optional(
      Type.String({
        pattern: `^[0-9]{1,${String(page.max).length}}$`,
        description:
          `rows to answer, ${range} (default ${page.default})` +
          (clamps ? "; a value outside is taken as the nearer bound" : ""),
      }),
    ),
    /** The request's `limit` as a number: the default when absent. */
    of(raw: string | undefined): number {
      if (raw === undefined) return page.default;
      const limit = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
      if (clamps && !Number.isNaN(limit)) return Math.max(1, Math.min(page.max, limit));
      if (!(limit >= 1 && limit <= page.max))
        throw new ApiError("VALIDATION_FAILED", `querystring.limit: ${range}`);
      return limit;
    },
  };
};

/** The reply methods a file download uses, whatever the route's typed 200 body. */
interface FileReply<R> {
  type(contentType: string): R;
  header(name: string, value: string): R;
  send(payload?: unknown): R;
}

/**
 * Answers with a file to download instead of the route's JSON
 * (`format=csv|pdf`): its media type, and `Content-Disposition: attachment`
 * with its name. The route's response schema describes the JSON form only,
 * so the file goes through this untyped send.
 */
export function sendFile<R extends FileReply<R>>(
  reply: R,
  file: { contentType: string; filename: string; body: string | Buffer },
): R {
  return reply
    .type(file.contentType)
    .header("Content-Disposition", `attachment; filename="${file.filename}"`)
    .send(file.body);
}
