// The control state file after a crash or a power cut (store.ts: the WAL is
// synced at an interval, so a power cut may take the commits of the last
// interval, a suffix, never a part of one). A power cut is played by
// restarting on a copy of the file taken at an earlier moment (what the
// disk may hold after one: a prefix of the commits); a crash by kill -9 of
// a child process running the controller. Against the facility simulator's
// building controller over Modbus TCP. What must hold: the agent's own
// write is never taken for a change made at the device, a value it cannot
// explain is neither fought nor judged before central's desired state is
// back, and the command's reports are made (and sent) again.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AgentSyncResponse, ControlCommand } from "../../common/control.ts";
import type { FacilitySim } from "../../simulators/facility/index.ts";
import {
  CONTROL_ASSET,
  controlByHand,
  facilityControlConfig,
  startControlBench,
  startControlFacility,
} from "../../test/helpers/facility-control.ts";
import { STARTUP_JUDGE_MS } from "./controller.ts";
import type { RunningControl } from "./index.ts";
import type { ControlStore } from "./store.ts";

const root = join(import.meta.dirname, "..", "..");
const T0 = Date.UTC(2026, 0, 13, 7, 0, 0);
const STATE_FILE = "control.sqlite";
const AUTO = 3; // hvac_mode's relinquish default
const HEAT = 1;

const heat: ControlCommand = {
  id: "c1",
  asset: CONTROL_ASSET,
  point: "hvac_mode",
  value: HEAT,
  reason: "test",
  requestedAt: T0,
  requestedBy: "energy-manager",
};
const desired = (revision: number, commands: ControlCommand[]): AgentSyncResponse => ({
  revision,
  commands,
  schedules: {},
  limits: {},
});
const reportsOf = (store: ControlStore, id: string) =>
  store
    .peek(100_000)
    .items.flatMap((i) => (i.kind === "report" && i.report.id === id ? [i.report.state] : []));
const manualOverrides = (store: ControlStore) =>
  store.peek(100_000).items.filter((i) => i.kind === "event" && i.event.kind === "manual_override");

/** What the disk may hold after a power cut at this moment: the file and its WAL as committed so far. */
function snapshot(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const suffix of ["", "-wal"])
    if (existsSync(join(from, STATE_FILE + suffix)))
      copyFileSync(join(from, STATE_FILE + suffix), join(to, STATE_FILE + suffix));
}

