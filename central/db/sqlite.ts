// The metadata database on SQLite: one file in the data dir, WAL, durable
// commits (synchronous = FULL: tokens, acknowledgements and the audit log
// survive a power cut), and a second connection with synchronous = NORMAL
// for the relaxed writes. better-sqlite3 is synchronous; the async face is
// kept honest by a gate per file and process: a transaction holds it from
// BEGIN IMMEDIATE to COMMIT, and every other statement of this process on
// that file — on this connection, the relaxed one, or another MetaDb of the
// same file — waits for it. It must: a transaction spans turns of the event
// loop, and a statement that met SQLite's write lock would wait for it
// synchronously, holding the very loop the transaction needs to finish.
// Other processes sharing the file wait on SQLite's own lock (busy timeout).

import { AsyncLocalStorage } from "node:async_hooks";
import { realpathSync } from "node:fs";
import Database from "better-sqlite3";
import { privateDatabase } from "../lib/private-files.ts";
import { sqliteFiles } from "../metrics.ts";
import { LocalChanges } from "./changes.ts";
import { SQLITE_MIGRATIONS, type SqliteMigration } from "./migrations-sqlite.ts";
import type { ChangeChannel, ChangeListener, MetaDb, Row, SqlParam, SqlRunner, SqlTx } from "./types.ts";

/** Prepared statements kept per connection (the repositories' texts are a bounded set; filters vary a little). */
const STATEMENT_CACHE = 512;

const bind = (params: readonly SqlParam[]): unknown[] =>
  params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p) : p));

class Statements {
  private readonly cache = new Map<string, Database.Statement>();
  constructor(private readonly db: Database.Database) {}

  prepared(sql: string): Database.Statement {
    let st = this.cache.get(sql);
    if (!st) {
      if (this.cache.size >= STATEMENT_CACHE) this.cache.clear();
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
  }

  all<T>(sql: string, params: readonly SqlParam[]): T[] {
    const st = this.prepared(sql);
    if (st.reader) return st.all(...bind(params)) as T[];
    st.run(...bind(params));
    return [];
  }

  get<T>(sql: string, params: readonly SqlParam[]): T | undefined {
    const st = this.prepared(sql);
    if (!st.reader) {
      st.run(...bind(params));
      return undefined;
    }
    return st.get(...bind(params)) as T | undefined;
  }

  run(sql: string, params: readonly SqlParam[]): number {
    const st = this.prepared(sql);
    // A statement with RETURNING is a reader: run it through all() and count what it returned.
    return st.reader ? st.all(...bind(params)).length : st.run(...bind(params)).changes;
  }
}

/** Applies the migrations newer than the file's user_version, in one IMMEDIATE transaction. */
export function migrateSqlite(db: Database.Database, migrations: readonly SqliteMigration[]): number {
  return db
    .transaction(() => {
      const current = db.pragma("user_version", { simple: true }) as number;
      let version = current;
      for (const m of migrations) {
        if (m.version <= current) continue;
        if (m.version !== version + 1)
          throw new Error(`metadata migration ${m.version} (${m.name}) follows ${version}: not in order`);
        m.up(db);
        version = m.version;
      }
      if (version !== current) db.pragma(`user_version = ${version}`);
      return version;
    })
    .immediate();
}

/** The transactions of this process on one file: the one holding it, then those waiting. */
interface Gate {
  tail: Promise<void>;
  queued: number;
  users: number;
}

const gates = new Map<string, Gate>();

function gateOf(path: string): Gate {
  let gate = gates.get(path);
  if (!gate) {
    gate = { tail: Promise.resolve(), queued: 0, users: 0 };
    gates.set(path, gate);
  }
  gate.users++;
  return gate;
}

export interface SqliteDbOptions {
  /** Migrations to apply (default: central's). */
  migrations?: readonly SqliteMigration[];
}

/** The metadata database in one SQLite file (created 0600 with its WAL). */
export function openSqliteDb(path: string, options: SqliteDbOptions = {}): MetaDb {
  privateDatabase(path); // token hashes, the audit log, webhook rules: the owner's only
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // Tokens, alarm acknowledgements and the audit log must survive a crash.
  db.pragma("synchronous = FULL");
  try {
    migrateSqlite(db, options.migrations ?? SQLITE_MIGRATIONS);
    // Start from an empty write-ahead log (a stop on a full disk may have left one): the start's first
    // write then needs space of its own, so a full disk fails the start with its one line rather than
    // later, mid-request. With another process reading, the log is only checkpointed, not emptied.
    db.pragma("wal_checkpoint(TRUNCATE)");
  } catch (error) {
    db.close();
    throw error;
  }
  // A remembered batch id only sets the `duplicate` flag of an acknowledgement (the stores key
  // points by series and timestamp): no fsync per ingested batch, which cost a third of ingest.
  const relaxedDb = new Database(path);
  relaxedDb.pragma("synchronous = NORMAL");
  return new SqliteDb(path, realpathSync(path), db, relaxedDb);
}

class SqliteDb implements MetaDb {
  readonly kind = "sqlite" as const;
  readonly dialect = "sqlite" as const;
  readonly notifiesReplicas = false;
  readonly relaxed: SqlRunner;
  private readonly statements: Statements;
  private readonly changes = new LocalChanges();
  private readonly gate: Gate;
  private closed = false;
  private readonly inside = new AsyncLocalStorage<SqliteDb>();

