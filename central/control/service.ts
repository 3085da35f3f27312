// Control as central runs it: operator commands checked against what the
// edge declared, schedules and demand limits per facility, the lifecycle of
// each command from the agent's reports, and the agents' long poll — the
// site's whole desired state with a revision that moves on every change, the
// request held open until the revision passes the agent's or the wait ends.
import { randomBytes } from "node:crypto";
import type {
  AgentSyncRequest,
  AgentSyncResponse,
  CommandReport,
  ControlCommand,
  ControlPointDecl,
  DemandLimit,
  Schedule,
} from "../../common/control.ts";
import { ApiError } from "../http.ts";
import type { Asset, MetaStore, Principal } from "../meta/meta.ts";
import { isFinal, mayMove } from "./lifecycle.ts";
import type { ControlRepository, StoredCommand } from "./repository.ts";
import { declarationProblem, limitProblem, scheduleProblem, valueProblem } from "./validate.ts";

/** How often a waiting poll looks at the shared revision (a change made by another replica). */
const REVISION_CHECK_MS = 1000;
/** How far ahead of central's clock an agent's report, state or event may be dated. */
const FUTURE_TOLERANCE_MS = 86_400_000;
/** How often commands past their `until` are expired. */
const EXPIRY_SWEEP_MS = 1000;

export interface NewCommand {
  asset: string;
  point: string;
  value: number;
  until?: number;
  reason: string;
  override?: boolean;
}

const actorOf = (p: Principal): string => p.label || `${p.role}#${p.tokenId}`;

/** A command as stored and as the agent receives it: `until` and `override` left out when not set. */
const controlCommand = (
  c: Omit<ControlCommand, "until" | "override"> & {
    until?: number | undefined;
    override?: boolean | undefined;
  },
): ControlCommand => ({
  id: c.id,
  asset: c.asset,
  point: c.point,
  value: c.value,
  ...(c.until !== undefined ? { until: c.until } : {}),
  reason: c.reason,
  ...(c.override ? { override: true } : {}),
  requestedAt: c.requestedAt,
  requestedBy: c.requestedBy,
});

export class ControlService {
  private readonly waiters = new Map<string, Set<() => void>>();
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly repo: ControlRepository,
    private readonly meta: MetaStore,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Starts the expiry sweep (commands whose `until` passed while no agent asked). */
  start(onError: (err: unknown) => void): void {
    this.sweepTimer = setInterval(() => void this.expireDue().catch(onError), EXPIRY_SWEEP_MS);
    this.sweepTimer.unref();
  }

  /** Stops the sweep and answers every waiting poll now (so a shutdown is not held by them). */
  stop(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    for (const site of [...this.waiters.keys()]) this.wake(site);
  }

  private wake(site: string): void {
    const set = this.waiters.get(site);
    if (!set) return;
    this.waiters.delete(site);
    for (const w of set) w();
  }

  /** One line of the audit log for an operator's control action; `detail` is stored as JSON. */
  private async audit(by: Principal, action: string, target: string, status: number, detail: unknown) {
    await this.meta.audit.append({
      tokenId: by.tokenId,
      actor: actorOf(by),
      role: by.role,
      action,
      target,
      status,
      detail: JSON.stringify(detail),
    });
  }

  private async changed(site: string): Promise<number> {
    const revision = await this.repo.bumpRevision(site);
    this.wake(site);
    return revision;
  }

  /** Expires active commands past their `until`; returns how many this sweep expired. */
  async expireDue(): Promise<number> {
    const now = this.clock();
    const due = await this.repo.dueToExpire(now);
    const sites = new Set<string>();
    let expired = 0;
    for (const c of due) {
      // Null when another replica's sweep (or the agent's report) ended it since the list was read.
      const moved = await this.repo.addTransition(c.id, {
        state: "expired",
        at: c.until ?? now,
        reason: "until passed",
      });
      if (!moved) continue;
      expired++;
      sites.add(c.site);
    }
    for (const site of sites) await this.changed(site);
    return expired;
  }

  /** The declared points of an asset by name. */
  async declared(asset: string): Promise<Map<string, ControlPointDecl>> {
    return new Map((await this.repo.declarations(asset)).map((d) => [d.point, d]));
  }

