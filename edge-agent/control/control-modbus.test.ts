// The edge's control loop against the facility simulator's building
// controller over Modbus TCP on loopback: writes with read-back, priorities
// and relinquish, a change made at the device held as manual, refusals of
// the edge (critical without override, forged out-of-range), a device
// exception giving `failed` and an event.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AgentSyncResponse, CommandReport, ControlCommand, ControlEvent } from "../../common/control.ts";
import type { Point } from "../../common/wire.ts";
import { BMS_UNIT_ID, type FacilitySim } from "../../simulators/facility/index.ts";
import {
  controlByHand,
  facilityControlConfig,
  startControlBench,
} from "../../test/helpers/facility-control.ts";
import type { RunningControl } from "./index.ts";
import type { ControlStore } from "./store.ts";

const ASSET = "school-1";
// A Tuesday in January, 10:00 at the site (UTC+3).
const T0 = Date.UTC(2026, 0, 13, 7, 0, 0);

const command = (
  over: Partial<ControlCommand> & Pick<ControlCommand, "id" | "point" | "value">,
): ControlCommand => ({
  asset: ASSET,
  reason: "test",
  requestedAt: T0,
  requestedBy: "energy-manager",
  ...over,
});
const desired = (
  revision: number,
  commands: ControlCommand[] = [],
  more: Partial<AgentSyncResponse> = {},
): AgentSyncResponse => ({
  revision,
  commands,
  schedules: {},
  limits: {},
  ...more,
});

function outbox(store: ControlStore): { reports: CommandReport[]; events: ControlEvent[] } {
  const { items } = store.peek(100_000);
  return {
    reports: items.flatMap((i) => (i.kind === "report" ? [i.report] : [])),
    events: items.flatMap((i) => (i.kind === "event" ? [i.event] : [])),
  };
}
const statesOf = (store: ControlStore, id: string) =>
  outbox(store)
    .reports.filter((r) => r.id === id)
    .map((r) => r.state);

