// Disk queue on SQLite (better-sqlite3, WAL). Rows carry an AUTOINCREMENT
// sequence, so sequence numbers are never reused and a batch (a run of
// consecutive sequences) keeps its id across restarts: a re-send after a
// lost acknowledgement carries the same batch id.
//
// Durability (`syncIntervalMs`, config `queue.syncIntervalMs`). The file is
// in WAL mode either way, and an enqueue is one transaction (all of its
// points or none).
// - 0: synchronous=FULL, the WAL is fsync'd by every commit, so an enqueue
//   survives a power cut once it returns; the fsync runs on the caller's
//   thread, the agent's event loop, once per acquisition.
// - > 0: synchronous=NORMAL, a commit only writes the WAL (to the operating
//   system), and the WAL is fsync'd every `syncIntervalMs` on libuv's thread
//   pool, off the event loop. "Transactions are durable across application
//   crashes regardless of the synchronous setting or journal mode", and "WAL
//   mode is always consistent with synchronous=NORMAL, but WAL mode does
//   lose durability. A transaction committed in WAL mode with
//   synchronous=NORMAL might roll back following a power loss or system
//   crash" (https://www.sqlite.org/pragma.html#pragma_synchronous; SQLite
//   still syncs the WAL before each checkpoint and the database after it,
//   https://www.sqlite.org/wal.html#performance_considerations). So a killed
//   agent loses nothing, a power cut loses at most the last interval's
//   commits, and the file is never corrupt: recovery replays the WAL's
//   frames up to its last valid commit (checksummed), so an extra fsync at
//   any moment only makes more of them durable.
//
// Dead letters (points central refused, or the agent refused before sending)
// live in the same file, so an operator can list and re-send them with
// `vetra edge dead-letters` while the agent runs: the command's connection
// writes through SQLite's locks, and the agent re-reads its totals when
// `PRAGMA data_version` says another connection changed the file.
import { randomBytes } from "node:crypto";
import { close, closeSync, fsync, fsyncSync, mkdirSync, open as openFile, openSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { ErrorCode, Rejection } from "../../common/errors.ts";
import type { Point } from "../../common/wire.ts";
import type {
  DeadLetter,
  LetterHead,
  PointQueue,
  Priority,
  QueueBatch,
  QueueOptions,
  QueueStats,
} from "./queue.ts";
import { batchIdOf, deadLetterCapBytes, joinsLetter, priorityOf, reasonOf } from "./queue.ts";

export const QUEUE_FILE = "queue.sqlite";

export function openSqliteQueue(options: QueueOptions): PointQueue {
  mkdirSync(options.dir, { recursive: true });
  const file = join(options.dir, QUEUE_FILE);
  const { db, walSync } = openWalDatabase(file, options.syncIntervalMs ?? 0, options.onSyncError);
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
  // Queue files from before dead letters had a byte cap: the column, and the sizes of what is there.
  const deadColumns = (db.prepare("PRAGMA table_info(dead_letter)").all() as { name: string }[]).map(
    (c) => c.name,
  );
  if (!deadColumns.includes("bytes")) {
    db.exec("ALTER TABLE dead_letter ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0");
    db.exec("UPDATE dead_letter SET bytes = length(CAST(body AS BLOB))");
  }

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
    "INSERT INTO dead_letter (batch_id, code, message, at, points, bytes, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const lastDead = db.prepare(
    "SELECT id, batch_id AS origin, code, message, points FROM dead_letter ORDER BY id DESC LIMIT 1",
  );
  // Appends points to a letter's JSON array without reading it back.
  const appendDead = db.prepare(
    "UPDATE dead_letter SET body = substr(body, 1, length(body) - 1) || ',' || ? || ']', points = points + ?, bytes = bytes + ? WHERE id = ?",
  );
  const deadTotals = db.prepare("SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM dead_letter");
  const oldestDead = db.prepare("SELECT id, points, bytes FROM dead_letter ORDER BY id LIMIT 1");
  const deleteDead = db.prepare("DELETE FROM dead_letter WHERE id = ?");
  const listDead = db.prepare("SELECT id, at, batch_id, code, message, points FROM dead_letter ORDER BY id");
  const deadBody = db.prepare("SELECT body FROM dead_letter WHERE id = ?").pluck();
  const bodiesOf = db.prepare("SELECT seq, body, bytes FROM points WHERE seq BETWEEN ? AND ? ORDER BY seq");
  const dataVersion = db.prepare("PRAGMA data_version").pluck();
  const victims = db.prepare("SELECT seq, bytes FROM points ORDER BY priority, seq LIMIT 1000");
  const deleteSeq = db.prepare("DELETE FROM points WHERE seq = ?");
  const expired = db.prepare("SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM points WHERE ts < ?");
  const deleteExpired = db.prepare("DELETE FROM points WHERE ts < ?");
  const oldest = db.prepare("SELECT MIN(ts) AS ts FROM points");

  const pointTotals = db.prepare("SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM points");
  const totalsOf = () => pointTotals.get() as { n: number; b: number };
  const totals = totalsOf();
  let depth = totals.n;
  let bytes = totals.b;
  let deadBytes = (deadTotals.get() as { b: number }).b;
  let dropped = 0;
  let deadLettered = 0;
  let seenVersion = dataVersion.get() as number;
  /** Another connection (`vetra edge dead-letters resend`) changed the file: re-read the totals. */
  const syncTotals = (): void => {
    const version = dataVersion.get() as number;
    if (version === seenVersion) return;
    seenVersion = version;
    const t = totalsOf();
    depth = t.n;
    bytes = t.b;
    deadBytes = (deadTotals.get() as { b: number }).b;
  };
  const deadCap = deadLetterCapBytes(options);
  /** Oldest letters go first when dead letters pass their cap (the points count as dropped). */
  const enforceDeadCap = (): void => {
    while (deadBytes > deadCap) {
      const oldest = oldestDead.get() as { id: number; points: number; bytes: number } | undefined;
      if (!oldest) break;
      deleteDead.run(oldest.id);
      deadBytes -= oldest.bytes;
      dropped += oldest.points;
    }
  };
  const addDead = (origin: string, code: string, message: string, bodies: readonly string[]): void => {
    if (bodies.length === 0) return;
    let b = 0;
    for (const body of bodies) b += Buffer.byteLength(body) + 1;
    insertDead.run(origin, code, message, Date.now(), bodies.length, b + 1, `[${bodies.join(",")}]`);
    deadBytes += b + 1;
    enforceDeadCap();
  };

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
    addDead(batch.batchId, code, message, bodies);
    return removeRange(batch);
  });

  const deadLetterRowsTx = db.transaction((batch: QueueBatch, rejected: readonly Rejection[]): number => {
    const rows = new Map(
      (bodiesOf.all(batch.firstSeq, batch.lastSeq) as { seq: number; body: string; bytes: number }[]).map(
        (r) => [r.seq, r],
      ),
    );
    const groups = new Map<string, { code: string; message: string; seqs: number[] }>();
    for (const r of rejected) {
      const seq = batch.seqs[r.index];
      if (seq === undefined || !rows.has(seq)) continue;
      const message = reasonOf(r.message);
      const key = `${r.code}\n${message}`;
      const group = groups.get(key) ?? { code: r.code, message, seqs: [] };
      group.seqs.push(seq);
      groups.set(key, group);
    }
    let n = 0;
    for (const g of groups.values()) {
      addDead(
        batch.batchId,
        g.code,
        g.message,
        g.seqs.map((seq) => rows.get(seq)!.body),
      );
      for (const seq of g.seqs) {
        deleteSeq.run(seq);
        bytes -= rows.get(seq)!.bytes;
        depth--;
        n++;
      }
    }
    return n;
  });

  const refuseTx = db.transaction(
    (points: readonly Point[], origin: string, code: string, message: string) => {
      const bodies = points.map((p) => JSON.stringify(p));
      const last = lastDead.get() as (LetterHead & { id: number }) | undefined;
      if (joinsLetter(last, { origin, code, message, points: bodies.length })) {
        let b = 0;
        for (const body of bodies) b += Buffer.byteLength(body) + 1;
        appendDead.run(bodies.join(","), bodies.length, b, last.id);
        deadBytes += b;
        enforceDeadCap();
      } else addDead(origin, code, message, bodies);
    },
  );

  const resendTx = db.transaction((ids: readonly number[] | "all") => {
    const letters = (listDead.all() as { id: number }[])
      .map((r) => r.id)
      .filter((id) => ids === "all" || ids.includes(id));
    let points = 0;
    for (const id of letters) {
      const body = deadBody.get(id) as string;
      for (const p of JSON.parse(body) as Point[]) {
        const text = JSON.stringify(p);
        const b = Buffer.byteLength(text);
        insert.run(priorityOf(p), p.ts, b, text);
        bytes += b;
        depth++;
        points++;
      }
      deleteDead.run(id);
    }
    deadBytes = (deadTotals.get() as { b: number }).b;
    // Resent points count against the queue's cap like any other.
    enforceCap();
    return { letters: letters.length, points };
  });

  const ackTx = db.transaction((batch: QueueBatch) => removeRange(batch)) as (batch: QueueBatch) => number;

  let open = true;
  return {
    capabilities: { durable: true },
    enqueue(points, priority) {
      if (points.length === 0) return { dropped: 0 };
      syncTotals();
      walSync?.written();
      return { dropped: enqueueTx(points, priority) };
    },
    peek(maxPoints, untilSeq = Number.MAX_SAFE_INTEGER) {
      if (maxPoints < 1) return null;
      const rows = selectHead.all(untilSeq, maxPoints) as { seq: number; body: string }[];
      if (rows.length === 0) return null;
      const firstSeq = rows[0]!.seq;
      const lastSeq = rows[rows.length - 1]!.seq;
      return {
        batchId: batchIdOf(batchEpoch, firstSeq, lastSeq, rows.length),
        points: rows.map((r) => JSON.parse(r.body) as Point),
        firstSeq,
        lastSeq,
        seqs: rows.map((r) => r.seq),
      };
    },
    ack(batch) {
      walSync?.written();
      return ackTx(batch);
    },
    deadLetter(batch, code, message) {
      walSync?.written();
      syncTotals();
      const n = deadLetterTx(batch, code, message);
      deadLettered += n;
      return n;
    },
    deadLetterRows(batch, rejected) {
      walSync?.written();
      syncTotals();
      const n = deadLetterRowsTx(batch, rejected);
      deadLettered += n;
      return n;
    },
    refuse(points: readonly Point[], origin: string, code: ErrorCode, message: string) {
      walSync?.written();
      if (points.length === 0) return;
      syncTotals();
      refuseTx(points, origin, code, message);
      deadLettered += points.length;
    },
    listDeadLetters(): DeadLetter[] {
      return (
        listDead.all() as {
          id: number;
          at: number;
          batch_id: string;
          code: string;
          message: string;
          points: number;
        }[]
      ).map((r) => ({
        id: r.id,
        at: r.at,
        origin: r.batch_id,
        code: r.code,
        message: r.message,
        points: r.points,
      }));
    },
    resendDeadLetters(ids) {
      walSync?.written();
      syncTotals();
      const r = resendTx(ids);
      return { letters: r.letters, points: r.points };
    },
    pruneExpired(nowMs = Date.now()) {
      const cutoff = nowMs - options.maxAgeHours * 3_600_000;
      const { n, b } = expired.get(cutoff) as { n: number; b: number };
      if (n === 0) return 0;
      walSync?.written();
      deleteExpired.run(cutoff);
      depth -= n;
      bytes -= b;
      dropped += n;
      return n;
    },
    stats(): QueueStats {
      syncTotals();
      const o = oldest.get() as { ts: number | null };
      return { depth, bytes, dropped, deadLettered, oldestTs: o.ts };
    },
    close() {
      if (!open) return;
      open = false;
      walSync?.stop();
      // Closing the last connection checkpoints the WAL into the database and syncs it (both modes).
      db.close();
    },
  };
}

