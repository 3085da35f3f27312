// The Modbus source against a real Modbus TCP server on loopback (the
// simulators' server), with register values known by construction.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { ErrorCode } from "../../common/errors.ts";
import type { Point } from "../../common/wire.ts";
import {
  type RegisterEntry,
  type RunningModbusServer,
  startModbusServer,
} from "../../simulators/modbus-server.ts";
import type { ModbusSourceConfig } from "../config.ts";
import { parseAgentConfig } from "../config.ts";
import { createModbusSource, decodeWords, planReads } from "./modbus.ts";
import type { Source, SourceSink } from "./source.ts";

const entry = (
  name: string,
  address: number,
  type: RegisterEntry["type"],
  wordOrder: RegisterEntry["wordOrder"] = "high_first",
  fn: 3 | 4 = 3,
): RegisterEntry => ({
  name,
  field: name,
  function: fn,
  address,
  type,
  wordOrder,
  unit: "1",
  description: name,
});

// Values chosen to be exact in their types (float32-representable, in range).
const TRUTH = { power_kw: 1234.5, voltage_l1_v: 231.25, frequency_hz: 50, energy_kwh: -123_456_789 };
const UNIT2 = { power_factor: 0.875 };

function sourceConfig(port: number, over: Partial<ModbusSourceConfig> = {}): ModbusSourceConfig {
  const cfg = parseAgentConfig({
    agent: { id: "a", site: "s1" },
    central: { url: "http://127.0.0.1:1", token: "t" },
    queue: { dir: ".unused" },
    sources: [
      {
        kind: "modbus",
        id: over.id ?? "meter",
        host: "127.0.0.1",
        port,
        unitId: 1,
        intervalMs: over.intervalMs ?? 100,
        timeoutMs: over.timeoutMs ?? 300,
        asset: "H01",
        registers: [
          {
            function: 3,
            address: 0,
            type: "float32",
            wordOrder: "high_first",
            measurement: "meter",
            field: "power_kw",
          },
          {
            function: 3,
            address: 2,
            type: "float32",
            wordOrder: "low_first",
            measurement: "meter",
            field: "voltage_l1_v",
          },
          { function: 4, address: 10, type: "uint16", measurement: "meter", field: "frequency_hz" },
          {
            function: 4,
            address: 11,
            type: "int32",
            wordOrder: "high_first",
            measurement: "meter",
            field: "energy_kwh",
          },
          {
            function: 3,
            address: 0,
            type: "float32",
            measurement: "meter",
            field: "power_factor",
            point: "main",
            unitId: 2,
          },
        ],
      },
    ],
  });
  return cfg.sources[0] as ModbusSourceConfig;
}

interface Collected {
  points: Point[];
  errors: { code: ErrorCode; message: string }[];
  sink: SourceSink;
}
const collector = (): Collected => {
  const c: Collected = {
    points: [],
    errors: [],
    sink: {
      points: (p) => c.points.push(...p),
      waveform: () => {},
      error: (code, message) => c.errors.push({ code, message }),
    },
  };
  return c;
};
const ctx = { site: "s1", agentId: "a", pkiDir: ".unused", log: () => {} };

describe("planReads", () => {
  it("merges adjacent registers of one unit and function, never across gaps", () => {
    const plans = planReads(sourceConfig(1));
    expect(plans.map((p) => [p.unitId, p.fn, p.address, p.length])).toEqual([
      [1, 3, 0, 4],
      [1, 4, 10, 3],
      [2, 3, 0, 2],
    ]);
  });

  it("decodes words in both orders", () => {
    // 1.0f = 0x3F800000
    expect(decodeWords("float32", [0x3f80, 0x0000], "high_first")).toBe(1);
    expect(decodeWords("float32", [0x0000, 0x3f80], "low_first")).toBe(1);
    expect(decodeWords("int16", [0xffff], "high_first")).toBe(-1);
    expect(decodeWords("uint32", [0x0001, 0x0000], "low_first")).toBe(1);
  });
});

