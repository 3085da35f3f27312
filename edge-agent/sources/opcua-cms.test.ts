// The OPC UA source against a third-party CMS dialect (simulators/turbine/cms.ts)
// on a real OPC UA server on loopback: its own namespace URI whose index
// moves on restart, numeric and string node ids, an acquisition DateTime as
// the block trigger, raw ADC counts, shaft speed in Hz, a ring buffer of
// recent blocks. And node ids the server does not have, or that skipped
// config validation: counted errors naming the node, never a crash.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode } from "../../common/errors.ts";
import type { Point } from "../../common/wire.ts";
import {
  start as startTurbine,
  type TurbineSim,
  type TurbineSimOptions,
} from "../../simulators/turbine/index.ts";
import { until } from "../../test/helpers/until.ts";
import { type OpcuaSourceConfig, parseAgentConfig } from "../config.ts";
import { createOpcuaSource } from "./opcua.ts";
import type { Source, SourceSink, WaveformBlock } from "./source.ts";

const ASSET = "T07";
const SLOTS = 6;
const DELAY_MS = 7000;

/** The simulator as the CMS, its waveforms and SCADA changed only when a test refreshes them (their timers once an hour). */
const startCms = (opts: Pick<TurbineSimOptions, "samples" | "sampleRateHz" | "cms">): Promise<TurbineSim> =>
  startTurbine({ assetId: ASSET, waveformRefreshMs: 3_600_000, scadaRefreshMs: 3_600_000, ...opts });

function cmsSource(sim: TurbineSim, extraScalars: Record<string, unknown>[] = []): OpcuaSourceConfig {
  const mb = sim.cms!.nodeIds.points.main_bearing;
  const cfg = parseAgentConfig({
    agent: { id: "a", site: "wf1" },
    central: { url: "http://127.0.0.1:1", token: "t" },
    queue: { dir: ".unused" },
    sources: [
      {
        kind: "opcua",
        id: "t07-cms",
        endpoint: sim.opcuaEndpoint,
        asset: ASSET,
        publishingIntervalMs: 100,
        timeoutMs: 3000,
        scalars: [
          // Shaft speed in Hz as rpm: a scale of 60 on any node.
          { nodeId: mb.shaftSpeedHz, measurement: "scada", field: "rotor_speed_rpm", scale: 60 },
          ...extraScalars,
        ],
        waveforms: [
          {
            point: "main_bearing",
            component: "main_bearing",
            waveformNodeId: mb.waveform,
            sampleRateNodeId: mb.sampleRateHz,
            trigger: "timestamp",
            timestampNodeId: mb.acquisitionTime,
            speedNodeId: mb.shaftSpeedHz,
            speedUnit: "Hz",
            counts: { voltsPerCount: 20 / 65536, sensitivityMvPerG: 100 },
            buffer: {
              slots: mb.slots.map((s) => ({
                waveformNodeId: s.waveform,
                timestampNodeId: s.acquisitionTime,
              })),
            },
          },
        ],
      },
    ],
  });
  return cfg.sources[0] as OpcuaSourceConfig;
}

interface Run {
  source: Source;
  blocks: WaveformBlock[];
  /** When each block reached the sink, epoch ms. */
  arrivals: number[];
  points: Point[];
  errors: { code: ErrorCode; message: string }[];
}

async function run(config: OpcuaSourceConfig, dataDir: string, pkiDir: string): Promise<Run> {
  const r: Run = {
    source: createOpcuaSource(config, { site: "wf1", agentId: "a", pkiDir, dataDir, log: () => {} }),
    blocks: [],
    arrivals: [],
    points: [],
    errors: [],
  };
  const sink: SourceSink = {
    points: (p) => r.points.push(...p),
    waveform: (b) => {
      r.blocks.push(b);
      r.arrivals.push(Date.now());
    },
    error: (code, message) => r.errors.push({ code, message }),
  };
  await r.source.start(sink);
  return r;
}

