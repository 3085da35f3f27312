// GET /api/v1/series: one field of one asset over a time range, raw or
// aggregated into epoch-aligned windows, one series per measuring point.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { Measurements } from "../../common/names.ts";
import { TagValueSchema, tagValueProblem } from "../../common/wire.ts";
import type { CentralDeps } from "../deps.ts";
import { ApiError, errorResponses, parseDuration, parseTime } from "../http.ts";
import { Aggregates } from "../stores/types.ts";
import { visibleAsset } from "./assets.ts";

const DEFAULT_RANGE_MS = 3_600_000;
const TIME_EXPECTED = "expected ISO-8601 with a zone or epoch ms, no later than 2262-04-11";
/** More windows than this is a mistake (or a denial of service), not a chart. */
const MAX_WINDOWS = 20_000;

const SeriesQuerySchema = Type.Object(
  {
    asset: Type.String({ minLength: 1 }),
    measurement: Type.Union(Measurements.map((m) => Type.Literal(m))),
    field: Type.String({ pattern: "^[a-z][a-z0-9_]*$" }),
    point: Type.Optional(TagValueSchema),
    from: Type.Optional(Type.String({ description: "ISO-8601 with zone, or epoch ms; default to − 1 h" })),
    to: Type.Optional(
      Type.String({ description: "ISO-8601 with zone, or epoch ms (exclusive); default now" }),
    ),
    every: Type.Optional(
      Type.String({ pattern: "^\\d+(ms|s|m|h|d)$", description: "window, e.g. 10s, 1m, 1h" }),
    ),
    agg: Type.Optional(
      Type.Union(
        Aggregates.map((a) => Type.Literal(a)),
        { description: "default mean" },
      ),
    ),
  },
  { additionalProperties: false },
);

const series: FastifyPluginAsyncTypebox<CentralDeps> = async (app, deps) => {
  app.get(
    "/api/v1/series",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["series"],
        summary: "Time series of one field of one asset",
        querystring: SeriesQuerySchema,
        response: {
          200: Type.Object({
            series: Type.Array(
              Type.Object({
                tags: Type.Record(Type.String(), Type.String()),
                points: Type.Array(Type.Tuple([Type.Integer(), Type.Number()]), {
                  description: "[ts_ms, value]; ts is the window start when aggregated",
                }),
              }),
            ),
          }),
          ...errorResponses(400, 404, 500, 503),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const asset = await visibleAsset(deps, request, q.asset);
      const toMs = q.to === undefined ? Date.now() : parseTime(q.to);
      if (toMs === null) throw new ApiError("VALIDATION_FAILED", `querystring.to: ${TIME_EXPECTED}`);
      const fromMs = q.from === undefined ? toMs - DEFAULT_RANGE_MS : parseTime(q.from);
      if (fromMs === null) throw new ApiError("VALIDATION_FAILED", `querystring.from: ${TIME_EXPECTED}`);
      // The schema's pattern covers ASCII; unpaired surrogates are caught here (stores cannot hold them).
      const badPoint = q.point === undefined ? null : tagValueProblem(q.point);
      if (badPoint) throw new ApiError("VALIDATION_FAILED", `querystring.point: ${badPoint}`);
      if (fromMs >= toMs) throw new ApiError("VALIDATION_FAILED", "querystring.from: must be before to");
      const everyMs = q.every === undefined ? undefined : parseDuration(q.every);
      if (everyMs === null)
        throw new ApiError("VALIDATION_FAILED", "querystring.every: expected e.g. 10s, 1m, 1h");
      if (everyMs !== undefined && (toMs - fromMs) / everyMs > MAX_WINDOWS) {
        throw new ApiError(
          "VALIDATION_FAILED",
          `querystring.every: more than ${MAX_WINDOWS} windows in the range`,
        );
      }
      const result = await deps.store.query({
        measurement: q.measurement,
        field: q.field,
        tags: { asset: asset.id, ...(q.point ? { point: q.point } : {}) },
        fromMs,
        toMs,
        ...(everyMs !== undefined
          ? { everyMs, aggregate: q.agg ?? "mean" }
          : q.agg
            ? { aggregate: q.agg }
            : {}),
        groupBy: ["point"],
      });
      if (result.kind === "retryable") throw new ApiError("STORE_UNAVAILABLE", result.message);
      if (result.kind === "failure") throw new ApiError("QUERY_FAILED", result.message);
      return {
        series: result.value.map((s) => ({
          tags: { asset: asset.id, ...s.tags },
          points: s.points.map((p) => [p.ts, p.value] as [number, number]),
        })),
      };
    },
  );
};

export default series;
