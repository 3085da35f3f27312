// The grid-connection map: public reads and checks under /api/v1/grid/
// (no token, rate-limited per client address on the matched route), the admin's replacement of
// the connection-point set, the monitoring side's sites for the map's own
// layers (token), and the /map page with Leaflet served from node_modules.
import { createReadStream, readFileSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type TSchema, Type } from "@sinclair/typebox";
import type { FastifyReply } from "fastify";
import { apiError } from "../../common/errors.ts";
import type { CentralDeps } from "../deps.ts";
import { renderAnswerPdf } from "../grid/answer-pdf.ts";
import { basemap } from "../grid/basemap/index.ts";
import { batchCsv, runBatch } from "../grid/batch.ts";
import { classIndexForMw, type GridOption, type Lang } from "../grid/check.ts";
import { importGeoJson } from "../grid/import.ts";
import { mapPage } from "../grid/page.ts";
import { ServedGrid, toGeoJson } from "../grid/store.ts";
import { ApiError, canSeeAsset, errorResponses, principalOf, sendFile } from "../http.ts";
import { contentSecurityPolicy } from "./security.ts";
import { companiesOf } from "./service.ts";

const LEAFLET_DIST = dirname(createRequire(import.meta.url).resolve("leaflet/dist/leaflet.js"));
// Maps, not object literals: a request's file name (`constructor`, `__proto__`) must not find Object's properties.
const LEAFLET_FILES = new Map<string, string>([
  ["leaflet.js", "application/javascript; charset=utf-8"],
  ["leaflet.css", "text/css; charset=utf-8"],
]);
const PROTOMAPS_DIST = join(
  dirname(createRequire(import.meta.url).resolve("protomaps-leaflet")),
  "..",
  "protomaps-leaflet.js",
);
const LEAFLET_IMAGES = new Set([
  "layers.png",
  "layers-2x.png",
  "marker-icon.png",
  "marker-icon-2x.png",
  "marker-shadow.png",
]);

const LangSchema = Type.Union([Type.Literal("ru"), Type.Literal("en")], { default: "ru" });
const KindSchema = Type.Union([Type.Literal("generation"), Type.Literal("demand")]);
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const OptionSchema = Type.Object(
  {
    connection_point_id: Type.String(),
    name: Type.String(),
    operator: Type.Union([Type.String(), Type.Null()]),
    lat: Type.Number(),
    lon: Type.Number(),
    voltage_kv: Nullable(Type.Number({ description: "bus voltage of the connection, kV" })),
    voltage_class: Type.Union([Type.String(), Type.Null()]),
    distance_km: Type.Number({ description: "great-circle distance, km" }),
    line_km: Type.Number({ description: "estimated line route length, km" }),
    headroom_mw: Nullable(Type.Number({ description: "headroom before the site, MW; null: unknown" })),
    headroom_after_mw: Nullable(Type.Number({ description: "headroom after the site, MW" })),
    headroom_source: Type.Union([Type.Literal("operator"), Type.Literal("n-1"), Type.Literal("unknown")]),
    cost_rub: Nullable(Type.Number({ description: "indicative cost: line + bay + reinforcement, RUB" })),
    cost_breakdown: Type.Union([
      Type.Object({ line_rub: Type.Number(), bay_rub: Type.Number(), reinforcement_rub: Type.Number() }),
      Type.Null(),
    ]),
    status: Type.Union([
      Type.Literal("available"),
      Type.Literal("needs_reinforcement"),
      Type.Literal("unavailable"),
    ]),
    reinforcement_year: Nullable(Type.Integer()),
    reasons: Type.Array(Type.String()),
    reason_codes: Type.Array(Type.String()),
  },
  { $id: "GridOption" },
);

const RejectedSchema = Type.Object({
  index: Type.Integer(),
  id: Type.Union([Type.String(), Type.Null()]),
  errors: Type.Array(Type.String()),
});

