// Queue implementations by name (config `queue.kind`).
import { openMemoryQueue } from "./memory.ts";
import type { PointQueue, QueueOptions } from "./queue.ts";
import { openSqliteQueue } from "./sqlite.ts";

export const queueImplementations = {
  memory: openMemoryQueue,
  sqlite: openSqliteQueue,
} as const satisfies Record<string, (options: QueueOptions) => PointQueue>;

export type QueueKind = keyof typeof queueImplementations;

export const openQueue = (kind: QueueKind, options: QueueOptions): PointQueue =>
  queueImplementations[kind](options);