describe("Modbus source against a real Modbus TCP server", () => {
  const servers: RunningModbusServer[] = [];
  const sources: Source[] = [];
  const raw: Server[] = [];
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.stop()));
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    for (const s of raw.splice(0)) s.close();
  });

  const startDevice = async (port = 0, truth: Record<string, number> = TRUTH) => {
    const server = await startModbusServer({
      port,
      units: [
        {
          unitId: 1,
          registers: [
            entry("power_kw", 0, "float32", "high_first"),
            entry("voltage_l1_v", 2, "float32", "low_first"),
            entry("frequency_hz", 10, "uint16", "high_first", 4),
            entry("energy_kwh", 11, "int32", "high_first", 4),
          ],
          snapshot: () => truth,
        },
        { unitId: 2, registers: [entry("power_factor", 0, "float32")], snapshot: () => UNIT2 },
      ],
    });
    servers.push(server);
    return server;
  };

  it("reads float32 high_first and low_first, uint16, int32 and a second unit id exactly", async () => {
    const device = await startDevice();
    const c = collector();
    const source = createModbusSource(sourceConfig(device.port), ctx);
    sources.push(source);
    await source.start(c.sink);
    await expect.poll(() => c.points.length, { timeout: 5000 }).toBeGreaterThanOrEqual(4);
    const meter = c.points.find((p) => !p.tags.point)!;
    expect(meter).toMatchObject({ measurement: "meter", tags: { site: "s1", asset: "H01" }, fields: TRUTH });
    const main = c.points.find((p) => p.tags.point === "main")!;
    expect(main.fields).toEqual(UNIT2);
    expect(c.errors).toEqual([]);
  });

  it("a dead device port produces counted errors and does not stall another device", async () => {
    const device = await startDevice();
    // A port nobody listens on: take a free one and close it again.
    const probe = createServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const deadPort = (probe.address() as AddressInfo).port;
    probe.close();
    // A device that accepts the connection but never answers (a hung gateway).
    const silent = createServer(() => {}).listen(0, "127.0.0.1");
    raw.push(silent);
    await once(silent, "listening");
    const silentPort = (silent.address() as AddressInfo).port;

    const live = collector();
    const dead = collector();
    const hung = collector();
    const s1 = createModbusSource(sourceConfig(device.port, { id: "live" }), ctx);
    const s2 = createModbusSource(sourceConfig(deadPort, { id: "dead" }), ctx);
    const s3 = createModbusSource(sourceConfig(silentPort, { id: "hung", timeoutMs: 200 }), ctx);
    sources.push(s1, s2, s3);
    await Promise.all([s2.start(dead.sink), s3.start(hung.sink), s1.start(live.sink)]);
    const t0 = Date.now();
    await expect
      .poll(() => live.points.filter((p) => !p.tags.point).length, { timeout: 5000 })
      .toBeGreaterThanOrEqual(5);
    // Five polls at 100 ms: the live device kept its pace while the others failed.
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect.poll(() => dead.errors.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => hung.errors.length, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    expect(dead.errors.every((e) => e.code === "SOURCE_DISCONNECTED")).toBe(true);
    expect(hung.errors[0]!.code).toBe("SOURCE_TIMEOUT");
    expect(dead.points).toEqual([]);
    expect(live.errors).toEqual([]);
  });

  it("an illegal address is a device exception; the other registers still arrive", async () => {
    const device = await startDevice();
    const cfg = sourceConfig(device.port);
    cfg.registers.push({
      function: 3,
      address: 40,
      type: "uint16",
      wordOrder: "high_first",
      measurement: "meter",
      field: "current_l1_a",
      scale: 1,
      offset: 0,
    });
    const c = collector();
    const source = createModbusSource(cfg, ctx);
    sources.push(source);
    await source.start(c.sink);
    await expect.poll(() => c.errors.length, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => c.points.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(c.errors[0]!.code).toBe("SOURCE_EXCEPTION");
    expect(c.points.find((p) => !p.tags.point)!.fields).toEqual(TRUTH);
  });

  it("reconnects after the device restarts on the same port", async () => {
    const device = await startDevice();
    const port = device.port;
    const c = collector();
    const source = createModbusSource(sourceConfig(port), ctx);
    sources.push(source);
    await source.start(c.sink);
    await expect.poll(() => c.points.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    await device.stop();
    servers.splice(servers.indexOf(device), 1);
    await expect.poll(() => c.errors.length, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    await startDevice(port, { ...TRUTH, power_kw: 7.5 });
    await expect.poll(() => c.points.some((p) => p.fields.power_kw === 7.5), { timeout: 10_000 }).toBe(true);
  });
});
