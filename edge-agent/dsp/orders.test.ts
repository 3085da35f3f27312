// Computed order tracking against analytic signals: the angle of a linear
// speed ramp, resampling a chirp to a single order line, amplitudes kept.
import { describe, expect, it } from "vitest";
import { angleResample, orderSpectrum, revolutionsAt, type SpeedRamp, timeAtRevolutions } from "./orders.ts";

const FS = 25_600;
const N = 65_536;

/** A tone locked to the shaft: order `order`, amplitude `amplitude`, shaft ramping `startHz` → `endHz` over the block. */
function shaftTone(order: number, amplitude: number, startHz: number, endHz: number): Float64Array {
  const ramp: SpeedRamp = { startHz, endHz, durationS: N / FS };
  const x = new Float64Array(N);
  for (let i = 0; i < N; i++)
    x[i] = amplitude * Math.sin(2 * Math.PI * order * revolutionsAt(ramp, i / FS) + 0.7);
  return x;
}

/** Share of the spectrum's power within ±2 bins of its largest bin, and where that bin is. */
function concentration(power: Float64Array): { share: number; peak: number } {
  let peak = 1;
  let total = 0;
  for (let k = 1; k < power.length; k++) {
    total += power[k]!;
    if (power[k]! > power[peak]!) peak = k;
  }
  let near = 0;
  for (let k = peak - 2; k <= peak + 2; k++) near += power[k]!;
  return { share: near / total, peak };
}

describe("shaft angle of a linear ramp", () => {
  it("θ(t) integrates the speed and timeAtRevolutions inverts it", () => {
    const ramp: SpeedRamp = { startHz: 25, endHz: 30, durationS: 2 };
    // Mean speed 27.5 Hz over 2 s: 55 revolutions.
    expect(revolutionsAt(ramp, 2)).toBeCloseTo(55, 12);
    for (const t of [0, 0.1, 0.77, 1.5, 2])
      expect(timeAtRevolutions(ramp, revolutionsAt(ramp, t))).toBeCloseTo(t, 12);
    const down: SpeedRamp = { startHz: 30, endHz: 25, durationS: 2 };
    for (const t of [0, 0.3, 1.9]) expect(timeAtRevolutions(down, revolutionsAt(down, t))).toBeCloseTo(t, 12);
    const flat: SpeedRamp = { startHz: 20, endHz: 20, durationS: 2 };
    expect(timeAtRevolutions(flat, 13)).toBeCloseTo(0.65, 14);
  });

  it("angleResample of a constant speed at fs/f samples per revolution reproduces the samples", () => {
    const x = shaftTone(3, 1, 25, 25);
    const out = new Float64Array(N);
    const count = angleResample(x, N, FS, { startHz: 25, endHz: 25, durationS: N / FS }, FS / 25, out);
    expect(count).toBe(N);
    for (const i of [0, 1, 1000, 54_321, N - 1]) expect(out[i]).toBeCloseTo(x[i]!, 9);
  });
});

describe("order spectrum", () => {
  it("a chirp (±10 % speed ramp) gives one sharp order line where the plain spectrum smears", () => {
    const order = 10;
    const amplitude = 2;
    const x = shaftTone(order, amplitude, 22.5, 27.5);
    const plain = orderSpectrum({ samples: x, sampleRateHz: FS, startHz: 25, endHz: 25 });
    expect(plain.angleResampled).toBe(false);
    const smeared = concentration(plain.power);
    expect(smeared.share).toBeLessThan(0.15); // 225 → 275 Hz over 128 bins

    const tracked = orderSpectrum({ samples: x, sampleRateHz: FS, startHz: 22.5, endHz: 27.5 });
    expect(tracked.angleResampled).toBe(true);
    const sharp = concentration(tracked.power);
    expect(sharp.share).toBeGreaterThan(0.99);
    expect(Math.abs(sharp.peak * tracked.ordersPerBin - order)).toBeLessThan(tracked.ordersPerBin);
    // The line keeps its mean square A²/2 (cubic interpolation at ≥ 90 samples per cycle).
    let lobe = 0;
    for (let k = sharp.peak - 3; k <= sharp.peak + 3; k++) lobe += tracked.power[k]!;
    expect(lobe / (amplitude * amplitude * 0.5)).toBeCloseTo(1, 2);
    // A power of two of angle steps: the first ~90 % of the block (its slower part), 56 of the 64 revolutions.
    expect(tracked.revolutions).toBeGreaterThan(55);
    const analysedS = timeAtRevolutions(
      { startHz: 22.5, endHz: 27.5, durationS: N / FS },
      tracked.revolutions,
    );
    expect(tracked.meanShaftHz).toBeCloseTo(22.5 + (0.5 * 5 * analysedS) / (N / FS), 6);
  });

  it("a ramp down and a high order (gear mesh ×29 ± 1×) stay separate lines", () => {
    const x = shaftTone(29, 1, 27.5, 22.5);
    const sb = shaftTone(28, 0.3, 27.5, 22.5);
    for (let i = 0; i < N; i++) x[i]! += sb[i]!;
    const tracked = orderSpectrum({ samples: x, sampleRateHz: FS, startHz: 27.5, endHz: 22.5 });
    const at = (o: number): number => {
      const c = Math.round(o / tracked.ordersPerBin);
      let s = 0;
      for (let k = c - 3; k <= c + 3; k++) s += tracked.power[k]!;
      return s;
    };
    expect(at(29) / 0.5).toBeCloseTo(1, 2);
    expect(at(28) / (0.09 * 0.5)).toBeCloseTo(1, 1);
    expect(at(28.5)).toBeLessThan(1e-5);
  });

  it("at constant speed it is the plain spectrum with its axis in orders", () => {
    const x = shaftTone(4, 1, 20, 20);
    const os = orderSpectrum({ samples: x, sampleRateHz: FS, startHz: 20, endHz: 20 });
    expect(os.ordersPerBin).toBeCloseTo(FS / N / 20, 12);
    expect(os.revolutions).toBeCloseTo((20 * N) / FS, 9);
    const { peak } = concentration(os.power);
    expect(peak * os.ordersPerBin).toBeCloseTo(4, 1);
  });

  it("rejects a speed that is not positive", () => {
    expect(() =>
      orderSpectrum({ samples: new Float64Array(1024), sampleRateHz: FS, startHz: 0, endHz: 10 }),
    ).toThrow(/speeds must be > 0/);
  });
});
