// The agent's per-point diagnostics on blocks of the turbine simulator's
// physics, through the real diagnostic chain: what goes to central (vibration
// and diagnosis points, snapshots) and the baseline kept across a restart.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { type TurbinePointId, VibrationFields } from "../../common/names.ts";
import type { Point } from "../../common/wire.ts";
import {
  defectFrequenciesHz,
  type FaultSpec,
  mulberry32,
  TURBINE_POINTS,
} from "../../simulators/turbine/physics.ts";
import { BLOCK_T0_MS, ROTOR_RPM, simulatedBlock, turbineMonitor } from "../../test/helpers/turbine-blocks.ts";
import type { WaveformBlock } from "../sources/source.ts";
import { activeDiagnosesPath } from "./active-diagnoses.ts";
import { baselinePath } from "./baselines.ts";
import type { BlockResult } from "./monitor.ts";

const T0 = BLOCK_T0_MS;

const rng = mulberry32(99);
function block(asset: string, point: TurbinePointId, i: number, faults: FaultSpec[] = []): WaveformBlock {
  return simulatedBlock({ asset, point, sequence: i, rng, faults });
}

const diagnosisPoints = (r: BlockResult): Point[] => r.points.filter((p) => p.measurement === "diagnosis");

describe("diagnostics of a measuring point", () => {
  it("raises the outer-race defect after 3 blocks, with evidence, a diagnosis point and a snapshot", () => {
    const { monitor } = turbineMonitor("T02");
    const faults: FaultSpec[] = [{ point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 }];
    const results = [0, 1, 2, 3].map((i) => monitor.onBlock(block("T02", "main_bearing", i, faults)));
    // Block 0 sends the first scheduled snapshot; nothing is raised before the third block.
    expect(results[0]?.snapshot?.reason).toBe("scheduled");
    expect(results.slice(0, 2).flatMap((r) => r.transitions)).toEqual([]);
    const raisedAt = results.findIndex((r) => r.transitions.some((t) => t.fault === "bearing_outer_race"));
    expect(raisedAt).toBe(2);
    const raised = results[2]!;
    const point = diagnosisPoints(raised).find((p) => p.tags.fault === "bearing_outer_race");
    expect(point?.tags).toEqual({
      site: "wf1",
      asset: "T02",
      point: "main_bearing",
      fault: "bearing_outer_race",
    });
    expect(point?.fields).toMatchObject({ active: 1, raised_at_ms: T0 + 2 * 5000 });
    expect([1, 2]).toContain(point?.fields.severity);
    // The evidence is at BPFO of the simulator's geometry and speed (1–2 % slip allowed).
    const bpfo = defectFrequenciesHz(TURBINE_POINTS.main_bearing.bearing, ROTOR_RPM / 60).bpfo;
    expect(Math.abs((point?.fields.frequency_hz ?? 0) / bpfo - 1)).toBeLessThan(0.03);
    expect(raised.snapshot?.reason).toBe("diagnosis_changed");
    expect(raised.snapshot?.diagnoses.map((d) => d.fault)).toContain("bearing_outer_race");
    // The block after: nothing new to say, no snapshot until the schedule is due.
    expect(diagnosisPoints(results[3]!).filter((p) => p.tags.fault === "bearing_outer_race")).toEqual([]);
    expect(results[3]?.snapshot).toBeNull();
    expect(monitor.activeCount()).toBeGreaterThanOrEqual(1);
  });

  it("sends the vibration fields names.ts lists, and nothing on a healthy point", () => {
    const { monitor } = turbineMonitor("T01");
    for (const p of ["main_bearing", "gearbox_hss", "generator_de"] as const) {
      for (let i = 0; i < 4; i++) {
        const r = monitor.onBlock(block("T01", p, i));
        expect(r.transitions, `${p} block ${i}`).toEqual([]);
        expect(diagnosisPoints(r)).toEqual([]);
        const vib = r.points[0]!;
        expect(vib.measurement).toBe("vibration");
        for (const f of Object.keys(vib.fields)) expect(Object.keys(VibrationFields)).toContain(f);
        expect(vib.fields.iso_zone).toBe(1);
      }
    }
  });

  it("learns the baseline from healthy blocks, keeps it across a restart, and relearns when told", () => {
    const { monitor, dataDir, log } = turbineMonitor("T01", { baselineBlocks: 3 });
    for (let i = 0; i < 3; i++) monitor.onBlock(block("T01", "gearbox_hss", i));
    expect(monitor.baselinesLearnt).toBe(1);
    expect(log.some((l) => /T01 gearbox_hss: baseline learnt from 3 healthy blocks/.test(l))).toBe(true);
    expect(existsSync(baselinePath(dataDir, "T01", "gearbox_hss"))).toBe(true);

    // A restart: the file is loaded, nothing is learnt again.
    const again = turbineMonitor("T01", { baselineBlocks: 3 }, dataDir);
    for (let i = 3; i < 7; i++) again.monitor.onBlock(block("T01", "gearbox_hss", i));
    expect(again.monitor.baselinesLearnt).toBe(0);

    // After maintenance: baselines learnt before the given time are learnt afresh.
    const relearn = turbineMonitor(
      "T01",
      { baselineBlocks: 3, baselineNotBefore: "2026-05-01T09:00:00Z" },
      dataDir,
    );
    for (let i = 7; i < 10; i++) relearn.monitor.onBlock(block("T01", "gearbox_hss", i));
    expect(relearn.monitor.baselinesLearnt).toBe(1);
  });

  it("learns no baseline on a point that is faulty from the start", () => {
    const { monitor, dataDir } = turbineMonitor("T05", { baselineBlocks: 2 });
    const faults: FaultSpec[] = [{ point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 }];
    for (let i = 0; i < 4; i++) monitor.onBlock(block("T05", "main_bearing", i, faults));
    expect(monitor.baselinesLearnt).toBe(0);
    expect(existsSync(baselinePath(dataDir, "T05", "main_bearing"))).toBe(false);
  });

  it("re-confirms an active diagnosis every reconfirmIntervalMs and clears it after 5 clean blocks", () => {
    const { monitor } = turbineMonitor("T02", { reconfirmIntervalMs: 10_000 });
    const faults: FaultSpec[] = [{ point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 }];
    const sent = (r: BlockResult) =>
      diagnosisPoints(r)
        .filter((p) => p.tags.fault === "bearing_outer_race")
        .map((p) => p.fields.active);
    const faulty = [0, 1, 2, 3, 4, 5].map((i) =>
      sent(monitor.onBlock(block("T02", "main_bearing", i, faults))),
    );
    // Raised at block 2, re-confirmed 10 s (2 blocks) later.
    expect(faulty).toEqual([[], [], [1], [], [1], []]);
    const healthy = [6, 7, 8, 9, 10].map((i) => monitor.onBlock(block("T02", "main_bearing", i)));
    // Still active (in hysteresis) while clean blocks accumulate: re-confirmed at blocks 6 and 8; cleared at 10.
    expect(healthy.map(sent)).toEqual([[1], [], [1], [], [0]]);
    expect(healthy[4]?.snapshot?.reason).toBe("diagnosis_changed");
  });

  it("keeps an active diagnosis, its severity and since, across an agent restart; clears it as usual after", () => {
    const { monitor, dataDir } = turbineMonitor("T02");
    const faults: FaultSpec[] = [{ point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 }];
    for (const i of [0, 1, 2]) monitor.onBlock(block("T02", "main_bearing", i, faults));
    const raisedAt = T0 + 2 * 5000;
    expect(existsSync(activeDiagnosesPath(dataDir, "T02", "main_bearing"))).toBe(true);

    // A new agent process on the same data folder: the first block (still faulty) re-confirms, not re-raises.
    const again = turbineMonitor("T02", {}, dataDir).monitor;
    const first = again.onBlock(block("T02", "main_bearing", 3, faults));
    const point = diagnosisPoints(first).find((p) => p.tags.fault === "bearing_outer_race");
    expect(point?.fields.active).toBe(1);
    expect(point?.fields.raised_at_ms).toBe(raisedAt);
    expect(first.transitions).toEqual([]);
    // Five clean blocks clear it, and the cleared state is what a further restart finds.
    const clean = [4, 5, 6, 7, 8].map((i) => again.onBlock(block("T02", "main_bearing", i)));
    const outerRace = (r: BlockResult) =>
      r.transitions.filter((t) => t.fault === "bearing_outer_race").map((t) => t.kind);
    expect(clean.map(outerRace)).toEqual([[], [], [], [], ["cleared"]]);
    const third = turbineMonitor("T02", {}, dataDir).monitor;
    const after = third.onBlock(block("T02", "main_bearing", 9));
    expect(diagnosisPoints(after)).toEqual([]);
  });

  it("starts with none active, and says so, when the kept file is damaged", () => {
    const { monitor, dataDir } = turbineMonitor("T02");
    monitor.onBlock(block("T02", "main_bearing", 0));
    const file = activeDiagnosesPath(dataDir, "T02", "main_bearing");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, "{ not json");
    const { monitor: again, log } = turbineMonitor("T02", {}, dataDir);
    const r = again.onBlock(block("T02", "main_bearing", 1));
    expect(diagnosisPoints(r)).toEqual([]);
    expect(log.some((l) => l.includes("is not JSON") && l.includes("starting with none active"))).toBe(true);
  });
});
