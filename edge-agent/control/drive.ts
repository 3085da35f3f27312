// How the controller (controller.ts) drives one point: the write its
// effective value asks (within the wear limits), the read-back after it and
// between writes, and what a value read back means — the agent's own write,
// a change made at the device (held at the `manual` level, not fought), or,
// after a restart that may have lost the last records (store.ts), a value
// not judged until central's desired state is back.
import type { CommandState, ControlEvent } from "../../common/control.ts";
import type { IoResult } from "../../common/result.ts";
import type { PointWriter } from "../sources/write.ts";
import { toleranceOf } from "./limits.ts";
import type { Effective, PriorityArray } from "./priority.ts";
import type { ControlConfig, ControlPointConfig } from "./schema.ts";
import type { ControlStore, PointMemory } from "./store.ts";

export interface PointRuntime {
  readonly cfg: ControlPointConfig;
  readonly key: string;
  readonly array: PriorityArray;
  readonly writer: PointWriter;
  memory: PointMemory;
  actual?: number;
  lastReadAt: number;
  /** The operator command holding the level, and whether it was reported applied. */
  command?: { id: string; applied: boolean };
  scheduled?: number;
  lastStatePointAt: number;
  lastSignature?: string;
  /** A write failed on a broken link: reported once per outage. */
  linkDown: boolean;
  /** The last write failed (refused, link down): the next that succeeds is reported `write_restored`. */
  failing: boolean;
  /** The target a write of which the device refused (not retried until the target changes). */
  refusedTarget?: number;
  /** A read-back after the start that is neither the last write recorded nor what arbitration wants, not judged yet. */
  unexplained?: number;
}

/** The operator command the point's effective value comes from, if any. */
const commandInForce = (p: PointRuntime, e: Effective): PointRuntime["command"] =>
  e.priority === "operator" && p.command?.id === e.holder ? p.command : undefined;

/** What driving a point needs from its controller. */
export interface DriveContext {
  readonly config: ControlConfig;
  readonly store: ControlStore;
  /** Unexplained read-backs are judged (central's desired state taken since the start, or STARTUP_JUDGE_MS passed). */
  judging: boolean;
  report(id: string, state: CommandState, reason?: string, actual?: number): void;
  event(e: Omit<ControlEvent, "at">): void;
}

/**
 * Writes what the point's effective value asks (within the rate limits), or
 * reads it back: every readBackIntervalMs when `periodic` (to notice changes
 * at the device), and whenever one is owed (a new command, the start, an
 * unexplained value now to be judged). Returns when a write held back by the
 * wear limit may go, or null.
 */
export async function drive(
  ctx: DriveContext,
  p: PointRuntime,
  now: number,
  periodic: boolean,
): Promise<number | null> {
  const { cfg } = p;
  const tol = toleranceOf(cfg);
  const e = p.array.effective();
  const target = e.value;
  const m = p.memory;
  const needsWrite =
    e.priority !== "manual" &&
    p.refusedTarget !== target &&
    // An unexplained value waits for its judgment, unless an interlock asks: safety is never held back.
    (p.unexplained === undefined || e.priority === "safety") &&
    (m.lastWritten === undefined ||
      Math.abs(m.lastWritten - target) > tol ||
      (p.actual !== undefined && Math.abs(p.actual - target) > tol));
  const mayWrite = m.lastWriteAt === undefined || now - m.lastWriteAt >= cfg.minWriteIntervalMs;
  if (needsWrite && !mayWrite) return m.lastWriteAt! + cfg.minWriteIntervalMs;
  if (needsWrite && mayWrite) {
    let value = target;
    const base = m.lastWritten ?? p.actual;
    if (cfg.maxRatePerMinute !== undefined && base !== undefined) {
      const elapsed = m.lastWriteAt === undefined ? cfg.minWriteIntervalMs : now - m.lastWriteAt;
      const step = (cfg.maxRatePerMinute * elapsed) / 60_000;
      value = base + Math.max(-step, Math.min(step, target - base));
    }
    await write(ctx, p, value, target, e, now, tol);
    return null;
  }
  if (
    p.lastReadAt === -Infinity ||
    (periodic && now - p.lastReadAt >= ctx.config.readBackIntervalMs) ||
    (p.unexplained !== undefined && ctx.judging)
  )
    await readBack(ctx, p, now, tol);
  return null;
}

