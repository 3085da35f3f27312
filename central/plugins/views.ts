// The analyst's views of a measuring point (the anchors: SKF Observer,
// Bently Nevada System 1, B&K Vibro):
// - `GET /api/v1/assets/:id/trends`: features and fault-family amplitudes
//   downsampled by the store (min, mean, max, count per window) over hours
//   to years, with the ISO 10816-21 zone boundaries of the point's component
//   class and the point's alarms from the alarm book;
// - `GET /api/v1/assets/:id/waterfall`: the newest snapshots' spectra on one
//   frequency grid, oldest first, for a waterfall or spectrogram;
// - `GET /api/v1/assets/:id/spectrum/baseline`: the point's baseline
//   snapshot (its healthy reference spectra, learnt at the edge).
// A service company sees the assets it maintains and its own alarms only.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { DEFAULT_ZONE_TABLE, type ZoneRow, zoneTableWithOverrides } from "../../common/iso-zones.ts";
import {
  type ComponentClass,
  STANDARD_GRAVITY_M_S2,
  type VibrationField,
  VibrationFields,
} from "../../common/names.ts";
import type { IoResult } from "../../common/result.ts";
import type { SpectrumUpload } from "../../common/spectrum.ts";
import type { CentralDeps } from "../deps.ts";
import { ApiError, errorResponses, parseDuration, parseTime, principalOf } from "../http.ts";
import type { Asset } from "../meta/meta.ts";
import { SNAPSHOTS_KEPT_PER_POINT } from "../meta/meta.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import { visibleAsset } from "./assets.ts";
import { companiesOf } from "./service.ts";
import { ServedSnapshotSchema } from "./spectrum.ts";

const PEOPLE = ["admin", "ministry", "service_company"] as const;

/** What a trend shows when the caller names no fields: the overall levels, statistics and fault lines. */
export const DEFAULT_TREND_FIELDS: readonly VibrationField[] = [
  "v_rms_mm_s",
  "a_rms_m_s2",
  "kurtosis",
  "crest_factor",
  "env_bpfo_g2",
  "env_bpfi_g2",
  "env_bsf_g2",
  "env_ftf_g2",
  "x1_mm_s",
  "x2_mm_s",
  "gmf_mm_s",
];
const MAX_TREND_FIELDS = 16;
/** Windows a trend answers by default: a chart's width of detail. */
const TARGET_WINDOWS = 600;
/** More windows than this is a mistake (or a denial of service), not a chart. */
const MAX_WINDOWS = 5000;
const DEFAULT_RANGE_MS = 7 * 86_400_000;
const MAX_RANGE_MS = 10 * 366 * 86_400_000;
const MIN_EVERY_MS = 1000;
const MAX_EVERY_MS = 366 * 86_400_000;
/** Times a request may name: 1970 to the end of 9999 (Date's ISO form covers them). */
const MAX_TIME_MS = 253_402_300_799_999;
/** Steps an automatic window is rounded up to (the embedded store's rollups divide the longer ones). */
const NICE_STEPS_MS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800,
  604_800,
].map((s) => s * 1000);
const MAX_WATERFALL_BINS = 4096;

/** The unit a vibration field's name carries (common/names.ts writes units into names). */
export const fieldUnit = (field: string): string =>
  field.endsWith("_mm_s")
    ? "mm/s"
    : field.endsWith("_m_s2")
      ? "m/s2"
      : field.endsWith("_g2")
        ? "g2"
        : field.endsWith("_g")
          ? "g"
          : field.endsWith("_rpm")
            ? "rpm"
            : field.endsWith("_hz")
              ? "Hz"
              : "1";

/** The window a trend uses when none is asked: the nicest step giving at most TARGET_WINDOWS. */
export const autoEveryMs = (rangeMs: number): number =>
  NICE_STEPS_MS.find((s) => rangeMs / s <= TARGET_WINDOWS) ??
  Math.ceil(rangeMs / TARGET_WINDOWS / 86_400_000) * 86_400_000;

interface ZoneLines {
  field: string;
  quantity: "velocity" | "acceleration";
  bandHz: [number, number];
  unit: string;
  ab: number;
  bc: number;
  cd: number;
  source: string;
}

