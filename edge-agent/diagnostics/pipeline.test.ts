import { describe, expect, it } from "vitest";
import {
  bearingDataSheet,
  mulberry32,
  synthesizeBlock,
  TURBINE_POINTS,
} from "../../simulators/turbine/physics.ts";
import { computeFeatures } from "../dsp/features.ts";
import { type FftBackend, fftJsBackend } from "../dsp/fft.ts";
import { diagnoseBlock, SNAPSHOT_MAX_VALUES } from "./pipeline.ts";
import type { MachineContext } from "./types.ts";

const FS = 25_600;
const GEN = TURBINE_POINTS.generator_de;
const ctx: MachineContext = {
  component: "generator",
  speedRpm: 1500,
  bearing: bearingDataSheet(GEN),
};

function block(n: number, seed: number, fault = true): Float32Array {
  const out = new Float32Array(n);
  synthesizeBlock({
    point: GEN,
    shaftHz: 25,
    faults: fault ? [{ point: "generator_de", fault: "bearing_inner_race", severity: 0.7 }] : [],
    sampleRateHz: FS,
    rng: mulberry32(seed),
    out,
  });
  return out;
}

describe("diagnoseBlock", () => {
  for (const n of [65_536, 100_000, 8192]) {
    it(`${n} samples: the vibration fields equal computeFeatures'`, () => {
      const samples = block(n, 1);
      const d = diagnoseBlock({ samples, sampleRateHz: FS, unit: "g" }, ctx);
      const f = computeFeatures({ samples, sampleRateHz: FS, unit: "g", component: "generator" });
      for (const key of Object.keys(f) as (keyof typeof f)[]) expect(d.features[key]).toBeCloseTo(f[key], 9);
    });
  }

  it("runs every transform on the backend it is given", () => {
    const sizes: number[] = [];
    const counting: FftBackend = {
      name: "counting fft.js",
      plan(size) {
        const p = fftJsBackend.plan(size);
        return {
          size,
          realForward: (i, o) => {
            sizes.push(size);
            p.realForward(i, o);
          },
          forward: (i, o) => {
            sizes.push(size);
            p.forward(i, o);
          },
          inverse: (i, o) => {
            sizes.push(size);
            p.inverse(i, o);
          },
        };
      },
    };
    const samples = block(65_536, 2);
    const viaCounting = diagnoseBlock({ samples, sampleRateHz: FS, unit: "g" }, ctx, { fft: counting });
    expect(sizes.length).toBeGreaterThan(3);
    const viaDefault = diagnoseBlock({ samples, sampleRateHz: FS, unit: "g" }, ctx);
    expect(viaCounting.findings).toEqual(viaDefault.findings);
  });

  it("is repeatable across interleaved block sizes (workspaces do not leak between calls)", () => {
    const a = block(65_536, 3);
    const b = block(30_000, 4);
    const first = diagnoseBlock({ samples: a, sampleRateHz: FS, unit: "g" }, ctx);
    diagnoseBlock({ samples: b, sampleRateHz: FS, unit: "g" }, ctx);
    const again = diagnoseBlock({ samples: a, sampleRateHz: FS, unit: "g" }, ctx);
    expect(again.findings).toEqual(first.findings);
    expect(again.snapshot).toEqual(first.snapshot);
    expect(first.findings[0]?.fault).toBe("bearing_inner_race");
  });

  it("snapshot: velocity spectrum in mm/s over the component's range, envelope in g², ≤ 4096 values each, markers", () => {
    const d = diagnoseBlock({ samples: block(65_536, 5), sampleRateHz: FS, unit: "g" }, ctx);
    const s = d.snapshot;
    expect(s.spectrum.unit).toBe("mm/s");
    expect(s.spectrum.values.length).toBeLessThanOrEqual(SNAPSHOT_MAX_VALUES);
    expect(s.spectrum.df_hz * (s.spectrum.values.length - 1)).toBeLessThanOrEqual(5000 + s.spectrum.df_hz);
    expect(s.envelope.unit).toBe("g2");
    expect(s.envelope.values.length).toBeLessThanOrEqual(SNAPSHOT_MAX_VALUES);
    expect(s.envelope.band_hz[1]).toBeGreaterThan(s.envelope.band_hz[0]);
    // Values carry 4 significant digits (JSON on the wire), none negative.
    for (const v of [...s.spectrum.values, ...s.envelope.values]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(Number(v.toPrecision(4))).toBe(v);
    }
    for (const kind of ["bpfo", "bpfi", "bsf", "ftf"])
      expect(s.markers.some((m) => m.kind === kind)).toBe(true);
    expect(s.markers.some((m) => m.kind === "sideband")).toBe(true);
    // The inner-race line stands out of the envelope snapshot where the marker says.
    const bpfi = s.markers.find((m) => m.kind === "bpfi" && m.harmonic === 1)!;
    const at = Math.round(bpfi.frequency_hz / s.envelope.df_hz);
    const near = Math.max(...s.envelope.values.slice(at - 3, at + 4));
    const sorted = [...s.envelope.values].sort((x, y) => x - y);
    expect(near).toBeGreaterThan(10 * sorted[Math.floor(sorted.length / 2)]!);
  });

  it("without a bearing or a speed: no bearing finding, features and snapshot still there", () => {
    const samples = block(65_536, 6);
    for (const c of [
      { ...ctx, bearing: undefined },
      { ...ctx, speedRpm: null },
    ] as MachineContext[]) {
      const d = diagnoseBlock({ samples, sampleRateHz: FS, unit: "g" }, c);
      expect(d.findings.filter((f) => f.fault.startsWith("bearing_"))).toEqual([]);
      expect(d.features.v_rms_mm_s).toBeGreaterThan(0);
      expect(d.snapshot.envelope.values.length).toBeGreaterThan(0);
    }
  });

  it("m/s² input gives the same diagnosis as g", () => {
    const g = block(65_536, 7);
    const ms2 = Float32Array.from(g, (v) => v * 9.80665);
    const a = diagnoseBlock({ samples: g, sampleRateHz: FS, unit: "g" }, ctx);
    const b = diagnoseBlock({ samples: ms2, sampleRateHz: FS, unit: "m/s2" }, ctx);
    expect(b.findings.map((f) => f.fault)).toEqual(a.findings.map((f) => f.fault));
    expect(b.features.v_rms_mm_s).toBeCloseTo(a.features.v_rms_mm_s, 4);
  });

  it("refuses a block too short for the chain", () => {
    expect(() => diagnoseBlock({ samples: new Float32Array(100), sampleRateHz: FS, unit: "g" }, ctx)).toThrow(
      /1024/,
    );
  });
});
