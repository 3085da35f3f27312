// Shaft faults on the turbine simulator, whose truth is known by
// construction: each injected fault is named at the points where it shows
// (the high-speed shaft: gearbox HSS and generator), at several speeds,
// severities and noise levels, with speed ramps of ±10 % within a block, and
// no other shaft fault is raised to `alarm`. Healthy runs over hundreds of
// blocks give the false-alarm rate, with and without a learnt baseline.
import { describe, expect, it } from "vitest";
import { STANDARD_GRAVITY_M_S2, type TurbinePointId } from "../../common/names.ts";
import { TURBINE_RATINGS } from "../../simulators/turbine/operation.ts";
import {
  type FaultSpec,
  type InjectableFault,
  mulberry32,
  synthesizeBlock,
  TURBINE_POINTS,
} from "../../simulators/turbine/physics.ts";
import { detrendInto } from "../dsp/detrend.ts";
import { fftJsBackend } from "../dsp/fft.ts";
import { welchPowerSpectrum } from "../dsp/welch.ts";
import { segmentLengthFor } from "./pipeline.ts";
import { analyseShaft, type ShaftAnalysis } from "./shaft.ts";
import type { PointBaseline } from "./types.ts";

const FS = 25_600;
const N = 65_536;
const SHAFT_FAULTS = ["imbalance", "misalignment", "looseness", "gear_mesh"] as const;
type ShaftFault = (typeof SHAFT_FAULTS)[number];

interface Run {
  point: TurbinePointId;
  /** Generator speed at the start of the block, rpm (the rotor turns 1/110 of it). */
  generatorRpm: number;
  /** Speed at the end of the block over speed at the start. */
  ramp: number;
  faults: FaultSpec[];
  noise: number;
  seed: number;
  baseline?: PointBaseline;
}

const out = new Float32Array(N);
const x = new Float64Array(N);

function analyseRun(run: Run): ShaftAnalysis {
  const model = TURBINE_POINTS[run.point];
  const point = { ...model, noiseRmsG: model.noiseRmsG * run.noise };
  const toShaft = model.shaft === "rotor" ? 1 / TURBINE_RATINGS.gearboxRatio : 1;
  const startRpm = run.generatorRpm * toShaft;
  const endRpm = startRpm * run.ramp;
  synthesizeBlock({
    point,
    shaftHz: startRpm / 60,
    shaftHzEnd: endRpm / 60,
    faults: run.faults,
    sampleRateHz: FS,
    rng: mulberry32(run.seed),
    out,
  });
  detrendInto(out, x, "linear", STANDARD_GRAVITY_M_S2);
  // The spectrum the pipeline hands over (diagnoseBlock).
  const spectrum = welchPowerSpectrum(x, N, FS, segmentLengthFor(N));
  return analyseShaft({
    samples: x,
    sampleRateHz: FS,
    spectrum,
    ctx: {
      component: model.component,
      speedRpm: startRpm,
      speedRpmEnd: endRpm,
      ...(model.gearTeeth !== undefined ? { gearTeeth: model.gearTeeth } : {}),
      ...(run.baseline !== undefined ? { baseline: run.baseline } : {}),
    },
    fft: fftJsBackend,
  });
}

const isShaftFault = (f: string): f is ShaftFault => (SHAFT_FAULTS as readonly string[]).includes(f);

/** Mean of the features of healthy blocks of one point at one speed (how the agent learns a baseline). */
function learnBaseline(
  point: TurbinePointId,
  generatorRpm: number,
  noise: number,
  blocks = 12,
): PointBaseline {
  const sums: Record<string, number> = {};
  for (let s = 0; s < blocks; s++) {
    const { features } = analyseRun({ point, generatorRpm, ramp: 1, faults: [], noise, seed: 900 + s });
    for (const [k, v] of Object.entries(features)) sums[k] = (sums[k] ?? 0) + v / blocks;
  }
  return { blocks, features: sums };
}

/** Where each shaft fault shows: the high-speed shaft (the rotor's 1× is below 0.3 Hz, < 1 revolution per block). */
const FAULT_POINTS: Record<ShaftFault, TurbinePointId[]> = {
  imbalance: ["gearbox_hss", "generator_de"],
  misalignment: ["gearbox_hss", "generator_de"],
  looseness: ["gearbox_hss", "generator_de"],
  gear_mesh: ["gearbox_hss"],
};

const SPEEDS_RPM = [1000, 1400, 1800]; // rotor 9.1, 12.7, 16.4 rpm
const RAMPS = [1, 1.1, 0.9];

