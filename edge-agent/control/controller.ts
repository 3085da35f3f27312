// The edge's control loop: the authority on what is written to a device.
// Central sends desired state (operator commands, schedules, demand limits);
// every tick the agent fills each point's priority array from it (and from
// its own interlocks, at the `safety` level), refuses
// what its own config forbids (out of range, not an enumerated state,
// critical points without override, schedules and sheds on critical
// points), writes the effective value only when it changes, no more often
// than minWriteIntervalMs and no faster than maxRatePerMinute, and reads
// every write back. A value read back that differs from the last write is
// a change made at the device: it takes the `manual` level for the hold
// time (it is respected and reported, not fought). Everything that happens
// is a report or an event in the store's outbox until central has it.
//
// A power cut may cost the store its last commits (store.ts), so the last
// write's record may be older than the device: a read-back that equals what
// arbitration wants is the agent's own write (recorded again, its command
// confirmed), and one that differs from both is judged only once central's
// desired state has been taken since the start (it may hold the command that
// was written), or after STARTUP_JUDGE_MS without central; until then the
// point is read, not written (but for an interlock: safety never waits).
import {
  type AgentSyncResponse,
  type CommandState,
  type ControlCommand,
  type ControlEvent,
  type ControlPointDecl,
  FINAL_COMMAND_STATES,
  type PointState,
  priorityRank,
} from "../../common/control.ts";
import type { Point } from "../../common/wire.ts";
import type { PointWriter } from "../sources/write.ts";
import { DemandLimiter } from "./demand.ts";
import { type DriveContext, drive, type PointRuntime } from "./drive.ts";
import { describeCondition, Interlocks } from "./interlocks.ts";
import { declarationOf, refusalOf } from "./limits.ts";
import { PriorityArray } from "./priority.ts";
import { isTimeZone, scheduledValues } from "./schedule.ts";
import type { ControlConfig } from "./schema.ts";
import type { ControlStore } from "./store.ts";

/** A `control` point per controllable point at least this often, and whenever one of its fields changes. */
export const STATE_POINT_INTERVAL_MS = 60_000;
/**
 * How long after the start a read-back the agent cannot explain waits for
 * central's desired state before it is judged a change at the device: the
 * first sync is answered at once when central is reachable, and a minute
 * without central is as long as a point is left unwritten for it.
 */
export const STARTUP_JUDGE_MS = 60_000;

export interface ControllerOptions {
  readonly config: ControlConfig;
  readonly site: string;
  readonly store: ControlStore;
  /** A writer per declared point, by `asset\npoint`. */
  readonly writers: ReadonlyMap<string, PointWriter>;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /** `control` measurement points (commanded, effective, actual, priority) for the uplink queue. */
  readonly emit?: (points: Point[]) => void;
  /** A command report entered the outbox (the sync client wakes its long poll). */
  readonly onReport?: () => void;
}

const PROGRESS: readonly CommandState[] = ["requested", "delivered", "applied", "confirmed"];

export const pointKey = (asset: string, point: string): string => `${asset}\n${point}`;

export class Controller {
  private readonly points = new Map<string, PointRuntime>();
  private desired: AgentSyncResponse;
  private readonly limiter: DemandLimiter | null;
  private readonly interlocks: Interlocks;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  /** Refusals already recorded (a schedule naming a critical point is refused once, not every tick). */
  private readonly refusedOnce = new Set<string>();
  private ticking: Promise<void> | null = null;
  /** A tick was asked while one ran: null, or whether the one to follow reads back what is due. */
  private tickAgain: { readBacks: boolean } | null = null;
  /**
   * When the earliest write held back by its point's `minWriteIntervalMs` may go (ms, the
   * controller's clock), or null: the agent ticks then rather than at its next regular tick.
   */
  deferredWriteAt: number | null = null;
  private readonly judgeFrom: number;
  private readonly driveContext: DriveContext;

