import modbusSerial from "modbus-serial";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FacilitySim,
  facilityLoadKw,
  hourlyHistory,
  SDM630_MAP,
  start,
  TEMPERATURE_MAP,
} from "./index.ts";
import { occupancy, outdoorTempC } from "./model.ts";

// modbus-serial is CommonJS: the module itself is the client class.
const ModbusRTU = modbusSerial as unknown as typeof modbusSerial.default;

// Independent decoding of float32 high word first.
const float32 = (high: number, low: number): number => {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(high, 0);
  b.writeUInt16BE(low, 2);
  return b.readFloatBE(0);
};
const closeF32 = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * 1e-6 + 1e-9);

// A Tuesday in March, 11:00 local (UTC+3), and the same day at 03:00.
const TUESDAY_11 = Date.UTC(2025, 2, 11, 8, 0, 0);
const TUESDAY_03 = Date.UTC(2025, 2, 11, 0, 0, 0);
const SUNDAY_11 = Date.UTC(2025, 2, 16, 8, 0, 0);

describe("facility simulator over Modbus TCP", () => {
  let sim: FacilitySim;
  const client = new ModbusRTU();
  let now = TUESDAY_11;

  beforeAll(async () => {
    sim = await start({
      assetId: "H01",
      kind: "hospital",
      seed: 5,
      clock: () => now,
      measure: { from: new Date(Date.UTC(2025, 0, 1)), savingFraction: 0.12 },
    });
    await client.connectTCP("127.0.0.1", { port: sim.modbusPort });
    client.setTimeout(2000);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => client.close(() => resolve()));
    await sim?.stop();
  });

  it("serves the SDM630 registers (unit 1, FC4, float32 high word first) matching truth()", async () => {
    client.setID(1);
    const t = sim.truth();
    const check = async (address: number, expected: number) => {
      const { data } = await client.readInputRegisters(address, 2);
      closeF32(float32(data[0] ?? 0, data[1] ?? 0), expected);
    };
    const r = t.registers;
    const { data } = await client.readInputRegisters(0x0000, 12);
    const block = [0, 1, 2, 3, 4, 5].map((i) => float32(data[2 * i] ?? 0, data[2 * i + 1] ?? 0));
    closeF32(block[0] ?? 0, r.phase_1_voltage_v ?? Number.NaN);
    closeF32(block[1] ?? 0, r.phase_2_voltage_v ?? Number.NaN);
    closeF32(block[2] ?? 0, r.phase_3_voltage_v ?? Number.NaN);
    closeF32(block[3] ?? 0, r.phase_1_current_a ?? Number.NaN);
    closeF32(block[4] ?? 0, r.phase_2_current_a ?? Number.NaN);
    closeF32(block[5] ?? 0, r.phase_3_current_a ?? Number.NaN);
    await check(0x0034, t.actualKw * 1000);
    await check(0x003e, r.total_system_power_factor ?? Number.NaN);
    await check(0x0046, r.frequency_hz ?? Number.NaN);
    await check(0x0048, r.import_active_energy_kwh ?? Number.NaN);
    await check(0x0156, r.total_active_energy_kwh ?? Number.NaN);
    // Physical consistency: 3 × V × I × PF ≈ P; mains voltage and frequency.
    const pf = r.total_system_power_factor ?? 0;
    const p = [0, 1, 2].reduce((s, i) => s + (block[i] ?? 0) * (block[i + 3] ?? 0) * pf, 0);
    expect(p / (t.actualKw * 1000)).toBeCloseTo(1, 3);
    for (const v of block.slice(0, 3)) expect(Math.abs(v - 230)).toBeLessThan(10);
    expect(Math.abs((r.frequency_hz ?? 0) - 50)).toBeLessThan(0.2);
  });

  it("serves the outdoor temperature on unit 2 of the same port", async () => {
    client.setID(2);
    const { data } = await client.readInputRegisters(0, 2);
    const t = sim.truth();
    closeF32(float32(data[0] ?? 0, data[1] ?? 0), t.tempC);
    expect(t.tempC).toBeGreaterThan(-30);
    expect(t.tempC).toBeLessThan(45);
  });

  it("integrates energy over time: 30 minutes at constant power adds P × 0.5 h", async () => {
    client.setID(1);
    const before = sim.truth();
    now += 30 * 60_000;
    const { data } = await client.readInputRegisters(0x0156, 2);
    const after = float32(data[0] ?? 0, data[1] ?? 0);
    // Power is held between updates; with the clock jumping, the step uses the power before the jump.
    const expected = (before.registers.total_active_energy_kwh ?? 0) + before.actualKw * 0.5;
    expect(Math.abs(after - expected)).toBeLessThan(Math.max(0.01, expected * 1e-6 * 4));
  });

  it("answers an unmapped address with exception 02 and FC3 likewise", async () => {
    client.setID(1);
    await expect(client.readInputRegisters(0x000c, 2)).rejects.toMatchObject({ modbusCode: 2 });
    await expect(client.readHoldingRegisters(0x0000, 2)).rejects.toMatchObject({ modbusCode: 2 });
    client.setID(2);
    await expect(client.readInputRegisters(0x0002, 2)).rejects.toMatchObject({ modbusCode: 2 });
  });

  it("the measure makes actual exactly (1 − 0.12) × baseline", () => {
    const t = sim.truth();
    expect(t.measureActive).toBe(true);
    expect(t.actualKw / t.baselineKw).toBeCloseTo(0.88, 10);
  });

  it("exports the maps as data", () => {
    expect(SDM630_MAP.find((r) => r.field === "power_kw")).toMatchObject({
      address: 0x34,
      function: 4,
      scale: 0.001,
      unit: "W",
    });
    expect(TEMPERATURE_MAP).toHaveLength(1);
    expect(TEMPERATURE_MAP[0]).toMatchObject({ address: 0, field: "temp_c", wordOrder: "high_first" });
  });
});