  constructor(
    private readonly path: string,
    private readonly realPath: string,
    private readonly db: Database.Database,
    private readonly relaxedDb: Database.Database,
  ) {
    this.gate = gateOf(realPath);
    this.statements = new Statements(db);
    const relaxed = new Statements(relaxedDb);
    this.relaxed = {
      dialect: "sqlite",
      all: <T extends object = Row>(sql: string, params: readonly SqlParam[] = []) =>
        this.when(() => relaxed.all<T>(sql, params)),
      get: <T extends object = Row>(sql: string, params: readonly SqlParam[] = []) =>
        this.when(() => relaxed.get<T>(sql, params)),
      run: (sql: string, params: readonly SqlParam[] = []) => this.when(() => relaxed.run(sql, params)),
    };
  }

  get location(): string {
    return `sqlite ${this.path}`;
  }

  get file(): string {
    return this.path;
  }

  private check(): void {
    if (this.inside.getStore() === this)
      throw new Error(
        "a statement on the metadata database inside one of its transactions: use the transaction",
      );
  }

  /** Runs `job` once no transaction of this process holds or waits for the file. */
  private when<T>(job: () => T): Promise<T> {
    try {
      this.check();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.gate.queued === 0) {
      try {
        return Promise.resolve(job());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.gate.tail.then(job);
  }

  all<T extends object = Row>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.when(() => this.statements.all<T>(sql, params));
  }

  get<T extends object = Row>(sql: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    return this.when(() => this.statements.get<T>(sql, params));
  }

  run(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    return this.when(() => this.statements.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    try {
      this.check();
    } catch (error) {
      return Promise.reject(error);
    }
    const gate = this.gate;
    gate.queued++;
    const previous = gate.tail;
    let release!: () => void;
    gate.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    const run = async (): Promise<T> => {
      await previous;
      const notes: [ChangeChannel, string | null][] = [];
      let open = true;
      const live = () => {
        if (!open) throw new Error("the transaction has ended");
      };
      const st = this.statements;
      const tx: SqlTx = {
        dialect: "sqlite",
        all: async <R extends object = Row>(sql: string, params: readonly SqlParam[] = []) => {
          live();
          return st.all<R>(sql, params);
        },
        get: async <R extends object = Row>(sql: string, params: readonly SqlParam[] = []) => {
          live();
          return st.get<R>(sql, params);
        },
        run: async (sql: string, params: readonly SqlParam[] = []) => {
          live();
          return st.run(sql, params);
        },
        lock: async () => live(),
        notify: async (channel, payload) => {
          live();
          notes.push([channel, payload ?? ""]);
        },
      };
      this.db.exec("BEGIN IMMEDIATE");
      try {
        const result = await this.inside.run(this, () => fn(tx));
        open = false;
        this.db.exec("COMMIT");
        for (const [channel, payload] of notes) this.changes.emit(channel, payload);
        return result;
      } catch (error) {
        open = false;
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw error;
      }
    };
    return run().finally(() => {
      gate.queued--;
      release();
    });
  }

  subscribe(channel: ChangeChannel, listener: ChangeListener): () => void {
    return this.changes.on(channel, listener);
  }

  async ping(): Promise<void> {
    await this.get("SELECT gen FROM fleet_generation WHERE id = 1");
  }

  gauges() {
    return sqliteFiles(this.path);
  }

  async close(): Promise<void> {
    await this.gate.tail;
    if (!this.closed) {
      this.closed = true;
      if (--this.gate.users === 0 && gates.get(this.realPath) === this.gate) gates.delete(this.realPath);
    }
    if (this.relaxedDb.open) this.relaxedDb.close();
    if (this.db.open) this.db.close();
  }
}
