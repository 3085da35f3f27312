// Modbus RTU over a (virtual) serial line and RTU over TCP, against the
// facility simulator's gateway serving its three units as RTU: a socat PTY
// pair stands for the RS-485 cable. Several sources share one line (each
// unit id its own asset), their requests serialised on it.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerOf } from "../../cli/demo-fleet.ts";
import type { ErrorCode } from "../../common/errors.ts";
import type { Point } from "../../common/wire.ts";
import {
  type FacilitySim,
  SDM630_MAP,
  SDM630_UNIT_ID,
  SUBMETER_MAP,
  SUBMETER_UNIT_ID,
  start as startFacility,
  TEMPERATURE_MAP,
  TEMPERATURE_UNIT_ID,
} from "../../simulators/facility/index.ts";
import type { RegisterEntry } from "../../simulators/modbus-server.ts";
import { type PtyPair, socatAvailable, startPtyPair } from "../../test/helpers/pty-pair.ts";
import { checkConfig } from "../check.ts";
import { type ModbusSourceConfig, parseAgentConfig } from "../config.ts";
import { createModbusSource } from "./modbus.ts";
import type { Source } from "./source.ts";

const LINE = { baudRate: 9600, parity: "none", stopBits: 1, dataBits: 8 } as const;

const registersOf = (map: readonly RegisterEntry[], measurement: "meter" | "weather") =>
  map.map((r) => registerOf(r, measurement));

const sourcesOn = (where: Record<string, unknown>) => [
  {
    kind: "modbus",
    id: "meter",
    asset: "H01",
    unitId: SDM630_UNIT_ID,
    registers: registersOf(SDM630_MAP, "meter"),
    ...where,
  },
  {
    kind: "modbus",
    id: "outdoor",
    asset: "H01",
    unitId: TEMPERATURE_UNIT_ID,
    registers: registersOf(TEMPERATURE_MAP, "weather"),
    ...where,
  },
  {
    kind: "modbus",
    id: "wing-b",
    asset: "H02",
    unitId: SUBMETER_UNIT_ID,
    registers: registersOf(SUBMETER_MAP, "meter"),
    ...where,
  },
];

const agentConfig = (sources: Record<string, unknown>[]) =>
  parseAgentConfig({
    agent: { id: "a", site: "fac-h01" },
    central: { url: "http://127.0.0.1:1", token: "t" },
    queue: { dir: ".unused" },
    sources,
  });

interface Running {
  sources: Source[];
  points: Map<string, Point[]>;
  errors: Map<string, { code: ErrorCode; message: string }[]>;
}

async function runAll(configs: ModbusSourceConfig[]): Promise<Running> {
  const r: Running = { sources: [], points: new Map(), errors: new Map() };
  for (const c of configs) {
    const source = createModbusSource(c, { site: "fac-h01", agentId: "a", pkiDir: ".unused", log: () => {} });
    r.points.set(c.id, []);
    r.errors.set(c.id, []);
    await source.start({
      points: (p) => r.points.get(c.id)!.push(...p),
      waveform: () => {},
      error: (code, message) => r.errors.get(c.id)!.push({ code, message }),
    });
    r.sources.push(source);
  }
  return r;
}

/** Every field read equals what the simulator served (float32 registers as the same float32). */
function expectTruth(sim: FacilitySim, map: readonly RegisterEntry[], point: Point): void {
  const served = sim.truth().registers;
  for (const reg of map) {
    const v = point.fields[reg.field]!;
    const raw = served[reg.name]!;
    if (reg.type === "float32") expect(Math.fround(v / (reg.scale ?? 1)), reg.field).toBe(Math.fround(raw));
    else expect(v, reg.field).toBeCloseTo(raw * (reg.scale ?? 1), 9);
  }
}

const CI = process.env.CI === "true";

