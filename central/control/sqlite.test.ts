import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { controlRepositoryConformance } from "../../test/conformance/control-repository.ts";
import { SqliteControlRepository } from "./sqlite.ts";

controlRepositoryConformance("SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-control-"));
  const db = new Database(join(dir, "metadata.sqlite"));
  return {
    repo: new SqliteControlRepository(db),
    async close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
