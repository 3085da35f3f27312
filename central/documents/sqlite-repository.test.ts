// The register's conformance suite on SQLite files (WAL, as central's
// metadata store opens them): two connections in this process and two
// appender processes on the same file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describeDocumentRepositoryConformance } from "../../test/documents/repository.conformance.ts";
import { GUARD_TRIGGERS } from "./sql.ts";
import { SqliteDocumentRepository } from "./sqlite-repository.ts";

describeDocumentRepositoryConformance("SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-register-"));
  const file = join(dir, "meta.sqlite");
  const connect = () => {
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    return db;
  };
  const db = connect();
  const db2 = connect();
  const repo = new SqliteDocumentRepository(db);
  return {
    repo,
    second: new SqliteDocumentRepository(db2),
    processTarget: ["sqlite", file],
    raw: async (sql, args = []) => {
      db.prepare(sql).run(...args);
    },
    reopen: async () => new SqliteDocumentRepository(db),
    dropGuards: async () => {
      for (const t of GUARD_TRIGGERS) db.exec(`DROP TRIGGER IF EXISTS ${t.name}`);
    },
    close: async () => {
      db.close();
      db2.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
