// The throwaway cluster, through the driver central uses (postgres): it
// answers on loopback with durability off, keeps its data across a
// restart — and a listener reconnects by itself after it, runs its
// `onlisten` again and receives what is notified afterwards (what the
// metadata store's fan-out to replicas relies on) — and leaves nothing on stop.
import { existsSync } from "node:fs";
import { connect } from "node:net";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { postgresAvailable, startPostgres } from "./postgres.ts";
import { until } from "./until.ts";

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => resolve(!!socket.end()));
    socket.once("error", () => resolve(false));
  });

describe.skipIf(!postgresAvailable())("startPostgres", () => {
  it("starts a throwaway cluster on loopback that keeps its data across a restart, and removes it on stop", async () => {
    const server = await startPostgres();
    const sql = postgres(server.url, { max: 2, onnotice: () => {} });
    try {
      expect(server.url).toMatch(/^postgres:\/\/vetra@127\.0\.0\.1:\d+\/vetra_test$/);
      expect(server.version).toBeGreaterThanOrEqual(13);
      const settings = await sql`SELECT name, setting FROM pg_settings
                                  WHERE name IN ('fsync', 'listen_addresses') ORDER BY name`;
      expect([...settings]).toEqual([
        { name: "fsync", setting: "off" },
        { name: "listen_addresses", setting: "127.0.0.1" },
      ]);
      await sql`CREATE TABLE kept (v int)`;
      await sql`INSERT INTO kept VALUES (42)`;
      const received: string[] = [];
      let listened = 0;
      await sql.listen(
        "fleet",
        (payload) => void received.push(payload),
        () => void listened++,
      );
      expect(listened).toBe(1);

      await server.restart();
      // The pool's connections were cut: the next query opens a new one.
      expect([...(await sql`SELECT v FROM kept`)]).toEqual([{ v: 42 }]);
      await until("the listener to reconnect", () => (listened >= 2 ? true : undefined), 20_000);
      await sql.notify("fleet", "generation 2");
      await until(
        "the notification after the restart",
        () => (received.length > 0 ? true : undefined),
        5_000,
      );
      expect(received).toEqual(["generation 2"]);

      const other = postgres(await server.createDatabase("second_db"), { max: 1 });
      expect([...(await other`SELECT current_database() AS db`)]).toEqual([{ db: "second_db" }]);
      await other.end();
    } finally {
      await sql.end({ timeout: 1 });
      await server.stop();
    }
    expect(existsSync(server.dir)).toBe(false);
    expect(await canConnect(server.port)).toBe(false);
  });
});
