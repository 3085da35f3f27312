// Spectrum snapshots: edge agents send them (`POST /api/v1/ingest/spectrum`,
// agent token, the same site/asset rules as `/api/v1/ingest`) on a schedule
// and whenever a diagnosis changes; central keeps the newest few per
// measuring point in the metadata file (so every replica and either
// time-series store sees the same) and serves the newest at
// `GET /api/v1/assets/:id/spectrum?point=`.
//
// The GET answers `{"asset", "snapshots": [...]}`: with `point`, the newest
// snapshot of that point; without it, the newest of each point that has
// one. 404 when the asset is not the caller's or there is no snapshot.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { checkMeasuringPoint } from "../../common/catalog.ts";
import type { Rejection } from "../../common/errors.ts";
import { Diagnoses, Severities } from "../../common/names.ts";
import {
  EvidenceSchema,
  type SnapshotReason,
  SnapshotReasons,
  SpectrumIngestAckSchema,
  SpectrumIngestSchema,
  SpectrumMarkerSchema,
  SpectrumSnapshotSchema,
  type SpectrumUpload,
  SpectrumUploadSchema,
  WaveformSchema,
} from "../../common/spectrum.ts";
import { MAX_FUTURE_SKEW_MS, MAX_STORABLE_TIMESTAMP_MS, MIN_TIMESTAMP_MS } from "../../common/wire.ts";
import type { CentralDeps } from "../deps.ts";
import { ApiError, errorResponses, principalOf } from "../http.ts";
import { siteCatalog } from "../meta/catalog.ts";
import { SNAPSHOTS_KEPT_PER_POINT, type StoredSnapshot } from "../meta/meta.ts";
import { visibleAsset } from "./assets.ts";
import { gunzipBody, rejectionError } from "./ingest.ts";

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const IsoTime = Type.String({ format: "date-time", description: "UTC, ISO 8601" });

/** A snapshot as central serves it (also in views.ts, the baseline's route). */
export const ServedSnapshotSchema = Type.Object(
  {
    point: Type.String(),
    component: Type.Union([Type.String(), Type.Null()]),
    ts: { ...IsoTime, description: "time of the block, UTC" },
    reason: literals(SnapshotReasons),
    speedRpm: SpectrumSnapshotSchema.properties.speedRpm,
    sampleRateHz: Type.Number(),
    samples: Type.Integer(),
    spectrum: SpectrumSnapshotSchema.properties.spectrum,
    envelope: SpectrumSnapshotSchema.properties.envelope,
    markers: Type.Array(SpectrumMarkerSchema),
    waveform: Type.Optional(WaveformSchema),
    diagnoses: Type.Array(
      Type.Object({
        fault: literals(Diagnoses),
        severity: literals(Severities),
        confidence: Type.Number(),
        since: IsoTime,
        evidence: EvidenceSchema,
      }),
      { description: "the diagnoses active at this block" },
    ),
  },
  { $id: "SpectrumSnapshot" },
);

/** What a stored row must hold to be served: the upload's checked parts. */
const StoredSnapshotSchema = Type.Object({
  snapshot: SpectrumSnapshotSchema,
  diagnoses: SpectrumUploadSchema.properties.diagnoses,
});

/** A stored row as served, or null when it does not hold what the upload schema allows. */
function servedSnapshot(r: StoredSnapshot, components: ReadonlyMap<string, string | null>) {
  let stored: unknown;
  try {
    stored = JSON.parse(r.json);
  } catch {
    return null;
  }
  if (!Value.Check(StoredSnapshotSchema, stored) || !isServableTime(r.ts)) return null;
  const { snapshot, diagnoses } = stored as Pick<SpectrumUpload, "snapshot" | "diagnoses">;
  if (!diagnoses.every((d) => isServableTime(d.since))) return null;
  return {
    point: r.point,
    component: components.get(r.point) ?? null,
    ts: new Date(r.ts).toISOString(),
    reason: (SnapshotReasons as readonly string[]).includes(r.reason)
      ? (r.reason as SnapshotReason)
      : "scheduled",
    ...snapshot,
    diagnoses: diagnoses.map((d) => ({ ...d, since: new Date(d.since).toISOString() })),
  };
}

const isServableTime = (ms: number): boolean =>
  Number.isSafeInteger(ms) && ms >= MIN_TIMESTAMP_MS && ms <= MAX_STORABLE_TIMESTAMP_MS;

