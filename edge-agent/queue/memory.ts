// In-memory queue: same contract as the disk queue minus durability. For
// tests and for agents that may lose data on restart by choice.
import { randomBytes } from "node:crypto";
import type { ErrorCode } from "../../common/errors.ts";
import type { Point } from "../../common/wire.ts";
import type { DeadLetter, PointQueue, Priority, QueueBatch, QueueOptions, QueueStats } from "./queue.ts";
import { batchIdOf, deadLetterCapBytes, joinsLetter, pointBytes, priorityOf, reasonOf } from "./queue.ts";

interface Row {
  seq: number;
  priority: Priority;
  bytes: number;
  point: Point;
}

/** A dead letter with its points. */
export interface HeldDeadLetter extends DeadLetter {
  points: number;
  held: Point[];
  bytes: number;
}

export function openMemoryQueue(
  options: QueueOptions,
): PointQueue & { readonly deadLetters: readonly HeldDeadLetter[] } {
  const epoch = randomBytes(6).toString("hex");
  let rows: Row[] = [];
  let nextSeq = 1;
  let bytes = 0;
  let dropped = 0;
  let deadLettered = 0;
  let deadLetters: HeldDeadLetter[] = [];
  let nextLetter = 1;
  const deadCap = deadLetterCapBytes(options);
  const addDead = (origin: string, code: string, message: string, points: readonly Point[]): void => {
    if (points.length === 0) return;
    const held = [...points];
    deadLetters.push({
      id: nextLetter++,
      at: Date.now(),
      origin,
      code,
      message,
      points: held.length,
      held,
      bytes: held.reduce((n, p) => n + pointBytes(p), 0),
    });
    deadLettered += held.length;
    enforceDeadCap();
  };
  const enforceDeadCap = (): void => {
    let total = deadLetters.reduce((n, d) => n + d.bytes, 0);
    while (total > deadCap && deadLetters.length > 0) {
      const oldest = deadLetters.shift()!;
      total -= oldest.bytes;
      dropped += oldest.points;
    }
  };

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
    get deadLetters() {
      return deadLetters;
    },
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
        batchId: batchIdOf(epoch, firstSeq, lastSeq, slice.length),
        points: slice.map((r) => r.point),
        firstSeq,
        lastSeq,
        seqs: slice.map((r) => r.seq),
      };
    },
    ack(batch: QueueBatch) {
      return removeWhere((r) => r.seq >= batch.firstSeq && r.seq <= batch.lastSeq).length;
    },
    deadLetter(batch, code, message) {
      const moved = removeWhere((r) => r.seq >= batch.firstSeq && r.seq <= batch.lastSeq);
      addDead(
        batch.batchId,
        code,
        message,
        moved.map((r) => r.point),
      );
      return moved.length;
    },
    deadLetterRows(batch, rejected) {
      const groups = new Map<string, { code: ErrorCode; message: string; seqs: Set<number> }>();
      for (const r of rejected) {
        const seq = batch.seqs[r.index];
        if (seq === undefined) continue;
        const message = reasonOf(r.message);
        const key = `${r.code}\n${message}`;
        const group = groups.get(key) ?? { code: r.code, message, seqs: new Set<number>() };
        group.seqs.add(seq);
        groups.set(key, group);
      }
      let n = 0;
      for (const g of groups.values()) {
        const moved = removeWhere((r) => g.seqs.has(r.seq));
        addDead(
          batch.batchId,
          g.code,
          g.message,
          moved.map((r) => r.point),
        );
        n += moved.length;
      }
      return n;
    },
    refuse(points, origin, code, message) {
      const last = deadLetters[deadLetters.length - 1];
      if (joinsLetter(last, { origin, code, message, points: points.length })) {
        last.held.push(...points);
        last.points += points.length;
        last.bytes += points.reduce((n, p) => n + pointBytes(p), 0);
        deadLettered += points.length;
        enforceDeadCap();
      } else addDead(origin, code, message, points);
    },
    listDeadLetters() {
      return deadLetters.map(({ id, at, origin, code, message, points }) => ({
        id,
        at,
        origin,
        code,
        message,
        points,
      }));
    },
    resendDeadLetters(ids) {
      const chosen = deadLetters.filter((d) => ids === "all" || ids.includes(d.id));
      deadLetters = deadLetters.filter((d) => !chosen.includes(d));
      let points = 0;
      for (const d of chosen) {
        for (const point of d.held) {
          const b = pointBytes(point);
          rows.push({ seq: nextSeq++, priority: priorityOf(point), bytes: b, point });
          bytes += b;
          points++;
        }
      }
      enforceCap();
      return { letters: chosen.length, points };
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
