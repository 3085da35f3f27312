// Control (issue 14): from `POST /api/v1/control/commands` to the value read
// back at the device — central, the agent's long-poll sync, its controller
// and a Modbus TCP write to the facility simulator's building controller —
// and the agent's own part of it (a desired state in hand → arbitration, the
// state stored, the write and its read-back), against the floor measured in
// the same run: a Modbus write + read-back of the same register done
// directly (the agent's own write link, no central, no controller).
//
// The point's minimum write interval is a realistic 1 s (device memories
// wear out), and each command waits until the point is free to be written:
// a command that comes sooner waits out the wear limit, which is policy,
// not overhead, so the figures time the path and not the limit.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_CONTROL_POINTS, facilityControlPoints, facilitySources } from "../cli/demo-fleet.ts";
import { startAgent } from "../edge-agent/agent.ts";
import { parseAgentConfig } from "../edge-agent/config.ts";
import { startControl } from "../edge-agent/control/index.ts";
import { createWriteLink } from "../edge-agent/sources/write.ts";
import { start as startFacility } from "../simulators/facility/index.ts";
import { startTestCentral } from "../test/helpers/central.ts";
import { FIXTURE_FLEET } from "../test/helpers/central-fixture.ts";
import type { BenchSection } from "./section.ts";

const COMMANDS = Number(process.env.CONTROL_BENCH_COMMANDS ?? 200);
const MIN_WRITE_INTERVAL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export async function controlSection(): Promise<BenchSection> {
  const started = performance.now();
  const loadAtStart = loadavg()[0]!;
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
    minWriteIntervalMs: MIN_WRITE_INTERVAL_MS,
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
  const posted: number[] = [];
  const agentPath: number[] = [];
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
    let lastAt = performance.now();
    for (let i = 0; i < COMMANDS; i++) {
      const value = i % 2 === 0 ? 18 : 20;
      // The point is free to be written again (its minimum interval since the last write has passed).
      await sleep(Math.max(0, lastAt + MIN_WRITE_INTERVAL_MS + 20 - performance.now()));
      const t0 = performance.now();
      const res = await fetch(`${central.url}/api/v1/control/commands`, {
        method: "POST",
        headers,
        body: JSON.stringify({ asset: "H01", point: "heating_setpoint_c", value, reason: "bench" }),
      });
      if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
      posted.push(performance.now() - t0);
      while (Math.abs(atDevice() - value) > 1e-3) {
        if (performance.now() - t0 > 30_000) throw new Error(`command ${i}: not at the device in 30 s`);
        await new Promise((r) => setTimeout(r, 2));
      }
      lastAt = performance.now();
      viaCentral.push(lastAt - t0);
    }
    await agent.stop();
    // The agent's own part: the same controller code (startControl, as the agent runs it) handed the
    // desired state the sync would hand it, on a clock that moves the write interval on between commands;
    // each command followed by the floor, the same value written and read back directly over a link of
    // its own, so both see the same moment of a shared machine (and the same warmth of the code).
    let clock = Date.now();
    const own = (await startControl(
      { ...config, control: { ...config.control, stateFile: join(dir, "own-control.sqlite") } },
      { log: () => {}, emit: () => {}, now: () => clock, autostart: false },
    ))!;
    const link = await createWriteLink(config.sources[0]!, {
      site: "fac-h01",
      agentId: "bench-direct",
      pkiDir: dir,
      log: () => {},
    });
    const writer = link.writer(config.control.points[0]!.write);
    try {
      await own.controller.tick(); // first writes of the relinquish defaults
      for (let i = 0; i < COMMANDS; i++) {
        clock += MIN_WRITE_INTERVAL_MS;
        const value = i % 2 === 0 ? 18 : 20;
        const command = {
          id: `own-${i}`,
          asset: "H01",
          point: "heating_setpoint_c",
          value,
          reason: "bench",
          requestedAt: clock,
          requestedBy: "bench",
        };
        const t0 = performance.now();
        own.controller.applyDesired({ revision: i + 1, commands: [command], schedules: {}, limits: {} });
        // As the sync's onApplied runs it (index.ts): the command's write, the periodic read-backs left to the timer.
        await own.controller.tick({ readBacks: false });
        const t1 = performance.now();
        if (Math.abs(atDevice() - value) > 1e-3)
          throw new Error(`own path ${i}: ${atDevice()} at the device`);
        agentPath.push(t1 - t0);
        const t2 = performance.now();
        const r = await writer.write(value);
        if (r.kind !== "success") throw new Error(`direct write ${i}: ${JSON.stringify(r)}`);
        direct.push(performance.now() - t2);
      }
    } finally {
      await writer.close();
      await link.close();
      await own.stop();
    }
  } finally {
    await agent.stop().catch(() => {});
    await sim.stop();
    await central.close();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const xs of [viaCentral, posted, agentPath, direct]) xs.sort((a, b) => a - b);
  const p = (xs: number[], q: number) => quantile(xs, q).toFixed(1);
  const ratio = quantile(agentPath, 0.95) / quantile(direct, 0.95);
  const wholeRatio = quantile(viaCentral, 0.95) / quantile(direct, 0.95);
  const seconds = (performance.now() - started) / 1000;
  // The machine may be shared: how busy it was says how far the tails (p95, max) are the code's own.
  const load = `load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end, on ${cpus().length} cores`;
  const line = `control: apply_p95_ms=${p(viaCentral, 0.95)} vs_direct=${ratio.toFixed(1)}x`;
  const markdown = `
\`npm run bench -- control\` (bench/control.bench.ts, ${seconds.toFixed(0)} s, ${load}). ${COMMANDS} commands of the
heating setpoint (alternately 18 and 20 °C), one at a time, each timed from \`POST /api/v1/control/commands\`
to the value at the device (the facility simulator's building controller, Modbus TCP on loopback): central
stores it and wakes the agent's long poll, the agent's controller arbitrates as soon as the new desired state
arrives, stores it and writes with FC16, then reads back. The point's \`minWriteIntervalMs\` is a realistic
${MIN_WRITE_INTERVAL_MS} ms, and each command is posted once the point is free to be written (a command that
comes sooner waits out the wear limit by design). The agent's own part is then timed without central: the same
controller (\`startControl\`, as the agent runs it) handed the desired state the sync hands it, to the value read back.
Baseline: after each of those commands, the same value written to the same register and read back directly,
through a write link of the agent's own kind (no central, no controller): ${COMMANDS} times, each beside the
command it is compared with.

| path | p50 ms | p95 ms | max ms |
| --- | ---: | ---: | ---: |
| POST → value at the device (central, sync, agent, device) | ${p(viaCentral, 0.5)} | ${p(viaCentral, 0.95)} | ${viaCentral.at(-1)!.toFixed(1)} |
| of which the POST's answer (central stores the command) | ${p(posted, 0.5)} | ${p(posted, 0.95)} | ${posted.at(-1)!.toFixed(1)} |
| the agent's own part (desired state → arbitration, stored, written, read back) | ${p(agentPath, 0.5)} | ${p(agentPath, 0.95)} | ${agentPath.at(-1)!.toFixed(1)} |
| direct write + read-back (baseline) | ${p(direct, 0.5)} | ${p(direct, 0.95)} | ${direct.at(-1)!.toFixed(1)} |

The agent's own part is ${ratio.toFixed(1)}× the direct round trip at p95 (goal ≤ 2×): beyond the write and
its read-back it arbitrates (every point's priority array; only the point the command changes is written or read),
and commits the desired state, its command reports and the point's memory to \`control.sqlite\` (two
transactions per command, SQLite WAL with \`synchronous=NORMAL\`: a commit reaches the operating system
at once, and the file is synced to the disk every \`control.syncIntervalMs\`, 1 s by default, off the event loop;
what a power cut may then lose is made good on restart, docs/control.md). The whole path is ${wholeRatio.toFixed(0)}× the direct round trip: the rest is
central's answer to the POST and the long poll's answer reaching the agent over HTTP. \`vs_direct\` in the
line below is the agent's own part.

${line}
`;
  return { title: "Control: command to device", markdown, line };
}
