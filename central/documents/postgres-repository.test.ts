// The register's conformance suite on PostgreSQL (a throwaway cluster,
// test/helpers/postgres.ts): a database per test, two pools in this process
// and two appender processes on it.
import postgres from "postgres";
import { afterAll, beforeAll, describe } from "vitest";
import { describeDocumentRepositoryConformance } from "../../test/documents/repository.conformance.ts";
import { postgresAvailable, type RunningPostgres, startPostgres } from "../../test/helpers/postgres.ts";
import { PostgresDocumentRepository } from "./postgres-repository.ts";
import { GUARD_TRIGGERS, toNumbered } from "./sql.ts";

describe.skipIf(!postgresAvailable())("PostgreSQL register", () => {
  let server: RunningPostgres;
  let n = 0;
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(async () => server?.stop());

  describeDocumentRepositoryConformance("PostgreSQL", async () => {
    const url = await server.createDatabase(`register_${++n}`);
    const sql = postgres(url, { max: 4, onnotice: () => {} });
    const sql2 = postgres(url, { max: 4, onnotice: () => {} });
    const repo = await PostgresDocumentRepository.open(sql);
    return {
      repo,
      second: await PostgresDocumentRepository.open(sql2),
      processTarget: ["postgres", url],
      raw: async (text, args = []) => {
        await sql.unsafe(toNumbered(text), args as never[]);
      },
      reopen: () => PostgresDocumentRepository.open(sql),
      dropGuards: async () => {
        for (const t of GUARD_TRIGGERS) await sql.unsafe(`DROP TRIGGER IF EXISTS ${t.name} ON ${t.table}`);
      },
      close: async () => {
        await Promise.all([sql.end(), sql2.end()]);
      },
    };
  });
});
