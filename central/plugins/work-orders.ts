// Work orders made from alarms (JSON and printable PDF, photos) and the
// monthly service report per company (JSON, CSV, PDF). A service company
// sees and changes only its own orders and reads only its own report
// (404 for anything else); the ministry reads everything; admin does all.
// Changes are audited by the admin plugin's hook like every non-GET request,
// and PDF/CSV exports like every file download.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import type { CentralDeps } from "../deps.ts";
import { ApiError, errorResponses, pageLimit, principalOf, sendFile } from "../http.ts";
import { checkImage } from "../lib/image-check.ts";
import { faultName, pointName } from "../maintenance/names.ts";
import { buildServiceReport, serviceReportCsv } from "../maintenance/service-report.ts";
import { renderServiceReportPdf } from "../maintenance/service-report-pdf.ts";
import { renderWorkOrderPdf } from "../maintenance/work-order-pdf.ts";
import {
  alarmEvidence,
  detectImageType,
  MAX_PHOTO_BYTES,
  PhotoTypes,
  type WorkOrder,
  type WorkOrderEventKind,
  WorkOrderEventKinds,
  WorkOrders,
} from "../maintenance/work-orders.ts";
import type { Principal } from "../meta/meta.ts";
import { AlarmHealthSchema, AlarmSchema } from "./alarm-schemas.ts";
import { AssetConditionSchema } from "./condition-schemas.ts";
import { checkCompany, companiesOf } from "./service.ts";

const Time = Type.String({ format: "date-time" });
const TimeOrNull = Type.Union([Time, Type.Null()]);
const TextOrNull = Type.Union([Type.String(), Type.Null()]);
// Literal unions written out: TypeBox infers `never` from a mapped array.
const StateSchema = Type.Union([Type.Literal("open"), Type.Literal("in_progress"), Type.Literal("done")]);
const LangSchema = Type.Union([Type.Literal("ru"), Type.Literal("en")], { default: "ru" });

const PartSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    partNumber: Type.Optional(Type.String({ maxLength: 100 })),
    quantity: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);

const WorkOrderSchema = Type.Object(
  {
    id: Type.String({ description: "WO-<n>" }),
    alarm: Type.String(),
    asset: Type.String(),
    company: Type.String(),
    state: StateSchema,
    title: Type.String(),
    description: TextOrNull,
    assignee: TextOrNull,
    createdBy: Type.String(),
    createdAt: Time,
    startedAt: TimeOrNull,
    doneAt: TimeOrNull,
    findings: TextOrNull,
    parts: Type.Array(PartSchema),
    updatedAt: Time,
  },
  { $id: "WorkOrder" },
);

const PhotoSchema = Type.Object({
  id: Type.Integer(),
  workOrder: Type.String(),
  contentType: Type.Union([Type.Literal("image/jpeg"), Type.Literal("image/png")]),
  sizeBytes: Type.Integer(),
  createdAt: Time,
  by: Type.String(),
  url: Type.String(),
});

const EvidenceSchema = Type.Union([
  Type.Object({
    source: Type.Union([Type.Literal("diagnosis"), Type.Literal("vibration")]),
    at: Time,
    fields: Type.Record(Type.String(), Type.Number()),
  }),
  Type.Null(),
]);

// The alarm inline (its properties, plus the evidence) rather than a $ref to "Alarm".
const AlarmWithEvidence = Type.Object({
  ...AlarmSchema.properties,
  evidence: EvidenceSchema,
  faultText: Type.String({ description: "the fault in words, in the requested language" }),
});

const ORDERS_PAGE = pageLimit({ max: 1000, default: 200 });

const WorkOrderParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const Counts = Type.Object({ warning: Type.Integer(), alarm: Type.Integer(), total: Type.Integer() });
const Durations = Type.Object({
  count: Type.Integer(),
  medianMin: Type.Union([Type.Number(), Type.Null()]),
  p90Min: Type.Union([Type.Number(), Type.Null()]),
  maxMin: Type.Union([Type.Number(), Type.Null()]),
});
const Figures = {
  daysUnderContract: Type.Integer(),
  daysMonitored: Type.Integer({ description: "the billing quantity" }),
  alarms: Counts,
  unacknowledged: Type.Integer(),
  timeToAcknowledge: Durations,
  timeToClose: Durations,
  escalations: Type.Integer(),
  workOrders: Type.Object({ opened: Type.Integer(), done: Type.Integer() }),
};
const ServiceReportSchema = Type.Object({
  company: Type.Object({ id: Type.String(), name: Type.String() }),
  month: Type.String(),
  timeZone: Type.String(),
  from: Time,
  to: Time,
  daysInMonth: Type.Integer(),
  daysElapsed: Type.Integer({ description: "days of the month begun when the report was made" }),
  asOf: Time,
  generatedAt: Time,
  generatedBy: Type.String(),
  assets: Type.Array(
    Type.Object({
      asset: Type.String(),
      name: Type.String(),
      kind: Type.String(),
      site: Type.String(),
      siteName: Type.String(),
      ...Figures,
      condition: AssetConditionSchema,
    }),
  ),
  totals: Type.Object({ assets: Type.Integer(), ...Figures }),
  health: AlarmHealthSchema,
  links: Type.Object(
    { csv: Type.String(), pdf: Type.String(), pdfEn: Type.String() },
    { description: "the same report as files (for the console's download buttons)" },
  ),
});

/** Who did it, as the audit log and histories name people. */
const actorOf = (p: Principal): string => p.label || `${p.role}#${p.tokenId}`;

