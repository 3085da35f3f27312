// The control repository on central's metadata database (central/db/:
// SQLite or PostgreSQL), its tables from the migrations (version 4). Durable
// like the rest of it: a command accepted with 202 survives a crash. Each
// change that spans rows is one transaction; single statements are atomic
// (a revision's upsert, a transition's UPDATE that holds the command's row).

import {
  type CommandState,
  CommandStates,
  type ControlEvent,
  type ControlPointDecl,
  type DemandLimit,
  type PointState,
  type Schedule,
} from "../../common/control.ts";
import type { MetaDb, SqlParam, SqlRunner } from "../db/types.ts";
import { mayMove } from "./lifecycle.ts";
import type {
  CommandFilter,
  CommandTransition,
  ControlRepository,
  StoredCommand,
  StoredEvent,
  WriteOutcomes,
} from "./repository.ts";

const COMMAND_COLUMNS = `id, site, asset, point, value, until, reason, override, requested_at, requested_by, state,
  state_at, state_reason, actual`;

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

/**
 * Each point of an asset (`?` ×4, the asset) with its newest write failure
 * and restore: the points by a skip scan of the events' key (one seek to the
 * next point apiece), each newest by a backward seek, so neither engine scans
 * the asset's events.
 */
export const LAST_WRITE_OUTCOMES_SQL = `WITH RECURSIVE points (point) AS (
   SELECT MIN(point) FROM control_event WHERE asset = ?
   UNION ALL
   SELECT (SELECT MIN(e.point) FROM control_event e WHERE e.asset = ? AND e.point > points.point)
   FROM points WHERE points.point IS NOT NULL
 )
 SELECT point,
   (SELECT MAX(at) FROM control_event e WHERE e.asset = ? AND e.point = points.point AND e.kind = 'write_failed') AS failed_at,
   (SELECT MAX(at) FROM control_event e WHERE e.asset = ? AND e.point = points.point AND e.kind = 'write_restored') AS restored_at
 FROM points WHERE point IS NOT NULL ORDER BY point`;

/**
 * The rows of a plan a facility has one of (its schedule, its demand limit):
 * the plan as JSON, who set it and when, and its site (to hand a site its
 * plans). `key` names the plan in what `get` answers. The table is one of two
 * constants, never from a request.
 */
