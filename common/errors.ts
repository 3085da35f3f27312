// The one table of error codes. Central returns them as
// `{"error": {"code", "message"}}`; the edge records them per source.
// Add a code here, never a string literal elsewhere.
// biome-ignore format: one code a line keeps the table a table
export const ErrorCodes = {
  // request / input
  BAD_REQUEST: { status: 400, en: "The request is malformed" },
  VALIDATION_FAILED: { status: 400, en: "The request body does not match the schema" },
  INVALID_TIMESTAMP: { status: 400, en: "A timestamp is outside the accepted range" },
  INVALID_NUMBER: { status: 400, en: "A value is not a finite number" },
  UNKNOWN_ASSET: { status: 400, en: "A point names an asset the caller may not write" },
  UNKNOWN_POINT: { status: 400, en: "A point names a measuring point the asset's configuration does not have" },
  UNKNOWN_FIELD: { status: 400, en: "A point carries a field its measurement does not have" },
  UNKNOWN_FAULT: { status: 400, en: "A diagnosis names a fault that is not one the edge diagnoses" },
  UNKNOWN_TAG: { status: 400, en: "A point carries a tag that is not one of the known tag keys" },
  SERIES_LIMIT: { status: 400, en: "The site reached its cap of distinct series" },
  BATCH_TOO_LARGE: { status: 413, en: "The batch exceeds the size limit" },
  PAYLOAD_TOO_LARGE: { status: 413, en: "The request body exceeds the size limit" },
  UNSUPPORTED_ENCODING: { status: 415, en: "The content encoding is not supported" },
  // auth
  UNAUTHENTICATED: { status: 401, en: "A valid bearer token is required" },
  FORBIDDEN: { status: 403, en: "The token may not do this" },
  NOT_FOUND: { status: 404, en: "No such resource" },
  CONFLICT: { status: 409, en: "The change conflicts with the resource's current state" },
  RATE_LIMITED: { status: 429, en: "Too many requests" },
  // store / upstream
  STORE_UNAVAILABLE: { status: 503, en: "A store (time series or metadata) is unavailable" },
  STORE_REJECTED: { status: 500, en: "The time-series store rejected the write" },
  /** The store refused a batch for its content (InfluxDB 4xx): re-sending it will not help, so not a 5xx. */
  STORE_REFUSED_BATCH: { status: 400, en: "The time-series store refused the batch" },
  /** A write failed for lack of disk space (SQLITE_FULL, ENOSPC): nothing was stored; retry after Retry-After. */
  STORAGE_FULL: { status: 503, en: "Central's storage is full; nothing was stored, retry later" },
  QUERY_FAILED: { status: 500, en: "The time-series query failed" },
  INTERNAL: { status: 500, en: "Internal error" },
  // edge sources and uplink
  SOURCE_TIMEOUT: { status: 504, en: "The device did not answer in time" },
  SOURCE_EXCEPTION: { status: 502, en: "The device answered with an exception" },
  SOURCE_BAD_FRAME: { status: 502, en: "The device answered with a malformed frame" },
  SOURCE_DISCONNECTED: { status: 503, en: "The device connection is down" },
  UPLINK_UNREACHABLE: { status: 503, en: "Central could not be reached" },
  UPLINK_REJECTED: { status: 400, en: "Central rejected the batch" },
  QUEUE_FULL: { status: 507, en: "The disk queue reached its cap" },
  CONFIG_INVALID: { status: 400, en: "The configuration is invalid" },
  // edge sources: OPC UA certificates
  SOURCE_CERT_UNTRUSTED: { status: 502, en: "The device's certificate is not trusted (copy it into the PKI trusted folder)" },
  SOURCE_CERT_REJECTED: { status: 502, en: "The device refused the agent's certificate" },
  // edge sources: a configured node or register the device does not have
  SOURCE_NODE_UNKNOWN: { status: 502, en: "A configured node does not exist on the device or its namespace cannot be resolved" },
  // grid-connection map
  GRID_INVALID_FEATURES: { status: 422, en: "Some features of the connection-point set are invalid; nothing was changed" },
  // alarm notifications (webhook receivers, SMTP servers)
  DELIVERY_UNREACHABLE: { status: 503, en: "The notification receiver could not be reached" },
  DELIVERY_REJECTED: { status: 502, en: "The notification receiver refused the message" },
  SIGNER_FAILED: { status: 502, en: "The organisation's signer did not produce a valid signature" },
  /** Loopback, private, link-local and other special addresses are refused unless an admin allow-lists them. */
  RECEIVER_NOT_ALLOWED: { status: 400, en: "The receiver's address is not a public one (notifications.webhookAllowList admits on-premises receivers)" },
} as const satisfies Record<string, { status: number; en: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/**
 * A refusal that names its code in the table above, thrown by domain code
 * (a state that forbids a change, a reference that does not resolve) — not
 * for bugs. Central answers it with the code's status and the message, so a
 * route needs no try/catch to translate it.
 */
export class CodedError extends Error {
  readonly code: ErrorCode;
  /** Sent as `error.details` (e.g. `{rejected: [...]}`: which items of a request were refused and why). */
  readonly details: unknown;
  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ErrorCodes[code].en);
    this.code = code;
    this.details = details;
  }
}

/** One refused item of a request (a point of a batch, a snapshot of an upload), by its index. */
export interface Rejection {
  index: number;
  code: ErrorCode;
  message: string;
}

export const apiError = (code: ErrorCode, message?: string, details?: unknown): ApiErrorBody => ({
  error: {
    code,
    message: message ?? ErrorCodes[code].en,
    ...(details === undefined ? {} : { details }),
  },
});