describe("shaft faults on the simulator", () => {
  for (const fault of SHAFT_FAULTS) {
    for (const point of FAULT_POINTS[fault]) {
      it(`${point} ${fault}: named at ${SPEEDS_RPM.join("/")} rpm, ramps ±10 %, severity 0.5 and 0.9 (noise ×2), no other shaft alarm`, () => {
        const misses: string[] = [];
        for (const generatorRpm of SPEEDS_RPM) {
          for (const ramp of RAMPS) {
            for (const [severity, noise] of [
              [0.5, 1],
              [0.9, 2],
            ] as const) {
              const seed = generatorRpm + Math.round(ramp * 100) + severity * 10;
              const r = analyseRun({
                point,
                generatorRpm,
                ramp,
                faults: [{ point, fault, severity }],
                noise,
                seed,
              });
              const where = `${generatorRpm} rpm ×${ramp} severity ${severity} noise ×${noise}`;
              if (!r.findings.some((f) => f.fault === fault)) misses.push(`${where}: not named`);
              for (const f of r.findings)
                if (f.fault !== fault && isShaftFault(f.fault) && f.severity === "alarm")
                  misses.push(`${where}: ${f.fault} alarm`);
              const named = r.findings.find((f) => f.fault === fault);
              if (severity === 0.9 && named !== undefined && named.confidence < 0.6)
                misses.push(`${where}: confidence ${named.confidence}`);
            }
          }
        }
        expect(misses).toEqual([]);
      });
    }
  }

  it("with a learnt baseline, severity 0.3 is named at every point and speed (thresholds adapt to the machine)", () => {
    const misses: string[] = [];
    for (const point of ["gearbox_hss", "generator_de"] as const) {
      const baseline = learnBaseline(point, 1400, 1);
      for (const fault of SHAFT_FAULTS) {
        if (!FAULT_POINTS[fault].includes(point)) continue;
        for (const generatorRpm of SPEEDS_RPM) {
          const ramp = generatorRpm === 1000 ? 1.1 : 1;
          const r = analyseRun({
            point,
            generatorRpm,
            ramp,
            faults: [{ point, fault, severity: 0.3 }],
            noise: 1,
            seed: 77 + generatorRpm,
            baseline,
          });
          if (!r.findings.some((f) => f.fault === fault))
            misses.push(`${point} ${fault} ${generatorRpm} rpm`);
          for (const f of r.findings)
            if (f.fault !== fault && isShaftFault(f.fault) && f.severity === "alarm")
              misses.push(`${point} ${fault} ${generatorRpm} rpm: ${f.fault} alarm`);
          const named = r.findings.find((f) => f.fault === fault);
          if (named !== undefined && !(named.evidence.baseline_ratio! > 1))
            misses.push(`${point} ${fault}: no baseline ratio`);
        }
      }
    }
    expect(misses).toEqual([]);
  });

  it("bearing faults do not raise a shaft-fault alarm", () => {
    const raised: string[] = [];
    const bearingFaults: InjectableFault[] = [
      "bearing_outer_race",
      "bearing_inner_race",
      "bearing_rolling_element",
    ];
    for (const point of ["gearbox_hss", "generator_de"] as const) {
      for (const fault of bearingFaults) {
        for (const generatorRpm of [1100, 1700]) {
          const r = analyseRun({
            point,
            generatorRpm,
            ramp: 1,
            faults: [{ point, fault, severity: 0.8 }],
            noise: 1,
            seed: generatorRpm + 3,
          });
          for (const f of r.findings)
            if (f.severity === "alarm") raised.push(`${point} ${fault}: ${f.fault}`);
        }
      }
    }
    expect(raised).toEqual([]);
  });

  // 480 analyses of 65 536 samples: about 30 s of CPU alone, more on a shared machine.
  it("healthy blocks: the false-alarm rate over speeds, ramps, noise levels and seeds", {
    timeout: 180_000,
  }, () => {
    const rng = mulberry32(2024);
    const baselines = new Map<string, PointBaseline>();
    const counts = { blocks: 0, warnings: 0, alarms: 0, warningsBaseline: 0, alarmsBaseline: 0 };
    const raised: string[] = [];
    const points: TurbinePointId[] = ["gearbox_hss", "generator_de", "main_bearing"];
    const BLOCKS = 240;
    for (let i = 0; i < BLOCKS; i++) {
      const point = points[i % points.length]!;
      const noise = i % 2 === 0 ? 1 : 2;
      const generatorRpm = 1000 + 800 * rng();
      const ramp = 0.9 + 0.2 * rng();
      const key = `${point}/${noise}`;
      if (!baselines.has(key)) baselines.set(key, learnBaseline(point, 1400, noise));
      const run: Run = { point, generatorRpm, ramp, faults: [], noise, seed: 10_000 + i };
      const plain = analyseRun(run);
      const adapted = analyseRun({ ...run, baseline: baselines.get(key)! });
      counts.blocks++;
      for (const f of plain.findings) {
        if (f.severity === "alarm") counts.alarms++;
        else counts.warnings++;
        raised.push(`${point} ${generatorRpm.toFixed(0)} rpm ×${ramp.toFixed(2)}: ${f.fault} ${f.severity}`);
      }
      for (const f of adapted.findings) {
        if (f.severity === "alarm") counts.alarmsBaseline++;
        else counts.warningsBaseline++;
        raised.push(
          `(baseline) ${point} ${generatorRpm.toFixed(0)} rpm ×${ramp.toFixed(2)}: ${f.fault} ${f.severity}`,
        );
      }
    }
    const pct = (n: number): string => `${((100 * n) / counts.blocks).toFixed(2)} %`;
    console.log(
      `shaft false alarms over ${counts.blocks} healthy blocks (gearbox HSS, generator, main bearing; ` +
        `1000–1800 rpm, ramps ±10 %, noise ×1/×2): without baseline ${pct(counts.warnings)} warnings, ` +
        `${pct(counts.alarms)} alarms; with baseline ${pct(counts.warningsBaseline)} warnings, ${pct(counts.alarmsBaseline)} alarms`,
    );
    expect(counts.alarms + counts.alarmsBaseline, raised.join("\n")).toBe(0);
    expect(counts.warnings + counts.warningsBaseline, raised.join("\n")).toBeLessThanOrEqual(
      0.01 * 2 * BLOCKS,
    );
  });
});
