// Metadata databases for tests, of either engine: a fresh SQLite file in a
// temp dir, or a fresh database on a throwaway PostgreSQL cluster (one
// cluster per test file, started on first use, a new database per test).
// `metadataKinds()` is what a suite runs against: both engines, or SQLite
// alone where PostgreSQL is not installed (under CI=true a missing
// PostgreSQL fails, see postgres.ts).
//
//   describe.each(metadataKinds())("alarm book (%s)", (kind) => {
//     const md = freshMetadata(kind);          // hooks: a new database before each test
//     it("…", async () => { const meta = await md.open(); … });   // md.open() again: another replica
//   });
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach } from "vitest";
import type { MetadataConfig } from "../../central/db/config.ts";
import type { MetadataKind } from "../../central/db/types.ts";
import { MetaStore } from "../../central/meta/meta.ts";
import { postgresAvailable, type RunningPostgres, startPostgres } from "./postgres.ts";

/** The engines this machine can run: SQLite always, PostgreSQL where installed (required under CI=true). */
export const metadataKinds = (): MetadataKind[] =>
  postgresAvailable() ? ["sqlite", "postgres"] : ["sqlite"];

let cluster: Promise<RunningPostgres> | null = null;
let users = 0;

/** The test file's PostgreSQL cluster (started once, stopped after the last suite that used it). */
export function sharedPostgres(): Promise<RunningPostgres> {
  cluster ??= startPostgres();
  return cluster;
}

let databases = 0;

/** A new, empty database on the shared cluster; its URL. */
export async function freshPostgresDatabase(): Promise<string> {
  const server = await sharedPostgres();
  return server.createDatabase(`t${process.pid}_${++databases}`);
}

/**
 * For a suite that opens its database once (in beforeAll, e.g. through
 * makeCentralFixture): the `metadata` config of a fresh database of `kind`
 * (SQLite: undefined, the fixture's file in its data dir). The shared
 * cluster stops after the file's last suite that used it.
 */
export function suiteMetadata(kind: MetadataKind): () => Promise<MetadataConfig | undefined> {
  if (kind === "sqlite") return async () => undefined;
  users++;
  afterAll(async () => {
    if (--users > 0 || !cluster) return;
    const server = await cluster;
    cluster = null;
    await server.stop();
  });
  return async () => ({
    kind: "postgres",
    url: await freshPostgresDatabase(),
    maxConnections: 5,
    startTimeoutMs: 10_000,
  });
}

export interface FreshMetadata {
  /** The kind under test. */
  readonly kind: MetadataKind;
  /** This test's data dir (the SQLite file's folder; grid data on SQLite). */
  readonly dataDir: string;
  /** The config keys that name this test's database. */
  readonly config: { metadata: MetadataConfig; dataDir: string };
  /** Opens the database (migrations applied): call again for another replica on the same database. */
  open(): Promise<MetaStore>;
}

/**
 * Registers hooks that give each test of the calling suite a fresh metadata
 * database of `kind`; every store opened through it is closed after the test.
 */
export function freshMetadata(kind: MetadataKind): FreshMetadata {
  let dataDir = "";
  let metadata: MetadataConfig = { kind: "sqlite" };
  const opened: MetaStore[] = [];
  if (kind === "postgres") users++;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `vetra-md-${kind}-`));
    metadata =
      kind === "sqlite"
        ? { kind: "sqlite" }
        : { kind: "postgres", url: await freshPostgresDatabase(), maxConnections: 5, startTimeoutMs: 10_000 };
  });
  afterEach(async () => {
    for (const meta of opened.splice(0)) await meta.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterAll(async () => {
    if (kind !== "postgres" || --users > 0 || !cluster) return;
    const server = await cluster;
    cluster = null;
    await server.stop();
  });
  return {
    kind,
    get dataDir() {
      return dataDir;
    },
    get config() {
      return { metadata, dataDir };
    },
    async open() {
      const meta = await MetaStore.open({ metadata, dataDir });
      opened.push(meta);
      return meta;
    },
  };
}