function planRows<K extends string, P>(db: MetaDb, table: "control_schedule" | "control_limit", key: K) {
  return {
    async put(site: string, asset: string, plan: P, byActor: string, atMs: number): Promise<void> {
      await db.run(
        `INSERT INTO ${table} (asset, site, body, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (asset) DO UPDATE SET site = excluded.site, body = excluded.body,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        [asset, site, JSON.stringify(plan), atMs, byActor],
      );
    },
    async get(asset: string) {
      const row = await db.get<{ body: string; updated_at: number; updated_by: string }>(
        `SELECT body, updated_at, updated_by FROM ${table} WHERE asset = ?`,
        [asset],
      );
      if (!row) return null;
      const plan = { [key]: JSON.parse(row.body) as P } as { [k in K]: P };
      return { ...plan, updatedAt: Number(row.updated_at), updatedBy: row.updated_by };
    },
    async ofSite(site: string): Promise<Record<string, P>> {
      const rows = await db.all<{ asset: string; body: string }>(
        `SELECT asset, body FROM ${table} WHERE site = ?`,
        [site],
      );
      return Object.fromEntries(rows.map((r) => [r.asset, JSON.parse(r.body) as P]));
    },
  };
}

export class DbControlRepository implements ControlRepository {
  private readonly schedules;
  private readonly limits;

  constructor(private readonly db: MetaDb) {
    this.schedules = planRows<"schedule", Schedule>(db, "control_schedule", "schedule");
    this.limits = planRows<"limit", DemandLimit>(db, "control_limit", "limit");
  }

  readonly putSchedule: ControlRepository["putSchedule"] = (...set) => this.schedules.put(...set);
  readonly getSchedule: ControlRepository["getSchedule"] = (asset) => this.schedules.get(asset);
  readonly schedulesOfSite: ControlRepository["schedulesOfSite"] = (site) => this.schedules.ofSite(site);

  readonly putLimit: ControlRepository["putLimit"] = (...set) => this.limits.put(...set);
  readonly getLimit: ControlRepository["getLimit"] = (asset) => this.limits.get(asset);
  readonly limitsOfSite: ControlRepository["limitsOfSite"] = (site) => this.limits.ofSite(site);

  async revision(site: string): Promise<number> {
    const row = await this.db.get<{ revision: number }>(
      "SELECT revision FROM control_revision WHERE site = ?",
      [site],
    );
    return Number(row?.revision ?? 0);
  }

  async bumpRevision(site: string): Promise<number> {
    const row = await this.db.get<{ revision: number }>(
      `INSERT INTO control_revision (site, revision) VALUES (?, 1)
       ON CONFLICT (site) DO UPDATE SET revision = control_revision.revision + 1 RETURNING revision`,
      [site],
    );
    return Number(row!.revision);
  }

  async putDeclarations(
    site: string,
    declarations: readonly ControlPointDecl[],
    atMs: number,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run("DELETE FROM control_declaration WHERE site = ?", [site]);
      for (const d of declarations)
        await tx.run(
          "INSERT INTO control_declaration (asset, point, site, body, declared_at) VALUES (?, ?, ?, ?, ?)",
          [d.asset, d.point, site, JSON.stringify(d), atMs],
        );
    });
  }

  async declarations(asset: string): Promise<ControlPointDecl[]> {
    const rows = await this.db.all<{ body: string }>(
      "SELECT body FROM control_declaration WHERE asset = ? ORDER BY point",
      [asset],
    );
    return rows.map((r) => JSON.parse(r.body) as ControlPointDecl);
  }

  private async steps(db: SqlRunner, id: string): Promise<CommandTransition[]> {
    const rows = await db.all<StepRow>(
      "SELECT state, at, reason, actual FROM control_command_step WHERE id = ? ORDER BY seq",
      [id],
    );
    return rows.map((s) => ({
      state: s.state,
      at: Number(s.at),
      ...(s.reason !== null ? { reason: s.reason } : {}),
      ...(s.actual !== null ? { actual: s.actual } : {}),
    }));
  }

  private async toCommand(db: SqlRunner, r: CommandRow): Promise<StoredCommand> {
    return {
      id: r.id,
      site: r.site,
      asset: r.asset,
      point: r.point,
      value: r.value,
      ...(r.until !== null ? { until: Number(r.until) } : {}),
      reason: r.reason,
      ...(r.override ? { override: true } : {}),
      requestedAt: Number(r.requested_at),
      requestedBy: r.requested_by,
      state: r.state,
      stateAt: Number(r.state_at),
      stateReason: r.state_reason,
      actual: r.actual,
      history: await this.steps(db, r.id),
    };
  }

  private async commands(sql: string, args: readonly SqlParam[]): Promise<StoredCommand[]> {
    const rows = await this.db.all<CommandRow>(sql, args);
    const out: StoredCommand[] = [];
    for (const r of rows) out.push(await this.toCommand(this.db, r));
    return out;
  }

  async createCommand(c: Parameters<ControlRepository["createCommand"]>[0]): Promise<StoredCommand> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO control_command (id, site, asset, point, value, until, reason, override, requested_at,
           requested_by, state, state_at, state_reason, actual, active)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, NULL, NULL, 1)`,
        [
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
        ],
      );
      await tx.run("INSERT INTO control_command_step (id, state, at) VALUES (?, 'requested', ?)", [
        c.id,
        c.requestedAt,
      ]);
    });
    return (await this.getCommand(c.id))!;
  }

  async getCommand(id: string): Promise<StoredCommand | null> {
    const [command] = await this.commands(`SELECT ${COMMAND_COLUMNS} FROM control_command WHERE id = ?`, [
      id,
    ]);
    return command ?? null;
  }

  async listCommands(filter: CommandFilter): Promise<StoredCommand[]> {
    const where: string[] = [];
    const args: SqlParam[] = [];
    if (filter.asset !== undefined) {
      where.push("asset = ?");
      args.push(filter.asset);
    }
    if (filter.site !== undefined) {
      where.push("site = ?");
      args.push(filter.site);
    }
    if (filter.active) where.push("active = 1");
    const sql = `SELECT ${COMMAND_COLUMNS} FROM control_command ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY requested_at DESC, id DESC LIMIT ?`;
    args.push(filter.limit ?? 100);
    return this.commands(sql, args);
  }

  async dueToExpire(nowMs: number): Promise<StoredCommand[]> {
    return this.commands(
      `SELECT ${COMMAND_COLUMNS} FROM control_command WHERE active = 1 AND until IS NOT NULL AND until <= ?`,
      [nowMs],
    );
  }

  async addTransition(id: string, step: CommandTransition): Promise<StoredCommand | null> {
    // The lifecycle is checked in the UPDATE itself (compare-and-set on the row): of two replicas
    // moving a command at once (both expiring it), the second finds the state moved and adds nothing.
    const from = CommandStates.filter((s) => mayMove(s, step.state));
    if (from.length === 0) return null;
    const changed = await this.db.transaction(async (tx) => {
      const n = await tx.run(
        `UPDATE control_command SET state = ?, state_at = ?, state_reason = ?, actual = COALESCE(?, actual),
           active = ? WHERE id = ? AND state IN (${from.map(() => "?").join(", ")})`,
        [
          step.state,
          step.at,
          step.reason ?? null,
          step.actual ?? null,
          FINAL.has(step.state) ? 0 : 1,
          id,
          ...from,
        ],
      );
      if (n === 0) return false;
      await tx.run(
        "INSERT INTO control_command_step (id, state, at, reason, actual) VALUES (?, ?, ?, ?, ?)",
        [id, step.state, step.at, step.reason ?? null, step.actual ?? null],
      );
      return true;
    });
    return changed ? this.getCommand(id) : null;
  }

  async putStates(states: readonly PointState[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const s of states)
        await tx.run(
          `INSERT INTO control_state (asset, point, body, at) VALUES (?, ?, ?, ?)
           ON CONFLICT (asset, point) DO UPDATE SET body = excluded.body, at = excluded.at
           WHERE excluded.at >= control_state.at`,
          [s.asset, s.point, JSON.stringify(s), s.at],
        );
    });
  }

  async states(asset: string): Promise<PointState[]> {
    const rows = await this.db.all<{ body: string }>(
      "SELECT body FROM control_state WHERE asset = ? ORDER BY point",
      [asset],
    );
    return rows.map((r) => JSON.parse(r.body) as PointState);
  }

  async addEvents(site: string, events: readonly ControlEvent[]): Promise<number> {
    return this.db.transaction(async (tx) => {
      let added = 0;
      for (const e of events)
        added += await tx.run(
          `INSERT INTO control_event (site, asset, point, kind, at, value, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING`,
          [site, e.asset, e.point, e.kind, e.at, e.value ?? null, e.detail ?? null],
        );
      return added;
    });
  }

  async events(asset: string, limit: number): Promise<StoredEvent[]> {
    const rows = await this.db.all<{
      site: string;
      asset: string;
      point: string;
      kind: ControlEvent["kind"];
      at: number;
      value: number | null;
      detail: string | null;
    }>(
      `SELECT site, asset, point, kind, at, value, detail FROM control_event WHERE asset = ?
       ORDER BY at DESC LIMIT ?`,
      [asset, limit],
    );
    return rows.map((r) => ({
      site: r.site,
      asset: r.asset,
      point: r.point,
      kind: r.kind,
      at: Number(r.at),
      ...(r.value !== null ? { value: r.value } : {}),
      ...(r.detail !== null ? { detail: r.detail } : {}),
    }));
  }

  async lastWriteOutcomes(asset: string): Promise<WriteOutcomes[]> {
    const rows = await this.db.all<{
      point: string;
      failed_at: number | string | null;
      restored_at: number | string | null;
    }>(LAST_WRITE_OUTCOMES_SQL, [asset, asset, asset, asset]);
    return rows
      .filter((r) => r.failed_at !== null || r.restored_at !== null)
      .map((r) => ({
        point: r.point,
        failedAt: r.failed_at === null ? null : Number(r.failed_at),
        restoredAt: r.restored_at === null ? null : Number(r.restored_at),
      }));
  }
}
