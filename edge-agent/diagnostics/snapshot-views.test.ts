// What the edge gives central's analyst views beyond the features: the
// amplitude of each bearing-fault family per block (trended at central), the
// block's peak-held time waveform in the snapshot, and the point's baseline
// spectra sent once as a `baseline` snapshot. Truth: signals built here or by
// the turbine simulator's physics, whose fault and levels are known.
import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import { STANDARD_GRAVITY_M_S2, type TurbinePointId } from "../../common/names.ts";
import { SpectrumUploadSchema } from "../../common/spectrum.ts";
import { type FaultSpec, mulberry32 } from "../../simulators/turbine/physics.ts";
import { BLOCK_T0_MS, ROTOR_RPM, simulatedBlock, turbineMonitor } from "../../test/helpers/turbine-blocks.ts";
import type { EnvelopeSpectrum } from "../dsp/envelope.ts";
import type { WaveformBlock } from "../sources/source.ts";
import { BaselineSpectrumLearner } from "./baseline-spectrum.ts";
import { familyAmplitudes } from "./family-amplitudes.ts";
import { diagnoseBlock } from "./pipeline.ts";
import type { PointDiagnosis, SpectrumSnapshot } from "./types.ts";
import { WAVEFORM_MAX_GROUPS, waveformTrace } from "./waveform.ts";

const T0 = BLOCK_T0_MS;

const rng = mulberry32(1234);
function block(asset: string, point: TurbinePointId, i: number, faults: FaultSpec[] = []): WaveformBlock {
  return simulatedBlock({ asset, point, sequence: i, rng, faults, rpm: ROTOR_RPM });
}

describe("bearing-fault family amplitudes", () => {
  const ses = (lines: [number, number][], dfHz = 0.1, bins = 4000): EnvelopeSpectrum => {
    const amplitude = new Float64Array(bins).fill(1e-6);
    for (const [hz, a] of lines) amplitude[Math.round(hz / dfHz)] = a;
    return { amplitude, dfHz, maxHz: (bins - 1) * dfHz, resolutionHz: dfHz, mean: 1e-6 };
  };
  const orders = { bpfo: 7.5, bpfi: 9.5, bsf: 3.1, ftf: 0.42 };

  it("reads each family's fundamental within its slip window (2 % below, 1 % above), scaled", () => {
    const shaftHz = 20;
    // BPFO 150 Hz: a line 1.5 % below (slip) counts; BPFI 190 Hz: a line 3 % below does not.
    const s = ses([
      [150 * 0.985, 4e-3],
      [190 * 0.97, 9e-3],
      [3.1 * 20, 2e-3],
    ]);
    const a = familyAmplitudes(s, shaftHz, orders, 1000);
    expect(a.env_bpfo_g2).toBeCloseTo(4, 9);
    expect(a.env_bpfi_g2).toBeCloseTo(1e-3, 9);
    expect(a.env_bsf_g2).toBeCloseTo(2, 9);
    expect(a.env_ftf_g2).toBeCloseTo(1e-3, 9);
  });

  it("leaves out a family whose window lies beyond the spectrum's valid range", () => {
    const s = { ...ses([]), maxHz: 100 };
    const a = familyAmplitudes(s, 20, orders, 1);
    expect(Object.keys(a).sort()).toEqual(["env_bsf_g2", "env_ftf_g2"]);
  });

  it("on the simulator's outer-race defect, BPFO rises far over the healthy block's and over the other families", () => {
    const { monitor } = turbineMonitor("T02");
    const chain = (faults: FaultSpec[], i: number): PointDiagnosis => {
      const b = block("T02", "main_bearing", i, faults);
      return diagnoseBlock(b, monitor.contextFor(b));
    };
    const healthy = chain([], 0).features;
    const faulty = chain([{ point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 }], 1).features;
    for (const f of ["env_bpfo_g2", "env_bpfi_g2", "env_bsf_g2", "env_ftf_g2"])
      expect(healthy[f], f).toBeGreaterThan(0);
    expect(faulty.env_bpfo_g2! / healthy.env_bpfo_g2!).toBeGreaterThan(10);
    expect(faulty.env_bpfo_g2).toBeGreaterThan(faulty.env_bpfi_g2!);
    expect(faulty.env_bpfo_g2).toBeGreaterThan(faulty.env_bsf_g2!);
  });
});

