// Central's metadata: fleet (tenants, sites, assets, measuring points),
// tokens, remembered batch ids, the audit log and the latest spectrum
// snapshots per measuring point, in one SQLite file (the service model's
// tables — companies, contracts, alarms — are beside them: ../service/). Small and
// local, so the API is synchronous (better-sqlite3).
import { createHash, randomBytes } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import Database from "better-sqlite3";
import type { AssetKind, ComponentClass } from "../../common/names.ts";
import type { Fleet, Role, TokenConfig } from "../config.ts";
import { privateDatabase } from "../lib/private-files.ts";
import { SERVICE_SCHEMA } from "../service/schema.ts";

export const META_FILE = "metadata.sqlite";

export interface Principal {
  tokenId: number;
  role: Role;
  /** Set for service_company and energy_manager. */
  tenant: string | null;
  /** Set for agent. */
  site: string | null;
  label: string;
}

export interface MeasuringPoint {
  id: string;
  /** Null for a point that is not a vibration measuring point (e.g. a sub-meter's `point`). */
  component: ComponentClass | null;
}

/** A period in which one company maintains an asset (see ../service/contracts.ts). */
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

export interface NewToken {
  role: Role;
  tenant?: string;
  site?: string;
  label: string;
}

/** A token as operators see it: never the plaintext, never the hash. */
export interface TokenInfo {
  id: number;
  role: Role;
  tenant: string | null;
  site: string | null;
  label: string;
  createdAt: number;
  revokedAt: number | null;
}

/** One line of the audit log: who acknowledged, changed or exported what. */
export interface AuditEntry {
  id: number;
  at: number;
  tokenId: number | null;
  actor: string;
  role: Role | null;
  /** e.g. `POST /api/v1/alarms/:id/ack`, `token.create`. */
  action: string;
  /** The concrete URL or object acted on. */
  target: string;
  status: number;
  detail: string;
}

/** How long batch ids are remembered for duplicate detection; agents re-send far sooner. */
const BATCH_MEMORY_MS = 7 * 24 * 3600_000;

export const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

