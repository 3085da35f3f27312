// Alarm notifications: builds the Notifier on the metadata database, shares it
// as `app.notifier`, runs it with the app (started when ready, stopped —
// awaiting sends in flight — when the app closes). Routes: a company's
// notification rules, the deliveries and their outcomes, and a manual retry
// of a failed delivery. A service company sees and changes only its own.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import fp from "fastify-plugin";
import type { CentralDeps } from "../deps.ts";
import { ApiError, errorResponses, pageLimit, principalOf } from "../http.ts";
import { openSecretBox } from "../lib/secret-box.ts";
import { isStorageFull, onceInAWhile } from "../lib/storage.ts";
import { AlarmEventKinds } from "../maintenance/alarm-book.ts";
import { Notifier } from "../maintenance/notify/notifier.ts";
import { DeliveryStatuses } from "../maintenance/notify/outbox.ts";
import { receiverPolicy, resolvedReceiverProblem } from "../maintenance/notify/receivers.ts";
import {
  Channels,
  MAX_RULES_PER_COMPANY,
  MIN_SECRET_LENGTH,
  NotifyEventKinds,
  RuleError,
} from "../maintenance/notify/rules.ts";
import { checkCompany, companiesOf } from "./service.ts";

declare module "fastify" {
  interface FastifyInstance {
    notifier: Notifier;
  }
}

const literals = <T extends string>(values: readonly T[], options: object = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );

const Severities = ["warning", "alarm"] as const;
const Severity = literals(Severities);
const HHMM = Type.String({
  pattern: "^([01]\\d|2[0-3]):[0-5]\\d$",
  description: "HH:MM, the company's local time",
});
const CompanyParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

const RuleSchema = Type.Object(
  {
    id: Type.String(),
    channel: literals(Channels),
    target: Type.String({ description: "http(s) URL of the webhook, or e-mail address" }),
    hasSecret: Type.Boolean({ description: "the webhook's signing secret is set (it is never shown)" }),
    minSeverity: Severity,
    events: Type.Array(literals(NotifyEventKinds)),
    quietFrom: Type.Union([HHMM, Type.Null()]),
    quietTo: Type.Union([HHMM, Type.Null()]),
    digestMinutes: Type.Integer(),
    enabled: Type.Boolean(),
  },
  { $id: "NotificationRule" },
);

const RuleInputSchema = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: "^[A-Za-z0-9_.:-]+$",
        description: "keep a rule's id (and its secret) across replacements; new rules get one",
      }),
    ),
    channel: literals(Channels),
    target: Type.String({ minLength: 3, maxLength: 2048 }),
    secret: Type.Optional(
      Type.Union([Type.String({ minLength: MIN_SECRET_LENGTH, maxLength: 256 }), Type.Null()], {
        description:
          "webhook only: the HMAC-SHA256 key for X-Vetra-Signature; absent keeps the rule's current secret",
      }),
    ),
    minSeverity: Type.Optional(literals(Severities, { default: "warning" })),
    events: Type.Array(literals(NotifyEventKinds), { minItems: 1, maxItems: NotifyEventKinds.length }),
    quietFrom: Type.Optional(Type.Union([HHMM, Type.Null()])),
    quietTo: Type.Optional(Type.Union([HHMM, Type.Null()])),
    digestMinutes: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1440,
        default: 0,
        description: "0: each event at once; else one digest per window (from local midnight)",
      }),
    ),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

const DeliverySchema = Type.Object(
  {
    id: Type.String(),
    company: Type.String(),
    rule: Type.String(),
    channel: literals(Channels),
    target: Type.String(),
    type: Type.Union([...AlarmEventKinds.map((k) => Type.Literal(`alarm.${k}`)), Type.Literal("digest")]),
    status: literals(DeliveryStatuses),
    attempts: Type.Integer(),
    nextAttemptAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: "date-time" }),
    sentAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    alarms: Type.Array(Type.String()),
    events: Type.Integer({ description: "alarm events it reports" }),
  },
  { $id: "NotificationDelivery" },
);

const DELIVERIES_PAGE = pageLimit({ max: 1000, default: 100 });

const RulesReply = Type.Object({ company: Type.String(), rules: Type.Array(Type.Ref("NotificationRule")) });

