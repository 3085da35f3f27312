// The fleet: tenants, sites, assets and their measuring points, as the
// config defines them (replaced at every start), with each asset's
// contracts. Ingest looks assets and sites up per batch and every read
// checks visibility, so the fleet is kept in memory per replica and read
// again only when its generation changes: a counter in the database that
// every change of the fleet or of a contract moves, in the same
// transaction. SQLite: the counter is read per look-up (a primary-key read
// on the local file, as replicas sharing the file have no other way to
// hear of a change). PostgreSQL: the change is announced (NOTIFY "fleet")
// and the counter read at most once a second besides, so a lost
// notification costs a second, not a stale fleet.
import type { AssetKind, ComponentClass } from "../../common/names.ts";
import type { Fleet } from "../config.ts";
import { insertMany } from "../db/sql.ts";
import type { MetaDb, SqlTx } from "../db/types.ts";

export interface MeasuringPoint {
  id: string;
  /** Null for a point that is not a vibration measuring point (e.g. a sub-meter's `point`). */
  component: ComponentClass | null;
}

/** A period in which one company maintains an asset (see ../maintenance/contracts.ts). */
export interface ContractSpan {
  contract: string;
  company: string;
  fromMs: number;
  /** Exclusive; null: open-ended. */
  toMs: number | null;
  responseTimeMs: number;
}

export interface Asset {
  id: string;
  name: string;
  kind: AssetKind;
  site: string;
  /** The owner in the fleet config; maintains the asset wherever no contract covers a time. */
  tenant: string;
  points: MeasuringPoint[];
  /** Its contracts, oldest first (in memory with the fleet: visibility is checked per request). */
  contracts: readonly ContractSpan[];
}

export interface Site {
  id: string;
  name: string;
  kind: "wind_farm" | "facility";
  tenant: string | null;
  lat: number | null;
  lon: number | null;
  timezone: string | null;
}

/** One consistent copy of the fleet; replaced whole (never changed) when the generation moves. */
export interface FleetIndex {
  /** The fleet generation this copy was read at: changes with every change of the fleet or its contracts. */
  readonly gen: number;
  readonly assets: readonly Asset[];
  readonly assetById: ReadonlyMap<string, Asset>;
  readonly sites: readonly Site[];
  readonly siteById: ReadonlyMap<string, Site>;
}

export interface FleetRepository {
  /** Makes the fleet tables equal to the config's fleet (config is the source of truth); its tenants become companies. */
  replace(fleet: Fleet, nowMs?: number): Promise<void>;
  /** The fleet as stored now (this replica's copy while the generation stands). */
  current(): Promise<FleetIndex>;
}

/**
 * Tells every replica's fleet copy that the fleet or its contracts changed:
 * call inside the change's transaction (after its lock).
 */
export async function bumpFleetGeneration(tx: SqlTx): Promise<void> {
  await tx.run("UPDATE fleet_generation SET gen = gen + 1 WHERE id = 1");
  const row = await tx.get<{ gen: number }>("SELECT gen FROM fleet_generation WHERE id = 1");
  await tx.notify("fleet", String(row?.gen ?? ""));
}

/** Serialises changes of the fleet tables and of contracts (which move the same generation). */
export const FLEET_LOCK = "vetra.fleet";

/** How often a PostgreSQL replica reads the generation besides hearing of changes. */
const GENERATION_POLL_MS = 1000;

export class FleetStore implements FleetRepository {
  private cache: FleetIndex | null = null;
  private loading: Promise<FleetIndex> | null = null;
  /** PostgreSQL: the newest generation heard of (null: read it), and when it was last read. */
  private known: number | null = null;
  private checkedAt = 0;

  constructor(private readonly db: MetaDb) {
    db.subscribe("fleet", (payload) => {
      const gen = payload === null || payload === "" ? Number.NaN : Number(payload);
      this.known = Number.isFinite(gen) && this.known !== null ? Math.max(this.known, gen) : null;
    });
  }

