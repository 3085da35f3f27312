// A facility under control with every real part, as the end-to-end control
// tests start it: central (the facility declaring the demo's control points),
// the facility simulator with its building controller writable, and the edge
// agent syncing with central over its own channel and writing over Modbus TCP.
// The tests differ in the limits the agent applies, the simulator's clock and
// building, and central's alarm settings; those are the options.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_CONTROL_POINTS, facilityControlPoints, facilitySources } from "../../cli/demo-fleet.ts";
import { type RunningAgent, startAgent } from "../../edge-agent/agent.ts";
import { parseAgentConfig } from "../../edge-agent/config.ts";
import {
  type FacilitySim,
  type FacilitySimOptions,
  start as startFacility,
} from "../../simulators/facility/index.ts";
import { startTestCentral, type TestCentral } from "./central.ts";
import { FIXTURE_FLEET } from "./central-fixture.ts";
import { callJson } from "./json-api.ts";
import { waitFor } from "./until.ts";

export interface ControlWorldOptions {
  /** The facility's asset; its site is `fac-<asset>` (default the fixture fleet's hospital H01). */
  asset?: string;
  kind?: "hospital" | "school";
  /** Central's config beside the fleet; default the fleet with the asset declaring the demo's control points. */
  central?: Record<string, unknown>;
  /** The simulator: seed, building parameters (`control`), clock. */
  facility: Pick<FacilitySimOptions, "seed" | "clock"> & { control?: FacilitySimOptions["control"] };
  /** Also read the building controller's indoor temperature. */
  indoor?: boolean;
  /** The agent's limits on every point. */
  limits: { maxRatePerMinute: number; minWriteIntervalMs: number };
  /** Relinquish defaults other than the demo's, by point. */
  failSafe?: Record<string, number>;
  /** The agent's control loop and read-back periods, ms. */
  tickMs: number;
  readBackIntervalMs: number;
  interlocks?: Record<string, unknown>[];
  /** How often the agent sends its queued points, ms (the agent's default if absent). */
  flushIntervalMs?: number;
  log?: (line: string) => void;
  /** Wait until central lists the points the agent declares (default true). */
  declared?: boolean;
}

export interface ControlWorld {
  c: TestCentral;
  sim: FacilitySim;
  agent: RunningAgent;
  asset: string;
  api(token: string, method: string, path: string, body?: unknown): ReturnType<typeof callJson>;
  /** The energy manager's command on one of the facility's points, as posted. */
  command(point: string, value: number, reason: string): ReturnType<typeof callJson>;
  /** The facility's points as central lists them to the energy manager. */
  points(): ReturnType<typeof callJson>;
  stop(): Promise<void>;
}

// Monday 12 January 2026, 09:00 in Moscow: a winter school morning for the simulated building.
const WINTER_MORNING_MS = Date.UTC(2026, 0, 12, 6, 0, 0);
const SPEEDUP = 60;

/**
 * A room that cools and warms in seconds, for the tests that watch it (comfort,
 * interlocks): the building's clock runs 60 times faster than the wall clock
 * from a winter morning and its time constant is one hour; the agent reads the
 * indoor temperature and sends it within 200 ms.
 */
export function fastRoom(
  seed: number,
): Pick<ControlWorldOptions, "facility" | "indoor" | "tickMs" | "readBackIntervalMs" | "flushIntervalMs"> {
  const t0 = Date.now();
  return {
    facility: {
      seed,
      control: { timeConstantH: 1 },
      clock: () => WINTER_MORNING_MS + (Date.now() - t0) * SPEEDUP,
    },
    indoor: true,
    tickMs: 200,
    readBackIntervalMs: 1000,
    flushIntervalMs: 200,
  };
}

export async function startControlWorld(opts: ControlWorldOptions): Promise<ControlWorld> {
  const asset = opts.asset ?? "H01";
  const kind = opts.kind ?? "hospital";
  const id = asset.toLowerCase();
  const site = `fac-${id}`;
  const dir = mkdtempSync(join(tmpdir(), "vetra-control-"));
  // What has started so far, stopped in reverse if a later part fails to start, and at the end.
  const started: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const stopAll = async () => {
    for (const stop of started.splice(0).reverse()) await stop();
  };
  try {
    const c = await startTestCentral({
      config: {
        assets: FIXTURE_FLEET.assets.map((a) =>
          a.id === asset ? { ...a, points: DEMO_CONTROL_POINTS.map((point) => ({ id: point })) } : a,
        ),
        ...opts.central,
      },
    });
    started.push(() => c.close());
    const sim = await startFacility({
      assetId: asset,
      kind,
      ...opts.facility,
      control: opts.facility.control ?? true,
    });
    started.push(() => sim.stop());
    const sources = facilitySources(
      asset,
      { host: "127.0.0.1", port: sim.modbusPort },
      { indoor: opts.indoor ?? false },
    );
    const points = facilityControlPoints(asset, kind, sources[0]!.id, opts.limits).map((p) => {
      const failSafe = opts.failSafe?.[p.point as string];
      return failSafe === undefined ? p : { ...p, failSafe };
    });
    const config = parseAgentConfig({
      agent: { id: `${id}-agent`, site },
      central: {
        url: c.url,
        token: await c.meta.tokens.create({ role: "agent", site, label: `edge ${id}` }),
        ...(opts.flushIntervalMs === undefined ? {} : { flushIntervalMs: opts.flushIntervalMs }),
      },
      queue: { dir: join(dir, "queue") },
      sources,
      control: {
        points,
        ...(opts.interlocks ? { interlocks: opts.interlocks } : {}),
        tickMs: opts.tickMs,
        readBackIntervalMs: opts.readBackIntervalMs,
        syncWaitMs: 5000,
      },
    });
    const agent = await startAgent(config, { log: opts.log ?? (() => {}) });
    started.push(() => agent.stop());
    const api = (token: string, method: string, path: string, body?: unknown) =>
      callJson(c, token, method, path, body);
    const world: ControlWorld = {
      c,
      sim,
      agent,
      asset,
      api,
      command: (point, value, reason) =>
        api(c.tokens.energy, "POST", "/api/v1/control/commands", { asset, point, value, reason }),
      points: () => api(c.tokens.energy, "GET", `/api/v1/control/points?asset=${asset}`),
      stop: stopAll,
    };
    // The agent's first sync declares its points.
    if (opts.declared ?? true) {
      await waitFor(world.points, (r) => r.body.points?.length === DEMO_CONTROL_POINTS.length);
    }
    return world;
  } catch (e) {
    await stopAll();
    throw e;
  }
}
