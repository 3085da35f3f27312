// Disk queue on SQLite (better-sqlite3, WAL). Rows carry an AUTOINCREMENT
// sequence, so sequence numbers are never reused and a batch (a run of
// consecutive sequences) keeps its id across restarts: a re-send after a
// lost acknowledgement carries the same batch id. WAL with synchronous=FULL
// makes every enqueue durable once the call returns (a nacelle loses power
// without warning).
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Point } from "../../common/wire.ts";
import {
  batchIdOf,
  type PointQueue,
  type Priority,
  priorityOf,
  type QueueBatch,
  type QueueOptions,
  type QueueStats,
} from "./queue.ts";

export const QUEUE_FILE = "queue.sqlite";

export function openSqliteQueue(options: QueueOptions): PointQueue {
  mkdirSync(options.dir, { recursive: true });
  const db = new Database(join(options.dir, QUEUE_FILE));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS points (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      priority INTEGER NOT NULL,
      ts INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      body TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS points_priority_seq ON points (priority, seq);
    CREATE INDEX IF NOT EXISTS points_ts ON points (ts);
    CREATE TABLE IF NOT EXISTS dead_letter (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      batch_id TEXT NOT NULL,
      code TEXT NOT NULL,
      message TEXT NOT NULL,
      at INTEGER NOT NULL,
      points INTEGER NOT NULL,
      body TEXT NOT NULL
    );
  `);

  // The epoch makes batch ids unique across queue files (a wiped queue
  // restarts sequences at 1 and must not collide with ids central has seen).
  let epoch = (
    db.prepare("SELECT value FROM meta WHERE key = 'epoch'").get() as { value: string } | undefined
  )?.value;
  if (epoch === undefined) {
    epoch = randomBytes(6).toString("hex");
    db.prepare("INSERT INTO meta (key, value) VALUES ('epoch', ?)").run(epoch);
  }
  const batchEpoch = epoch;

  const insert = db.prepare("INSERT INTO points (priority, ts, bytes, body) VALUES (?, ?, ?, ?)");
  const selectHead = db.prepare("SELECT seq, body FROM points WHERE seq <= ? ORDER BY seq LIMIT ?");
  const sumRange = db.prepare(
    "SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM points WHERE seq BETWEEN ? AND ?",
  );
  const deleteRange = db.prepare("DELETE FROM points WHERE seq BETWEEN ? AND ?");
  const bodiesRange = db.prepare("SELECT body FROM points WHERE seq BETWEEN ? AND ? ORDER BY seq");
  const insertDead = db.prepare(
    "INSERT INTO dead_letter (batch_id, code, message, at, points, body) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const victims = db.prepare("SELECT seq, bytes FROM points ORDER BY priority, seq LIMIT 1000");
  const deleteSeq = db.prepare("DELETE FROM points WHERE seq = ?");
  const expired = db.prepare("SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM points WHERE ts < ?");
  const deleteExpired = db.prepare("DELETE FROM points WHERE ts < ?");
  const oldest = db.prepare("SELECT MIN(ts) AS ts FROM points");

  const totals = db.prepare("SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM points").get() as {
    n: number;
    b: number;
  };
  let depth = totals.n;
  let bytes = totals.b;
  let dropped = 0;
  let deadLettered = 0;

  const enforceCap = (): number => {
    let n = 0;
    while (bytes > options.maxBytes) {
      const rows = victims.all() as { seq: number; bytes: number }[];
      if (rows.length === 0) break;
      for (const r of rows) {
        if (bytes <= options.maxBytes) break;
        deleteSeq.run(r.seq);
        bytes -= r.bytes;
        depth--;
        n++;
      }
    }
    dropped += n;
    return n;
  };

  const enqueueTx = db.transaction((points: readonly Point[], priority: Priority | undefined): number => {
    for (const p of points) {
      const body = JSON.stringify(p);
      const b = Buffer.byteLength(body);
      insert.run(priority ?? priorityOf(p), p.ts, b, body);
      bytes += b;
      depth++;
    }
    return enforceCap();
  });

  const removeRange = (batch: QueueBatch): number => {
    const { n, b } = sumRange.get(batch.firstSeq, batch.lastSeq) as { n: number; b: number };
    deleteRange.run(batch.firstSeq, batch.lastSeq);
    depth -= n;
    bytes -= b;
    return n;
  };

  const deadLetterTx = db.transaction((batch: QueueBatch, code: string, message: string): number => {
    const bodies = (bodiesRange.all(batch.firstSeq, batch.lastSeq) as { body: string }[]).map((r) => r.body);
    if (bodies.length === 0) return 0;
    insertDead.run(batch.batchId, code, message, Date.now(), bodies.length, `[${bodies.join(",")}]`);
    return removeRange(batch);
  });

  let open = true;
  return {
    capabilities: { durable: true },
    enqueue(points, priority) {
      if (points.length === 0) return { dropped: 0 };
      return { dropped: enqueueTx(points, priority) };
    },
    peek(maxPoints, untilSeq = Number.MAX_SAFE_INTEGER) {
      if (maxPoints < 1) return null;
      const rows = selectHead.all(untilSeq, maxPoints) as { seq: number; body: string }[];
      if (rows.length === 0) return null;
      const firstSeq = rows[0]!.seq;
      const lastSeq = rows[rows.length - 1]!.seq;
      return {
        batchId: batchIdOf(batchEpoch, firstSeq, lastSeq),
        points: rows.map((r) => JSON.parse(r.body) as Point),
        firstSeq,
        lastSeq,
      };
    },
    ack: db.transaction((batch: QueueBatch) => removeRange(batch)) as (batch: QueueBatch) => number,
    deadLetter(batch, code, message) {
      const n = deadLetterTx(batch, code, message);
      deadLettered += n;
      return n;
    },
    pruneExpired(nowMs = Date.now()) {
      const cutoff = nowMs - options.maxAgeHours * 3_600_000;
      const { n, b } = expired.get(cutoff) as { n: number; b: number };
      if (n === 0) return 0;
      deleteExpired.run(cutoff);
      depth -= n;
      bytes -= b;
      dropped += n;
      return n;
    },
    stats(): QueueStats {
      const o = oldest.get() as { ts: number | null };
      return { depth, bytes, dropped, deadLettered, oldestTs: o.ts };
    },
    close() {
      if (!open) return;
      open = false;
      db.close();
    },
  };
}

/** Dead-lettered batches of a queue folder (for operators and tests). */
export function readDeadLetters(
  dir: string,
): { batchId: string; code: string; message: string; points: Point[] }[] {
  const db = new Database(join(dir, QUEUE_FILE), { readonly: true });
  try {
    const rows = db.prepare("SELECT batch_id, code, message, body FROM dead_letter ORDER BY id").all() as {
      batch_id: string;
      code: string;
      message: string;
      body: string;
    }[];
    return rows.map((r) => ({
      batchId: r.batch_id,
      code: r.code,
      message: r.message,
      points: JSON.parse(r.body) as Point[],
    }));
  } finally {
    db.close();
  }
}
