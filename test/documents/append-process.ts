// Appends documents to a register from a process of its own — another
// replica, as far as the database can tell — for the repository conformance
// suite: `run-ts.js test/documents/append-process.ts sqlite FILE COUNT TAG`
// or `… postgres URL COUNT TAG`. It opens the repository, prints "ready",
// waits for a line on stdin (so every appender starts at once), appends
// COUNT documents and exits 0.
import { createInterface } from "node:readline";
import Database from "better-sqlite3";
import postgres from "postgres";
import { PostgresDocumentRepository } from "../../central/documents/postgres-repository.ts";
import type { DocumentRepository } from "../../central/documents/repository.ts";
import { SqliteDocumentRepository } from "../../central/documents/sqlite-repository.ts";
import { sampleDocument } from "./fixtures.ts";

const [kind, target, countText, tag] = process.argv.slice(2);
const count = Number(countText);
if (!kind || !target || !Number.isInteger(count) || !tag) {
  console.error("usage: append-process.ts sqlite|postgres FILE|URL COUNT TAG");
  process.exit(2);
}

let repo: DocumentRepository;
let close = async () => {};
if (kind === "sqlite") {
  const db = new Database(target);
  db.pragma("journal_mode = WAL");
  repo = new SqliteDocumentRepository(db);
  close = async () => {
    db.close();
  };
} else {
  const sql = postgres(target, { max: 1, onnotice: () => {} });
  repo = await PostgresDocumentRepository.open(sql);
  close = () => sql.end();
}
console.log("ready");
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once("line", () => resolve()));
for (let i = 0; i < count; i++)
  await repo.append(sampleDocument(`${tag}-${i}`), Buffer.from(`${tag} ${i}`), Date.now());
await close();
process.exit(0);
