// The store-and-forward queue between acquisition and uplink. Points are
// enqueued as soon as they are acquired and deleted only once central has
// acknowledged them, so an uplink outage costs nothing but disk space — up
// to a byte cap, past which the least valuable, oldest points go first.
import type { ErrorCode, Rejection } from "../../common/errors.ts";
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
  // What the agent did to a building outlives telemetry in a full queue.
  control: Priorities.health,
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
  /** The sequence of each point (there may be gaps: dropped or dead-lettered rows). */
  readonly seqs: readonly number[];
}

/**
 * Points central refused (or the agent refused before sending, as central's
 * catalog says it would), kept with why, for an operator to list and, once
 * central's configuration is fixed, send again (`vetra edge dead-letters`).
 */
export interface DeadLetter {
  readonly id: number;
  /** When it was set aside, ms. */
  readonly at: number;
  /** The batch it was refused in, or `local:<source>` for points refused before sending. */
  readonly origin: string;
  readonly code: string;
  readonly message: string;
  readonly points: number;
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
  /**
   * Moves the points central refused (by their index in the batch) into the
   * dead-letter store, one letter per code and reason; the batch's other
   * points stay queued, to be sent again. Returns how many moved.
   */
  deadLetterRows(batch: QueueBatch, rejected: readonly Rejection[]): number;
  /**
   * Keeps points that were never queued as dead letters (refused before
   * sending); consecutive refusals of one origin, code and reason share a
   * letter up to DEAD_LETTER_MAX_POINTS points.
   */
  refuse(points: readonly Point[], origin: string, code: ErrorCode, message: string): void;
  listDeadLetters(): DeadLetter[];
  /** Moves dead letters (all, or those ids) back into the queue; how many letters and points moved. */
  resendDeadLetters(ids: readonly number[] | "all"): { letters: number; points: number };
  /** Drops points older than the age cap; returns how many. */
  pruneExpired(nowMs?: number): number;
  stats(): QueueStats;
  close(): void;
}

export interface QueueOptions {
  /** Folder for durable implementations. */
  readonly dir: string;
  /** Cap of the queued points; dead letters have a cap of a quarter of it beside it, oldest dropped first. */
  readonly maxBytes: number;
  readonly maxAgeHours: number;
  /**
   * Durable implementations: 0 syncs every write to disk before it returns; > 0 lets writes reach
   * the operating system at once (a killed process loses nothing) and the disk within this many ms,
   * off the caller's thread (a power cut loses at most that). Default 0.
   */
  readonly syncIntervalMs?: number;
  /** A background sync failed (logged once per streak of failures). */
  readonly onSyncError?: (message: string) => void;
}

/** Points per dead letter at most when refusals are merged into one (one line per letter when listed). */
export const DEAD_LETTER_MAX_POINTS = 1000;
/** What decides whether refused points join the newest dead letter: its origin, refusal and size. */
export interface LetterHead {
  origin: string;
  code: string;
  message: string;
  points: number;
}

/**
 * Refused points join the newest letter when it holds the same origin, code
 * and reason and stays within DEAD_LETTER_MAX_POINTS; otherwise they open a
 * letter of their own.
 */
export const joinsLetter = <L extends LetterHead>(last: L | undefined, next: LetterHead): last is L =>
  last !== undefined &&
  last.origin === next.origin &&
  last.code === next.code &&
  last.message === next.message &&
  last.points + next.points <= DEAD_LETTER_MAX_POINTS;

/** Dead letters may hold this share of the queue's byte cap; past it the oldest letters are dropped (counted). */
export const deadLetterCapBytes = (o: QueueOptions): number => Math.floor(o.maxBytes / 4);

/** `points[12].tags.point: …` → `tags.point: …`: the reason without the index, shared by a batch's alike refusals. */
export const reasonOf = (message: string): string => message.replace(/^(points|snapshots)\[\d+\]\./, "");

export const pointBytes = (p: Point): number => Buffer.byteLength(JSON.stringify(p));

/**
 * A batch's id: the queue's epoch and its first and last sequence, and its
 * number of rows where rows between them are gone (dead-lettered, dropped),
 * so different rows never share an id. Rows only ever leave a queue, so the
 * count tells the row sets with the same ends apart.
 */
export const batchIdOf = (epoch: string, firstSeq: number, lastSeq: number, rows?: number): string =>
  rows === undefined || rows === lastSeq - firstSeq + 1
    ? `${epoch}-${firstSeq}-${lastSeq}`
    : `${epoch}-${firstSeq}-${lastSeq}-${rows}`;