  constructor(private readonly opts: ControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? (() => {});
    this.judgeFrom = this.now() + STARTUP_JUDGE_MS;
    this.driveContext = {
      config: opts.config,
      store: opts.store,
      // After a clean stop the records are whole: a read-back that differs from them is judged at once.
      judging: !opts.store.uncleanStart,
      report: (id, state, reason, actual) => this.report(id, state, reason, actual),
      event: (e) => this.event(e),
    };
    for (const cfg of opts.config.points) {
      const key = pointKey(cfg.asset, cfg.point);
      const writer = opts.writers.get(key);
      if (!writer) throw new Error(`no writer for ${cfg.asset}/${cfg.point}`);
      const memory = opts.store.memory(key);
      const array = new PriorityArray(cfg.failSafe);
      if (memory.manual)
        array.set("manual", { value: memory.manual.value, holder: "device", until: memory.manual.until });
      this.points.set(key, {
        cfg,
        key,
        array,
        writer,
        memory,
        lastReadAt: -Infinity,
        lastStatePointAt: -Infinity,
        linkDown: false,
        failing: false,
      });
    }
    this.desired = opts.store.desired() ?? { revision: 0, commands: [], schedules: {}, limits: {} };
    this.interlocks = new Interlocks(opts.config.interlocks ?? []);
    const d = opts.config.demand;
    this.limiter = d
      ? new DemandLimiter({ limitKw: 1, intervalMinutes: 15, restoreBelowFraction: 0.1, sheds: [] }, d.stepMs)
      : null;
    this.applyDesired(this.desired, false);
  }

  get revision(): number {
    return this.desired.revision;
  }

  declarations(): ControlPointDecl[] {
    return [...this.points.values()].map(({ cfg }) => declarationOf(cfg));
  }

  states(): PointState[] {
    return [...this.points.values()].map((p) => {
      const e = p.array.effective();
      return {
        asset: p.cfg.asset,
        point: p.cfg.point,
        effective: { value: e.value, holder: e.holder, priority: e.priority },
        ...(p.actual !== undefined ? { actual: p.actual } : {}),
        at: this.now(),
      };
    });
  }

  private event(e: Omit<ControlEvent, "at"> & { at?: number }): void {
    const event: ControlEvent = { ...e, at: e.at ?? this.now() };
    this.opts.store.enqueue({ kind: "event", event });
    if (e.kind !== "transition" && e.kind !== "shed" && e.kind !== "restore")
      this.log(`control ${e.asset}/${e.point}: ${e.kind}${e.detail ? ` (${e.detail})` : ""}`);
  }

  private report(id: string, state: CommandState, reason?: string, actual?: number): void {
    const last = this.opts.store.commandState(id) as CommandState | undefined;
    if (last === state || (last && FINAL_COMMAND_STATES.includes(last))) return;
    // The lifecycle only moves forward (after a restart the agent does not report `delivered` again).
    if (last && !FINAL_COMMAND_STATES.includes(state) && PROGRESS.indexOf(state) < PROGRESS.indexOf(last))
      return;
    this.opts.store.saveCommandState(id, state);
    this.opts.store.enqueue({
      kind: "report",
      report: {
        id,
        state,
        at: this.now(),
        ...(reason ? { reason: reason.slice(0, 500) } : {}),
        ...(actual !== undefined ? { actual } : {}),
      },
    });
    this.opts.onReport?.();
  }

  /** Takes central's desired state (whole, level-triggered): commands, schedules, limits. */
  applyDesired(state: AgentSyncResponse, persist = true): void {
    // The state and every report it causes: one transaction, one sync of the disk.
    this.opts.store.batch(() => this.takeDesired(state, persist));
  }

  private takeDesired(state: AgentSyncResponse, persist: boolean): void {
    if (persist) {
      this.opts.store.saveDesired(state);
      this.driveContext.judging = true;
    }
    this.desired = state;
    const now = this.now();
    const winners = new Map<string, ControlCommand>();
    for (const c of state.commands) {
      const final = this.opts.store.commandState(c.id);
      if (final && FINAL_COMMAND_STATES.includes(final as CommandState)) continue;
      const p = this.points.get(pointKey(c.asset, c.point));
      const why = refusalOf(c, p?.cfg);
      if (why) {
        this.report(c.id, "refused", why);
        this.event({
          asset: c.asset,
          point: c.point,
          kind: "refused",
          value: c.value,
          detail: `command ${c.id}: ${why}`,
        });
        continue;
      }
      if (c.until !== undefined && c.until <= now) {
        this.report(c.id, "expired");
        continue;
      }
      this.report(c.id, "delivered");
      const key = pointKey(c.asset, c.point);
      const other = winners.get(key);
      // One operator level per point (BACnet: one slot per priority): the latest command holds it.
      if (other && other.requestedAt > c.requestedAt) {
        this.report(c.id, "relinquished", `superseded by ${other.id}`);
        continue;
      }
      if (other) this.report(other.id, "relinquished", `superseded by ${c.id}`);
      winners.set(key, c);
    }
    for (const p of this.points.values()) {
      const c = winners.get(p.key);
      const held = p.command;
      if (held && held.id !== c?.id) {
        // Absent from central's state: relinquished there.
        p.array.relinquish("operator");
        this.report(held.id, "relinquished");
        p.command = undefined;
      }
      if (c) {
        p.array.set("operator", {
          value: c.value,
          holder: c.id,
          ...(c.until !== undefined ? { until: c.until } : {}),
        });
        if (p.command?.id !== c.id) {
          p.command = { id: c.id, applied: false };
          // Read back at the next tick: a command asking what the device already holds is confirmed there.
          p.lastReadAt = -Infinity;
        }
      }
    }
    const d = this.opts.config.demand;
    if (this.limiter && d) {
      const limit = state.limits[d.asset];
      if (limit) this.limiter.limit = limit;
      else for (const point of this.limiter.releaseAll()) this.restore(d.asset, point, "limit removed");
    }
  }

