// The agent with its analysis pool on a turbine simulator (OPC UA waveforms,
// Modbus SCADA over loopback): a worker that dies mid-block (injected) costs
// that block only, the agent goes on analysing, and /metrics tells it —
// event-loop delay, Modbus poll time, backlog, blocks analysed and dropped,
// analysis time.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { turbineDiagnostics, turbineSources } from "../cli/demo-fleet.ts";
import { success } from "../common/result.ts";
import { start as startTurbine, type TurbineSim } from "../simulators/turbine/index.ts";
import { until } from "../test/helpers/until.ts";
import { type RunningAgent, startAgent } from "./agent.ts";
import { parseAgentConfig } from "./config.ts";
import { analysisWorkerEntry } from "./diagnostics/pool.ts";

const POINTS = 3;

/** `name{labels} value` lines of a Prometheus text page, by name and labels as written. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe("agent with an analysis worker that dies", () => {
  let dir: string;
  let sim: TurbineSim;
  let agent: RunningAgent;
  const logs: string[] = [];
  const flag = () => join(dir, "fault");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-agent-pool-"));
    process.env.VETRA_TEST_WORKER_FAULT = flag();
    sim = await startTurbine({ assetId: "T01", samples: 16_384, waveformRefreshMs: 3_600_000 });
    const config = parseAgentConfig({
      agent: { id: "wf1-agent", site: "wf1" },
      central: { url: "http://127.0.0.1:1", token: "t", flushIntervalMs: 100 },
      queue: { dir: join(dir, "queue"), kind: "memory" },
      metrics: { port: 0 },
      healthIntervalMs: 1000,
      diagnostics: { ...turbineDiagnostics(["T01"]), workers: 1 },
      sources: turbineSources("T01", { host: "127.0.0.1", port: sim.modbusPort }, sim.opcuaEndpoint, dir),
    });
    agent = await startAgent(config, {
      log: (l) => logs.push(l),
      transport: {
        send: async (batch) =>
          success({ batchId: batch.batchId, accepted: batch.points.length, duplicate: false }),
      },
      snapshotTransport: { send: async (r) => success({ accepted: r.snapshots.length }) },
      analysisWorker: {
        url: new URL("../test/fixtures/failing-analysis-worker.ts", import.meta.url),
        execArgv: analysisWorkerEntry().execArgv,
      },
    });
    await until("the first blocks analysed", () =>
      agent.stats().blocksAnalysed >= POINTS ? true : undefined,
    );
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("drops only the block the worker held, counts it, replaces the worker and analyses the next blocks", async () => {
    writeFileSync(flag(), "exit");
    sim.refreshWaveforms();
    await until("the crash", () => (agent.stats().analysisWorkerCrashes > 0 ? true : undefined));
    await until("the rest of that round", () => {
      const s = agent.stats();
      return s.blocksAnalysed + s.blocksDropped >= 2 * POINTS ? true : undefined;
    });
    for (let round = 3; round <= 4; round++) {
      sim.refreshWaveforms();
      await until(`round ${round}`, () =>
        agent.stats().blocksAnalysed >= round * POINTS - 1 ? true : undefined,
      );
    }
    const s = agent.stats();
    expect(s).toMatchObject({
      waveformBlocks: 4 * POINTS,
      blocksAnalysed: 4 * POINTS - 1,
      blocksDropped: 1,
      analysisWorkerCrashes: 1,
      analysisBacklog: 0,
    });
    expect(logs.join("\n")).toMatch(
      /an analysis worker ended \(exit code 70\), its block of T01 \S+ is dropped/,
    );
  }, 120_000);

  it("exports the analysis and the event loop on /metrics", async () => {
    // Modbus polls run every second: wait for a few after the first scrape starts a new interval.
    await fetch(agent.metricsUrl!);
    await new Promise((r) => setTimeout(r, 2500));
    const m = samples(await (await fetch(agent.metricsUrl!)).text());
    const s = agent.stats();
    expect(m.get("vetra_agent_blocks_analysed_total")).toBe(s.blocksAnalysed);
    expect(m.get('vetra_agent_blocks_dropped_total{reason="worker_crashed"}')).toBe(1);
    expect(m.get("vetra_agent_analysis_worker_crashes_total")).toBe(1);
    expect(m.get("vetra_agent_analysis_backlog_blocks")).toBe(0);
    expect(m.get("vetra_agent_analysis_workers")).toBe(1);
    expect(m.get("vetra_agent_block_analysis_seconds_count")).toBe(s.blocksAnalysed);
    expect(m.get("vetra_agent_block_analysis_seconds_sum")).toBeGreaterThan(0);
    for (const name of ["vetra_agent_event_loop_delay_seconds", "vetra_agent_modbus_poll_seconds"]) {
      const p50 = m.get(`${name}{quantile="0.5"}`)!;
      const p99 = m.get(`${name}{quantile="0.99"}`)!;
      const max = m.get(`${name}{quantile="1"}`)!;
      expect(p50, name).toBeGreaterThanOrEqual(0);
      expect(p50).toBeLessThanOrEqual(p99);
      expect(p99).toBeLessThanOrEqual(max);
    }
    // A poll over loopback takes some time; an idle loop's delay can read 0, a poll cannot.
    expect(m.get('vetra_agent_modbus_poll_seconds{quantile="0.5"}')).toBeGreaterThan(0);
    expect(m.get('vetra_agent_event_loop_delay_seconds{quantile="1"}')).toBeGreaterThan(0);
  }, 60_000);
});