describe("the control state file after a power cut (a copy of an earlier moment)", () => {
  let sim: FacilitySim;
  let now = T0;
  let root_: string;
  let control: RunningControl;
  let device: Awaited<ReturnType<typeof startControlBench>>["device"];
  let stopBench: () => Promise<void>;

  beforeAll(async () => {
    ({ sim, device, stop: stopBench } = await startControlBench(5, () => now));
  });
  afterAll(async () => {
    await stopBench?.();
  });
  beforeEach(() => {
    now = T0;
    root_ = mkdtempSync(join(tmpdir(), "vetra-control-cut-"));
  });
  afterEach(async () => {
    await control?.stop();
    rmSync(root_, { recursive: true, force: true });
  });

  const open = async (dir: string): Promise<RunningControl> =>
    controlByHand(facilityControlConfig(sim.modbusPort, dir), () => now);
  const tick = async (ms = 1000) => {
    now += ms;
    await control.controller.tick();
  };

  /**
   * Runs the agent up to the command `c1` confirmed at the device, with
   * copies of its file taken before the command came (`before`) and once it
   * was stored but before its write (`stored`); the agent is then stopped
   * and the device keeps what was written.
   */
  async function runUpToConfirmed(): Promise<{ before: string; stored: string }> {
    const live = join(root_, "live");
    control = await open(live);
    await tick(); // the relinquish defaults written and recorded
    expect(sim.truth().building!.controls.hvacMode).toBe(AUTO);
    const before = join(root_, "before");
    snapshot(live, before);
    control.controller.applyDesired(desired(1, [heat]));
    const stored = join(root_, "stored");
    snapshot(live, stored);
    await tick();
    expect(sim.truth().building!.controls.hvacMode).toBe(HEAT);
    expect(reportsOf(control.store, "c1")).toEqual(["delivered", "applied", "confirmed"]);
    await control.stop();
    return { before, stored };
  }

  it("keeps the desired state but lost the write's record: writes the command again and confirms it, no override", async () => {
    const { stored } = await runUpToConfirmed();
    control = await open(stored);
    expect(control.store.uncleanStart).toBe(true);
    expect(control.controller.revision).toBe(1);
    await tick();
    await tick();
    expect(sim.truth().building!.controls.hvacMode).toBe(HEAT);
    // `delivered` survived; the steps after it are made again (central takes a repeated one once).
    expect(reportsOf(control.store, "c1")).toEqual(["delivered", "applied", "confirmed"]);
    expect(manualOverrides(control.store)).toEqual([]);
  });

  it("lost the command and its write: leaves the device alone until central's state is back, then confirms it as its own write", async () => {
    const { before } = await runUpToConfirmed();
    control = await open(before);
    expect(control.store.uncleanStart).toBe(true);
    expect(control.controller.revision).toBe(0);
    for (let i = 0; i < 5; i++) await tick();
    // Its own relinquish default is what arbitration asks, but the device's HEAT is not explained yet: not fought.
    expect(sim.truth().building!.controls.hvacMode).toBe(HEAT);
    expect(manualOverrides(control.store)).toEqual([]);
    // Central's desired state still holds the command (it was never told it was confirmed).
    control.controller.applyDesired(desired(1, [heat]));
    await tick();
    expect(sim.truth().building!.controls.hvacMode).toBe(HEAT);
    expect(reportsOf(control.store, "c1")).toEqual(["delivered", "applied", "confirmed"]);
    expect(manualOverrides(control.store)).toEqual([]);
    const state = control.controller.states().find((s) => s.point === "hvac_mode")!;
    expect(state.effective).toMatchObject({ priority: "operator", value: HEAT, holder: "c1" });
  });

  it("an interlock writes a point whose value it cannot explain yet: safety is never held back", async () => {
    const { before } = await runUpToConfirmed();
    const interlocks = [
      {
        id: "overheat",
        when: { asset: CONTROL_ASSET, measurement: "scada", field: "indoor_temp_c", above: 30, deadband: 2 },
        force: { asset: CONTROL_ASSET, point: "hvac_mode", value: 2 },
      },
    ];
    control = await controlByHand(facilityControlConfig(sim.modbusPort, before, { interlocks }), () => now);
    await tick();
    expect(sim.truth().building!.controls.hvacMode).toBe(HEAT); // unexplained: left alone
    control.controller.observe([
      {
        measurement: "scada",
        tags: { site: "site-1", asset: CONTROL_ASSET },
        fields: { indoor_temp_c: 35 },
        ts: now,
      },
    ]);
    await tick();
    expect(sim.truth().building!.controls.hvacMode).toBe(2); // cool, at the safety level
    expect(manualOverrides(control.store)).toEqual([]);
  });

  it("a value it cannot explain is judged a change at the device once central answers without it", async () => {
    const { before } = await runUpToConfirmed();
    await device.writeRegister(4, 0); // off, at the device, while the agent was down
    control = await open(before);
    await tick();
    expect(manualOverrides(control.store)).toEqual([]);
    control.controller.applyDesired(desired(2, []));
    await tick();
    expect(manualOverrides(control.store)).toHaveLength(1);
    expect(sim.truth().building!.controls.hvacMode).toBe(0); // held, not fought
  });

  it("with central unreachable, a value it cannot explain is judged after STARTUP_JUDGE_MS and held, not fought", async () => {
    const { before } = await runUpToConfirmed();
    control = await open(before);
    await tick();
    await tick(STARTUP_JUDGE_MS - 5000);
    expect(manualOverrides(control.store)).toEqual([]);
    expect(sim.truth().building!.controls.hvacMode).toBe(HEAT);
    await tick(5000);
    expect(manualOverrides(control.store)).toHaveLength(1);
    for (let i = 0; i < 3; i++) await tick();
    expect(sim.truth().building!.controls.hvacMode).toBe(HEAT);
  });

  it("after a clean stop a change at the device is judged at once (nothing was lost)", async () => {
    const live = join(root_, "live");
    control = await open(live);
    await tick();
    await control.stop();
    await device.writeRegister(4, 2); // cool, at the device
    control = await open(live);
    expect(control.store.uncleanStart).toBe(false);
    await tick();
    expect(manualOverrides(control.store)).toHaveLength(1);
  });
});

function runAndKill(port: number, dir: string): Promise<void> {
  const configFile = join(dir, "agent.json");
  writeFileSync(configFile, JSON.stringify(facilityControlConfig(port, dir)));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(root, "bin", "run-ts.js"), join(root, "test/helpers/crash-controller.ts"), configFile],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      // Killed while it goes on ticking (reading back, storing), not at a quiet moment.
      if (chunk.toString().includes("confirmed")) setTimeout(() => child.kill("SIGKILL"), 150);
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`controller exited ${code}: ${stderr}`));
      else resolve();
    });
  });
}

describe("the control state file after kill -9", () => {
  let sim: FacilitySim;
  let dir: string;
  let control: RunningControl | undefined;

  beforeAll(async () => {
    sim = await startControlFacility(6);
    dir = mkdtempSync(join(tmpdir(), "vetra-control-kill-"));
  });
  afterAll(async () => {
    await control?.stop();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps every committed record: the command, its reports, the write; no override, nothing reported twice", {
    timeout: 60_000,
  }, async () => {
    await runAndKill(sim.modbusPort, dir);
    const db = new Database(join(dir, STATE_FILE));
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
    control = await controlByHand(facilityControlConfig(sim.modbusPort, dir));
    expect(control.store.uncleanStart).toBe(true);
    expect(control.controller.revision).toBe(1);
    // Not yet acknowledged by central: every report is still there to be sent.
    expect(reportsOf(control.store, "c1")).toEqual(["delivered", "applied", "confirmed"]);
    await control.controller.tick();
    control.controller.applyDesired(desired(1, [{ ...heat, requestedAt: Date.now() }]));
    await control.controller.tick();
    expect(sim.truth().building!.controls.hvacMode).toBe(HEAT);
    expect(reportsOf(control.store, "c1")).toEqual(["delivered", "applied", "confirmed"]);
    expect(manualOverrides(control.store)).toEqual([]);
  });
});
