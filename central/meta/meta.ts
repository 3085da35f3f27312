// Central's metadata: fleet (tenants, sites, assets, measuring points),
// tokens, remembered batch ids and alarm acknowledgements, in one SQLite
// file. Small and local, so the API is synchronous (better-sqlite3).
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { AssetKind, ComponentClass } from "../../common/names.ts";
import type { Fleet, Role, TokenConfig } from "../config.ts";

export const META_FILE = "metadata.sqlite";

export interface Principal {
  tokenId: number;
  role: Role;
  /** Set for service_company. */
  tenant: string | null;
  /** Set for agent. */
  site: string | null;
  label: string;
}

export interface MeasuringPoint {
  id: string;
  component: ComponentClass;
}

export interface Asset {
  id: string;
  name: string;
  kind: AssetKind;
  site: string;
  tenant: string;
  points: MeasuringPoint[];
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

export interface AlarmAck {
  alarmId: string;
  by: string;
  atMs: number;
}

/** How long batch ids are remembered for duplicate detection; agents re-send far sooner. */
const BATCH_MEMORY_MS = 7 * 24 * 3600_000;

export const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tenant (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS site (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, tenant TEXT,
  lat REAL, lon REAL, timezone TEXT
);
CREATE TABLE IF NOT EXISTS asset (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, site TEXT NOT NULL, tenant TEXT NOT NULL
);
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
CREATE TABLE IF NOT EXISTS alarm_ack (
  alarm_id TEXT NOT NULL, acked_by TEXT NOT NULL, acked_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alarm_ack_alarm ON alarm_ack (alarm_id, acked_at);
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
`;

export class MetaStore {
  private readonly db: Database.Database;
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

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    // Tokens, alarm acknowledgements and the audit log must survive a crash.
    this.db.pragma("synchronous = FULL");
    this.db.exec(SCHEMA);
    this.batchDb = new Database(path);
    this.batchDb.pragma("synchronous = NORMAL");
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
        for (const [i, p] of a.points.entries()) point.run(a.id, p.id, p.component, i);
      }
    })();
  }

  listAssets(): Asset[] {
    const points = new Map<string, MeasuringPoint[]>();
    for (const p of this.db
      .prepare("SELECT asset, id, component FROM measuring_point ORDER BY asset, position")
      .all() as { asset: string; id: string; component: ComponentClass }[]) {
      const list = points.get(p.asset) ?? [];
      list.push({ id: p.id, component: p.component });
      points.set(p.asset, list);
    }
    return (
      this.db.prepare("SELECT id, name, kind, site, tenant FROM asset ORDER BY id").all() as Omit<
        Asset,
        "points"
      >[]
    ).map((a) => ({ ...a, points: points.get(a.id) ?? [] }));
  }

  getAsset(id: string): Asset | null {
    return this.listAssets().find((a) => a.id === id) ?? null;
  }

  listSites(): Site[] {
    return this.db
      .prepare("SELECT id, name, kind, tenant, lat, lon, timezone FROM site ORDER BY id")
      .all() as Site[];
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
    if (input.role === "service_company" && !input.tenant)
      throw new Error("a service_company token needs a tenant");
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

  ackAlarm(alarmId: string, by: string, nowMs = Date.now()): AlarmAck {
    this.db
      .prepare("INSERT INTO alarm_ack (alarm_id, acked_by, acked_at) VALUES (?, ?, ?)")
      .run(alarmId, by, nowMs);
    return { alarmId, by, atMs: nowMs };
  }

  /** The newest acknowledgement of each alarm id. */
  latestAcks(): Map<string, AlarmAck> {
    const rows = this.db
      .prepare(`SELECT alarm_id, acked_by, MAX(acked_at) AS acked_at FROM alarm_ack GROUP BY alarm_id`)
      .all() as { alarm_id: string; acked_by: string; acked_at: number }[];
    return new Map(rows.map((r) => [r.alarm_id, { alarmId: r.alarm_id, by: r.acked_by, atMs: r.acked_at }]));
  }

  close(): void {
    if (this.batchDb.open) this.batchDb.close();
    if (this.db.open) this.db.close();
  }
}