const rms = (x: ArrayLike<number>): number => {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]!;
  mean /= x.length;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - mean) ** 2;
  return Math.sqrt(s / x.length);
};

describe("OPC UA source against a CMS with its own namespace, a DateTime trigger and a block buffer", () => {
  let sim: TurbineSim;
  let dir: string;
  let live: Run;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-cms-"));
    sim = await startCms({
      samples: 4096,
      sampleRateHz: 12_800,
      cms: { namespacesBefore: 1, bufferSlots: SLOTS, acquisitionDelayMs: DELAY_MS },
    });
    live = await run(cmsSource(sim), join(dir, "data"), join(dir, "pki"));
    await until("the block in place at subscription", () => (live.blocks.length >= 1 ? true : undefined));
  }, 60_000);
  afterAll(async () => {
    await live?.source.stop();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stamps a block with the device's acquisition time (7 s before it was published), not its arrival", async () => {
    const before = live.blocks.length;
    sim.refreshWaveforms();
    await expect.poll(() => live.blocks.length, { timeout: 20_000 }).toBe(before + 1);
    const block = live.blocks.at(-1)!;
    expect(block.ts).toBe(sim.cms!.acquisitions().at(-1));
    // It arrived at least the acquisition delay after the time it carries.
    expect(live.arrivals.at(-1)! - block.ts).toBeGreaterThanOrEqual(DELAY_MS);
  });

  it("scales raw counts with the ADC scale and sensitivity to g, and the shaft speed from Hz to rpm", () => {
    const block = live.blocks.at(-1)!;
    const truth = sim.truth().points.main_bearing;
    expect(block.unit).toBe("g");
    expect(block.sampleRateHz).toBe(12_800);
    // One count is 0.003 g: quantisation changes the RMS by far less than that.
    expect(Math.abs(rms(block.samples) - truth.transmitter.a_rms_g)).toBeLessThan(sim.cms!.gPerCount);
    expect(block.speedRpm!).toBeCloseTo(truth.shaftHzEnd * 60, 6);
    const speed = live.points.filter((p) => p.fields.rotor_speed_rpm !== undefined).at(-1)!;
    expect(speed.fields.rotor_speed_rpm).toBeCloseTo(truth.shaftHzEnd * 60, 6);
  });

  it("resolves nsu= by URI at every connect: after a restart that moves the namespace index, blocks keep coming", async () => {
    const indexBefore = sim.cms!.namespaceIndex();
    const before = live.blocks.length;
    await sim.restartOpcua({ cmsNamespacesBefore: 3 });
    expect(sim.cms!.namespaceIndex()).toBe(indexBefore + 2);
    // The restart published a block; it arrives once the source has reconnected.
    await expect.poll(() => live.blocks.length, { timeout: 40_000, interval: 200 }).toBeGreaterThan(before);
    expect(live.blocks.at(-1)!.ts).toBe(sim.cms!.acquisitions().at(-1));
  }, 60_000);

  it("reads the blocks published while it was disconnected from the device's buffer, oldest first, each once", async () => {
    const seen = new Set(live.blocks.map((b) => b.ts));
    const from = sim.cms!.acquisitions().length;
    await sim.stopOpcua();
    await expect
      .poll(() => live.errors.some((e) => e.code === "SOURCE_DISCONNECTED"), { timeout: 20_000 })
      .toBe(true);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 20));
      sim.refreshWaveforms();
    }
    await sim.startOpcua(); // publishes one more
    const missed = sim.cms!.acquisitions().slice(from);
    expect(missed).toHaveLength(4);
    await expect
      .poll(() => live.blocks.filter((b) => !seen.has(b.ts)).map((b) => b.ts), {
        timeout: 40_000,
        interval: 200,
      })
      .toEqual(missed);
  }, 60_000);

  it("after an agent restart, delivers what the device buffered meanwhile and nothing twice", async () => {
    const config = cmsSource(sim);
    const delivered = new Set(live.blocks.map((b) => b.ts));
    await live.source.stop();
    const from = sim.cms!.acquisitions().length;
    sim.refreshWaveforms();
    await new Promise((r) => setTimeout(r, 20));
    sim.refreshWaveforms();
    const next = await run(config, join(dir, "data"), join(dir, "pki"));
    live = next;
    const missed = sim.cms!.acquisitions().slice(from);
    await expect.poll(() => next.blocks.map((b) => b.ts), { timeout: 40_000, interval: 200 }).toEqual(missed);
    for (const b of next.blocks) expect(delivered.has(b.ts)).toBe(false);
  }, 60_000);
});

