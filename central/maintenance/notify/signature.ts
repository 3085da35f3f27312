// Webhook signatures, the scheme of Stripe and GitHub: the sender puts the
// unix time in `X-Vetra-Timestamp` and `sha256=<hex HMAC-SHA256(secret,
// timestamp + "." + body)>` in `X-Vetra-Signature`. Signing the timestamp
// with the body lets a receiver refuse replays older than its tolerance.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-vetra-signature";
export const TIMESTAMP_HEADER = "x-vetra-timestamp";
export const DELIVERY_HEADER = "x-vetra-delivery";

/** The header value for `body` signed at `timestampS` (unix seconds). */
export const signWebhook = (secret: string, timestampS: number, body: string): string =>
  `sha256=${createHmac("sha256", secret).update(`${timestampS}.${body}`).digest("hex")}`;

/**
 * True when `header` is the signature of `rawBody` (the bytes as received,
 * before any JSON parsing) at `timestamp`, and the timestamp is within
 * `toleranceS` of `nowMs`. The comparison takes the same time wherever the
 * signatures differ.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number,
  rawBody: string | Buffer,
  header: string | undefined,
  toleranceS = 300,
  nowMs: number = Date.now(),
): boolean {
  if (!header) return false;
  const ts =
    typeof timestamp === "number" ? timestamp : /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  if (!Number.isFinite(ts) || Math.abs(nowMs / 1000 - ts) > toleranceS) return false;
  const given = /^sha256=([0-9a-f]{64})$/i.exec(header.trim())?.[1];
  if (!given) return false;
  const expected = createHmac("sha256", secret)
    .update(`${timestamp}.`)
    .update(typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : rawBody)
    .digest();
  return timingSafeEqual(Buffer.from(given, "hex"), expected);
}
