import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../simulators/turbine/physics.ts";
import { medianOf, quantileOf, SMALLEST_MAX, selectKth, smallestOf } from "./order-statistics.ts";

const sorted = (a: Float64Array): number[] => [...a].sort((x, y) => x - y);

describe("order statistics", () => {
  it("selectKth finds every order statistic of random data with ties, sorted and reversed runs", () => {
    const rng = mulberry32(1);
    const inputs = [
      Float64Array.from({ length: 101 }, () => Math.floor(rng() * 20)),
      Float64Array.from({ length: 64 }, (_, i) => i),
      Float64Array.from({ length: 64 }, (_, i) => 64 - i),
      Float64Array.of(5),
    ];
    for (const input of inputs) {
      const s = sorted(input);
      for (let k = 0; k < input.length; k++) expect(selectKth(Float64Array.from(input), k)).toBe(s[k]);
    }
  });

  it("selectKth works within a range and refuses a k outside it", () => {
    const a = Float64Array.of(9, 0, 5, 4, 6, 9);
    // Index 2 of the range 1…4 (0, 5, 4, 6) sorted in place: 0, 4, 5, 6 → 4.
    expect(selectKth(a, 2, 1, 5)).toBe(4);
    expect(() => selectKth(Float64Array.of(1, 2), 2)).toThrow(RangeError);
  });

  it("smallestOf leaves its input alone and agrees with sorting for every small k", () => {
    const rng = mulberry32(2);
    const v = Float64Array.from({ length: 300 }, () => rng());
    const copy = Float64Array.from(v);
    const best = new Float64Array(SMALLEST_MAX + 1);
    const s = sorted(v.subarray(10, 210));
    for (const k of [0, 1, 17, SMALLEST_MAX - 1]) expect(smallestOf(v, 10, 200, k, best)).toBe(s[k]);
    expect(v).toEqual(copy);
    expect(() => smallestOf(v, 0, 300, SMALLEST_MAX, best)).toThrow(RangeError);
  });

  it("quantileOf: the ⌊q·n⌋-th smallest, by insertion for low ranks and by selection on a copy above", () => {
    const rng = mulberry32(3);
    const v = Float64Array.from({ length: 1000 }, () => rng());
    const s = sorted(v);
    const scratch = { values: new Float64Array(4) };
    expect(quantileOf(v, 0, 1000, 0.03, scratch)).toBe(s[30]);
    expect(quantileOf(v, 0, 1000, 0.5, scratch)).toBe(s[500]);
    expect(scratch.values.length).toBeGreaterThanOrEqual(1000);
    expect(Number.isNaN(quantileOf(v, 0, 0, 0.5, scratch))).toBe(true);
  });

  it("medianOf: the middle value, or the mean of the two middle ones", () => {
    expect(medianOf(Float64Array.of(3, 1, 2), 3)).toBe(2);
    expect(medianOf(Float64Array.of(4, 1, 3, 2), 4)).toBe(2.5);
    expect(medianOf(Float64Array.of(5, 5, 1, 9, 9, 9), 6)).toBe(7);
    expect(Number.isNaN(medianOf(new Float64Array(0), 0))).toBe(true);
  });
});
