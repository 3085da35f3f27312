import FFT from "fft.js";
import { describe, expect, it } from "vitest";
import { STANDARD_GRAVITY_M_S2, type TurbinePointId } from "../../common/names.ts";
import { powerCurveKw, rotorSpeedRpm, TURBINE_RATINGS } from "./operation.ts";
import {
  defectFrequenciesHz,
  type FaultSpec,
  ISO_10816_21_ZONE_BOUNDARIES_MM_S,
  mulberry32,
  parseFaultSpec,
  synthesizeBlock,
  TURBINE_POINTS,
} from "./physics.ts";

// Independent spectral helpers (plain FFT, no code from the edge).
const G_MM_S2 = STANDARD_GRAVITY_M_S2 * 1000;

function spectrum(x: Float32Array | Float64Array): number[] {
  const fft = new FFT(x.length);
  const out = fft.createComplexArray();
  fft.realTransform(out, Array.from(x));
  fft.completeSpectrum(out);
  return out as number[];
}

/** Velocity RMS in [lo, hi] Hz, mm/s, by 1/(2πf) integration of the one-sided spectrum (Parseval). */
function velocityRmsMmS(x: Float32Array, fs: number, lo = 10, hi = 1000): number {
  const n = x.length;
  const s = spectrum(x);
  let sum = 0;
  for (let k = 1; k < n / 2; k++) {
    const f = (k * fs) / n;
    if (f < lo || f > hi) continue;
    const p = (s[2 * k] ?? 0) ** 2 + (s[2 * k + 1] ?? 0) ** 2;
    sum += p * (G_MM_S2 / (2 * Math.PI * f)) ** 2;
  }
  return Math.sqrt((2 * sum) / (n * n));
}

/** Amplitude spectrum (peak units), bins 0..n/2. */
function amplitude(x: Float32Array | Float64Array): Float64Array {
  const n = x.length;
  const s = spectrum(x);
  const a = new Float64Array(n / 2);
  for (let k = 0; k < n / 2; k++) a[k] = (2 / n) * Math.hypot(s[2 * k] ?? 0, s[2 * k + 1] ?? 0);
  return a;
}

/** Squared envelope of the band [lo, hi] Hz (Hilbert via FFT), mean removed. */
function squaredEnvelope(x: Float32Array, fs: number, lo: number, hi: number): Float64Array {
  const n = x.length;
  const fft = new FFT(n);
  const s = spectrum(x);
  const analytic = fft.createComplexArray() as number[];
  for (let k = 1; k < n / 2; k++) {
    const f = (k * fs) / n;
    if (f >= lo && f <= hi) {
      analytic[2 * k] = 2 * (s[2 * k] ?? 0);
      analytic[2 * k + 1] = 2 * (s[2 * k + 1] ?? 0);
    }
  }
  const z = fft.createComplexArray() as number[];
  fft.inverseTransform(z, analytic);
  const env = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    env[i] = (z[2 * i] ?? 0) ** 2 + (z[2 * i + 1] ?? 0) ** 2;
    mean += env[i] ?? 0;
  }
  mean /= n;
  for (let i = 0; i < n; i++) env[i] = (env[i] ?? 0) - mean;
  return env;
}

/** Frequency of the largest bin in [lo, hi] Hz. */
function peakHz(a: Float64Array, fs: number, n: number, lo: number, hi: number): number {
  let best = -1;
  let bestK = 0;
  for (let k = Math.ceil((lo * n) / fs); k <= Math.floor((hi * n) / fs) && k < a.length; k++) {
    if ((a[k] ?? 0) > best) {
      best = a[k] ?? 0;
      bestK = k;
    }
  }
  return (bestK * fs) / n;
}

const FS = 25600;
const N = 65536;
const RESOLUTION_HZ = FS / N;

function block(point: TurbinePointId, shaftHz: number, faults: FaultSpec[], seed = 7, n = N): Float32Array {
  const out = new Float32Array(n);
  synthesizeBlock({
    point: TURBINE_POINTS[point],
    shaftHz,
    faults,
    sampleRateHz: FS,
    rng: mulberry32(seed),
    out,
  });
  return out;
}

const ratedRotorHz = TURBINE_RATINGS.maxRotorRpm / 60;
const minRotorHz = TURBINE_RATINGS.minRotorRpm / 60;
const shaftHzAt = (point: TurbinePointId, rotorHz: number): number =>
  TURBINE_POINTS[point].shaft === "rotor" ? rotorHz : rotorHz * TURBINE_RATINGS.gearboxRatio;
const abBoundary = (point: TurbinePointId): number => {
  const c = TURBINE_POINTS[point].component;
  if (c === "nacelle") throw new Error("no nacelle point");
  return ISO_10816_21_ZONE_BOUNDARIES_MM_S[c][0];
};

