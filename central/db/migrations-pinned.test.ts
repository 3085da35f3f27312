// A migration that has shipped is never edited (migrations-postgres.ts,
// migrations-sqlite.ts): a database that applied it keeps what it ran, so an
// edit would leave old and new installations with different schemas under
// one version number. Each version's text is pinned here by SHA-256 after
// folding white space, so re-wrapping a statement passes and changing what it
// says fails. A new version gets its hash added here when it is written.
//
// PostgreSQL's text is the migration's SQL. SQLite's is what `up` runs on a
// fresh in-memory database (every string handed to exec or prepare) and the
// code of `up` itself without its comments, so a branch a fresh file does not
// take (a column added to an older file) is pinned too.
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { POSTGRES_MIGRATIONS } from "./migrations-postgres.ts";
import { SQLITE_MIGRATIONS, type SqliteMigration } from "./migrations-sqlite.ts";

/** Runs of white space as one space, none at either end: what a re-wrap leaves as it was. */
const folded = (text: string): string => text.replace(/\s+/g, " ").trim();
const sha256 = (text: string): string => createHash("sha256").update(folded(text)).digest("hex");

const PINNED: Record<"postgres" | "sqlite", Record<number, string>> = {
  postgres: {
    1: "e7bf6a647e8ae7341fe35c2bfdd795e9df248beaae25aee6fd44f3b09cb99cb6",
    2: "3e94c2aa0414dbebac36e8e7d659668c3869af16dc925e753d3715db626739c7",
    3: "180adc04a56687194b40cb4a34887048283f94ff5655b7de10deedd4edb82908",
    4: "6ac2ae1319d815904c28bb3eca4b7b6f00590a20632b62534b130377b9fe011e",
    5: "22698ac14e3d482f71e1002c7da8adf2feeeec02c39fb85addb7f0643b9047b8",
    6: "c86261a934172b045c220159f23fb4a5e6ca7c856a4046729a8122670d2b5efd",
    7: "9f8328da12676aa1436d77930b4ee972e4213e2d24bc3b73b8aa7ae632b7b016",
  },
  sqlite: {
    1: "2ac57f32b566c5e4a36a4e66450ae08cabe168a485672142c586108563366bed",
    2: "845b2e8b72ac9070b0ac124a0a3e8277f4e31ece5ae27f197d92c694148ce854",
    3: "4fa69fead804d4ecf33af7f9badc85ab0daf8ad293ce2e596f12363a10caa1fd",
    4: "a81bd36d3629902580d5fd0cac97d391f03cdbdf6c13e43262ea071e1c931cea",
    5: "e5e8ec0fcb5f27478a64dafd7491d0730a01044587a739f72a2ff9fd6ae6c575",
    6: "ccb06dcb6505cfdf1ac3b21b54c92b57d614f6e106d57184c03152db4621ec1f",
    7: "ab815a00fa58626db17145b71cf6af37ff191830bc5b2358ff344aaf592d57bb",
  },
};

/** The SQL that `m.up` hands to the database (on `db`, which it migrates), in order. */
function sqlRunBy(m: SqliteMigration, db: Database.Database): string[] {
  const ran: string[] = [];
  const recording = new Proxy(db, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key !== "exec" && key !== "prepare")
        return typeof value === "function" ? value.bind(target) : value;
      return (sql: string) => {
        ran.push(sql);
        return key === "exec" ? target.exec(sql) : target.prepare(sql);
      };
    },
  });
  m.up(recording);
  return ran;
}

/** `up`'s code without its `//` comments (none of the migrations has `//` inside a string). */
const codeOf = (m: SqliteMigration): string => m.up.toString().replace(/\/\/[^\n]*/g, "");

function sqliteTexts(): Record<number, string> {
  const db = new Database(":memory:");
  try {
    return Object.fromEntries(
      SQLITE_MIGRATIONS.map((m) => [m.version, [...sqlRunBy(m, db), codeOf(m)].join("\n")]),
    );
  } finally {
    db.close();
  }
}

const texts = (): Record<"postgres" | "sqlite", Record<number, string>> => ({
  postgres: Object.fromEntries(POSTGRES_MIGRATIONS.map((m) => [m.version, m.sql])),
  sqlite: sqliteTexts(),
});

describe("shipped metadata migrations", () => {
  const now = texts();

  it.each(["postgres", "sqlite"] as const)("%s: every version is pinned and says what it said", (dialect) => {
    const hashes = Object.fromEntries(Object.entries(now[dialect]).map(([v, text]) => [v, sha256(text)]));
    expect(hashes).toEqual(PINNED[dialect]);
  });

  it("folding white space is all the pin forgives", () => {
    const audit = "CREATE TABLE audit (\n  id INTEGER,\n  at INTEGER NOT NULL\n);";
    expect(sha256(audit)).toBe(sha256("CREATE TABLE audit (\n  id INTEGER, at INTEGER NOT NULL\n);"));
    expect(sha256(audit)).not.toBe(sha256("CREATE TABLE audit (\n  id INTEGER,\n  at INTEGER\n);"));
    expect(sha256(audit)).not.toBe(sha256("CREATE TABLE audit (\n  id INTEGER,\n  at TEXT NOT NULL\n);"));
  });
});
