// The controllable facility: its building controller refuses writes like a
// real device, and its physics make a setback save what the first law says.
import modbusSerial from "modbus-serial";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILDING_PARAMS } from "./building.ts";
import { BMS_UNIT_ID, type FacilitySim, start } from "./index.ts";
import { FACILITY_PROFILES } from "./model.ts";

const ModbusRTU = modbusSerial as unknown as typeof modbusSerial.default;
const f32 = (v: number): number[] => {
  const b = Buffer.alloc(4);
  b.writeFloatBE(v, 0);
  return [b.readUInt16BE(0), b.readUInt16BE(2)];
};
const fromF32 = (w: number[]): number => {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(w[0] ?? 0, 0);
  b.writeUInt16BE(w[1] ?? 0, 2);
  return b.readFloatBE(0);
};
const exceptionOf = async (p: Promise<unknown>): Promise<number | undefined> => {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { modbusCode?: number }).modbusCode;
  }
};

describe("building controller (unit 4) refuses writes like a device", () => {
  let sim: FacilitySim;
  const c = new ModbusRTU();
  beforeAll(async () => {
    sim = await start({
      assetId: "S1",
      kind: "school",
      seed: 2,
      control: true,
      clock: () => Date.UTC(2026, 0, 13, 7),
    });
    await c.connectTCP("127.0.0.1", { port: sim.modbusPort });
    c.setTimeout(1000);
    c.setID(BMS_UNIT_ID);
  });
  afterAll(async () => {
    await new Promise<void>((r) => c.close(() => r()));
    await sim?.stop();
  });

  it("takes writes of every function and reads them back", async () => {
    await c.writeRegisters(0, f32(19.5)); // FC16 float32
    await c.writeRegister(4, 1); // FC6 uint16
    await c.writeCoil(1, false); // FC5
    await c.writeCoils(0, [false]); // FC15
    await c.writeRegisters(5, [60, 40]); // FC16, two zones at once
    expect(fromF32((await c.readHoldingRegisters(0, 2)).data)).toBe(19.5);
    expect((await c.readHoldingRegisters(4, 3)).data).toEqual([1, 60, 40]);
    expect((await c.readCoils(0, 2)).data.slice(0, 2)).toEqual([false, false]);
    const t = sim.truth().building!.controls;
    expect(t).toMatchObject({
      heatingSetpointC: 19.5,
      hvacMode: 1,
      lighting: [0, 0],
      ventilationPct: [60, 40],
    });
  });

  it("answers exception 02 for an unmapped, a read-only or half a 32-bit register, 03 for a value out of range", async () => {
    expect(await exceptionOf(c.writeRegister(100, 1))).toBe(2);
    expect(await exceptionOf(c.writeRegisters(16, f32(30)))).toBe(2); // indoor temperature: read-only
    expect(await exceptionOf(c.writeRegister(0, 0x41a0))).toBe(2); // one word of a float32
    expect(await exceptionOf(c.writeRegisters(0, f32(45)))).toBe(3); // 45 °C: out of 5..30
    expect(await exceptionOf(c.writeRegisters(0, f32(Number.NaN)))).toBe(3);
    expect(await exceptionOf(c.writeRegister(4, 7))).toBe(3); // hvac_mode 0..3
    expect(await exceptionOf(c.writeCoil(9, true))).toBe(2);
    // A request with one bad value applies none of it (setpoints 20/24 fine, mode 9 not).
    expect(await exceptionOf(c.writeRegisters(0, [...f32(20), ...f32(24), 9]))).toBe(3);
    expect(sim.truth().building!.controls.heatingSetpointC).toBe(19.5);
    // The meter (unit 1) takes no writes at all.
    c.setID(1);
    try {
      expect(await exceptionOf(c.writeRegister(0, 1))).toBe(2);
    } finally {
      c.setID(BMS_UNIT_ID);
    }
  });
});