  async replace(fleet: Fleet, nowMs = Date.now()): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.lock(FLEET_LOCK);
      for (const table of ["measuring_point", "asset", "site", "tenant"])
        await tx.run(`DELETE FROM ${table}`);
      await insertMany(
        tx,
        "tenant",
        ["id", "name"],
        fleet.tenants.map((t) => [t.id, t.name]),
      );
      await insertMany(
        tx,
        "site",
        ["id", "name", "kind", "tenant", "lat", "lon", "timezone"],
        fleet.sites.map((s) => [
          s.id,
          s.name,
          s.kind,
          s.tenant ?? null,
          s.lat ?? null,
          s.lon ?? null,
          s.timezone ?? null,
        ]),
      );
      await insertMany(
        tx,
        "asset",
        ["id", "name", "kind", "site", "tenant"],
        fleet.assets.map((a) => [a.id, a.name, a.kind, a.site, a.tenant]),
      );
      await insertMany(
        tx,
        "measuring_point",
        ["asset", "id", "component", "position"],
        fleet.assets.flatMap((a) => a.points.map((p, i) => [a.id, p.id, p.component ?? "", i])),
      );
      // The config's tenants are companies too; companies connected through the API stay.
      await insertMany(
        tx,
        "company",
        ["id", "name", "source", "created_at"],
        fleet.tenants.map((t) => [t.id, t.name, "config", nowMs]),
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name",
      );
      await bumpFleetGeneration(tx);
    });
  }

  private async generation(): Promise<number> {
    const row = await this.db.get<{ gen: number }>("SELECT gen FROM fleet_generation WHERE id = 1");
    return row?.gen ?? 0;
  }

  async current(): Promise<FleetIndex> {
    let gen: number;
    if (!this.db.notifiesReplicas) gen = await this.generation();
    else {
      const now = Date.now();
      if (this.known === null || now - this.checkedAt >= GENERATION_POLL_MS) {
        this.checkedAt = now;
        this.known = Math.max(this.known ?? 0, await this.generation());
      }
      gen = this.known;
    }
    if (this.cache && this.cache.gen >= gen) return this.cache;
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /**
   * Reads the generation first, then the tables: a change committed in
   * between makes the copy newer than its label, and the next look-up reads
   * again (never the other way round).
   */
  private async load(): Promise<FleetIndex> {
    const gen = await this.generation();
    const points = new Map<string, MeasuringPoint[]>();
    for (const p of await this.db.all<{ asset: string; id: string; component: ComponentClass | "" }>(
      "SELECT asset, id, component FROM measuring_point ORDER BY asset, position",
    )) {
      const list = points.get(p.asset) ?? [];
      list.push({ id: p.id, component: p.component === "" ? null : p.component });
      points.set(p.asset, list);
    }
    const contracts = new Map<string, ContractSpan[]>();
    for (const c of await this.db.all<{
      asset: string;
      id: string;
      company: string;
      from_ms: number;
      to_ms: number | null;
      response_time_ms: number;
    }>(
      `SELECT ca.asset, c.id, c.company, c.from_ms, c.to_ms, c.response_time_ms FROM contract c
       JOIN contract_asset ca ON ca.contract = c.id ORDER BY c.from_ms, c.id`,
    )) {
      const list = contracts.get(c.asset) ?? [];
      list.push(
        Object.freeze({
          contract: c.id,
          company: c.company,
          fromMs: c.from_ms,
          toMs: c.to_ms,
          responseTimeMs: c.response_time_ms,
        }),
      );
      contracts.set(c.asset, list);
    }
    const assets = (
      await this.db.all<Omit<Asset, "points" | "contracts">>(
        "SELECT id, name, kind, site, tenant FROM asset ORDER BY id",
      )
    ).map(
      (a): Asset =>
        Object.freeze({
          ...a,
          points: Object.freeze(points.get(a.id) ?? []) as MeasuringPoint[],
          contracts: Object.freeze(contracts.get(a.id) ?? []),
        }),
    );
    const sites = (
      await this.db.all<Site>("SELECT id, name, kind, tenant, lat, lon, timezone FROM site ORDER BY id")
    ).map((x) => Object.freeze({ ...x }));
    const index: FleetIndex = {
      gen,
      assets,
      assetById: new Map(assets.map((a) => [a.id, a])),
      sites,
      siteById: new Map(sites.map((x) => [x.id, x])),
    };
    if (!this.cache || this.cache.gen <= gen) this.cache = index;
    return index;
  }
}
