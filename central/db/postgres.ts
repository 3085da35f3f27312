// The metadata database on PostgreSQL, shared by replicas on any node,
// through the `postgres` driver (BENCHMARKS.md, "pgdriver": it reconnects
// its listening connection by itself and says so, reserves a connection per
// transaction and reports its pool). Statements are the repositories' `?`
// texts numbered `$1, $2, …` and prepared by the driver; int8 and numeric
// are read as JavaScript numbers (times in ms, counts).
//
// Replicas coordinate through it: a transaction takes named advisory locks
// where SQLite's single writer would have serialised it, and tells the
// other replicas what changed with NOTIFY (sent by PostgreSQL at commit,
// never for a rollback). Each replica LISTENs on one connection; after that
// connection was lost and found again (PostgreSQL restarted, a network
// cut), every listener is called with null: notifications may have been
// missed, and what was cached is read again.
import { AsyncLocalStorage } from "node:async_hooks";
import postgres from "postgres";
import { CodedError } from "../../common/errors.ts";
import { LocalChanges } from "./changes.ts";
import { POSTGRES_MIGRATIONS, type PostgresMigration } from "./migrations-postgres.ts";
import {
  type ChangeChannel,
  ChangeChannels,
  type ChangeListener,
  type MetaDb,
  type Row,
  type SqlParam,
  type SqlRunner,
  type SqlTx,
} from "./types.ts";

export interface PostgresDbOptions {
  /** postgres://user:password@host:port/database?sslmode=… */
  url: string;
  /** Connections of this replica's pool. */
  maxConnections?: number;
  /** How long a start waits for the database to answer before it gives up. */
  startTimeoutMs?: number;
  /** Migrations to apply (default: central's). */
  migrations?: readonly PostgresMigration[];
  /** Told when the database is lost or found again (one line each). */
  log?: (message: string) => void;
}

/** Key of the session-level advisory lock the migrations are applied under. */
const MIGRATION_LOCK = "vetra.metadata.migrations";
/** SQLSTATEs after which a transaction is run again from the start. */
const RETRY_STATES = new Set(["40001", "40P01"]);
const TRANSACTION_ATTEMPTS = 5;
/** How long /readyz waits for `SELECT 1`. */
const PING_TIMEOUT_MS = 2000;

/**
 * SQLSTATE classes and driver codes of a database that cannot be reached
 * (connection exceptions, shutdown, too many connections): the request gets
 * 503 with Retry-After, as for an unreachable time-series store.
 */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return (
    code.startsWith("08") ||
    code === "57P01" ||
    code === "57P02" ||
    code === "57P03" ||
    code === "53300" ||
    code.startsWith("CONNECT") ||
    code === "ECONNREFUSED" ||
    code === "ECONNRESET" ||
    code === "ETIMEDOUT" ||
    code === "EHOSTUNREACH" ||
    code === "ENOTFOUND" ||
    code === "EPIPE"
  );
}