const spectrum: FastifyPluginAsyncTypebox<CentralDeps> = async (app, deps) => {
  const { meta } = deps;
  app.addSchema(ServedSnapshotSchema);

  app.post(
    "/api/v1/ingest/spectrum",
    {
      config: { access: { roles: ["admin", "agent"] }, audit: false },
      schema: {
        tags: ["ingest"],
        summary:
          "Store spectrum snapshots from an edge agent (agent token); JSON, optionally gzip-encoded; the newest per point are kept",
        body: SpectrumIngestSchema,
        response: { 200: SpectrumIngestAckSchema, ...errorResponses(400, 413, 415, 500) },
      },
      preParsing: gunzipBody,
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.role !== "agent" && principal.role !== "admin")
        throw new ApiError("FORBIDDEN", "Only agent (or admin) tokens may ingest");
      const body = request.body;
      if (principal.role === "agent" && body.site !== principal.site)
        throw new ApiError("FORBIDDEN", `site: this token writes for site "${principal.site}"`);
      const catalog = await siteCatalog(meta, body.site);
      if (!catalog) throw new ApiError("UNKNOWN_ASSET", `site: no site "${body.site}"`);
      // The rule of POST /api/v1/ingest (common/catalog.ts): a snapshot of a point central's
      // configuration does not have is refused like that point's features and diagnoses.
      const latestAllowedMs = Date.now() + MAX_FUTURE_SKEW_MS;
      const rejected: Rejection[] = [];
      body.snapshots.forEach((s, i) => {
        const refusal = checkMeasuringPoint(catalog.index, s.asset, s.point, {
          asset: "asset",
          point: "point",
        });
        if (refusal)
          rejected.push({ index: i, code: refusal.code, message: `snapshots[${i}].${refusal.message}` });
        else if (s.ts > latestAllowedMs)
          rejected.push({
            index: i,
            code: "INVALID_TIMESTAMP",
            message: `snapshots[${i}].ts: ${s.ts} is ahead of central's clock`,
          });
        else {
          const k = s.diagnoses.findIndex((d) => d.since > latestAllowedMs);
          if (k >= 0)
            rejected.push({
              index: i,
              code: "INVALID_TIMESTAMP",
              message: `snapshots[${i}].diagnoses[${k}].since: ${s.diagnoses[k]!.since} is ahead of central's clock`,
            });
        }
      });
      if (rejected.length > 0) throw rejectionError(rejected, "snapshots");
      await meta.snapshots.put(
        body.snapshots.map((s) => {
          const { asset, point, ts, reason, ...rest } = s;
          return { asset, point, ts, reason, json: JSON.stringify(rest) };
        }),
      );
      return { accepted: body.snapshots.length };
    },
  );

  app.get(
    "/api/v1/assets/:id/spectrum",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["assets"],
        summary:
          "Newest spectrum and squared-envelope spectrum of a measuring point (or of each point without `point`), with the fault frequencies marked and the diagnoses active then",
        params: Type.Object({ id: Type.String() }),
        querystring: Type.Object(
          {
            point: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            history: Type.Optional(
              Type.String({
                pattern: "^[0-9]{1,2}$",
                description:
                  "with `point`: the newest N snapshots (1–50), newest first, for comparing with earlier ones",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ asset: Type.String(), snapshots: Type.Array(Type.Ref("SpectrumSnapshot")) }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const asset = await visibleAsset(deps, request, request.params.id);
      const point = request.query.point;
      const history = Math.max(1, Math.min(SNAPSHOTS_KEPT_PER_POINT, Number(request.query.history ?? 1)));
      const rows = await meta.snapshots.latest(asset.id, point, point === undefined ? 1 : history);
      if (rows.length === 0)
        throw new ApiError(
          "NOT_FOUND",
          point === undefined ? `No spectrum of ${asset.id} yet` : `No spectrum of ${asset.id} ${point}`,
        );
      const components = new Map(asset.points.map((p) => [p.id, p.component as string | null]));
      // Defensive on read too: a row stored before the ranges were checked (or damaged) is left out
      // and logged, so one bad snapshot cannot make every reader of the asset's spectrum fail.
      const snapshots = rows.flatMap((r) => {
        const served = servedSnapshot(r, components);
        if (!served)
          request.log.warn(
            { asset: r.asset, point: r.point, ts: r.ts },
            "stored spectrum snapshot unreadable; left out",
          );
        return served ? [served] : [];
      });
      if (snapshots.length === 0)
        throw new ApiError(
          "NOT_FOUND",
          `No readable spectrum of ${asset.id}${point === undefined ? "" : ` ${point}`}`,
        );
      return { asset: asset.id, snapshots };
    },
  );
};

export default spectrum;
