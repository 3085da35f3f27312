import { describe, expect, it } from "vitest";
import { CommandStates } from "../../common/control.ts";
import { isFinal, mayMove } from "./lifecycle.ts";

describe("command lifecycle", () => {
  it("moves forward along requested → delivered → applied → confirmed", () => {
    expect(mayMove("requested", "delivered")).toBe(true);
    expect(mayMove("delivered", "applied")).toBe(true);
    expect(mayMove("applied", "confirmed")).toBe(true);
    // A step may be skipped (the agent got, wrote and read back between two syncs).
    expect(mayMove("requested", "confirmed")).toBe(true);
  });
  it("never moves back, never repeats a step, never leaves a final state", () => {
    expect(mayMove("confirmed", "applied")).toBe(false);
    expect(mayMove("applied", "applied")).toBe(false);
    for (const final of CommandStates.filter(isFinal))
      for (const next of CommandStates) expect(mayMove(final, next), `${final} → ${next}`).toBe(false);
  });
  it("reaches a final state from every active one (a confirmed command may still be relinquished or expire)", () => {
    for (const active of CommandStates.filter((s) => !isFinal(s)))
      for (const final of CommandStates.filter(isFinal)) expect(mayMove(active, final)).toBe(true);
  });
});
