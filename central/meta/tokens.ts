// Tokens: 256 random bits, shown once, stored as SHA-256 only, revocable.
// Every request authenticates, so on PostgreSQL a replica remembers the
// principal of each token it has seen (by hash, never a miss: a token made
// on another replica must work at once) and forgets it when a revocation
// is announced (NOTIFY "tokens") or the revocation counter has moved — read
// at most every REVOCATION_CHECK_MS besides — so a revocation holds on
// every replica within a second even if an announcement was lost. On
// SQLite every request reads the token from the local file, as before.
import { createHash, randomBytes } from "node:crypto";
import type { Role, TokenConfig } from "../config.ts";
import { insertMany, placeholders } from "../db/sql.ts";
import type { MetaDb } from "../db/types.ts";

export interface Principal {
  tokenId: number;
  role: Role;
  /** Set for service_company and energy_manager. */
  tenant: string | null;
  /** Set for agent. */
  site: string | null;
  label: string;
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

export const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

export interface TokenRepository {
  /** Creates a token and returns its plaintext — the only time it exists outside the caller. */
  create(input: NewToken, nowMs?: number): Promise<string>;
  /** Revokes by plaintext or by id (Principal.tokenId); true when a live token was revoked. */
  revoke(tokenOrId: string | number, nowMs?: number): Promise<boolean>;
  /** The principal of a live token, or null. */
  authenticate(plaintext: string): Promise<Principal | null>;
  /** Which of these token ids are live (exist, not revoked). */
  live(ids: readonly number[]): Promise<Set<number>>;
  /**
   * A number that moves with every revocation (by any replica): what live
   * streams compare to notice revocations they were not told of.
   */
  revocations(): Promise<number>;
  /** Every token (live and revoked), newest first, without secrets. */
  list(): Promise<TokenInfo[]>;
  /** The id of the token with this plaintext (live or revoked), or null. */
  idOf(plaintext: string): Promise<number | null>;
  /** Imports pre-provisioned token hashes from config (idempotent; never un-revokes). */
  importConfig(tokens: readonly TokenConfig[], nowMs?: number): Promise<void>;
  hasActive(role: Role): Promise<boolean>;
  /**
   * Makes an admin token when no live one exists — once, however many
   * replicas start together: its plaintext, or null when one existed.
   */
  ensureAdmin(label: string, nowMs?: number): Promise<string | null>;
  /** Called after a revocation here or (PostgreSQL) on another replica; null: something may have been revoked. */
  onRevoked(listener: (tokenId: number | null) => void): () => void;
}

/** How stale a PostgreSQL replica's memory of tokens may be when an announcement was lost. */
const REVOCATION_CHECK_MS = 500;
/** Tokens remembered per replica (each entry ~200 bytes). */
const CACHE_MAX = 10_000;
const INITIAL_ADMIN_LOCK = "vetra.tokens.initial-admin";

interface TokenRow {
  id: number;
  role: Role;
  tenant: string | null;
  site: string | null;
  label: string;
}

export class TokenStore implements TokenRepository {
  private readonly cache = new Map<string, Principal>();
  private readonly cached: boolean;
  private generation: number | null = null;
  private checkedAt = 0;
  private readonly listeners = new Set<(tokenId: number | null) => void>();

  constructor(private readonly db: MetaDb) {
    this.cached = db.notifiesReplicas;
    db.subscribe("tokens", (payload) => {
      const id = payload === null || payload === "" ? null : Number(payload);
      this.forget(id !== null && Number.isSafeInteger(id) ? id : null);
    });
  }

