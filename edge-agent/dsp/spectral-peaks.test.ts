import { describe, expect, it } from "vitest";
import { gaussian, mulberry32 } from "../../simulators/turbine/physics.ts";
import { FLOOR_TO_MEDIAN, floorAt, isLocalMaximum, noiseFloor, parabolicOffset } from "./spectral-peaks.ts";

describe("noise floor of an amplitude spectrum", () => {
  it("reads the median of Rayleigh-distributed amplitudes from their 30 % quantile", () => {
    const rng = mulberry32(4);
    const sigma = 2;
    // |complex Gaussian| is Rayleigh; its median is σ·√(2 ln 2).
    const a = Float64Array.from({ length: 40_000 }, () => sigma * Math.hypot(gaussian(rng), gaussian(rng)));
    const levels = new Float64Array(8);
    const floor = noiseFloor(a, 0, a.length - 1, 5000, 8, levels, { values: new Float64Array(8) });
    const median = sigma * Math.sqrt(2 * Math.LN2);
    for (let b = 0; b < 8; b++) expect(floor.levels[b]! / median).toBeCloseTo(1, 1);
    expect(FLOOR_TO_MEDIAN).toBeGreaterThan(1);
  });

  it("a floor under lines in 60 % of the bins still reads the noise", () => {
    const rng = mulberry32(5);
    const a = Float64Array.from({ length: 2000 }, (_, i) =>
      i % 5 < 3 ? 100 : Math.hypot(gaussian(rng), gaussian(rng)),
    );
    const floor = noiseFloor(a, 0, 1999, 2000, 1, new Float64Array(1), { values: new Float64Array(8) });
    // Median of the noise alone: √(2 ln 2) ≈ 1.18; a plain median would read 100.
    expect(floor.levels[0]!).toBeLessThan(5);
  });

  it("interpolates between block centres and holds flat beyond the outer ones", () => {
    const levels = Float64Array.of(1, 3);
    const floor = { first: 0, blockBins: 10, levels, blocks: 2 };
    expect(floorAt(floor, 4.5)).toBe(1);
    expect(floorAt(floor, 14.5)).toBe(3);
    expect(floorAt(floor, 9.5)).toBe(2);
    expect(floorAt(floor, 0)).toBe(1);
    expect(floorAt(floor, 100)).toBe(3);
  });
});

describe("peaks", () => {
  it("parabolic offset is exact for samples of a parabola and 0 where there is no maximum", () => {
    const peak = 10.3;
    const a = Float64Array.from({ length: 20 }, (_, i) => 50 - (i - peak) ** 2);
    const k = 10;
    expect(isLocalMaximum(a, k)).toBe(true);
    expect(k + parabolicOffset(a, k)).toBeCloseTo(peak, 10);
    expect(parabolicOffset(Float64Array.of(1, 2, 3), 1)).toBe(0);
  });
});
