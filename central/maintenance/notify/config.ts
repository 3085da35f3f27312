// The `notifications` key of central's configuration: the SMTP server for
// e-mail, and how webhooks and e-mails are timed out and retried.
import { type Static, Type } from "@sinclair/typebox";

const SmtpSchema = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
    /** TLS from the first byte (port 465); false: plain, upgraded by STARTTLS when the server offers it. */
    secure: Type.Boolean({ default: false }),
    user: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String()),
    /** Sender, e.g. `Vetra <alarms@example.org>`. */
    from: Type.String({ minLength: 3 }),
    /** Connection, greeting and socket timeout. */
    timeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
  },
  { additionalProperties: false },
);

export const NotificationsConfigSchema = Type.Object(
  {
    /** Without it, e-mail rules cannot be delivered (their deliveries fail with that reason). */
    smtp: Type.Optional(SmtpSchema),
    webhookTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    /** Attempts per delivery, the first included, before it is marked failed. */
    maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 8 }),
    /** Delay before the second attempt; doubled for every further one, up to retryMaxMs. */
    retryBaseMs: Type.Integer({ minimum: 0, default: 30_000 }),
    retryMaxMs: Type.Integer({ minimum: 0, default: 3_600_000 }),
    /** How often each replica looks for new alarm events and due deliveries; 0: only when pump() is called. */
    pumpEveryMs: Type.Integer({ minimum: 0, default: 1000 }),
    /** Deliveries in flight at once per replica. */
    concurrency: Type.Integer({ minimum: 1, maximum: 1000, default: 16 }),
    /** Sent and failed deliveries are kept this long (the visible outcome), then pruned. */
    keepDays: Type.Integer({ minimum: 1, default: 90 }),
    /**
     * Webhook receivers admitted although their address is not public
     * (on-premises systems): CIDRs (`10.20.0.0/16`, `fd00:1::/64`),
     * addresses, or lower-case host names trusted whatever they resolve to.
     * Everything else must resolve to public unicast addresses (see
     * service/notify/receivers.ts).
     */
    webhookAllowList: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
      default: [],
      maxItems: 256,
    }),
    /** Base URL of the console, for links in messages (e.g. https://vetra.example.org). */
    consoleUrl: Type.Optional(Type.String({ pattern: "^https?://[^\\s]+$" })),
  },
  { additionalProperties: false, default: {} },
);

export type NotificationsConfig = Static<typeof NotificationsConfigSchema>;
export type SmtpConfig = Static<typeof SmtpSchema>;