  onRevoked(listener: (tokenId: number | null) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private forget(tokenId: number | null): void {
    if (tokenId === null) {
      this.cache.clear();
      this.generation = null;
    } else for (const [hash, p] of this.cache) if (p.tokenId === tokenId) this.cache.delete(hash);
    for (const l of this.listeners) l(tokenId);
  }

  async create(input: NewToken, nowMs = Date.now()): Promise<string> {
    if ((input.role === "service_company" || input.role === "energy_manager") && !input.tenant)
      throw new Error(`a ${input.role} token needs a tenant`);
    if (input.role === "agent" && !input.site) throw new Error("an agent token needs a site");
    // 32 random bytes: 256 bits, so a hash lookup is as good as a constant-time compare.
    const token = randomBytes(32).toString("base64url");
    await this.db.run(
      "INSERT INTO token (sha256, role, tenant, site, label, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      [sha256Hex(token), input.role, input.tenant ?? null, input.site ?? null, input.label, nowMs],
    );
    return token;
  }

  async revoke(tokenOrId: string | number, nowMs = Date.now()): Promise<boolean> {
    const byId = typeof tokenOrId === "number";
    const revoked = await this.db.transaction(async (tx) => {
      const row = await tx.get<{ id: number }>(
        byId
          ? "UPDATE token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id"
          : "UPDATE token SET revoked_at = ? WHERE sha256 = ? AND revoked_at IS NULL RETURNING id",
        [nowMs, byId ? tokenOrId : sha256Hex(tokenOrId)],
      );
      if (!row) return null;
      await tx.run("UPDATE token_generation SET gen = gen + 1 WHERE id = 1");
      await tx.notify("tokens", String(row.id));
      return row.id;
    });
    return revoked !== null;
  }

  /** PostgreSQL: forgets every remembered token when the revocation counter moved since it was last read. */
  private async fresh(): Promise<void> {
    const now = Date.now();
    if (this.generation !== null && now - this.checkedAt < REVOCATION_CHECK_MS) return;
    this.checkedAt = now;
    const gen = await this.revocations();
    if (this.generation !== null && gen !== this.generation) this.forget(null);
    this.generation = gen;
  }

  async authenticate(plaintext: string): Promise<Principal | null> {
    if (plaintext.length === 0 || plaintext.length > 512) return null;
    const hash = sha256Hex(plaintext);
    if (this.cached) {
      await this.fresh();
      const hit = this.cache.get(hash);
      if (hit) return hit;
    }
    const row = await this.db.get<TokenRow>(
      "SELECT id, role, tenant, site, label FROM token WHERE sha256 = ? AND revoked_at IS NULL",
      [hash],
    );
    if (!row) return null;
    const principal: Principal = {
      tokenId: row.id,
      role: row.role,
      tenant: row.tenant,
      site: row.site,
      label: row.label,
    };
    if (this.cached) {
      if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(hash, principal);
    }
    return principal;
  }

  async live(ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.all<{ id: number }>(
      `SELECT id FROM token WHERE id IN (${placeholders(ids.length)}) AND revoked_at IS NULL`,
      ids,
    );
    return new Set(rows.map((r) => r.id));
  }

  async revocations(): Promise<number> {
    return (await this.db.get<{ gen: number }>("SELECT gen FROM token_generation WHERE id = 1"))?.gen ?? 0;
  }

  async list(): Promise<TokenInfo[]> {
    const rows = await this.db.all<TokenRow & { created_at: number; revoked_at: number | null }>(
      "SELECT id, role, tenant, site, label, created_at, revoked_at FROM token ORDER BY created_at DESC, id DESC",
    );
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

  async idOf(plaintext: string): Promise<number | null> {
    const row = await this.db.get<{ id: number }>("SELECT id FROM token WHERE sha256 = ?", [
      sha256Hex(plaintext),
    ]);
    return row?.id ?? null;
  }

  async importConfig(tokens: readonly TokenConfig[], nowMs = Date.now()): Promise<void> {
    if (tokens.length === 0) return;
    await this.db.transaction(async (tx) => {
      await insertMany(
        tx,
        "token",
        ["sha256", "role", "tenant", "site", "label", "created_at"],
        tokens.map((t) => [t.sha256, t.role, t.tenant ?? null, t.site ?? null, t.label ?? "", nowMs]),
        `ON CONFLICT (sha256) DO UPDATE SET role = excluded.role, tenant = excluded.tenant, site = excluded.site,
           label = excluded.label`,
      );
      // A role or scope changed in the config: replicas must not keep the old principal.
      await tx.run("UPDATE token_generation SET gen = gen + 1 WHERE id = 1");
      await tx.notify("tokens");
    });
  }

  async hasActive(role: Role): Promise<boolean> {
    return (
      (await this.db.get("SELECT 1 AS one FROM token WHERE role = ? AND revoked_at IS NULL LIMIT 1", [
        role,
      ])) !== undefined
    );
  }

  async ensureAdmin(label: string, nowMs = Date.now()): Promise<string | null> {
    return this.db.transaction(async (tx) => {
      await tx.lock(INITIAL_ADMIN_LOCK);
      if (await tx.get("SELECT 1 AS one FROM token WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1"))
        return null;
      const token = randomBytes(32).toString("base64url");
      await tx.run(
        "INSERT INTO token (sha256, role, tenant, site, label, created_at) VALUES (?, ?, NULL, NULL, ?, ?)",
        [sha256Hex(token), "admin", label, nowMs],
      );
      return token;
    });
  }
}