const workOrders: FastifyPluginAsyncTypebox<CentralDeps> = async (app, deps) => {
  const { meta, store } = deps;
  const { book, contracts, clock } = app.service;
  const orders = new WorkOrders(meta.db, clock);
  app.addSchema(WorkOrderSchema);

  // Photos come as the raw image body, read up to the limit (the auth hook
  // has run before any byte is read); a larger body is refused as soon as
  // its declared length or the bytes read pass the limit, the rest discarded.
  app.addContentTypeParser([...PhotoTypes], (request, payload, done) => {
    const tooLarge = () =>
      new ApiError("PAYLOAD_TOO_LARGE", `A photo may have at most ${MAX_PHOTO_BYTES} bytes`);
    if (Number(request.headers["content-length"]) > MAX_PHOTO_BYTES) {
      payload.resume();
      done(tooLarge(), undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const finish = (error: Error | null, body?: Buffer) => {
      if (finished) return;
      finished = true;
      done(error, body);
    };
    payload.on("data", (chunk: Buffer) => {
      if (finished) return;
      size += chunk.length;
      if (size > MAX_PHOTO_BYTES) finish(tooLarge());
      else chunks.push(chunk);
    });
    payload.on("end", () => finish(null, Buffer.concat(chunks)));
    payload.on("error", (error) => finish(error));
  });

  /** The order if the caller may see it (404 otherwise: existence is not revealed). */
  const visibleOrder = async (request: FastifyRequest, id: string): Promise<WorkOrder> => {
    const order = await orders.get(id);
    const mine = companiesOf(principalOf(request));
    if (!order || (mine && !mine.includes(order.company)))
      throw new ApiError("NOT_FOUND", `No work order "${id}"`);
    return order;
  };

  const photoUrl = (order: string, photo: number) =>
    `/api/v1/work-orders/${encodeURIComponent(order)}/photos/${photo}`;

  app.post(
    "/api/v1/alarms/:id/work-orders",
    {
      config: { access: { roles: ["admin", "service_company"] } },
      schema: {
        tags: ["work orders"],
        summary: "Open a work order for an alarm (admin or the company the alarm is routed to)",
        description:
          "`:id` is an alarm id or key (then its open occurrence). The order belongs to the alarm's company; the alarm's history gets a comment naming the order.",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 400 }) }),
        body: Type.Object(
          {
            title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            description: Type.Optional(Type.String({ maxLength: 10_000 })),
            assignee: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ workOrder: Type.Ref("WorkOrder") }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const alarm = await book.resolve(request.params.id);
      const mine = companiesOf(principal);
      if (!alarm || (mine && !mine.includes(alarm.company)))
        throw new ApiError("NOT_FOUND", `No alarm "${request.params.id}"`);
      const actor = actorOf(principal);
      const lang = (await contracts.getCompany(alarm.company))?.lang ?? "ru";
      const asset = (await meta.fleet.current()).assetById.get(alarm.asset);
      const title =
        request.body.title ??
        `${faultName(alarm.fault, lang)}: ${asset?.name ?? alarm.asset}, ${pointName(alarm.point, lang)}`;
      const order = await orders.create(
        {
          alarm,
          title,
          description: request.body.description ?? null,
          assignee: request.body.assignee ?? null,
          actor,
        },
        async (created, tx) => {
          await book.commentIn(tx, alarm.id, actor, `work order ${created.id} created`);
        },
      );
      reply.code(201);
      return { workOrder: order };
    },
  );

  app.get(
    "/api/v1/work-orders",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["work orders"],
        summary: "Work orders the caller may see, newest first (a service company: its own)",
        querystring: Type.Object(
          {
            asset: Type.Optional(Type.String({ minLength: 1 })),
            state: Type.Optional(StateSchema),
            company: Type.Optional(Type.String({ minLength: 1 })),
            alarm: Type.Optional(Type.String({ minLength: 1 })),
            limit: ORDERS_PAGE.query,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ workOrders: Type.Array(Type.Ref("WorkOrder")) }),
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = ORDERS_PAGE.of(q.limit);
      const mine = companiesOf(principalOf(request));
      // A service company asking for another company's orders gets none.
      if (mine && q.company !== undefined && !mine.includes(q.company)) return { workOrders: [] };
      const company = mine ? mine[0] : q.company;
      if (mine && company === undefined) return { workOrders: [] };
      return {
        workOrders: await orders.list({
          limit,
          ...(q.asset === undefined ? {} : { asset: q.asset }),
          ...(q.state === undefined ? {} : { state: q.state }),
          ...(q.alarm === undefined ? {} : { alarm: q.alarm }),
          ...(company === undefined ? {} : { company }),
        }),
      };
    },
  );

  app.get(
    "/api/v1/work-orders/:id",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["work orders"],
        summary: "A work order with its alarm (and evidence), history and photos; or the printable PDF",
        description: "`format=pdf`: the printable work order (Russian by default, `lang=en` for English).",
        params: WorkOrderParams,
        querystring: Type.Object(
          {
            format: Type.Union([Type.Literal("json"), Type.Literal("pdf")], { default: "json" }),
            lang: LangSchema,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            workOrder: Type.Ref("WorkOrder"),
            alarm: Type.Union([AlarmWithEvidence, Type.Null()]),
            events: Type.Array(
              Type.Object({
                id: Type.Integer(),
                workOrder: Type.String(),
                at: Time,
                kind: Type.Unsafe<WorkOrderEventKind>(
                  Type.Union(WorkOrderEventKinds.map((k) => Type.Literal(k))),
                ),
                actor: Type.String(),
                from: TextOrNull,
                to: TextOrNull,
              }),
            ),
            photos: Type.Array(PhotoSchema),
          }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const order = await visibleOrder(request, request.params.id);
      const { format, lang } = request.query;
      const alarm = await book.get(order.alarm);
      const found = alarm ? await alarmEvidence(store, alarm) : null;
      if (found && found.kind !== "success")
        throw new ApiError(found.kind === "retryable" ? "STORE_UNAVAILABLE" : "QUERY_FAILED", found.message);
      const evidence = found?.value ?? null;
      const events = await orders.events(order.id);
      const photos = await orders.photos(order.id);
      if (format === "pdf") {
        const fleet = await meta.fleet.current();
        const asset = fleet.assetById.get(order.asset);
        const company = await contracts.getCompany(order.company);
        const pdf = await renderWorkOrderPdf(
          {
            order,
            alarm,
            assetName: asset?.name ?? order.asset,
            siteName: asset ? (fleet.siteById.get(asset.site)?.name ?? asset.site) : null,
            companyName: company?.name ?? order.company,
            evidence,
            events,
            photos: await Promise.all(
              photos.map(async (p) => ({ ...p, bytes: (await orders.photo(order.id, p.id))!.bytes })),
            ),
          },
          lang,
          { nowMs: clock(), ...(company ? { timeZone: company.timezone } : {}) },
        );
        return sendFile(reply, {
          contentType: "application/pdf",
          filename: `work-order-${order.id}.pdf`,
          body: pdf,
        });
      }
      return {
        workOrder: order,
        alarm: alarm ? { ...alarm, evidence, faultText: faultName(alarm.fault, lang) } : null,
        events,
        photos: photos.map((p) => ({ ...p, url: photoUrl(order.id, p.id) })),
      };
    },
  );

  app.patch(
    "/api/v1/work-orders/:id",
    {
      config: { access: { roles: ["admin", "service_company"] } },
      schema: {
        tags: ["work orders"],
        summary:
          "Change a work order: state (open → in_progress → done, or open → done; done is final), assignee, findings, parts",
        description: "A state that does not follow, or any change to a done order: 409 CONFLICT.",
        params: WorkOrderParams,
        body: Type.Object(
          {
            state: Type.Optional(StateSchema),
            assignee: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
            findings: Type.Optional(Type.Union([Type.String({ maxLength: 20_000 }), Type.Null()])),
            parts: Type.Optional(Type.Array(PartSchema, { maxItems: 200 })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: {
          200: Type.Object({ workOrder: Type.Ref("WorkOrder") }),
          ...errorResponses(400, 404, 409),
        },
      },
    },
    async (request) => {
      const order = await visibleOrder(request, request.params.id);
      const updated = await orders.update(order.id, request.body, actorOf(principalOf(request)));
      if (!updated) throw new ApiError("NOT_FOUND", `No work order "${order.id}"`);
      return { workOrder: updated };
    },
  );

  app.post(
    "/api/v1/work-orders/:id/photos",
    {
      config: { access: { roles: ["admin", "service_company"] } },
      schema: {
        tags: ["work orders"],
        summary:
          "Attach a photo: the raw image as the body (Content-Type image/jpeg or image/png, at most 5 MB)",
        description:
          "The bytes must be what the Content-Type says (JPEG or PNG signature), else 400. Larger bodies: 413; other types: 415. At most 20 photos per order; none on a done order (409).",
        params: WorkOrderParams,
        consumes: [...PhotoTypes],
        // Typeless, so the validator lets the bytes through; the handler checks them.
        body: Type.Unsafe<unknown>({ description: "the image's bytes (binary)" }),
        response: {
          201: Type.Object({ photo: PhotoSchema }),
          ...errorResponses(400, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const order = await visibleOrder(request, request.params.id);
      const declared = String(request.headers["content-type"] ?? "")
        .split(";")[0]!
        .trim()
        .toLowerCase();
      if (!Buffer.isBuffer(request.body) || !(PhotoTypes as readonly string[]).includes(declared))
        throw new ApiError("UNSUPPORTED_ENCODING", "A photo is sent as image/jpeg or image/png");
      const found = detectImageType(request.body);
      if (found !== declared)
        throw new ApiError(
          "VALIDATION_FAILED",
          `body: not a ${declared === "image/png" ? "PNG" : "JPEG"} image (its first bytes are ${found ?? "no image signature"})`,
        );
      // The whole image, not only its first bytes: a damaged one would stall every PDF it goes into.
      const check = await checkImage(request.body);
      if (!check.ok) throw new ApiError("VALIDATION_FAILED", `body: ${check.reason}`);
      const photo = await orders.addPhoto(order.id, request.body as Buffer, actorOf(principalOf(request)));
      if (!photo) throw new ApiError("NOT_FOUND", `No work order "${order.id}"`);
      reply.code(201);
      return { photo: { ...photo, url: photoUrl(order.id, photo.id) } };
    },
  );

  app.get(
    "/api/v1/work-orders/:id/photos/:photoId",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["work orders"],
        summary: "A photo of a work order (image/jpeg or image/png)",
        params: Type.Object({
          id: Type.String({ minLength: 1, maxLength: 64 }),
          photoId: Type.String({ pattern: "^[0-9]{1,12}$" }),
        }),
        response: { ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const order = await visibleOrder(request, request.params.id);
      const photo = await orders.photo(order.id, Number(request.params.photoId));
      if (!photo) throw new ApiError("NOT_FOUND", `No photo ${request.params.photoId} of ${order.id}`);
      // A photo never changes under its id.
      return reply
        .type(photo.contentType)
        .header("Cache-Control", "private, max-age=86400, immutable")
        .send(photo.bytes);
    },
  );

  app.get(
    "/api/v1/reports/service",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["work orders"],
        summary:
          "Monthly service and condition report of a company: per asset its condition, open alarms with evidence, the worst point's trend and the recommended action with its urgency; days under contract and monitored, alarms, response times, work orders; the alarm-system health (JSON, CSV or PDF)",
        description:
          "Month in the company's time zone; default the previous month; a month still running counts the days begun so far and gives the condition now. Admin and ministry name the `company`; a service company gets its own. CSV: one row per asset and a TOTAL row (the action in `lang`). PDF: Russian by default, `lang=en` for English, results before method. Asset-days monitored are the billing quantity.",
        querystring: Type.Object(
          {
            company: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            month: Type.Optional(
              Type.String({ pattern: "^\\d{4}-(0[1-9]|1[0-2])$", description: "YYYY-MM" }),
            ),
            format: Type.Union([Type.Literal("json"), Type.Literal("csv"), Type.Literal("pdf")], {
              default: "json",
            }),
            lang: LangSchema,
          },
          { additionalProperties: false },
        ),
        response: { 200: ServiceReportSchema, ...errorResponses(400, 404, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const q = request.query;
      const id = q.company ?? (principal.role === "service_company" ? principal.tenant : null);
      if (!id)
        throw new ApiError("VALIDATION_FAILED", "querystring.company: required for admin and ministry");
      checkCompany(request, id);
      const company = await contracts.getCompany(id);
      if (!company) throw new ApiError("NOT_FOUND", `No company "${id}"`);
      const now = clock();
      const month = q.month ?? previousMonth(now, company.timezone);
      const r = await buildServiceReport(
        { store, meta, book, contracts, workOrders: orders },
        { company, month, generatedBy: `${actorOf(principal)} (${principal.role})`, nowMs: now },
      );
      if (r.kind === "retryable") throw new ApiError("STORE_UNAVAILABLE", r.message);
      if (r.kind === "failure") throw new ApiError("QUERY_FAILED", r.message);
      const report = r.value;
      const stem = `service-${company.id}-${month}`;
      if (q.format === "csv")
        return sendFile(reply, {
          contentType: "text/csv; charset=utf-8",
          filename: `${stem}.csv`,
          body: serviceReportCsv(report, q.lang),
        });
      if (q.format === "pdf")
        return sendFile(reply, {
          contentType: "application/pdf",
          filename: `${stem}.pdf`,
          body: await renderServiceReportPdf(report, q.lang),
        });
      const base = `/api/v1/reports/service?company=${encodeURIComponent(company.id)}&month=${month}`;
      return {
        ...report,
        links: { csv: `${base}&format=csv`, pdf: `${base}&format=pdf`, pdfEn: `${base}&format=pdf&lang=en` },
      };
    },
  );
};

/** The month before the one `nowMs` falls in, in a zone: "YYYY-MM". */
export function previousMonth(nowMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
  }).formatToParts(new Date(nowMs));
  const year = Number(parts.find((p) => p.type === "year")?.value);
  const month = Number(parts.find((p) => p.type === "month")?.value);
  const prev = new Date(Date.UTC(year, month - 2, 1));
  return `${prev.getUTCFullYear()}-${String(prev.getUTCMonth() + 1).padStart(2, "0")}`;
}

export default workOrders;
