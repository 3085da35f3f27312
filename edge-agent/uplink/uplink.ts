// Drains the queue to central: read the oldest batch, send it, and delete
// only what central acknowledged. Retryable outcomes keep the batch and wait
// (exponential backoff with full jitter — Brooker, "Exponential Backoff And
// Jitter", AWS Architecture Blog 2015 — but never less than Retry-After);
// a rejected batch is moved to the dead-letter table so one bad point cannot
// block everything behind it. When central names the refused points
// (`details.rejected`), only those are dead-lettered and the batch's other
// points are sent again at once: a neighbour's mistake costs nothing.
// While backing off, central's readiness is probed so that its return is
// noticed within seconds, not at the end of a long back-off (recovery.ts).
import type { ErrorCode, Rejection } from "../../common/errors.ts";
import type { IngestAck } from "../../common/wire.ts";
import { type PointQueue, reasonOf } from "../queue/queue.ts";
import { type ProbeResult, type RecoveryOptions, type RecoveryOutcome, waitForRecovery } from "./recovery.ts";
import { isRefusedInPart, type UplinkTransport } from "./transport.ts";

/** Cap of the retry back-off unless configured (`central.backoffMaxMs`), ms. */
export const DEFAULT_BACKOFF_MAX_MS = 30_000;

/** Probing central's readiness while backing off. */
export interface RecoveryProbing extends RecoveryOptions {
  readonly probe: () => Promise<ProbeResult>;
  /** Called when a wait ended early because central came back. */
  readonly onRecovered?: (o: RecoveryOutcome) => void;
}

export interface UplinkOptions {
  readonly agentId: string;
  readonly site: string;
  readonly batchMaxPoints: number;
  readonly flushIntervalMs: number;
  /** First backoff step and its cap, ms (default 500 and DEFAULT_BACKOFF_MAX_MS). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Probe central's readiness while backing off (absent: plain back-off). */
  readonly recovery?: RecoveryProbing;
  /**
   * Ceiling of the send rate while catching up on a backlog, points/s: after
   * an outage 500 agents must not hit central with their whole queues at
   * once. Absent = no ceiling.
   */
  readonly maxPointsPerSecond?: number;
  /** Uniform [0,1) source for jitter (tests pass a fixed one). */
  readonly random?: () => number;
  readonly onAcked?: (points: number, ack: IngestAck) => void;
  /** Points set aside as dead letters, once per code and reason. */
  readonly onDeadLettered?: (points: number, code: ErrorCode, message: string) => void;
  /** Central refused a batch (in part or whole): what the agent knows of central's catalog may be stale. */
  readonly onRefused?: (rejected: readonly Rejection[]) => void;
  readonly onRetry?: (code: ErrorCode, message: string, waitMs: number) => void;
}

export type FlushOutcome =
  | { kind: "empty" }
  | { kind: "acked"; batchId: string; points: number; duplicate: boolean }
  | {
      kind: "retry";
      batchId: string;
      code: ErrorCode;
      message: string;
      waitMs: number;
      /** Central's Retry-After (or the transport's floor), ms: never retried sooner. */
      retryAfterMs: number;
    }
  | {
      kind: "dead_lettered";
      batchId: string;
      points: number;
      code: ErrorCode;
      message: string;
      /** Points of the batch central did not refuse: still queued, sent again at once. */
      kept: number;
    };

export interface Uplink {
  /** Sends one batch (if any) and reports what happened; no waiting. */
  flushOnce(): Promise<FlushOutcome>;
  /** Runs the send loop until `stop()`. */
  start(): void;
  /** Asks the loop to send now (e.g. a full batch is waiting), unless it is backing off. */
  nudge(): void;
  stop(): Promise<void>;
  /** Consecutive retryable failures (0 when the last send succeeded). */
  readonly failures: number;
}

/**
 * Wait before retry number `attempt` (0-based): full jitter up to a doubling
 * ceiling, never less than `atLeastMs` (Retry-After) plus a little jitter.
 */
export function backoffMs(
  attempt: number,
  atLeastMs: number,
  o: { baseMs: number; maxMs: number; random: () => number },
): number {
  const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(attempt, 30));
  // Retry-After is a floor; jitter goes on top so agents told the same time do not stampede.
  return Math.max(atLeastMs + o.random() * o.baseMs, o.random() * ceiling);
}

/** The refusals, if they name distinct points of a batch of `size`; else null (the whole batch is refused). */
function refusedPointsOf(rejected: readonly Rejection[], size: number): readonly Rejection[] | null {
  const seen = new Set<number>();
  for (const r of rejected) {
    if (r.index >= size || seen.has(r.index)) return null;
    seen.add(r.index);
  }
  return rejected;
}

/**
 * What a send loop does after a step: wait (cut short by a nudge when
 * `nudgeable`; a back-off after a failure when `retry`, cut short when
 * central is seen to return), or go on at once (null).
 */
export type LoopWait = {
  readonly waitMs: number;
  readonly nudgeable: boolean;
  readonly retry?: { readonly floorMs: number };
} | null;

export interface SendLoop {
  start(): void;
  /** Ends a nudgeable wait now (e.g. a full batch is waiting); a back-off is not cut short. */
  nudge(): void;
  /** Ends any wait and returns once the step in flight is done. */
  stop(): Promise<void>;
}

