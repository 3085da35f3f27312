// GET /api/v1/alarms and POST /api/v1/alarms/:id/ack (see ../alarms.ts for
// how alarms are derived). Cleared alarms are not kept yet: an alarm whose
// zone fell back to A/B, or whose diagnosis the edge cleared, is simply no
// longer listed.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { IsoZones } from "../../common/names.ts";
import { deriveAlarms } from "../alarms.ts";
import type { CentralDeps } from "../deps.ts";
import { ApiError, BearerSecurity, errorResponses, principalOf } from "../http.ts";
import { deriveFacilityAlarms } from "../savings/alarms.ts";

const AlarmSchema = Type.Object(
  {
    id: Type.String(),
    asset: Type.String(),
    point: Type.String(),
    fault: Type.String(),
    severity: Type.Union([Type.Literal("warning"), Type.Literal("alarm")]),
    state: Type.Union([Type.Literal("active"), Type.Literal("acknowledged"), Type.Literal("cleared")]),
    since: Type.String({ format: "date-time" }),
    isoZone: Type.Union([...IsoZones.map((z) => Type.Literal(z)), Type.Null()]), // null: facility alarms
    acknowledgedBy: Type.Union([Type.String(), Type.Null()]),
    acknowledgedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  },
  { $id: "Alarm" },
);

const alarms: FastifyPluginAsyncTypebox<CentralDeps> = async (app, { store, meta, config }) => {
  app.addSchema(AlarmSchema);

  const load = async (request: Parameters<typeof principalOf>[0]) => {
    const r = await deriveAlarms(store, meta, principalOf(request));
    if (r.kind === "retryable") throw new ApiError("STORE_UNAVAILABLE", r.message);
    if (r.kind === "failure") throw new ApiError("QUERY_FAILED", r.message);
    // Facility anomalies (after-hours load, demand, meter, jumps): ../savings/alarms.ts.
    const f = await deriveFacilityAlarms(store, meta, principalOf(request), config.savings);
    if (f.kind === "retryable") throw new ApiError("STORE_UNAVAILABLE", f.message);
    if (f.kind === "failure") throw new ApiError("QUERY_FAILED", f.message);
    return [...r.value, ...f.value];
  };

  app.get(
    "/api/v1/alarms",
    {
      schema: {
        tags: ["alarms"],
        summary:
          "Alarms of the assets the caller may see (ISO 10816-21 zone C → warning, D → alarm; the edge's active diagnoses)",
        security: BearerSecurity,
        querystring: Type.Object(
          {
            state: Type.Optional(
              Type.Union([Type.Literal("active"), Type.Literal("acknowledged"), Type.Literal("cleared")]),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ alarms: Type.Array(Type.Ref("Alarm")) }),
          ...errorResponses(400, 401, 503),
        },
      },
    },
    async (request) => {
      const all = await load(request);
      const state = request.query.state;
      return { alarms: state ? all.filter((a) => a.state === state) : all };
    },
  );

  app.post(
    "/api/v1/alarms/:id/ack",
    {
      schema: {
        tags: ["alarms"],
        summary: "Acknowledge an alarm (admin or the asset's service company)",
        security: BearerSecurity,
        params: Type.Object({ id: Type.String() }),
        response: { 200: Type.Object({ alarm: Type.Ref("Alarm") }), ...errorResponses(401, 403, 404, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.role !== "admin" && principal.role !== "service_company") {
        throw new ApiError("FORBIDDEN", "Only admin and service company tokens acknowledge alarms");
      }
      const alarm = (await load(request)).find((a) => a.id === request.params.id);
      if (!alarm) throw new ApiError("NOT_FOUND", `No alarm "${request.params.id}"`);
      const ack = meta.ackAlarm(alarm.id, principal.label || `${principal.role}#${principal.tokenId}`);
      return {
        alarm: {
          ...alarm,
          state: "acknowledged" as const,
          acknowledgedBy: ack.by,
          acknowledgedAt: new Date(ack.atMs).toISOString(),
        },
      };
    },
  );
};

export default alarms;
