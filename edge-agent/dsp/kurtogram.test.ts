import { describe, expect, it } from "vitest";
import { gaussian, mulberry32 } from "../../simulators/turbine/physics.ts";
import { signalSpectrum } from "./envelope.ts";
import { fastKurtogram, kurtogramLevels } from "./kurtogram.ts";

const FS = 25_600;
const N = 65_536;

/** Impacts every `periodS` ringing a resonance at `resonanceHz` (5 % damping), in white noise. */
function impactsInNoise(resonanceHz: number, periodS: number, seed: number): Float64Array {
  const rng = mulberry32(seed);
  const x = Float64Array.from({ length: N }, () => 0.3 * gaussian(rng));
  const wn = 2 * Math.PI * resonanceHz;
  for (let t0 = 0.01; t0 < N / FS; t0 += periodS) {
    const start = Math.round(t0 * FS);
    for (let j = 0; j < 800 && start + j < N; j++) {
      const t = j / FS;
      x[start + j]! += Math.exp(-0.05 * wn * t) * Math.sin(wn * t);
    }
  }
  return x;
}

describe("fast kurtogram", () => {
  it("levels of the 1/3-binary tree: 1, 2, 3, 4, 6, 8, … bands", () => {
    expect(kurtogramLevels(3).map((l) => [l.level, l.bands])).toEqual([
      [0, 1],
      [1, 2],
      [1.6, 3],
      [2, 4],
      [2.6, 6],
      [3, 8],
    ]);
  });

  for (const resonanceHz of [2800, 7000]) {
    it(`picks the band of an impulse train's resonance at ${resonanceHz} Hz`, () => {
      const spec = signalSpectrum(impactsInNoise(resonanceHz, 1 / 87, 9), N, FS);
      const { best } = fastKurtogram(spec, { minBandwidthHz: 400 });
      expect(best.lowHz).toBeLessThanOrEqual(resonanceHz);
      expect(best.highHz).toBeGreaterThanOrEqual(resonanceHz);
      expect(best.bandwidthHz).toBeGreaterThanOrEqual(400);
      expect(best.kurtosis).toBeGreaterThan(1);
    });
  }

  it("Gaussian noise: no band stands out (kurtosis near 0)", () => {
    const rng = mulberry32(4);
    const spec = signalSpectrum(
      Float64Array.from({ length: N }, () => gaussian(rng)),
      N,
      FS,
    );
    const { best } = fastKurtogram(spec, { minBandwidthHz: 400 });
    expect(best.kurtosis).toBeLessThan(0.3);
  });

  it("never picks a band reaching into the top 10 % below Nyquist (converter artefacts)", () => {
    const x = impactsInNoise(12_400, 1 / 50, 2);
    const { best } = fastKurtogram(signalSpectrum(x, N, FS), { minBandwidthHz: 400 });
    expect(best.highHz).toBeLessThanOrEqual(0.9 * (FS / 2));
  });
});
