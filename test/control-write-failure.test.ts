// A write the device does not take, with real parts: central, the agent and
// the facility simulator's building controller. An exception from the
// device, or no answer within the source's timeout, ends the operator's
// command `failed` with the reason and raises the `write_failed` alarm
// (kind `control`) at central; the next write read back equal restores the
// point and the alarm clears.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BMS_UNIT_ID, type FacilitySim } from "../simulators/facility/index.ts";
import type { TestCentral } from "./helpers/central.ts";
import { type ControlWorld, startControlWorld } from "./helpers/control-world.ts";
import { waitFor } from "./helpers/until.ts";

describe("a write the device refuses or never answers: failed, with an alarm", () => {
  let world: ControlWorld;
  let c: TestCentral;
  let sim: FacilitySim;
  let api: ControlWorld["api"];
  const logged: string[] = [];
  const command = async (value: number) => {
    const posted = await world.command("heating_setpoint_c", value, "write failure test");
    expect(posted.status).toBe(202);
    const id = posted.body.command.id as string;
    return waitFor(
      async () => (await api(c.tokens.energy, "GET", `/api/v1/control/commands/${id}`)).body.command,
      (cmd) => ["confirmed", "failed", "refused", "expired"].includes(cmd.state),
    );
  };
  const writeAlarms = async (state: "open" | "all" = "open") =>
    (await api(c.tokens.admin, "GET", `/api/v1/alarms?asset=H01&fault=write_failed&state=${state}`)).body
      .alarms as { point: string; severity: string; state: string }[];

  beforeAll(async () => {
    world = await startControlWorld({
      central: {
        alarms: {
          evaluateEveryMs: 300,
          clearAfterMs: 500,
          byKind: { control: { onDelayMs: 0, offDelayMs: 0 } },
        },
      },
      facility: { seed: 7 },
      limits: { maxRatePerMinute: 60_000, minWriteIntervalMs: 100 },
      tickMs: 100,
      readBackIntervalMs: 500,
      log: (line) => logged.push(line),
    });
    ({ c, sim, api } = world);
    // The agent's first writes (each point's relinquish default) are done and read back.
    await waitFor(
      async () => sim.truth().building!.controls.hvacMode,
      (mode) => mode === 1,
    );
    await waitFor(world.points, (r) =>
      r.body.points?.every((p: { actual?: number; failSafe: number }) => p.actual === p.failSafe),
    );
  }, 60_000);
  afterAll(async () => {
    sim?.modbus.inject(null, BMS_UNIT_ID);
    await world?.stop();
  });

  it("an exception from the device fails the command with its reason and raises write_failed", async () => {
    sim.modbus.inject({ kind: "exception", code: 4 }, BMS_UNIT_ID);
    const done = await command(19);
    expect(done.state).toBe("failed");
    expect(done.history.at(-1).reason).toMatch(/SOURCE_EXCEPTION.*exception 4/);
    expect(sim.truth().registers.heating_setpoint_c).toBe(21); // the device kept its own
    const alarms = await waitFor(writeAlarms, (a) => a.length > 0);
    expect(alarms).toEqual([
      expect.objectContaining({ point: "heating_setpoint_c", severity: "warning", state: "active" }),
    ]);
    // Logged as a failed write, never an unhandled rejection or a failed tick.
    expect(logged.some((l) => /heating_setpoint_c: write_failed/.test(l))).toBe(true);
    expect(logged.some((l) => /tick failed|unhandled/i.test(l))).toBe(false);
  });

  it("the next write read back equal restores the point and clears the alarm", async () => {
    sim.modbus.inject(null, BMS_UNIT_ID);
    const done = await command(19.5);
    expect(done.state).toBe("confirmed");
    expect(sim.truth().registers.heating_setpoint_c).toBeCloseTo(19.5, 3);
    expect(await waitFor(writeAlarms, (a) => a.length === 0)).toEqual([]);
    const cleared = await writeAlarms("all");
    expect(cleared).toHaveLength(1);
    expect(cleared[0]!.state).toBe("cleared");
    const events = (await api(c.tokens.energy, "GET", "/api/v1/control/events?asset=H01")).body.events as {
      kind: string;
    }[];
    expect(events.some((e) => e.kind === "write_restored")).toBe(true);
  });

  it("a device that does not answer within the timeout fails the command as well", async () => {
    sim.modbus.inject({ kind: "delay", ms: 3000 }, BMS_UNIT_ID);
    const done = await command(20);
    expect(done.state).toBe("failed");
    expect(done.history.at(-1).reason).toMatch(/SOURCE_TIMEOUT/);
    const alarms = await waitFor(writeAlarms, (a) => a.length > 0);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ point: "heating_setpoint_c", state: "active" });
    expect(logged.some((l) => /tick failed|unhandled/i.test(l))).toBe(false);
  }, 60_000);
});
