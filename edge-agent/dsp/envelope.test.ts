import { describe, expect, it } from "vitest";
import { gaussian, mulberry32 } from "../../simulators/turbine/physics.ts";
import { bandKurtosis, envelopeKurtosis } from "./band-kurtosis.ts";
import {
  bandBins,
  bandSquaredEnvelope,
  decimateSquaredEnvelope,
  envelopeTransformSize,
  type SignalSpectrum,
  signalSpectrum,
  squaredEnvelopeSpectrum,
} from "./envelope.ts";
import { fftJsBackend } from "./fft.ts";

const FS = 25_600;
const N = 65_536;

describe("squared-envelope spectrum", () => {
  it("AM signal (1 + m·cos 2πf_m t)·cos 2πf_c t: lines at f_m (2m) and 2f_m (m²/2), mean 1 + m²/2", () => {
    const m = 0.5;
    const fm = 25 * (FS / N) * 4; // on a bin of the envelope spectrum
    const fc = 3000;
    const x = Float64Array.from(
      { length: N },
      (_, i) => (1 + m * Math.cos((2 * Math.PI * fm * i) / FS)) * Math.cos((2 * Math.PI * fc * i) / FS),
    );
    const spec = signalSpectrum(x, N, FS);
    const [first, last] = bandBins(spec, fc - 400, fc + 400);
    const env = bandSquaredEnvelope(spec, first, last, 2);
    const ses = squaredEnvelopeSpectrum(env, 800, 2);
    const at = (hz: number): number => ses.amplitude[Math.round(hz / ses.dfHz)]!;
    expect(ses.mean).toBeCloseTo(1 + (m * m) / 2, 3);
    expect(at(fm)).toBeCloseTo(2 * m, 2);
    expect(at(2 * fm)).toBeCloseTo((m * m) / 2, 2);
    // Nothing else of note: 3·f_m is empty.
    expect(at(3 * fm)).toBeLessThan(1e-3);
  });

  it("the band's envelope is decimated: rate L·df with L a power of two ≥ 2× the band's bins", () => {
    const x = new Float64Array(N);
    x[100] = 1;
    const spec = signalSpectrum(x, N, FS);
    const [first, last] = bandBins(spec, 1000, 2000);
    const env = bandSquaredEnvelope(spec, first, last, 2);
    expect(env.rateHz).toBe((2 ** Math.ceil(Math.log2(2 * (last - first + 1))) * FS) / N);
    expect(env.count).toBe(Math.round((env.rateHz / FS) * N));
  });

  it("complex-envelope kurtosis is ≈ 0 for Gaussian noise and large for an impulse train", () => {
    const rng = mulberry32(3);
    const noise = Float64Array.from({ length: N }, () => gaussian(rng));
    const spec = signalSpectrum(noise, N, FS);
    const [a, b] = bandBins(spec, 2000, 4000);
    expect(Math.abs(envelopeKurtosis(bandSquaredEnvelope(spec, a, b, 1)))).toBeLessThan(0.1);
    const pulses = new Float64Array(N);
    for (let i = 0; i < N; i += 2560) pulses[i] = 50;
    for (let i = 0; i < N; i++) pulses[i]! += noise[i]!;
    const spec2 = signalSpectrum(pulses, N, FS);
    expect(envelopeKurtosis(bandSquaredEnvelope(spec2, a, b, 1))).toBeGreaterThan(5);
  });
});

describe("bandKurtosis", () => {
  it("equals the kurtosis of the band's squared envelope, also for a zero-padded block", () => {
    const rng = mulberry32(12);
    for (const n of [N, 50_000]) {
      const x = Float64Array.from({ length: n }, (_, i) => gaussian(rng) + (i % 3000 === 0 ? 40 : 0));
      const spec = signalSpectrum(x, n, FS);
      const [a, b] = bandBins(spec, 2000, 5000);
      expect(bandKurtosis(spec, a, b)).toBeCloseTo(envelopeKurtosis(bandSquaredEnvelope(spec, a, b, 1)), 9);
    }
  });
});

/**
 * The kurtosis of a band's complex envelope computed the slow way: each of its
 * L samples a direct sum over the band's bins, y_n = Σ_q X_q e^{−2πi·qn/L}, and
 * of those the samples j = 0…count−1 of the block (the forward sum gives them
 * time-reversed, at n = (L − j) mod L).
 */
function directKurtosis(spec: SignalSpectrum, first: number, last: number, l: number): number {
  const count = Math.min(l, Math.ceil((spec.count * l) / spec.size));
  let m2 = 0;
  let m4 = 0;
  for (let j = 0; j < count; j++) {
    const n = (l - j) % l;
    let re = 0;
    let im = 0;
    for (let q = 0; q <= last - first; q++) {
      const a = (-2 * Math.PI * q * n) / l;
      const xr = spec.bins[2 * (first + q)]!;
      const xi = spec.bins[2 * (first + q) + 1]!;
      re += xr * Math.cos(a) - xi * Math.sin(a);
      im += xr * Math.sin(a) + xi * Math.cos(a);
    }
    const e = re * re + im * im;
    m2 += e;
    m4 += e * e;
  }
  return m4 / count / (m2 / count) ** 2 - 2;
}

