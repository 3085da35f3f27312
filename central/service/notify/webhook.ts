// Webhook requests: POST the signed JSON body and classify the answer. 2xx
// is delivered; 408, 429, 5xx, a timeout or a connection error is worth
// another attempt (with the receiver's Retry-After, if it gave one); any
// other status will not change by retrying, so it fails at once. Redirects
// are not followed (a signed body is meant for the configured URL only).
//
// node:http(s) with keep-alive agents rather than fetch(): on loopback it
// was about ten times cheaper per request (bench/notify.bench.ts), which is
// what a burst of alarms to many receivers is made of.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { failure, type IoResult, retryable, success } from "../../../common/result.ts";
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from "./signature.ts";

/** Characters of a refusing receiver's answer kept in the delivery's error. */
const ERROR_BODY_CHARS = 200;

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
  text: string;
}

export class WebhookSender {
  private readonly http = new HttpAgent({ keepAlive: true });
  private readonly https = new HttpsAgent({ keepAlive: true });

  async post(req: WebhookRequest): Promise<IoResult<number>> {
    const body = Buffer.from(req.body, "utf8");
    let answer: Answer;
    try {
      answer = await this.exchange(req, body);
    } catch (error) {
      const e = error as Error & { code?: string };
      if (e.name === "TimeoutError") return retryable("DELIVERY_UNREACHABLE", e.message, 0);
      return retryable("DELIVERY_UNREACHABLE", `connection failed: ${e.code ?? e.message}`, 0);
    }
    const { status, text } = answer;
    if (status >= 200 && status < 300) return success(status);
    const message = `HTTP ${status}${text ? `: ${text}` : ""}`;
    if (isRetryableStatus(status))
      return retryable("DELIVERY_UNREACHABLE", message, retryAfterMs(answer.retryAfter, Date.now()));
    return failure(
      "DELIVERY_REJECTED",
      status >= 300 && status < 400 ? `${message} (redirects are not followed)` : message,
    );
  }

  private exchange(req: WebhookRequest, body: Buffer): Promise<Answer> {
    const url = new URL(req.url);
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
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            if (text.length < ERROR_BODY_CHARS) text += chunk;
          });
          res.on("end", () => {
            clearTimeout(timer);
            resolve({
              status: res.statusCode ?? 0,
              retryAfter: res.headers["retry-after"],
              text: text.slice(0, ERROR_BODY_CHARS).replace(/\s+/g, " ").trim(),
            });
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
