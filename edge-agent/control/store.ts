// What the agent's control must not lose across restarts and outages, in
// one SQLite file (WAL, synchronous FULL like the point queue): central's
// last desired state (so schedules and limits run for days without it), the
// per-point memory (last write, manual hold) and an outbox of reports and
// events in the order they happened, deleted only once central has
// acknowledged the sync that carried them.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { AgentSyncResponse, CommandReport, ControlEvent } from "../../common/control.ts";

export type OutboxItem = { kind: "report"; report: CommandReport } | { kind: "event"; event: ControlEvent };

export interface PointMemory {
  /** Last value written (engineering units) and when. */
  lastWritten?: number;
  lastWriteAt?: number;
  /** A change made at the device: its value and until when it is held. */
  manual?: { value: number; until: number };
}

export interface ControlStore {
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
   * Runs `fn` as one transaction: what it stores is made durable with one
   * sync of the disk, not one per item (each costs a few ms: it was most of
   * the agent's time per command). Nested calls join the outer one.
   */
  batch<T>(fn: () => T): T;
  close(): void;
}

export function openControlStore(file: string): ControlStore {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
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
  return {
    desired() {
      const row = getKv.get("desired");
      return row ? (JSON.parse(row.json) as AgentSyncResponse) : null;
    },
    saveDesired(state) {
      putKv.run("desired", JSON.stringify(state));
    },
    memory(key) {
      const row = getMem.get(key);
      return row ? (JSON.parse(row.json) as PointMemory) : {};
    },
    saveMemory(key, memory) {
      putMem.run(key, JSON.stringify(memory));
    },
    commandState(id) {
      return getCmd.get(id)?.state;
    },
    saveCommandState(id, state) {
      putCmd.run(id, state);
    },
    enqueue(item) {
      push.run(JSON.stringify(item));
    },
    peek(limit) {
      const rows = head.all(limit);
      return { items: rows.map((r) => JSON.parse(r.json) as OutboxItem), upTo: rows.at(-1)?.seq ?? 0 };
    },
    ack(upTo) {
      del.run(upTo);
    },
    outboxSize() {
      return count.get()?.n ?? 0;
    },
    batch(fn) {
      return db.inTransaction ? fn() : db.transaction(fn)();
    },
    close() {
      db.close();
    },
  };
}
