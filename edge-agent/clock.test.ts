import { describe, expect, it } from "vitest";
import { createClockMonitor } from "./clock.ts";

describe("clock step detection", () => {
  it("reports a forward and a backward NTP step, ignores slew below the threshold", () => {
    let wall = 1_700_000_000_000;
    let mono = 5_000;
    const c = createClockMonitor({ wall: () => wall, monotonic: () => mono, thresholdMs: 2000 });
    wall += 10_000;
    mono += 10_000;
    expect(c.check()).toBe(0); // both advanced alike
    wall += 10_500;
    mono += 10_000;
    expect(c.check()).toBe(0); // 500 ms of slew
    wall += 3_600_000 + 1_000;
    mono += 1_000;
    expect(c.check()).toBe(3_600_000); // one hour forward
    wall -= 30_000 - 1_000;
    mono += 1_000;
    expect(c.check()).toBe(-30_000); // 30 s back
    expect(c.check()).toBe(0);
  });
});