describe("edge control over Modbus TCP against the facility simulator", () => {
  let sim: FacilitySim;
  let now = T0;
  let dir: string;
  let control: RunningControl;
  let store: ControlStore;
  const emitted: Point[] = [];
  let device: Awaited<ReturnType<typeof startControlBench>>["device"];
  let stopBench: () => Promise<void>;

  beforeAll(async () => {
    ({ sim, device, stop: stopBench } = await startControlBench(3, () => now));
  });
  afterAll(async () => {
    await stopBench?.();
  });
  beforeEach(async () => {
    now = T0;
    dir = mkdtempSync(join(tmpdir(), "vetra-control-"));
    emitted.length = 0;
    control = await controlByHand(
      facilityControlConfig(sim.modbusPort, dir),
      () => now,
      (p) => emitted.push(...p),
    );
    store = control.store;
  });
  afterEach(async () => {
    sim.modbus.inject(null, BMS_UNIT_ID);
    await control.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const tick = async (ms = 1000) => {
    now += ms;
    await control.controller.tick();
  };

  it("writes each point's relinquish default first, every data type and function, and reads it back", async () => {
    // The building runs at 21 °C, auto, lit: move it off the defaults at the device so writes are needed.
    await device.writeRegisters(0, [0x41a0, 0]); // 20.0 °C, float32 high word first
    await device.writeRegister(4, 1);
    await device.writeCoil(0, false);
    await device.writeRegisters(5, [40]);
    await tick();
    const c = sim.truth().building!.controls;
    expect(c.heatingSetpointC).toBe(21);
    expect(c.hvacMode).toBe(3);
    expect(c.lighting[0]).toBe(1);
    expect(c.ventilationPct[0]).toBe(100);
    const control_ = emitted.filter((p) => p.measurement === "control");
    expect(control_.map((p) => p.tags.point).sort()).toEqual([
      "heating_setpoint_c",
      "hvac_mode",
      "lighting",
      "ventilation_pct",
    ]);
    for (const p of control_) {
      expect(p.fields.priority).toBe(5); // default
      expect(p.fields.actual).toBe(p.fields.commanded);
    }
  });

  it("an operator command is delivered, applied and confirmed; relinquishing returns the point to the schedule", async () => {
    const schedule = {
      timeZone: "Europe/Moscow",
      points: [
        {
          point: "heating_setpoint_c",
          entries: [{ days: [1, 2, 3, 4, 5], from: "07:00", to: "18:00", value: 20 }],
          otherwise: 16,
        },
      ],
      exceptions: [],
    };
    control.controller.applyDesired(desired(1, [], { schedules: { [ASSET]: schedule } }));
    await tick();
    expect(sim.truth().building!.controls.heatingSetpointC).toBe(20);
    control.controller.applyDesired(
      desired(2, [command({ id: "c1", point: "heating_setpoint_c", value: 22.5 })], {
        schedules: { [ASSET]: schedule },
      }),
    );
    await tick(3000);
    expect(sim.truth().building!.controls.heatingSetpointC).toBe(22.5);
    expect(statesOf(store, "c1")).toEqual(["delivered", "applied", "confirmed"]);
    expect(outbox(store).reports.find((r) => r.state === "confirmed")?.actual).toBe(22.5);
    control.controller.applyDesired(desired(3, [], { schedules: { [ASSET]: schedule } }));
    await tick(3000);
    expect(sim.truth().building!.controls.heatingSetpointC).toBe(20);
    expect(statesOf(store, "c1")).toEqual(["delivered", "applied", "confirmed", "relinquished"]);
    const last = emitted.filter((p) => p.tags.point === "heating_setpoint_c").at(-1)!;
    expect(last.fields).toMatchObject({ commanded: 20, effective: 20, actual: 20, priority: 4 });
  });

  it("acts on a new desired state with its own writes and read-backs; the other points' wait for the regular tick", async () => {
    await tick(); // the relinquish defaults: 21 °C, auto, lit
    await device.writeRegister(4, 0); // hvac off at the device
    now += 5000; // every point's periodic read-back is due
    control.controller.applyDesired(
      desired(1, [
        command({ id: "r1", point: "lighting", value: 0 }),
        // What the device already holds: read back at once and confirmed, nothing written.
        command({ id: "r2", point: "heating_setpoint_c", value: 21 }),
      ]),
    );
    await control.controller.tick({ readBacks: false });
    expect(sim.truth().building!.controls.lighting[0]).toBe(0);
    expect(statesOf(store, "r1")).toEqual(["delivered", "applied", "confirmed"]);
    expect(statesOf(store, "r2")).toEqual(["delivered", "applied", "confirmed"]);
    const overrides = () => outbox(store).events.filter((e) => e.kind === "manual_override");
    expect(overrides()).toEqual([]);
    await tick();
    expect(overrides().map((e) => e.point)).toEqual(["hvac_mode"]);
  });

  it("ramps a setpoint no faster than maxRatePerMinute", async () => {
    await tick(); // at the default, 21 °C
    control.controller.applyDesired(
      desired(1, [command({ id: "r1", point: "heating_setpoint_c", value: 26 })]),
    );
    await tick(2000); // 60 °C/min × 2 s = 2 °C
    expect(sim.truth().building!.controls.heatingSetpointC).toBeCloseTo(23, 5);
    expect(statesOf(store, "r1")).toEqual(["delivered", "applied"]);
    await tick(3000);
    expect(sim.truth().building!.controls.heatingSetpointC).toBeCloseTo(26, 5);
    expect(statesOf(store, "r1")).toEqual(["delivered", "applied", "confirmed"]);
  });

  it("a change made at the device is held as manual, reported, not fought, and control resumes after the hold", async () => {
    await tick();
    control.controller.applyDesired(
      desired(1, [command({ id: "m1", point: "heating_setpoint_c", value: 19 })]),
    );
    await tick(3000); // 2 K at 60 K/min
    expect(sim.truth().building!.controls.heatingSetpointC).toBe(19);
    // Someone turns the thermostat up on site.
    await device.writeRegisters(0, [0x41c0, 0]); // 24.0 °C
    await tick(1500);
    const manual = outbox(store).events.filter((e) => e.kind === "manual_override");
    expect(manual).toHaveLength(1);
    expect(manual[0]).toMatchObject({ point: "heating_setpoint_c", value: 24 });
    const state = control.controller.states().find((s) => s.point === "heating_setpoint_c")!;
    expect(state.effective).toMatchObject({ priority: "manual", value: 24, holder: "device" });
    for (let i = 0; i < 10; i++) await tick(60_000);
    expect(sim.truth().building!.controls.heatingSetpointC).toBe(24); // not fought
    await tick(21 * 60_000); // past the 30-minute hold
    await tick();
    expect(sim.truth().building!.controls.heatingSetpointC).toBe(19);
    expect(
      outbox(store)
        .events.filter((e) => e.kind === "manual_override")
        .at(-1)?.detail,
    ).toMatch(/hold ended/);
  });

  it("refuses a command to a critical point without override, and carries one out with it", async () => {
    await tick();
    control.controller.applyDesired(desired(1, [command({ id: "k1", point: "ventilation_pct", value: 50 })]));
    await tick();
    expect(statesOf(store, "k1")).toEqual(["refused"]);
    expect(sim.truth().building!.controls.ventilationPct[0]).toBe(100);
    control.controller.applyDesired(
      desired(2, [command({ id: "k2", point: "ventilation_pct", value: 50, override: true })]),
    );
    await tick(10_000); // 50 % at 600 %/min
    expect(sim.truth().building!.controls.ventilationPct[0]).toBe(50);
    expect(statesOf(store, "k2")).toEqual(["delivered", "applied", "confirmed"]);
  });

  it("refuses forged commands again at the edge: out of range, not a state, an undeclared point, NaN-like values", async () => {
    await tick();
    control.controller.applyDesired(
      desired(1, [
        command({ id: "f1", point: "heating_setpoint_c", value: 95 }),
        command({ id: "f2", point: "hvac_mode", value: 2.5 }),
        command({ id: "f3", point: "boiler_pressure", value: 1 }),
        command({ id: "f4", point: "heating_setpoint_c", value: -1e308 }),
        command({ id: "f5", asset: "hospital-9", point: "heating_setpoint_c", value: 20 }),
      ]),
    );
    await tick();
    for (const id of ["f1", "f2", "f3", "f4", "f5"]) expect(statesOf(store, id), id).toEqual(["refused"]);
    expect(outbox(store).reports.find((r) => r.id === "f1")?.reason).toMatch(/outside \[12, 26\]/);
    expect(sim.truth().building!.controls.heatingSetpointC).toBe(21);
    expect(outbox(store).events.filter((e) => e.kind === "refused")).toHaveLength(5);
  });

  it("a device exception fails the command with an event; an expired command is reported expired", async () => {
    await tick();
    sim.modbus.inject({ kind: "exception", code: 4 }, BMS_UNIT_ID);
    control.controller.applyDesired(
      desired(1, [command({ id: "x1", point: "hvac_mode", value: 0, until: now + 60_000 })]),
    );
    await tick();
    expect(statesOf(store, "x1")).toEqual(["delivered", "failed"]);
    const failed = outbox(store).events.filter((e) => e.kind === "write_failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatch(/SOURCE_EXCEPTION.*exception 4/);
    sim.modbus.inject(null, BMS_UNIT_ID);
    control.controller.applyDesired(
      desired(2, [command({ id: "x2", point: "hvac_mode", value: 1, until: now + 10_000 })]),
    );
    await tick();
    expect(sim.truth().building!.controls.hvacMode).toBe(1);
    await tick(15_000);
    await tick(1000);
    expect(statesOf(store, "x2")).toEqual(["delivered", "applied", "confirmed", "expired"]);
    expect(sim.truth().building!.controls.hvacMode).toBe(3); // back to the relinquish default
  });

  it("keeps its desired state and memory across a restart (a file, not the process)", async () => {
    await tick();
    control.controller.applyDesired(
      desired(7, [command({ id: "p1", point: "heating_setpoint_c", value: 18 })]),
    );
    await tick(3000);
    await control.stop();
    control = await controlByHand(facilityControlConfig(sim.modbusPort, dir), () => now);
    store = control.store;
    expect(control.controller.revision).toBe(7);
    await device.writeRegisters(0, [0x41a0, 0]); // 20 °C at the device while the agent was down
    await tick(2000);
    // The agent remembers writing 18: 20 is a change made at the device.
    expect(
      control.controller.states().find((s) => s.point === "heating_setpoint_c")?.effective.priority,
    ).toBe("manual");
    expect(statesOf(store, "p1")).toEqual(["delivered", "applied", "confirmed"]); // not reported twice
  });
});
