// Catch-up after a central outage, in real time: a counter device polled
// every 50 ms, the edge agent, and a real central (embedded store) that is
// stopped for 10 s and started again on the same port. The agent must notice
// central's return within seconds (it probes /readyz while backing off) and
// be current again — its oldest queued point young — within the outage's
// length after central returned, i.e. stale for at most twice the outage.
// Margins are generous for a loaded machine; the decisions themselves are
// tested on a controllable clock in edge-agent/uplink/recovery.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCentralConfig } from "../central/config.ts";
import { type RunningCentral, startCentral } from "../central/server.ts";
import { type RunningAgent, startAgent } from "../edge-agent/agent.ts";
import { parseAgentConfig } from "../edge-agent/config.ts";
import { FIXTURE_FLEET } from "./helpers/central-fixture.ts";
import { type CounterDevice, counterSource, startCounterDevice } from "./helpers/counter-device.ts";
import { freePort } from "./helpers/ports.ts";
import { until } from "./helpers/until.ts";

const OUTAGE_MS = 10_000;

describe("catch-up after a central outage (real central, real time)", () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-catch-up-"));
  let device: CounterDevice;
  let central: RunningCentral | null = null;
  let agent: RunningAgent;
  let port = 0;
  const config = () =>
    parseCentralConfig({ server: { port }, dataDir: join(dir, "central"), ...FIXTURE_FLEET });

  beforeAll(async () => {
    device = await startCounterDevice();
    port = await freePort();
    central = await startCentral(config());
    const token = await central.meta.tokens.create({ role: "agent", site: "wf1", label: "catch-up agent" });
    agent = await startAgent(
      parseAgentConfig({
        agent: { id: "wf1-agent", site: "wf1" },
        central: { url: central.url, token, flushIntervalMs: 100, timeoutMs: 2000, batchMaxPoints: 500 },
        queue: { dir: join(dir, "queue") },
        healthIntervalMs: 1000,
        sources: [counterSource(device.server.port, 50)],
      }),
      { log: () => {} },
    );
    await until("the first points at central", () => (agent.stats().acked > 20 ? true : undefined));
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await central?.close();
    await device?.server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`is current again within the outage's length after a ${OUTAGE_MS / 1000} s outage ends`, async () => {
    await central!.close();
    central = null;
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    expect(agent.stats().lagSeconds).toBeGreaterThan((OUTAGE_MS / 1000) * 0.8);
    const ackedBefore = agent.stats().acked;
    central = await startCentral(config());
    const up = Date.now();
    // Recovery noticed: the first batch after central's return is acknowledged (a readiness
    // probe cut the back-off short, or the back-off ended by itself) — readyProbeMaxMs + jitter,
    // with slack for a loaded machine.
    const noticed = await until(
      "the first batch acknowledged after central's return",
      () => (agent.stats().acked > ackedBefore ? Date.now() : undefined),
      3 * OUTAGE_MS,
    );
    expect(noticed - up).toBeLessThanOrEqual(OUTAGE_MS);
    // Current again: everything queued during the outage is at central, the oldest queued point young.
    const current = await until(
      "the backlog to drain",
      () => {
        const s = agent.stats();
        return s.acked > ackedBefore + (OUTAGE_MS / 50) * 0.8 && s.lagSeconds < 1 ? Date.now() : undefined;
      },
      3 * OUTAGE_MS,
    );
    // Stale at most twice the outage: current again within the outage's length after central returned.
    expect(current - up, "catch-up after central returned, ms").toBeLessThanOrEqual(OUTAGE_MS);
  }, 90_000);
});
