// Routes of control (../../common/control.ts is the contract with the edge):
// points, commands and their lifecycle, schedules and demand limits per
// facility for people — admin everything, an energy manager the facilities
// of its tenant, the ministry reads — and the agents' long poll
// `POST /api/v1/control/agent/sync`. Service companies see none of it.
// Every command, relinquish, schedule and limit change is in the audit log
// (the route's call, and a `control.*` entry with what was set).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import {
  AgentSyncRequestSchema,
  AgentSyncResponseSchema,
  DemandLimitSchema,
  ScheduleSchema,
} from "../../common/control.ts";
import type { CentralDeps } from "../deps.ts";
import { ApiError, canSeeAsset, errorResponses, pageLimit, parseTime, principalOf } from "../http.ts";
import { gunzipBody } from "../lib/gzip-body.ts";
import type { Asset, Principal } from "../meta/meta.ts";
import { AssetParam, facilityPlanRoutes, Iso, iso } from "./plan-routes.ts";
import { openControlRepository } from "./registry.ts";
import type { StoredCommand } from "./repository.ts";
import { ControlService } from "./service.ts";
import { scheduleTemplate } from "./templates.ts";

const READERS = ["admin", "ministry", "energy_manager"] as const;
const WRITERS = ["admin", "energy_manager"] as const;
const DEFAULT_TIME_ZONE = "Europe/Moscow";

/** A facility's control history and its edge events: a value outside 1..1000 is taken as the nearer bound. */
const COMMANDS_PAGE = pageLimit({ max: 1000, default: 100, outside: "clamp" });
const EVENTS_PAGE = pageLimit({ max: 1000, default: 200, outside: "clamp" });

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

const CommandView = Type.Object({
  id: Type.String(),
  asset: Type.String(),
  point: Type.String(),
  value: Type.Number(),
  until: Type.Union([Iso, Type.Null()]),
  reason: Type.String(),
  override: Type.Boolean(),
  state: Type.String(),
  stateAt: Iso,
  stateReason: Type.Union([Type.String(), Type.Null()]),
  actual: Nullable(Type.Number()),
  requestedAt: Iso,
  requestedBy: Type.String(),
  history: Type.Array(
    Type.Object({
      state: Type.String(),
      at: Iso,
      reason: Type.Optional(Type.String()),
      actual: Type.Optional(Type.Number()),
    }),
  ),
});

const commandView = (c: StoredCommand) => ({
  id: c.id,
  asset: c.asset,
  point: c.point,
  value: c.value,
  until: c.until === undefined ? null : iso(c.until),
  reason: c.reason,
  override: c.override === true,
  state: c.state,
  stateAt: iso(c.stateAt),
  stateReason: c.stateReason,
  actual: c.actual,
  requestedAt: iso(c.requestedAt),
  requestedBy: c.requestedBy,
  history: c.history.map((h) => ({ ...h, at: iso(h.at) })),
});

const PointView = Type.Object({
  asset: Type.String(),
  point: Type.String(),
  unit: Type.String(),
  min: Type.Number(),
  max: Type.Number(),
  states: Type.Optional(Type.Record(Type.String(), Type.String())),
  maxRatePerMinute: Type.Optional(Type.Number()),
  failSafe: Type.Number(),
  critical: Type.Boolean(),
  commanded: Type.Union([
    Type.Object({
      id: Type.String(),
      value: Type.Number(),
      until: Type.Union([Iso, Type.Null()]),
      state: Type.String(),
      requestedBy: Type.String(),
    }),
    Type.Null(),
  ]),
  effective: Type.Union([
    Type.Object({ value: Type.Number(), holder: Type.String(), priority: Type.String() }),
    Type.Null(),
  ]),
  actual: Nullable(Type.Number()),
  /** When the agent last reported the point's state. */
  at: Type.Union([Iso, Type.Null()]),
});

const FacilityView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  site: Type.String(),
  timeZone: Type.String(),
});

