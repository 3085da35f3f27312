// The `vetra` executable as a user meets it: a bad config is refused with
// one line naming the key and a non-zero exit, before anything starts.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const vetra = join(import.meta.dirname, "..", "bin", "vetra.js");
const dir = mkdtempSync(join(tmpdir(), "vetra-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) =>
  spawnSync(process.execPath, [vetra, ...args], { encoding: "utf8", timeout: 60_000 });
const file = (name: string, body: string) => {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
};

describe("vetra command line", () => {
  it("refuses an unknown command with exit 2 and the usage", () => {
    const r = run("frobnicate");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expect(r.stderr).toContain("demo");
  });

  it("edge: an unknown key in the agent config is named and the agent does not start", () => {
    const path = file(
      "agent-unknown.yaml",
      [
        "agent: { id: a1, site: s1 }",
        "central: { url: 'http://127.0.0.1:9', token: t, colour: blue }",
        "queue: { dir: ./q }",
        "sources: []",
      ].join("\n"),
    );
    const r = run("edge", "--config", path);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/central.*colour|colour.*central/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("edge: a wrong register type is named with its path", () => {
    const path = file(
      "agent-type.json",
      JSON.stringify({
        agent: { id: "a1", site: "s1" },
        central: { url: "http://127.0.0.1:9", token: "t" },
        queue: { dir: join(dir, "q") },
        sources: [
          {
            kind: "modbus",
            id: "m1",
            host: "127.0.0.1",
            port: 502,
            unitId: 1,
            asset: "A1",
            registers: [
              { function: 4, address: 0, type: "float64", measurement: "meter", field: "power_kw" },
            ],
          },
        ],
      }),
    );
    const r = run("edge", "--config", path);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/sources.*0.*registers.*0.*type/);
  });

  it("edge: a missing config file is a one-line error", () => {
    const r = run("edge", "--config", join(dir, "nope.yaml"));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("nope.yaml");
  });

  it("central: an invalid store kind is named", () => {
    const path = file("central.yaml", ["dataDir: ./data", "store: { kind: mongo }"].join("\n"));
    const r = run("central", "--config", path);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/store/);
  });
});
