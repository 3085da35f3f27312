// The fleet a caller may see, and one asset's condition: ISO 10816-21 zone
// and latest features per measuring point, active diagnoses, latest SCADA
// or meter values.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { AssetKinds, isoZoneFromNumber, MeterFields, ScadaFields } from "../../common/names.ts";
import type { IoResult } from "../../common/result.ts";
import { DIAGNOSIS_ACTIVE_MS, MAX_FUTURE_SKEW_MS } from "../../common/wire.ts";
import type { CentralDeps } from "../deps.ts";
import { ApiError, canSeeAsset, errorResponses, principalOf } from "../http.ts";
import { responsibleCompany } from "../maintenance/contracts.ts";
import type { Asset } from "../meta/meta.ts";
import type { LatestRow, TimeSeriesStore } from "../stores/types.ts";
import { IsoZoneOrNull } from "./alarm-schemas.ts";

const AssetSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.Union(AssetKinds.map((k) => Type.Literal(k))),
    site: Type.String(),
    tenant: Type.String(),
    /** The company maintaining it now: by contract, else the owner (`tenant`). */
    company: Type.Optional(Type.String()),
    points: Type.Array(
      Type.Object({ id: Type.String(), component: Type.Union([Type.String(), Type.Null()]) }),
    ),
  },
  { $id: "Asset" },
);

const Numbers = Type.Record(Type.String(), Type.Number());
const LatestValuesSchema = Type.Object({ ts: Type.Integer({ description: "epoch ms" }), fields: Numbers });

const HealthSchema = Type.Object({
  asset: Type.Ref("Asset"),
  points: Type.Array(
    Type.Object({
      point: Type.String(),
      component: Type.Union([Type.String(), Type.Null()]),
      isoZone: IsoZoneOrNull,
      features: Numbers,
      ts: Type.Union([Type.Integer({ description: "epoch ms of the latest block" }), Type.Null()]),
    }),
  ),
  diagnoses: Type.Array(
    Type.Object({
      point: Type.Union([Type.String(), Type.Null()]),
      fault: Type.String(),
      severity: Type.Union([Type.Literal("warning"), Type.Literal("alarm"), Type.Null()]),
      confidence: Type.Union([Type.Number(), Type.Null()]),
      ts: Type.Integer(),
      fields: Numbers,
    }),
  ),
  scada: Type.Optional(LatestValuesSchema),
  meter: Type.Optional(LatestValuesSchema),
});

export const visibleAsset = async (
  deps: CentralDeps,
  request: Parameters<typeof principalOf>[0],
  id: string,
): Promise<Asset> => {
  const asset = (await deps.meta.fleet.current()).assetById.get(id);
  // 404 also for assets that exist but belong to someone else: existence is not revealed.
  if (!asset || !canSeeAsset(principalOf(request), asset))
    throw new ApiError("NOT_FOUND", `No asset "${id}"`);
  return asset;
};

const orFail = <T>(r: IoResult<T>): T => {
  if (r.kind === "retryable") throw new ApiError("STORE_UNAVAILABLE", r.message);
  if (r.kind === "failure") throw new ApiError("QUERY_FAILED", r.message);
  return r.value;
};

/** How far back the health view looks for a field's last value. */
const LAST_VALUE_LOOKBACK_MS = 24 * 3_600_000;

async function withLastOfEachField(
  store: TimeSeriesStore,
  measurement: "scada" | "meter",
  tags: Record<string, string>,
  fields: string[],
  newest: LatestRow | undefined,
): Promise<LatestRow | undefined> {
  if (!newest) return undefined;
  const missing = fields.filter((f) => !(f in newest.fields));
  const toMs = Date.now() + MAX_FUTURE_SKEW_MS;
  const lasts = await Promise.all(
    missing.map((field) =>
      store.query({
        measurement,
        field,
        tags,
        fromMs: toMs - LAST_VALUE_LOOKBACK_MS,
        toMs,
        aggregate: "last",
      }),
    ),
  );
  const merged: Record<string, number> = {};
  lasts.forEach((r, i) => {
    const value = orFail(r)[0]?.points[0]?.value;
    if (value !== undefined) merged[missing[i]!] = value;
  });
  return { ...newest, fields: { ...merged, ...newest.fields } };
}

