import { describe, expect, it } from "vitest";
import { gaussian, mulberry32 } from "../../simulators/turbine/physics.ts";
import { squaredEnvelopeSpectrum } from "../dsp/envelope.ts";
import { humpAt, ratioSignificance, smearedElement } from "./bearing-smear.ts";
import { rateSpectrum } from "./bearing-spectrum.ts";

describe("significance of a ratio of mean powers (Paulson's normalisation of F)", () => {
  it("is standard normal enough in the tail the thresholds use, for noise-only ratios", () => {
    const rng = mulberry32(11);
    const exp = (): number => -Math.log(1 - rng());
    const mean = (n: number): number => {
      let s = 0;
      for (let i = 0; i < n; i++) s += exp();
      return s / n;
    };
    for (const [n1, n2] of [
      [8, 32],
      [30, 120],
    ] as const) {
      const trials = 20_000;
      let over2 = 0;
      let over35 = 0;
      for (let t = 0; t < trials; t++) {
        const z = ratioSignificance(mean(n1) / mean(n2), n1, n2);
        if (z >= 2) over2++;
        if (z >= 3.5) over35++;
      }
      // Normal tails: 2.3 % beyond 2, 0.023 % beyond 3.5.
      expect(over2 / trials).toBeGreaterThan(0.012);
      expect(over2 / trials).toBeLessThan(0.035);
      expect(over35 / trials).toBeLessThan(0.0015);
    }
  });

  it("is −∞ for a ratio that cannot be tested", () => {
    expect(ratioSignificance(0, 10, 10)).toBe(Number.NEGATIVE_INFINITY);
    expect(ratioSignificance(2, 0, 10)).toBe(Number.NEGATIVE_INFINITY);
  });
});

const RATE = 2048;
const N = 8 * RATE; // 8 s: resolution 0.125 Hz
const BSF = 61.3;

/**
 * A squared-envelope spectrum: the squared envelope of noise (exponential), plus, when asked, a smeared
 * element — many weak components spread over −3…+2 % around BSF and 2×BSF (the ball's slip varies from
 * turn to turn) — and discrete lines.
 */
function ses(seed: number, opts: { smear?: number; lines?: readonly number[] } = {}) {
  const rng = mulberry32(seed);
  const values = new Float64Array(N);
  for (let i = 0; i < N; i++) values[i] = gaussian(rng) ** 2 + gaussian(rng) ** 2;
  const parts: { hz: number; amp: number; phase: number }[] = [];
  if (opts.smear)
    for (const h of [1, 2])
      for (let j = 0; j < 40; j++)
        parts.push({ hz: h * BSF * (0.97 + 0.05 * rng()), amp: opts.smear / h, phase: 2 * Math.PI * rng() });
  for (const hz of opts.lines ?? []) parts.push({ hz, amp: 2, phase: 0 });
  for (const p of parts)
    for (let i = 0; i < N; i++) values[i]! += p.amp * Math.cos((2 * Math.PI * p.hz * i) / RATE + p.phase);
  return squaredEnvelopeSpectrum({ values, count: N, rateHz: RATE }, RATE / 2, 2);
}

const rated = (s: ReturnType<typeof ses>) =>
  rateSpectrum(s, { shaftHz: 26.01, shaftUncertainty: 0.001, floorBlockHz: 2.5, readHz: 300 });

describe("a smeared rolling element's humps", () => {
  it("stand out at BSF and 2×BSF where the element's components are spread", () => {
    const s = smearedElement(rated(ses(1, { smear: 0.25 })), BSF, 0.02, 0.01, 0.003);
    expect(s.twoBsf!.z).toBeGreaterThan(5);
    expect(s.bsf!.z).toBeGreaterThan(3);
  });

  it("noise alone: 2×BSF's hump reaches the warning's significance (3.5) in at most 1 of 100 spectra", () => {
    let over = 0;
    for (let seed = 100; seed < 200; seed++) {
      const s = smearedElement(rated(ses(seed)), BSF, 0.02, 0.01, 0.003);
      if ((s.twoBsf?.z ?? 0) >= 3.5) over++;
    }
    expect(over).toBeLessThanOrEqual(1);
  });

  it("a discrete line in the window is not a hump: its bins are left out", () => {
    const withLine = rated(ses(2, { lines: [2 * BSF * 0.995] }));
    expect(humpAt(withLine, BSF, 2, 0.043, 0.023)!.z).toBeLessThan(2);
  });

  it("no test where the window or its flanks leave the spectrum", () => {
    expect(humpAt(rated(ses(3)), 900, 1, 0.04, 0.02)).toBeNull();
  });
});