describe.runIf(socatAvailable() || CI)("Modbus RTU on a serial line and over TCP (socat PTY pair)", () => {
  let pty: PtyPair;
  let sim: FacilitySim;

  beforeAll(async () => {
    pty = await startPtyPair();
    // updateMs long: the values stay put while the test compares them with truth().
    sim = await startFacility({
      assetId: "H01",
      kind: "hospital",
      updateMs: 3_600_000,
      clock: () => Date.UTC(2026, 0, 15, 10),
      rtu: { serial: { path: pty.a, ...LINE }, tcpPort: 0 },
    });
  });
  afterAll(async () => {
    await sim?.stop();
    await pty?.stop();
  });

  it("three units on one line, three sources: each reads its unit exactly, requests serialised on the line", async () => {
    const cfg = agentConfig(
      sourcesOn({ transport: "rtu", serial: { path: pty.b, ...LINE }, intervalMs: 100, timeoutMs: 500 }),
    );
    const r = await runAll(cfg.sources as ModbusSourceConfig[]);
    try {
      await expect
        .poll(() => [...r.points.values()].every((p) => p.length >= 3), { timeout: 20_000 })
        .toBe(true);
      expectTruth(sim, SDM630_MAP, r.points.get("meter")!.at(-1)!);
      expectTruth(sim, TEMPERATURE_MAP, r.points.get("outdoor")!.at(-1)!);
      const wing = r.points.get("wing-b")!.at(-1)!;
      expect(wing.tags).toMatchObject({ asset: "H02" });
      expectTruth(sim, SUBMETER_MAP, wing);
      // No request crossed another: no timeouts, no bad frames on a shared half-duplex line.
      for (const [id, errors] of r.errors) expect(errors, id).toEqual([]);
    } finally {
      await Promise.all(r.sources.map((s) => s.stop()));
    }
  }, 60_000);

  it("a unit that is not on the line times out (counted) without holding up the others", async () => {
    const cfg = agentConfig([
      ...sourcesOn({
        transport: "rtu",
        serial: { path: pty.b, ...LINE },
        intervalMs: 200,
        timeoutMs: 300,
      }).slice(0, 1),
      {
        kind: "modbus",
        id: "absent",
        asset: "H03",
        unitId: 9,
        transport: "rtu",
        serial: { path: pty.b, ...LINE },
        intervalMs: 200,
        timeoutMs: 300,
        registers: [
          { function: 4, address: 0, type: "float32", measurement: "meter", field: "voltage_l1_v" },
        ],
      },
    ]);
    const r = await runAll(cfg.sources as ModbusSourceConfig[]);
    try {
      await expect.poll(() => r.errors.get("absent")!.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
      expect(r.errors.get("absent")![0]!.code).toBe("SOURCE_TIMEOUT");
      const before = r.points.get("meter")!.length;
      await expect.poll(() => r.points.get("meter")!.length, { timeout: 20_000 }).toBeGreaterThan(before + 3);
      expect(r.errors.get("meter")).toEqual([]);
    } finally {
      await Promise.all(r.sources.map((s) => s.stop()));
    }
  }, 60_000);

  it("RTU over TCP (a serial device server): several units through one connection", async () => {
    const cfg = agentConfig(
      sourcesOn({
        transport: "rtu_over_tcp",
        host: "127.0.0.1",
        port: sim.rtuTcpPort,
        intervalMs: 100,
        timeoutMs: 500,
      }),
    );
    const r = await runAll(cfg.sources as ModbusSourceConfig[]);
    try {
      await expect
        .poll(() => [...r.points.values()].every((p) => p.length >= 3), { timeout: 20_000 })
        .toBe(true);
      expectTruth(sim, SDM630_MAP, r.points.get("meter")!.at(-1)!);
      expectTruth(sim, SUBMETER_MAP, r.points.get("wing-b")!.at(-1)!);
      for (const [id, errors] of r.errors) expect(errors, id).toEqual([]);
    } finally {
      await Promise.all(r.sources.map((s) => s.stop()));
    }
  }, 60_000);

  it("`vetra edge check` reads every point over the line once and finds them plausible", async () => {
    const cfg = agentConfig(
      sourcesOn({ transport: "rtu", serial: { path: pty.b, ...LINE }, intervalMs: 100, timeoutMs: 500 }),
    );
    const rows = await checkConfig(cfg);
    expect(rows).toHaveLength(SDM630_MAP.length + TEMPERATURE_MAP.length + SUBMETER_MAP.length);
    expect(rows.filter((row) => row.verdict !== "ok")).toEqual([]);
  }, 60_000);
});