const notifications: FastifyPluginAsyncTypebox<CentralDeps> = async (app, deps) => {
  const clock = deps.clock ?? Date.now;
  const pumpLogged = onceInAWhile();
  const notifier = await new Notifier({
    db: deps.meta.db,
    secrets: openSecretBox(deps.config),
    config: deps.config.notifications,
    clock,
    log: {
      warn: (obj, msg) => app.log.warn(obj, msg),
      // A pump that failed for lack of space is retried next round; readiness says why meanwhile.
      error: (obj, msg) => {
        const err = (obj as { err?: unknown }).err;
        if (isStorageFull(err)) {
          app.storage.noteFull(deps.meta.file, err);
          if (pumpLogged(`${msg}: storage full`))
            app.log.warn({ code: "STORAGE_FULL" }, `${msg}: storage full`);
          return;
        }
        app.log.error(obj, msg);
      },
    },
  }).open();
  app.decorate("notifier", notifier);
  const receivers = receiverPolicy(deps.config.notifications.webhookAllowList);
  app.addHook("onReady", async () => notifier.start());
  app.addHook("onClose", async () => notifier.stop());
  app.addSchema(RuleSchema);
  app.addSchema(DeliverySchema);

  /** The company, if it exists and the caller may act for it; 404 otherwise (the same answer for both). */
  const companyFor = async (request: Parameters<typeof checkCompany>[0], id: string): Promise<string> => {
    checkCompany(request, id);
    if (!(await app.service.contracts.getCompany(id))) throw new ApiError("NOT_FOUND", `No company "${id}"`);
    return id;
  };

  app.get(
    "/api/v1/companies/:id/notification-rules",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["notifications"],
        summary: "A company's notification rules (webhook secrets are never shown)",
        params: CompanyParams,
        response: { 200: RulesReply, ...errorResponses(404) },
      },
    },
    async (request) => {
      const company = await companyFor(request, request.params.id);
      return { company, rules: await notifier.rules.list(company) };
    },
  );

  app.put(
    "/api/v1/companies/:id/notification-rules",
    {
      config: { access: { roles: ["admin", "service_company"] } },
      schema: {
        tags: ["notifications"],
        summary: "Replace a company's notification rules (admin or the company itself)",
        description:
          "Webhooks are POSTed JSON signed with X-Vetra-Signature (see README, Webhooks); e-mails go " +
          "through the configured SMTP server. Quiet hours hold events until they end; digest windows " +
          "collect them into one message.",
        params: CompanyParams,
        body: Type.Object(
          { rules: Type.Array(RuleInputSchema, { maxItems: MAX_RULES_PER_COMPANY }) },
          { additionalProperties: false },
        ),
        response: { 200: RulesReply, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const company = await companyFor(request, request.params.id);
      // A name that resolves to a refused address now is refused now (it is checked again at every send).
      for (const [i, rule] of request.body.rules.entries()) {
        if (rule.channel !== "webhook" || !URL.canParse(rule.target)) continue;
        const refused = await resolvedReceiverProblem(receivers, new URL(rule.target));
        if (refused) throw new ApiError("RECEIVER_NOT_ALLOWED", `body.rules[${i}].target: ${refused}`);
      }
      try {
        return { company, rules: await notifier.rules.replace(company, request.body.rules, clock()) };
      } catch (error) {
        if (error instanceof RuleError) throw new ApiError("VALIDATION_FAILED", `body.${error.message}`);
        throw error;
      }
    },
  );

  app.get(
    "/api/v1/notifications",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["notifications"],
        summary: "Deliveries of notifications, newest first, with their outcome (a company sees its own)",
        querystring: Type.Object(
          {
            company: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            status: Type.Optional(literals(DeliveryStatuses)),
            alarm: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
            limit: DELIVERIES_PAGE.query,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ notifications: Type.Array(Type.Ref("NotificationDelivery")) }),
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const mine = companiesOf(principalOf(request));
      if (mine && q.company !== undefined && !mine.includes(q.company)) return { notifications: [] };
      const company = q.company ?? (mine ? (mine[0] ?? "") : undefined);
      const limit = DELIVERIES_PAGE.of(q.limit);
      return {
        notifications: await notifier.outbox.list({
          limit,
          ...(company !== undefined ? { company } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.alarm ? { alarm: q.alarm } : {}),
        }),
      };
    },
  );

  app.post(
    "/api/v1/notifications/:id/retry",
    {
      config: { access: { roles: ["admin", "service_company"] } },
      schema: {
        tags: ["notifications"],
        summary: "Send a failed delivery again, now, with a fresh count of attempts",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: {
          200: Type.Object({ notification: Type.Ref("NotificationDelivery") }),
          ...errorResponses(404, 409),
        },
      },
    },
    async (request) => {
      const mine = companiesOf(principalOf(request));
      const current = await notifier.outbox.get(request.params.id);
      if (!current || (mine && !mine.includes(current.company)))
        throw new ApiError("NOT_FOUND", `No notification "${request.params.id}"`);
      if (!(await notifier.outbox.retry(current.id, clock())))
        throw new ApiError("CONFLICT", `notification "${current.id}" is ${current.status}, not failed`);
      return { notification: (await notifier.outbox.get(current.id))! };
    },
  );
};

export default fp(notifications, { name: "vetra-notifications", dependencies: ["vetra-service"] });
