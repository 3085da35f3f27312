// What the agent's control must not lose across restarts and outages, in
// one SQLite file: central's last desired state (so schedules and limits run
// for days without it), the per-point memory (last write, manual hold) and
// an outbox of reports and events in the order they happened, deleted only
// once central has acknowledged the sync that carried them.
//
// Durability (`syncIntervalMs`, config `control.syncIntervalMs`), as the
// point queue's (../queue/sqlite.ts): WAL either way. With 0, synchronous
// FULL: every commit is synced to the disk before it returns, on the event
// loop (a few ms each: most of the agent's time per command). With > 0,
// synchronous NORMAL: a commit reaches the operating system at once ("durable
// across application crashes regardless of the synchronous setting",
// https://www.sqlite.org/pragma.html#pragma_synchronous), and the WAL is
// synced every interval off the event loop. A power cut may then lose the
// commits of the last interval, never an earlier one and never half of one:
// WAL frames carry cumulative checksums, so recovery keeps the longest valid
// prefix of commits (https://www.sqlite.org/fileformat2.html#walcksm). What
// the controller does about a lost suffix (controller.ts): a read-back that
// equals what arbitration wants is its own write, not a change at the
// device; a read-back it cannot explain is judged only once central's
// desired state is back; reports whose record was lost are made again and
// sent again (central takes a repeated report or event once). Whether that
// may have happened is known from a marker written (and synced) at open and
// removed at close.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { AgentSyncResponse, CommandReport, ControlEvent } from "../../common/control.ts";
import { openWalDatabase } from "../queue/sqlite.ts";

export type OutboxItem = { kind: "report"; report: CommandReport } | { kind: "event"; event: ControlEvent };

export interface PointMemory {
  /** Last value written (engineering units) and when. */
  lastWritten?: number;
  lastWriteAt?: number;
  /** A change made at the device: its value and until when it is held. */
  manual?: { value: number; until: number };
}

export interface ControlStore {
  /**
   * The last run did not close the file (a crash, a kill, a power cut): the
   * commits of its last sync interval may be lost.
   */
  readonly uncleanStart: boolean;
  desired(): AgentSyncResponse | null;
  saveDesired(state: AgentSyncResponse): void;
  memory(key: string): PointMemory;
  saveMemory(key: string, memory: PointMemory): void;
  /** Last state reported per command id (not reported twice after a restart). */
  commandState(id: string): string | undefined;
  saveCommandState(id: string, state: string): void;
  enqueue(item: OutboxItem): void;
  /** The oldest `limit` items, with the sequence number to acknowledge up to. */
  peek(limit: number): { items: OutboxItem[]; upTo: number };
  ack(upTo: number): void;
  outboxSize(): number;
  /**
   * Runs `fn` as one transaction: what it stores is committed (and, with
   * `syncIntervalMs` 0, synced) once, not once per item; a power cut keeps
   * all of it or none. Nested calls join the outer one.
   */
  batch<T>(fn: () => T): T;
  close(): void;
}

export interface ControlStoreOptions {
  /** 0: every commit synced; > 0: the WAL synced this often, off the event loop (ms). */
  readonly syncIntervalMs?: number;
  readonly onSyncError?: (message: string) => void;
}

export function openControlStore(file: string, options: ControlStoreOptions = {}): ControlStore {
  mkdirSync(dirname(file), { recursive: true });
  const { db, walSync } = openWalDatabase(file, options.syncIntervalMs ?? 0, options.onSyncError);
  const written = (): void => walSync?.written();
  db.exec(`
    CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, json TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS memory (point TEXT PRIMARY KEY, json TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS commands (id TEXT PRIMARY KEY, state TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);
  `);
  const getKv = db.prepare<[string], { json: string }>("SELECT json FROM kv WHERE key = ?");
  const putKv = db.prepare(
    "INSERT INTO kv (key, json) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET json = excluded.json",
  );
  const getMem = db.prepare<[string], { json: string }>("SELECT json FROM memory WHERE point = ?");
  const putMem = db.prepare(
    "INSERT INTO memory (point, json) VALUES (?, ?) ON CONFLICT(point) DO UPDATE SET json = excluded.json",
  );
  const getCmd = db.prepare<[string], { state: string }>("SELECT state FROM commands WHERE id = ?");
  const putCmd = db.prepare(
    "INSERT INTO commands (id, state) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state",
  );
  const push = db.prepare("INSERT INTO outbox (json) VALUES (?)");
  const head = db.prepare<[number], { seq: number; json: string }>(
    "SELECT seq, json FROM outbox ORDER BY seq LIMIT ?",
  );
  const del = db.prepare("DELETE FROM outbox WHERE seq <= ?");
  const count = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM outbox");
  const uncleanStart = getKv.get("open") !== undefined;
  // Synced whatever the mode: a marker lost to a power cut would hide the loss of what came after it.
  db.pragma("synchronous = FULL");
  putKv.run("open", JSON.stringify({ since: Date.now() }));
  if (walSync) db.pragma("synchronous = NORMAL");
  return {
    uncleanStart,
    desired() {
      const row = getKv.get("desired");
      return row ? (JSON.parse(row.json) as AgentSyncResponse) : null;
    },
    saveDesired(state) {
      putKv.run("desired", JSON.stringify(state));
      written();
    },
    memory(key) {
      const row = getMem.get(key);
      return row ? (JSON.parse(row.json) as PointMemory) : {};
    },
    saveMemory(key, memory) {
      putMem.run(key, JSON.stringify(memory));
      written();
    },
    commandState(id) {
      return getCmd.get(id)?.state;
    },
    saveCommandState(id, state) {
      putCmd.run(id, state);
      written();
    },
    enqueue(item) {
      push.run(JSON.stringify(item));
      written();
    },
    peek(limit) {
      const rows = head.all(limit);
      return { items: rows.map((r) => JSON.parse(r.json) as OutboxItem), upTo: rows.at(-1)?.seq ?? 0 };
    },
    ack(upTo) {
      del.run(upTo);
      written();
    },
    outboxSize() {
      return count.get()?.n ?? 0;
    },
    batch(fn) {
      return db.inTransaction ? fn() : db.transaction(fn)();
    },
    close() {
      // Closed cleanly: the marker goes, and what the last interval committed is synced before the file is let go.
      db.prepare("DELETE FROM kv WHERE key = 'open'").run();
      walSync?.written();
      walSync?.stop();
      db.close();
    },
  };
}
