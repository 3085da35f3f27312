// Webhook requests: POST the signed JSON body and classify the answer. 2xx
// is delivered; 408, 429, 5xx, a timeout or a connection error is worth
// another attempt (with the receiver's Retry-After, if it gave one); any
// other status will not change by retrying, so it fails at once. Redirects
// are not followed (a signed body is meant for the configured URL only).
//
// Only public receivers are reached (receivers.ts): the URL is checked
// before the request and every address its name resolves to in the
// socket's own lookup. What a receiver answers is never kept — the
// delivery's error is the status line (code and standard reason phrase) —
// and every network failure reads the same, so the notification log cannot
// be used to read internal services or tell open ports from closed ones.
//
// node:http(s) with keep-alive agents rather than fetch(): on loopback it
// was about ten times cheaper per request (bench/notify.bench.ts), which is
// what a burst of alarms to many receivers is made of.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, STATUS_CODES } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { failure, type IoResult, retryable, success } from "../../../common/result.ts";
import {
  guardedLookup,
  NOT_ALLOWED,
  type ReceiverPolicy,
  receiverPolicy,
  receiverUrlProblem,
} from "./receivers.ts";
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from "./signature.ts";

/** The one message of every failed connection: refused, reset, unreachable, unresolvable or timed out alike. */
export const UNREACHABLE_MESSAGE =
  "no answer from the receiver (could not connect, or it did not answer in time)";

/** Retry-After as milliseconds (delta-seconds or an HTTP date); 0 when absent or unreadable. */
export function retryAfterMs(header: string | undefined, nowMs: number): number {
  if (!header) return 0;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : 0;
}

const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

export interface WebhookRequest {
  url: string;
  delivery: string;
  body: string;
  secret: string;
  /** Unix seconds for X-Vetra-Timestamp. */
  timestampS: number;
  timeoutMs: number;
}

interface Answer {
  status: number;
  retryAfter: string | undefined;
}

/** `HTTP 404 Not Found`: the code and the standard phrase, never the receiver's own words. */
const statusLine = (status: number): string =>
  `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ""}`;

export class WebhookSender {
  private readonly policy: ReceiverPolicy;
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;

  constructor(policy: ReceiverPolicy = receiverPolicy()) {
    this.policy = policy;
    const lookup = guardedLookup(policy);
    this.http = new HttpAgent({ keepAlive: true, lookup });
    this.https = new HttpsAgent({ keepAlive: true, lookup });
  }

  async post(req: WebhookRequest): Promise<IoResult<number>> {
    const body = Buffer.from(req.body, "utf8");
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return failure("DELIVERY_REJECTED", "the webhook URL is not valid");
    }
    const refused = receiverUrlProblem(this.policy, url);
    if (refused) return failure("RECEIVER_NOT_ALLOWED", refused);
    let answer: Answer;
    try {
      answer = await this.exchange(url, req, body);
    } catch (error) {
      const e = error as Error & { code?: string };
      if (e.code === NOT_ALLOWED) return failure("RECEIVER_NOT_ALLOWED", e.message);
      return retryable("DELIVERY_UNREACHABLE", UNREACHABLE_MESSAGE, 0);
    }
    const { status } = answer;
    if (status >= 200 && status < 300) return success(status);
    const message = statusLine(status);
    if (isRetryableStatus(status))
      return retryable("DELIVERY_UNREACHABLE", message, retryAfterMs(answer.retryAfter, Date.now()));
    return failure(
      "DELIVERY_REJECTED",
      status >= 300 && status < 400 ? `${message} (redirects are not followed)` : message,
    );
  }

  private exchange(url: URL, req: WebhookRequest, body: Buffer): Promise<Answer> {
    const secure = url.protocol === "https:";
    return new Promise<Answer>((resolve, reject) => {
      const r = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: "POST",
          agent: secure ? this.https : this.http,
          headers: {
            "content-type": "application/json",
            "content-length": body.length,
            "user-agent": "Vetra-Webhook/1",
            [DELIVERY_HEADER]: req.delivery,
            [TIMESTAMP_HEADER]: String(req.timestampS),
            [SIGNATURE_HEADER]: signWebhook(req.secret, req.timestampS, req.body),
          },
        },
        (res: IncomingMessage) => {
          // The answer's body is read and dropped: nothing of it is kept.
          res.resume();
          res.on("end", () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] });
          });
          res.on("error", reject);
          res.on("close", () => {
            if (!res.complete) reject(Object.assign(new Error("answer cut off"), { code: "ECONNRESET" }));
          });
        },
      );
      // One deadline for the whole exchange: connect, send, answer.
      const timer = setTimeout(() => {
        const error = new Error(`no answer within ${req.timeoutMs} ms`);
        error.name = "TimeoutError";
        r.destroy(error);
      }, req.timeoutMs);
      r.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      r.end(body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
