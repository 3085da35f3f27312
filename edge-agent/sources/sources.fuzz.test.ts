// What hurried integrators type, 1,000 times over (fixed seed): random
// malformed and well-formed OPC UA node ids, random Modbus register maps.
// Each goes through `vetra edge check`: refused at config load with one line
// naming its key (exit 2), or read from a real device with a verdict per
// point. Then the running agent gets every accepted one at once — and the
// sources get the refused ones too, as a config that skipped validation
// would hand them over — against the simulators on loopback. Nothing may
// crash (vitest fails the run on any unhandled error), every failure is a
// counted source error, and a good meter among them keeps delivering.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { facilitySources } from "../../cli/demo-fleet.ts";
import { type FacilitySim, start as startFacility } from "../../simulators/facility/index.ts";
import { start as startTurbine, type TurbineSim } from "../../simulators/turbine/index.ts";
import { startAgent } from "../agent.ts";
import { checkConfig, runEdgeCheck } from "../check.ts";
import {
  type AgentConfig,
  ConfigError,
  type ModbusSourceConfig,
  type OpcuaSourceConfig,
  parseAgentConfig,
} from "../config.ts";
import { createModbusSource } from "./modbus.ts";
import { createOpcuaSource } from "./opcua.ts";
import type { Source, SourceSink } from "./source.ts";

const CASES = Number(process.env.VETRA_FUZZ_SOURCES ?? 1000);

/** mulberry32: a fixed seed gives the same 1,000 cases on every run. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const random = rng(19);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const junk = (n: number) =>
  Array.from({ length: n }, () =>
    String.fromCodePoint(pick([int(32, 126), int(0, 31), int(0x400, 0x44f), 0x1f600])),
  ).join("");

function nodeId(sim: TurbineSim): unknown {
  const real = [
    sim.nodeIds.scada.PowerKw,
    sim.nodeIds.scada.RotorSpeedRpm,
    sim.cms!.nodeIds.points.main_bearing.shaftSpeedHz,
    sim.cms!.nodeIds.points.gearbox_hss.sampleRateHz,
  ];
  const uri = pick(["urn:vetra:simulator:cms", "urn:nobody", "http://opcfoundation.org/UA/", "", "urn:x;y"]);
  const id = pick([
    `i=${int(0, 5000)}`,
    `s=${junk(int(0, 12))}`,
    "g=72962B91-FA75-4AE6-8D28-B404DC7DAF63",
    "b=AAEC",
    `i=${junk(3)}`,
  ]);
  switch (int(0, 13)) {
    case 0:
      return pick(real);
    case 1:
      return pick(real).replace(";", ","); // the typo of the issue: ns=1,s=…
    case 2:
      return `nsu=${uri};${id}`;
    case 3:
      return `ns=${int(0, 70000)};${id}`;
    case 4:
      return id;
    case 5:
      return ` ${pick(real)}`;
    case 6:
      return junk(int(0, 40));
    case 7:
      return `ns=1;s=${"x".repeat(int(4000, 5000))}`;
    case 8:
      return `svr=1;${pick(real)}`;
    case 9:
      return pick([42, null, { ns: 1 }, ["ns=1;i=5"], true]);
    case 10:
      return `ns=1;i=${int(0, 2 ** 33)}`;
    case 11:
      return `${pick(real)}\n`;
    case 12:
      return pick(real).replace(/=/, "");
    default:
      return `ns=1;s=T01.Scada.${junk(int(1, 10))}`;
  }
}

/**
 * A register map: well-formed but wrong in the ways that pass validation
 * (1-based addresses, swapped word orders, absent unit ids, odd scales), and
 * in half of them one register malformed in a way that must not.
 */