/** The zone boundaries of the fields that have them, in each field's unit. */
function zoneLines(
  component: ComponentClass,
  rows: readonly ZoneRow[],
  fields: readonly string[],
): ZoneLines[] {
  const velocity = rows.find((r) => r.quantity === "velocity");
  const acceleration = rows.find((r) => r.quantity === "acceleration");
  const out: ZoneLines[] = [];
  const put = (field: string, r: ZoneRow | undefined, scale: number) => {
    if (!r || !fields.includes(field)) return;
    out.push({
      field,
      quantity: r.quantity,
      bandHz: [r.bandHz[0], r.bandHz[1]],
      unit: fieldUnit(field),
      ab: r.ab * scale,
      bc: r.bc * scale,
      cd: r.cd * scale,
      source: `${component}: ${r.source}`,
    });
  };
  put("v_rms_mm_s", velocity, 1);
  put("a_rms_m_s2", acceleration, 1);
  put("a_rms_g", acceleration, 1 / STANDARD_GRAVITY_M_S2);
  return out;
}

/** The asset's measuring point the request names, or 404; 400 when it names none and one is needed. */
function pointOf(asset: Asset, point: string | undefined, fallback: boolean): Asset["points"][number] {
  if (point === undefined) {
    const first = asset.points.find((p) => p.component) ?? asset.points[0];
    if (fallback && first) return first;
    throw new ApiError("VALIDATION_FAILED", "querystring.point: required");
  }
  const p = asset.points.find((x) => x.id === point);
  if (!p) throw new ApiError("NOT_FOUND", `No measuring point "${point}" of ${asset.id}`);
  return p;
}

function parseWhen(text: string | undefined, key: string, fallback: number): number {
  if (text === undefined) return fallback;
  const ms = parseTime(text);
  if (ms === null || ms < 0 || ms > MAX_TIME_MS)
    throw new ApiError(
      "VALIDATION_FAILED",
      `querystring.${key}: expected ISO-8601 with a zone or epoch ms, 1970–9999`,
    );
  return ms;
}

const orFail = async <T>(r: Promise<IoResult<T>>): Promise<T> => {
  const v = await r;
  if (v.kind === "retryable") throw new ApiError("STORE_UNAVAILABLE", v.message);
  if (v.kind === "failure") throw new ApiError("QUERY_FAILED", v.message);
  return v.value;
};

/** One snapshot trace peak-held onto the grid k·dfHz, k < bins (a bin takes the lines nearest to it). */
function onGrid(values: readonly number[], fromDf: number, dfHz: number, bins: number): number[] {
  const out = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const k = Math.round((i * fromDf) / dfHz);
    if (k >= bins) break;
    const v = values[i]!;
    if (Number.isFinite(v) && v > out[k]!) out[k] = v;
  }
  return out;
}

const TrendsQuery = Type.Object(
  {
    point: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: "default: the asset's first point" }),
    ),
    fields: Type.Optional(
      Type.String({
        maxLength: 512,
        pattern: "^[a-z0-9_]+(,[a-z0-9_]+)*$",
        description: `vibration fields, comma-separated (at most ${MAX_TREND_FIELDS}); default: ${DEFAULT_TREND_FIELDS.join(",")}`,
      }),
    ),
    from: Type.Optional(
      Type.String({ maxLength: 40, description: "ISO-8601 with zone, or epoch ms; default to − 7 d" }),
    ),
    to: Type.Optional(
      Type.String({ maxLength: 40, description: "ISO-8601 with zone, or epoch ms (exclusive); default now" }),
    ),
    every: Type.Optional(
      Type.String({
        maxLength: 20,
        pattern: "^(auto|\\d+(ms|s|m|h|d))$",
        description: `window, e.g. 10m, 1h, 1d (1 s to 366 d, at most ${MAX_WINDOWS} in the range); default auto (about ${TARGET_WINDOWS})`,
      }),
    ),
  },
  { additionalProperties: false },
);

const Numbers = Type.Array(Type.Number());

const TrendsReply = Type.Object({
  asset: Type.String(),
  point: Type.String(),
  component: Type.Union([Type.String(), Type.Null()]),
  from: Type.String({ format: "date-time" }),
  to: Type.String({ format: "date-time" }),
  everyMs: Type.Integer(),
  fields: Type.Array(
    Type.Object({
      field: Type.String(),
      unit: Type.String(),
      ts: Type.Array(Type.Integer(), { description: "window starts, epoch ms (UTC)" }),
      min: Numbers,
      mean: Numbers,
      max: Numbers,
      count: Numbers,
    }),
  ),
  zones: Type.Array(
    Type.Object({
      field: Type.String(),
      quantity: Type.String(),
      bandHz: Type.Tuple([Type.Number(), Type.Number()]),
      unit: Type.String(),
      ab: Type.Number(),
      bc: Type.Number(),
      cd: Type.Number(),
      source: Type.String(),
    }),
  ),
  alarms: Type.Array(
    Type.Object({
      id: Type.String(),
      fault: Type.String(),
      severity: Type.String(),
      maxSeverity: Type.String(),
      state: Type.String(),
      since: Type.String({ format: "date-time", description: "when the condition began" }),
      raisedAt: Type.String({ format: "date-time" }),
      clearedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    }),
  ),
});