describe("facility load model", () => {
  it("a school uses more in occupied hours than at night or on Sunday", () => {
    const at = (t: number) => facilityLoadKw("school", new Date(t), 10);
    expect(occupancy("school", new Date(TUESDAY_11))).toBe(1);
    expect(occupancy("school", new Date(TUESDAY_03))).toBe(0);
    expect(at(TUESDAY_11)).toBeGreaterThan(2 * at(TUESDAY_03));
    expect(at(TUESDAY_11)).toBeGreaterThan(2 * at(SUNDAY_11));
  });

  it("a hospital never drops below its round-the-clock base", () => {
    const night = facilityLoadKw("hospital", new Date(TUESDAY_03), 15);
    const day = facilityLoadKw("hospital", new Date(TUESDAY_11), 15);
    expect(night).toBeGreaterThan(0.5 * day);
    expect(day).toBeGreaterThan(night);
  });

  it("load rises with heating and cooling degrees", () => {
    const d = new Date(TUESDAY_11);
    expect(facilityLoadKw("clinic", d, -10)).toBeGreaterThan(facilityLoadKw("clinic", d, 15));
    expect(facilityLoadKw("clinic", d, 35)).toBeGreaterThan(facilityLoadKw("clinic", d, 18));
  });

  it("the measure reduces hourly history by exactly the fraction from its start", () => {
    const from = new Date(Date.UTC(2025, 2, 1));
    const to = new Date(Date.UTC(2025, 2, 15));
    const measure = { from: new Date(Date.UTC(2025, 2, 8)), savingFraction: 0.15 };
    const baseline = hourlyHistory({ kind: "school", from, to, seed: 3 });
    const actual = hourlyHistory({ kind: "school", from, to, seed: 3, measure });
    expect(actual).toHaveLength(14 * 24);
    for (const [i, row] of actual.entries()) {
      const b = baseline[i];
      expect(row.timestamp).toBe(b?.timestamp);
      expect(row.temp_c).toBe(b?.temp_c);
      const expectedRatio = Date.parse(row.timestamp) >= measure.from.getTime() ? 0.85 : 1;
      expect(row.kwh / (b?.kwh ?? Number.NaN)).toBeCloseTo(expectedRatio, 10);
    }
    expect(actual[0]?.timestamp).toBe("2025-03-01T00:00:00.000Z");
  });

  it("outdoor temperature: winter colder than summer, afternoon warmer than dawn", () => {
    const jan = outdoorTempC(new Date(Date.UTC(2025, 0, 20, 12)), 1);
    const jul = outdoorTempC(new Date(Date.UTC(2025, 6, 20, 12)), 1);
    expect(jul - jan).toBeGreaterThan(12);
    // Mean over a month of daily 15:00 vs 05:00 local (12:00 and 02:00 UTC).
    let diff = 0;
    for (let d = 1; d <= 30; d++) {
      diff +=
        outdoorTempC(new Date(Date.UTC(2025, 3, d, 12)), 1) -
        outdoorTempC(new Date(Date.UTC(2025, 3, d, 2)), 1);
    }
    expect(diff / 30).toBeGreaterThan(4);
  });

  it("rejects a bad kind or saving fraction", async () => {
    await expect(start({ assetId: "X", kind: "prison" as "school" })).rejects.toThrow(/kind 'prison'/);
    await expect(
      start({ assetId: "X", kind: "school", measure: { from: new Date(), savingFraction: 1.5 } }),
    ).rejects.toThrow(/savingFraction/);
  });
});
