// The store-and-forward queue between acquisition and uplink. Points are
// enqueued as soon as they are acquired and deleted only once central has
// acknowledged them, so an uplink outage costs nothing but disk space — up
// to a byte cap, past which the least valuable, oldest points go first.
import type { ErrorCode } from "../../common/errors.ts";
import type { Measurement } from "../../common/names.ts";
import type { Point } from "../../common/wire.ts";

/** Higher survives longer when the queue is full. */
export const Priorities = { raw_waveform: 0, telemetry: 1, health: 2 } as const;
export type Priority = (typeof Priorities)[keyof typeof Priorities];

const priorityByMeasurement: Record<Measurement, Priority> = {
  vibration: Priorities.telemetry,
  scada: Priorities.telemetry,
  meter: Priorities.telemetry,
  weather: Priorities.telemetry,
  diagnosis: Priorities.health,
  agent: Priorities.health,
};
/** Raw waveforms < features/scada/meter < diagnoses/agent health. */
export const priorityOf = (p: Point): Priority => priorityByMeasurement[p.measurement];

/** A run of consecutive queued points handed to the uplink. */
export interface QueueBatch {
  /** Stable for the same rows: a re-send after a lost ack carries the same id. */
  readonly batchId: string;
  readonly points: Point[];
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export interface QueueStats {
  depth: number;
  bytes: number;
  /** Points dropped since this queue was opened (byte cap or age). */
  dropped: number;
  /** Points moved to the dead-letter store since this queue was opened. */
  deadLettered: number;
  /** Timestamp of the oldest queued point, ms, or null when empty. */
  oldestTs: number | null;
}

export interface QueueCapabilities {
  /** Contents survive close + reopen of the same directory. */
  readonly durable: boolean;
}

export interface PointQueue {
  readonly capabilities: QueueCapabilities;
  /** Appends points (priority from each point's measurement unless given); returns how many were dropped to make room. */
  enqueue(points: readonly Point[], priority?: Priority): { dropped: number };
  /**
   * The oldest up to `maxPoints` points, without removing them; null when
   * empty. `untilSeq` stops the batch at that sequence, so a retry re-sends
   * exactly the rows (and so the batch id) of the attempt before.
   */
  peek(maxPoints: number, untilSeq?: number): QueueBatch | null;
  /** Deletes the rows of an acknowledged batch (and only those); returns how many were deleted. */
  ack(batch: QueueBatch): number;
  /** Moves a rejected batch out of the queue into the dead-letter store; returns how many moved. */
  deadLetter(batch: QueueBatch, code: ErrorCode, message: string): number;
  /** Drops points older than the age cap; returns how many. */
  pruneExpired(nowMs?: number): number;
  stats(): QueueStats;
  close(): void;
}

export interface QueueOptions {
  /** Folder for durable implementations. */
  readonly dir: string;
  readonly maxBytes: number;
  readonly maxAgeHours: number;
}

export const pointBytes = (p: Point): number => Buffer.byteLength(JSON.stringify(p));

export const batchIdOf = (epoch: string, firstSeq: number, lastSeq: number): string =>
  `${epoch}-${firstSeq}-${lastSeq}`;