describe("OPC UA source: nodes the server does not have, node ids that skipped validation", () => {
  let sim: TurbineSim;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-cms-bad-"));
    sim = await startCms({ samples: 1024, cms: { bufferSlots: 2 } });
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an unknown namespace URI or node is a counted error naming the node and its key; the other points go on", async () => {
    const config = cmsSource(sim, [
      { nodeId: "nsu=urn:nobody:here;i=5", measurement: "scada", field: "power_kw" },
      { nodeId: "ns=1;s=T07.NoSuchNode", measurement: "scada", field: "wind_speed_m_s" },
    ]);
    const r = await run(config, join(dir, "a"), join(dir, "pki"));
    try {
      await expect.poll(() => r.blocks.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
      const unknown = r.errors.filter((e) => e.code === "SOURCE_NODE_UNKNOWN").map((e) => e.message);
      expect(
        unknown.some(
          (m) => m.includes("scalars[1].nodeId nsu=urn:nobody:here;i=5") && m.includes("no namespace"),
        ),
      ).toBe(true);
      expect(
        unknown.some(
          (m) => m.includes("scalars[2].nodeId ns=1;s=T07.NoSuchNode") && m.includes("BadNodeIdUnknown"),
        ),
      ).toBe(true);
      await expect
        .poll(() => r.points.some((p) => p.fields.rotor_speed_rpm !== undefined), { timeout: 10_000 })
        .toBe(true);
    } finally {
      await r.source.stop();
    }
  }, 60_000);

  it("a malformed node id that never went through config validation (ns=3,s=x) is an error, not a crash — on a unit slow to create subscriptions", async () => {
    // On a slow unit the old source closed its session while the subscription was still being
    // created; the late answer surfaced as an unhandled 'error' event that killed the process.
    await sim.stop();
    sim = await startTurbine({
      assetId: ASSET,
      samples: 1024,
      waveformRefreshMs: 3_600_000,
      scadaRefreshMs: 3_600_000,
      cms: { bufferSlots: 2 },
      opcuaSlowSubscriptionMs: 500,
    });
    const config = cmsSource(sim);
    // What a config without validation would hand the source: the typo the integrator made.
    const raw = {
      ...config,
      scalars: [{ nodeId: "ns=3,s=x", measurement: "scada", field: "power_kw", scale: 1, offset: 0 }],
      waveforms: [{ ...config.waveforms[0]!, sampleRateNodeId: "ns=2;i=notanumber" }],
    } as OpcuaSourceConfig;
    const r = await run(raw, join(dir, "b"), join(dir, "pki"));
    try {
      await expect
        .poll(() => r.errors.filter((e) => e.code === "SOURCE_NODE_UNKNOWN").map((e) => e.message), {
          timeout: 30_000,
        })
        .toEqual(
          expect.arrayContaining([
            expect.stringContaining('scalars[0].nodeId ns=3,s=x: "ns=3,s=x" is not a node id'),
            expect.stringContaining("waveforms[0] main_bearing: not read"),
          ]),
        );
      // Connected and subscribed despite them; the process is still here to say so.
      await new Promise((res) => setTimeout(res, 1500));
      expect(r.errors.filter((e) => e.code === "INTERNAL")).toEqual([]);
    } finally {
      await r.source.stop();
    }
  }, 60_000);
});
