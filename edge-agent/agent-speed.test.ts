// A waveform point whose shaft speed comes from another source: the CMS
// unit's blocks carry no speed, the turbine controller's Modbus register
// does (speedFrom). The block's features are computed at that speed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestBatch, Point } from "../common/wire.ts";
import { start as startTurbine, TURBINE_MODBUS_MAP, type TurbineSim } from "../simulators/turbine/index.ts";
import { type RunningAgent, startAgent } from "./agent.ts";
import { parseAgentConfig } from "./config.ts";
import type { UplinkTransport } from "./uplink/transport.ts";

describe("waveform speed from another source's register (speedFrom)", () => {
  let dir: string;
  let sim: TurbineSim;
  let agent: RunningAgent;
  const sent: Point[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-speed-from-"));
    sim = await startTurbine({
      assetId: "T01",
      samples: 4096,
      waveformRefreshMs: 3_600_000,
      scadaRefreshMs: 3_600_000,
      cms: { bufferSlots: 2 },
    });
    const rotor = TURBINE_MODBUS_MAP.find((r) => r.field === "rotor_speed_rpm")!;
    const mb = sim.cms!.nodeIds.points.main_bearing;
    // An in-process transport: what the uplink would send, acknowledged.
    const transport: UplinkTransport = {
      async send(batch: IngestBatch) {
        sent.push(...batch.points);
        return {
          kind: "success",
          value: { batchId: batch.batchId, accepted: batch.points.length, duplicate: false },
        };
      },
    };
    agent = await startAgent(
      parseAgentConfig({
        agent: { id: "wf1-agent", site: "wf1" },
        central: { url: "http://127.0.0.1:9", token: "t", flushIntervalMs: 50 },
        queue: { dir: join(dir, "q"), kind: "memory" },
        diagnostics: { enabled: false },
        sources: [
          {
            kind: "modbus",
            id: "t01-controller",
            host: "127.0.0.1",
            port: sim.modbusPort,
            asset: "T01",
            intervalMs: 100,
            registers: [
              { address: rotor.address, type: "float32", measurement: "scada", field: "rotor_speed_rpm" },
            ],
          },
          {
            kind: "opcua",
            id: "t01-cms",
            endpoint: sim.opcuaEndpoint,
            asset: "T01",
            publishingIntervalMs: 100,
            waveforms: [
              {
                point: "main_bearing",
                component: "main_bearing",
                waveformNodeId: mb.waveform,
                sampleRateNodeId: mb.sampleRateHz,
                timestampNodeId: mb.acquisitionTime,
                counts: { voltsPerCount: 20 / 65536, sensitivityMvPerG: 100 },
                speedFrom: { measurement: "scada", field: "rotor_speed_rpm" },
              },
            ],
          },
        ],
      }),
      { log: () => {}, transport },
    );
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stamps the block's features with the controller's rotor speed", async () => {
    await expect.poll(() => sent.some((p) => p.measurement === "scada"), { timeout: 10_000 }).toBe(true);
    sim.refreshWaveforms();
    await expect
      .poll(() => sent.some((p) => p.measurement === "vibration" && p.fields.speed_rpm !== undefined), {
        timeout: 20_000,
      })
      .toBe(true);
    const vib = sent.find((p) => p.measurement === "vibration" && p.fields.speed_rpm !== undefined)!;
    expect(Math.fround(vib.fields.speed_rpm!)).toBe(Math.fround(sim.truth().scada.rotor_speed_rpm));
  }, 60_000);
});
