// The interlocks' conditions on values as the sources deliver them: above
// with its deadband, a digital input that equals, the first active one
// holding a point both name, nothing acting on a value never seen.
import { describe, expect, it } from "vitest";
import type { Point } from "../../common/wire.ts";
import { Interlocks } from "./interlocks.ts";
import type { InterlockConfig } from "./schema.ts";

const force = { asset: "s1", point: "hvac_mode", value: 0 };
const fire: InterlockConfig = {
  id: "fire",
  when: {
    asset: "s1",
    measurement: "scada",
    field: "operating_state",
    point: "fire_panel",
    equals: 1,
    deadband: 0,
  },
  force,
};
const hot: InterlockConfig = {
  id: "overheat",
  when: { asset: "s1", measurement: "scada", field: "indoor_temp_c", above: 30, deadband: 2 },
  force: { ...force, value: 2 },
};
const at = (field: string, value: number, point?: string): Point => ({
  measurement: "scada",
  tags: { site: "x", asset: "s1", ...(point ? { point } : {}) },
  fields: { [field]: value },
  ts: 0,
});

describe("interlocks", () => {
  it("acts above the threshold, holds within the deadband, releases past it; the first active one holds the point", () => {
    const il = new Interlocks([fire, hot]);
    expect(il.evaluate()).toEqual({ changes: [], holds: new Map() });
    il.observe([at("indoor_temp_c", 30)]);
    expect(il.evaluate().holds.size).toBe(0); // not above 30
    il.observe([at("indoor_temp_c", 30.5)]);
    let r = il.evaluate();
    expect(r.changes.map((c) => [c.interlock.id, c.active])).toEqual([["overheat", true]]);
    expect(r.holds.get("s1\nhvac_mode")?.id).toBe("overheat");
    il.observe([at("indoor_temp_c", 28.5)]);
    expect(il.evaluate().holds.get("s1\nhvac_mode")?.id).toBe("overheat"); // within 2 K of the threshold
    // The fire panel's contact, on its own point tag; another point's value is not it.
    il.observe([at("operating_state", 1, "other_panel")]);
    expect(il.evaluate().holds.get("s1\nhvac_mode")?.id).toBe("overheat");
    il.observe([at("operating_state", 1, "fire_panel")]);
    r = il.evaluate();
    expect(r.changes.map((c) => [c.interlock.id, c.active])).toEqual([["fire", true]]);
    expect(r.holds.get("s1\nhvac_mode")?.id).toBe("fire"); // declared first
    il.observe([at("indoor_temp_c", 27.9), at("operating_state", 0, "fire_panel")]);
    r = il.evaluate();
    expect(r.changes.map((c) => [c.interlock.id, c.active])).toEqual([
      ["fire", false],
      ["overheat", false],
    ]);
    expect(r.holds.size).toBe(0);
  });
});
