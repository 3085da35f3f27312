// The GET and PUT of a plan a facility has one of — its weekly schedule, its
// demand limit — built the same way: the facility by path, read by one
// audience and set by another, each route declaring its own (`access`), the
// PUT answering the plan as stored with who set it and when.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Static, type TObject, type TProperties, type TSchema, Type } from "@sinclair/typebox";
import { errorResponses, principalOf, type RouteAccess } from "../http.ts";
import type { Asset, Principal } from "../meta/meta.ts";

type App = Parameters<FastifyPluginAsyncTypebox>[0];

/** A week's schedule with every exception is a few kB; nothing legitimate comes near this. */
const PLAN_BODY_LIMIT_BYTES = 256 * 1024;

// The control routes' shared pieces: a facility's id in a path or query, and times as ISO 8601.
export const AssetParam = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:-]+$" });
export const Iso = Type.String({ format: "date-time" });
export const iso = (ms: number) => new Date(ms).toISOString();

/** Who set a plan and when (null: never set). */
const Updated = {
  updatedAt: Type.Union([Iso, Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
};

/** A plan as the repository keeps it, under its own name (`schedule`, `limit`). */
type StoredPlan<K extends string, P> = { [key in K]: P } & { updatedAt: number; updatedBy: string };

export interface FacilityPlan<
  K extends string,
  S extends TSchema,
  M extends TProperties = Record<never, never>,
> {
  path: string;
  /** The plan's name in the replies. */
  key: K;
  schema: S;
  /** A facility the caller may see, or a 404. */
  facility: (principal: Principal, id: string) => Promise<Asset>;
  stored: (assetId: string) => Promise<StoredPlan<K, Static<S>> | null>;
  read: {
    access: RouteAccess;
    summary: string;
    /** More the GET answers beside the plan (after it), e.g. the template of the facility's kind. */
    more?: { schema: M; of: (asset: Asset) => Promise<Static<TObject<M>>> };
  };
  write: {
    access: RouteAccess;
    summary: string;
    /** Checks, stores and audits the plan (a refused one throws). */
    put: (asset: Asset, plan: Static<S>, by: Principal) => Promise<void>;
  };
}

export function facilityPlanRoutes<
  K extends string,
  S extends TSchema,
  M extends TProperties = Record<never, never>,
>(app: App, plan: FacilityPlan<K, S, M>): void {
  const { key, schema } = plan;
  const params = Type.Object({ asset: AssetParam });
  const reply = (asset: Asset, stored: StoredPlan<K, Static<S>> | null) => ({
    asset: asset.id,
    [key]: stored?.[key] ?? null,
    updatedAt: stored ? iso(stored.updatedAt) : null,
    updatedBy: stored?.updatedBy ?? null,
  });

  app.get(
    plan.path,
    {
      config: { access: plan.read.access },
      schema: {
        tags: ["control"],
        summary: plan.read.summary,
        params,
        response: {
          200: Type.Object({
            asset: Type.String(),
            [key]: Type.Union([schema, Type.Null()]),
            ...Updated,
            ...plan.read.more?.schema,
          }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const asset = await plan.facility(principalOf(request), request.params.asset);
      return { ...reply(asset, await plan.stored(asset.id)), ...(await plan.read.more?.of(asset)) };
    },
  );

  app.put(
    plan.path,
    {
      bodyLimit: PLAN_BODY_LIMIT_BYTES,
      config: { access: plan.write.access },
      schema: {
        tags: ["control"],
        summary: plan.write.summary,
        params,
        body: schema,
        response: {
          200: Type.Object({ asset: Type.String(), [key]: schema, ...Updated }),
          ...errorResponses(400, 404, 413),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const asset = await plan.facility(principal, request.params.asset);
      await plan.write.put(asset, request.body, principal);
      return reply(asset, await plan.stored(asset.id));
    },
  );
}
