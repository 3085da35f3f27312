// Block cursors are saved off the event loop, one write at a time with the
// newest state: after a burst of blocks the file holds the last of them, a
// reopened source reads it back, and an unreadable file starts afresh.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openCursors } from "./cursors.ts";

const until = async (ok: () => boolean, what: string): Promise<void> => {
  const end = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("block cursors", () => {
  let dir: string;
  const file = () => join(dir, "sources", "plc%2F1.cursors.json");
  const saved = (): unknown => {
    try {
      return JSON.parse(readFileSync(file(), "utf8"));
    } catch {
      return null;
    }
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vetra-cursors-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("saves the newest state of a burst of blocks, and a reopened source reads it", async () => {
    const logs: string[] = [];
    const c = openCursors(dir, "plc/1", (l) => logs.push(l));
    for (let k = 1; k <= 200; k++) {
      c.set("main_bearing", "sequence", k);
      c.set("gearbox", "timestamp", 1000 * k);
    }
    // Answers from memory at once, whatever the file's state.
    expect(c.get("main_bearing", "sequence")).toBe(200);
    expect(c.get("main_bearing", "timestamp")).toBeNull();
    const last = {
      main_bearing: { kind: "sequence", key: 200 },
      gearbox: { kind: "timestamp", key: 200_000 },
    };
    await until(() => JSON.stringify(saved()) === JSON.stringify(last), "the last state on disk");
    // No temporary file is left behind once the writes are done.
    await until(() => readdirSync(join(dir, "sources")).length === 1, "the temporary files to go");
    const again = openCursors(dir, "plc/1", (l) => logs.push(l));
    expect(again.get("main_bearing", "sequence")).toBe(200);
    expect(again.get("gearbox", "timestamp")).toBe(200_000);
    expect(logs).toEqual([]);
  });

  it("starts afresh from an unreadable file, and says so", () => {
    const logs: string[] = [];
    mkdirSync(join(dir, "sources"), { recursive: true });
    writeFileSync(file(), "{ half a fi");
    const c = openCursors(dir, "plc/1", (l) => logs.push(l));
    expect(c.get("p", "value")).toBeNull();
    expect(logs.join("\n")).toMatch(/block cursors start afresh/);
  });
});
