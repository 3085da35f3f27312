// How a batch reaches central. The HTTP transport posts gzip'd JSON — the
// columnar body (common/wire-columns.ts) when central's ingest catalog says
// central accepts it, else the version 1 body — and maps
// every outcome onto IoResult: 200 = durably stored; 408/429/5xx and network
// errors = retry later (Retry-After honoured); 401/403 = retry later too —
// a wrong token is an operator's fix, and the data must survive it; any
// other 4xx = this batch is rejected for good — all of it, or, when central
// lists the refused points in `error.details.rejected`, exactly those.

import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { Value } from "@sinclair/typebox/value";
import { type ErrorCode, ErrorCodes, type Rejection } from "../../common/errors.ts";
import { failure, type IoFailure, type IoResult, retryable, success } from "../../common/result.ts";
import {
  type SpectrumIngest,
  type SpectrumIngestAck,
  SpectrumIngestAckSchema,
} from "../../common/spectrum.ts";
import { type IngestAck, IngestAckSchema, type IngestBatch } from "../../common/wire.ts";
import { INGEST_V1_MEDIA_TYPE, INGEST_V2_MEDIA_TYPE } from "../../common/wire-columns.ts";
import { batchRefusals, toColumnsBatch } from "./columns.ts";

const gzipAsync = promisify(gzip);

/** A request central refused in part: the items it names (by index) were refused, the others were not stored either. */
export type Refused = IoFailure & { readonly kind: "failure"; readonly rejected: readonly Rejection[] };
export type SendResult<T> = IoResult<T> | Refused;

export const isRefusedInPart = (r: SendResult<unknown>): r is Refused =>
  r.kind === "failure" && "rejected" in r && Array.isArray(r.rejected);

/** Central answered 415: it does not read the body's media type. */
const isUnsupportedMediaType = (r: SendResult<unknown>): boolean =>
  r.kind === "failure" && "status" in r && r.status === 415;

export interface UplinkTransport {
  send(batch: IngestBatch): Promise<SendResult<IngestAck>>;
}

export interface HttpTransportOptions {
  /** Central's base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly token: string;
  readonly timeoutMs: number;
  readonly gzip: boolean;
}

/** Default wait when central asks to retry without a Retry-After, ms. */
export const DEFAULT_RETRY_MS = 1000;
/** Wait after an authentication failure: long, as only an operator can fix it. */
export const AUTH_RETRY_MS = 60_000;

/** Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, nowMs = Date.now()): number | null {
  if (header === null || header.trim() === "") return null;
  const h = header.trim();
  if (/^\d+$/.test(h)) return Number(h) * 1000;
  const at = Date.parse(h);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** At most this many characters of a reason are kept (a dead letter's message). */
const MAX_REASON = 500;

/** `details.rejected` of an error body, if it is well formed (indexes, known codes, messages). */
function rejectedOf(details: unknown): Rejection[] | undefined {
  const list = (details as { rejected?: unknown } | null | undefined)?.rejected;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: Rejection[] = [];
  for (const item of list as { index?: unknown; code?: unknown; message?: unknown }[]) {
    if (!Number.isSafeInteger(item?.index) || (item.index as number) < 0) return undefined;
    const code =
      typeof item.code === "string" && item.code in ErrorCodes ? (item.code as ErrorCode) : "UPLINK_REJECTED";
    out.push({ index: item.index as number, code, message: String(item.message ?? "").slice(0, MAX_REASON) });
  }
  return out;
}

async function errorOf(res: Response): Promise<{ text: string; rejected?: Rejection[] }> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    if (body.error && typeof body.error.code === "string") {
      const message = String(body.error.message ?? "").slice(0, MAX_REASON);
      const rejected = rejectedOf(body.error.details);
      return { text: `${res.status} ${body.error.code}: ${message}`, ...(rejected ? { rejected } : {}) };
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return { text: `${res.status} ${text.slice(0, 200)}`.trim() };
}

/**
 * POSTs JSON (gzip'd when asked) to a path of central and maps the outcome:
 * 200 with a JSON body = success (the parsed body); the rest as described
 * at the top of this file. `what` names the payload in messages.
 */
export function createJsonPoster(
  options: HttpTransportOptions,
  path: string,
): (payload: unknown, what: string, mediaType?: string) => Promise<SendResult<unknown>> {
  const endpoint = new URL(path, options.url).href;
  return async (payload, what, mediaType = "application/json") => {
    const json = Buffer.from(JSON.stringify(payload));
    const body = options.gzip ? await gzipAsync(json) : json;
    const headers: Record<string, string> = {
      "content-type": mediaType,
      authorization: `Bearer ${options.token}`,
    };
    if (options.gzip) headers["content-encoding"] = "gzip";
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      const why =
        err.name === "TimeoutError"
          ? `no answer within ${options.timeoutMs} ms`
          : (err.cause?.code ?? err.message);
      return retryable("UPLINK_UNREACHABLE", `POST ${endpoint}: ${why}`, DEFAULT_RETRY_MS);
    }
    if (res.status === 200) {
      try {
        return success(await res.json());
      } catch (e) {
        // Central stored it or not — we cannot tell, so send again (same contents).
        return retryable(
          "UPLINK_UNREACHABLE",
          `unreadable acknowledgement: ${(e as Error).message}`,
          DEFAULT_RETRY_MS,
        );
      }
    }
    const { text, rejected } = await errorOf(res);
    const retryAfter = parseRetryAfter(res.headers.get("retry-after"));
    if (res.status === 401 || res.status === 403)
      return retryable(
        "UPLINK_REJECTED",
        `central refused the agent token: ${text}`,
        retryAfter ?? AUTH_RETRY_MS,
      );
    if (res.status === 408 || res.status === 429 || res.status >= 500)
      return retryable(
        "UPLINK_UNREACHABLE",
        `central is busy or down: ${text}`,
        retryAfter ?? DEFAULT_RETRY_MS,
      );
    const refused = failure("UPLINK_REJECTED", `central rejected ${what}: ${text}`) as IoFailure;
    if (res.status === 415) return Object.assign(refused, { status: 415 });
    return rejected && res.status === 400 ? { ...refused, kind: "failure", rejected } : refused;
  };
}

