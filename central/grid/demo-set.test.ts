// The demo set's data file is checked where it is read: the shipped file
// passes, and a file that says something the model does not know is refused
// with the path of what is wrong.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEMO_SET_FILE, demoGridSet, parseDemoSet } from "./demo-set.ts";

const shipped = (): Record<string, unknown> & { points: unknown[]; lines: unknown[]; operator: string } =>
  JSON.parse(readFileSync(DEMO_SET_FILE, "utf8"));

/** Sets the value at a JSON pointer (`/points/2/lat`) of a parsed file. */
function setAt(file: object, pointer: string, value: unknown): void {
  const keys = pointer.split("/").slice(1);
  const last = keys.pop()!;
  let parent = file as Record<string, unknown>;
  for (const key of keys) parent = parent[key] as Record<string, unknown>;
  parent[last] = value;
}

/** What a spoiled file says, where, and the value put there. */
const SPOILED: [what: string, pointer: string, value: unknown][] = [
  ["an unknown key", "/points/2/peak_mw", 3],
  ["a figure of the wrong type", "/points/4/lat", "42"],
  ["a negative MW", "/points/1/generation_queue_mw", -1],
  ["a line to a point that is not there", "/lines/3/to", "dg-nowhere"],
  ["an unknown key at the top", "/source", "demo"],
];

describe("demo grid set", () => {
  it("reads the shipped file: every line joins two of its points, every point has the set's operator", () => {
    const set = demoGridSet(0);
    expect(set.illustrative).toBe(true);
    expect(set.points.length).toBe(shipped().points.length);
    const ids = new Set(set.points.map((p) => p.id));
    for (const line of set.lines) for (const end of line.id.split("--")) expect(ids.has(end)).toBe(true);
    expect(new Set([...set.points, ...set.lines].map((x) => x.operator))).toEqual(
      new Set([shipped().operator]),
    );
  });

  it.each(SPOILED)("refuses %s, naming its path", (_what, pointer, value) => {
    const file = shipped();
    setAt(file, pointer, value);
    expect(() => parseDemoSet(JSON.stringify(file))).toThrow(`: ${pointer}: `);
  });
});
