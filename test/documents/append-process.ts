// Appends documents to a register from a process of its own — another
// replica, as far as the database can tell — for the repository conformance
// suite: `run-ts.js test/documents/append-process.ts sqlite FILE COUNT TAG`
// or `… postgres URL COUNT TAG`. It opens the metadata database and the repository, prints "ready",
// waits for a line on stdin (so every appender starts at once), appends
// COUNT documents and exits 0.
import { createInterface } from "node:readline";
import { openPostgresDb } from "../../central/db/postgres.ts";
import { openSqliteDb } from "../../central/db/sqlite.ts";
import { DbDocumentRepository } from "../../central/documents/db-repository.ts";
import { sampleDocument } from "./fixtures.ts";

const [kind, target, countText, tag] = process.argv.slice(2);
const count = Number(countText);
if (!kind || !target || !Number.isInteger(count) || !tag) {
  console.error("usage: append-process.ts sqlite|postgres FILE|URL COUNT TAG");
  process.exit(2);
}

const db =
  kind === "sqlite" ? openSqliteDb(target) : await openPostgresDb({ url: target, maxConnections: 1 });
const repo = await DbDocumentRepository.open(db);
console.log("ready");
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once("line", () => resolve()));
for (let i = 0; i < count; i++)
  await repo.append(sampleDocument(`${tag}-${i}`), Buffer.from(`${tag} ${i}`), Date.now());
await db.close();
process.exit(0);
