import { describe, expect, it } from "vitest";
import { detrendInto } from "./detrend.ts";

describe("detrendInto", () => {
  it("removes a line exactly and reports its offset and slope", () => {
    const n = 1000;
    const x = Float64Array.from({ length: n }, (_, i) => 3 + 0.01 * i);
    const out = new Float64Array(n);
    const { offset, slope } = detrendInto(x, out, "linear");
    expect(offset).toBeCloseTo(3, 10);
    expect(slope).toBeCloseTo(0.01, 12);
    expect(Math.max(...out.map(Math.abs))).toBeLessThan(1e-10);
  });

  it("keeps a cosine (whole periods, no slope of its own) and removes the ramp under it, scaled", () => {
    const n = 4096;
    const c = (i: number): number => Math.cos((2 * Math.PI * 16 * (i - (n - 1) / 2)) / n);
    const x = Float64Array.from({ length: n }, (_, i) => 1 - 0.002 * i + c(i));
    const out = new Float64Array(n);
    detrendInto(x, out, "linear", 2);
    for (let i = 0; i < n; i += 97) expect(out[i]!).toBeCloseTo(2 * c(i), 2);
  });

  it("mean mode removes only the mean", () => {
    const x = [1, 2, 3, 4];
    const out = new Float64Array(4);
    const { offset, slope } = detrendInto(x, out, "mean");
    expect(offset).toBe(2.5);
    expect(slope).toBe(0);
    expect(Array.from(out)).toEqual([-1.5, -0.5, 0.5, 1.5]);
  });

  it("refuses an output buffer that is too short", () => {
    expect(() => detrendInto([1, 2, 3], new Float64Array(2))).toThrow(/3 values/);
  });
});
