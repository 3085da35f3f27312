// Control (issue 14): from `POST /api/v1/control/commands` to the value read
// back at the device — central, the agent's long-poll sync, its controller
// (arbitration every `control.tickMs`, 1 s by default) and a Modbus TCP write
// to the facility simulator's building controller — against the floor
// measured in the same run: a Modbus write + read-back of the same register
// done directly (the agent's own write link, no central, no controller).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_CONTROL_POINTS, facilityControlPoints, facilitySources } from "../cli/demo-fleet.ts";
import { startAgent } from "../edge-agent/agent.ts";
import { parseAgentConfig } from "../edge-agent/config.ts";
import { createWriteLink } from "../edge-agent/sources/write.ts";
import { start as startFacility } from "../simulators/facility/index.ts";
import { startTestCentral } from "../test/helpers/central.ts";
import { FIXTURE_FLEET } from "../test/helpers/central-fixture.ts";
import type { BenchSection } from "./section.ts";

const COMMANDS = Number(process.env.CONTROL_BENCH_COMMANDS ?? 200);

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export async function controlSection(): Promise<BenchSection> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "vetra-control-bench-"));
  const central = await startTestCentral({
    config: {
      assets: FIXTURE_FLEET.assets.map((a) =>
        a.id === "H01" ? { ...a, points: DEMO_CONTROL_POINTS.map((id) => ({ id })) } : a,
      ),
    },
  });
  const sim = await startFacility({
    assetId: "H01",
    kind: "hospital",
    modbusPort: 0,
    seed: 11,
    control: true,
  });
  const sources = facilitySources("H01", { host: "127.0.0.1", port: sim.modbusPort });
  const points = facilityControlPoints("H01", "hospital", sources[0]!.id, {
    maxRatePerMinute: 60_000,
    minWriteIntervalMs: 100,
  });
  const config = parseAgentConfig({
    agent: { id: "h01-agent", site: "fac-h01" },
    central: {
      url: central.url,
      token: await central.meta.tokens.create({ role: "agent", site: "fac-h01", label: "bench" }),
    },
    queue: { dir: join(dir, "queue") },
    sources,
    control: { points },
  });
  const agent = await startAgent(config, { log: () => {} });
  const viaCentral: number[] = [];
  const direct: number[] = [];
  try {
    const headers = { ...central.auth(central.tokens.energy), "content-type": "application/json" };
    // The agent's first sync has declared its points.
    for (let i = 0; i < 300; i++) {
      const r = await fetch(`${central.url}/api/v1/control/points?asset=H01`, { headers });
      if (((await r.json()) as { points: unknown[] }).points.length === 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const atDevice = () => sim.truth().registers.heating_setpoint_c ?? Number.NaN;
    for (let i = 0; i < COMMANDS; i++) {
      const value = i % 2 === 0 ? 18 : 20;
      const t0 = performance.now();
      const res = await fetch(`${central.url}/api/v1/control/commands`, {
        method: "POST",
        headers,
        body: JSON.stringify({ asset: "H01", point: "heating_setpoint_c", value, reason: "bench" }),
      });
      if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
      while (Math.abs(atDevice() - value) > 1e-3) {
        if (performance.now() - t0 > 30_000) throw new Error(`command ${i}: not at the device in 30 s`);
        await new Promise((r) => setTimeout(r, 2));
      }
      viaCentral.push(performance.now() - t0);
    }
    // The floor: the same register written and read back directly, over the same kind of link.
    const link = await createWriteLink(config.sources[0]!, {
      site: "fac-h01",
      agentId: "bench-direct",
      pkiDir: dir,
      log: () => {},
    });
    const writer = link.writer(config.control.points[0]!.write);
    for (let i = 0; i < COMMANDS; i++) {
      const t0 = performance.now();
      const r = await writer.write(i % 2 === 0 ? 18 : 20);
      if (r.kind !== "success") throw new Error(`direct write ${i}: ${JSON.stringify(r)}`);
      direct.push(performance.now() - t0);
    }
    await writer.close();
    await link.close();
  } finally {
    await agent.stop();
    await sim.stop();
    await central.close();
    rmSync(dir, { recursive: true, force: true });
  }
  viaCentral.sort((a, b) => a - b);
  direct.sort((a, b) => a - b);
  const p = (xs: number[], q: number) => quantile(xs, q).toFixed(1);
  const ratio = quantile(viaCentral, 0.95) / quantile(direct, 0.95);
  const seconds = (performance.now() - started) / 1000;
  const line = `control: apply_p95_ms=${p(viaCentral, 0.95)} vs_direct=${ratio.toFixed(0)}x`;
  const markdown = `
\`npm run bench -- control\` (bench/control.bench.ts, ${seconds.toFixed(0)} s). ${COMMANDS} commands of the
heating setpoint (alternately 18 and 20 °C), one at a time, each timed from \`POST /api/v1/control/commands\`
to the value at the device (the facility simulator's building controller, Modbus TCP on loopback): central
stores it and wakes the agent's long poll, the agent's controller arbitrates as soon as the new desired state
arrives and writes with FC16, then reads back; the point's \`minWriteIntervalMs\` is 100 ms here (a write is
held until its point's interval since the last write has passed, then goes at once). Baseline: the same register
written and read back directly, ${COMMANDS} times, through the agent's own write link (no central, no controller).

| path | p50 ms | p95 ms | max ms |
| --- | ---: | ---: | ---: |
| central → agent → device | ${p(viaCentral, 0.5)} | ${p(viaCentral, 0.95)} | ${viaCentral.at(-1)!.toFixed(1)} |
| direct write + read-back (baseline) | ${p(direct, 0.5)} | ${p(direct, 0.95)} | ${direct.at(-1)!.toFixed(1)} |

p95 through central is ${ratio.toFixed(0)}× the direct round trip. Commands here follow each other as soon as the
last one is at the device, so most wait out the point's minimum write interval (100 ms) — the wear limit, not
overhead; a command that finds the point idle costs the sync (central wakes the waiting long poll at once), the
arbitration and the write.

${line}
`;
  return { title: "Control: command to device", markdown, line };
}
