import { describe, expect, it } from "vitest";
import { gaussian, mulberry32 } from "../../simulators/turbine/physics.ts";
import { refineShaftSpeed } from "./shaft-speed.ts";
import { welchPowerSpectrum } from "./welch.ts";

const FS = 25_600;
const N = 65_536;

/** White noise with tones at the given harmonics of `shaftHz` (amplitude per harmonic). */
function block(shaftHz: number, amplitudes: readonly number[], seed: number, noise = 0.5) {
  const rng = mulberry32(seed);
  const x = Float64Array.from({ length: N }, () => noise * gaussian(rng));
  amplitudes.forEach((a, j) => {
    for (let i = 0; i < N; i++) x[i]! += a * Math.sin((2 * Math.PI * (j + 1) * shaftHz * i) / FS + j);
  });
  return welchPowerSpectrum(x, N, FS, N);
}

describe("shaft speed from the spectrum's 1× line", () => {
  it("a stated speed 2 % off is corrected to within 0.1 % by 1×, confirmed by 2×", () => {
    for (const [trueHz, stated] of [
      [24.8, 25],
      [29.55, 29.55 * 0.98],
      [15.1, 15.1 * 1.02],
    ] as const) {
      const est = refineShaftSpeed(block(trueHz, [0.2, 0.1], 7), stated);
      expect(est.refined).toBe(true);
      expect(Math.abs(est.hz / trueHz - 1)).toBeLessThan(0.001);
    }
  });

  it("keeps the stated speed without a clear 1×, or with a 1× no harmonic confirms", () => {
    const none = refineShaftSpeed(block(25, [], 8), 25);
    expect(none).toMatchObject({ hz: 25, refined: false });
    const lone = refineShaftSpeed(block(25, [0.2], 9), 25.3);
    expect(lone.refined).toBe(false);
    expect(lone.hz).toBe(25.3);
    expect(lone.lineDb).toBeGreaterThan(10);
  });

  it("does not look where the resolution cannot resolve 1× (a slow rotor in a short block)", () => {
    expect(refineShaftSpeed(block(0.25, [0.2, 0.1], 10), 0.25)).toMatchObject({ hz: 0.25, refined: false });
  });
});
