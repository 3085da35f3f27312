import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import modbusSerial from "modbus-serial";
import {
  AttributeIds,
  type ClientSession,
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
} from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  start,
  TURBINE_MODBUS_MAP,
  type TurbineSim,
  type TurbineSimOptions,
  turbineNodeIds,
} from "./index.ts";

// Independent decoding of the register words (not the simulator's encoder).
const float32 = (high: number, low: number): number => {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(high, 0);
  b.writeUInt16BE(low, 2);
  return b.readFloatBE(0);
};
const int32 = (high: number, low: number): number => {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(high, 0);
  b.writeUInt16BE(low, 2);
  return b.readInt32BE(0);
};
/** Relative closeness at float32 precision. */
const closeF32 = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * 1e-6 + 1e-9);

// modbus-serial is CommonJS: the module itself is the client class.
const ModbusRTU = modbusSerial as unknown as typeof modbusSerial.default;

describe("turbine simulator over Modbus TCP", () => {
  let sim: TurbineSim;
  const client = new ModbusRTU();

  beforeAll(async () => {
    sim = await start({
      assetId: "T01",
      faults: [{ point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 }],
      seed: 42,
      // Long refresh so register values and truth() stay the same during the test.
      scadaRefreshMs: 600_000,
      waveformRefreshMs: 600_000,
    });
    await client.connectTCP("127.0.0.1", { port: sim.modbusPort });
    client.setID(1);
    client.setTimeout(2000);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => client.close(() => resolve()));
    await sim?.stop();
  });

  it("serves SCADA as float32 high word first (FC3, 0..15)", async () => {
    const { data } = await client.readHoldingRegisters(0, 16);
    const s = sim.truth().scada;
    const expected = [
      s.rotor_speed_rpm,
      s.generator_speed_rpm,
      s.power_kw,
      s.wind_speed_m_s,
      s.nacelle_temp_c,
      s.main_bearing_temp_c,
      s.gearbox_bearing_temp_c,
      s.generator_bearing_temp_c,
    ];
    expected.forEach((v, i) => {
      closeF32(float32(data[2 * i] ?? -1, data[2 * i + 1] ?? -1), v);
    });
    expect(s.generator_speed_rpm).toBeCloseTo(s.rotor_speed_rpm * 110, 6);
    expect(s.rotor_speed_rpm).toBeGreaterThanOrEqual(6);
    expect(s.rotor_speed_rpm).toBeLessThanOrEqual(16);
  });

  it("serves operating state (uint16 @100) and power in W (int32 high word first @101)", async () => {
    const { data } = await client.readHoldingRegisters(100, 3);
    const s = sim.truth().scada;
    expect(data[0]).toBe(s.power_kw > 0 ? 1 : 0);
    expect(int32(data[1] ?? 0, data[2] ?? 0)).toBe(Math.round(s.power_kw * 1000));
  });

  it("serves the vibration transmitter as float32 low word first (FC4)", async () => {
    const { data } = await client.readInputRegisters(0, 24);
    const points = sim.truth().points;
    (["main_bearing", "gearbox_hss", "generator_de"] as const).forEach((p, i) => {
      const at = (offset: number) => float32(data[i * 8 + offset + 1] ?? 0, data[i * 8 + offset] ?? 0);
      closeF32(at(0), points[p].transmitter.v_rms_mm_s);
      closeF32(at(2), points[p].transmitter.a_rms_g);
      closeF32(at(4), points[p].transmitter.a_peak_g);
      expect(at(6)).toBe(0);
    });
    // The injected outer-race defect takes the main bearing out of ISO zone A (1.25 mm/s).
    expect(float32(data[1] ?? 0, data[0] ?? 0)).toBeGreaterThan(1.25);
    // The healthy generator sits well inside zone A (3.75 mm/s).
    expect(float32(data[17] ?? 0, data[16] ?? 0)).toBeLessThan(0.6 * 3.75);
  });

  it("answers an unmapped address with exception 02 (illegal data address)", async () => {
    await expect(client.readHoldingRegisters(16, 2)).rejects.toMatchObject({ modbusCode: 2 });
    await expect(client.readHoldingRegisters(200, 1)).rejects.toMatchObject({ modbusCode: 2 });
    await expect(client.readInputRegisters(24, 2)).rejects.toMatchObject({ modbusCode: 2 });
  });

  it("exports its map as data matching the documented layout", () => {
    const power = TURBINE_MODBUS_MAP.find((r) => r.field === "power_kw");
    expect(power).toMatchObject({ function: 3, address: 4, type: "float32", wordOrder: "high_first" });
    const v = TURBINE_MODBUS_MAP.filter((r) => r.field === "v_rms_mm_s").map((r) => [r.point, r.address]);
    expect(v).toEqual([
      ["main_bearing", 0],
      ["gearbox_hss", 8],
      ["generator_de", 16],
    ]);
  });
});

