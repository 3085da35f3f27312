// `vetra edge check` on a good and on a misconfigured config, against the
// facility simulator's gateway (an SDM630, a temperature transmitter, and a
// sub-meter documented 1-based whose word order differs per register block)
// and the turbine simulator's CMS dialect over OPC UA.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { registerOf } from "../cli/demo-fleet.ts";
import {
  type FacilitySim,
  SDM630_MAP,
  SDM630_UNIT_ID,
  SUBMETER_MAP,
  SUBMETER_UNIT_ID,
  start as startFacility,
  TEMPERATURE_MAP,
  TEMPERATURE_UNIT_ID,
} from "../simulators/facility/index.ts";
import { decodeRegisters, encodeRegisters, type RegisterEntry } from "../simulators/modbus-server.ts";
import { start as startTurbine, type TurbineSim } from "../simulators/turbine/index.ts";
import { type RunningAgent, startAgent } from "./agent.ts";
import { runEdgeCheck } from "./check.ts";
import { parseAgentConfig } from "./config.ts";

const registersOf = (map: readonly RegisterEntry[], measurement: "meter" | "weather") =>
  map.map((r) => registerOf(r, measurement));

describe("vetra edge check", () => {
  let dir: string;
  let facility: FacilitySim;
  let turbine: TurbineSim;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-check-"));
    // A fixed clock: the same readings on every run (the swapped word orders below decode to the same garbage).
    facility = await startFacility({
      assetId: "H01",
      kind: "hospital",
      clock: () => Date.UTC(2026, 0, 15, 10),
      updateMs: 3_600_000,
    });
    turbine = await startTurbine({
      assetId: "T01",
      samples: 2048,
      waveformRefreshMs: 3_600_000,
      scadaRefreshMs: 3_600_000,
      cms: { bufferSlots: 2 },
    });
  }, 60_000);
  afterAll(async () => {
    await facility?.stop();
    await turbine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const gateway = () => ({
    kind: "modbus",
    host: "127.0.0.1",
    port: facility.modbusPort,
    asset: "H01",
    timeoutMs: 500,
  });
  const cms = (extra: Record<string, unknown>[] = []) => {
    const mb = turbine.cms!.nodeIds.points.main_bearing;
    return {
      kind: "opcua",
      id: "t01-cms",
      endpoint: turbine.opcuaEndpoint,
      asset: "T01",
      timeoutMs: 3000,
      scalars: [
        { nodeId: mb.shaftSpeedHz, measurement: "scada", field: "rotor_speed_rpm", scale: 60 },
        ...extra,
      ],
      waveforms: [
        {
          point: "main_bearing",
          component: "main_bearing",
          waveformNodeId: mb.waveform,
          sampleRateNodeId: mb.sampleRateHz,
          timestampNodeId: mb.acquisitionTime,
          speedNodeId: mb.shaftSpeedHz,
          speedUnit: "Hz",
          counts: { voltsPerCount: 20 / 65536, sensitivityMvPerG: 100 },
        },
      ],
    };
  };
  const write = (name: string, sources: unknown[]): string => {
    const file = join(dir, name);
    writeFileSync(
      file,
      stringify({
        agent: { id: "a", site: "fac-h01" },
        central: { url: "http://127.0.0.1:9", token: "t" },
        queue: { dir: join(dir, "q") },
        sources,
      }),
    );
    return file;
  };
  const check = async (file: string) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runEdgeCheck(["--config", file], {
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
    });
    return { code, out, err };
  };

  it("a good config: every point read, plausible, exit 0", async () => {
    const file = write("good.yaml", [
      { ...gateway(), id: "meter", unitId: SDM630_UNIT_ID, registers: registersOf(SDM630_MAP, "meter") },
      {
        ...gateway(),
        id: "outdoor",
        unitId: TEMPERATURE_UNIT_ID,
        registers: registersOf(TEMPERATURE_MAP, "weather"),
      },
      { ...gateway(), id: "wing-b", unitId: SUBMETER_UNIT_ID, registers: registersOf(SUBMETER_MAP, "meter") },
      cms(),
    ]);
    const { code, out } = await check(file);
    expect(code, out.join("\n")).toBe(0);
    const total = SDM630_MAP.length + TEMPERATURE_MAP.length + SUBMETER_MAP.length + 2;
    expect(out.at(-1)).toBe(`${total} points read, all plausible`);
    const voltage = out.find((l) => l.startsWith("meter") && l.includes("meter.voltage_l1_v"))!;
    // point, where, raw words, decoded value, unit, verdict
    expect(voltage).toMatch(/unit 1 fn 4 @0\+2\s+0x43[0-9a-f]{2} 0x[0-9a-f]{4}\s+2\d\d(\.\d+)?\s+V\s+ok/);
    expect(out.find((l) => l.includes("waveform main_bearing"))).toMatch(
      /2048 samples at 25600 Hz.*ok \(trigger timestamp; stamped \d+\.\d s ago by the device\)/,
    );
  }, 60_000);

  it("a misconfigured config: 1-based addresses, a wrong word order, a node that does not exist — each named with a hint, exit 1", async () => {
    const sdm = registersOf(SDM630_MAP, "meter").map((r) =>
      // As the Eastron manual numbers them: 30001 phase 1 voltage, 30053 total power.
      r.field === "voltage_l1_v"
        ? { ...r, address: 30_001 }
        : r.field === "power_kw"
          ? { ...r, address: 30_053 }
          : r,
    );
    const wing = registersOf(SUBMETER_MAP, "meter").map((r) =>
      r.field.startsWith("voltage_") ? { ...r, wordOrder: "high_first" } : r,
    );
    const file = write("bad.yaml", [
      { ...gateway(), id: "meter", unitId: SDM630_UNIT_ID, registers: sdm },
      { ...gateway(), id: "wing-b", unitId: SUBMETER_UNIT_ID, registers: wing },
      cms([{ nodeId: "ns=1;s=T01.Scada.NoSuchThing", measurement: "scada", field: "power_kw" }]),
    ]);
    const { code, out } = await check(file);
    expect(code).toBe(1);
    const row = (point: string, source: string) =>
      out.find((l) => l.startsWith(source) && l.includes(point)) ?? "";
    expect(row("meter.voltage_l1_v", "meter")).toMatch(
      /ERROR: exception 2: .*30001 is input register address 0 \(function 4\).*function 4 address 0 answers 2\d\d(\.\d+)? V/,
    );
    expect(row("meter.power_kw", "meter")).toMatch(/ERROR: .*30053 is input register address 52/);
    // The other registers of the SDM630 still read fine.
    expect(row("meter.voltage_l2_v", "meter")).toMatch(/\sV\s+ok$/);
    // Swapped float32 words: outside the range, or inside it but orders of magnitude off — either way named.
    for (const phase of [1, 2, 3])
      expect(row(`meter.voltage_l${phase}_v`, "wing-b")).toMatch(
        /IMPLAUSIBLE: .*check word order: low_first gives 2\d\d(\.\d+)? V$/,
      );
    expect(row("meter.import_energy_kwh", "wing-b")).toMatch(/kWh\s+ok$/);
    expect(row("scalars[1].nodeId", "t01-cms")).toMatch(
      /ns=1;s=T01\.Scada\.NoSuchThing.*ERROR: the server has no such node \(BadNodeIdUnknown\)/,
    );
    expect(out.at(-1)).toMatch(/^6 of \d+ points need attention$/);
  }, 60_000);

  it("an unknown field name is refused at config load with its key path, exit 2", async () => {
    const file = write("field.yaml", [
      {
        ...gateway(),
        id: "outdoor",
        unitId: 2,
        registers: [
          { function: 4, address: 0, type: "float32", measurement: "weather", field: "humidity_pct" },
        ],
      },
    ]);
    const { code, err } = await check(file);
    expect(code).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(
      'sources[0].registers[0].field: "humidity_pct" is not a field of measurement weather (known: temp_c)',
    );
  });

  it("the running agent warns once per point whose value is physically impossible", async () => {
    const lines: string[] = [];
    const wing = registersOf(SUBMETER_MAP, "meter").map((r) =>
      r.field.startsWith("voltage_") ? { ...r, wordOrder: "high_first" } : r,
    );
    // Which phases read impossibly with the wrong word order, decoded by the simulator's own codec.
    const served = facility.truth().registers;
    const impossible = SUBMETER_MAP.filter((r) => r.field.startsWith("voltage_"))
      .filter((r) => {
        const v = decodeRegisters(
          "float32",
          encodeRegisters("float32", served[r.name]!, "low_first"),
          "high_first",
        );
        return !(v >= 0 && v <= 1000) || (v !== 0 && Math.abs(v) < 1e-9);
      })
      .map((r) => r.field);
    expect(impossible.length).toBeGreaterThanOrEqual(1);
    const agent: RunningAgent = await startAgent(
      parseAgentConfig({
        agent: { id: "a", site: "fac-h01" },
        central: { url: "http://127.0.0.1:9", token: "t" },
        queue: { dir: join(dir, "agent-q"), kind: "memory" },
        sources: [{ ...gateway(), id: "wing-b", unitId: SUBMETER_UNIT_ID, intervalMs: 100, registers: wing }],
      }),
      { log: (l) => lines.push(l) },
    );
    try {
      await expect
        .poll(() => agent.stats().implausibleValues, { timeout: 20_000 })
        .toBeGreaterThanOrEqual(5 * impossible.length);
      const warnings = lines.filter((l) => l.includes("outside its physical range"));
      expect(warnings).toHaveLength(impossible.length);
      for (const field of impossible)
        expect(warnings.find((w) => w.includes(`meter.${field} =`))).toMatch(
          /^source wing-b: H01 meter\.voltage_l\d_v = \S+ V is outside its physical range 0…1000 V: check word order, scale and address/,
        );
    } finally {
      await agent.stop();
    }
  }, 30_000);
});
