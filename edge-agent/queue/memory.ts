// In-memory queue: same contract as the disk queue minus durability. For
// tests and for agents that may lose data on restart by choice.
import { randomBytes } from "node:crypto";
import type { ErrorCode } from "../../common/errors.ts";
import type { Point } from "../../common/wire.ts";
import {
  batchIdOf,
  type PointQueue,
  type Priority,
  pointBytes,
  priorityOf,
  type QueueBatch,
  type QueueOptions,
  type QueueStats,
} from "./queue.ts";

interface Row {
  seq: number;
  priority: Priority;
  bytes: number;
  point: Point;
}

export interface DeadLetter {
  batchId: string;
  code: ErrorCode;
  message: string;
  points: Point[];
}

export function openMemoryQueue(options: QueueOptions): PointQueue & { readonly deadLetters: DeadLetter[] } {
  const epoch = randomBytes(6).toString("hex");
  let rows: Row[] = [];
  let nextSeq = 1;
  let bytes = 0;
  let dropped = 0;
  let deadLettered = 0;
  const deadLetters: DeadLetter[] = [];

  const removeWhere = (pred: (r: Row) => boolean): Row[] => {
    const removed: Row[] = [];
    rows = rows.filter((r) => {
      if (pred(r)) {
        removed.push(r);
        bytes -= r.bytes;
        return false;
      }
      return true;
    });
    return removed;
  };

  const enforceCap = (): number => {
    if (bytes <= options.maxBytes) return 0;
    // Oldest of the lowest priority first.
    const victims = [...rows].sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    const doomed = new Set<number>();
    let over = bytes - options.maxBytes;
    for (const v of victims) {
      if (over <= 0) break;
      doomed.add(v.seq);
      over -= v.bytes;
    }
    const n = removeWhere((r) => doomed.has(r.seq)).length;
    dropped += n;
    return n;
  };

  return {
    capabilities: { durable: false },
    deadLetters,
    enqueue(points, priority) {
      for (const point of points) {
        const b = pointBytes(point);
        rows.push({ seq: nextSeq++, priority: priority ?? priorityOf(point), bytes: b, point });
        bytes += b;
      }
      return { dropped: enforceCap() };
    },
    peek(maxPoints, untilSeq = Number.MAX_SAFE_INTEGER) {
      if (rows.length === 0 || maxPoints < 1) return null;
      const slice = rows.slice(0, maxPoints).filter((r) => r.seq <= untilSeq);
      if (slice.length === 0) return null;
      const firstSeq = slice[0]!.seq;
      const lastSeq = slice[slice.length - 1]!.seq;
      return {
        batchId: batchIdOf(epoch, firstSeq, lastSeq),
        points: slice.map((r) => r.point),
        firstSeq,
        lastSeq,
      };
    },
    ack(batch: QueueBatch) {
      return removeWhere((r) => r.seq >= batch.firstSeq && r.seq <= batch.lastSeq).length;
    },
    deadLetter(batch, code, message) {
      const moved = removeWhere((r) => r.seq >= batch.firstSeq && r.seq <= batch.lastSeq);
      if (moved.length > 0) {
        deadLetters.push({ batchId: batch.batchId, code, message, points: moved.map((r) => r.point) });
        deadLettered += moved.length;
      }
      return moved.length;
    },
    pruneExpired(nowMs = Date.now()) {
      const cutoff = nowMs - options.maxAgeHours * 3_600_000;
      const n = removeWhere((r) => r.point.ts < cutoff).length;
      dropped += n;
      return n;
    },
    stats(): QueueStats {
      let oldestTs: number | null = null;
      for (const r of rows) if (oldestTs === null || r.point.ts < oldestTs) oldestTs = r.point.ts;
      return { depth: rows.length, bytes, dropped, deadLettered, oldestTs };
    },
    close() {
      rows = [];
      bytes = 0;
    },
  };
}