  /** Points acquired by the sources: interlocks watch theirs; the demand meter's power feeds the forecast. */
  observe(points: readonly Point[]): void {
    this.interlocks.observe(points);
    const d = this.opts.config.demand;
    if (!d || !this.limiter) return;
    for (const p of points) {
      if (p.measurement !== "meter" || p.tags.asset !== d.asset) continue;
      const kw = p.fields[d.field];
      if (typeof kw === "number") this.limiter.observe(p.ts, kw);
    }
  }

  /** The config's interlocks take the `safety` level of their points, or leave it when their condition is gone. */
  private runInterlocks(): void {
    const { changes, holds } = this.interlocks.evaluate();
    for (const { interlock: il, active, value } of changes)
      this.event({
        asset: il.force.asset,
        point: il.force.point,
        kind: "interlock",
        value: il.force.value,
        detail: `${il.id}: ${describeCondition(il)} ${active ? "holds" : "released"} (read ${value})`,
      });
    for (const p of this.points.values()) {
      const il = holds.get(p.key);
      const held = p.array.get("safety");
      if (il) {
        if (held?.holder !== `safety:${il.id}`)
          p.array.set("safety", { value: il.force.value, holder: `safety:${il.id}` });
      } else if (held?.holder.startsWith("safety:")) p.array.relinquish("safety");
    }
  }

  private refuseOnce(asset: string, point: string, detail: string): void {
    const k = `${asset}\n${point}\n${detail}`;
    if (this.refusedOnce.has(k)) return;
    this.refusedOnce.add(k);
    this.event({ asset, point, kind: "refused", detail });
  }

  private restore(asset: string, point: string, why: string): void {
    const p = this.points.get(pointKey(asset, point));
    p?.array.relinquish("demand_limit");
    this.event({ asset, point, kind: "restore", detail: why });
  }

  private runSchedules(now: number): void {
    const seen = new Set<string>();
    for (const [asset, schedule] of Object.entries(this.desired.schedules)) {
      if (!isTimeZone(schedule.timeZone || this.opts.config.timeZone)) {
        for (const p of schedule.points)
          this.refuseOnce(
            asset,
            p.point,
            `schedule time zone "${schedule.timeZone}" is not an IANA zone this agent knows`,
          );
        continue;
      }
      const values = scheduledValues(schedule, now, this.opts.config.timeZone);
      for (const [point, sv] of values) {
        const p = this.points.get(pointKey(asset, point));
        if (!p) {
          this.refuseOnce(asset, point, "schedule names a point not declared writable on this agent");
          continue;
        }
        if (p.cfg.critical) {
          this.refuseOnce(asset, point, "critical point: schedules never act on it");
          continue;
        }
        if (
          sv.value < p.cfg.min ||
          sv.value > p.cfg.max ||
          (p.cfg.states && !Object.hasOwn(p.cfg.states, String(sv.value)))
        ) {
          this.refuseOnce(asset, point, `schedule value ${sv.value} outside the point's limits`);
          continue;
        }
        seen.add(p.key);
        p.array.set("schedule", { value: sv.value, holder: `schedule:${schedule.template ?? asset}` });
        if (p.scheduled !== sv.value) {
          this.event({ asset, point, kind: "transition", value: sv.value, detail: sv.why });
          p.scheduled = sv.value;
        }
      }
    }
    for (const p of this.points.values())
      if (!seen.has(p.key) && p.array.relinquish("schedule") !== undefined) p.scheduled = undefined;
  }

