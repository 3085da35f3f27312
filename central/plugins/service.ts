// The service model: builds the alarm book, contracts and the alarm
// evaluator on the metadata database and shares them as `app.service` with the
// plugins after it (alarms, notifications, work orders, console); runs the
// evaluator with the app (started when ready, stopped — awaiting an
// evaluation in flight — before the stores close). Routes: companies,
// contracts, the fleet view and an asset's history.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { isTimeZone } from "../../common/control-schedule.ts";
import { ContractTermsSchema, configTimeMs } from "../config.ts";
import { openControlRepository } from "../control/registry.ts";
import type { CentralDeps } from "../deps.ts";
import { ApiError, canSeeAsset, errorResponses, pageLimit, principalOf } from "../http.ts";
import { isStorageFull, onceInAWhile } from "../lib/storage.ts";
import { AlarmBook } from "../maintenance/alarm-book.ts";
import {
  type Company,
  CompanyLangs,
  type Contract,
  Contracts,
  responsibleCompany,
} from "../maintenance/contracts.ts";
import { AlarmEvaluator } from "../maintenance/evaluator.ts";
import type { Principal } from "../meta/meta.ts";
import { AlarmEventSchema, AlarmSchema } from "./alarm-schemas.ts";
import { visibleAsset } from "./assets.ts";

/** A site of the fleet view: its assets the caller may see, with their open alarms. */
const FleetSiteSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  assets: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      kind: Type.String(),
      company: Type.String(),
      worst: Type.Union([Type.Literal("alarm"), Type.Literal("warning"), Type.Null()]),
      counts: Type.Object({
        alarm: Type.Integer(),
        warning: Type.Integer(),
        acknowledged: Type.Integer(),
      }),
    }),
  ),
});

export interface ServiceModel {
  book: AlarmBook;
  contracts: Contracts;
  evaluator: AlarmEvaluator;
  clock: () => number;
}

declare module "fastify" {
  interface FastifyInstance {
    service: ServiceModel;
  }
}

/** The companies whose alarms a principal sees: all (undefined) for admin and ministry, else its own. */
export const companiesOf = (principal: Principal): readonly string[] | undefined =>
  principal.role === "admin" || principal.role === "ministry"
    ? undefined
    : principal.role === "service_company" && principal.tenant
      ? [principal.tenant]
      : [];

/** 404 unless the principal may act for `company` (admin, ministry reading, or that company). */
export const checkCompany = (request: FastifyRequest, company: string): Principal => {
  const principal = principalOf(request);
  const mine = companiesOf(principal);
  if (mine && !mine.includes(company)) throw new ApiError("NOT_FOUND", `No company "${company}"`);
  return principal;
};

/** An asset's alarm history: a value outside 1..5000 is taken as the nearer bound. */
const HISTORY_PAGE = pageLimit({ max: 5000, default: 500, outside: "clamp" });

const CompanyLang = Type.Union(CompanyLangs.map((l) => Type.Literal(l)));

const CompanySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    lang: CompanyLang,
    timezone: Type.String(),
    source: Type.Union([Type.Literal("config"), Type.Literal("api")]),
  },
  { $id: "Company" },
);

const ContractSchema = Type.Object(
  {
    id: Type.String(),
    company: Type.String(),
    assets: Type.Array(Type.String()),
    from: Type.String({ format: "date-time" }),
    to: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    responseTimeMinutes: Type.Number(),
    terms: Type.Union([ContractTermsSchema, Type.Null()], {
      description: "fee, credit per breach, VAT; null: not billed",
    }),
    source: Type.Union([Type.Literal("config"), Type.Literal("api")]),
  },
  { $id: "Contract" },
);

const Id = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:-]+$" });
/** A company's fields as the routes take them. */
const CompanyName = Type.String({ minLength: 1, maxLength: 200 });
const TimeZoneName = Type.String({ minLength: 1, maxLength: 64 });
const Email = Type.String({ maxLength: 254, pattern: "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$" });
/** What a company is told by besides its id; connecting one names it, a change any of them (e-mail null: none). */
const CompanyFields = Type.Object(
  {
    name: CompanyName,
    email: Type.Optional(Email),
    lang: Type.Optional(CompanyLang),
    timezone: Type.Optional(TimeZoneName),
  },
  { additionalProperties: false },
);
/** The company as it stands after it was connected or changed. */
const CompanyReply = Type.Object({ company: Type.Ref("Company") });

const TimeText = Type.String({
  pattern: "^\\d{4}-\\d{2}-\\d{2}(T[\\d:.]+(Z|[+-]\\d{2}:?\\d{2}))?$",
  description: "a date (UTC midnight) or an ISO-8601 date-time with zone",
});

/** A time zone the IANA database knows, else a 400 naming `body.timezone`. */
const knownTimeZone = (timezone: string): string => {
  if (!isTimeZone(timezone))
    throw new ApiError("VALIDATION_FAILED", `body.timezone: unknown time zone "${timezone}"`);
  return timezone;
};

