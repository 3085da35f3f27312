// `vetra edge dead-letters` on a real queue file: list (table and JSON),
// resend by id and all, and what an operator in a hurry types.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { Point } from "../common/wire.ts";
import { runEdge } from "./cli.ts";
import { openSqliteQueue } from "./queue/sqlite.ts";

const T0 = Date.UTC(2026, 0, 1);
const pt = (i: number, asset = "T01"): Point => ({
  measurement: "scada",
  tags: { site: "wf1", asset },
  fields: { power_kw: i },
  ts: T0 + i * 1000,
});

describe("vetra edge dead-letters", () => {
  let dir: string;
  let file: string;
  let out: string[];
  let err: string[];
  const run = (...args: string[]) =>
    runEdge(["edge", "dead-letters", ...args], {
      stdout: (l) => void out.push(l),
      stderr: (l) => void err.push(l),
    });
  const queueOptions = () => ({ dir: join(dir, "q"), maxBytes: 1 << 30, maxAgeHours: 720 });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vetra-dead-"));
    file = join(dir, "edge.yaml");
    writeFileSync(
      file,
      stringify({
        agent: { id: "wf1-gw", site: "wf1" },
        central: { url: "http://127.0.0.1:9", token: "t" },
        queue: { dir: join(dir, "q") },
        sources: [],
      }),
    );
    out = [];
    err = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("lists the letters with their reasons, and moves chosen ones back into the queue", async () => {
    expect(await run("list", "--config", file)).toBe(0);
    expect(out).toEqual(["no dead letters"]);
    const q = openSqliteQueue(queueOptions());
    q.refuse(
      [pt(1, "TO1"), pt(2, "TO1")],
      "local:plc",
      "UNKNOWN_ASSET",
      'tags.asset: "TO1" is not an asset of site "wf1"',
    );
    q.enqueue([pt(3), pt(4)]);
    q.deadLetterRows(q.peek(10)!, [
      { index: 1, code: "UNKNOWN_FIELD", message: "points[1].fields.x: not a field of scada" },
    ]);
    q.close();

    out = [];
    expect(await run("list", "--config", file)).toBe(0);
    expect(out[0]).toBe("id\tat (UTC)\tpoints\tcode\torigin\treason");
    expect(out[1]).toMatch(
      /^1\t\d{4}-\d\d-\d\dT[\d:.]+Z\t2\tUNKNOWN_ASSET\tlocal:plc\ttags\.asset: "TO1" is not an asset/,
    );
    expect(out[2]).toMatch(/^2\t.+\t1\tUNKNOWN_FIELD\t[0-9a-f]+-\d+-\d+\tfields\.x: not a field of scada$/);
    expect(out[3]).toMatch(
      /^2 dead letters, 3 points; after fixing the cause: vetra edge dead-letters resend/,
    );
    out = [];
    expect(await run("list", "--config", file, "--json")).toBe(0);
    expect(
      JSON.parse(out[0]!).deadLetters.map((d: { id: number; points: number }) => [d.id, d.points]),
    ).toEqual([
      [1, 2],
      [2, 1],
    ]);

    out = [];
    expect(await run("resend", "--config", file, "--id", "1")).toBe(0);
    expect(out[0]).toMatch(/^moved 2 points of 1 dead letters back into the queue/);
    const after = openSqliteQueue(queueOptions());
    expect(after.peek(10)!.points.map((p) => p.fields.power_kw)).toEqual([3, 1, 2]);
    expect(after.listDeadLetters().map((d) => d.id)).toEqual([2]);
    after.close();
    expect(await run("resend", "--config", file, "--all")).toBe(0);
    const last = openSqliteQueue(queueOptions());
    expect(last.stats().depth).toBe(4);
    expect(last.listDeadLetters()).toEqual([]);
    last.close();
  });

  it("refuses what an operator in a hurry types: exit 2 (or 1 for a letter that is not there), one line each", async () => {
    expect(await run("resend", "--config", file)).toBe(2);
    expect(await run("resend", "--config", file, "--all", "--id", "1")).toBe(2);
    expect(await run("resend", "--config", file, "--id", "one")).toBe(2);
    expect(await run("resend", "--config", file, "--id", "-1")).toBe(2);
    expect(await run("list", "--config", file, "--all")).toBe(2);
    expect(await run("purge", "--config", file)).toBe(2);
    expect(await run("list")).toBe(2);
    expect(await run("list", "--config", join(dir, "missing.yaml"))).toBe(2);
    expect(err).toHaveLength(8);
    err = [];
    expect(await run("resend", "--config", file, "--id", "7")).toBe(1);
    expect(err).toEqual(["vetra edge dead-letters resend: no dead letter 7"]);
    writeFileSync(
      file,
      stringify({
        agent: { id: "a", site: "s" },
        central: { url: "http://127.0.0.1:9", token: "t" },
        queue: { dir: join(dir, "m"), kind: "memory" },
        sources: [],
      }),
    );
    expect(await run("list", "--config", file)).toBe(2);
  });
});
