// The whole control path with real parts: central, the edge agent (its
// long-poll sync over its own channel) and the facility simulator's
// building controller over Modbus TCP. A command posted to central is
// written by the agent, read back from the device and confirmed; relinquished,
// the point returns to its relinquish default; out of range is refused by
// central, a forged command by the edge.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FacilitySim } from "../simulators/facility/index.ts";
import type { TestCentral } from "./helpers/central.ts";
import { type ControlWorld, startControlWorld } from "./helpers/control-world.ts";
import { waitFor } from "./helpers/until.ts";

describe("control end to end: central → agent → Modbus device → read back → confirmed", () => {
  let world: ControlWorld;
  let c: TestCentral;
  let sim: FacilitySim;
  let api: ControlWorld["api"];
  const stateOf = async (id: string) =>
    (await api(c.tokens.energy, "GET", `/api/v1/control/commands/${id}`)).body.command;

  beforeAll(async () => {
    world = await startControlWorld({
      facility: { seed: 7 },
      limits: { maxRatePerMinute: 600, minWriteIntervalMs: 100 },
      tickMs: 100,
      readBackIntervalMs: 500,
      log: (line) => process.env.CONTROL_E2E_LOG && console.log(line),
    });
    ({ c, sim, api } = world);
  }, 60_000);
  afterAll(async () => world?.stop());

  it("learns the points from the agent, with the edge's limits and critical flags", async () => {
    const { points } = (await world.points()).body;
    expect(points.map((p: { point: string; critical: boolean }) => [p.point, p.critical])).toEqual([
      ["heating_setpoint_c", false],
      ["hvac_mode", true],
      ["lighting", false],
    ]);
  });

  it("writes a setpoint commanded at central to the device, reads it back and confirms it", async () => {
    const posted = await world.command("heating_setpoint_c", 18.5, "e2e setback");
    expect(posted.status).toBe(202);
    const id = posted.body.command.id as string;
    const done = await waitFor(
      () => stateOf(id),
      (cmd) => cmd.state === "confirmed" || ["failed", "refused"].includes(cmd.state),
    );
    expect(done.state).toBe("confirmed");
    expect(done.actual).toBeCloseTo(18.5, 3);
    if (process.env.CONTROL_E2E_LOG) console.log(JSON.stringify(done.history));
    // The device holds it (its own registers, read from the simulator's truth).
    expect(sim.truth().registers.heating_setpoint_c).toBeCloseTo(18.5, 3);
    const states = done.history.map((h: { state: string }) => h.state);
    expect(states[0]).toBe("requested");
    expect(states.at(-1)).toBe("confirmed");
    // The point's state as central shows it: operator holds it, the actual value read back.
    const point = await waitFor(
      async () =>
        (await api(c.tokens.ministry, "GET", "/api/v1/control/points?asset=H01")).body.points.find(
          (p: { point: string }) => p.point === "heating_setpoint_c",
        ),
      (p) => p?.effective?.priority === "operator" && Math.abs((p?.actual ?? 0) - 18.5) < 1e-3,
    );
    expect(point.effective).toMatchObject({ value: 18.5, priority: "operator" });

    // Relinquished: the point returns to its relinquish default (21 °C) at the device.
    expect((await api(c.tokens.energy, "DELETE", `/api/v1/control/commands/${id}`)).status).toBe(200);
    const back = await waitFor(
      async () => sim.truth().registers.heating_setpoint_c ?? Number.NaN,
      (v) => Math.abs(v - 21) < 1e-3,
    );
    expect(back).toBeCloseTo(21, 3);
  });

  it("switches a lighting coil off and back through the agent", async () => {
    const posted = await world.command("lighting", 0, "e2e lights off");
    const done = await waitFor(
      () => stateOf(posted.body.command.id),
      (cmd) => ["confirmed", "failed", "refused"].includes(cmd.state),
    );
    expect(done.state).toBe("confirmed");
    expect(sim.truth().registers.lighting_zone_1).toBe(0);
  });

  it("refuses out of range at central; a critical point needs an override", async () => {
    const out = await world.command("heating_setpoint_c", 29, "too warm");
    expect(out.status).toBe(400);
    const critical = await world.command("hvac_mode", 0, "off");
    expect(critical.status).toBe(400);
  });
});