const assets: FastifyPluginAsyncTypebox<CentralDeps> = async (app, deps) => {
  const { meta, store } = deps;
  app.addSchema(AssetSchema);

  app.get(
    "/api/v1/assets",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["assets"],
        summary: "Turbines and facilities the caller may see",
        response: { 200: Type.Object({ assets: Type.Array(Type.Ref("Asset")) }) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const now = Date.now();
      return {
        assets: (await meta.fleet.current()).assets
          .filter((a) => canSeeAsset(principal, a, now))
          .map((a) => ({ ...a, company: responsibleCompany(a, now) })),
      };
    },
  );

  app.get(
    "/api/v1/assets/:id/health",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["assets"],
        summary:
          "ISO 10816-21 zone and latest features per measuring point, active diagnoses, latest SCADA/meter values",
        params: Type.Object({ id: Type.String() }),
        response: { 200: HealthSchema, ...errorResponses(404, 500, 503) },
      },
    },
    async (request) => {
      const asset = await visibleAsset(deps, request, request.params.id);
      const tags = { asset: asset.id };
      const [vibration, diagnosis, scada, meter] = await Promise.all([
        store.latest({ measurement: "vibration", tags, groupBy: ["point"] }),
        store.latest({ measurement: "diagnosis", tags, groupBy: ["point", "fault"] }),
        store.latest({ measurement: "scada", tags, groupBy: ["asset"] }),
        store.latest({ measurement: "meter", tags, groupBy: ["asset"] }),
      ]);
      const vibrationRows = orFail(vibration);
      const byPoint = new Map(vibrationRows.map((r) => [r.tags.point ?? "", r]));
      const known = new Set(asset.points.map((p) => p.id));
      const points = [
        ...asset.points.map((p) => ({ id: p.id, component: p.component as string | null })),
        ...vibrationRows
          .filter((r) => r.tags.point && !known.has(r.tags.point))
          .map((r) => ({ id: r.tags.point!, component: null })),
      ].map(({ id, component }) => {
        const row = byPoint.get(id);
        const { iso_zone, ...features } = row?.fields ?? {};
        return {
          point: id,
          component,
          isoZone: iso_zone === undefined ? null : isoZoneFromNumber(iso_zone),
          features,
          ts: row?.ts ?? null,
        };
      });
      const activeSince = Date.now() - DIAGNOSIS_ACTIVE_MS;
      // Diagnosis fields as the edge writes them: severity 1 = warning, 2 = alarm;
      // confidence 0..1; active 0 marks a diagnosis the edge withdrew.
      const diagnoses = orFail(diagnosis)
        .filter((r) => r.tags.fault && r.ts >= activeSince && r.fields.active !== 0)
        .map((r) => ({
          point: r.tags.point ?? null,
          fault: r.tags.fault!,
          severity:
            r.fields.severity === 2
              ? ("alarm" as const)
              : r.fields.severity === 1
                ? ("warning" as const)
                : null,
          confidence: r.fields.confidence ?? null,
          ts: r.ts,
          fields: r.fields,
        }));
      // Fields of one measurement may come from several sources at their own
      // times (speeds from the controller over Modbus, temperatures from the
      // CMS over OPC UA): the newest row alone would hide the others.
      const [scadaRow, meterRow] = await Promise.all([
        withLastOfEachField(store, "scada", tags, Object.keys(ScadaFields), orFail(scada)[0]),
        withLastOfEachField(store, "meter", tags, Object.keys(MeterFields), orFail(meter)[0]),
      ]);
      return {
        asset,
        points,
        diagnoses,
        ...(scadaRow ? { scada: { ts: scadaRow.ts, fields: scadaRow.fields } } : {}),
        ...(meterRow ? { meter: { ts: meterRow.ts, fields: meterRow.fields } } : {}),
      };
    },
  );
};

export default assets;