  private runDemand(now: number): void {
    const d = this.opts.config.demand;
    if (!d || !this.limiter || !this.desired.limits[d.asset]) return;
    const canShed = (point: string): boolean => {
      const p = this.points.get(pointKey(d.asset, point));
      if (!p) {
        this.refuseOnce(d.asset, point, "shed names a point not declared writable on this agent");
        return false;
      }
      if (p.cfg.critical) {
        this.refuseOnce(d.asset, point, "critical point: demand limiting never sheds it");
        return false;
      }
      return true;
    };
    const step = this.limiter.step(now, canShed);
    if (!step) return;
    const detail = `forecast ${step.forecastKw.toFixed(1)} kW, limit ${this.limiter.limit.limitKw} kW`;
    if (step.action === "shed") {
      const p = this.points.get(pointKey(d.asset, step.point));
      const value = Math.min(p!.cfg.max, Math.max(p!.cfg.min, step.value ?? p!.cfg.failSafe));
      p!.array.set("demand_limit", { value, holder: "demand_limit" });
      this.event({ asset: d.asset, point: step.point, kind: "shed", value, detail });
    } else this.restore(d.asset, step.point, detail);
  }

  /**
   * One evaluation: expiries, schedules, demand, then writes and read-backs.
   * With `readBacks: false` (a new desired state is acted on at once) only
   * the writes it asks and the read-backs owed to a point are made; the
   * periodic read-backs wait for the regular tick, so the other points'
   * device round trips are not in a command's way.
   */
  tick(opts: { readBacks?: boolean } = {}): Promise<void> {
    const readBacks = opts.readBacks ?? true;
    if (this.ticking) {
      // Asked while one runs (a new desired state mid-tick): one more follows, or the change waits a tick.
      this.tickAgain = { readBacks: readBacks || (this.tickAgain?.readBacks ?? false) };
      return this.ticking;
    }
    this.ticking = this.tickOnce(readBacks).finally(() => {
      this.ticking = null;
      const again = this.tickAgain;
      if (again) {
        this.tickAgain = null;
        this.tick(again).catch((e) => this.log(`control: tick failed: ${(e as Error).stack ?? e}`));
      }
    });
    return this.ticking;
  }

  /** Resolves when no tick is running. */
  async idle(): Promise<void> {
    while (this.ticking) await this.ticking.catch(() => {});
  }

  private async tickOnce(readBacks: boolean): Promise<void> {
    const now = this.now();
    this.deferredWriteAt = null;
    for (const p of this.points.values()) {
      for (const level of p.array.expire(now)) {
        if (level === "operator" && p.command) {
          this.report(p.command.id, "expired");
          p.command = undefined;
        }
        if (level === "manual") {
          delete p.memory.manual;
          this.opts.store.saveMemory(p.key, p.memory);
          this.event({
            asset: p.cfg.asset,
            point: p.cfg.point,
            kind: "manual_override",
            value: p.actual,
            detail: "hold ended: automatic control resumes",
          });
        }
      }
    }
    if (now >= this.judgeFrom) this.driveContext.judging = true;
    this.runInterlocks();
    this.runSchedules(now);
    this.runDemand(now);
    const states: Point[] = [];
    for (const p of this.points.values()) {
      const deferred = await drive(this.driveContext, p, now, readBacks);
      if (deferred !== null)
        this.deferredWriteAt =
          this.deferredWriteAt === null ? deferred : Math.min(this.deferredWriteAt, deferred);
      const e = p.array.effective();
      const fields: Record<string, number> = { commanded: e.value, priority: priorityRank(e.priority) };
      if (p.memory.lastWritten !== undefined) fields.effective = p.memory.lastWritten;
      if (p.actual !== undefined) fields.actual = p.actual;
      // A point whenever any of its fields changes (a write, a read-back, a new holder), and every minute.
      const signature = JSON.stringify(fields);
      if (signature !== p.lastSignature || now - p.lastStatePointAt >= STATE_POINT_INTERVAL_MS) {
        p.lastSignature = signature;
        p.lastStatePointAt = now;
        states.push({
          measurement: "control",
          tags: { site: this.opts.site, asset: p.cfg.asset, point: p.cfg.point },
          fields,
          ts: now,
        });
      }
    }
    if (states.length > 0) this.opts.emit?.(states);
  }
}
