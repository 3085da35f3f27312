// The metadata database interface (types.ts) on both engines: a SQLite file
// in a temp dir and a database on a throwaway PostgreSQL cluster. What the
// repositories rely on: migrations applied once and again without change,
// transactions that commit or leave nothing, named locks that serialise
// read-modify-write across replicas, change notifications after commit only
// (and to other replicas on PostgreSQL), and a database that went away
// answered as STORE_UNAVAILABLE, not as a crash.
import { describe, expect, it } from "vitest";
import { freshMetadata, metadataKinds } from "../../test/helpers/metadata.ts";
import { postgresAvailable, startPostgres } from "../../test/helpers/postgres.ts";
import { POSTGRES_MIGRATIONS } from "./migrations-postgres.ts";
import { SQLITE_MIGRATIONS } from "./migrations-sqlite.ts";
import { openPostgresDb, redactDatabaseUrl, toNumbered } from "./postgres.ts";
import { openMetaDb } from "./registry.ts";
import type { MetaDb } from "./types.ts";

const waitFor = async (check: () => boolean, ms = 2000): Promise<boolean> => {
  const t0 = Date.now();
  while (!check() && Date.now() - t0 < ms) await new Promise((resolve) => setTimeout(resolve, 10));
  return check();
};

describe.each(metadataKinds())("metadata database (%s)", (kind) => {
  const md = freshMetadata(kind);
  const opened: MetaDb[] = [];
  const open = async (): Promise<MetaDb> => {
    const db = await openMetaDb(md.config.metadata, md.dataDir);
    opened.push(db);
    return db;
  };
  const closeAll = async () => {
    for (const db of opened.splice(0)) await db.close();
  };

  it("applies every migration once; opening again (or two at once) changes nothing", async () => {
    try {
      const [a, b] = await Promise.all([open(), open()]);
      const latest = (kind === "sqlite" ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS).at(-1)!.version;
      const version =
        kind === "sqlite"
          ? (await a!.get<{ user_version: number }>("PRAGMA user_version"))?.user_version
          : (await a!.get<{ v: number }>("SELECT MAX(version) AS v FROM schema_migration"))?.v;
      expect(version).toBe(latest);
      if (kind === "postgres")
        expect((await b!.get<{ n: number }>("SELECT COUNT(*) AS n FROM schema_migration"))?.n).toBe(latest);
      // The tables of the last version are there on both connections.
      expect((await b!.get<{ n: number }>("SELECT COUNT(*) AS n FROM alarm_filter"))?.n).toBe(0);
      await a!.ping();
    } finally {
      await closeAll();
    }
  });

  it("commits a transaction whole or not at all, and refuses statements beside it", async () => {
    try {
      const db = await open();
      const heard: (string | null)[] = [];
      db.subscribe("grid", (p) => heard.push(p));
      await expect(
        db.transaction(async (tx) => {
          await tx.run("INSERT INTO tenant (id, name) VALUES (?, ?)", ["t-rolled", "x"]);
          await tx.notify("grid", "rolled");
          throw new Error("changed my mind");
        }),
      ).rejects.toThrow("changed my mind");
      expect(await db.get("SELECT id FROM tenant WHERE id = ?", ["t-rolled"])).toBeUndefined();
      await db.transaction(async (tx) => {
        await tx.run("INSERT INTO tenant (id, name) VALUES (?, ?)", ["t-kept", "Кept — ü"]);
        // Inside a transaction, the database itself is not to be used (it would wait for this very one).
        await expect(db.get("SELECT 1 AS one")).rejects.toThrow(/inside one of its transactions/);
        await tx.notify("grid", "kept");
      });
      expect(await db.get("SELECT name FROM tenant WHERE id = ?", ["t-kept"])).toEqual({ name: "Кept — ü" });
      expect(await waitFor(() => heard.includes("kept"))).toBe(true);
      expect(heard).not.toContain("rolled");
    } finally {
      await closeAll();
    }
  });

  it("a named lock serialises read-modify-write transactions of two replicas", async () => {
    try {
      const [a, b] = [await open(), await open()];
      await a.run("INSERT INTO tenant (id, name) VALUES ('counter', '0')");
      const bump = (db: MetaDb) =>
        db.transaction(async (tx) => {
          await tx.lock("test.counter");
          const row = await tx.get<{ name: string }>("SELECT name FROM tenant WHERE id = 'counter'");
          // A turn of the event loop between read and write: without the lock, another bump reads the same value.
          await new Promise((resolve) => setImmediate(resolve));
          await tx.run("UPDATE tenant SET name = ? WHERE id = 'counter'", [String(Number(row!.name) + 1)]);
        });
      await Promise.all(Array.from({ length: 20 }, (_, i) => bump(i % 2 === 0 ? a : b)));
      expect(await b.get("SELECT name FROM tenant WHERE id = 'counter'")).toEqual({ name: "20" });
    } finally {
      await closeAll();
    }
  });

  it("reads back what it stores: integers past 2^31, binary, NULL, text with quotes and question marks", async () => {
    try {
      const db = await open();
      const big = 2 ** 52 + 3;
      const bytes = new Uint8Array([0, 1, 2, 255, 0]);
      await db.run(
        "INSERT INTO audit (at, token_id, actor, action, target, status) VALUES (?, ?, ?, ?, ?, ?)",
        [big, null, 'o\'brien "?"', "POST", "/api/v1/x?y=1", 200],
      );
      const row = await db.get<{ at: number; token_id: number | null; actor: string; target: string }>(
        "SELECT at, token_id, actor, target FROM audit WHERE at = ?",
        [big],
      );
      expect(row).toEqual({ at: big, token_id: null, actor: 'o\'brien "?"', target: "/api/v1/x?y=1" });
      await db.run("INSERT INTO secrets_key_check (id, sealed) VALUES (1, ?)", [bytes]);
      const sealed = (await db.get<{ sealed: Uint8Array }>("SELECT sealed FROM secrets_key_check"))!.sealed;
      expect([...sealed]).toEqual([...bytes]);
    } finally {
      await closeAll();
    }
  });
});