const CheckBody = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
    mw: Type.Number({ exclusiveMinimum: 0, maximum: 10_000, description: "installed capacity, MW" }),
    kind: KindSchema,
    lang: Type.Optional(LangSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);

/** `Range: bytes=a-b` of a file of `size` bytes: the inclusive span, or null when it is not one satisfiable range. */
export function byteRange(header: string, size: number): { start: number; end: number } | null {
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  let start: number;
  let end: number;
  if (m[1] === "") {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start <= end && start < size ? { start, end } : null;
}

const ASSUMPTIONS = {
  ru: "Свободная мощность без данных сетевой организации: критерий N-1 (без наибольшего трансформатора), cos φ из настроек, без аварийной перегрузки; генерация — за вычетом присоединённой и очереди при нулевой местной нагрузке; потребление — за вычетом максимума нагрузки и заявленной мощности. Стоимость ориентировочная.",
  en: "Headroom without the operator's figures: N-1 criterion (largest transformer out), configured cos φ, no emergency overload; generation after connected and queued generation with zero local load; demand after peak load and contracted demand. Costs are indicative.",
};

const grid: FastifyPluginAsyncTypebox<CentralDeps> = async (app, deps) => {
  const cfg = deps.config.grid;
  const repo = await new ServedGrid(deps.meta.grid, cfg).open();
  app.addHook("onClose", async () => repo.close());
  // The public routes share one limit per client address (@fastify/rate-limit), attached to each
  // route itself: whatever spelling of the path reached the route, the limit counted it.
  const publicLimit = app.rateLimit({ max: cfg.rateLimit.max, timeWindow: cfg.rateLimit.timeWindowMs });
  const PUBLIC = { config: { access: { public: true } }, onRequest: publicLimit } as const;
  app.addSchema(OptionSchema);

  app.addContentTypeParser(["text/csv", "text/plain"], { parseAs: "string" }, (_req, body, done) =>
    done(null, body),
  );
  app.addContentTypeParser("application/geo+json", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(new ApiError("BAD_REQUEST", `Body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });

  const dataInfo = () => {
    const set = repo.current().set;
    return { illustrative: set.illustrative, source: set.source, imported_at: set.imported_at };
  };

  app.get(
    "/api/v1/grid/substations",
    {
      ...PUBLIC,
      schema: {
        tags: ["grid"],
        summary:
          "Connection points as a GeoJSON FeatureCollection, with headroom for generation and demand (public)",
        response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses(429) },
      },
    },
    async () => {
      const geo = toGeoJson(repo.current().set, cfg.powerFactor);
      return { ...geo, features: geo.features.filter((f) => f.geometry.type === "Point") };
    },
  );

  app.get(
    "/api/v1/grid/lines",
    {
      ...PUBLIC,
      schema: {
        tags: ["grid"],
        summary: "Power lines as a GeoJSON FeatureCollection of LineStrings with voltage_kv (public)",
        response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses(429) },
      },
    },
    async () => {
      const geo = toGeoJson(repo.current().set);
      return { ...geo, features: geo.features.filter((f) => f.geometry.type === "LineString") };
    },
  );

  const r3 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
  // One flat object per option in the schema's shape (serialised by the route's compiled response schema).
  const toApi = (o: GridOption, lang: Lang) => ({
    connection_point_id: o.connection_point_id,
    name: o.name,
    operator: o.operator,
    lat: o.lat,
    lon: o.lon,
    voltage_kv: o.voltage_kv,
    voltage_class: o.voltage_class,
    distance_km: r3(o.distance_km)!,
    line_km: r3(o.line_km)!,
    headroom_mw: r3(o.headroom_mw),
    headroom_after_mw: r3(o.headroom_after_mw),
    headroom_source: o.headroom_source,
    cost_rub: o.cost_rub === null ? null : Math.round(o.cost_rub),
    cost_breakdown: o.cost_breakdown,
    status: o.status,
    reinforcement_year: o.reinforcement_year,
    reasons: o.reasons.map((r) => r[lang]),
    reason_codes: o.reasons.map((r) => r.code),
  });

  app.post(
    "/api/v1/grid/check",
    {
      ...PUBLIC,
      schema: {
        tags: ["grid"],
        summary:
          "Where a site of N MW could connect: ranked options with voltage, distance, headroom, cost, status and reasons (public)",
        body: CheckBody,
        response: {
          200: Type.Object({
            options: Type.Array(Type.Ref("GridOption")),
            voltage_class: Type.String({ description: "the class the size needs" }),
            illustrative: Type.Boolean(),
            data_source: Type.String(),
            assumptions: Type.String(),
          }),
          ...errorResponses(400, 429),
        },
      },
    },
    async (request) => {
      const { lat, lon, mw, kind } = request.body;
      const lang: Lang = request.body.lang ?? "ru";
      const index = repo.current();
      const options = index.check({ lat, lon, mw, kind }, cfg, request.body.limit ?? cfg.maxOptions);
      return {
        options: options.map((o) => toApi(o, lang)),
        voltage_class: cfg.voltageClasses[classIndexForMw(mw, cfg.voltageClasses)]!.label,
        illustrative: index.set.illustrative,
        data_source: index.set.source,
        assumptions: ASSUMPTIONS[lang],
      };
    },
  );

  app.post(
    "/api/v1/grid/check/pdf",
    {
      ...PUBLIC,
      schema: {
        tags: ["grid"],
        summary:
          "The check's answer as a PDF for an application file: the site, a locator map, the options side by side, the reasons, what the figures mean and the assumptions (public)",
        body: CheckBody,
        produces: ["application/pdf"],
        response: { 200: Type.Any(), ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => {
      const { lat, lon, mw, kind } = request.body;
      const lang: Lang = request.body.lang ?? "ru";
      const index = repo.current();
      const found = index.check({ lat, lon, mw, kind }, cfg, request.body.limit ?? cfg.maxOptions);
      // A site outside the data's area gets "no connection point nearby", not a list of points hundreds of km off.
      const longest = Math.max(...cfg.voltageClasses.map((c) => c.max_line_km));
      const options = found.filter((o) => o.line_km <= 2 * longest);
      const pdf = await renderAnswerPdf(
        {
          request: { lat, lon, mw, kind },
          options,
          voltageClass: cfg.voltageClasses[classIndexForMw(mw, cfg.voltageClasses)]!.label,
          illustrative: index.set.illustrative,
          dataSource: index.set.source,
          importedAt: index.set.imported_at,
          assumptions: ASSUMPTIONS[lang],
          generatedAtMs: Date.now(),
          timeZone: deps.config.timeZone,
          config: cfg,
        },
        lang,
      );
      const stem = `grid-answer-${lat.toFixed(4)}_${lon.toFixed(4)}-${mw}MW`;
      return sendFile(reply, { contentType: "application/pdf", filename: `${stem}.pdf`, body: pdf });
    },
  );

  app.post(
    "/api/v1/grid/check-batch",
    {
      ...PUBLIC,
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags: ["grid"],
        summary: "Batch check: CSV of sites (name,lat,lon,mw,kind) in, CSV of best options out (public)",
        consumes: ["text/csv"],
        produces: ["text/csv", "application/json"],
        querystring: Type.Object(
          {
            lang: Type.Optional(LangSchema),
            format: Type.Optional(Type.Union([Type.Literal("csv"), Type.Literal("json")])),
          },
          { additionalProperties: false },
        ),
        body: Type.String({ description: "CSV with a header: name,lat,lon,mw,kind" }),
        response: { 200: Type.Any(), ...errorResponses(400, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const lang: Lang = request.query.lang ?? "ru";
      const index = repo.current();
      const result = runBatch(request.body, index, cfg, lang);
      if (result.error) throw new ApiError("VALIDATION_FAILED", result.error);
      reply.header("X-Vetra-Illustrative", String(index.set.illustrative));
      if (request.query.format === "json")
        return { rows: result.rows, summary: result.summary, illustrative: index.set.illustrative };
      return sendFile(reply, {
        contentType: "text/csv; charset=utf-8",
        filename: "grid-check.csv",
        body: batchCsv(result.rows),
      });
    },
  );

  app.put(
    "/api/v1/grid/connection-points",
    {
      config: { access: { roles: ["admin"] } },
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags: ["grid"],
        summary:
          "Admin: replace the connection points and lines (GeoJSON) atomically; any invalid feature refuses the whole set unless skip_invalid=true",
        consumes: ["application/json", "application/geo+json"],
        querystring: Type.Object(
          { skip_invalid: Type.Optional(Type.Union([Type.Literal("true"), Type.Literal("false")])) },
          { additionalProperties: false },
        ),
        body: Type.Object({ type: Type.Literal("FeatureCollection") }, { additionalProperties: true }),
        response: {
          200: Type.Object({
            points: Type.Integer(),
            lines: Type.Integer(),
            ignored: Type.Integer(),
            rejected: Type.Array(RejectedSchema),
          }),
          ...errorResponses(400, 413, 422),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role !== "admin") throw new ApiError("FORBIDDEN", "Only an admin may replace grid data");
      const { set, report } = importGeoJson(request.body, { source: "api" });
      if (report.rejected.length > 0 && request.query.skip_invalid !== "true") {
        // The rejection report rides in the error's details (the typed reply knows only the 200 shape).
        return (reply as unknown as FastifyReply)
          .code(422)
          .send(
            apiError(
              "GRID_INVALID_FEATURES",
              `${report.rejected.length} invalid feature(s); nothing was changed. First: feature ${report.rejected[0]!.index}: ${report.rejected[0]!.errors.join("; ")}`,
              { rejected: report.rejected },
            ),
          );
      }
      await repo.replace(set);
      request.log.info(
        { points: report.points, lines: report.lines, by: principal.label },
        "grid set replaced",
      );
      return report;
    },
  );

  app.get(
    "/api/v1/map/sites",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["grid"],
        summary:
          "Wind farms and facilities the caller may see, with position and current state, for the map's layers",
        response: {
          200: Type.Object({
            sites: Type.Array(
              Type.Object({
                id: Type.String(),
                name: Type.String(),
                kind: Type.String(),
                lat: Type.Number(),
                lon: Type.Number(),
                assets: Type.Array(
                  Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String() }),
                ),
                state: Type.Union([Type.Literal("ok"), Type.Literal("warning"), Type.Literal("alarm")]),
                active_alarms: Type.Integer(),
              }),
            ),
          }),
          ...errorResponses(503),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      await app.service.evaluator.ensureFresh();
      const open = await app.service.book.openCounts(companiesOf(principal));
      const fleet = await deps.meta.fleet.current();
      const visible = fleet.assets.filter((a) => canSeeAsset(principal, a));
      const sites = fleet.sites
        .filter((s) => s.lat !== null && s.lon !== null)
        .map((s) => {
          const assets = visible.filter((a) => a.site === s.id);
          const counts = assets.map((a) => open.get(a.id) ?? { alarm: 0, warning: 0 });
          const alarmCount = counts.reduce((n, c) => n + c.alarm, 0);
          const warningCount = counts.reduce((n, c) => n + c.warning, 0);
          const state: "ok" | "warning" | "alarm" =
            alarmCount > 0 ? "alarm" : warningCount > 0 ? "warning" : "ok";
          return {
            id: s.id,
            name: s.name,
            kind: s.kind,
            lat: s.lat!,
            lon: s.lon!,
            assets: assets.map((a) => ({ id: a.id, name: a.name, kind: a.kind })),
            state,
            active_alarms: alarmCount + warningCount,
          };
        })
        .filter((s) => s.assets.length > 0);
      return { sites };
    },
  );

  // The page and Leaflet, from node_modules (no CDN: the machines may have no internet).
  app.get(
    "/map",
    { config: { access: { public: true } }, schema: { hide: true } },
    async (_request, reply) => {
      const info = dataInfo();
      const tileOrigin =
        cfg.basemapUrl && !cfg.basemapPmtilesFile
          ? new URL(cfg.basemapUrl.replace(/\{[a-z]\}/g, "a")).origin
          : "";
      // The security plugin's policy allows images from this origin only; a configured tile server is added here.
      reply.header(
        "Content-Security-Policy",
        contentSecurityPolicy(tileOrigin ? { imgSrc: [tileOrigin] } : {}),
      );
      return reply.type("text/html; charset=utf-8").send(
        mapPage({
          basemapUrl: cfg.basemapPmtilesFile ? null : (cfg.basemapUrl ?? null),
          basemapPmtiles: Boolean(cfg.basemapPmtilesFile),
          basemapAttribution: cfg.basemapAttribution,
          illustrative: info.illustrative,
          voltageClasses: cfg.voltageClasses.map((c) => ({ label: c.label, max_mw: c.max_mw ?? null })),
        }),
      );
    },
  );

  // The shipped basemap (land, sea, borders, settlements), the same for every caller.
  app.get(
    "/map/basemap.json",
    { config: { access: { public: true } }, schema: { hide: true } },
    async (_request, reply) => {
      reply.header("Cache-Control", "public, max-age=86400");
      return reply.type("application/json; charset=utf-8").send(basemap().bytes);
    },
  );

  // The operator's vector-tile basemap, read by the browser in byte ranges (PMTiles).
  app.get(
    "/map/basemap.pmtiles",
    { config: { access: { public: true } }, schema: { hide: true } },
    async (request, reply) => {
      const file = cfg.basemapPmtilesFile;
      if (!file)
        throw new ApiError("NOT_FOUND", "No PMTiles basemap is configured (grid.basemapPmtilesFile)");
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        request.log.error({ file }, "grid.basemapPmtilesFile: cannot read the file");
        throw new ApiError("NOT_FOUND", "The configured PMTiles basemap cannot be read");
      }
      reply.header("Accept-Ranges", "bytes").header("Cache-Control", "public, max-age=3600");
      reply.type("application/octet-stream");
      const header = request.headers.range;
      if (header === undefined) return reply.header("Content-Length", size).send(createReadStream(file));
      const range = byteRange(header, size);
      if (!range) return reply.code(416).header("Content-Range", `bytes */${size}`).send();
      const length = range.end - range.start + 1;
      const buffer = Buffer.alloc(length);
      const fh = await open(file, "r");
      try {
        await fh.read(buffer, 0, length, range.start);
      } finally {
        await fh.close();
      }
      return reply
        .code(206)
        .header("Content-Range", `bytes ${range.start}-${range.end}/${size}`)
        .send(buffer);
    },
  );

  app.get(
    "/map/assets/:file",
    { config: { access: { public: true } }, schema: { hide: true } },
    async (request, reply) => {
      const { file } = request.params as { file: string };
      if (file === "protomaps-leaflet.js") {
        reply.header("Cache-Control", "public, max-age=86400");
        return reply.type("application/javascript; charset=utf-8").send(readFileSync(PROTOMAPS_DIST));
      }
      const type = LEAFLET_FILES.get(file);
      if (!type) throw new ApiError("NOT_FOUND", `No asset ${file}`);
      reply.header("Cache-Control", "public, max-age=86400");
      return reply.type(type).send(readFileSync(join(LEAFLET_DIST, file)));
    },
  );

  app.get(
    "/map/assets/images/:file",
    { config: { access: { public: true } }, schema: { hide: true } },
    async (request, reply) => {
      const { file } = request.params as { file: string };
      if (!LEAFLET_IMAGES.has(file)) throw new ApiError("NOT_FOUND", `No image ${file}`);
      reply.header("Cache-Control", "public, max-age=86400");
      return reply.type("image/png").send(readFileSync(join(LEAFLET_DIST, "images", file)));
    },
  );
};

export default grid;
