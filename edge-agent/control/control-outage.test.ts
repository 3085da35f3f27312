// The building keeps its schedule with central down: the agent runs a
// schedule across two simulated days (the second a holiday) with the sync
// route unreachable, then central returns and receives every transition,
// in order, nothing lost. Central's real sync route is not on this branch:
// a small fastify stub of `POST /api/v1/control/agent/sync` stands in,
// checking requests against the contract's schema (common/control.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentSyncRequest,
  AgentSyncRequestSchema,
  type AgentSyncResponse,
  type ControlEvent,
} from "../../common/control.ts";
import type { FacilitySim } from "../../simulators/facility/index.ts";
import {
  CONTROL_ASSET,
  controlByHand,
  facilityControlConfig,
  startControlFacility,
} from "../../test/helpers/facility-control.ts";
import { freePort } from "../../test/helpers/ports.ts";
import type { RunningControl } from "./index.ts";
import { localTimeIn } from "./schedule.ts";

const ZONE = "Europe/Moscow";
// Monday 12 January 2026, 00:00 in Moscow (UTC+3, no DST).
const MONDAY = Date.UTC(2026, 0, 11, 21, 0, 0);

const desired: AgentSyncResponse = {
  revision: 4,
  commands: [],
  limits: {},
  schedules: {
    [CONTROL_ASSET]: {
      timeZone: ZONE,
      template: "school-weekday",
      points: [
        {
          point: "heating_setpoint_c",
          entries: [{ days: [1, 2, 3, 4, 5], from: "07:00", to: "18:00", value: 21 }],
          otherwise: 16,
        },
        {
          point: "lighting",
          entries: [{ days: [1, 2, 3, 4, 5], from: "07:30", to: "17:00", value: 1 }],
          otherwise: 0,
        },
      ],
      exceptions: [{ from: "2026-01-13", to: "2026-01-13", name: "regional holiday" }],
    },
  },
};

async function startStub(port: number, received: AgentSyncRequest[]): Promise<FastifyInstance> {
  const app = Fastify();
  app.post("/api/v1/control/agent/sync", async (req, reply) => {
    if (req.headers.authorization !== "Bearer t")
      return reply.code(401).send({ error: { code: "UNAUTHORIZED" } });
    if (!Value.Check(AgentSyncRequestSchema, req.body))
      return reply.code(400).send({ error: { code: "BAD_REQUEST" } });
    received.push(req.body as AgentSyncRequest);
    return desired;
  });
  await app.listen({ port, host: "127.0.0.1" });
  return app;
}

describe("a schedule across two days with central unreachable", () => {
  let sim: FacilitySim;
  let now = MONDAY;
  let dir: string;
  let control: RunningControl;
  let port: number;
  const received: AgentSyncRequest[] = [];

  beforeAll(async () => {
    sim = await startControlFacility(9, () => now);
    dir = mkdtempSync(join(tmpdir(), "vetra-control-outage-"));
    port = await freePort();
    const config = facilityControlConfig(
      sim.modbusPort,
      dir,
      { timeZone: ZONE, readBackIntervalMs: 60_000 },
      `http://127.0.0.1:${port}`,
    );
    control = await controlByHand(config, () => now);
  });
  afterAll(async () => {
    await control?.stop();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs every transition at local time while central is down and reports them all when it returns", async () => {
    // Central answers once (the schedule arrives), then stops.
    let stub = await startStub(port, received);
    expect(await control.sync.syncOnce(0)).toBe("synced");
    expect(control.controller.revision).toBe(4);
    await stub.close();

    const setpoints: { at: number; value: number }[] = [];
    const end = MONDAY + 2 * 86_400_000;
    let failedSyncs = 0;
    for (; now < end; now += 5 * 60_000) {
      await control.controller.tick();
      const sp = sim.truth().building!.controls.heatingSetpointC;
      if (setpoints.at(-1)?.value !== sp) setpoints.push({ at: now, value: sp });
      if (now % 3_600_000 === 0) {
        const outcome = await control.sync.syncOnce(0);
        expect(outcome).toMatchObject({ why: expect.stringMatching(/ECONNREFUSED/) });
        failedSyncs++;
      }
    }
    expect(failedSyncs).toBe(48);
    // The device followed the schedule: Monday 07:00 → 21, 18:00 → 16; Tuesday a holiday, no change.
    // (Ramped at 60 K/min, so each change is reached within a tick.)
    expect(
      setpoints.map((s) => [localTimeIn(ZONE, s.at).date, localTimeIn(ZONE, s.at).minutes, s.value]),
    ).toEqual([
      ["2026-01-12", 0, 16],
      ["2026-01-12", 7 * 60, 21],
      ["2026-01-12", 18 * 60, 16],
    ]);

    // Central returns: one sync carries everything that happened, in order.
    stub = await startStub(port, received);
    try {
      expect(await control.sync.syncOnce(0)).toBe("synced");
    } finally {
      await stub.close();
    }
    const events = received.flatMap((r) => r.events).filter((e) => e.kind === "transition");
    const seen = events.map((e: ControlEvent) => [
      e.point,
      localTimeIn(ZONE, e.at).date,
      localTimeIn(ZONE, e.at).minutes,
      e.value,
      e.detail,
    ]);
    expect(seen).toEqual([
      ["heating_setpoint_c", "2026-01-12", 0, 16, "otherwise"],
      ["lighting", "2026-01-12", 0, 0, "otherwise"],
      ["heating_setpoint_c", "2026-01-12", 7 * 60, 21, "entry 0"],
      ["lighting", "2026-01-12", 7 * 60 + 30, 1, "entry 0"],
      ["lighting", "2026-01-12", 17 * 60, 0, "otherwise"],
      ["heating_setpoint_c", "2026-01-12", 18 * 60, 16, "otherwise"],
    ]);
    const last = received.at(-1)!;
    expect(last.revision).toBe(4);
    expect(last.declarations.map((d) => d.point).sort()).toEqual([
      "heating_setpoint_c",
      "hvac_mode",
      "lighting",
      "ventilation_pct",
    ]);
    expect(last.states.find((s) => s.point === "heating_setpoint_c")?.effective).toMatchObject({
      value: 16,
      priority: "schedule",
      holder: "schedule:school-weekday",
    });
    // Acknowledged: the outbox is empty, nothing is sent twice.
    const store = (control.controller as unknown as { opts: { store: { outboxSize(): number } } }).opts.store;
    expect(store.outboxSize()).toBe(0);
  });
});
