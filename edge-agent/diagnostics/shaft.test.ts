// Shaft analysis on analytic signals: line amplitudes in velocity, the gear
// mesh and its sidebands, the speed correction, the rules' evidence, markers.
import { describe, expect, it } from "vitest";
import { fftJsBackend } from "../dsp/fft.ts";
import { welchPowerSpectrum } from "../dsp/welch.ts";
import { analyseShaft, shaftMarkers } from "./shaft.ts";
import type { MachineContext } from "./types.ts";

const FS = 25_600;
const N = 65_536;

/** Acceleration (m/s²) of sines given as velocity RMS (mm/s) at orders of `shaftHz`, plus seeded white noise. */
function block(
  shaftHz: number,
  lines: readonly [order: number, vRmsMmS: number][],
  noiseRms = 0.05,
): Float64Array {
  const x = new Float64Array(N);
  let seed = 42;
  for (let i = 0; i < N; i++) {
    // Sum of 12 uniforms: a cheap, seeded near-Gaussian.
    let g = -6;
    for (let j = 0; j < 12; j++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      g += seed / 2 ** 32;
    }
    x[i] = noiseRms * g;
  }
  for (const [order, v] of lines) {
    const w = 2 * Math.PI * order * shaftHz;
    const amplitude = (v / 1000) * Math.SQRT2 * w;
    for (let i = 0; i < N; i++) x[i]! += amplitude * Math.sin((w * i) / FS + order);
  }
  return x;
}

function analyse(x: Float64Array, ctx: MachineContext) {
  const spectrum = welchPowerSpectrum(x, N, FS, N);
  return analyseShaft({ samples: x, sampleRateHz: FS, spectrum, ctx, fft: fftJsBackend });
}

const gearbox = (speedRpm: number | null, extra: Partial<MachineContext> = {}): MachineContext => ({
  component: "gearbox",
  speedRpm,
  gearTeeth: 29,
  ...extra,
});

describe("shaft lines", () => {
  it("measures 1×, 2×, 3× and the gear mesh as velocity RMS, and the sideband energy ratio", () => {
    const x = block(25, [
      [1, 2.0],
      [2, 0.8],
      [3, 0.3],
      [29, 1.5],
      [28, 0.5],
      [30, 0.5],
      [58, 0.6],
    ]);
    const { features } = analyse(x, gearbox(1500));
    expect(features.x1_mm_s).toBeCloseTo(2.0, 1);
    expect(features.x2_mm_s).toBeCloseTo(0.8, 1);
    expect(features.x3_mm_s).toBeCloseTo(0.3, 1);
    expect(features.gmf_mm_s).toBeCloseTo(1.5, 1);
    // (0.5² + 0.5²) / (1.5² + 0.6²)
    expect(features.gmf_sideband_ratio).toBeCloseTo(0.5 / 2.61, 2);
    // Of the looseness orders (½×…5½×, 3×…10×) only the 3× is there.
    expect(features.looseness_index).toBeCloseTo(0.3, 1);
  });

  it("finds the lines when the SCADA speed is 0.6 % off (the gear mesh corrects it)", () => {
    const x = block(25.15, [
      [1, 2.0],
      [29, 1.5],
      [28, 0.5],
      [30, 0.5],
    ]);
    const { features } = analyse(x, gearbox(1500));
    expect(features.x1_mm_s).toBeCloseTo(2.0, 1);
    expect(features.gmf_mm_s).toBeCloseTo(1.5, 1);
    expect(features.gmf_sideband_ratio).toBeCloseTo(0.5 / 2.25, 2);
  });

  it("measures in the angle domain when the speed ramps within the block", () => {
    // Shaft 23.75 → 26.25 Hz (±5 %): 1× at 3 mm/s and the gear mesh (×29) at 1.5 mm/s, following the angle.
    const startHz = 23.75;
    const endHz = 26.25;
    const T = N / FS;
    const x = block(25, []);
    for (let i = 0; i < N; i++) {
      const t = i / FS;
      const f = startHz + ((endHz - startHz) * t) / T;
      const theta = startHz * t + (0.5 * (endHz - startHz) * t * t) / T;
      for (const [order, v] of [
        [1, 3],
        [29, 1.5],
      ] as const)
        x[i]! += (v / 1000) * Math.SQRT2 * 2 * Math.PI * order * f * Math.sin(2 * Math.PI * order * theta);
    }
    const ramp = analyse(x, gearbox(startHz * 60, { speedRpmEnd: endHz * 60 }));
    expect(ramp.features.x1_mm_s).toBeCloseTo(3, 1);
    expect(ramp.features.gmf_mm_s).toBeCloseTo(1.5, 1);
    const imbalance = ramp.findings.find((f) => f.fault === "imbalance")!;
    expect(imbalance.evidence.spectrum).toBe("order");
    // Taken as constant speed, the gear mesh smears over 72 Hz (185 bins) and most of it is missed.
    const flat = analyse(x, gearbox(25 * 60));
    expect(flat.features.gmf_mm_s).toBeLessThan(0.5);
  });
});