interface FleetCache {
  readonly gen: number;
  readonly assets: readonly Asset[];
  readonly assetById: ReadonlyMap<string, Asset>;
  readonly sites: readonly Site[];
  readonly siteById: ReadonlyMap<string, Site>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tenant (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS site (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, tenant TEXT,
  lat REAL, lon REAL, timezone TEXT
);
CREATE TABLE IF NOT EXISTS asset (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, site TEXT NOT NULL, tenant TEXT NOT NULL
);
-- Bumped with every fleet change, so each replica knows when its in-memory copy is stale.
CREATE TABLE IF NOT EXISTS fleet_generation (id INTEGER PRIMARY KEY CHECK (id = 1), gen INTEGER NOT NULL);
INSERT OR IGNORE INTO fleet_generation (id, gen) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS measuring_point (
  asset TEXT NOT NULL, id TEXT NOT NULL, component TEXT NOT NULL, position INTEGER NOT NULL,
  PRIMARY KEY (asset, id)
);
CREATE TABLE IF NOT EXISTS token (
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  tenant TEXT,
  site TEXT,
  label TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS batch (
  site TEXT NOT NULL, batch_id TEXT NOT NULL, agent TEXT NOT NULL, points INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (site, batch_id)
);
CREATE INDEX IF NOT EXISTS batch_received ON batch (received_at);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  token_id INTEGER,
  actor TEXT NOT NULL,
  role TEXT,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  status INTEGER NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
CREATE TABLE IF NOT EXISTS spectrum_snapshot (
  asset TEXT NOT NULL, point TEXT NOT NULL, ts INTEGER NOT NULL, reason TEXT NOT NULL,
  received_at INTEGER NOT NULL, encoding TEXT NOT NULL, body BLOB NOT NULL,
  PRIMARY KEY (asset, point, ts)
);
-- The newest baseline snapshot of each point (its healthy reference), apart from the newest snapshots.
CREATE TABLE IF NOT EXISTS baseline_spectrum (
  asset TEXT NOT NULL, point TEXT NOT NULL, ts INTEGER NOT NULL,
  received_at INTEGER NOT NULL, encoding TEXT NOT NULL, body BLOB NOT NULL,
  PRIMARY KEY (asset, point)
);
`;

/** Spectrum snapshots kept per measuring point (the newest). */
export const SNAPSHOTS_KEPT_PER_POINT = 50;
/** Snapshot bodies larger than this are stored gzip'd. */
const SNAPSHOT_GZIP_ABOVE_BYTES = 16 * 1024;

/** A stored spectrum snapshot: where and when, and its JSON (see common/spectrum.ts). */
export interface StoredSnapshot {
  asset: string;
  point: string;
  ts: number;
  reason: string;
  json: string;
}

export class MetaStore {
  private readonly db: Database.Database;
  private fleetCache: FleetCache | null = null;
  private readonly fleetGeneration: Database.Statement;
  /**
   * A second connection for remembered batch ids, with synchronous = NORMAL
   * (WAL: no fsync per commit). A batch id only sets the `duplicate` flag of
   * an acknowledgement — the stores key points by series and timestamp, so a
   * re-sent batch never duplicates data — and an id lost in a power cut costs
   * a wrong flag, not data. An fsync per ingested batch blocked the event
   * loop for milliseconds (better-sqlite3 is synchronous) and cost a third of
   * ingest throughput. Commits of the FULL connection make it durable anyway.
   */
  private readonly batchDb: Database.Database;
  private lastPrune = 0;
  /** The SQLite file (named in errors about it, e.g. a full disk). */
  readonly file: string;

  constructor(path: string) {
    this.file = path;
    privateDatabase(path); // token hashes, the audit log, webhook rules: the owner's only
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    // Tokens, alarm acknowledgements and the audit log must survive a crash.
    this.db.pragma("synchronous = FULL");
    this.db.exec(SCHEMA);
    this.db.exec(SERVICE_SCHEMA);
    this.fleetGeneration = this.db.prepare("SELECT gen FROM fleet_generation WHERE id = 1").pluck();
    this.batchDb = new Database(path);
    this.batchDb.pragma("synchronous = NORMAL");
  }

  /**
   * The SQLite connection, for central's own metadata modules beside this
   * one (the service model in ../service/): one file, one durability setting.
   */
  get sqlite(): Database.Database {
    return this.db;
  }

  /** Makes the fleet tables equal to the config's fleet (config is the source of truth). */
  replaceFleet(fleet: Fleet): void {
    const db = this.db;
    db.transaction(() => {
      db.exec("DELETE FROM measuring_point; DELETE FROM asset; DELETE FROM site; DELETE FROM tenant;");
      const tenant = db.prepare("INSERT INTO tenant (id, name) VALUES (?, ?)");
      for (const t of fleet.tenants) tenant.run(t.id, t.name);
      const site = db.prepare(
        "INSERT INTO site (id, name, kind, tenant, lat, lon, timezone) VALUES (?, ?, ?, ?, ?, ?, ?)",
      );
      for (const s of fleet.sites) {
        site.run(s.id, s.name, s.kind, s.tenant ?? null, s.lat ?? null, s.lon ?? null, s.timezone ?? null);
      }
      const asset = db.prepare("INSERT INTO asset (id, name, kind, site, tenant) VALUES (?, ?, ?, ?, ?)");
      const point = db.prepare(
        "INSERT INTO measuring_point (asset, id, component, position) VALUES (?, ?, ?, ?)",
      );
      for (const a of fleet.assets) {
        asset.run(a.id, a.name, a.kind, a.site, a.tenant);
        for (const [i, p] of a.points.entries()) point.run(a.id, p.id, p.component ?? "", i);
      }
      // The config's tenants are companies too; companies connected through the API stay.
      const company = db.prepare(
        `INSERT INTO company (id, name, source, created_at) VALUES (?, ?, 'config', ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name`,
      );
      for (const t of fleet.tenants) company.run(t.id, t.name, Date.now());
      this.bumpFleetGeneration();
    })();
    this.fleetCache = null;
  }

  /** Tells every replica's fleet cache that the fleet or its contracts changed (call inside the change's transaction). */
  bumpFleetGeneration(): void {
    this.db.prepare("UPDATE fleet_generation SET gen = gen + 1 WHERE id = 1").run();
  }

  /**
   * The fleet as read from SQLite, kept in memory until the fleet generation
   * changes (here or in another replica sharing the file). Ingest looks up
   * assets and sites per batch: reading the tables each time cost ~19 ms per
   * batch with 1,500 assets.
   */
  private fleet(): FleetCache {
    const gen = this.fleetGeneration.get() as number;
    if (this.fleetCache?.gen === gen) return this.fleetCache;
    const points = new Map<string, MeasuringPoint[]>();
    for (const p of this.db
      .prepare("SELECT asset, id, component FROM measuring_point ORDER BY asset, position")
      .all() as { asset: string; id: string; component: ComponentClass | "" }[]) {
      const list = points.get(p.asset) ?? [];
      list.push({ id: p.id, component: p.component === "" ? null : p.component });
      points.set(p.asset, list);
    }
    const contracts = new Map<string, ContractSpan[]>();
    for (const c of this.db
      .prepare(
        `SELECT ca.asset, c.id, c.company, c.from_ms, c.to_ms, c.response_time_ms FROM contract c
         JOIN contract_asset ca ON ca.contract = c.id ORDER BY c.from_ms, c.id`,
      )
      .all() as {
      asset: string;
      id: string;
      company: string;
      from_ms: number;
      to_ms: number | null;
      response_time_ms: number;
    }[]) {
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
      this.db.prepare("SELECT id, name, kind, site, tenant FROM asset ORDER BY id").all() as Omit<
        Asset,
        "points" | "contracts"
      >[]
    ).map(
      (a): Asset =>
        Object.freeze({
          ...a,
          points: Object.freeze(points.get(a.id) ?? []) as MeasuringPoint[],
          contracts: Object.freeze(contracts.get(a.id) ?? []),
        }),
    );
    const sites = (
      this.db
        .prepare("SELECT id, name, kind, tenant, lat, lon, timezone FROM site ORDER BY id")
        .all() as Site[]
    ).map((x) => Object.freeze(x));
    this.fleetCache = {
      gen,
      assets,
      assetById: new Map(assets.map((a) => [a.id, a])),
      sites,
      siteById: new Map(sites.map((x) => [x.id, x])),
    };
    return this.fleetCache;
  }

  listAssets(): Asset[] {
    return this.fleet().assets.slice();
  }

  getAsset(id: string): Asset | null {
    return this.fleet().assetById.get(id) ?? null;
  }

  listSites(): Site[] {
    return this.fleet().sites.slice();
  }

  /** Assets and sites by id, checked against the fleet generation once: for per-point lookups in one request. */
  fleetIndex(): {
    /** The fleet generation this copy was read at: changes with every change of the fleet or its contracts. */
    readonly gen: number;
    readonly assets: readonly Asset[];
    readonly assetById: ReadonlyMap<string, Asset>;
    readonly siteById: ReadonlyMap<string, Site>;
  } {
    return this.fleet();
  }

  getSite(id: string): Site | null {
    return this.fleet().siteById.get(id) ?? null;
  }

  /** Imports pre-provisioned token hashes from config (idempotent; never un-revokes). */
  importTokens(tokens: readonly TokenConfig[], nowMs = Date.now()): void {
    const insert = this.db.prepare(
      `INSERT INTO token (sha256, role, tenant, site, label, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (sha256) DO UPDATE SET role = excluded.role, tenant = excluded.tenant, site = excluded.site,
         label = excluded.label`,
    );
    this.db.transaction(() => {
      for (const t of tokens)
        insert.run(t.sha256, t.role, t.tenant ?? null, t.site ?? null, t.label ?? "", nowMs);
    })();
  }

  /**
   * Creates a token and returns its plaintext — the only time it exists
   * outside the caller: the database keeps the SHA-256 hash alone.
   */
  createToken(input: NewToken, nowMs = Date.now()): string {
    if ((input.role === "service_company" || input.role === "energy_manager") && !input.tenant)
      throw new Error(`a ${input.role} token needs a tenant`);
    if (input.role === "agent" && !input.site) throw new Error("an agent token needs a site");
    // 32 random bytes: 256 bits, so a hash lookup is as good as a constant-time compare.
    const token = randomBytes(32).toString("base64url");
    this.db
      .prepare("INSERT INTO token (sha256, role, tenant, site, label, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(sha256Hex(token), input.role, input.tenant ?? null, input.site ?? null, input.label, nowMs);
    return token;
  }

  /** Revokes by plaintext token or by token id (Principal.tokenId); true when a live token was revoked. */
  revokeToken(tokenOrId: string | number, nowMs = Date.now()): boolean {
    const sql =
      typeof tokenOrId === "number"
        ? "UPDATE token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"
        : "UPDATE token SET revoked_at = ? WHERE sha256 = ? AND revoked_at IS NULL";
    const key = typeof tokenOrId === "number" ? tokenOrId : sha256Hex(tokenOrId);
    return this.db.prepare(sql).run(nowMs, key).changes > 0;
  }

  authenticate(plaintext: string): Principal | null {
    if (plaintext.length === 0 || plaintext.length > 512) return null;
    const row = this.db
      .prepare("SELECT id, role, tenant, site, label FROM token WHERE sha256 = ? AND revoked_at IS NULL")
      .get(sha256Hex(plaintext)) as
      | { id: number; role: Role; tenant: string | null; site: string | null; label: string }
      | undefined;
    if (!row) return null;
    return { tokenId: row.id, role: row.role, tenant: row.tenant, site: row.site, label: row.label };
  }

  /** True while the token with this id exists and is not revoked. */
  isTokenLive(tokenId: number): boolean {
    return (
      this.db.prepare("SELECT 1 FROM token WHERE id = ? AND revoked_at IS NULL").get(tokenId) !== undefined
    );
  }

  /** Every token (live and revoked), newest first, without secrets. */
  listTokens(): TokenInfo[] {
    const rows = this.db
      .prepare(
        "SELECT id, role, tenant, site, label, created_at, revoked_at FROM token ORDER BY created_at DESC, id DESC",
      )
      .all() as {
      id: number;
      role: Role;
      tenant: string | null;
      site: string | null;
      label: string;
      created_at: number;
      revoked_at: number | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      role: r.role,
      tenant: r.tenant,
      site: r.site,
      label: r.label,
      createdAt: r.created_at,
      revokedAt: r.revoked_at,
    }));
  }

  /** The id of the token with this plaintext (live or revoked), or null. */
  tokenIdOf(plaintext: string): number | null {
    const row = this.db.prepare("SELECT id FROM token WHERE sha256 = ?").get(sha256Hex(plaintext)) as
      | { id: number }
      | undefined;
    return row?.id ?? null;
  }

  /** Appends to the audit log (synchronous, durable like everything in this file). */
  audit(entry: Omit<AuditEntry, "id" | "at" | "detail"> & { detail?: string }, nowMs = Date.now()): void {
    this.db
      .prepare(
        "INSERT INTO audit (at, token_id, actor, role, action, target, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        nowMs,
        entry.tokenId,
        entry.actor,
        entry.role,
        entry.action,
        entry.target,
        entry.status,
        entry.detail ?? "",
      );
  }

  /** The newest audit entries first. */
  listAudit(limit = 1000): AuditEntry[] {
    const rows = this.db
      .prepare(
        "SELECT id, at, token_id, actor, role, action, target, status, detail FROM audit ORDER BY id DESC LIMIT ?",
      )
      .all(limit) as {
      id: number;
      at: number;
      token_id: number | null;
      actor: string;
      role: Role | null;
      action: string;
      target: string;
      status: number;
      detail: string;
    }[];
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      tokenId: r.token_id,
      actor: r.actor,
      role: r.role,
      action: r.action,
      target: r.target,
      status: r.status,
      detail: r.detail,
    }));
  }

  hasActiveToken(role: Role): boolean {
    return (
      this.db.prepare("SELECT 1 FROM token WHERE role = ? AND revoked_at IS NULL LIMIT 1").get(role) !==
      undefined
    );
  }

  /**
   * Records a stored batch; false when the id was seen before for this site
   * (a re-send after a lost acknowledgement).
   */
  rememberBatch(
    batch: { site: string; batchId: string; agent: string; points: number },
    nowMs = Date.now(),
  ): boolean {
    if (nowMs - this.lastPrune > 3600_000) {
      this.batchDb.prepare("DELETE FROM batch WHERE received_at < ?").run(nowMs - BATCH_MEMORY_MS);
      this.lastPrune = nowMs;
    }
    const info = this.batchDb
      .prepare(
        "INSERT INTO batch (site, batch_id, agent, points, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      )
      .run(batch.site, batch.batchId, batch.agent, batch.points, nowMs);
    return info.changes > 0;
  }

  /**
   * Stores snapshots (the same asset + point + ts again replaces it: a re-send
   * after a lost acknowledgement) and keeps the newest `keep` per point, in
   * one durable transaction. A `baseline` snapshot replaces the point's
   * baseline unless that one is newer, and is not one of the `keep`.
   */
  putSnapshots(
    snapshots: readonly StoredSnapshot[],
    keep = SNAPSHOTS_KEPT_PER_POINT,
    nowMs = Date.now(),
  ): void {
    const db = this.db;
    const insert = db.prepare(
      `INSERT INTO spectrum_snapshot (asset, point, ts, reason, received_at, encoding, body) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (asset, point, ts) DO UPDATE SET reason = excluded.reason, received_at = excluded.received_at,
         encoding = excluded.encoding, body = excluded.body`,
    );
    const putBaseline = db.prepare(
      `INSERT INTO baseline_spectrum (asset, point, ts, received_at, encoding, body) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (asset, point) DO UPDATE SET ts = excluded.ts, received_at = excluded.received_at,
         encoding = excluded.encoding, body = excluded.body
       WHERE excluded.ts >= baseline_spectrum.ts`,
    );
    const prune = db.prepare(
      `DELETE FROM spectrum_snapshot WHERE asset = ? AND point = ? AND ts < (
         SELECT ts FROM spectrum_snapshot WHERE asset = ? AND point = ? ORDER BY ts DESC LIMIT 1 OFFSET ?)`,
    );
    db.transaction(() => {
      const touched = new Map<string, [string, string]>();
      for (const s of snapshots) {
        const raw = Buffer.from(s.json, "utf8");
        const zipped = raw.length > SNAPSHOT_GZIP_ABOVE_BYTES;
        if (s.reason === "baseline") {
          putBaseline.run(
            s.asset,
            s.point,
            s.ts,
            nowMs,
            zipped ? "gzip" : "identity",
            zipped ? gzipSync(raw) : raw,
          );
          continue;
        }
        insert.run(
          s.asset,
          s.point,
          s.ts,
          s.reason,
          nowMs,
          zipped ? "gzip" : "identity",
          zipped ? gzipSync(raw) : raw,
        );
        touched.set(`${s.asset}\n${s.point}`, [s.asset, s.point]);
      }
      for (const [asset, point] of touched.values()) prune.run(asset, point, asset, point, keep - 1);
    })();
  }

  /** The newest snapshot of a point (the newest `count` of it), or of each point of the asset when `point` is absent. */
  latestSnapshots(asset: string, point?: string, count = 1): StoredSnapshot[] {
    type Row = { asset: string; point: string; ts: number; reason: string; encoding: string; body: Buffer };
    const rows = (
      point === undefined
        ? this.db
            .prepare(
              `SELECT s.asset, s.point, s.ts, s.reason, s.encoding, s.body FROM spectrum_snapshot s
               JOIN (SELECT point, MAX(ts) AS ts FROM spectrum_snapshot WHERE asset = ? GROUP BY point) m
                 ON s.point = m.point AND s.ts = m.ts
               WHERE s.asset = ? ORDER BY s.point`,
            )
            .all(asset, asset)
        : this.db
            .prepare(
              `SELECT asset, point, ts, reason, encoding, body FROM spectrum_snapshot
               WHERE asset = ? AND point = ? ORDER BY ts DESC LIMIT ?`,
            )
            .all(asset, point, count)
    ) as Row[];
    return rows.map((r) => ({
      asset: r.asset,
      point: r.point,
      ts: r.ts,
      reason: r.reason,
      json: (r.encoding === "gzip" ? gunzipSync(r.body) : r.body).toString("utf8"),
    }));
  }

  /** The point's baseline snapshot (its healthy reference spectra), or null before the edge sent one. */
  baselineSnapshot(asset: string, point: string): StoredSnapshot | null {
    const row = this.db
      .prepare("SELECT asset, point, ts, encoding, body FROM baseline_spectrum WHERE asset = ? AND point = ?")
      .get(asset, point) as
      | { asset: string; point: string; ts: number; encoding: string; body: Buffer }
      | undefined;
    if (!row) return null;
    return {
      asset: row.asset,
      point: row.point,
      ts: row.ts,
      reason: "baseline",
      json: (row.encoding === "gzip" ? gunzipSync(row.body) : row.body).toString("utf8"),
    };
  }

  close(): void {
    if (this.batchDb.open) this.batchDb.close();
    if (this.db.open) this.db.close();
  }
}