function registerMap(): unknown[] {
  const meterFields = [
    "voltage_l1_v",
    "power_kw",
    "energy_kwh",
    "frequency_hz",
    "current_l2_a",
    "power_factor",
  ];
  const regs: Record<string, unknown>[] = Array.from({ length: int(1, 8) }, () => {
    const measurement = pick(["meter", "meter", "meter", "weather"]);
    const r: Record<string, unknown> = {
      function: pick([3, 4, 4]),
      address: pick([int(0, 20), int(0, 400), int(30_001, 30_400), int(40_001, 40_100), 65_534]),
      type: pick(["float32", "uint16", "int16", "uint32", "int32"]),
      measurement,
      field: measurement === "weather" ? "temp_c" : pick(meterFields),
    };
    if (random() < 0.5) r.wordOrder = pick(["high_first", "low_first"]);
    if (random() < 0.4) r.scale = pick([0.1, 0.001, -1, 0, 1e300, 60, 1e-12]);
    if (random() < 0.2) r.offset = pick([-40, 0.5, -1e300]);
    if (random() < 0.2) r.decimals = pick([0, 2, 12]);
    if (random() < 0.3) r.unitId = pick([1, 2, 3, 9, 0, 255]);
    return r;
  });
  if (random() < 0.5) {
    const r = pick(regs);
    const [key, value] = pick<[string, unknown]>([
      ["function", pick([1, 16, "4", 0])],
      ["address", pick([-1, 70_000, 1.5, "30001"])],
      ["type", pick(["float64", "", "FLOAT32"])],
      ["measurement", pick(["diagnosis", "humidity", "agent"])],
      ["field", pick(["humidity_pct", "x", "", "Voltage"])],
      ["wordOrder", pick(["middle", "ABCD"])],
      ["scale", pick([Number.NaN, "1", null])],
      ["offset", Number.POSITIVE_INFINITY],
      ["decimals", pick([20, -1])],
      ["unitId", pick([300, -1])],
      ["colour", "red"],
    ]);
    r[key] = value;
  }
  return regs;
}