/** An OPC UA client session without security, its certificates in `pki`. */
async function openSession(
  endpoint: string,
  pki: string,
): Promise<{ client: OPCUAClient; session: ClientSession }> {
  const client = OPCUAClient.create({
    applicationName: "vetra-test",
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    connectionStrategy: { maxRetry: 2, initialDelay: 200, maxDelay: 1000 },
    clientCertificateManager: new OPCUACertificateManager({
      rootFolder: pki,
      automaticallyAcceptUnknownCertificate: true,
    }),
  });
  await client.connect(endpoint);
  return { client, session: await client.createSession() };
}

/** A simulator and an OPC UA session to it, for the tests of one describe block. */
function simWithSession(options: TurbineSimOptions): { sim: TurbineSim; session: ClientSession } {
  const f = {} as { sim: TurbineSim; session: ClientSession };
  let client: OPCUAClient | undefined;
  let pki = "";
  beforeAll(async () => {
    pki = await mkdtemp(join(tmpdir(), "vetra-test-opcua-"));
    f.sim = await start(options);
    ({ client, session: f.session } = await openSession(f.sim.opcuaEndpoint, pki));
  });
  afterAll(async () => {
    await f.session?.close().catch(() => undefined);
    await client?.disconnect().catch(() => undefined);
    await f.sim?.stop();
    await rm(pki, { recursive: true, force: true });
  });
  return f;
}

