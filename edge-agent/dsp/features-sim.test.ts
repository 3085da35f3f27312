// Features and ISO zones on turbine simulator blocks, whose health is known by construction.
import { describe, expect, it } from "vitest";
import type { TurbinePointId } from "../../common/names.ts";
import {
  type FaultSpec,
  mulberry32,
  synthesizeBlock,
  TURBINE_POINTS,
} from "../../simulators/turbine/physics.ts";
import { evaluateIsoZone } from "../diagnostics/zones.ts";
import { computeFeatures } from "./features.ts";

const FS = 25_600;
const N = 65_536;
const ROTOR_HZ = 15 / 60; // 15 rpm
const GENERATOR_HZ = 1500 / 60; // ×100 gearbox

function zoneOf(pointId: TurbinePointId, faults: FaultSpec[], seed: number) {
  const point = TURBINE_POINTS[pointId];
  const out = new Float32Array(N);
  synthesizeBlock({
    point,
    shaftHz: point.shaft === "rotor" ? ROTOR_HZ : GENERATOR_HZ,
    faults,
    sampleRateHz: FS,
    rng: mulberry32(seed),
    out,
  });
  const f = computeFeatures({ samples: out, sampleRateHz: FS, unit: "g", component: point.component });
  return { f, zone: evaluateIsoZone(f.v_rms_mm_s, point.component) };
}

describe("features on simulator blocks", () => {
  for (const id of Object.keys(TURBINE_POINTS) as TurbinePointId[]) {
    it(`healthy ${id} is in zone A`, () => {
      const { zone, f } = zoneOf(id, [], 7);
      expect(zone, `v_rms ${f.v_rms_mm_s} mm/s`).toBe("A");
    });
  }

  it("main_bearing bearing_outer_race 0.6 leaves zone A and raises kurtosis", () => {
    const healthy = zoneOf("main_bearing", [], 11);
    const { zone, f } = zoneOf(
      "main_bearing",
      [{ point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 }],
      11,
    );
    expect(zone, `v_rms ${f.v_rms_mm_s} mm/s`).not.toBe("A");
    expect(f.kurtosis).toBeGreaterThan(healthy.f.kurtosis);
  });

  it("generator_de imbalance 0.6 leaves zone A", () => {
    const { zone, f } = zoneOf(
      "generator_de",
      [{ point: "generator_de", fault: "imbalance", severity: 0.6 }],
      13,
    );
    expect(zone, `v_rms ${f.v_rms_mm_s} mm/s`).not.toBe("A");
  });
});
