// Waveform blocks of the turbine simulator's physics as an OPC UA CMS source
// hands them to the diagnostics: 65 536 samples at 25.6 kHz in g, one every
// 5 s from a fixed start, the shaft at the simulator's rotor or generator
// speed. The caller owns the random source, so a test chooses whether blocks
// share one stream or each has a seed of its own.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { turbineDiagnostics, turbineSources } from "../../cli/demo-fleet.ts";
import type { TurbinePointId } from "../../common/names.ts";
import { TurbinePoints } from "../../common/names.ts";
import { type AgentConfig, parseAgentConfig } from "../../edge-agent/config.ts";
import { DiagnosticsMonitor } from "../../edge-agent/diagnostics/monitor.ts";
import type { WaveformBlock } from "../../edge-agent/sources/source.ts";
import { type FaultSpec, synthesizeBlock, TURBINE_POINTS } from "../../simulators/turbine/physics.ts";

/** Timestamp of block 0, UTC ms. */
export const BLOCK_T0_MS = Date.UTC(2026, 4, 1, 8, 0, 0);
export const BLOCK_PERIOD_MS = 5000;
export const ROTOR_RPM = 12;
/** Behind a 1:110 gearbox. */
export const GENERATOR_RPM = ROTOR_RPM * 110;

export interface BlockRequest {
  readonly asset: string;
  readonly point: TurbinePointId;
  /** Block number: its sequence and its place in time. */
  readonly sequence: number;
  readonly rng: () => number;
  readonly faults?: readonly FaultSpec[];
  readonly samples?: number;
  /** Shaft speed; default the rotor's or the generator's, by the point's shaft. */
  readonly rpm?: number;
}

export function simulatedBlock(r: BlockRequest): WaveformBlock {
  const model = TURBINE_POINTS[r.point];
  const rpm = r.rpm ?? (model.shaft === "rotor" ? ROTOR_RPM : GENERATOR_RPM);
  const out = new Float32Array(r.samples ?? 65_536);
  synthesizeBlock({
    point: model,
    shaftHz: rpm / 60,
    faults: r.faults ?? [],
    sampleRateHz: 25_600,
    rng: r.rng,
    out,
  });
  return {
    sourceId: "cms",
    asset: r.asset,
    point: r.point,
    component: TurbinePoints[r.point].component,
    samples: out,
    sampleRateHz: 25_600,
    unit: "g",
    speedRpm: rpm,
    sequence: r.sequence,
    ts: BLOCK_T0_MS + r.sequence * BLOCK_PERIOD_MS,
  };
}

/**
 * The diagnostics section of a turbine agent's config as the agent parses it:
 * the demo's machines and OPC UA waveforms for `asset`, with `overrides` on top.
 */
export function turbineDiagnosticsConfig(
  asset: string,
  dataDir: string,
  overrides: Record<string, unknown> = {},
): AgentConfig["diagnostics"] {
  return parseAgentConfig({
    agent: { id: "wf1-agent", site: "wf1" },
    central: { url: "http://127.0.0.1:1", token: "t" },
    queue: { dir: dataDir },
    diagnostics: { ...turbineDiagnostics([asset]), ...overrides },
    sources: turbineSources(asset, { host: "127.0.0.1", port: 1 }, "opc.tcp://127.0.0.1:1", dataDir),
  }).diagnostics;
}

/**
 * The diagnostics monitor of `asset` at site wf1 with the config above, on a
 * fresh data dir removed when the test ends, or on `dataDir` (a restart on the
 * files an earlier monitor of the same test left); what it logs is kept in `log`.
 */
export function turbineMonitor(
  asset: string,
  diagnostics: Record<string, unknown> = {},
  dataDir?: string,
): { monitor: DiagnosticsMonitor; dataDir: string; log: string[] } {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "vetra-monitor-"));
  if (dataDir === undefined) onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const log: string[] = [];
  const monitor = new DiagnosticsMonitor({
    site: "wf1",
    config: turbineDiagnosticsConfig(asset, dir, diagnostics),
    dataDir: dir,
    log: (line) => log.push(line),
  });
  return { monitor, dataDir: dir, log };
}
