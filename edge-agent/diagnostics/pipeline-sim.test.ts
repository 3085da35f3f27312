// Bearing diagnosis on the simulator's turbine: injected bearing faults at
// several speeds, severities and noise levels must be named, and no other
// bearing fault named as an alarm; healthy blocks must give no bearing
// finding (the false-alarm rate is printed). Blocks as the agent sees them:
// 65536 samples at 25.6 kHz (2.56 s). Shaft faults and ramps of the shaft
// analysis are covered by shaft-sim.test.ts.
import { describe, expect, it } from "vitest";
import type { TurbinePointId } from "../../common/names.ts";
import { TURBINE_RATINGS } from "../../simulators/turbine/operation.ts";
import {
  bearingDataSheet,
  type InjectableFault,
  mulberry32,
  type PointModel,
  synthesizeBlock,
  TURBINE_POINTS,
} from "../../simulators/turbine/physics.ts";
import { diagnoseBlock } from "./pipeline.ts";
import type { BearingGeometry, PointDiagnosis } from "./types.ts";

const FS = 25_600;
const N = 65_536;
const out = new Float32Array(N);
let seed = 1;

const geometry = (p: PointModel): BearingGeometry => bearingDataSheet(p);

/** One block of a point at a rotor speed, with the fault (or none), its noise scaled by `noise`. */
function run(args: {
  point: TurbinePointId;
  rotorRpm: number;
  rotorRpmEnd?: number;
  fault: InjectableFault | null;
  severity: number;
  noise: number;
}): PointDiagnosis {
  const base = TURBINE_POINTS[args.point];
  const point: PointModel = { ...base, noiseRmsG: base.noiseRmsG * args.noise };
  const ratio = base.shaft === "rotor" ? 1 : TURBINE_RATINGS.gearboxRatio;
  const rpm = args.rotorRpm * ratio;
  const rpmEnd = (args.rotorRpmEnd ?? args.rotorRpm) * ratio;
  synthesizeBlock({
    point,
    shaftHz: rpm / 60,
    shaftHzEnd: rpmEnd / 60,
    faults: args.fault === null ? [] : [{ point: args.point, fault: args.fault, severity: args.severity }],
    sampleRateHz: FS,
    rng: mulberry32(seed++),
    out,
  });
  return diagnoseBlock(
    { samples: out, sampleRateHz: FS, unit: "g" },
    { component: point.component, speedRpm: rpm, speedRpmEnd: rpmEnd, bearing: geometry(point) },
  );
}

const bearingFindings = (d: PointDiagnosis) => d.findings.filter((f) => f.fault.startsWith("bearing_"));
const describeFindings = (d: PointDiagnosis): string =>
  bearingFindings(d)
    .map((f) => `${f.fault}:${f.severity}`)
    .join(" ") || "nothing";

const RACE_AND_ELEMENT: InjectableFault[] = [
  "bearing_outer_race",
  "bearing_inner_race",
  "bearing_rolling_element",
];
/**
 * Rotor speeds per point. The main bearing turns at the rotor's 12–16 rpm at
 * power (0.2–0.27 Hz): a 2.56 s block then holds 5–8 outer-race impacts.
 * Below (idling at 6.4 rpm) a block holds three, too few for lines — see the
 * slow-shaft test. The high-speed shaft turns 110× faster.
 */
const SPEEDS: Record<TurbinePointId, number[]> = {
  main_bearing: [14, TURBINE_RATINGS.maxRotorRpm],
  gearbox_hss: [TURBINE_RATINGS.minRotorRpm, 12, TURBINE_RATINGS.maxRotorRpm],
  generator_de: [TURBINE_RATINGS.minRotorRpm, 12, TURBINE_RATINGS.maxRotorRpm],
};
/** FTF of the main bearing is ~0.1 Hz, below the 0.39 Hz resolution of a 2.56 s block: no cage there. */
const faultsAt = (p: TurbinePointId): InjectableFault[] =>
  p === "main_bearing" ? RACE_AND_ELEMENT : [...RACE_AND_ELEMENT, "bearing_cage"];

