// An edge agent on one simulated turbine whose blocks change only when the
// test publishes one, so a test knows which block carried what (a fault
// injected between two blocks). Used by the diagnostics and the service
// end-to-end tests.
import { join } from "node:path";
import { turbineDiagnostics, turbineSources } from "../../cli/demo-fleet.ts";
import { type TurbinePointId, TurbinePoints } from "../../common/names.ts";
import { type RunningAgent, startAgent } from "../../edge-agent/agent.ts";
import { parseAgentConfig } from "../../edge-agent/config.ts";
import type { TurbineSim } from "../../simulators/turbine/index.ts";
import { until } from "./until.ts";

const POINTS = Object.keys(TurbinePoints) as TurbinePointId[];

export interface TurbineAgent {
  agent: RunningAgent;
  /** Blocks published so far (each one block per measuring point). */
  readonly published: number;
  /** Puts a new block in place for every point and waits until the agent has diagnosed it. */
  publish(): Promise<void>;
  /** Waits until everything the agent queued (points and snapshots) is at central. */
  delivered(): Promise<void>;
}

/** Starts the agent of site `wf1` on `turbine` (a simulator started with hour-long refresh periods). */
export async function startTurbineAgent(o: {
  turbine: TurbineSim;
  assetId: string;
  centralUrl: string;
  agentToken: string;
  dir: string;
  log?: (line: string, published: number) => void;
}): Promise<TurbineAgent> {
  let published = 0;
  const agent = await startAgent(
    parseAgentConfig({
      agent: { id: "wf1-agent", site: "wf1" },
      central: { url: o.centralUrl, token: o.agentToken, flushIntervalMs: 100, timeoutMs: 2000 },
      queue: { dir: join(o.dir, "agent") },
      healthIntervalMs: 1000,
      diagnostics: turbineDiagnostics([o.assetId]),
      sources: turbineSources(
        o.assetId,
        { host: "127.0.0.1", port: o.turbine.modbusPort },
        o.turbine.opcuaEndpoint,
        join(o.dir, "pki"),
      ),
    }),
    { log: (line) => o.log?.(line, published) },
  );
  // Blocks the agent has diagnosed (analysed, or dropped unanalysed: then a test's count says so).
  const done = (): number => agent.stats().blocksAnalysed + agent.stats().blocksDropped;
  // The block in place when the agent subscribed.
  await until("the first block", () => (done() >= POINTS.length ? true : undefined));
  return {
    agent,
    get published() {
      return published;
    },
    async publish() {
      o.turbine.refreshWaveforms();
      published++;
      await until(`block ${published}`, () => (done() >= POINTS.length * (published + 1) ? true : undefined));
    },
    async delivered() {
      await until(
        "the agent's queue and snapshot folder to drain",
        () => {
          const s = agent.stats();
          return s.queueDepth === 0 && s.snapshotsPending === 0 ? true : undefined;
        },
        60_000,
      );
    },
  };
}
