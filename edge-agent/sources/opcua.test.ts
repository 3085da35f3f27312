// The OPC UA source against the turbine simulator's real OPC UA server on loopback.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode } from "../../common/errors.ts";
import type { Point } from "../../common/wire.ts";
import { start as startTurbine, type TurbineSim } from "../../simulators/turbine/index.ts";
import { type OpcuaSourceConfig, parseAgentConfig } from "../config.ts";
import { computeFeatures } from "../dsp/features.ts";
import { createOpcuaSource } from "./opcua.ts";
import type { Source, WaveformBlock } from "./source.ts";

const ASSET = "T01";

function sourceConfig(sim: TurbineSim, endpoint = sim.opcuaEndpoint): OpcuaSourceConfig {
  const ids = sim.nodeIds;
  const mb = ids.points.main_bearing;
  const cfg = parseAgentConfig({
    agent: { id: "wf1-agent", site: "wf1" },
    central: { url: "http://127.0.0.1:1", token: "t" },
    queue: { dir: ".unused" },
    sources: [
      {
        kind: "opcua",
        id: "t01-opcua",
        endpoint,
        asset: ASSET,
        publishingIntervalMs: 100,
        timeoutMs: 3000,
        scalars: [
          { nodeId: ids.scada.RotorSpeedRpm, measurement: "scada", field: "rotor_speed_rpm" },
          { nodeId: ids.scada.PowerKw, measurement: "scada", field: "power_kw" },
        ],
        waveforms: [
          {
            point: "main_bearing",
            component: "main_bearing",
            waveformNodeId: mb.Waveform,
            sampleRateNodeId: mb.SampleRateHz,
            sequenceNodeId: mb.BlockSequence,
            speedNodeId: mb.SpeedRpm,
            unit: "g",
          },
        ],
      },
    ],
  });
  return cfg.sources[0] as OpcuaSourceConfig;
}

describe("OPC UA source against the turbine simulator", () => {
  let sim: TurbineSim;
  let pkiDir: string;
  const blocks: WaveformBlock[] = [];
  const points: Point[] = [];
  const errors: { code: ErrorCode; message: string }[] = [];
  let source: Source;

  beforeAll(async () => {
    pkiDir = mkdtempSync(join(tmpdir(), "vetra-opcua-pki-"));
    sim = await startTurbine({ assetId: ASSET, modbusPort: 0, opcuaPort: 0, waveformRefreshMs: 60_000 });
    source = createOpcuaSource(sourceConfig(sim), {
      site: "wf1",
      agentId: "wf1-agent",
      pkiDir,
      log: () => {},
    });
    await source.start({
      points: (p) => points.push(...p),
      waveform: (b) => blocks.push(b),
      error: (code, message) => errors.push({ code, message }),
    });
  });
  afterAll(async () => {
    await source?.stop();
    await sim?.stop();
    rmSync(pkiDir, { recursive: true, force: true });
  });

  it("delivers a 65536-sample block whose features can be computed, with the simulator's sequence and speed", async () => {
    sim.refreshWaveforms();
    await expect.poll(() => blocks.length, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(1);
    const truth = sim.truth();
    const block = blocks[blocks.length - 1]!;
    expect(block.samples.length).toBe(65_536);
    expect(block.sampleRateHz).toBe(truth.block.sampleRateHz);
    expect(block.sequence).toBe(truth.block.sequence);
    expect(block.speedRpm).toBeCloseTo(truth.points.main_bearing.speedRpm, 3);
    expect(block).toMatchObject({
      asset: ASSET,
      point: "main_bearing",
      component: "main_bearing",
      unit: "g",
    });
    const f = computeFeatures(block);
    expect(f.v_rms_mm_s).toBeGreaterThan(0);
    expect(f.kurtosis).toBeGreaterThan(2); // broadband noise plus tones, not a pure sine
  });

  it("a new block (new sequence) arrives once, and scalars come as scada points", async () => {
    const before = blocks.length;
    const lastSeq = blocks[blocks.length - 1]?.sequence ?? 0;
    sim.refreshWaveforms();
    await expect.poll(() => blocks.length, { timeout: 20_000, interval: 100 }).toBe(before + 1);
    expect(blocks[blocks.length - 1]!.sequence).toBeGreaterThan(lastSeq);
    await expect
      .poll(() => points.some((p) => p.fields.rotor_speed_rpm !== undefined), { timeout: 10_000 })
      .toBe(true);
    const speed = points.find((p) => p.fields.rotor_speed_rpm !== undefined)!;
    expect(speed).toMatchObject({ measurement: "scada", tags: { site: "wf1", asset: ASSET } });
    expect(Math.abs(speed.fields.rotor_speed_rpm! - sim.truth().scada.rotor_speed_rpm)).toBeLessThan(10);
  });

  it("trigger value: a change of the array itself announces a block, stamped with its DataValue's source time", async () => {
    const base = sourceConfig(sim);
    const { sequenceNodeId: _seq, ...w } = base.waveforms[0]!;
    const config: OpcuaSourceConfig = {
      ...base,
      id: "t01-value",
      scalars: [],
      waveforms: [{ ...w, trigger: "value" }],
    };
    const got: WaveformBlock[] = [];
    const valueSource = createOpcuaSource(config, {
      site: "wf1",
      agentId: "wf1-agent",
      pkiDir,
      log: () => {},
    });
    await valueSource.start({ points: () => {}, waveform: (b) => got.push(b), error: () => {} });
    try {
      await expect.poll(() => got.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
      sim.refreshWaveforms();
      await expect.poll(() => got.length, { timeout: 20_000 }).toBe(2);
      expect(got[1]!.ts).toBe(sim.truth().block.timestamp.getTime());
      expect(got[1]!.speedRpm).toBeCloseTo(sim.truth().points.main_bearing.speedRpm, 3);
      // No change, no block.
      await new Promise((r) => setTimeout(r, 800));
      expect(got).toHaveLength(2);
    } finally {
      await valueSource.stop();
    }
  });

  it("rebuilds session and subscription after the server restarts on the same port", async () => {
    const port = sim.opcuaPort;
    await sim.stop();
    await expect
      .poll(() => errors.some((e) => e.code === "SOURCE_DISCONNECTED"), { timeout: 20_000 })
      .toBe(true);
    sim = await startTurbine({
      assetId: ASSET,
      modbusPort: 0,
      opcuaPort: port,
      waveformRefreshMs: 60_000,
      seed: 99,
    });
    const before = blocks.length;
    await expect
      .poll(
        () => {
          sim.refreshWaveforms();
          return blocks.length;
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBeGreaterThan(before);
  });
});