describe("shaft findings", () => {
  it("imbalance: 1× dominant over half of B/C is a warning, over B/C an alarm, with its evidence", () => {
    const warn = analyse(
      block(25, [
        [1, 2.5],
        [2, 0.3],
      ]),
      gearbox(1500),
    );
    expect(warn.findings.map((f) => `${f.fault}:${f.severity}`)).toEqual(["imbalance:warning"]);
    const e = warn.findings[0]!.evidence;
    expect(e.frequency_hz).toBeCloseTo(25, 1);
    expect(e.expected_hz).toBeCloseTo(25, 6);
    expect(e.amplitude).toBeCloseTo(2.5, 1);
    expect(e.amplitude_unit).toBe("mm/s");
    expect(e.snr_db).toBeGreaterThan(30);
    expect(e.harmonics).toBe(2);
    expect(e.baseline_ratio).toBeUndefined();

    const alarm = analyse(block(25, [[1, 4]]), gearbox(1500));
    expect(alarm.findings.map((f) => `${f.fault}:${f.severity}`)).toEqual(["imbalance:alarm"]);
  });

  it("thresholds follow the learnt baseline: 1.5 mm/s at 1× is nothing on a machine that runs at 1.0, a warning on one that runs at 0.2", () => {
    const x = block(25, [[1, 1.5]]);
    expect(analyse(x, gearbox(1500)).findings).toEqual([]); // below half of B/C (1.75 mm/s)
    const rough = analyse(x, gearbox(1500, { baseline: { blocks: 20, features: { x1_mm_s: 1.0 } } }));
    expect(rough.findings).toEqual([]); // warning at 2.5 × 1.0
    const quiet = analyse(x, gearbox(1500, { baseline: { blocks: 20, features: { x1_mm_s: 0.2 } } }));
    // 0.2 is below the floor 0.1 × A/B = 0.22 mm/s; warning at max(2.5 × 0.22, ½ × ½ × B/C) = 0.875 mm/s.
    expect(quiet.findings.map((f) => `${f.fault}:${f.severity}`)).toEqual(["imbalance:warning"]);
    expect(quiet.findings[0]!.evidence.baseline_ratio).toBeCloseTo(1.5 / (0.1 * (3.5 / 1.6)), 1);
    expect(quiet.findings[0]!.evidence.detail?.warn_mm_s).toBeCloseTo(0.875, 6);
  });

  it("misalignment: 2× above half of 1×", () => {
    const r = analyse(
      block(25, [
        [1, 1.5],
        [2, 3],
      ]),
      gearbox(1500),
    );
    expect(r.findings.map((f) => `${f.fault}:${f.severity}`)).toEqual(["misalignment:alarm"]);
    expect(r.findings[0]!.evidence.frequency_hz).toBeCloseTo(50, 1);
  });

  it("looseness: many harmonics and half-orders", () => {
    const lines: [number, number][] = [[1, 0.5]];
    for (const o of [0.5, 1.5, 2.5, 3, 4, 5, 6, 7]) lines.push([o, 0.6]);
    const r = analyse(block(25, lines), gearbox(1500));
    expect(r.findings.map((f) => f.fault)).toEqual(["looseness"]);
    expect(r.findings[0]!.evidence.harmonics).toBe(8);
    expect(r.findings[0]!.evidence.amplitude).toBeCloseTo(0.6 * Math.sqrt(8), 1);
  });

  it("gear mesh: a raised GMF with sidebands; the same GMF without sidebands is not a gear fault", () => {
    const faulty = analyse(
      block(25, [
        [29, 2.5],
        [28, 1],
        [30, 1],
        [27, 0.4],
        [31, 0.4],
      ]),
      gearbox(1500),
    );
    expect(faulty.findings.map((f) => `${f.fault}:${f.severity}`)).toEqual(["gear_mesh:alarm"]);
    const e = faulty.findings[0]!.evidence;
    expect(e.sidebands).toEqual({ spacing_hz: expect.closeTo(25, 1), found: 4 });
    expect(e.frequency_hz).toBeCloseTo(725, 0);
    const clean = analyse(block(25, [[29, 2.5]]), gearbox(1500));
    expect(clean.findings).toEqual([]);
  });

  it("measures nothing without a speed, at the nacelle, or with too few revolutions in the block", () => {
    const x = block(25, [[1, 5]]);
    expect(analyse(x, gearbox(null))).toEqual({ features: {}, findings: [], markers: [] });
    expect(analyse(x, { component: "nacelle", speedRpm: 1500 }).features).toEqual({});
    // The rotor at 15 rpm turns 0.64 times in 2.56 s.
    const rotor = analyse(x, { component: "main_bearing", speedRpm: 15 });
    expect(rotor.features).toEqual({});
    expect(rotor.findings).toEqual([]);
    expect(rotor.markers.map((m) => m.label)).toEqual(["1×", "2×", "3×"]);
  });
});

describe("markers", () => {
  it("marks 1×–3× and GMF, 2×GMF with ±1×, ±2× sidebands below the top frequency", () => {
    const m = shaftMarkers(25, 29, 1000);
    expect(m.map((x) => [x.label, x.frequency_hz])).toEqual([
      ["1×", 25],
      ["2×", 50],
      ["3×", 75],
      ["GMF", 725],
      ["GMF−2×", 675],
      ["GMF−1×", 700],
      ["GMF+1×", 750],
      ["GMF+2×", 775],
    ]);
    expect(m.every((x) => x.spectrum === "spectrum")).toBe(true);
    expect(shaftMarkers(25, 29, 2000).filter((x) => x.harmonic === 2 && x.kind !== "shaft")).toHaveLength(5);
  });
});
