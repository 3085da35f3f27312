// Demand limiting on a load the simulator ramps: the agent forecasts the
// 15-minute demand from the meter (read over Modbus TCP), sheds its
// configured non-critical loads in order, never the critical one, and
// restores them in reverse order with hysteresis when the ramp is over.
// The same facility without control, on the same clock, is the reference.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import modbusSerial from "modbus-serial";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentSyncResponse, ControlEvent } from "../../common/control.ts";
import { type FacilitySim, SDM630_UNIT_ID, start as startFacility } from "../../simulators/facility/index.ts";
import { CONTROL_ASSET, controlByHand, facilityControlConfig } from "../../test/helpers/facility-control.ts";
import type { RunningControl } from "./index.ts";
import type { ControlStore } from "./store.ts";

const ModbusRTU = modbusSerial as unknown as typeof modbusSerial.default;
// Tuesday 13 January 2026, 10:00 in Moscow: a school in session, heating on.
const T0 = Date.UTC(2026, 0, 13, 7, 0, 0);
const MIN = 60_000;
/** 0 → 45 kW over 20 minutes from T0+10 min, held 20 minutes, back to 0 over 10 minutes (a kitchen and a pump test). */
const ramp = (t: number): number => {
  const m = (t - T0) / MIN;
  if (m < 10) return 0;
  if (m < 30) return (45 * (m - 10)) / 20;
  if (m < 50) return 45;
  if (m < 60) return 45 * (1 - (m - 50) / 10);
  return 0;
};

describe("demand limiting against the facility simulator", () => {
  let now = T0;
  let sim: FacilitySim;
  let reference: FacilitySim;
  let control: RunningControl;
  let dir: string;
  const meter = new ModbusRTU();

  beforeAll(async () => {
    const opts = {
      assetId: CONTROL_ASSET,
      kind: "school" as const,
      seed: 4,
      clock: () => now,
      control: true,
      extraKw: ramp,
    };
    sim = await startFacility(opts);
    reference = await startFacility(opts);
    await meter.connectTCP("127.0.0.1", { port: sim.modbusPort });
    meter.setTimeout(1000);
    meter.setID(SDM630_UNIT_ID);
    dir = mkdtempSync(join(tmpdir(), "vetra-control-demand-"));
    const config = facilityControlConfig(sim.modbusPort, dir, {
      demand: { asset: CONTROL_ASSET, field: "power_kw", stepMs: MIN },
      readBackIntervalMs: 60_000,
    });
    control = await controlByHand(config, () => now);
  });
  afterAll(async () => {
    await new Promise<void>((r) => meter.close(() => r()));
    await control?.stop();
    await sim?.stop();
    await reference?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sheds in order when the 15-minute forecast passes the limit and restores in reverse with hysteresis", async () => {
    const startKw = sim.truth().actualKw;
    const limitKw = Math.round(startKw + 20);
    const limits: AgentSyncResponse["limits"] = {
      [CONTROL_ASSET]: {
        limitKw,
        intervalMinutes: 15,
        restoreBelowFraction: 0.1,
        sheds: [
          { point: "ventilation_pct", shedValue: 30 }, // critical: never shed
          { point: "lighting", shedValue: 0 },
          { point: "heating_setpoint_c", shedValue: 18 },
        ],
      },
    };
    control.controller.applyDesired({ revision: 1, commands: [], schedules: {}, limits });
    const intervalKw = (s: FacilitySim, from: { e: number }) => {
      const e = s.truth().energyKwh;
      const kw = (e - from.e) / 0.25;
      from.e = e;
      return kw;
    };
    const mine = { e: sim.truth().energyKwh };
    const theirs = { e: reference.truth().energyKwh };
    const peaks = { controlled: 0, reference: 0 };
    for (; now < T0 + 120 * MIN; now += 10_000) {
      const { data } = await meter.readInputRegisters(0x34, 2);
      const b = Buffer.alloc(4);
      b.writeUInt16BE(data[0] ?? 0, 0);
      b.writeUInt16BE(data[1] ?? 0, 2);
      control.observe([
        {
          measurement: "meter",
          tags: { site: "site-1", asset: CONTROL_ASSET },
          fields: { power_kw: b.readFloatBE(0) / 1000 },
          ts: now,
        },
      ]);
      await control.controller.tick();
      if ((now - T0) % (15 * MIN) === 0 && now > T0) {
        peaks.controlled = Math.max(peaks.controlled, intervalKw(sim, mine));
        peaks.reference = Math.max(peaks.reference, intervalKw(reference, theirs));
      }
    }
    const store = (control.controller as unknown as { opts: { store: ControlStore } }).opts.store;
    const events = store.peek(100_000).items.flatMap((i) => (i.kind === "event" ? [i.event] : []));
    const steps = events
      .filter((e) => e.kind === "shed" || e.kind === "restore")
      .map((e: ControlEvent) => `${e.kind} ${e.point}`);
    expect(steps).toEqual([
      "shed lighting",
      "shed heating_setpoint_c",
      "restore heating_setpoint_c",
      "restore lighting",
    ]);
    expect(events.filter((e) => e.kind === "refused").map((e) => e.detail)).toEqual([
      "critical point: demand limiting never sheds it",
    ]);
    // Every step carries its reason; the critical point was never written.
    for (const e of events.filter((x) => x.kind === "shed"))
      expect(e.detail).toMatch(/forecast [\d.]+ kW, limit \d+ kW/);
    const c = sim.truth().building!.controls;
    expect(c.ventilationPct).toEqual([100, 100]);
    expect(c.lighting[0]).toBe(1);
    expect(c.heatingSetpointC).toBe(21);
    // The peak the tariff bills is lower than the same facility's without control.
    expect(peaks.reference).toBeGreaterThan(limitKw);
    expect(peaks.controlled).toBeLessThan(peaks.reference - 5);
  });
});
