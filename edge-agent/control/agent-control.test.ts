// The whole agent with control declared: the facility simulator's building
// controller over Modbus TCP, and a stand-in for central (fastify on
// loopback) that accepts ingest and answers the control sync by long poll
// — central's real sync route is not on this branch. A command posted to
// the stand-in reaches the device through the agent's own loop, the
// `confirmed` report comes back at once (the report wakes the long poll),
// and `control` points travel through the normal uplink queue.
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
} from "../../common/control.ts";
import type { IngestBatch, Point } from "../../common/wire.ts";
import { type FacilitySim, start as startFacility } from "../../simulators/facility/index.ts";
import { CONTROL_ASSET, facilityControlConfig } from "../../test/helpers/facility-control.ts";
import { freePort } from "../../test/helpers/ports.ts";
import { until } from "../../test/helpers/until.ts";
import { type RunningAgent, startAgent } from "../agent.ts";

describe("agent with control against a stand-in for central", () => {
  let sim: FacilitySim;
  let app: FastifyInstance;
  let agent: RunningAgent;
  let dir: string;
  const syncs: AgentSyncRequest[] = [];
  const points: Point[] = [];
  let state: AgentSyncResponse = { revision: 1, commands: [], schedules: {}, limits: {} };
  const waiting = new Set<() => void>();
  const publish = (next: AgentSyncResponse) => {
    state = next;
    for (const wake of waiting) wake();
  };

  beforeAll(async () => {
    sim = await startFacility({ assetId: CONTROL_ASSET, kind: "school", seed: 5, control: true });
    dir = mkdtempSync(join(tmpdir(), "vetra-agent-control-"));
    app = Fastify();
    app.post("/api/v1/ingest", async (req) => {
      const batch = req.body as IngestBatch;
      points.push(...batch.points);
      return { batchId: batch.batchId, accepted: batch.points.length, duplicate: false };
    });
    app.post("/api/v1/control/agent/sync", async (req, reply) => {
      if (req.headers.authorization !== "Bearer t") return reply.code(401).send({});
      if (!Value.Check(AgentSyncRequestSchema, req.body)) return reply.code(400).send({});
      const body = req.body as AgentSyncRequest;
      syncs.push(body);
      if (body.revision === state.revision && body.waitMs > 0) {
        // Long poll: hold the request until the desired state moves or the wait is over.
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiting.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, body.waitMs);
          waiting.add(wake);
        });
      }
      return state;
    });
    const port = await freePort();
    await app.listen({ port, host: "127.0.0.1" });
    const config = facilityControlConfig(
      sim.modbusPort,
      dir,
      { syncWaitMs: 5000, tickMs: 100, readBackIntervalMs: 2000 },
      `http://127.0.0.1:${port}`,
    );
    agent = await startAgent(
      { ...config, central: { ...config.central, flushIntervalMs: 100 } },
      { log: () => {} },
    );
  });
  afterAll(async () => {
    await agent?.stop();
    for (const wake of waiting) wake();
    await app?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies a command from the long poll, reports it confirmed and sends control points through the uplink", async () => {
    await until("the first sync", () => (syncs.length > 0 ? true : undefined), 10_000);
    expect(syncs[0]?.declarations.map((d) => d.point).sort()).toEqual([
      "heating_setpoint_c",
      "hvac_mode",
      "lighting",
      "ventilation_pct",
    ]);
    const started = Date.now();
    publish({
      revision: 2,
      commands: [
        {
          id: "cmd-1",
          asset: CONTROL_ASSET,
          point: "hvac_mode",
          value: 1,
          reason: "test",
          requestedAt: started,
          requestedBy: "em",
        },
      ],
      schedules: {},
      limits: {},
    });
    await until(
      "the device in heat mode",
      () => (sim.truth().building!.controls.hvacMode === 1 ? true : undefined),
      10_000,
    );
    const appliedMs = Date.now() - started;
    const confirmed = await until(
      "the confirmed report",
      () => syncs.flatMap((s) => s.reports).find((r) => r.id === "cmd-1" && r.state === "confirmed"),
      10_000,
    );
    const reportedMs = confirmed.at - started;
    // A 100 ms tick and a long poll answered at once: far under a second on loopback.
    expect(appliedMs).toBeLessThan(2000);
    expect(reportedMs).toBeLessThan(2000);
    expect(
      syncs
        .flatMap((s) => s.reports)
        .filter((r) => r.id === "cmd-1")
        .map((r) => r.state),
    ).toEqual(["delivered", "applied", "confirmed"]);
    const control = await until(
      "control points in the uplink",
      () => {
        const mine = points.filter((x) => x.measurement === "control" && x.tags.point === "hvac_mode");
        return mine.some((x) => x.fields.effective === 1) ? mine : undefined;
      },
      10_000,
    );
    // First the operator's value is commanded (the write may wait for minWriteIntervalMs), then written and read back.
    expect(control.at(-1)?.fields).toEqual({ commanded: 1, priority: 2, effective: 1, actual: 1 });
    expect(control.at(-1)?.tags).toEqual({ site: "site-1", asset: CONTROL_ASSET, point: "hvac_mode" });
  });
});
