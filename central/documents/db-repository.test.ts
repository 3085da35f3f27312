// The register's conformance suite on central's metadata database, both
// engines: a SQLite file (WAL, as central opens it) and a database on a
// throwaway PostgreSQL cluster (test/helpers/postgres.ts), each with two
// connections in this process and two appender processes on it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import {
  describeDocumentRepositoryConformance,
  type RepositoryUnderTest,
} from "../../test/documents/repository.conformance.ts";
import { postgresAvailable, type RunningPostgres, startPostgres } from "../../test/helpers/postgres.ts";
import { openPostgresDb } from "../db/postgres.ts";
import { openSqliteDb } from "../db/sqlite.ts";
import type { MetaDb } from "../db/types.ts";
import { DbDocumentRepository } from "./db-repository.ts";
import { GUARD_TRIGGERS } from "./sql.ts";

async function underTest(
  db: MetaDb,
  db2: MetaDb,
  processTarget: RepositoryUnderTest["processTarget"],
  cleanUp: () => void = () => {},
): Promise<RepositoryUnderTest> {
  return {
    repo: await DbDocumentRepository.open(db),
    second: await DbDocumentRepository.open(db2),
    processTarget,
    raw: async (sql, args = []) => {
      await db.run(sql, args);
    },
    reopen: () => DbDocumentRepository.open(db),
    dropGuards: async () => {
      for (const t of GUARD_TRIGGERS)
        await db.run(`DROP TRIGGER IF EXISTS ${t.name}${db.dialect === "postgres" ? ` ON ${t.table}` : ""}`);
    },
    close: async () => {
      await Promise.all([db.close(), db2.close()]);
      cleanUp();
    },
  };
}

describeDocumentRepositoryConformance("SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-register-"));
  const file = join(dir, "metadata.sqlite");
  return underTest(openSqliteDb(file), openSqliteDb(file), ["sqlite", file], () =>
    rmSync(dir, { recursive: true, force: true }),
  );
});

describe.skipIf(!postgresAvailable())("PostgreSQL register", () => {
  let server: RunningPostgres;
  let n = 0;
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(async () => server?.stop());

  describeDocumentRepositoryConformance("PostgreSQL", async () => {
    const url = await server.createDatabase(`register_${++n}`);
    const open = () => openPostgresDb({ url, maxConnections: 4, startTimeoutMs: 10_000 });
    const [db, db2] = await Promise.all([open(), open()]);
    return underTest(db, db2, ["postgres", url]);
  });
});