  async createCommand(asset: Asset, input: NewCommand, by: Principal): Promise<StoredCommand> {
    const now = this.clock();
    const decl = (await this.declared(asset.id)).get(input.point);
    if (!decl)
      throw new ApiError(
        "VALIDATION_FAILED",
        `body.point: "${input.point}" is not a controllable point of ${asset.id} (its agent declares the points)`,
      );
    const bad = valueProblem(decl, input.value, "body.value");
    if (bad) throw new ApiError("VALIDATION_FAILED", bad);
    if (decl.critical && input.override !== true)
      throw new ApiError(
        "VALIDATION_FAILED",
        `body.override: "${input.point}" is critical; a command needs "override": true`,
      );
    if (input.until !== undefined && input.until <= now)
      throw new ApiError("VALIDATION_FAILED", "body.until: in the past");
    // One operator level per point (BACnet: a write at a priority replaces that slot's value).
    const previous = await this.repo.listCommands({ asset: asset.id, active: true, limit: 1000 });
    const id = `cmd-${now.toString(36)}-${randomBytes(6).toString("hex")}`;
    const command = await this.repo.createCommand({
      site: asset.site,
      ...controlCommand({
        id,
        asset: asset.id,
        point: input.point,
        value: input.value,
        until: input.until,
        reason: input.reason,
        override: input.override,
        requestedAt: now,
        requestedBy: actorOf(by),
      }),
    });
    for (const p of previous.filter((c) => c.point === input.point))
      await this.repo.addTransition(p.id, { state: "relinquished", at: now, reason: `superseded by ${id}` });
    await this.changed(asset.site);
    await this.audit(by, "control.command", `${asset.id}/${input.point}`, 202, {
      id,
      value: input.value,
      until: input.until ?? null,
      reason: input.reason,
    });
    return (await this.repo.getCommand(id)) ?? command;
  }

  async relinquish(command: StoredCommand, by: Principal): Promise<StoredCommand> {
    if (isFinal(command.state)) return command;
    const now = this.clock();
    const after = await this.repo.addTransition(command.id, {
      state: "relinquished",
      at: now,
      reason: `relinquished by ${actorOf(by)}`,
    });
    await this.changed(command.site);
    await this.audit(by, "control.relinquish", `${command.asset}/${command.point}`, 200, { id: command.id });
    return after ?? (await this.repo.getCommand(command.id)) ?? command;
  }

  async putSchedule(asset: Asset, schedule: Schedule, by: Principal): Promise<void> {
    await this.putPlan(asset, by, scheduleProblem(schedule, await this.declared(asset.id)), {
      put: (actor, at) => this.repo.putSchedule(asset.site, asset.id, schedule, actor, at),
      action: "control.schedule",
      detail: {
        template: schedule.template ?? null,
        points: schedule.points.map((p) => p.point),
        exceptions: schedule.exceptions.length,
      },
    });
  }

  async putLimit(asset: Asset, limit: DemandLimit, by: Principal): Promise<void> {
    await this.putPlan(asset, by, limitProblem(limit, await this.declared(asset.id)), {
      put: (actor, at) => this.repo.putLimit(asset.site, asset.id, limit, actor, at),
      action: "control.limit",
      detail: { limitKw: limit.limitKw, sheds: limit.sheds.map((s) => s.point) },
    });
  }

  /** Stores an asset's schedule or demand limit unless `problem` refuses it, wakes the site's agent and audits the change. */
  private async putPlan(
    asset: Asset,
    by: Principal,
    problem: string | null,
    plan: { put: (actor: string, atMs: number) => Promise<unknown>; action: string; detail: unknown },
  ): Promise<void> {
    if (problem) throw new ApiError("VALIDATION_FAILED", problem);
    await plan.put(actorOf(by), this.clock());
    await this.changed(asset.site);
    await this.audit(by, plan.action, asset.id, 200, plan.detail);
  }