describe("fuzz: 1,000 malformed node ids and register maps through `vetra edge check` and the running agent", () => {
  let dir: string;
  let facility: FacilitySim;
  let turbine: TurbineSim;
  const base = () => ({
    agent: { id: "fuzz", site: "wf1" },
    central: { url: "http://127.0.0.1:9", token: "t" },
    queue: { dir: join(dir, "q"), kind: "memory" },
  });
  const opcua = (i: number, scalars: unknown[]) => ({
    kind: "opcua",
    id: `cms-${i}`,
    endpoint: turbine.opcuaEndpoint,
    asset: "T01",
    timeoutMs: 2000,
    publishingIntervalMs: 200,
    scalars,
  });
  const modbus = (i: number, registers: unknown[]) => ({
    kind: "modbus",
    id: `meter-${i}`,
    host: "127.0.0.1",
    port: facility.modbusPort,
    asset: "H01",
    unitId: 1,
    intervalMs: 200,
    timeoutMs: 300,
    registers,
  });
  const accepted: { opcua: unknown[]; modbus: unknown[][] } = { opcua: [], modbus: [] };
  const refused: { opcua: unknown[]; modbus: unknown[][] } = { opcua: [], modbus: [] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-fuzz-sources-"));
    facility = await startFacility({ assetId: "H01", kind: "hospital" });
    turbine = await startTurbine({
      assetId: "T01",
      samples: 1024,
      waveformRefreshMs: 3_600_000,
      scadaRefreshMs: 500,
      cms: { bufferSlots: 2 },
      // A unit slow to create subscriptions: where a source that gives up on a session early crashed.
      opcuaSlowSubscriptionMs: 200,
    });
  }, 60_000);
  afterAll(async () => {
    await facility?.stop();
    await turbine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("each case: refused at config load with one line naming its key (exit 2), or accepted", async () => {
    const file = join(dir, "case.json");
    for (let i = 0; i < CASES; i++) {
      const isNode = i % 2 === 0;
      const input = isNode ? nodeId(turbine) : registerMap();
      const source = isNode
        ? opcua(0, [{ nodeId: input, measurement: "scada", field: "power_kw" }])
        : modbus(0, input as unknown[]);
      const config = { ...base(), sources: [source] };
      let ok = true;
      try {
        parseAgentConfig(config);
      } catch (e) {
        ok = false;
        expect(e, JSON.stringify(input)).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).keyPath).toMatch(/^sources\[0\]/);
      }
      if (isNode) (ok ? accepted : refused).opcua.push(input);
      else (ok ? accepted : refused).modbus.push(input as unknown[]);
      // Every 10th case also through the command line's own path: a file, one line, exit 2.
      if (!ok && i % 10 < 2) {
        writeFileSync(
          file,
          JSON.stringify(config, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)),
        );
        const err: string[] = [];
        const code = await runEdgeCheck(["--config", file], { stdout: () => {}, stderr: (l) => err.push(l) });
        expect(code).toBe(2);
        expect(err).toHaveLength(1);
        expect(err[0]).toMatch(/^vetra edge check: .*case\.json: sources\[0\]/);
      }
    }
    // The generator covers both outcomes of both kinds.
    for (const kind of ["opcua", "modbus"] as const) {
      expect(accepted[kind].length, `accepted ${kind}`).toBeGreaterThan(CASES / 20);
      expect(refused[kind].length, `refused ${kind}`).toBeGreaterThan(CASES / 20);
    }
  }, 120_000);

  it("the accepted ones, read by `vetra edge check` from real devices: a verdict per point, no crash", async () => {
    const sources = [
      ...chunks(accepted.opcua, 60).map((ids, i) =>
        opcua(
          i,
          ids.map((nodeId) => ({ nodeId, measurement: "scada", field: "power_kw" })),
        ),
      ),
      ...accepted.modbus.slice(0, 60).map((regs, i) => modbus(i, regs)),
    ];
    const config = parseAgentConfig({ ...base(), sources });
    const rows = await checkConfig(config);
    const expected =
      accepted.opcua.length + accepted.modbus.slice(0, 60).reduce((n, regs) => n + regs.length, 0);
    // Every configured point has its row (OPC UA: one per node id, even those that do not exist).
    expect(rows.length).toBeGreaterThanOrEqual(expected - accepted.opcua.length);
    for (const r of rows) expect(["ok", "implausible", "error"]).toContain(r.verdict);
    expect(rows.some((r) => r.verdict === "ok")).toBe(true);
    expect(rows.some((r) => r.verdict === "error")).toBe(true);
  }, 180_000);

  it("the running agent with all of them, and the sources with the refused ones too: up, errors counted, the good meter delivering", async () => {
    const good = facilitySources("H01", { host: "127.0.0.1", port: facility.modbusPort }).map((s) => ({
      ...s,
      id: "good-meter",
      intervalMs: 200,
    }));
    const config: AgentConfig = parseAgentConfig({
      ...base(),
      sources: [
        ...good,
        ...chunks(accepted.opcua, 100).map((ids, i) =>
          opcua(
            i,
            ids.map((nodeId) => ({ nodeId, measurement: "scada", field: "power_kw" })),
          ),
        ),
        // Every one of them, polling every 5 s: the simulators share the test's process.
        ...accepted.modbus.map((regs, i) => ({ ...modbus(i, regs), intervalMs: 5000 })),
      ],
    });
    const agent = await startAgent(config, { log: () => {} });
    // Unvalidated: what a config that skipped validation would hand the sources.
    const raw: Source[] = [];
    const counted = { errors: 0 };
    const sink: SourceSink = {
      points: () => {},
      waveform: () => {},
      error: () => {
        counted.errors++;
      },
      link: () => {},
    };
    const ctx = {
      site: "wf1",
      agentId: "fuzz",
      pkiDir: join(dir, "pki"),
      dataDir: join(dir, "data"),
      log: () => {},
    };
    for (const [i, ids] of chunks(refused.opcua, 100).entries())
      raw.push(
        createOpcuaSource(
          {
            ...(parseAgentConfig({ ...base(), sources: [opcua(900 + i, [])] })
              .sources[0] as OpcuaSourceConfig),
            scalars: ids.map((nodeId) => ({
              nodeId,
              measurement: "scada",
              field: "power_kw",
              scale: 1,
              offset: 0,
            })),
          } as OpcuaSourceConfig,
          ctx,
        ),
      );
    for (const [i, regs] of refused.modbus.slice(0, 100).entries())
      raw.push(
        createModbusSource(
          { ...(modbus(900 + i, regs) as unknown as ModbusSourceConfig), transport: "tcp" },
          ctx,
        ),
      );
    for (const s of raw) await s.start(sink);
    try {
      const before = agent.stats().acquired;
      await new Promise((r) => setTimeout(r, 6000));
      const s = agent.stats();
      // The good meter kept its pace among all of them.
      expect(s.acquired - before).toBeGreaterThan(10);
      // Its only possible trouble is the shared, loaded process answering late — never another source's fault.
      const goodErrors = Object.keys(s.sourceErrorsBySource["good-meter"] ?? {});
      expect(goodErrors.filter((c) => c !== "SOURCE_TIMEOUT")).toEqual([]);
      expect(s.sourceErrors).toBeGreaterThan(0);
      expect(counted.errors).toBeGreaterThan(0);
      expect(Object.values(s.sourceErrorsBySource).some((e) => (e.INTERNAL ?? 0) > 0)).toBe(false);
    } finally {
      await Promise.all(raw.map((x) => x.stop()));
      await agent.stop();
    }
  }, 180_000);
});

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
