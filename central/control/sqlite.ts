// The control repository in central's metadata SQLite file (synchronous
// better-sqlite3 behind the asynchronous interface; FULL durability like the
// rest of that file: a command accepted with 202 survives a crash).
import type Database from "better-sqlite3";
import type {
  CommandState,
  ControlEvent,
  ControlPointDecl,
  DemandLimit,
  PointState,
  Schedule,
} from "../../common/control.ts";
import type {
  CommandFilter,
  CommandTransition,
  ControlRepository,
  StoredCommand,
  StoredEvent,
} from "./repository.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS control_revision (site TEXT PRIMARY KEY, revision INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS control_declaration (
  asset TEXT NOT NULL, point TEXT NOT NULL, site TEXT NOT NULL, body TEXT NOT NULL, declared_at INTEGER NOT NULL,
  PRIMARY KEY (asset, point)
);
CREATE INDEX IF NOT EXISTS control_declaration_site ON control_declaration (site);
CREATE TABLE IF NOT EXISTS control_command (
  id TEXT PRIMARY KEY, site TEXT NOT NULL, asset TEXT NOT NULL, point TEXT NOT NULL, value REAL NOT NULL,
  until INTEGER, reason TEXT NOT NULL, override INTEGER NOT NULL, requested_at INTEGER NOT NULL,
  requested_by TEXT NOT NULL, state TEXT NOT NULL, state_at INTEGER NOT NULL, state_reason TEXT, actual REAL,
  active INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS control_command_asset ON control_command (asset, requested_at);
CREATE INDEX IF NOT EXISTS control_command_active ON control_command (active, site);
CREATE TABLE IF NOT EXISTS control_command_step (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL,
  reason TEXT, actual REAL
);
CREATE INDEX IF NOT EXISTS control_command_step_id ON control_command_step (id, seq);
CREATE TABLE IF NOT EXISTS control_schedule (
  asset TEXT PRIMARY KEY, site TEXT NOT NULL, body TEXT NOT NULL, updated_at INTEGER NOT NULL, updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS control_limit (
  asset TEXT PRIMARY KEY, site TEXT NOT NULL, body TEXT NOT NULL, updated_at INTEGER NOT NULL, updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS control_state (
  asset TEXT NOT NULL, point TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (asset, point)
);
CREATE TABLE IF NOT EXISTS control_event (
  site TEXT NOT NULL, asset TEXT NOT NULL, point TEXT NOT NULL, kind TEXT NOT NULL, at INTEGER NOT NULL,
  value REAL, detail TEXT,
  PRIMARY KEY (asset, point, kind, at)
);
CREATE INDEX IF NOT EXISTS control_event_asset_at ON control_event (asset, at);
`;

const FINAL = new Set<CommandState>(["failed", "refused", "expired", "relinquished"]);

interface CommandRow {
  id: string;
  site: string;
  asset: string;
  point: string;
  value: number;
  until: number | null;
  reason: string;
  override: number;
  requested_at: number;
  requested_by: string;
  state: CommandState;
  state_at: number;
  state_reason: string | null;
  actual: number | null;
}

interface StepRow {
  state: CommandState;
  at: number;
  reason: string | null;
  actual: number | null;
}

export class SqliteControlRepository implements ControlRepository {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  async revision(site: string): Promise<number> {
    const row = this.db.prepare("SELECT revision FROM control_revision WHERE site = ?").get(site) as
      | { revision: number }
      | undefined;
    return row?.revision ?? 0;
  }

  async bumpRevision(site: string): Promise<number> {
    return (
      this.db
        .prepare(
          `INSERT INTO control_revision (site, revision) VALUES (?, 1)
           ON CONFLICT (site) DO UPDATE SET revision = revision + 1 RETURNING revision`,
        )
        .get(site) as { revision: number }
    ).revision;
  }

  async putDeclarations(
    site: string,
    declarations: readonly ControlPointDecl[],
    atMs: number,
  ): Promise<void> {
    const insert = this.db.prepare(
      "INSERT INTO control_declaration (asset, point, site, body, declared_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM control_declaration WHERE site = ?").run(site);
      for (const d of declarations) insert.run(d.asset, d.point, site, JSON.stringify(d), atMs);
    })();
  }

  async declarations(asset: string): Promise<ControlPointDecl[]> {
    return (
      this.db
        .prepare("SELECT body FROM control_declaration WHERE asset = ? ORDER BY point")
        .pluck()
        .all(asset) as string[]
    ).map((b) => JSON.parse(b) as ControlPointDecl);
  }

  private steps(id: string): CommandTransition[] {
    return (
      this.db
        .prepare("SELECT state, at, reason, actual FROM control_command_step WHERE id = ? ORDER BY seq")
        .all(id) as StepRow[]
    ).map((s) => ({
      state: s.state,
      at: s.at,
      ...(s.reason !== null ? { reason: s.reason } : {}),
      ...(s.actual !== null ? { actual: s.actual } : {}),
    }));
  }

  private toCommand(r: CommandRow): StoredCommand {
    return {
      id: r.id,
      site: r.site,
      asset: r.asset,
      point: r.point,
      value: r.value,
      ...(r.until !== null ? { until: r.until } : {}),
      reason: r.reason,
      ...(r.override ? { override: true } : {}),
      requestedAt: r.requested_at,
      requestedBy: r.requested_by,
      state: r.state,
      stateAt: r.state_at,
      stateReason: r.state_reason,
      actual: r.actual,
      history: this.steps(r.id),
    };
  }

  async createCommand(c: Parameters<ControlRepository["createCommand"]>[0]): Promise<StoredCommand> {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO control_command (id, site, asset, point, value, until, reason, override, requested_at,
             requested_by, state, state_at, state_reason, actual, active)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, NULL, NULL, 1)`,
        )
        .run(
          c.id,
          c.site,
          c.asset,
          c.point,
          c.value,
          c.until ?? null,
          c.reason,
          c.override ? 1 : 0,
          c.requestedAt,
          c.requestedBy,
          c.requestedAt,
        );
      this.db
        .prepare("INSERT INTO control_command_step (id, state, at) VALUES (?, 'requested', ?)")
        .run(c.id, c.requestedAt);
    })();
    return (await this.getCommand(c.id))!;
  }

  async getCommand(id: string): Promise<StoredCommand | null> {
    const row = this.db.prepare("SELECT * FROM control_command WHERE id = ?").get(id) as
      | CommandRow
      | undefined;
    return row ? this.toCommand(row) : null;
  }

  async listCommands(filter: CommandFilter): Promise<StoredCommand[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.asset !== undefined) {
      where.push("asset = ?");
      args.push(filter.asset);
    }
    if (filter.site !== undefined) {
      where.push("site = ?");
      args.push(filter.site);
    }
    if (filter.active) where.push("active = 1");
    const sql = `SELECT * FROM control_command ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY requested_at DESC, id DESC LIMIT ?`;
    args.push(filter.limit ?? 100);
    return (this.db.prepare(sql).all(...args) as CommandRow[]).map((r) => this.toCommand(r));
  }

  async dueToExpire(nowMs: number): Promise<StoredCommand[]> {
    return (
      this.db
        .prepare("SELECT * FROM control_command WHERE active = 1 AND until IS NOT NULL AND until <= ?")
        .all(nowMs) as CommandRow[]
    ).map((r) => this.toCommand(r));
  }

  async addTransition(id: string, step: CommandTransition): Promise<StoredCommand | null> {
    const changed = this.db.transaction(() => {
      const info = this.db
        .prepare(
          `UPDATE control_command SET state = ?, state_at = ?, state_reason = ?, actual = COALESCE(?, actual),
             active = ? WHERE id = ?`,
        )
        .run(
          step.state,
          step.at,
          step.reason ?? null,
          step.actual ?? null,
          FINAL.has(step.state) ? 0 : 1,
          id,
        );
      if (info.changes === 0) return false;
      this.db
        .prepare("INSERT INTO control_command_step (id, state, at, reason, actual) VALUES (?, ?, ?, ?, ?)")
        .run(id, step.state, step.at, step.reason ?? null, step.actual ?? null);
      return true;
    })();
    return changed ? this.getCommand(id) : null;
  }

  async putSchedule(site: string, asset: string, schedule: Schedule, byActor: string, atMs: number) {
    this.db
      .prepare(
        `INSERT INTO control_schedule (asset, site, body, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (asset) DO UPDATE SET site = excluded.site, body = excluded.body,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(asset, site, JSON.stringify(schedule), atMs, byActor);
  }

  async getSchedule(asset: string) {
    const row = this.db
      .prepare("SELECT body, updated_at, updated_by FROM control_schedule WHERE asset = ?")
      .get(asset) as { body: string; updated_at: number; updated_by: string } | undefined;
    return row
      ? { schedule: JSON.parse(row.body) as Schedule, updatedAt: row.updated_at, updatedBy: row.updated_by }
      : null;
  }

  async schedulesOfSite(site: string): Promise<Record<string, Schedule>> {
    const rows = this.db.prepare("SELECT asset, body FROM control_schedule WHERE site = ?").all(site) as {
      asset: string;
      body: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.asset, JSON.parse(r.body) as Schedule]));
  }

  async putLimit(site: string, asset: string, limit: DemandLimit, byActor: string, atMs: number) {
    this.db
      .prepare(
        `INSERT INTO control_limit (asset, site, body, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (asset) DO UPDATE SET site = excluded.site, body = excluded.body,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(asset, site, JSON.stringify(limit), atMs, byActor);
  }

  async getLimit(asset: string) {
    const row = this.db
      .prepare("SELECT body, updated_at, updated_by FROM control_limit WHERE asset = ?")
      .get(asset) as { body: string; updated_at: number; updated_by: string } | undefined;
    return row
      ? { limit: JSON.parse(row.body) as DemandLimit, updatedAt: row.updated_at, updatedBy: row.updated_by }
      : null;
  }

  async limitsOfSite(site: string): Promise<Record<string, DemandLimit>> {
    const rows = this.db.prepare("SELECT asset, body FROM control_limit WHERE site = ?").all(site) as {
      asset: string;
      body: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.asset, JSON.parse(r.body) as DemandLimit]));
  }

  async putStates(states: readonly PointState[]): Promise<void> {
    const upsert = this.db.prepare(
      `INSERT INTO control_state (asset, point, body, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (asset, point) DO UPDATE SET body = excluded.body, at = excluded.at
       WHERE excluded.at >= control_state.at`,
    );
    this.db.transaction(() => {
      for (const s of states) upsert.run(s.asset, s.point, JSON.stringify(s), s.at);
    })();
  }

  async states(asset: string): Promise<PointState[]> {
    return (
      this.db
        .prepare("SELECT body FROM control_state WHERE asset = ? ORDER BY point")
        .pluck()
        .all(asset) as string[]
    ).map((b) => JSON.parse(b) as PointState);
  }

  async addEvents(site: string, events: readonly ControlEvent[]): Promise<number> {
    const insert = this.db.prepare(
      `INSERT INTO control_event (site, asset, point, kind, at, value, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    );
    return this.db.transaction(() => {
      let added = 0;
      for (const e of events)
        added += insert.run(site, e.asset, e.point, e.kind, e.at, e.value ?? null, e.detail ?? null).changes;
      return added;
    })();
  }

  async events(asset: string, limit: number): Promise<StoredEvent[]> {
    const rows = this.db
      .prepare(
        `SELECT site, asset, point, kind, at, value, detail FROM control_event WHERE asset = ?
         ORDER BY at DESC LIMIT ?`,
      )
      .all(asset, limit) as {
      site: string;
      asset: string;
      point: string;
      kind: ControlEvent["kind"];
      at: number;
      value: number | null;
      detail: string | null;
    }[];
    return rows.map((r) => ({
      site: r.site,
      asset: r.asset,
      point: r.point,
      kind: r.kind,
      at: r.at,
      ...(r.value !== null ? { value: r.value } : {}),
      ...(r.detail !== null ? { detail: r.detail } : {}),
    }));
  }
}