const control: FastifyPluginAsyncTypebox<CentralDeps> = async (app, deps) => {
  const { meta } = deps;
  const clock = deps.clock ?? Date.now;
  const service = new ControlService(openControlRepository(meta), meta, clock);
  const repo = service.repo;
  service.start((err) => app.log.warn({ err }, "control: expiring commands failed"));
  app.addHook("preClose", async () => service.stop());

  const timeZoneOf = async (asset: Asset) =>
    (await meta.fleet.current()).siteById.get(asset.site)?.timezone ?? DEFAULT_TIME_ZONE;
  /** A facility the caller may see, or 404 (the same answer whether it does not exist or is another tenant's). */
  const facility = async (principal: Principal, id: string): Promise<Asset> => {
    const asset = (await meta.fleet.current()).assetById.get(id);
    if (!asset || asset.kind === "turbine" || !canSeeAsset(principal, asset, clock()))
      throw new ApiError("NOT_FOUND", `No facility ${id}`);
    return asset;
  };
  const visibleCommand = async (principal: Principal, id: string): Promise<StoredCommand> => {
    const command = await repo.getCommand(id);
    const asset = command ? (await meta.fleet.current()).assetById.get(command.asset) : null;
    if (!command || !asset || !canSeeAsset(principal, asset, clock()))
      throw new ApiError("NOT_FOUND", `No command ${id}`);
    return command;
  };
  const facilityView = async (a: Asset) => ({
    id: a.id,
    name: a.name,
    kind: a.kind,
    site: a.site,
    timeZone: await timeZoneOf(a),
  });

  app.get(
    "/api/v1/control/points",
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ["control"],
        summary:
          "Controllable points of a facility (without asset: of every facility the caller sees): limits, commanded, effective (value, holder, priority) and actual value",
        querystring: Type.Object({ asset: Type.Optional(AssetParam) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ facilities: Type.Array(FacilityView), points: Type.Array(PointView) }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      await service.expireDue();
      const assets =
        request.query.asset !== undefined
          ? [await facility(principal, request.query.asset)]
          : (await meta.fleet.current()).assets.filter(
              (a) => a.kind !== "turbine" && canSeeAsset(principal, a, clock()),
            );
      const points = [];
      for (const a of assets) {
        const states = new Map((await repo.states(a.id)).map((s) => [s.point, s]));
        const commands = await repo.listCommands({ asset: a.id, active: true, limit: 1000 });
        for (const d of await repo.declarations(a.id)) {
          const s = states.get(d.point);
          const c = commands.find((x) => x.point === d.point);
          points.push({
            ...d,
            commanded: c
              ? {
                  id: c.id,
                  value: c.value,
                  until: c.until === undefined ? null : iso(c.until),
                  state: c.state,
                  requestedBy: c.requestedBy,
                }
              : null,
            effective: s ? s.effective : null,
            actual: s?.actual ?? null,
            at: s ? iso(s.at) : null,
          });
        }
      }
      return { facilities: await Promise.all(assets.map(facilityView)), points };
    },
  );

  app.post(
    "/api/v1/control/commands",
    {
      config: { access: { roles: WRITERS } },
      schema: {
        tags: ["control"],
        summary:
          "Command a point (operator priority) for a time or until relinquished; checked against the limits the edge declared",
        body: Type.Object(
          {
            asset: AssetParam,
            point: Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z][a-z0-9_]{0,63}$" }),
            value: Type.Number(),
            /** ISO 8601 with a zone, or epoch ms; absent: until relinquished. */
            until: Type.Optional(
              Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1, maxLength: 40 })]),
            ),
            reason: Type.String({ minLength: 1, maxLength: 500 }),
            override: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ command: CommandView }), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const asset = await facility(principal, body.asset);
      let until: number | undefined;
      if (body.until !== undefined) {
        const parsed = typeof body.until === "number" ? body.until : parseTime(body.until);
        if (parsed === null || !Number.isSafeInteger(parsed))
          throw new ApiError("VALIDATION_FAILED", "body.until: expected ISO 8601 with a zone, or epoch ms");
        until = parsed;
      }
      const command = await service.createCommand(
        asset,
        {
          asset: asset.id,
          point: body.point,
          value: body.value,
          reason: body.reason,
          ...(until !== undefined ? { until } : {}),
          ...(body.override !== undefined ? { override: body.override } : {}),
        },
        principal,
      );
      reply.code(202);
      return { command: commandView(command) };
    },
  );

  app.get(
    "/api/v1/control/commands",
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ["control"],
        summary: "A facility's commands, newest first (the control history)",
        querystring: Type.Object(
          { asset: AssetParam, limit: COMMANDS_PAGE.query },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ commands: Type.Array(CommandView) }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const asset = await facility(principalOf(request), request.query.asset);
      await service.expireDue();
      const limit = COMMANDS_PAGE.of(request.query.limit);
      return { commands: (await repo.listCommands({ asset: asset.id, limit })).map(commandView) };
    },
  );

  app.get(
    "/api/v1/control/commands/:id",
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ["control"],
        summary:
          "A command's lifecycle: requested, delivered, applied, confirmed, failed, refused, expired, relinquished",
        params: Type.Object({ id: AssetParam }),
        response: { 200: Type.Object({ command: CommandView }), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      await service.expireDue();
      return { command: commandView(await visibleCommand(principalOf(request), request.params.id)) };
    },
  );

  app.delete(
    "/api/v1/control/commands/:id",
    {
      config: { access: { roles: WRITERS } },
      schema: {
        tags: ["control"],
        summary: "Relinquish a command: the next priority level (demand limit, schedule, default) acts",
        params: Type.Object({ id: AssetParam }),
        response: { 200: Type.Object({ command: CommandView }), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const command = await visibleCommand(principal, request.params.id);
      return { command: commandView(await service.relinquish(command, principal)) };
    },
  );

  app.get(
    "/api/v1/control/events",
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ["control"],
        summary:
          "What the edge did at a facility, newest first: transitions, sheds, restores, manual overrides, failures",
        querystring: Type.Object(
          { asset: AssetParam, limit: EVENTS_PAGE.query },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            events: Type.Array(
              Type.Object({
                asset: Type.String(),
                point: Type.String(),
                kind: Type.String(),
                at: Iso,
                value: Type.Optional(Type.Number()),
                detail: Type.Optional(Type.String()),
              }),
            ),
          }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const asset = await facility(principalOf(request), request.query.asset);
      const limit = EVENTS_PAGE.of(request.query.limit);
      return {
        events: (await repo.events(asset.id, limit)).map(({ site: _site, ...e }) => ({
          ...e,
          at: iso(e.at),
        })),
      };
    },
  );

  facilityPlanRoutes(app, {
    path: "/api/v1/control/schedules/:asset",
    key: "schedule",
    schema: ScheduleSchema,
    facility,
    stored: (id) => repo.getSchedule(id),
    read: {
      access: { roles: READERS },
      summary:
        "A facility's weekly schedule with exceptions, and the template of its kind (holidays, vacations)",
      more: {
        schema: { template: Type.Union([ScheduleSchema, Type.Null()]) },
        of: async (asset) => {
          const year = new Date(clock()).getUTCFullYear();
          const declared = await repo.declarations(asset.id);
          return {
            template: scheduleTemplate(asset.kind, declared, await timeZoneOf(asset), [year, year + 1]),
          };
        },
      },
    },
    write: {
      access: { roles: WRITERS },
      summary: "Assign a facility's weekly schedule (run by its agent in the facility's time zone)",
      put: (asset, schedule, by) => service.putSchedule(asset, schedule, by),
    },
  });

  facilityPlanRoutes(app, {
    path: "/api/v1/control/limits/:asset",
    key: "limit",
    schema: DemandLimitSchema,
    facility,
    stored: (id) => repo.getLimit(id),
    read: { access: { roles: READERS }, summary: "A facility's demand limit" },
    write: {
      access: { roles: WRITERS },
      summary:
        "Set a facility's demand limit: its agent sheds non-critical loads in order and restores them with hysteresis",
      put: (asset, limit, by) => service.putLimit(asset, limit, by),
    },
  });

  app.post(
    "/api/v1/control/agent/sync",
    {
      // Polled every few seconds by every agent: its calls are not audit entries (the changes they report are stored).
      config: { access: { roles: ["agent"] }, audit: false },
      preParsing: gunzipBody,
      schema: {
        tags: ["control"],
        summary:
          "The agent's long poll: its declarations, command reports, point states and events in; its site's desired state out once the revision passes the agent's",
        body: AgentSyncRequestSchema,
        response: { 200: AgentSyncResponseSchema, ...errorResponses(400, 413) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const site = principal.site;
      if (site === null) throw new ApiError("FORBIDDEN", "An agent token without a site");
      const body = request.body;
      await service.receive(site, body);
      await service.expireDue();
      if ((await repo.revision(site)) <= body.revision && body.waitMs > 0) {
        let revoked = false;
        await service.waitForChange(site, body.revision, body.waitMs, (end) => {
          const releaseLive = app.liveResponses.hold(request, () => {
            revoked = true;
            end();
          });
          reply.raw.once("close", end);
          return () => {
            releaseLive();
            reply.raw.off("close", end);
          };
        });
        if (revoked) throw new ApiError("UNAUTHENTICATED", "The token was revoked");
      }
      return service.desired(site);
    },
  );
};

export default control;