describe.skipIf(!postgresAvailable())("metadata database on PostgreSQL: replicas and outages", () => {
  it("tells the other replica after commit, and after a server restart both work again", async () => {
    const pg = await startPostgres();
    const dbs: MetaDb[] = [];
    try {
      const url = await pg.createDatabase("outage");
      const lines: string[] = [];
      const a = await openPostgresDb({ url, maxConnections: 2, log: (m) => lines.push(m) });
      dbs.push(a);
      const b = await openPostgresDb({ url, maxConnections: 2 });
      dbs.push(b);
      const heard: (string | null)[] = [];
      b.subscribe("tokens", (p) => heard.push(p));
      await a.transaction(async (tx) => tx.notify("tokens", "42"));
      expect(await waitFor(() => heard.includes("42"))).toBe(true);

      await pg.restart();
      // Until the pool reconnects a query may fail, but only as STORE_UNAVAILABLE (503), never otherwise.
      const t0 = Date.now();
      let ok = false;
      while (!ok && Date.now() - t0 < 20_000) {
        try {
          await a.get("SELECT 1 AS one");
          ok = true;
        } catch (error) {
          expect((error as { code?: string }).code).toBe("STORE_UNAVAILABLE");
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      expect(ok).toBe(true);
      // B's listening connection came back: it is told to re-read (null), and hears new changes again.
      expect(await waitFor(() => heard.includes(null), 20_000)).toBe(true);
      await a.transaction(async (tx) => tx.notify("tokens", "43"));
      expect(await waitFor(() => heard.includes("43"), 5000)).toBe(true);
    } finally {
      for (const db of dbs) await db.close().catch(() => undefined);
      await pg.stop();
    }
  }, 90_000);

  it("a database that does not answer at start is STORE_UNAVAILABLE after startTimeoutMs", async () => {
    const pg = await startPostgres();
    const url = pg.url;
    await pg.stop();
    const t0 = Date.now();
    await expect(openPostgresDb({ url, startTimeoutMs: 500 })).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
    });
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 60_000);

  it("numbers placeholders and keeps passwords out of what it shows", () => {
    expect(toNumbered("SELECT ? , ?")).toBe("SELECT $1 , $2");
    const shown = redactDatabaseUrl("postgres://vetra:s3cr3t@db.example.org:5432/vetra?sslmode=require");
    expect(shown).not.toContain("s3cr3t");
    expect(shown).toContain("db.example.org");
    expect(redactDatabaseUrl("not a url")).not.toContain("not a url");
  });
});
