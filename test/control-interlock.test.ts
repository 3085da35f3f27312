// An interlock declared in the agent's config, with real parts: the agent
// reads the indoor temperature from the facility simulator's building
// controller, and frost protection (below 16 °C, released above 18 °C)
// takes the heating setpoint at the `safety` level, above an operator's
// command from central; released, the operator's command acts again. The
// transitions reach central as `interlock` events.
//
// The simulated building's clock runs 60 times faster than the wall clock
// and its time constant is one hour, so the room cools and warms in seconds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FacilitySim } from "../simulators/facility/index.ts";
import type { TestCentral } from "./helpers/central.ts";
import { type ControlWorld, fastRoom, startControlWorld } from "./helpers/control-world.ts";
import { waitFor } from "./helpers/until.ts";

const SETBACK_C = 12;
const FROST = { below: 16, deadband: 2, setpointC: 22 };

describe("interlocks: the agent's own safety rules, above every level central commands", () => {
  let world: ControlWorld;
  let c: TestCentral;
  let sim: FacilitySim;
  let api: ControlWorld["api"];
  const setpoints: number[] = [];
  let sampler: NodeJS.Timeout;
  const deviceSetpoint = () => sim.truth().registers.heating_setpoint_c ?? Number.NaN;
  const heatingPoint = async () =>
    (await world.points()).body.points?.find((p: { point: string }) => p.point === "heating_setpoint_c");

  beforeAll(async () => {
    world = await startControlWorld({
      ...fastRoom(5),
      // Steps at once (the ramp is tested in edge-agent/control/control-modbus.test.ts).
      limits: { maxRatePerMinute: 60_000, minWriteIntervalMs: 100 },
      // Unheld, the setpoint sits at a deep setback: the room cools until frost protection acts.
      failSafe: { heating_setpoint_c: SETBACK_C },
      interlocks: [
        {
          id: "frost_protection",
          when: {
            asset: "H01",
            measurement: "scada",
            field: "indoor_temp_c",
            below: FROST.below,
            deadband: FROST.deadband,
          },
          force: { asset: "H01", point: "heating_setpoint_c", value: FROST.setpointC },
        },
      ],
      log: (line) => process.env.INTERLOCK_LOG && console.log(line),
      declared: false,
    });
    ({ c, sim, api } = world);
    sampler = setInterval(() => {
      const v = deviceSetpoint();
      if (setpoints.at(-1) !== v) setpoints.push(v);
    }, 50);
  }, 90_000);
  afterAll(async () => {
    clearInterval(sampler);
    await world?.stop();
  });

  it("takes the setpoint at the safety level when the room falls below 16 °C, above an operator's command", async () => {
    expect(await waitFor(deviceSetpoint, (v) => v === SETBACK_C)).toBe(SETBACK_C);
    // An operator asks for 14 °C: it holds the operator level, below safety.
    const posted = await world.command("heating_setpoint_c", 14, "night setback");
    expect(posted.status).toBe(202);
    await waitFor(deviceSetpoint, (v) => v === 14);
    const held = await waitFor(deviceSetpoint, (v) => v === FROST.setpointC, 60_000);
    expect(held).toBe(FROST.setpointC);
    // It acted on a cold room, not before: the room was below the threshold when the setpoint went up.
    expect(sim.truth().building!.indoorC).toBeLessThan(FROST.below + 0.5);
    const point = await waitFor(heatingPoint, (p) => p?.effective?.priority === "safety");
    expect(point.effective).toMatchObject({ value: FROST.setpointC, holder: "safety:frost_protection" });
  }, 90_000);

  it("releases the safety level once the room is back above 18 °C, and the operator's command acts again", async () => {
    const back = await waitFor(deviceSetpoint, (v) => v === 14, 60_000);
    expect(back).toBe(14);
    expect(sim.truth().building!.indoorC).toBeGreaterThan(FROST.below + FROST.deadband - 0.5);
    // On the device: setback, the operator's 14, frost protection, the operator's 14 again.
    await new Promise((r) => setTimeout(r, 200)); // the sampler's next look
    const written = setpoints.filter((v) => v !== 21); // 21: the building's own before the agent's first write
    expect(written.slice(0, 4)).toEqual([SETBACK_C, 14, FROST.setpointC, 14]);
    const events = await waitFor(
      async () =>
        ((await api(c.tokens.energy, "GET", "/api/v1/control/events?asset=H01")).body.events ?? []).filter(
          (e: { kind: string }) => e.kind === "interlock",
        ) as { detail: string; point: string; at: number }[],
      (e) => e.length >= 2,
    );
    const ordered = [...events].sort((a, b) => a.at - b.at).slice(0, 2);
    expect(ordered.map((e) => e.point)).toEqual(["heating_setpoint_c", "heating_setpoint_c"]);
    expect(ordered[0]!.detail).toMatch(/^frost_protection: scada\.indoor_temp_c < 16 holds/);
    expect(ordered[1]!.detail).toMatch(/^frost_protection: scada\.indoor_temp_c < 16 released/);
  }, 90_000);
});
