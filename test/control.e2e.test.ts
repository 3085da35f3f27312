// The whole control path with real parts: central, the edge agent (its
// long-poll sync over its own channel) and the facility simulator's
// building controller over Modbus TCP. A command posted to central is
// written by the agent, read back from the device and confirmed; relinquished,
// the point returns to its relinquish default; out of range is refused by
// central, a forged command by the edge.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CONTROL_POINTS, facilityControlPoints, facilitySources } from "../cli/demo-fleet.ts";
import { type RunningAgent, startAgent } from "../edge-agent/agent.ts";
import { parseAgentConfig } from "../edge-agent/config.ts";
import { type FacilitySim, start as startFacility } from "../simulators/facility/index.ts";
import { startTestCentral, type TestCentral } from "./helpers/central.ts";
import { FIXTURE_FLEET } from "./helpers/central-fixture.ts";
import { callJson } from "./helpers/json-api.ts";
import { waitFor } from "./helpers/until.ts";

describe("control end to end: central → agent → Modbus device → read back → confirmed", () => {
  let c: TestCentral;
  let sim: FacilitySim;
  let agent: RunningAgent;
  let dir: string;
  const api = (token: string, method: string, path: string, body?: unknown) =>
    callJson(c, token, method, path, body);
  const stateOf = async (id: string) =>
    (await api(c.tokens.energy, "GET", `/api/v1/control/commands/${id}`)).body.command;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-control-e2e-"));
    c = await startTestCentral({
      config: {
        assets: FIXTURE_FLEET.assets.map((a) =>
          a.id === "H01" ? { ...a, points: DEMO_CONTROL_POINTS.map((id) => ({ id })) } : a,
        ),
      },
    });
    sim = await startFacility({ assetId: "H01", kind: "hospital", modbusPort: 0, seed: 7, control: true });
    const sources = facilitySources("H01", { host: "127.0.0.1", port: sim.modbusPort });
    const config = parseAgentConfig({
      agent: { id: "h01-agent", site: "fac-h01" },
      central: {
        url: c.url,
        token: await c.meta.tokens.create({ role: "agent", site: "fac-h01", label: "edge h01" }),
      },
      queue: { dir: join(dir, "queue") },
      sources,
      control: {
        points: facilityControlPoints("H01", "hospital", sources[0]!.id, {
          maxRatePerMinute: 600,
          minWriteIntervalMs: 100,
        }),
        tickMs: 100,
        readBackIntervalMs: 500,
        syncWaitMs: 5000,
      },
    });
    agent = await startAgent(config, { log: (line) => process.env.CONTROL_E2E_LOG && console.log(line) });
    // The agent's first sync declares its points.
    await waitFor(
      () => api(c.tokens.energy, "GET", "/api/v1/control/points?asset=H01"),
      (r) => r.body.points?.length === 3,
    );
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await sim?.stop();
    await c?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("learns the points from the agent, with the edge's limits and critical flags", async () => {
    const { points } = (await api(c.tokens.energy, "GET", "/api/v1/control/points?asset=H01")).body;
    expect(points.map((p: { point: string; critical: boolean }) => [p.point, p.critical])).toEqual([
      ["heating_setpoint_c", false],
      ["hvac_mode", true],
      ["lighting", false],
    ]);
  });

  it("writes a setpoint commanded at central to the device, reads it back and confirms it", async () => {
    const posted = await api(c.tokens.energy, "POST", "/api/v1/control/commands", {
      asset: "H01",
      point: "heating_setpoint_c",
      value: 18.5,
      reason: "e2e setback",
    });
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
    const posted = await api(c.tokens.energy, "POST", "/api/v1/control/commands", {
      asset: "H01",
      point: "lighting",
      value: 0,
      reason: "e2e lights off",
    });
    const done = await waitFor(
      () => stateOf(posted.body.command.id),
      (cmd) => ["confirmed", "failed", "refused"].includes(cmd.state),
    );
    expect(done.state).toBe("confirmed");
    expect(sim.truth().registers.lighting_zone_1).toBe(0);
  });

  it("refuses out of range at central; a critical point needs an override", async () => {
    const out = await api(c.tokens.energy, "POST", "/api/v1/control/commands", {
      asset: "H01",
      point: "heating_setpoint_c",
      value: 29,
      reason: "too warm",
    });
    expect(out.status).toBe(400);
    const critical = await api(c.tokens.energy, "POST", "/api/v1/control/commands", {
      asset: "H01",
      point: "hvac_mode",
      value: 0,
      reason: "off",
    });
    expect(critical.status).toBe(400);
  });
});
