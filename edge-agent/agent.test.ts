// End to end: turbine simulator (Modbus + OPC UA) → agent → a local HTTP
// receiver that answers like central.
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VibrationFields } from "../common/names.ts";
import type { SpectrumIngest, SpectrumUpload } from "../common/spectrum.ts";
import type { IngestBatch, Point } from "../common/wire.ts";
import { start as startTurbine, type TurbineSim } from "../simulators/turbine/index.ts";
import { type RunningAgent, startAgent } from "./agent.ts";
import { parseAgentConfig } from "./config.ts";

const POINTS = { main_bearing: "main_bearing", gearbox_hss: "gearbox", generator_de: "generator" } as const;

describe("agent end to end", () => {
  let sim: TurbineSim;
  let dir: string;
  let receiver: Server;
  let agent: RunningAgent;
  const batches: IngestBatch[] = [];
  const snapshots: SpectrumUpload[] = [];
  let answer503 = true;
  const received = (): Point[] => batches.flatMap((b) => b.points);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-agent-"));
    sim = await startTurbine({
      assetId: "T01",
      modbusPort: 0,
      opcuaPort: 0,
      samples: 16_384,
      waveformRefreshMs: 1000,
      faults: [{ point: "generator_de", fault: "imbalance", severity: 0.6 }],
    });
    receiver = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (req.headers.authorization !== "Bearer agent-secret") {
        res.writeHead(401).end();
        return;
      }
      // Central is down at first: the agent must keep everything and deliver later.
      if (answer503) {
        res.writeHead(503, { "retry-after": "1", "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "STORE_UNAVAILABLE", message: "down" } }));
        return;
      }
      const body = JSON.parse(gunzipSync(Buffer.concat(chunks)).toString("utf8"));
      if (req.url === "/api/v1/ingest/spectrum") {
        snapshots.push(...(body as SpectrumIngest).snapshots);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ accepted: (body as SpectrumIngest).snapshots.length }));
        return;
      }
      const batch = body as IngestBatch;
      batches.push(batch);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ batchId: batch.batchId, accepted: batch.points.length, duplicate: false }));
    });
    receiver.listen(0, "127.0.0.1");
    await once(receiver, "listening");
    const { port } = receiver.address() as AddressInfo;
    const ids = sim.nodeIds;
    const config = parseAgentConfig({
      agent: { id: "wf1-agent", site: "wf1" },
      central: {
        url: `http://127.0.0.1:${port}`,
        token: "agent-secret",
        flushIntervalMs: 100,
        timeoutMs: 2000,
      },
      queue: { dir: join(dir, "queue") },
      metrics: { port: 0 },
      healthIntervalMs: 200,
      sources: [
        {
          kind: "modbus",
          id: "t01-modbus",
          host: "127.0.0.1",
          port: sim.modbusPort,
          intervalMs: 200,
          timeoutMs: 500,
          asset: "T01",
          registers: [
            { address: 0, type: "float32", measurement: "scada", field: "rotor_speed_rpm" },
            { address: 4, type: "float32", measurement: "scada", field: "power_kw" },
          ],
        },
        {
          kind: "opcua",
          id: "t01-opcua",
          endpoint: sim.opcuaEndpoint,
          asset: "T01",
          publishingIntervalMs: 200,
          waveforms: Object.entries(POINTS).map(([point, component]) => {
            const n = ids.points[point as keyof typeof POINTS];
            return {
              point,
              component,
              waveformNodeId: n.Waveform,
              sampleRateNodeId: n.SampleRateHz,
              sequenceNodeId: n.BlockSequence,
              speedNodeId: n.SpeedRpm,
            };
          }),
        },
      ],
    });
    agent = await startAgent(config, { log: () => {} });
  });

  afterAll(async () => {
    await agent?.stop();
    await sim?.stop();
    receiver?.closeAllConnections();
    receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("queues while central is down, then delivers SCADA, vibration features and its own health", async () => {
    await expect.poll(() => agent.stats().acquired, { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
    expect(agent.stats().queueDepth).toBeGreaterThan(0);
    expect(agent.stats().acked).toBe(0);
    answer503 = false;
    await expect
      .poll(
        () => {
          const got = received();
          return (
            got.some((p) => p.measurement === "agent") &&
            Object.keys(POINTS).every((pt) =>
              got.some((p) => p.measurement === "vibration" && p.tags.point === pt),
            )
          );
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(true);
    const got = received();
    const scada = got.find((p) => p.measurement === "scada")!;
    expect(scada.tags).toEqual({ site: "wf1", asset: "T01" });
    expect(scada.fields.rotor_speed_rpm).toBeGreaterThan(0);
    const vib = (pt: string) =>
      got.filter((p) => p.measurement === "vibration" && p.tags.point === pt).at(-1)!;
    expect(vib("main_bearing").tags).toEqual({ site: "wf1", asset: "T01", point: "main_bearing" });
    const fields = Object.keys(vib("main_bearing").fields);
    expect(fields).toEqual(
      expect.arrayContaining([
        "a_peak_g",
        "a_rms_g",
        "a_rms_m_s2",
        "crest_factor",
        "iso_zone",
        "kurtosis",
        "speed_rpm",
        "v_rms_mm_s",
      ]),
    );
    // Every field is one names.ts lists (units in the name).
    for (const f of fields) expect(Object.keys(VibrationFields)).toContain(f);
    expect(vib("main_bearing").fields.iso_zone).toBe(1); // healthy
    expect(vib("generator_de").fields.iso_zone).toBeGreaterThan(1); // imbalance 0.6
    const health = got.find((p) => p.measurement === "agent")!;
    expect(health.tags).toEqual({ site: "wf1", asset: "wf1", agent: "wf1-agent" });
    expect(Object.keys(health.fields).sort()).toEqual(
      [
        "acked",
        "acquired",
        "clock_jumps",
        "clock_step_s",
        "dropped",
        "lag_s",
        "queue_bytes",
        "queue_depth",
        "source_errors",
      ].sort(),
    );
    // Spectrum snapshots go by their own uplink once central answers: the first block of each point is one.
    await expect
      .poll(() => Object.keys(POINTS).every((pt) => snapshots.some((s) => s.point === pt)), {
        timeout: 10_000,
      })
      .toBe(true);
    expect(snapshots[0]).toMatchObject({ asset: "T01", reason: "scheduled" });
    // Batch ids are never reused for different contents.
    expect(new Set(batches.map((b) => b.batchId)).size).toBe(batches.length);
  });

  it("serves Prometheus metrics that match its stats", async () => {
    const text = await (await fetch(agent.metricsUrl!)).text();
    const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
    expect(value("vetra_agent_points_acquired_total")).toBeGreaterThan(0);
    expect(value("vetra_agent_points_acked_total")).toBeGreaterThan(0);
    expect(value("vetra_agent_points_acked_total")).toBeLessThanOrEqual(received().length);
    expect(text).toMatch(/^vetra_agent_queue_depth \d+/m);
    expect(text).toMatch(/^vetra_agent_queue_bytes \d+/m);
    expect(text).toMatch(/^vetra_agent_lag_seconds [\d.e+-]+/m);
    expect(value("vetra_agent_points_dropped_total")).toBe(0);
  });
});
