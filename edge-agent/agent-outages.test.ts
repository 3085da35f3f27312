// Outages in the log and the metrics: the running agent on the facility
// simulator's Modbus gateway, which disappears twice for a while.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { facilitySources } from "../cli/demo-fleet.ts";
import { type FacilitySim, start as startFacility } from "../simulators/facility/index.ts";
import { type RunningAgent, startAgent } from "./agent.ts";
import { parseAgentConfig } from "./config.ts";

const metric = async (url: string, name: string, source: string): Promise<number | null> => {
  const text = await (await fetch(url)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{source="${source}"}`));
  return line ? Number(line.split(" ").at(-1)) : null;
};

describe("outages in the log and the metrics", () => {
  let dir: string;
  let sim: FacilitySim;
  let agent: RunningAgent;
  const lines: string[] = [];
  const SOURCE = "h01-meter";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-outages-"));
    sim = await startFacility({ assetId: "H01", kind: "hospital" });
    const sources = facilitySources("H01", { host: "127.0.0.1", port: sim.modbusPort }).map((s) => ({
      ...s,
      intervalMs: 100,
      timeoutMs: 300,
    }));
    agent = await startAgent(
      parseAgentConfig({
        agent: { id: "h01-agent", site: "fac-h01" },
        central: { url: "http://127.0.0.1:9", token: "t" },
        queue: { dir: join(dir, "q"), kind: "memory" },
        metrics: { port: 0 },
        sources,
      }),
      { log: (l) => lines.push(l) },
    );
  });
  afterAll(async () => {
    await agent?.stop();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("logs each outage's start and end with duration, errors and missed polls; counts them in /metrics", async () => {
    const url = agent.metricsUrl!;
    await expect.poll(() => agent.stats().acquired, { timeout: 10_000 }).toBeGreaterThan(3);
    for (const n of [1, 2]) {
      await sim.modbus.disappear();
      await expect.poll(() => agent.stats().sourceOutages[SOURCE]?.down, { timeout: 10_000 }).toBe(true);
      expect(await metric(url, "vetra_agent_source_down", SOURCE)).toBe(1);
      await new Promise((r) => setTimeout(r, 1500));
      await sim.modbus.reappear();
      await expect.poll(() => agent.stats().sourceOutages[SOURCE]?.down, { timeout: 10_000 }).toBe(false);
      expect(agent.stats().sourceOutages[SOURCE]?.outages).toBe(n);
      // The second outage of the same kind, soon after the first, is logged too.
      await new Promise((r) => setTimeout(r, 1000));
    }
    const outageLines = lines.filter((l) => l.startsWith(`source ${SOURCE}: outage`));
    expect(outageLines).toHaveLength(4);
    expect(outageLines[0], outageLines.join("\n")).toMatch(
      /^source h01-meter: outage 1 started: SOURCE_(DISCONNECTED|TIMEOUT|BAD_FRAME) .*(h01-meter|unit)/,
    );
    expect(outageLines[2]).toMatch(
      /^source h01-meter: outage 2 started: SOURCE_(DISCONNECTED|TIMEOUT|BAD_FRAME) /,
    );
    for (const end of [outageLines[1]!, outageLines[3]!]) {
      const m =
        /ended after (\d+\.\d) s: (\d+) errors \((SOURCE_[A-Z_]+ \d+(, )?)+\), (\d+) missed polls$/.exec(end);
      expect(m, end).not.toBeNull();
      const [seconds, errors, missed] = [m![1], m![2], m!.at(-1)].map(Number);
      expect(seconds).toBeGreaterThanOrEqual(1.4);
      expect(seconds).toBeLessThan(10);
      expect(errors).toBeGreaterThanOrEqual(1);
      // Polls of 100 ms that the outage swallowed (the duration is shown rounded to 0.1 s).
      expect(Math.abs(missed! - (seconds! * 1000) / 100)).toBeLessThanOrEqual(1);
    }
    expect(await metric(url, "vetra_agent_source_outages_total", SOURCE)).toBe(2);
    expect(await metric(url, "vetra_agent_source_down", SOURCE)).toBe(0);
    expect(await metric(url, "vetra_agent_source_outage_seconds_total", SOURCE)).toBeGreaterThan(2.8);
  }, 60_000);
});