const views: FastifyPluginAsyncTypebox<CentralDeps> = async (app, deps) => {
  const { meta, config } = deps;
  const store: TimeSeriesStore = deps.store;
  const table = zoneTableWithOverrides(DEFAULT_ZONE_TABLE, config.zones);
  // Plugins are encapsulated: the snapshot's schema is registered here too.
  app.addSchema(ServedSnapshotSchema);

  app.get(
    "/api/v1/assets/:id/trends",
    {
      config: { access: { roles: PEOPLE } },
      schema: {
        tags: ["assets"],
        summary:
          "Trends of a measuring point: min, mean and max per window of its vibration features and fault-family amplitudes, the ISO zone boundaries and the point's alarms",
        params: Type.Object({ id: Type.String() }),
        querystring: TrendsQuery,
        response: { 200: TrendsReply, ...errorResponses(400, 404, 500, 503) },
      },
    },
    async (request) => {
      const asset = await visibleAsset(deps, request, request.params.id);
      const q = request.query;
      const point = pointOf(asset, q.point, true);
      const fields = q.fields === undefined ? [...DEFAULT_TREND_FIELDS] : q.fields.split(",");
      if (fields.length > MAX_TREND_FIELDS)
        throw new ApiError("VALIDATION_FAILED", `querystring.fields: at most ${MAX_TREND_FIELDS} fields`);
      if (new Set(fields).size !== fields.length)
        throw new ApiError("VALIDATION_FAILED", "querystring.fields: a field is named twice");
      const unknown = fields.find((f) => !(f in VibrationFields));
      if (unknown !== undefined)
        throw new ApiError("UNKNOWN_FIELD", `querystring.fields: "${unknown}" is not a vibration field`);
      const toMs = parseWhen(q.to, "to", Date.now());
      const fromMs = parseWhen(q.from, "from", Math.max(0, toMs - DEFAULT_RANGE_MS));
      if (fromMs >= toMs) throw new ApiError("VALIDATION_FAILED", "querystring.from: must be before to");
      if (toMs - fromMs > MAX_RANGE_MS)
        throw new ApiError("VALIDATION_FAILED", "querystring.from: the range may span at most 10 years");
      let everyMs: number;
      if (q.every === undefined || q.every === "auto") everyMs = autoEveryMs(toMs - fromMs);
      else {
        const parsed = parseDuration(q.every);
        if (parsed === null || parsed < MIN_EVERY_MS || parsed > MAX_EVERY_MS)
          throw new ApiError("VALIDATION_FAILED", "querystring.every: a window from 1s to 366d");
        if ((toMs - fromMs) / parsed > MAX_WINDOWS)
          throw new ApiError(
            "VALIDATION_FAILED",
            `querystring.every: more than ${MAX_WINDOWS} windows in the range`,
          );
        everyMs = parsed;
      }
      const buckets = await orFail(
        store.bucketed({
          measurement: "vibration",
          fields,
          tags: { asset: asset.id, point: point.id },
          fromMs,
          toMs,
          everyMs,
        }),
      );
      const companies = companiesOf(principalOf(request));
      // The point's alarms whose condition overlaps the range: began before its end, cleared (if
      // at all) after its start. Newest first; an asset's last 2000 are looked at.
      const alarms = (
        await app.service.book.list({
          assets: [asset.id],
          ...(companies ? { companies } : {}),
          sort: "since",
          order: "desc",
          limit: 2000,
        })
      ).alarms
        .filter(
          (a) =>
            a.point === point.id &&
            Date.parse(a.since) < toMs &&
            (a.clearedAt === null || Date.parse(a.clearedAt) >= fromMs),
        )
        .map((a) => ({
          id: a.id,
          fault: a.fault,
          severity: a.severity,
          maxSeverity: a.maxSeverity,
          state: a.state,
          since: a.since,
          raisedAt: a.raisedAt,
          clearedAt: a.clearedAt,
        }));
      const component = (point.component ?? null) as ComponentClass | null;
      return {
        asset: asset.id,
        point: point.id,
        component,
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        everyMs,
        fields: buckets.map((b) => ({
          field: b.field,
          unit: fieldUnit(b.field),
          ts: Array.from(b.ts),
          min: Array.from(b.min),
          mean: Array.from(b.mean),
          max: Array.from(b.max),
          count: Array.from(b.count),
        })),
        zones: component === null ? [] : zoneLines(component, table[component], fields),
        alarms,
      };
    },
  );

  app.get(
    "/api/v1/assets/:id/waterfall",
    {
      config: { access: { roles: PEOPLE } },
      schema: {
        tags: ["assets"],
        summary:
          "The newest spectrum snapshots of a measuring point on one frequency grid, oldest first (waterfall, spectrogram)",
        params: Type.Object({ id: Type.String() }),
        querystring: Type.Object(
          {
            point: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "required" })),
            count: Type.Optional(
              Type.String({
                pattern: "^[0-9]{1,2}$",
                description: `snapshots, 1–${SNAPSHOTS_KEPT_PER_POINT} (all kept)`,
              }),
            ),
            trace: Type.Optional(Type.Union([Type.Literal("velocity"), Type.Literal("envelope")])),
            bins: Type.Optional(
              Type.String({
                pattern: "^[0-9]{1,4}$",
                description: `frequency bins, 16–${MAX_WATERFALL_BINS} (1024)`,
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            asset: Type.String(),
            point: Type.String(),
            trace: Type.String(),
            unit: Type.String(),
            df_hz: Type.Number(),
            rows: Type.Array(
              Type.Object({
                ts: Type.String({ format: "date-time" }),
                reason: Type.String(),
                speedRpm: Type.Union([Type.Number(), Type.Null()]),
                values: Numbers,
              }),
            ),
          }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const asset = await visibleAsset(deps, request, request.params.id);
      const q = request.query;
      const point = pointOf(asset, q.point, false);
      const count = Number(q.count ?? SNAPSHOTS_KEPT_PER_POINT);
      if (count < 1 || count > SNAPSHOTS_KEPT_PER_POINT)
        throw new ApiError("VALIDATION_FAILED", `querystring.count: 1 to ${SNAPSHOTS_KEPT_PER_POINT}`);
      const maxBins = Number(q.bins ?? 1024);
      if (maxBins < 16 || maxBins > MAX_WATERFALL_BINS)
        throw new ApiError("VALIDATION_FAILED", `querystring.bins: 16 to ${MAX_WATERFALL_BINS}`);
      const which = q.trace ?? "velocity";
      const rows = (await meta.snapshots.latest(asset.id, point.id, count)).reverse().map((r) => {
        const s = (JSON.parse(r.json) as Pick<SpectrumUpload, "snapshot">).snapshot;
        return {
          ts: r.ts,
          reason: r.reason,
          speedRpm: s.speedRpm,
          trace: which === "velocity" ? s.spectrum : s.envelope,
        };
      });
      if (rows.length === 0) throw new ApiError("NOT_FOUND", `No spectrum of ${asset.id} ${point.id}`);
      // One grid for every row: the coarsest bin spacing, up to the newest row's top, at most maxBins.
      const newest = rows[rows.length - 1]!.trace;
      const topHz = (newest.values.length - 1) * newest.df_hz;
      let dfHz = Math.max(...rows.map((r) => r.trace.df_hz));
      dfHz = Math.max(dfHz, topHz / (maxBins - 1));
      const bins = Math.min(maxBins, Math.floor(topHz / dfHz) + 1);
      return {
        asset: asset.id,
        point: point.id,
        trace: which,
        unit: newest.unit,
        df_hz: dfHz,
        rows: rows.map((r) => ({
          ts: new Date(r.ts).toISOString(),
          reason: r.reason,
          speedRpm: r.speedRpm,
          values: onGrid(r.trace.values, r.trace.df_hz, dfHz, bins),
        })),
      };
    },
  );

  app.get(
    "/api/v1/assets/:id/spectrum/baseline",
    {
      config: { access: { roles: PEOPLE } },
      schema: {
        tags: ["assets"],
        summary:
          "The baseline snapshot of a measuring point: the mean spectra of the healthy blocks the edge learnt its baseline from",
        params: Type.Object({ id: Type.String() }),
        querystring: Type.Object(
          { point: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "required" })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ asset: Type.String(), snapshot: Type.Ref("SpectrumSnapshot") }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const asset = await visibleAsset(deps, request, request.params.id);
      const point = pointOf(asset, request.query.point, false);
      const row = await meta.snapshots.baseline(asset.id, point.id);
      if (!row) throw new ApiError("NOT_FOUND", `No baseline spectrum of ${asset.id} ${point.id} yet`);
      const stored = JSON.parse(row.json) as Pick<SpectrumUpload, "snapshot" | "diagnoses">;
      return {
        asset: asset.id,
        snapshot: {
          point: point.id,
          component: (point.component ?? null) as string | null,
          ts: new Date(row.ts).toISOString(),
          reason: "baseline" as const,
          ...stored.snapshot,
          diagnoses: [],
        },
      };
    },
  );
};

export default views;
