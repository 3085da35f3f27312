// The `metadata` key of central's config as an integrator writes it, and as
// a hurried one does: the default, PostgreSQL's URL from the file or from
// DATABASE_URL, and every mistake refused with the key path named.
import { describe, expect, it } from "vitest";
import { checkCentralConfig } from "../config.ts";

const URL_A = "postgres://vetra:secret@db.example.org:5432/vetra?sslmode=require";

describe("metadata config", () => {
  it("defaults to SQLite in the data dir", () => {
    const r = checkCentralConfig({});
    expect(r.ok && r.config.metadata).toEqual({ kind: "sqlite" });
    const file = checkCentralConfig({ metadata: { kind: "sqlite", path: "/var/lib/vetra/meta.sqlite" } });
    expect(file.ok && file.config.metadata).toEqual({ kind: "sqlite", path: "/var/lib/vetra/meta.sqlite" });
  });

  it("takes PostgreSQL's URL from the file, else from DATABASE_URL; the file wins", () => {
    const inFile = checkCentralConfig({ metadata: { kind: "postgres", url: URL_A } });
    expect(inFile.ok && inFile.config.metadata).toEqual({
      kind: "postgres",
      url: URL_A,
      maxConnections: 10,
      startTimeoutMs: 60_000,
    });
    const fromEnv = checkCentralConfig(
      { metadata: { kind: "postgres" } },
      { DATABASE_URL: "postgresql://u@10.0.0.5/vetra" },
    );
    expect(fromEnv.ok && fromEnv.config.metadata).toMatchObject({ url: "postgresql://u@10.0.0.5/vetra" });
    const both = checkCentralConfig(
      { metadata: { kind: "postgres", url: URL_A } },
      { DATABASE_URL: "postgresql://other@x/y" },
    );
    expect(both.ok && both.config.metadata).toMatchObject({ url: URL_A });
    // DATABASE_URL alone does not switch a config that names no PostgreSQL.
    const sqlite = checkCentralConfig({}, { DATABASE_URL: URL_A });
    expect(sqlite.ok && sqlite.config.metadata).toEqual({ kind: "sqlite" });
  });

  it.each([
    [{ metadata: { kind: "postgres" } }, /^metadata\.url: required/],
    [{ metadata: { kind: "mysql", url: URL_A } }, /^metadata/],
    [{ metadata: { kind: "postgres", url: "http://db.example.org/vetra" } }, /^metadata\.url: /],
    [{ metadata: { kind: "postgres", url: "postgres://a b@host/db" } }, /^metadata\.url: /],
    [{ metadata: { kind: "postgres", url: URL_A, pool: 5 } }, /^metadata\.pool: unknown key/],
    [{ metadata: { kind: "postgres", url: URL_A, maxConnections: 0 } }, /^metadata\.maxConnections: /],
    [{ metadata: { kind: "postgres", url: URL_A, maxConnections: 1e9 } }, /^metadata\.maxConnections: /],
    [{ metadata: { kind: "postgres", url: URL_A, startTimeoutMs: -1 } }, /^metadata\.startTimeoutMs: /],
    [{ metadata: { kind: "sqlite", url: URL_A } }, /^metadata\.url: unknown key/],
    [{ metadata: { kind: "sqlite", path: "" } }, /^metadata\.path: /],
    [{ metadata: "postgres" }, /^metadata/],
  ])("refuses %j naming the key", (input, error) => {
    const r = checkCentralConfig(input);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(error);
  });
});