describe("defect frequencies", () => {
  it("match the textbook formulas for a 6205-like bearing (9 balls, 7.94/39.04 mm, 0°)", () => {
    // Known values for SKF 6205 at 1797 rpm (CWRU): BPFO 107.36, BPFI 162.19, BSF 70.58 (2×BSF 141.17), FTF 11.93 Hz.
    const f = defectFrequenciesHz(
      { rollingElements: 9, rollingElementDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0 },
      1797 / 60,
    );
    expect(f.bpfo).toBeCloseTo(107.36, 1);
    expect(f.bpfi).toBeCloseTo(162.19, 1);
    expect(f.bsf).toBeCloseTo(70.58, 1);
    expect(f.ftf).toBeCloseTo(11.93, 1);
  });
});

describe("parseFaultSpec", () => {
  it("parses a valid spec", () => {
    expect(parseFaultSpec("main_bearing:bearing_outer_race:0.6")).toEqual({
      point: "main_bearing",
      fault: "bearing_outer_race",
      severity: 0.6,
    });
  });
  it.each([
    ["main_bearing:bearing_outer_race", /point:fault:severity/],
    ["tower:imbalance:0.5", /point 'tower'/],
    ["generator_de:rust:0.5", /fault 'rust'/],
    ["generator_de:imbalance:1.5", /severity '1.5'/],
    ["generator_de:imbalance:", /severity ''/],
    ["generator_de:imbalance:abc", /severity 'abc'/],
    ["main_bearing:gear_mesh:0.5", /has none/],
  ])("rejects %s naming the bad part", (text, message) => {
    expect(() => parseFaultSpec(text)).toThrow(message);
  });
});

describe("ISO 10816-21 calibration (velocity RMS 10–1000 Hz)", () => {
  const points: TurbinePointId[] = ["main_bearing", "gearbox_hss", "generator_de"];
  for (const point of points) {
    for (const rotorHz of [minRotorHz, 0.2, ratedRotorHz]) {
      it(`healthy ${point} at rotor ${(rotorHz * 60).toFixed(1)} rpm sits at 30–60 % of A/B`, () => {
        const v = velocityRmsMmS(block(point, shaftHzAt(point, rotorHz), []), FS);
        const ab = abBoundary(point);
        expect(v).toBeGreaterThan(0.3 * ab);
        expect(v).toBeLessThan(0.6 * ab);
      });
    }
  }

  for (const rotorHz of [minRotorHz, ratedRotorHz]) {
    it(`main bearing outer race 0.6 leaves zone A at ${(rotorHz * 60).toFixed(1)} rpm`, () => {
      const v = velocityRmsMmS(
        block("main_bearing", rotorHz, [
          { point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 },
        ]),
        FS,
      );
      expect(v).toBeGreaterThan(abBoundary("main_bearing"));
    });
    it(`generator imbalance 0.6 leaves zone A at ${(rotorHz * 60).toFixed(1)} rpm`, () => {
      const v = velocityRmsMmS(
        block("generator_de", rotorHz * TURBINE_RATINGS.gearboxRatio, [
          { point: "generator_de", fault: "imbalance", severity: 0.6 },
        ]),
        FS,
      );
      expect(v).toBeGreaterThan(abBoundary("generator_de"));
    });
  }

  it("velocity grows with severity", () => {
    const shaftHz = 0.2 * TURBINE_RATINGS.gearboxRatio;
    const levels = [0, 0.3, 0.6, 1].map((severity) =>
      velocityRmsMmS(
        block("generator_de", shaftHz, [{ point: "generator_de", fault: "imbalance", severity }]),
        FS,
      ),
    );
    for (let i = 1; i < levels.length; i++) expect(levels[i]).toBeGreaterThan(levels[i - 1] ?? 0);
  });
});