const ackMismatch = (): IoResult<never> =>
  retryable("UPLINK_UNREACHABLE", "acknowledgement does not match the request", DEFAULT_RETRY_MS);

/** Whether central reads the columnar ingest body (its ingest catalog says so). */
export interface IngestFormats {
  accepts(mediaType: string): boolean;
}

/** After central refused the columnar body (415: an older central behind the same address), v1 for this long, ms. */
export const COLUMNS_REFUSED_MS = 10 * 60_000;

export function createHttpTransport(options: HttpTransportOptions, formats?: IngestFormats): UplinkTransport {
  const post = createJsonPoster(options, "/api/v1/ingest");
  let columnsRefusedAtMs = Number.NEGATIVE_INFINITY;
  const sendV1 = (batch: IngestBatch) => post(batch, `batch ${batch.batchId}`, INGEST_V1_MEDIA_TYPE);
  const sendV2 = async (batch: IngestBatch): Promise<SendResult<unknown>> => {
    const { body, order } = toColumnsBatch(batch);
    const r = await post(body, `batch ${batch.batchId}`, INGEST_V2_MEDIA_TYPE);
    if (isUnsupportedMediaType(r)) {
      // Central does not read it after all (replaced by an older version since its catalog was read).
      columnsRefusedAtMs = Date.now();
      return sendV1(batch);
    }
    if (!isRefusedInPart(r)) return r;
    const rejected = batchRefusals(r.rejected, order);
    // Indexes that are not the body's points: the batch is refused as a whole, as central said.
    if (!rejected) return { kind: "failure", code: r.code, message: r.message };
    return { ...r, rejected };
  };
  return {
    async send(batch) {
      const columns =
        formats?.accepts(INGEST_V2_MEDIA_TYPE) === true &&
        Date.now() - columnsRefusedAtMs >= COLUMNS_REFUSED_MS;
      const r = await (columns ? sendV2(batch) : sendV1(batch));
      if (r.kind !== "success") return r;
      const ack = r.value;
      if (!Value.Check(IngestAckSchema, ack) || ack.batchId !== batch.batchId) return ackMismatch();
      return success(ack);
    },
  };
}

/** Spectrum snapshots to `POST /api/v1/ingest/spectrum`. */
export interface SnapshotTransport {
  send(request: SpectrumIngest): Promise<SendResult<SpectrumIngestAck>>;
}

export function createSnapshotTransport(options: HttpTransportOptions): SnapshotTransport {
  const post = createJsonPoster(options, "/api/v1/ingest/spectrum");
  return {
    async send(request) {
      const r = await post(request, `${request.snapshots.length} spectrum snapshot(s)`);
      if (r.kind !== "success") return r;
      const ack = r.value;
      if (!Value.Check(SpectrumIngestAckSchema, ack) || ack.accepted !== request.snapshots.length)
        return ackMismatch();
      return success(ack);
    },
  };
}
