import { describe, expect, it } from "vitest";
import { gaussian, mulberry32 } from "../../simulators/turbine/physics.ts";
import { signalSpectrum } from "./envelope.ts";
import { bandMeanSquare, hannPowerFromSpectrum, welchPowerSpectrum } from "./welch.ts";

const FS = 25_600;
const sine = (n: number, f: number, a: number): Float64Array =>
  Float64Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / FS));

describe("welchPowerSpectrum (Heinzel normalisation for noise)", () => {
  it("a sine between bins: the band around it sums to A²/2, and ÷ω² to the velocity's mean square", () => {
    const f = 123.45;
    const x = sine(65_536, f, 3);
    const ps = welchPowerSpectrum(x, x.length, FS, 8192);
    expect(ps.dfHz).toBe(FS / 8192);
    expect(bandMeanSquare(ps, f - 20, f + 20) / (9 / 2)).toBeCloseTo(1, 3);
    const v = 3 / (2 * Math.PI * f);
    expect(bandMeanSquare(ps, f - 20, f + 20, true) / ((v * v) / 2)).toBeCloseTo(1, 2);
  });

  it("white noise of σ sums to σ² over 0…fs/2, averaged over segments spread across a record of any length", () => {
    const rng = mulberry32(11);
    const n = 100_000; // not a power of two: segments spread with > 50 % overlap to cover it all
    const x = Float64Array.from({ length: n }, () => 0.5 * gaussian(rng));
    const ps = welchPowerSpectrum(x, n, FS, 4096);
    expect(bandMeanSquare(ps, 0, FS / 2) / 0.25).toBeCloseTo(1, 1);
    // Averaging: the per-bin spread of an averaged periodogram is ~1/√segments of a single one.
    const mean = bandMeanSquare(ps, 1000, 11_000) / ((11_000 - 1000) / ps.dfHz);
    let dev = 0;
    let count = 0;
    for (let k = Math.ceil(1000 / ps.dfHz); k <= 11_000 / ps.dfHz; k++) {
      dev += (ps.power[k]! / mean - 1) ** 2;
      count++;
    }
    expect(Math.sqrt(dev / count)).toBeLessThan(0.25);
  });

  it("a record shorter than a segment is one zero-padded segment", () => {
    const x = sine(3000, 1000, 1);
    const ps = welchPowerSpectrum(x, x.length, FS, 4096);
    expect(bandMeanSquare(ps, 900, 1100)).toBeCloseTo(0.5, 2);
  });

  it("hannPowerFromSpectrum (window applied to the unwindowed FFT) equals the one-segment Welch spectrum", () => {
    const rng = mulberry32(5);
    const n = 8192;
    const x = Float64Array.from({ length: n }, (_, i) => gaussian(rng) + Math.sin(i / 7));
    const welch = Float64Array.from(welchPowerSpectrum(x, n, FS, n).power);
    const spec = signalSpectrum(x, n, FS);
    const fromBins = hannPowerFromSpectrum(spec.bins, n, FS).power;
    let worst = 0;
    for (let k = 0; k < welch.length; k++)
      worst = Math.max(worst, Math.abs(fromBins[k]! - welch[k]!) / (welch[k]! + 1e-30));
    expect(worst).toBeLessThan(1e-9);
  });
});
