import { describe, expect, it } from "vitest";
import { STANDARD_GRAVITY_M_S2 } from "../../common/names.ts";
import { computeFeatures } from "./features.ts";
import { complexBuffer, realFft } from "./fft.ts";

const FS = 25_600;
const N = 65_536;

const sine = (n: number, fs: number, freqHz: number, amp: number, offset = 0): Float64Array => {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = offset + amp * Math.sin((2 * Math.PI * freqHz * i) / fs);
  return x;
};

// Known-truth velocity RMS of an acceleration sine of peak A (g) at f (Hz): A·g0/(2πf)/√2, in mm/s.
const vRmsOfSine = (ampG: number, f: number): number =>
  ((ampG * STANDARD_GRAVITY_M_S2) / (2 * Math.PI * f) / Math.SQRT2) * 1000;

// Small seeded PRNG (mulberry32) and Box–Muller, so noise tests are repeatable.
function gaussian(n: number, sigma: number, seed: number): Float64Array {
  let a = seed >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const x = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = rand() || 1e-12;
    const u2 = rand();
    const r = Math.sqrt(-2 * Math.log(u1)) * sigma;
    x[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) x[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return x;
}

describe("realFft", () => {
  it("puts a cosine of amplitude A on bin k with magnitude A·N/2", () => {
    const n = 1024;
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = 3 * Math.cos((2 * Math.PI * 10 * i) / n);
    const out = complexBuffer(n);
    realFft(x, out);
    expect(out[20]).toBeCloseTo(3 * 512, 6);
    expect(out[21]).toBeCloseTo(0, 6);
    expect(Math.hypot(out[22]!, out[23]!)).toBeLessThan(1e-9);
  });
});

describe("computeFeatures on signals of known truth", () => {
  it("1 g peak sine at 100 Hz: v_rms = g0/(2π·100)/√2 mm/s, a_rms = 1/√2 g, crest √2, kurtosis 1.5", () => {
    const f = computeFeatures({
      samples: sine(N, FS, 100, 1),
      sampleRateHz: FS,
      unit: "g",
      component: "generator",
    });
    expect(vRmsOfSine(1, 100)).toBeCloseTo(11.036, 3); // 9.80665/(2π·100)/√2·1000
    expect(f.v_rms_mm_s).toBeCloseTo(vRmsOfSine(1, 100), 3);
    expect(f.a_rms_g).toBeCloseTo(Math.SQRT1_2, 4);
    expect(f.a_rms_m_s2).toBeCloseTo(STANDARD_GRAVITY_M_S2 * Math.SQRT1_2, 3);
    expect(f.a_peak_g).toBeCloseTo(1, 4);
    expect(f.crest_factor).toBeCloseTo(Math.SQRT2, 3);
    expect(f.kurtosis).toBeCloseTo(1.5, 3);
  });

  it("a sine between bins (leakage) keeps v_rms within 0.5 %", () => {
    const freq = 123.45;
    const f = computeFeatures({
      samples: sine(N, FS, freq, 0.3),
      sampleRateHz: FS,
      unit: "g",
      component: "gearbox",
    });
    expect(Math.abs(f.v_rms_mm_s / vRmsOfSine(0.3, freq) - 1)).toBeLessThan(0.005);
  });

  it("input in m/s² gives the same velocity as the same signal in g", () => {
    const ms2 = computeFeatures({
      samples: sine(N, FS, 200, STANDARD_GRAVITY_M_S2 * 0.5),
      sampleRateHz: FS,
      unit: "m/s2",
      component: "gearbox",
    });
    expect(ms2.v_rms_mm_s).toBeCloseTo(vRmsOfSine(0.5, 200), 3);
  });

  it("DC offset and a 0.5 Hz sway do not leak into v_rms 10–1000 Hz (no drift)", () => {
    const x = sine(N, FS, 100, 1, 0.8);
    const sway = sine(N, FS, 0.5, 2);
    for (let i = 0; i < N; i++) x[i]! += sway[i]!;
    const f = computeFeatures({ samples: x, sampleRateHz: FS, unit: "g", component: "main_bearing" });
    expect(Math.abs(f.v_rms_mm_s / vRmsOfSine(1, 100) - 1)).toBeLessThan(0.002);
  });

  it("tones outside 10–1000 Hz do not count in v_rms", () => {
    // 3 kHz: outside the velocity band, inside the generator's acceleration band (10–5000 Hz),
    // outside the gearbox's (10–2000 Hz).
    const gen = computeFeatures({
      samples: sine(N, FS, 3000, 1),
      sampleRateHz: FS,
      unit: "g",
      component: "generator",
    });
    expect(gen.v_rms_mm_s).toBeLessThan(1e-3);
    expect(gen.a_rms_g).toBeCloseTo(Math.SQRT1_2, 4);
    const gbx = computeFeatures({
      samples: sine(N, FS, 3000, 1),
      sampleRateHz: FS,
      unit: "g",
      component: "gearbox",
    });
    expect(gbx.a_rms_g).toBeLessThan(1e-3);
  });

  it("a non-power-of-two block is zero-padded and still exact", () => {
    const n = 50_000;
    const f = computeFeatures({
      samples: sine(n, FS, 256, 1),
      sampleRateHz: FS,
      unit: "g",
      component: "generator",
    });
    expect(Math.abs(f.v_rms_mm_s / vRmsOfSine(1, 256) - 1)).toBeLessThan(0.005);
  });

  it("Gaussian white noise: kurtosis ≈ 3, crest > 3, band RMS = σ·√(band/Nyquist)", () => {
    const sigma = 0.2;
    const f = computeFeatures({
      samples: gaussian(N, sigma, 42),
      sampleRateHz: FS,
      unit: "g",
      component: "generator",
    });
    expect(f.kurtosis).toBeGreaterThan(2.9);
    expect(f.kurtosis).toBeLessThan(3.1);
    expect(f.crest_factor).toBeGreaterThan(3);
    // White noise spreads its variance evenly over 0…fs/2: the 10–5000 Hz share is (5000−10)/12800.
    const expected = sigma * Math.sqrt((5000 - 10) / (FS / 2));
    expect(Math.abs(f.a_rms_g / expected - 1)).toBeLessThan(0.03);
  });
});
