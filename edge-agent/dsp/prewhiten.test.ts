import { describe, expect, it } from "vitest";
import { gaussian, mulberry32 } from "../../simulators/turbine/physics.ts";
import { signalSpectrum, spareBins } from "./envelope.ts";
import { cepstralPrewhiten } from "./prewhiten.ts";

const FS = 25_600;
const N = 16_384;

/** Power in eight equal bands of 0…fs/2, from interleaved bins. */
function bandPowers(bins: Float64Array): number[] {
  const half = N / 2;
  const out = new Array<number>(8).fill(0);
  for (let k = 1; k < half; k++)
    out[Math.floor((k * 8) / half)]! += bins[2 * k]! ** 2 + bins[2 * k + 1]! ** 2;
  return out;
}

describe("cepstral pre-whitening", () => {
  it("flattens a coloured spectrum (AR(1) noise and a strong tone) and keeps the mean square", () => {
    const rng = mulberry32(8);
    const x = new Float64Array(N);
    let prev = 0;
    for (let i = 0; i < N; i++) {
      prev = 0.95 * prev + gaussian(rng); // red noise: ~30 dB from DC to Nyquist
      x[i] = prev + 20 * Math.sin((2 * Math.PI * 500 * i) / FS);
    }
    const spec = signalSpectrum(x, N, FS);
    const before = bandPowers(spec.bins);
    const white = cepstralPrewhiten(spec, spareBins(N));
    const after = bandPowers(white.bins);
    expect(Math.max(...before) / Math.min(...before)).toBeGreaterThan(50);
    expect(Math.max(...after) / Math.min(...after)).toBeLessThan(1.01);
    const energy = (b: number[]): number => b.reduce((s, v) => s + v, 0);
    expect(energy(after) / energy(before)).toBeCloseTo(1, 2);
    // The phase is kept: bin 100's angle is unchanged.
    expect(Math.atan2(white.bins[201]!, white.bins[200]!)).toBeCloseTo(
      Math.atan2(spec.bins[201]!, spec.bins[200]!),
      10,
    );
  });
});
