// A central app on temp files with a small known fleet and one token per
// role, for route tests (app.inject) — real SQLite, real stores.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, RouteOptions } from "fastify";
import { createCentralApp } from "../../central/app.ts";
import { type CentralConfig, parseCentralConfig } from "../../central/config.ts";
import type { MetadataConfig } from "../../central/db/config.ts";
import { META_FILE, MetaStore } from "../../central/meta/meta.ts";
import { openEmbeddedStore } from "../../central/stores/embedded.ts";
import type { TimeSeriesStore } from "../../central/stores/types.ts";
import { type ComponentClass, type TurbinePointId, TurbinePoints } from "../../common/names.ts";

/** A turbine's main bearing and gearbox high-speed shaft measuring points. */
export const BEARING_AND_GEARBOX_POINTS: { id: string; component: ComponentClass }[] = [
  { id: "main_bearing", component: "main_bearing" },
  { id: "gearbox_hss", component: "gearbox" },
];

/** A turbine's main bearing alone. */
export const MAIN_BEARING_POINT: { id: string; component: ComponentClass }[] = [
  { id: "main_bearing", component: "main_bearing" },
];

/**
 * The fleet part of a central config: one company's wind farm `wf1` with
 * `turbines`, each named by its id and measuring `points`.
 */
export const windFarmFleet = (company: string, turbines: string[], points = BEARING_AND_GEARBOX_POINTS) => ({
  tenants: [{ id: company, name: company }],
  sites: [{ id: "wf1", name: "Wind farm 1", kind: "wind_farm" as const }],
  assets: turbines.map((id) => ({
    id,
    name: id,
    kind: "turbine" as const,
    site: "wf1",
    tenant: company,
    points,
  })),
});

/** The measuring points of a turbine's drive train, as the demo configures them. */
const DRIVE_TRAIN = [...BEARING_AND_GEARBOX_POINTS, { id: "generator_de", component: "generator" }];

/** Every measuring point of the simulated turbine (common/names.ts) with its component. */
export const ALL_TURBINE_POINTS = (Object.keys(TurbinePoints) as TurbinePointId[]).map((id) => ({
  id,
  component: TurbinePoints[id].component,
}));

/** A turbine asset of site `wf1` with every measuring point of the simulator. */
export const simulatedTurbine = (id: string, name: string, tenant: string) => ({
  id,
  name,
  kind: "turbine",
  site: "wf1",
  tenant,
  points: ALL_TURBINE_POINTS,
});

export const FIXTURE_FLEET = {
  tenants: [
    { id: "sc-north", name: "North Wind Service" },
    { id: "sc-south", name: "South Wind Service" },
    { id: "region", name: "Regional energy department" },
  ],
  sites: [
    { id: "wf1", name: "Wind farm 1", kind: "wind_farm" },
    { id: "wf2", name: "Wind farm 2", kind: "wind_farm" },
    { id: "fac-h01", name: "Hospital 1", kind: "facility", tenant: "region", timezone: "Europe/Moscow" },
  ],
  assets: [
    {
      id: "T01",
      name: "Turbine 1",
      kind: "turbine",
      site: "wf1",
      tenant: "sc-north",
      points: BEARING_AND_GEARBOX_POINTS,
    },
    { id: "T02", name: "Turbine 2", kind: "turbine", site: "wf1", tenant: "sc-south", points: DRIVE_TRAIN },
    { id: "T03", name: "Turbine 3", kind: "turbine", site: "wf2", tenant: "sc-north", points: DRIVE_TRAIN },
    { id: "H01", name: "Hospital 1", kind: "hospital", site: "fac-h01", tenant: "region", points: [] },
  ],
};

/** One token per role of the fixture fleet. */
export interface FixtureTokens {
  admin: string;
  ministry: string;
  north: string;
  south: string;
  /** energy_manager of the tenant `region` (owner of the facility H01). */
  energy: string;
  agentWf1: string;
  agentWf2: string;
}

/** Creates the fixture's tokens one after the other (their ids follow this order); `admin` when central made one. */
export async function createFixtureTokens(
  tokens: Pick<MetaStore["tokens"], "create">,
  admin?: string,
): Promise<FixtureTokens> {
  return {
    admin: admin ?? (await tokens.create({ role: "admin", label: "admin" })),
    ministry: await tokens.create({ role: "ministry", label: "ministry" }),
    north: await tokens.create({ role: "service_company", tenant: "sc-north", label: "north ops" }),
    south: await tokens.create({ role: "service_company", tenant: "sc-south", label: "south ops" }),
    energy: await tokens.create({ role: "energy_manager", tenant: "region", label: "region energy" }),
    agentWf1: await tokens.create({ role: "agent", site: "wf1", label: "edge wf1" }),
    agentWf2: await tokens.create({ role: "agent", site: "wf2", label: "edge wf2" }),
  };
}

/** An ingest body as the fixture's agent of site wf1 (token `agentWf1`) sends it. */
export const wf1Batch = (batchId: string, points: unknown[], sentAt = Date.now()) => ({
  batchId,
  agent: "edge-wf1",
  site: "wf1",
  sentAt,
  points,
});

/** The request header that carries a bearer token. */
export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });

/** What a central of the fixture fleet gives a test, whether an app or a listening server. */
export interface FixtureCentralBase {
  meta: MetaStore;
  config: CentralConfig;
  tokens: FixtureTokens;
  auth(token: string): { authorization: string };
  close(): Promise<void>;
}

export interface CentralFixture extends FixtureCentralBase {
  app: FastifyInstance;
  store: TimeSeriesStore;
}

export async function makeCentralFixture(
  options: {
    store?: TimeSeriesStore /** Filled with every route the app registers. */;
    routes?: RouteOptions[];
    /** The service model's clock (escalation, clearing, notifications). */
    clock?: () => number;
    /** Config keys beside the fleet (e.g. `alarms`, `contracts`, `notifications`). */
    config?: Record<string, unknown>;
    /** Called on the app before it is made ready (e.g. to register one more route). */
    beforeReady?: (app: FastifyInstance) => void;
    /** Where the metadata lives (a PostgreSQL database); default a SQLite file in the temp dir. */
    metadata?: MetadataConfig | undefined;
  } = {},
): Promise<CentralFixture> {
  const dir = mkdtempSync(join(tmpdir(), "vetra-central-"));
  const config = parseCentralConfig({ dataDir: dir, ...FIXTURE_FLEET, ...options.config });
  const meta = options.metadata
    ? await MetaStore.open({ metadata: options.metadata, dataDir: dir })
    : await MetaStore.openFile(join(dir, META_FILE));
  await meta.fleet.replace(config);
  const store = options.store ?? openEmbeddedStore({ path: join(dir, "timeseries.sqlite") });
  const tokens = await createFixtureTokens(meta.tokens);
  const app = createCentralApp({ store, meta, config, ...(options.clock ? { clock: options.clock } : {}) });
  const routes = options.routes;
  if (routes) app.addHook("onRoute", (route) => void routes.push(route));
  options.beforeReady?.(app);
  try {
    await app.ready();
  } catch (error) {
    await app.close().catch(() => undefined);
    await store.close();
    meta.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    app,
    store,
    meta,
    config,
    tokens,
    auth: bearer,
    async close() {
      await app.close();
      await store.close();
      meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