/** The metadata database cannot be reached now: 503 (STORE_UNAVAILABLE), try again shortly. */
export class MetadataUnavailable extends CodedError {
  override readonly name = "MetadataUnavailable";
  constructor(cause: unknown) {
    super("STORE_UNAVAILABLE", `metadata database: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

const translate = (error: unknown): unknown =>
  isUnavailable(error) ? new MetadataUnavailable(error) : error;

/** `?` → `$1, $2, …` (the repositories write no `?` inside a literal). */
const numbered = new Map<string, string>();
export function toNumbered(sql: string): string {
  let text = numbered.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    if (numbered.size > 2048) numbered.clear();
    numbered.set(sql, text);
  }
  return text;
}

/** The URL without its password, for logs and /readyz. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    u.search = "";
    return u.toString();
  } catch {
    return "postgres (unparsable URL)";
  }
}

/** int8 (ids, times in ms, COUNT) and numeric (SUM of int8) as numbers. */
const TYPES = {
  int8: {
    to: 20,
    from: [20, 1700],
    serialize: (x: number) => String(x),
    parse: Number,
  } satisfies postgres.PostgresType<number>,
};
type Client = postgres.Sql<{ int8: number }>;
/** The pool, a transaction or a reserved connection (the driver's common interface). */
type Session = postgres.ISql<{ int8: number }>;

function connect(url: string, max: number, connection: postgres.Options["connection"] = {}): Client {
  return postgres(url, {
    max,
    onnotice: () => {},
    types: TYPES,
    connect_timeout: 10,
    idle_timeout: 60,
    connection: { application_name: "vetra-central", ...connection },
  });
}

const runOn = async <T>(session: Session, sql: string, params: readonly SqlParam[]): Promise<T[]> => {
  try {
    return (await session.unsafe(toNumbered(sql), [...params], { prepare: true })) as unknown as T[];
  } catch (error) {
    throw translate(error);
  }
};

const countOn = async (session: Session, sql: string, params: readonly SqlParam[]): Promise<number> => {
  try {
    const result = await session.unsafe(toNumbered(sql), [...params], { prepare: true });
    return result.count;
  } catch (error) {
    throw translate(error);
  }
};

const runner = (session: Client): SqlRunner => ({
  dialect: "postgres",
  all: <T extends object = Row>(sql: string, params: readonly SqlParam[] = []) =>
    runOn<T>(session, sql, params),
  get: async <T extends object = Row>(
    sql: string,
    params: readonly SqlParam[] = [],
  ): Promise<T | undefined> => (await runOn<T>(session, sql, params))[0],
  run: (sql: string, params: readonly SqlParam[] = []) => countOn(session, sql, params),
});

/** Applies the migrations not yet recorded, under a session advisory lock (replicas starting together wait). */
async function migrate(sql: Client, migrations: readonly PostgresMigration[]): Promise<number> {
  const session = await sql.reserve();
  try {
    await session.unsafe("SELECT pg_advisory_lock(hashtextextended($1, 0))", [MIGRATION_LOCK]);
    try {
      await session.unsafe(
        `CREATE TABLE IF NOT EXISTS schema_migration (
           version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
      );
      const rows = await session.unsafe("SELECT version FROM schema_migration ORDER BY version");
      let version = rows.length === 0 ? 0 : Number(rows[rows.length - 1]!.version);
      for (const m of migrations) {
        if (m.version <= version) continue;
        if (m.version !== version + 1)
          throw new Error(`metadata migration ${m.version} (${m.name}) follows ${version}: not in order`);
        await session.unsafe("BEGIN");
        try {
          await session.unsafe(m.sql);
          await session.unsafe(
            "INSERT INTO schema_migration (version, name, applied_at) VALUES ($1, $2, $3)",
            [m.version, m.name, Date.now()],
          );
          await session.unsafe("COMMIT");
        } catch (error) {
          await session.unsafe("ROLLBACK").catch(() => undefined);
          throw error;
        }
        version = m.version;
      }
      return version;
    } finally {
      await session.unsafe("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [MIGRATION_LOCK]);
    }
  } finally {
    session.release();
  }
}

/** Waits until the database answers (it may start after central, e.g. in a cluster), up to the deadline. */
async function reachable(sql: Client, deadlineMs: number, location: string, log?: (m: string) => void) {
  for (let attempt = 1; ; attempt++) {
    try {
      await sql.unsafe("SELECT 1");
      return;
    } catch (error) {
      if (!isUnavailable(error) || Date.now() >= deadlineMs) throw translate(error);
      if (attempt === 1) log?.(`waiting for the metadata database ${location}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * attempt, 5000)));
    }
  }
}

/** Opens the pool, waits for the database, applies the migrations and starts listening. */
export async function openPostgresDb(options: PostgresDbOptions): Promise<MetaDb> {
  const location = `postgres ${redactDatabaseUrl(options.url)}`;
  const sql = connect(options.url, options.maxConnections ?? 10);
  // Relaxed writes on two connections of their own, whose commits are not waited for on disk.
  const relaxed = connect(options.url, 2, { synchronous_commit: "off" });
  try {
    await reachable(sql, Date.now() + (options.startTimeoutMs ?? 60_000), location, options.log);
    await migrate(sql, options.migrations ?? POSTGRES_MIGRATIONS);
    const db = new PostgresDb(sql, relaxed, location, options.log);
    await db.listen();
    return db;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => undefined);
    await relaxed.end({ timeout: 1 }).catch(() => undefined);
    throw error;
  }
}

class PostgresDb implements MetaDb {
  readonly kind = "postgres" as const;
  readonly dialect = "postgres" as const;
  readonly notifiesReplicas = true;
  readonly relaxed: SqlRunner;
  private readonly changes = new LocalChanges();
  private readonly inside = new AsyncLocalStorage<PostgresDb>();
  private readonly unlisten: (() => Promise<void>)[] = [];
  private listening = new Map<ChangeChannel, number>();

  constructor(
    private readonly sql: Client,
    private readonly relaxedSql: Client,
    readonly location: string,
    private readonly log?: (message: string) => void,
  ) {
    this.relaxed = runner(relaxedSql);
  }

  /** LISTEN on every change channel; after a reconnect, listeners are told to re-read (null). */
  async listen(): Promise<void> {
    for (const channel of ChangeChannels) {
      const handle = await this.sql.listen(
        channel,
        (payload) => this.changes.emit(channel, payload),
        () => {
          const n = (this.listening.get(channel) ?? 0) + 1;
          this.listening.set(channel, n);
          if (n > 1) {
            if (channel === ChangeChannels[0]) this.log?.("metadata database: listening again");
            this.changes.emit(channel, null);
          }
        },
      );
      this.unlisten.push(() => handle.unlisten());
    }
  }

  private check(): void {
    if (this.inside.getStore() === this)
      throw new Error(
        "a statement on the metadata database inside one of its transactions: use the transaction",
      );
  }

  async all<T extends object = Row>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
    this.check();
    return runOn<T>(this.sql, sql, params);
  }

  async get<T extends object = Row>(sql: string, params: readonly SqlParam[] = []): Promise<T | undefined> {
    this.check();
    return (await runOn<T>(this.sql, sql, params))[0];
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    this.check();
    return countOn(this.sql, sql, params);
  }

  async transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    this.check();
    for (let attempt = 1; ; attempt++) {
      const notes: [ChangeChannel, string][] = [];
      try {
        const result = await this.sql.begin(async (session) => {
          let open = true;
          const live = () => {
            if (!open) throw new Error("the transaction has ended");
          };
          const tx: SqlTx = {
            dialect: "postgres",
            all: async <R extends object = Row>(text: string, params: readonly SqlParam[] = []) => {
              live();
              return runOn<R>(session, text, params);
            },
            get: async <R extends object = Row>(
              text: string,
              params: readonly SqlParam[] = [],
            ): Promise<R | undefined> => {
              live();
              return (await runOn<R>(session, text, params))[0];
            },
            run: async (text: string, params: readonly SqlParam[] = []) => {
              live();
              return countOn(session, text, params);
            },
            lock: async (name: string) => {
              live();
              await runOn(session, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", [name]);
            },
            notify: async (channel: ChangeChannel, payload = "") => {
              live();
              // Delivered by PostgreSQL at commit, to every replica listening (this one too).
              await runOn(session, "SELECT pg_notify(?, ?)", [channel, payload]);
              notes.push([channel, payload]);
            },
          };
          try {
            return await this.inside.run(this, () => fn(tx));
          } finally {
            open = false;
          }
        });
        // This replica hears it at once rather than after the round trip through LISTEN.
        for (const [channel, payload] of notes) this.changes.emit(channel, payload);
        return result as T;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === "string" && RETRY_STATES.has(code) && attempt < TRANSACTION_ATTEMPTS) continue;
        throw translate(error);
      }
    }
  }

  subscribe(channel: ChangeChannel, listener: ChangeListener): () => void {
    return this.changes.on(channel, listener);
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.sql.unsafe("SELECT 1"),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)),
            PING_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (error) {
      throw translate(error);
    } finally {
      clearTimeout(timer);
    }
  }

  gauges() {
    return {
      pool: () => {
        const s = this.sql.stats;
        return { total: s.connections + s.opening, idle: s.idle, waiting: s.waiting };
      },
    };
  }

  async close(): Promise<void> {
    for (const stop of this.unlisten.splice(0)) await stop().catch(() => undefined);
    await this.sql.end({ timeout: 5 });
    await this.relaxedSql.end({ timeout: 5 });
  }
}