describe("bearing faults injected in the simulator are named", () => {
  for (const point of Object.keys(SPEEDS) as TurbinePointId[]) {
    for (const fault of faultsAt(point)) {
      it(`${point}: ${fault} at severities 0.3–1, noise ×1 and ×2, ${SPEEDS[point].join("/")} rpm rotor`, () => {
        const misses: string[] = [];
        for (const rotorRpm of SPEEDS[point])
          for (const severity of [0.3, 0.6, 1])
            for (const noise of [1, 2]) {
              const d = run({ point, rotorRpm, fault, severity, noise });
              const named = bearingFindings(d);
              const ok =
                named.some((f) => f.fault === fault) &&
                !named.some((f) => f.fault !== fault && f.severity === "alarm");
              if (!ok)
                misses.push(`${rotorRpm} rpm, severity ${severity}, noise ×${noise}: ${describeFindings(d)}`);
            }
        expect(misses).toEqual([]);
      });
    }
  }

  it("a 10 % speed ramp within the block (the envelope resampled to shaft angle)", () => {
    const misses: string[] = [];
    for (const point of Object.keys(SPEEDS) as TurbinePointId[])
      for (const fault of RACE_AND_ELEMENT) {
        const d = run({ point, rotorRpm: 14, rotorRpmEnd: 15.4, fault, severity: 0.6, noise: 1 });
        const named = bearingFindings(d);
        if (
          !named.some((f) => f.fault === fault) ||
          named.some((f) => f.fault !== fault && f.severity === "alarm")
        )
          misses.push(`${point} ${fault}: ${describeFindings(d)}`);
      }
    expect(misses).toEqual([]);
  });

  it("evidence: found frequency near the expected one, SNR and harmonics, markers for the snapshot", () => {
    const d = run({
      point: "generator_de",
      rotorRpm: 12,
      fault: "bearing_outer_race",
      severity: 0.6,
      noise: 1,
    });
    const f = bearingFindings(d)[0]!;
    expect(f.fault).toBe("bearing_outer_race");
    expect(Math.abs(f.evidence.frequency_hz / f.evidence.expected_hz! - 1)).toBeLessThan(0.02);
    expect(f.evidence.harmonics).toBeGreaterThanOrEqual(3);
    expect(f.evidence.snr_db).toBeGreaterThan(10);
    expect(f.evidence.band_hz).toBeDefined();
    const bpfo = d.snapshot.markers.filter((m) => m.kind === "bpfo" && m.spectrum === "envelope");
    expect(bpfo.length).toBeGreaterThanOrEqual(3);
    expect(d.snapshot.envelope.values.length).toBeLessThanOrEqual(4096);
    expect(d.snapshot.spectrum.values.length).toBeLessThanOrEqual(4096);
  });
});

describe("healthy blocks", () => {
  // 330 blocks through the whole chain: about 25 s of CPU alone, minutes on a loaded machine.
  it("give no bearing finding: false-alarm rate over ≥ 300 blocks (printed)", { timeout: 240_000 }, () => {
    let blocks = 0;
    const falseAlarms: string[] = [];
    for (const point of Object.keys(SPEEDS) as TurbinePointId[])
      for (const rotorRpm of [...SPEEDS[point], 10])
        for (const noise of [0.5, 1, 2])
          for (let i = 0; i < 10; i++) {
            const d = run({ point, rotorRpm, fault: null, severity: 0, noise });
            blocks++;
            if (bearingFindings(d).length > 0)
              falseAlarms.push(`${point} ${rotorRpm} rpm noise ×${noise}: ${describeFindings(d)}`);
          }
    console.log(
      `healthy blocks: ${blocks}, with a bearing finding: ${falseAlarms.length} (${((100 * falseAlarms.length) / blocks).toFixed(2)} % per block)${falseAlarms.length > 0 ? `\n${falseAlarms.join("\n")}` : ""}`,
    );
    expect(blocks).toBeGreaterThanOrEqual(300);
    expect(falseAlarms.length / blocks).toBeLessThanOrEqual(0.01);
  });
});

describe("slow main bearing (below the rotor's power range)", () => {
  it("names no wrong fault; prints how often the right one is named at 6.4, 10 and 12 rpm", () => {
    const rows: string[] = [];
    for (const rotorRpm of [TURBINE_RATINGS.minRotorRpm, 10, 12]) {
      for (const fault of RACE_AND_ELEMENT) {
        let named = 0;
        let total = 0;
        for (const severity of [0.3, 0.6, 1])
          for (const noise of [1, 2]) {
            const d = run({ point: "main_bearing", rotorRpm, fault, severity, noise });
            total++;
            const found = bearingFindings(d);
            if (found.some((f) => f.fault === fault)) named++;
            expect(found.filter((f) => f.fault !== fault && f.severity === "alarm")).toEqual([]);
          }
        rows.push(`${String(rotorRpm).padStart(4)} rpm  ${fault.padEnd(24)} named ${named}/${total}`);
      }
    }
    console.log(`slow main bearing (2.56 s blocks):\n${rows.join("\n")}`);
  });
});
