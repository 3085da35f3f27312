// Credentials never reach a log line or the audit log: no token travels in a
// URL by design (query strings end up in logs, browser history and Referer
// headers), but a client may still send one, so what central writes about a
// request goes through these. Headers that carry credentials are censored by
// the logger's redact paths (see ../server.ts).

/** Query parameters whose value is a credential (matched on the name, case-insensitively). */
const CREDENTIAL_PARAM =
  /^(?:[\w-]*token|[\w-]*secret|password|passwd|pwd|key|api[-_]?key|auth|authorization|sig|signature|session|code)$/i;

export const REDACTED = "[REDACTED]";

/**
 * The URL with every credential-looking query value replaced by
 * `[REDACTED]`; the path and the other parameters are kept as sent. The
 * parameter name is compared after percent-decoding, so `%74oken=` is
 * caught too.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const query = url.slice(q + 1);
  const parts = query.split("&").map((part) => {
    const eq = part.indexOf("=");
    const rawName = eq < 0 ? part : part.slice(0, eq);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, " "));
    } catch {
      // A malformed escape: compare the name as sent.
    }
    return CREDENTIAL_PARAM.test(name.trim()) && eq >= 0 ? `${rawName}=${REDACTED}` : part;
  });
  return `${url.slice(0, q)}?${parts.join("&")}`;
}

/** Header paths (pino redact syntax) whose values are credentials, for request and response logs. */
export const CREDENTIAL_LOG_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['proxy-authorization']",
  "req.headers['x-api-key']",
  "res.headers['set-cookie']",
  "headers.authorization",
  "headers.cookie",
];

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

/**
 * Pino options for central's logger (fastify's `logger`): the caller's
 * options (level, stream, …) with the request serialiser logging the URL
 * redacted and credential headers censored wherever a log object carries
 * them.
 */
export function redactingLogger(base: object): object {
  const given = base as { redact?: unknown; serializers?: Record<string, unknown> };
  return {
    ...base,
    redact: { paths: CREDENTIAL_LOG_PATHS, censor: REDACTED },
    serializers: {
      ...given.serializers,
      req: (request: LoggedRequest) => ({
        method: request.method,
        url: redactUrl(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  };
}
