// How POST /api/v1/ingest reads the columnar body (common/wire-columns.ts):
// its media type, and its JSON. Fastify's own JSON parser goes through
// secure-json-parse, which scans every body for `__proto__` and
// `constructor` keys; this body's schema is closed (every object's keys are
// listed or match `^[a-z][a-z0-9_]*$`), so a `__proto__` key is refused by
// the schema and a `constructor` tag by the catalog check, and nothing
// copies a key of the body onto another object: plain JSON.parse is enough,
// and spares a scan of every byte.
import type { FastifyRequest } from "fastify";
import { INGEST_V2_MEDIA_TYPE } from "../../common/wire-columns.ts";
import { ApiError } from "../http.ts";

/** The media type of a Content-Type header: before any parameter, lower case, trimmed. */
export const mediaTypeOf = (header: string | undefined): string =>
  (header ?? "").split(";", 1)[0]!.trim().toLowerCase();

/**
 * A Content-Type's parameters other than `charset=utf-8` (JSON is UTF-8,
 * RFC 8259 §8.1): a body declared in another charset or with parameters
 * this format does not define is refused rather than guessed at.
 */
export function unexpectedParameters(header: string): string | null {
  const parts = header.split(";").slice(1);
  for (const part of parts) {
    const [name, value = ""] = part.split("=", 2).map((x) => x.trim().toLowerCase());
    if (name === "" && value === "") continue;
    if (name === "charset" && (value === "utf-8" || value === '"utf-8"')) continue;
    return part.trim();
  }
  return null;
}

export async function parseColumnsBody(request: FastifyRequest, body: string | Buffer): Promise<unknown> {
  const header = request.headers["content-type"] ?? "";
  const odd = unexpectedParameters(header);
  if (odd !== null)
    throw new ApiError(
      "UNSUPPORTED_ENCODING",
      `Content-Type ${INGEST_V2_MEDIA_TYPE}: parameter ${JSON.stringify(odd.slice(0, 64))} is not accepted (only charset=utf-8)`,
    );
  try {
    return JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
  } catch (error) {
    throw new ApiError("BAD_REQUEST", `body: not JSON (${(error as Error).message.slice(0, 120)})`);
  }
}
