import { describe, expect, it } from "vitest";
import { gaussian, mulberry32 } from "../../simulators/turbine/physics.ts";
import type { EnvelopeSpectrum } from "../dsp/envelope.ts";
import { squaredEnvelopeSpectrum } from "../dsp/envelope.ts";
import { bearingDefectOrders, scoreBearingFaults } from "./bearing.ts";

describe("bearingDefectOrders (Randall & Antoni 2011, eqs. 1–4)", () => {
  it("CWRU drive end (SKF 6205: 9 balls, 7.94 mm, pitch 39.04 mm, 0°): published multiples", () => {
    const o = bearingDefectOrders({
      balls: 9,
      ballDiameterMm: 7.94,
      pitchDiameterMm: 39.04,
      contactAngleDeg: 0,
    });
    expect(o.bpfo).toBeCloseTo(3.5848, 4);
    expect(o.bpfi).toBeCloseTo(5.4152, 4);
    expect(o.ftf).toBeCloseTo(0.39828, 4);
    expect(o.bsf).toBeCloseTo(2.357, 3);
  });

  it("MFPT (8 rollers, 0.235 in, pitch 1.245 in, 0°) at 25 Hz: BPFO 81.1 Hz, BPFI 118.9 Hz", () => {
    const o = bearingDefectOrders({
      balls: 8,
      ballDiameterMm: 0.235 * 25.4,
      pitchDiameterMm: 1.245 * 25.4,
      contactAngleDeg: 0,
    });
    expect(o.bpfo * 25).toBeCloseTo(81.1, 1);
    expect(o.bpfi * 25).toBeCloseTo(118.9, 1);
  });

  it("a contact angle shortens the effective ball ratio (cos φ)", () => {
    const flat = bearingDefectOrders({
      balls: 20,
      ballDiameterMm: 20,
      pitchDiameterMm: 200,
      contactAngleDeg: 0,
    });
    const angled = bearingDefectOrders({
      balls: 20,
      ballDiameterMm: 20,
      pitchDiameterMm: 200,
      contactAngleDeg: 60,
    });
    expect(angled.bpfo).toBeCloseTo(10 * (1 - 0.05), 10);
    expect(angled.bpfo).toBeGreaterThan(flat.bpfo);
  });
});

const CWRU = bearingDefectOrders({
  balls: 9,
  ballDiameterMm: 7.94,
  pitchDiameterMm: 39.04,
  contactAngleDeg: 0,
});
const SHAFT_HZ = 29.5;

/**
 * The squared-envelope spectrum of a synthetic squared envelope: Gaussian-noise
 * background (the squared envelope of noise fluctuates around its mean) plus
 * lines at the given frequencies, as squaredEnvelopeSpectrum sees it.
 */
function ses(lines: readonly { hz: number; amp: number }[], seed: number): EnvelopeSpectrum {
  const rate = 4096;
  const n = 4 * rate; // 4 s
  const rng = mulberry32(seed);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = gaussian(rng);
    const w = gaussian(rng);
    values[i] = z * z + w * w; // |complex Gaussian|²: exponential, like noise's squared envelope
    for (const l of lines) values[i]! += l.amp * Math.cos((2 * Math.PI * l.hz * i) / rate);
  }
  return squaredEnvelopeSpectrum({ values, count: n, rateHz: rate }, 2000, 2);
}

describe("scoreBearingFaults", () => {
  const named = (s: ReturnType<typeof scoreBearingFaults>): string[] =>
    s.findings.map((f) => `${f.fault}:${f.severity}`);

  it("names an outer-race defect from a BPFO series (1.5 % slip) and nothing else", () => {
    const bpfo = CWRU.bpfo * SHAFT_HZ * 0.985;
    const s = scoreBearingFaults(
      ses(
        [1, 2, 3, 4, 5].map((h) => ({ hz: h * bpfo, amp: 0.6 / h })),
        1,
      ),
      SHAFT_HZ,
      CWRU,
      { bandKurtosis: 3 },
    );
    expect(named(s)).toEqual(["bearing_outer_race:alarm"]);
    const e = s.findings[0]!.evidence;
    expect(e.frequency_hz).toBeCloseTo(bpfo, 0);
    expect(e.expected_hz).toBeCloseTo(CWRU.bpfo * SHAFT_HZ, 3);
    expect(e.harmonics).toBeGreaterThanOrEqual(4);
    expect(e.snr_db).toBeGreaterThan(10);
  });

  it("names an inner-race defect from BPFI harmonics with ±1× sidebands", () => {
    const bpfi = CWRU.bpfi * SHAFT_HZ;
    const lines = [1, 2, 3].flatMap((h) => [
      { hz: h * bpfi, amp: 0.5 / h },
      { hz: h * bpfi - SHAFT_HZ, amp: 0.2 / h },
      { hz: h * bpfi + SHAFT_HZ, amp: 0.2 / h },
    ]);
    const s = scoreBearingFaults(ses(lines, 2), SHAFT_HZ, CWRU, { bandKurtosis: 3 });
    expect(named(s)).toEqual(["bearing_inner_race:alarm"]);
    expect(s.findings[0]!.evidence.sidebands?.found).toBeGreaterThanOrEqual(4);
    expect(s.markers.some((m) => m.kind === "sideband")).toBe(true);
  });

  it("a near-Gaussian band (kurtosis < 1) caps a clear series at warning; below 0.5 names nothing", () => {
    const bpfo = CWRU.bpfo * SHAFT_HZ;
    const spectrum = ses(
      [1, 2, 3, 4].map((h) => ({ hz: h * bpfo, amp: 0.6 })),
      3,
    );
    expect(named(scoreBearingFaults(spectrum, SHAFT_HZ, CWRU, { bandKurtosis: 0.8 }))).toEqual([
      "bearing_outer_race:warning",
    ]);
    expect(named(scoreBearingFaults(spectrum, SHAFT_HZ, CWRU, { bandKurtosis: 0.2 }))).toEqual([]);
  });

  it("noise alone: no finding over many seeds", () => {
    for (let seed = 10; seed < 40; seed++)
      expect(named(scoreBearingFaults(ses([], seed), SHAFT_HZ, CWRU, { bandKurtosis: 3 }))).toEqual([]);
  });

  it("a line shared by two families (3×BPFO ≈ 2×BPFI) does not make the other family an alarm", () => {
    const bpfo = CWRU.bpfo * SHAFT_HZ;
    const s = scoreBearingFaults(
      ses(
        [1, 2, 3, 4, 5, 6].map((h) => ({ hz: h * bpfo, amp: 0.8 / h })),
        4,
      ),
      SHAFT_HZ,
      CWRU,
      { bandKurtosis: 3 },
    );
    expect(s.findings[0]!.fault).toBe("bearing_outer_race");
    expect(s.findings.filter((f) => f.fault !== "bearing_outer_race" && f.severity === "alarm")).toEqual([]);
  });

  it("a cage defect: the FTF line alone (sinusoidal modulation), with no impulsiveness needed", () => {
    const ftf = CWRU.ftf * SHAFT_HZ;
    const s = scoreBearingFaults(ses([{ hz: ftf, amp: 0.5 }], 5), SHAFT_HZ, CWRU, { bandKurtosis: 0.1 });
    expect(named(s)).toEqual(["bearing_cage:warning"]);
  });
});