async function write(
  ctx: DriveContext,
  p: PointRuntime,
  value: number,
  target: number,
  e: Effective,
  now: number,
  tol: number,
): Promise<void> {
  // A writer answers with an I/O result; one that throws all the same (a driver's bug) fails the write, not the tick.
  const result = await p.writer.write(value).catch(
    (e: unknown): IoResult<number> => ({
      kind: "failure",
      code: "INTERNAL",
      message: `write threw: ${e instanceof Error ? e.message : String(e)}`,
    }),
  );
  // What the write changed (memory, reports, events) is stored in one transaction after it.
  ctx.store.batch(() => {
    const { cfg } = p;
    const m = p.memory;
    m.lastWriteAt = now;
    p.lastReadAt = now;
    const command = commandInForce(p, e);
    if (result.kind === "success") {
      m.lastWritten = value;
      p.unexplained = undefined;
      p.actual = result.value;
      p.linkDown = false;
      ctx.store.saveMemory(p.key, m);
      const ok = Math.abs(result.value - value) <= tol;
      if (ok && p.failing) {
        p.failing = false;
        ctx.event({ asset: cfg.asset, point: cfg.point, kind: "write_restored", value });
      }
      if (command && !command.applied) {
        command.applied = true;
        ctx.report(command.id, "applied", undefined, result.value);
      }
      if (!ok) {
        p.refusedTarget = target;
        const detail = `wrote ${value}, device reads back ${result.value}`;
        p.failing = true;
        ctx.event({ asset: cfg.asset, point: cfg.point, kind: "write_failed", value, detail });
        if (command) fail(ctx, p, command.id, detail, result.value);
      } else if (command && Math.abs(value - target) <= tol)
        ctx.report(command.id, "confirmed", undefined, result.value);
      return;
    }
    if (result.kind === "failure") {
      // The device refused the value (an exception, a Bad status): retried only when the target changes.
      p.refusedTarget = target;
      p.failing = true;
      ctx.store.saveMemory(p.key, m);
      ctx.event({
        asset: cfg.asset,
        point: cfg.point,
        kind: "write_failed",
        value,
        detail: `${result.code}: ${result.message}`,
      });
      if (command) fail(ctx, p, command.id, `${result.code}: ${result.message}`);
      return;
    }
    // No answer (a timeout, the link down): the command fails with the reason — the operator learns now,
    // not when the link returns —, and what the levels below ask is written again once it does.
    p.failing = true;
    if (command) fail(ctx, p, command.id, `${result.code}: ${result.message}`);
    if (!p.linkDown) {
      p.linkDown = true;
      ctx.event({
        asset: cfg.asset,
        point: cfg.point,
        kind: "write_failed",
        value,
        detail: `${result.code}: ${result.message} (retrying)`,
      });
    }
  });
}

/** A failed command is no longer in force: the level below it acts (central drops it from the desired state too). */
function fail(ctx: DriveContext, p: PointRuntime, id: string, reason: string, actual?: number): void {
  ctx.report(id, "failed", reason, actual);
  p.array.relinquish("operator");
  p.command = undefined;
}

async function readBack(ctx: DriveContext, p: PointRuntime, now: number, tol: number): Promise<void> {
  p.lastReadAt = now;
  const r = await p.writer
    .read()
    .catch((e: unknown): IoResult<number> => ({ kind: "failure", code: "INTERNAL", message: String(e) }));
  if (r.kind !== "success") return;
  p.actual = r.value;
  // What the value read changes (memory, reports, events): one transaction.
  ctx.store.batch(() => judgeReadBack(ctx, p, r.value, now, tol));
}

function judgeReadBack(ctx: DriveContext, p: PointRuntime, v: number, now: number, tol: number): void {
  const m = p.memory;
  const { cfg } = p;
  const holdMinutes = cfg.manualHoldMinutes ?? ctx.config.manualHoldMinutes;
  const holdMs = holdMinutes * 60_000;
  const manual = p.array.get("manual");
  const e = p.array.effective();
  if (manual) {
    p.unexplained = undefined;
    if (Math.abs(manual.value - v) <= tol) return;
    // Changed again at the device during the hold: the new value is held from now.
    holdManual(ctx, p, v, now + holdMs, `changed again at the device; held ${holdMinutes} min`);
    return;
  }
  if (m.lastWritten !== undefined && Math.abs(m.lastWritten - v) > tol) {
    if (Math.abs(e.value - v) <= tol) {
      // What arbitration wants is at the device: the agent's own write, whose record a power cut took.
      m.lastWritten = v;
      ctx.store.saveMemory(p.key, m);
    } else if (!ctx.judging) {
      p.unexplained = v;
      return;
    } else if (holdMs > 0) {
      p.unexplained = undefined;
      holdManual(
        ctx,
        p,
        v,
        now + holdMs,
        `changed at the device from ${m.lastWritten} to ${v}; held ${holdMs / 60_000} min`,
      );
      return;
    }
  }
  p.unexplained = undefined;
  // A command whose value the device holds, written by this agent: applied and confirmed without a write.
  const command = commandInForce(p, e);
  if (
    command &&
    !command.applied &&
    m.lastWritten !== undefined &&
    Math.abs(m.lastWritten - e.value) <= tol &&
    Math.abs(v - e.value) <= tol
  ) {
    command.applied = true;
    ctx.report(command.id, "applied", undefined, v);
    ctx.report(command.id, "confirmed", undefined, v);
  }
}

function holdManual(ctx: DriveContext, p: PointRuntime, value: number, until: number, detail: string): void {
  p.memory.manual = { value, until };
  p.array.set("manual", { value, holder: "device", until });
  ctx.store.saveMemory(p.key, p.memory);
  ctx.event({ asset: p.cfg.asset, point: p.cfg.point, kind: "manual_override", value, detail });
}
