import { describe, expect, it } from "vitest";
import { gaussian, mulberry32 } from "../../simulators/turbine/physics.ts";
import type { EnvelopeSpectrum } from "../dsp/envelope.ts";
import { squaredEnvelopeSpectrum } from "../dsp/envelope.ts";
import { bearingDefectOrders, diagnoseBearing, modulationKurtosis, scoreBearingFaults } from "./bearing.ts";

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
function ses(
  lines: readonly { hz: number; amp: number }[],
  seed: number,
  smear: readonly { hz: number; amp: number }[] = [],
): EnvelopeSpectrum {
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
  // A smeared line: forty weak components spread over −3…+2 % of its frequency, random phases.
  for (const l of smear)
    for (let j = 0; j < 40; j++) {
      const hz = l.hz * (0.97 + 0.05 * rng());
      const phase = 2 * Math.PI * rng();
      for (let i = 0; i < n; i++)
        values[i]! += (l.amp / 40) * Math.cos((2 * Math.PI * hz * i) / rate + phase);
    }
  return squaredEnvelopeSpectrum({ values, count: n, rateHz: rate }, 2000, 2);
}

const named = (s: ReturnType<typeof scoreBearingFaults>): string[] =>
  s.findings.map((f) => `${f.fault}:${f.severity}`);

describe("scoreBearingFaults", () => {
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

describe("what each family must show", () => {
  it("modulationKurtosis: the spectral kurtosis a sinusoidal modulation of noise gives, from its FTF line", () => {
    const rng = mulberry32(21);
    const n = 200_000;
    for (const m of [0.2, 0.5, 0.8]) {
      const values = new Float64Array(n);
      let s2 = 0;
      let s4 = 0;
      for (let i = 0; i < n; i++) {
        const g =
          (1 + m * Math.sin((2 * Math.PI * 11.7 * i) / 4096)) ** 2 *
          (gaussian(rng) ** 2 + gaussian(rng) ** 2);
        values[i] = g;
        s2 += g;
        s4 += g * g;
      }
      const measured = s4 / n / (s2 / n) ** 2 - 2;
      const spectrum = squaredEnvelopeSpectrum({ values, count: n, rateHz: 4096 }, 2048, 2);
      const line = spectrum.amplitude[Math.round(11.7 / spectrum.dfHz)]!;
      expect(modulationKurtosis(line / spectrum.mean)).toBeCloseTo(measured, 1);
    }
    expect(modulationKurtosis(0)).toBeCloseTo(0, 10);
  });

  it("FTF lines in a band more impulsive than they explain: an element's impacts when 2×BSF shows them too", () => {
    const ftf = CWRU.ftf * SHAFT_HZ;
    const lines = [1, 2, 3].map((h) => ({ hz: h * ftf, amp: 0.6 / h }));
    const element = ses(lines, 22, [{ hz: 2 * CWRU.bsf * SHAFT_HZ, amp: 1.5 }]);
    expect(named(scoreBearingFaults(element, SHAFT_HZ, CWRU, { bandKurtosis: 5 }))).toEqual([
      "bearing_rolling_element:warning",
    ]);
    // Impacts the cage carries round with nothing at 2×BSF may be an outer race's struck by uneven
    // elements (BPFO = Z·FTF): no call. Without impacts, the modulation is the cage's own.
    const cageOnly = ses(lines, 26);
    expect(named(scoreBearingFaults(cageOnly, SHAFT_HZ, CWRU, { bandKurtosis: 5 }))).toEqual([]);
    expect(named(scoreBearingFaults(cageOnly, SHAFT_HZ, CWRU, { bandKurtosis: 0.3 }))[0]).toMatch(
      /^bearing_cage/,
    );
  });

  it("a smeared element (humps at BSF and 2×BSF) is named, first even beside an inner race's lines", () => {
    const bsf = CWRU.bsf * SHAFT_HZ;
    const bpfi = CWRU.bpfi * SHAFT_HZ;
    const humps = [
      { hz: bsf, amp: 3 },
      { hz: 2 * bsf, amp: 4 },
    ];
    const alone = scoreBearingFaults(ses([], 23, humps), SHAFT_HZ, CWRU, { bandKurtosis: 3 });
    expect(alone.findings[0]?.fault).toBe("bearing_rolling_element");
    expect(alone.findings[0]?.evidence.detail?.smeared).toBeDefined();
    const race = [1, 2, 3].flatMap((h) => [
      { hz: h * bpfi, amp: 0.5 / h },
      { hz: h * bpfi - SHAFT_HZ, amp: 0.2 / h },
      { hz: h * bpfi + SHAFT_HZ, amp: 0.2 / h },
    ]);
    const both = scoreBearingFaults(ses(race, 24, humps), SHAFT_HZ, CWRU, { bandKurtosis: 3 });
    if (both.findings[0]?.severity === "alarm")
      expect(both.findings[0].fault).toBe("bearing_rolling_element");
    expect(
      both.findings.filter((f) => f.fault !== "bearing_rolling_element" && f.severity === "alarm"),
    ).toEqual([]);
  });

  it("two views of noise alone: no finding over many seeds", () => {
    for (let seed = 40; seed < 70; seed += 2) {
      const views = [
        { name: "a", ses: ses([], seed), bandHz: [0, 2000] as const, kurtosis: 3 },
        { name: "b", ses: ses([], seed + 1), bandHz: [0, 2000] as const, kurtosis: 3 },
      ];
      expect(diagnoseBearing(views, SHAFT_HZ, CWRU).findings).toEqual([]);
    }
  });

  it("a speed read off the spectrum narrows the search: a series 2.5 % off is not taken for BPFO", () => {
    const bpfo = CWRU.bpfo * SHAFT_HZ * 1.025;
    const spectrum = ses(
      [1, 2, 3, 4].map((h) => ({ hz: h * bpfo, amp: 0.6 / h })),
      25,
    );
    expect(
      named(scoreBearingFaults(spectrum, SHAFT_HZ, CWRU, { bandKurtosis: 3, speedUncertainty: 0.003 })),
    ).toEqual([]);
    expect(
      named(scoreBearingFaults(spectrum, SHAFT_HZ, CWRU, { bandKurtosis: 3, speedUncertainty: 0.02 }))[0],
    ).toBe("bearing_outer_race:alarm");
  });
});