describe("injected frequencies land where physics says", () => {
  it("outer race on the gearbox HSS: BPFO in the squared envelope", () => {
    const shaftHz = 25;
    const point = TURBINE_POINTS.gearbox_hss;
    const bpfo = defectFrequenciesHz(point.bearing, shaftHz).bpfo;
    const x = block("gearbox_hss", shaftHz, [
      { point: "gearbox_hss", fault: "bearing_outer_race", severity: 0.6 },
    ]);
    const env = amplitude(squaredEnvelope(x, FS, point.resonanceHz * 0.6, point.resonanceHz * 1.4));
    expect(Math.abs(peakHz(env, FS, N, 5, 500) - bpfo)).toBeLessThanOrEqual(2 * RESOLUTION_HZ);
  });

  it("outer race on the main bearing: BPFO (a few Hz) in the squared envelope of a long record", () => {
    const rotorHz = 0.25;
    const n = 1 << 19; // 20 s: enough impacts at a few Hz
    const point = TURBINE_POINTS.main_bearing;
    const bpfo = defectFrequenciesHz(point.bearing, rotorHz).bpfo;
    const x = block(
      "main_bearing",
      rotorHz,
      [{ point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 }],
      3,
      n,
    );
    const env = amplitude(squaredEnvelope(x, FS, point.resonanceHz * 0.6, point.resonanceHz * 1.4));
    expect(Math.abs(peakHz(env, FS, n, 1, 20) - bpfo)).toBeLessThanOrEqual(3 * (FS / n));
  });

  it("inner race on the generator: BPFI in the envelope with 1× sidebands", () => {
    const shaftHz = 24;
    const point = TURBINE_POINTS.generator_de;
    const bpfi = defectFrequenciesHz(point.bearing, shaftHz).bpfi;
    const x = block("generator_de", shaftHz, [
      { point: "generator_de", fault: "bearing_inner_race", severity: 0.6 },
    ]);
    const env = amplitude(squaredEnvelope(x, FS, point.resonanceHz * 0.6, point.resonanceHz * 1.4));
    expect(Math.abs(peakHz(env, FS, N, bpfi - 10, bpfi + 10) - bpfi)).toBeLessThanOrEqual(2 * RESOLUTION_HZ);
    // Load-zone modulation: the 1× line itself is in the envelope.
    expect(Math.abs(peakHz(env, FS, N, 10, 40) - shaftHz)).toBeLessThanOrEqual(2 * RESOLUTION_HZ);
  });

  it("rolling element on the generator: 2×BSF in the envelope", () => {
    const shaftHz = 24;
    const point = TURBINE_POINTS.generator_de;
    const { bsf } = defectFrequenciesHz(point.bearing, shaftHz);
    const x = block("generator_de", shaftHz, [
      { point: "generator_de", fault: "bearing_rolling_element", severity: 0.8 },
    ]);
    const env = amplitude(squaredEnvelope(x, FS, point.resonanceHz * 0.6, point.resonanceHz * 1.4));
    expect(Math.abs(peakHz(env, FS, N, 2 * bsf - 15, 2 * bsf + 15) - 2 * bsf)).toBeLessThanOrEqual(
      3 * RESOLUTION_HZ,
    );
    const floor = median(env.subarray(Math.round((150 * N) / FS), Math.round((400 * N) / FS)));
    const at = env[Math.round((2 * bsf * N) / FS)] ?? 0;
    expect(at).toBeGreaterThan(5 * floor);
  });

  it("cage fault: FTF in the envelope", () => {
    const shaftHz = 24;
    const point = TURBINE_POINTS.generator_de;
    const { ftf } = defectFrequenciesHz(point.bearing, shaftHz);
    const x = block("generator_de", shaftHz, [
      { point: "generator_de", fault: "bearing_cage", severity: 0.8 },
    ]);
    const env = amplitude(squaredEnvelope(x, FS, 2000, 8000));
    expect(Math.abs(peakHz(env, FS, N, 2, 40) - ftf)).toBeLessThanOrEqual(2 * RESOLUTION_HZ);
  });

  it("imbalance: 1× dominates the spectrum; misalignment: 2× dominates", () => {
    const shaftHz = 20;
    const imb = amplitude(
      block("generator_de", shaftHz, [{ point: "generator_de", fault: "imbalance", severity: 0.6 }]),
    );
    expect(peakHz(imb, FS, N, 5, 1000)).toBeCloseTo(shaftHz, 0);
    const mis = amplitude(
      block("generator_de", shaftHz, [{ point: "generator_de", fault: "misalignment", severity: 0.6 }]),
    );
    expect(peakHz(mis, FS, N, 5, 100)).toBeCloseTo(2 * shaftHz, 0);
  });

  it("looseness: ½× and many harmonics stand out of the noise", () => {
    const shaftHz = 20;
    const a = amplitude(
      block("generator_de", shaftHz, [{ point: "generator_de", fault: "looseness", severity: 0.8 }]),
    );
    const floor = median(a.subarray(Math.round((1000 * N) / FS), Math.round((2000 * N) / FS)));
    for (const h of [0.5, 3, 4, 5, 6, 8, 10]) {
      expect(a[Math.round((h * shaftHz * N) / FS)] ?? 0).toBeGreaterThan(10 * floor);
    }
  });

  it("gear mesh: GMF with ±1× sidebands", () => {
    const shaftHz = 25;
    const teeth = TURBINE_POINTS.gearbox_hss.gearTeeth ?? 0;
    const a = amplitude(
      block("gearbox_hss", shaftHz, [{ point: "gearbox_hss", fault: "gear_mesh", severity: 0.6 }]),
    );
    const gmf = teeth * shaftHz;
    expect(peakHz(a, FS, N, gmf - 50, gmf + 50)).toBeCloseTo(gmf, 0);
    const floor = median(a.subarray(Math.round(((gmf - 200) * N) / FS), Math.round(((gmf - 100) * N) / FS)));
    for (const f of [gmf - shaftHz, gmf + shaftHz]) {
      expect(a[Math.round((f * N) / FS)] ?? 0).toBeGreaterThan(10 * floor);
    }
  });

  it("is reproducible from the seed and different across seeds", () => {
    const a = block("gearbox_hss", 25, [], 11, 4096);
    const b = block("gearbox_hss", 25, [], 11, 4096);
    const c = block("gearbox_hss", 25, [], 12, 4096);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});

describe("operating model", () => {
  it("power curve: zero below cut-in, rated above rated wind, cubic in between", () => {
    expect(powerCurveKw(2.5)).toBe(0);
    expect(powerCurveKw(13)).toBe(TURBINE_RATINGS.ratedPowerKw);
    expect(powerCurveKw(26)).toBe(0);
    const mid = powerCurveKw(8);
    expect(mid).toBeCloseTo((2500 * (512 - 27)) / (1728 - 27), 6);
  });
  it("rotor speed stays in 6.4–15.9 rpm, so the generator turns at ~700–1750 rpm", () => {
    for (let v = 0; v <= 30; v += 0.5) {
      const rpm = rotorSpeedRpm(v);
      expect(rpm).toBeGreaterThanOrEqual(6.4);
      expect(rpm).toBeLessThanOrEqual(15.9);
    }
    expect(rotorSpeedRpm(20) * TURBINE_RATINGS.gearboxRatio).toBeCloseTo(1749, 0);
  });
});

function median(a: Float64Array): number {
  const s = Array.from(a).sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] ?? 0;
}

describe("speed ramp within a block", () => {
  const rampBlock = (
    point: TurbinePointId,
    startHz: number,
    endHz: number | undefined,
    faults: FaultSpec[],
  ) => {
    const out = new Float32Array(N);
    synthesizeBlock({
      point: TURBINE_POINTS[point],
      shaftHz: startHz,
      ...(endHz !== undefined ? { shaftHzEnd: endHz } : {}),
      faults,
      sampleRateHz: FS,
      rng: mulberry32(5),
      out,
    });
    return out;
  };
  /** Shaft speed at time t of a linear ramp over the block. */
  const speedAt = (startHz: number, endHz: number, t: number) => startHz + ((endHz - startHz) * t) / (N / FS);

  it("an end speed equal to the start speed is the constant-speed block, bit for bit", () => {
    const faults: FaultSpec[] = [
      { point: "gearbox_hss", fault: "gear_mesh", severity: 0.5 },
      { point: "gearbox_hss", fault: "bearing_inner_race", severity: 0.5 },
    ];
    expect(rampBlock("gearbox_hss", 24, 24, faults)).toEqual(rampBlock("gearbox_hss", 24, undefined, faults));
  });

  it("the gear mesh follows the instantaneous speed (+20 % over the block)", () => {
    const [f0, f1] = [22.5, 27];
    const teeth = TURBINE_POINTS.gearbox_hss.gearTeeth!;
    const x = rampBlock("gearbox_hss", f0, f1, [{ point: "gearbox_hss", fault: "gear_mesh", severity: 0.8 }]);
    const seg = 8192;
    for (const start of [0, N - seg]) {
      const a = amplitude(x.subarray(start, start + seg));
      const expected = teeth * speedAt(f0, f1, (start + seg / 2) / FS);
      expect(Math.abs(peakHz(a, FS, seg, 600, 850) - expected)).toBeLessThanOrEqual(2 * (FS / seg));
    }
  });

  it("bearing impacts follow the shaft angle: BPFO of the first and last quarter", () => {
    const [f0, f1] = [22.5, 27];
    const point = TURBINE_POINTS.gearbox_hss;
    const x = rampBlock("gearbox_hss", f0, f1, [
      { point: "gearbox_hss", fault: "bearing_outer_race", severity: 0.8 },
    ]);
    const seg = N / 4;
    for (const start of [0, N - seg]) {
      const part = x.slice(start, start + seg);
      const env = amplitude(squaredEnvelope(part, FS, point.resonanceHz * 0.6, point.resonanceHz * 1.4));
      const bpfo = defectFrequenciesHz(point.bearing, speedAt(f0, f1, (start + seg / 2) / FS)).bpfo;
      expect(Math.abs(peakHz(env, FS, seg, 120, 220) - bpfo)).toBeLessThanOrEqual(4 * (FS / seg));
    }
  });
});