describe("turbine simulator over OPC UA", () => {
  let sim: TurbineSim;
  let pki: string;
  let client: OPCUAClient;
  let session: ClientSession;
  const ids = turbineNodeIds("T07");

  beforeAll(async () => {
    pki = await mkdtemp(join(tmpdir(), "vetra-test-opcua-client-"));
    sim = await start({
      assetId: "T07",
      faults: [{ point: "generator_de", fault: "imbalance", severity: 0.6 }],
      seed: 7,
      scadaRefreshMs: 600_000,
      waveformRefreshMs: 400,
    });
    ({ client, session } = await openSession(sim.opcuaEndpoint, pki));
  });
  afterAll(async () => {
    await session?.close().catch(() => undefined);
    await client?.disconnect().catch(() => undefined);
    await sim?.stop();
    await rm(pki, { recursive: true, force: true });
  });

  it("listens on loopback with the documented endpoint", () => {
    expect(sim.opcuaEndpoint).toMatch(/^opc\.tcp:\/\/127\.0\.0\.1:\d+\/vetra\/turbine$/);
    expect(ids.scada.PowerKw).toBe("ns=1;s=T07.Scada.PowerKw");
    expect(ids.points.main_bearing.Waveform).toBe("ns=1;s=T07.main_bearing.Waveform");
  });

  it("reads the SCADA scalars matching truth()", async () => {
    const s = sim.truth().scada;
    const names = [
      ["RotorSpeedRpm", s.rotor_speed_rpm],
      ["GeneratorSpeedRpm", s.generator_speed_rpm],
      ["PowerKw", s.power_kw],
      ["WindSpeedMps", s.wind_speed_m_s],
      ["NacelleTempC", s.nacelle_temp_c],
      ["MainBearingTempC", s.main_bearing_temp_c],
      ["GearboxBearingTempC", s.gearbox_bearing_temp_c],
      ["GeneratorBearingTempC", s.generator_bearing_temp_c],
    ] as const;
    const values = await session.read(
      names.map(([n]) => ({ nodeId: ids.scada[n], attributeId: AttributeIds.Value })),
    );
    names.forEach(([, expected], i) => {
      const dv = values[i];
      expect(dv?.statusCode.isGood()).toBe(true);
      expect(dv?.value.dataType).toBe(DataType.Double);
      expect(dv?.value.value).toBe(expected);
    });
  });

  it("reads a 65536-sample Float waveform with its sample rate, speed and unit", async () => {
    const p = ids.points.generator_de;
    const [wave, rate, speed, unit, seq] = await session.read(
      [p.Waveform, p.SampleRateHz, p.SpeedRpm, p.Unit, p.BlockSequence].map((nodeId) => ({
        nodeId,
        attributeId: AttributeIds.Value,
      })),
    );
    expect(wave?.statusCode.isGood()).toBe(true);
    expect(wave?.value.dataType).toBe(DataType.Float);
    const samples = wave?.value.value as Float32Array;
    expect(samples.length).toBe(65536);
    expect(rate?.value.value).toBe(25600);
    expect(unit?.value.value).toBe("g");
    expect(seq?.value.value).toBeGreaterThanOrEqual(1);
    // The generator turns at generator speed (rotor × 110).
    const rpm = speed?.value.value as number;
    expect(rpm).toBeCloseTo(sim.truth().scada.generator_speed_rpm, 6);
    // Imbalance: the waveform's strongest line below 100 Hz is at 1× of that speed (single-bin DFT scan).
    const fs = 25600;
    const n = samples.length;
    const shaftHz = rpm / 60;
    const dftMagnitude = (f: number) => {
      let re = 0;
      let im = 0;
      const w = (2 * Math.PI * f) / fs;
      for (let i = 0; i < n; i++) {
        re += (samples[i] ?? 0) * Math.cos(w * i);
        im -= (samples[i] ?? 0) * Math.sin(w * i);
      }
      return Math.hypot(re, im);
    };
    const at1x = dftMagnitude(shaftHz);
    for (const f of [shaftHz * 0.5, shaftHz * 1.5, shaftHz * 3, 50])
      expect(at1x).toBeGreaterThan(5 * dftMagnitude(f));
  });

  it("advances BlockSequence as new waveforms are put in place", async () => {
    const readSeq = async () =>
      (await session.read({ nodeId: ids.points.main_bearing.BlockSequence, attributeId: AttributeIds.Value }))
        .value.value as number;
    const first = await readSeq();
    const deadline = Date.now() + 10_000;
    let next = first;
    while (next <= first && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      next = await readSeq();
    }
    expect(next).toBeGreaterThan(first);
    const ts = await session.read({
      nodeId: ids.points.main_bearing.BlockTimestamp,
      attributeId: AttributeIds.Value,
    });
    expect(ts.value.dataType).toBe(DataType.DateTime);
    expect(Math.abs((ts.value.value as Date).getTime() - Date.now())).toBeLessThan(5000);
  });
});

describe("turbine simulator: the speed ramps within a block", () => {
  const ids = turbineNodeIds("T08");
  // The wind (and so the speed) moves every 50 ms; blocks only when the test asks.
  const f = simWithSession({
    assetId: "T08",
    seed: 8,
    scadaRefreshMs: 50,
    waveformRefreshMs: 600_000,
    samples: 4096,
  });

  const speeds = async (point: "main_bearing" | "generator_de") => {
    const [start, end] = await f.session.read(
      [ids.points[point].SpeedRpm, ids.points[point].SpeedEndRpm].map((nodeId) => ({
        nodeId,
        attributeId: AttributeIds.Value,
      })),
    );
    return [start?.value.value as number, end?.value.value as number] as const;
  };

  it("publishes the speed at the start (the block before's end) and at the end of each block", async () => {
    // The first block has no block before: no ramp.
    const [s0, e0] = await speeds("generator_de");
    expect(s0).toBe(e0);
    for (let i = 0; i < 3; i++) {
      const before = f.sim.truth().points;
      await new Promise((r) => setTimeout(r, 300));
      f.sim.refreshWaveforms();
      const after = f.sim.truth().points;
      for (const p of ["main_bearing", "generator_de"] as const) {
        const [start, end] = await speeds(p);
        expect(start).toBe(before[p].speedRpmEnd);
        expect(end).toBe(after[p].speedRpmEnd);
        expect(after[p].speedRpm).toBe(start);
        expect(after[p].shaftHzEnd * 60).toBeCloseTo(end, 9);
      }
      // The wind moved in between: the speed really ramps.
      expect(after.generator_de.speedRpmEnd).not.toBe(after.generator_de.speedRpm);
    }
  });
});