/** Runs `step` over and over until stopped, waiting as each step says. */
export function createSendLoop(
  step: () => Promise<LoopWait>,
  recovery?: RecoveryProbing,
  random: () => number = Math.random,
): SendLoop {
  let running = false;
  let nudgeable = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => wake?.(), ms);
      wake = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
    });
  async function run(): Promise<void> {
    while (running) {
      const wait = await step();
      if (!running) break;
      if (wait === null) continue;
      if (wait.retry && recovery) {
        const outcome = await waitForRecovery(wait.waitMs, wait.retry.floorMs, recovery, {
          now: Date.now,
          sleep,
          probe: recovery.probe,
          random,
          stopped: () => !running,
        });
        if (outcome.cutShort) recovery.onRecovered?.(outcome);
        continue;
      }
      nudgeable = wait.nudgeable;
      await sleep(wait.waitMs);
      nudgeable = false;
    }
  }
  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    nudge() {
      if (nudgeable) wake?.();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = null;
    },
  };
}

export function createUplink(queue: PointQueue, transport: UplinkTransport, options: UplinkOptions): Uplink {
  const baseMs = options.backoffBaseMs ?? 500;
  const maxMs = options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS;
  const random = options.random ?? Math.random;
  let failures = 0;
  /** Last sequence of a batch that got no acknowledgement: re-send exactly those rows. */
  let retryUntilSeq: number | undefined;

  const backoff = (attempt: number, atLeastMs: number): number =>
    backoffMs(attempt, atLeastMs, { baseMs, maxMs, random });

  async function flushOnce(): Promise<FlushOutcome> {
    let batch = queue.peek(options.batchMaxPoints, retryUntilSeq);
    if (batch === null && retryUntilSeq !== undefined) {
      retryUntilSeq = undefined;
      batch = queue.peek(options.batchMaxPoints);
    }
    if (batch === null) return { kind: "empty" };
    const result = await transport.send({
      batchId: batch.batchId,
      agent: options.agentId,
      site: options.site,
      sentAt: Date.now(),
      points: batch.points,
    });
    switch (result.kind) {
      case "success": {
        const n = queue.ack(batch);
        failures = 0;
        retryUntilSeq = undefined;
        options.onAcked?.(n, result.value);
        return { kind: "acked", batchId: batch.batchId, points: n, duplicate: result.value.duplicate };
      }
      case "retryable": {
        const waitMs = backoff(failures, result.retryInMillis);
        failures++;
        retryUntilSeq = batch.lastSeq;
        options.onRetry?.(result.code, result.message, waitMs);
        return {
          kind: "retry",
          batchId: batch.batchId,
          code: result.code,
          message: result.message,
          waitMs,
          retryAfterMs: result.retryInMillis,
        };
      }
      case "failure": {
        failures = 0;
        retryUntilSeq = undefined;
        const named = isRefusedInPart(result) ? refusedPointsOf(result.rejected, batch.points.length) : null;
        let n: number;
        if (named) {
          n = queue.deadLetterRows(batch, named);
          const groups = new Map<string, { code: ErrorCode; reason: string; points: number }>();
          for (const r of named) {
            const reason = reasonOf(r.message);
            const key = `${r.code}\n${reason}`;
            const g = groups.get(key) ?? { code: r.code, reason, points: 0 };
            g.points++;
            groups.set(key, g);
          }
          for (const g of groups.values())
            options.onDeadLettered?.(g.points, g.code, `${g.reason} (batch ${batch.batchId})`);
        } else {
          n = queue.deadLetter(batch, result.code, result.message);
          options.onDeadLettered?.(n, result.code, result.message);
        }
        options.onRefused?.(named ?? []);
        return {
          kind: "dead_lettered",
          batchId: batch.batchId,
          points: n,
          code: result.code,
          message: result.message,
          kept: batch.points.length - n,
        };
      }
    }
  }

  const loop = createSendLoop(
    async () => {
      let outcome: FlushOutcome;
      const sentAt = Date.now();
      try {
        outcome = await flushOnce();
      } catch (e) {
        // A bug (the transport returns values); keep the loop alive and the data queued.
        outcome = {
          kind: "retry",
          batchId: "",
          code: "INTERNAL",
          message: String(e),
          waitMs: baseMs,
          retryAfterMs: 0,
        };
      }
      if (outcome.kind === "retry")
        return { waitMs: outcome.waitMs, nudgeable: false, retry: { floorMs: outcome.retryAfterMs } };
      // The points central did not refuse go again at once, in a batch of their own.
      if (outcome.kind === "dead_lettered" && outcome.kept > 0) return null;
      if (outcome.kind === "empty" || queue.stats().depth < options.batchMaxPoints)
        return { waitMs: options.flushIntervalMs, nudgeable: true };
      if (options.maxPointsPerSecond !== undefined && outcome.kind === "acked") {
        // A backlog: send the next full batch as soon as the rate ceiling allows.
        const minGapMs = (outcome.points / options.maxPointsPerSecond) * 1000;
        const waitMs = minGapMs - (Date.now() - sentAt);
        // A nudge must not bypass the ceiling.
        if (waitMs > 0) return { waitMs, nudgeable: false };
      }
      return null; // a full batch is waiting, send it right away
    },
    options.recovery,
    random,
  );

  return {
    flushOnce,
    ...loop,
    get failures() {
      return failures;
    },
  };
}