describe("the snapshot's time waveform", () => {
  it("keeps an impact through the peak-hold, in g, over the whole block", () => {
    const fs = 25_600;
    const n = 65_536;
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 50 * i) / fs);
    x[40_001] = 30; // one impact of 30 m/s² between two groups' worth of sine
    const w = waveformTrace(x, n, fs);
    expect(w.min.length).toBe(WAVEFORM_MAX_GROUPS);
    expect(w.dt_s).toBeCloseTo(n / WAVEFORM_MAX_GROUPS / fs, 12);
    const group = Math.floor(40_001 / (n / WAVEFORM_MAX_GROUPS));
    expect(w.max[group]).toBeCloseTo(30 / STANDARD_GRAVITY_M_S2, 12);
    // Elsewhere the sine's peaks, ±0.5 m/s², within a group's phase step.
    const others = Array.from(w.max).filter((_, k) => k !== group);
    expect(Math.max(...others)).toBeLessThanOrEqual(0.5 / STANDARD_GRAVITY_M_S2 + 1e-12);
    expect(Math.min(...Array.from(w.min))).toBeGreaterThanOrEqual(-0.5 / STANDARD_GRAVITY_M_S2 - 1e-12);
  });

  it("keeps every sample of a short block", () => {
    const x = Float64Array.from([1, -2, 3], (v) => v * STANDARD_GRAVITY_M_S2);
    const w = waveformTrace(x, 3, 1000);
    expect(Array.from(w.min)).toEqual([1, -2, 3]);
    expect(Array.from(w.max)).toEqual([1, -2, 3]);
    expect(w.dt_s).toBe(0.001);
  });

  it("goes to central in the snapshot, within the wire's caps", () => {
    const { monitor } = turbineMonitor("T01");
    const r = monitor.onBlock(block("T01", "gearbox_hss", 0));
    const w = r.snapshot?.snapshot.waveform;
    expect(w?.unit).toBe("g");
    expect(w?.min.length).toBe(WAVEFORM_MAX_GROUPS);
    expect(w?.max.every((v, k) => v >= w.min[k]!)).toBe(true);
    expect(Value.Check(SpectrumUploadSchema, r.snapshot)).toBe(true);
  });
});

describe("the baseline's spectra", () => {
  const snap = (v: number[], e: number[], speedRpm: number | null, df = 1): SpectrumSnapshot => ({
    speedRpm,
    sampleRateHz: 1000,
    samples: 1024,
    spectrum: { df_hz: df, unit: "mm/s", values: v },
    envelope: { df_hz: 0.5, unit: "g2", values: e, band_hz: [100, 200] },
    markers: [{ label: "1×", kind: "shaft", harmonic: 1, frequency_hz: 2, spectrum: "spectrum" }],
  });

  it("averages velocity in power and the squared envelope as it is; other bin spacings are left out", () => {
    const l = new BaselineSpectrumLearner();
    l.add(snap([3, 0], [1, 2], 100));
    l.add(snap([4, 2], [3, 6], 200));
    l.add(snap([100, 100, 100], [9, 9], null, 2)); // another velocity spacing: velocity left out, envelope in
    const s = l.snapshot(snap([0, 0], [0, 0], 1))!;
    expect(s.spectrum.values).toEqual([Math.sqrt((9 + 16) / 2), Math.sqrt(2)]);
    expect(s.envelope.values).toEqual([13 / 3, 17 / 3]);
    expect(s.speedRpm).toBe(150);
    expect(s.markers).toHaveLength(1);
    expect(s.waveform).toBeUndefined();
  });

  it("is sent once, flagged baseline, on the block that completes the point's baseline", () => {
    const { monitor } = turbineMonitor("T01", { baselineBlocks: 3 });
    const spectra: number[][] = [];
    const results = [0, 1, 2, 3].map((i) => {
      const b = block("T01", "gearbox_hss", i);
      const d = diagnoseBlock(b, monitor.contextFor(b));
      spectra.push([...d.snapshot.spectrum.values]);
      return monitor.accept(b, d);
    });
    expect(results.map((r) => r.baseline?.reason ?? null)).toEqual([null, null, "baseline", null]);
    const baseline = results[2]!.baseline!;
    expect(Value.Check(SpectrumUploadSchema, baseline)).toBe(true);
    expect(baseline.ts).toBe(T0 + 2 * 5000);
    expect(baseline.diagnoses).toEqual([]);
    const expected = spectra[0]!.map((_, k) =>
      Math.sqrt((spectra[0]![k]! ** 2 + spectra[1]![k]! ** 2 + spectra[2]![k]! ** 2) / 3),
    );
    const got = baseline.snapshot.spectrum.values;
    expect(got).toHaveLength(expected.length);
    for (let k = 0; k < got.length; k += 97) expect(got[k]).toBeCloseTo(expected[k]!, 9);
  });
});