describe("envelope transforms", () => {
  it("bands are half-open: neighbours share no bin, a band 2^m bins wide holds 2^m bins", () => {
    const spec = signalSpectrum(new Float64Array(N), N, FS);
    const df = FS / N;
    const [a1, b1] = bandBins(spec, 1024 * df, 2048 * df);
    const [a2] = bandBins(spec, 2048 * df, 3072 * df);
    expect([a1, b1, a2]).toEqual([1024, 2047, 2048]);
    // The top band stops below the Nyquist bin; the bottom one starts above DC.
    expect(bandBins(spec, FS / 4, FS / 2)).toEqual([N / 4, N / 2 - 1]);
    expect(bandBins(spec, 0, 100 * df)).toEqual([1, 99]);
  });

  it("samples a band at the power of two or 3·2^m points that just hold it", () => {
    expect(envelopeTransformSize(8192)).toBe(8192);
    expect(envelopeTransformSize(8191)).toBe(8192);
    expect(envelopeTransformSize(5461)).toBe(6144);
    expect(envelopeTransformSize(2731)).toBe(3072);
    expect(envelopeTransformSize(96)).toBe(96);
    expect(envelopeTransformSize(97)).toBe(128);
    expect(envelopeTransformSize(9)).toBe(12);
    // Three transforms of fewer than 4 points are not made: a power of two.
    expect(envelopeTransformSize(5)).toBe(8);
  });

  // 170 and 79 bins of 12.5 Hz (2 and 1 past the last whole triple): 192 and 96 points (radix 3);
  // 224 bins: 256 points.
  for (const [n, lowHz, highHz, points] of [
    [2048, 2000, 4125, 192],
    [1800, 2000, 4125, 192],
    [2048, 3000, 3987.5, 96],
    [2048, 2000, 4800, 256],
    [1800, 2000, 4800, 256],
  ] as const) {
    it(`bandKurtosis equals the direct sums (${n} samples, ${lowHz}–${highHz} Hz, ${points} points)`, () => {
      const rng = mulberry32(n + lowHz);
      const x = Float64Array.from({ length: n }, (_, i) => gaussian(rng) + (i % 300 === 7 ? 25 : 0));
      const spec = signalSpectrum(x, n, FS);
      const [first, last] = bandBins(spec, lowHz, highHz);
      const l = envelopeTransformSize(last - first + 1);
      expect(l).toBe(points);
      expect(bandKurtosis(spec, first, last)).toBeCloseTo(directKurtosis(spec, first, last, l), 9);
    });
  }
});

describe("decimated squared envelope", () => {
  it("keeps the envelope spectrum below the low-pass: lines read the same, resolution unchanged", () => {
    const rate = 12_800;
    const l = 65_536;
    const rng = mulberry32(6);
    const values = Float64Array.from({ length: l }, (_, i) => {
      const t = i / rate;
      const noise = gaussian(rng) ** 2 + gaussian(rng) ** 2;
      return noise + 0.5 * Math.cos(2 * Math.PI * 37.3 * t) + 0.2 * Math.cos(2 * Math.PI * 811.7 * t + 1);
    });
    const env = { values, count: l, rateHz: rate };
    const full = squaredEnvelopeSpectrum(env, rate / 2, 2);
    const fullAt = (hz: number): number => full.amplitude[Math.round(hz / full.dfHz)]!;
    const fullLines = [fullAt(37.3), fullAt(811.7)];
    const fullResolution = full.resolutionHz;
    const small = decimateSquaredEnvelope(env, 1000, fftJsBackend);
    expect(small.rateHz).toBeLessThanOrEqual(rate / 4);
    expect(small.rateHz).toBeGreaterThanOrEqual(2000);
    const ses = squaredEnvelopeSpectrum(small, 1000, 2);
    const at = (hz: number): number => ses.amplitude[Math.round(hz / ses.dfHz)]!;
    expect(ses.resolutionHz).toBeCloseTo(fullResolution, 6);
    expect(at(37.3) / fullLines[0]!).toBeCloseTo(1, 2);
    expect(at(811.7) / fullLines[1]!).toBeCloseTo(1, 2);
  });

  it("returns the envelope itself when it is not faster than twice the low-pass", () => {
    const env = { values: new Float64Array(1024), count: 1024, rateHz: 1000 };
    expect(decimateSquaredEnvelope(env, 400, fftJsBackend)).toBe(env);
  });
});