  /**
   * Takes in what an agent sends (declarations, reports, states, events) for
   * its own site. Declarations, states and events naming an asset of another
   * site refuse the whole request (403, nothing stored); a report of another
   * site's command is ignored — an agent speaks for its own site only.
   */
  async receive(site: string, body: AgentSyncRequest): Promise<void> {
    const fleet = await this.meta.fleet.current();
    const own = (asset: string) => fleet.assetById.get(asset)?.site === site;
    const lists = { declarations: body.declarations, states: body.states, events: body.events } as const;
    for (const [key, list] of Object.entries(lists)) {
      const i = list.findIndex((x) => !own(x.asset));
      if (i >= 0)
        throw new ApiError(
          "FORBIDDEN",
          `body.${key}[${i}].asset: "${list[i]!.asset}" is not an asset of site ${site}`,
        );
    }
    // Times from an agent's clock: a day ahead at most (a state dated in 2100 would hide every later one).
    const latest = this.clock() + FUTURE_TOLERANCE_MS;
    const timed = { reports: body.reports, states: body.states, events: body.events } as const;
    for (const [key, list] of Object.entries(timed)) {
      const i = list.findIndex((x) => x.at > latest);
      if (i >= 0)
        throw new ApiError("INVALID_TIMESTAMP", `body.${key}[${i}].at: more than a day in the future`);
    }
    const seen = new Set<string>();
    for (const [i, d] of body.declarations.entries()) {
      const key = `${d.asset}/${d.point}`;
      if (seen.has(key))
        throw new ApiError("VALIDATION_FAILED", `body.declarations[${i}]: ${key} declared twice`);
      seen.add(key);
      const problem = declarationProblem(d, `body.declarations[${i}]`);
      if (problem) throw new ApiError("VALIDATION_FAILED", problem);
    }
    const now = this.clock();
    await this.repo.putDeclarations(site, body.declarations, now);
    let moved = false;
    for (const report of [...body.reports].sort((a, b) => a.at - b.at))
      moved = (await this.applyReport(site, report)) || moved;
    if (body.states.length > 0) await this.repo.putStates(body.states);
    if (body.events.length > 0) await this.repo.addEvents(site, body.events);
    // A command the agent ended itself (refused, failed, expired) leaves the desired state.
    if (moved) await this.changed(site);
  }

  /** Applies one report; true when it ended the command (the desired state changed). */
  private async applyReport(site: string, r: CommandReport): Promise<boolean> {
    const command = await this.repo.getCommand(r.id);
    if (!command || command.site !== site) return false;
    if (!mayMove(command.state, r.state)) return false;
    await this.repo.addTransition(r.id, {
      state: r.state,
      at: r.at,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
      ...(r.actual !== undefined ? { actual: r.actual } : {}),
    });
    return isFinal(r.state);
  }

  /** The site's desired state; commands still `requested` are marked `delivered` as they are handed over. */
  async desired(site: string): Promise<AgentSyncResponse> {
    const revision = await this.repo.revision(site);
    const active = await this.repo.listCommands({ site, active: true, limit: 10_000 });
    const now = this.clock();
    for (const c of active)
      if (c.state === "requested") await this.repo.addTransition(c.id, { state: "delivered", at: now });
    return {
      revision,
      commands: active
        .filter((c) => c.until === undefined || c.until > now)
        .reverse()
        .map(controlCommand),
      schedules: await this.repo.schedulesOfSite(site),
      limits: await this.repo.limitsOfSite(site),
    };
  }

  /**
   * Waits until the site's revision passes `known`, `waitMs` pass, or `end`
   * is called (the token revoked, the client gone, central stopping);
   * resolves with what ended the wait.
   */
  waitForChange(
    site: string,
    known: number,
    waitMs: number,
    hold: (end: () => void) => () => void,
  ): Promise<"changed" | "timeout" | "ended"> {
    return new Promise((resolve) => {
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      let release = () => {};
      const finish = (why: "changed" | "timeout" | "ended") => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        this.waiters.get(site)?.delete(wakeUp);
        release();
        resolve(why);
      };
      const wakeUp = () => finish("changed");
      const set = this.waiters.get(site) ?? new Set();
      set.add(wakeUp);
      this.waiters.set(site, set);
      timers.push(setTimeout(() => finish("timeout"), waitMs));
      const check = setInterval(() => {
        void this.repo.revision(site).then(
          (r) => r > known && finish("changed"),
          () => undefined,
        );
      }, REVISION_CHECK_MS);
      timers.push(check as unknown as NodeJS.Timeout);
      const clearCheck = () => clearInterval(check);
      const releaseHold = hold(() => finish("ended"));
      release = () => {
        clearCheck();
        releaseHold();
      };
      if (settled) release(); // ended while the hold was being set up
    });
  }
}