describe("a night and weekend setback on the school", () => {
  // One January week from Monday 00:00 local (UTC+3), two schools on the same clock and weather.
  const START = Date.UTC(2026, 0, 11, 21);
  const WEEK = 7 * 86_400_000;
  const STEP = 5 * 60_000;
  let now = START;
  let setback: FacilitySim;
  let constant: FacilitySim;
  const c = new ModbusRTU();

  beforeAll(async () => {
    setback = await start({ assetId: "S1", kind: "school", seed: 11, control: true, clock: () => now });
    constant = await start({ assetId: "S2", kind: "school", seed: 11, control: true, clock: () => now });
    await c.connectTCP("127.0.0.1", { port: setback.modbusPort });
    c.setTimeout(1000);
    c.setID(BMS_UNIT_ID);
  });
  afterAll(async () => {
    await new Promise<void>((r) => c.close(() => r()));
    await setback?.stop();
    await constant?.stop();
  });

  it("lowers metered energy by what the heat balance of the indoor temperatures says, 5–40 % of the heating", async () => {
    const e0 = { a: setback.truth(), b: constant.truth() };
    let deltaKh = 0; // ∫ (T_constant − T_setback) dt, K·h
    let coldestOccupied = Number.POSITIVE_INFINITY;
    let written = 21;
    for (; now < START + WEEK; now += STEP) {
      const local = new Date(now + 3 * 3_600_000);
      const day = local.getUTCDay();
      const hour = local.getUTCHours();
      const occupied = day >= 1 && day <= 5 && hour >= 5 && hour < 18; // preheat from 05:00, occupied from 08:00
      const want = occupied ? 21 : 16;
      if (want !== written) {
        await c.writeRegisters(0, f32(want));
        written = want;
      }
      const ta = fromF32((await c.readHoldingRegisters(16, 2)).data);
      const tb = constant.truth().building!.indoorC;
      deltaKh += ((tb - ta) * STEP) / 3_600_000;
      if (day >= 1 && day <= 5 && hour >= 8 && hour < 16) coldestOccupied = Math.min(coldestOccupied, ta);
    }
    const a = setback.truth();
    const b = constant.truth();
    const hvacA = a.hvacEnergyKwh! - e0.a.hvacEnergyKwh!;
    const hvacB = b.hvacEnergyKwh! - e0.b.hvacEnergyKwh!;
    const meterA = a.energyKwh - e0.a.energyKwh;
    const meterB = b.energyKwh - e0.b.energyKwh;
    // First law over the week: the heat not supplied is UA·∫ΔT dt plus the change of stored heat, over the COP.
    const p = BUILDING_PARAMS.school;
    const ua = FACILITY_PROFILES.school.heatingKwPerK * p.cop;
    const storedKwh =
      ua *
      p.timeConstantH *
      (b.building!.indoorC - e0.b.building!.indoorC - (a.building!.indoorC - e0.a.building!.indoorC));
    const expectedSavingKwh = (ua * deltaKh + storedKwh) / p.cop;
    expect(hvacB - hvacA).toBeGreaterThan(0);
    expect(Math.abs(hvacB - hvacA - expectedSavingKwh) / expectedSavingKwh).toBeLessThan(0.03);
    // The meter sees exactly that saving: the other loads are the same.
    expect(Math.abs(meterB - meterA - (hvacB - hvacA))).toBeLessThan(0.01 * (hvacB - hvacA) + 0.5);
    // Plausible: a 5 K setback for ~60 % of the week in a light building saves 5–40 % of its heating
    // (roughly 1 % per °F per 8 h, DOE/ASHRAE rule of thumb; less here as the building coasts slowly).
    const fraction = (hvacB - hvacA) / hvacB;
    expect(fraction).toBeGreaterThan(0.05);
    expect(fraction).toBeLessThan(0.4);
    // Comfort kept while occupied: preheat brings classrooms back within 18–24 °C (SanPiN 1.2.3685-21) by 08:00.
    expect(coldestOccupied).toBeGreaterThan(18);
  });
});
