// The Modbus source against the turbine simulator: every type and word
// order of its map read back equal to the simulator's truth().
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode } from "../../common/errors.ts";
import type { Point } from "../../common/wire.ts";
import {
  start as startTurbine,
  TURBINE_MODBUS_MAP,
  TURBINE_MODBUS_UNIT_ID,
  type TurbineSim,
} from "../../simulators/turbine/index.ts";
import { type ModbusSourceConfig, parseAgentConfig } from "../config.ts";
import { createModbusSource } from "./modbus.ts";
import type { Source } from "./source.ts";

describe("Modbus source against the turbine simulator", () => {
  let sim: TurbineSim;
  let source: Source;
  const points: Point[] = [];
  const errors: { code: ErrorCode; message: string }[] = [];

  beforeAll(async () => {
    // Long refresh periods: the values stay put while the test compares them.
    sim = await startTurbine({
      assetId: "T01",
      modbusPort: 0,
      opcuaPort: 0,
      samples: 4096,
      waveformRefreshMs: 600_000,
      scadaRefreshMs: 600_000,
    });
    sim.refreshWaveforms();
    // The signed power in W is stored as power_kw (scale 0.001) of a point of its own.
    const registers = TURBINE_MODBUS_MAP.filter((r) => r.field !== "reserved").map((r) => ({
      function: r.function,
      address: r.address,
      type: r.type,
      wordOrder: r.wordOrder,
      measurement: r.function === 4 ? "vibration" : "scada",
      ...(r.field === "power_w" ? { field: "power_kw", scale: 0.001, point: "int32" } : { field: r.field }),
      ...(r.point ? { point: r.point } : {}),
    }));
    const cfg = parseAgentConfig({
      agent: { id: "wf1-agent", site: "wf1" },
      central: { url: "http://127.0.0.1:1", token: "t" },
      queue: { dir: ".unused" },
      sources: [
        {
          kind: "modbus",
          id: "t01-modbus",
          host: "127.0.0.1",
          port: sim.modbusPort,
          unitId: TURBINE_MODBUS_UNIT_ID,
          intervalMs: 100,
          timeoutMs: 500,
          asset: "T01",
          registers,
        },
      ],
    });
    source = createModbusSource(cfg.sources[0] as ModbusSourceConfig, {
      site: "wf1",
      agentId: "wf1-agent",
      pkiDir: ".unused",
      log: () => {},
    });
    await source.start({
      points: (p) => points.push(...p),
      waveform: () => {},
      error: (code, message) => errors.push({ code, message }),
    });
    const deadline = Date.now() + 10_000;
    while (points.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    await source?.stop();
    await sim?.stop();
  });

  it("float32 high_first (SCADA), uint16 (state) and int32 (power in W) equal truth()", () => {
    const truth = sim.truth().scada;
    const scada = points.filter((p) => p.measurement === "scada" && !p.tags.point).at(-1)!;
    expect(scada.tags).toEqual({ site: "wf1", asset: "T01" });
    // The same float32, stored at its shortest decimal.
    for (const f of [
      "rotor_speed_rpm",
      "generator_speed_rpm",
      "power_kw",
      "wind_speed_m_s",
      "nacelle_temp_c",
    ] as const)
      expect(Math.fround(scada.fields[f]!), f).toBe(Math.fround(truth[f]));
    expect(scada.fields.operating_state).toBe(truth.operating_state);
    // W × 0.001 without float noise: the exact decimal.
    const int32 = points.filter((p) => p.measurement === "scada" && p.tags.point === "int32").at(-1)!;
    expect(int32.fields.power_kw).toBe(Number(`${Math.round(truth.power_kw * 1000)}e-3`));
    expect(errors).toEqual([]);
  });

  it("float32 low_first (vibration transmitter) equals truth() per measuring point", () => {
    const truth = sim.truth();
    for (const id of ["main_bearing", "gearbox_hss", "generator_de"] as const) {
      const p = points.filter((x) => x.measurement === "vibration" && x.tags.point === id).at(-1)!;
      const t = truth.points[id].transmitter;
      expect(Math.fround(p.fields.v_rms_mm_s!), id).toBe(Math.fround(t.v_rms_mm_s));
      expect(Math.fround(p.fields.a_rms_g!), id).toBe(Math.fround(t.a_rms_g));
      expect(Math.fround(p.fields.a_peak_g!), id).toBe(Math.fround(t.a_peak_g));
    }
  });
});