const contractOut = (c: Contract) => ({
  id: c.id,
  company: c.company,
  assets: c.assets,
  from: new Date(c.fromMs).toISOString(),
  to: c.toMs === null ? null : new Date(c.toMs).toISOString(),
  responseTimeMinutes: c.responseTimeMs / 60_000,
  terms: c.terms,
  source: c.source,
});

const parseTime = (text: string, key: string): number => {
  const ms = configTimeMs(text);
  if (!Number.isFinite(ms)) throw new ApiError("VALIDATION_FAILED", `body.${key}: not a valid date`);
  return ms;
};

const service: FastifyPluginAsyncTypebox<CentralDeps> = async (app, deps) => {
  const { meta, store, config } = deps;
  const clock = deps.clock ?? Date.now;
  const book = new AlarmBook(meta.db, clock);
  const contracts = new Contracts(meta, clock);
  await contracts.importConfig(config.contracts);
  const evaluationLogged = onceInAWhile();
  const evaluator = new AlarmEvaluator({
    store,
    meta,
    book,
    alarms: config.alarms,
    savings: config.savings,
    ...(config.zones ? { zones: config.zones } : {}),
    control: { config: config.comfort, control: openControlRepository(meta), timeZone: config.timeZone },
    clock,
    // The same failure every round (a store down, a full disk) is logged once a minute.
    log: (message) => {
      if (evaluationLogged(message)) app.log.warn(message);
    },
    onError: (error) => {
      if (isStorageFull(error)) app.storage.noteFull(meta.file, error);
      else app.log.error({ err: error }, "alarm evaluation failed");
    },
  });
  app.decorate("service", { book, contracts, evaluator, clock });
  app.addSchema(CompanySchema);
  app.addSchema(ContractSchema);
  app.addSchema(AlarmSchema);
  app.addSchema(AlarmEventSchema);

  app.addHook("onReady", async () => evaluator.start());
  app.addHook("preClose", async () => evaluator.stop());
  // New data: evaluate soon, and let the next alarm read wait for it (keyed on the matched route,
  // so every spelling of the ingest path counts).
  app.addHook("onResponse", async (request, reply) => {
    if (
      request.method === "POST" &&
      reply.statusCode < 300 &&
      request.routeOptions.url?.startsWith("/api/v1/ingest") === true
    )
      evaluator.markDirty();
  });

  app.get(
    "/api/v1/fleet",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["service"],
        summary: "The caller's assets by site with the worst open alarm severity and counts (the fleet view)",
        querystring: Type.Object({ site: Type.Optional(Type.String()) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            sites: Type.Array(FleetSiteSchema),
            totals: Type.Object({
              assets: Type.Integer(),
              alarm: Type.Integer(),
              warning: Type.Integer(),
              ok: Type.Integer(),
            }),
          }),
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      await evaluator.ensureFresh();
      const now = clock();
      const [counts, index] = await Promise.all([
        book.openCounts(companiesOf(principal)),
        meta.fleet.current(),
      ]);
      const bySite = new Map<string, Static<typeof FleetSiteSchema>>();
      const totals = { assets: 0, alarm: 0, warning: 0, ok: 0 };
      for (const a of index.assets) {
        if (!canSeeAsset(principal, a, now)) continue;
        if (request.query.site && a.site !== request.query.site) continue;
        const c = counts.get(a.id) ?? { alarm: 0, warning: 0, acknowledged: 0 };
        const worst = c.alarm > 0 ? "alarm" : c.warning > 0 ? "warning" : null;
        totals.assets++;
        if (worst) totals[worst]++;
        else totals.ok++;
        let site = bySite.get(a.site);
        if (!site) {
          site = { id: a.site, name: index.siteById.get(a.site)?.name ?? a.site, assets: [] };
          bySite.set(a.site, site);
        }
        site.assets.push({
          id: a.id,
          name: a.name,
          kind: a.kind,
          company: responsibleCompany(a, now),
          worst,
          counts: c,
        });
      }
      return { sites: [...bySite.values()], totals };
    },
  );

  app.get(
    "/api/v1/assets/:id/history",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["service"],
        summary:
          "The asset's alarm history (raised, severity, acknowledged, assigned, escalated, cleared…), newest first",
        params: Type.Object({ id: Type.String() }),
        querystring: Type.Object({ limit: HISTORY_PAGE.query }, { additionalProperties: false }),
        response: {
          200: Type.Object({ events: Type.Array(Type.Ref("AlarmEvent")) }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const asset = await visibleAsset(deps, request, request.params.id);
      const companies = companiesOf(principalOf(request));
      return {
        events: await book.events({
          asset: asset.id,
          ...(companies ? { companies } : {}),
          limit: HISTORY_PAGE.of(request.query.limit),
          newestFirst: true,
        }),
      };
    },
  );

  // Companies: admin connects them; a service company reads itself.
  app.get(
    "/api/v1/companies",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["service"],
        summary: "Service companies (a company's token sees itself)",
        response: {
          200: Type.Object({ companies: Type.Array(Type.Ref("Company")) }),
        },
      },
    },
    async (request) => {
      const mine = companiesOf(principalOf(request));
      return { companies: (await contracts.listCompanies()).filter((c) => !mine || mine.includes(c.id)) };
    },
  );

  app.post(
    "/api/v1/companies",
    {
      config: { access: { roles: ["admin"] } },
      schema: {
        tags: ["service"],
        summary: "Connect a service company (admin); then create its token and contract turbines to it",
        body: Type.Composite([Type.Object({ id: Id }), CompanyFields], { additionalProperties: false }),
        response: { 201: CompanyReply, ...errorResponses(400, 409) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      // Without one, the region's zone (the config's timeZone), the zone of the savings reports too.
      const timezone = knownTimeZone(b.timezone ?? config.timeZone);
      const company: Company = await contracts.addCompany({
        id: b.id,
        name: b.name,
        email: b.email ?? null,
        lang: b.lang ?? "ru",
        timezone,
      });
      reply.code(201);
      return { company };
    },
  );

  app.patch(
    "/api/v1/companies/:id",
    {
      config: { access: { roles: ["admin"] } },
      schema: {
        tags: ["service"],
        summary: "Change a company's name, e-mail, language or time zone (admin)",
        params: Type.Object({ id: Type.String() }),
        body: Type.Partial(
          Type.Object({ ...CompanyFields.properties, email: Type.Union([Email, Type.Null()]) }),
          { additionalProperties: false },
        ),
        response: { 200: CompanyReply, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      // The schema lets through only the four fields, each absent unless given.
      if (request.body.timezone !== undefined) knownTimeZone(request.body.timezone);
      const company = await contracts.updateCompany(request.params.id, request.body);
      if (!company) throw new ApiError("NOT_FOUND", `No company "${request.params.id}"`);
      return { company };
    },
  );

  app.get(
    "/api/v1/contracts",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["service"],
        summary: "Contracts: company, assets, period, response time (a company's token sees its own)",
        querystring: Type.Object(
          { company: Type.Optional(Type.String()), asset: Type.Optional(Type.String()) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ contracts: Type.Array(Type.Ref("Contract")) }),
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      const mine = companiesOf(principalOf(request));
      const { company, asset } = request.query;
      return {
        contracts: (await contracts.listContracts(company))
          .filter((c) => (!mine || mine.includes(c.company)) && (!asset || c.assets.includes(asset)))
          .map(contractOut),
      };
    },
  );

  const ContractBody = {
    company: Id,
    assets: Type.Array(Id, { minItems: 1, maxItems: 10_000 }),
    from: TimeText,
    to: Type.Optional(Type.Union([TimeText, Type.Null()])),
    responseTimeMinutes: Type.Integer({ minimum: 1, maximum: 525_600 }),
    terms: Type.Optional(ContractTermsSchema),
  };

  app.post(
    "/api/v1/contracts",
    {
      config: { access: { roles: ["admin"] } },
      schema: {
        tags: ["service"],
        summary: "Contract assets to a company for a period (admin); 409 if an asset is under contract then",
        body: Type.Object({ id: Type.Optional(Id), ...ContractBody }, { additionalProperties: false }),
        response: {
          201: Type.Object({ contract: Type.Ref("Contract") }),
          ...errorResponses(400, 409),
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const contract = await contracts.putContract({
        ...(b.id ? { id: b.id } : {}),
        company: b.company,
        assets: b.assets,
        fromMs: parseTime(b.from, "from"),
        toMs: b.to == null ? null : parseTime(b.to, "to"),
        responseTimeMs: b.responseTimeMinutes * 60_000,
        terms: b.terms ?? null,
      });
      reply.code(201);
      return { contract: contractOut(contract) };
    },
  );

  app.patch(
    "/api/v1/contracts/:id",
    {
      config: { access: { roles: ["admin"] } },
      schema: {
        tags: ["service"],
        summary: "End a contract, change its response time or assets (admin)",
        params: Type.Object({ id: Type.String() }),
        body: Type.Object(
          {
            assets: Type.Optional(ContractBody.assets),
            from: Type.Optional(TimeText),
            to: ContractBody.to,
            responseTimeMinutes: Type.Optional(ContractBody.responseTimeMinutes),
            terms: Type.Optional(ContractTermsSchema),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ contract: Type.Ref("Contract") }),
          ...errorResponses(400, 404, 409),
        },
      },
    },
    async (request) => {
      const b = request.body;
      const contract = await contracts.updateContract(request.params.id, {
        ...(b.assets ? { assets: b.assets } : {}),
        ...(b.from !== undefined ? { fromMs: parseTime(b.from, "from") } : {}),
        ...(b.to !== undefined ? { toMs: b.to === null ? null : parseTime(b.to, "to") } : {}),
        ...(b.responseTimeMinutes !== undefined ? { responseTimeMs: b.responseTimeMinutes * 60_000 } : {}),
        ...(b.terms !== undefined ? { terms: b.terms } : {}),
      });
      if (!contract) throw new ApiError("NOT_FOUND", `No contract "${request.params.id}"`);
      return { contract: contractOut(contract) };
    },
  );
};

export default fp(service, { name: "vetra-service" });
