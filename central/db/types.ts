// Central's metadata database, as the repositories see it: plain SQL with
// `?` placeholders that both engines run, async, in transactions that take
// named locks and tell other replicas what changed. Two engines implement
// it (registry.ts): SQLite, one file in the data dir (the zero-install
// default for `npm start` and one-node pilots), and PostgreSQL, shared by
// replicas on any node. Every repository of central/meta, central/service
// and central/grid is written once against this interface; where the two
// engines guarantee different things (SQLite has one writer at a time,
// PostgreSQL serialises only what a transaction locks), the repository
// takes the locks PostgreSQL needs, which SQLite's writer lock already
// gives (`lock` is free there).
import type { DatabaseGaugeSource } from "../metrics.ts";

export const MetadataKinds = ["sqlite", "postgres"] as const;
export type MetadataKind = (typeof MetadataKinds)[number];

/** What a statement's `?` may be bound to (booleans are stored as 0/1). */
export type SqlParam = string | number | null | Uint8Array;

export type Row = Record<string, unknown>;

export interface SqlRunner {
  readonly dialect: MetadataKind;
  all<T extends object = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  get<T extends object = Row>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  /** Runs a statement; how many rows it changed. */
  run(sql: string, params?: readonly SqlParam[]): Promise<number>;
}

/**
 * What changed, for other replicas' in-memory copies: the fleet (and its
 * contracts), tokens (a revocation), alarm events (the live feed), the grid
 * data set. The payload is a hint (a generation, an id); a listener called
 * with null may have missed changes (its replica reconnected) and re-reads.
 */
export const ChangeChannels = ["fleet", "tokens", "alarm_events", "grid"] as const;
export type ChangeChannel = (typeof ChangeChannels)[number];
export type ChangeListener = (payload: string | null) => void;

export interface SqlTx extends SqlRunner {
  /**
   * Serialises this transaction with every other one that takes the same
   * lock until it ends, across replicas (PostgreSQL: a transaction-level
   * advisory lock; SQLite: nothing to do, its writer lock is held already).
   */
  lock(name: string): Promise<void>;
  /** Tells this replica and the others, once the transaction has committed (nothing on a rollback). */
  notify(channel: ChangeChannel, payload?: string): Promise<void>;
}

export interface MetaDb extends SqlRunner {
  readonly kind: MetadataKind;
  /** Where it is, without credentials (logs, /readyz). */
  readonly location: string;
  /** The database file, where there is one (SQLite): named in messages about a full disk. */
  readonly file?: string;
  /**
   * Runs `fn` in one transaction and commits. SQLite: BEGIN IMMEDIATE (one
   * writer at a time, across processes sharing the file); PostgreSQL: READ
   * COMMITTED with the locks `fn` takes, re-run from the start after a
   * deadlock or a serialisation failure. `fn` uses its `tx` only (the
   * database itself refuses statements from inside a transaction of its own),
   * and does nothing but database work: no network, no waiting.
   */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /**
   * For writes whose loss in a power cut costs a flag, not data (remembered
   * batch ids): no flush to disk per commit (SQLite `synchronous = NORMAL`,
   * PostgreSQL `synchronous_commit = off`).
   */
  readonly relaxed: SqlRunner;
  /**
   * Changes made by this replica (after their commit) and, on PostgreSQL, by
   * every other (LISTEN/NOTIFY; null after a reconnect). SQLite replicas
   * sharing a file are not told: readers there check generations in the file.
   */
  subscribe(channel: ChangeChannel, listener: ChangeListener): () => void;
  /** True when other replicas' changes arrive through `subscribe` (PostgreSQL). */
  readonly notifiesReplicas: boolean;
  /** Resolves when the database answers a query; rejects with why not. */
  ping(): Promise<void>;
  /** What Prometheus reads at a scrape (SQLite: its files' sizes; PostgreSQL: the pool). */
  gauges(): DatabaseGaugeSource;
  close(): Promise<void>;
}

/** ` FOR UPDATE`: a row lock where the engine has them (SQLite's writer lock covers its transactions). */
export const forUpdate = (db: { dialect: MetadataKind }): string =>
  db.dialect === "postgres" ? " FOR UPDATE" : "";

/** A truthy SQL value (SQLite answers 0/1, PostgreSQL true/false). */
export const truthy = (value: unknown): boolean => value === true || value === 1 || value === "t";