/**
 * A SQLite file in WAL mode with the durability the agent's files share: with
 * `syncIntervalMs` 0 every commit is synced (`synchronous = FULL`); above 0 a
 * commit reaches the operating system at once (`NORMAL`: it survives a crash
 * of the process) and the WAL is synced every interval off the event loop, so
 * a power cut may cost at most that interval (https://www.sqlite.org/pragma.html#pragma_synchronous).
 */
export function openWalDatabase(
  file: string,
  syncIntervalMs: number,
  onSyncError: ((message: string) => void) | undefined,
): { db: Database.Database; walSync: { written(): void; stop(): void } | null } {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${syncIntervalMs > 0 ? "NORMAL" : "FULL"}`);
  const walSync = syncIntervalMs > 0 ? startWalSync(`${file}-wal`, syncIntervalMs, onSyncError) : null;
  return { db, walSync };
}

/**
 * Fsyncs the WAL file every `intervalMs` when something was written since
 * the last sync, on libuv's thread pool: the event loop never waits for the
 * disk. The file is opened afresh each time (SQLite creates it on the first
 * write and deletes it when the last connection closes); a missing WAL has
 * nothing to sync (a checkpoint already synced the database).
 */
export function startWalSync(
  walPath: string,
  intervalMs: number,
  onError: ((message: string) => void) | undefined,
): { written(): void; stop(): void } {
  let dirty = false;
  let busy = false;
  let failing = false;
  const done = (fd: number | null, error: NodeJS.ErrnoException | null): void => {
    if (fd !== null) close(fd, () => {});
    busy = false;
    if (error && error.code !== "ENOENT") {
      dirty = true; // try again next interval
      if (!failing) onError?.(`queue: cannot sync ${walPath}: ${error.message}`);
      failing = true;
    } else if (!error) failing = false;
  };
  const timer = setInterval(() => {
    if (!dirty || busy) return;
    dirty = false;
    busy = true;
    openFile(walPath, "r", (openError, fd) => {
      if (openError) return done(null, openError);
      fsync(fd, (syncError) => done(fd, syncError));
    });
  }, intervalMs);
  timer.unref();
  return {
    written: () => {
      dirty = true;
    },
    stop: () => {
      clearInterval(timer);
      // What the last interval wrote, synced now (the agent stops; another connection may keep the WAL).
      if (!dirty) return;
      try {
        const fd = openSync(walPath, "r");
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT")
          onError?.(`queue: cannot sync ${walPath}: ${(e as Error).message}`);
      }
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
