// A refused point costs its neighbours nothing (issue 19 item 2), end to end
// over loopback with every part real: Modbus devices whose one register
// answers each read with the next integer (so what a store must hold, once
// each, is known) → an edge agent (disk queue, gzip uplink, central's
// catalog) → central → the store, once embedded and once InfluxDB.
//
// 1. One source's asset is mistyped: the agent refuses it locally with one
//    log line, never sends it, and stores every value of the other source
//    exactly once; once central's configuration has that asset, the dead
//    letters are re-sent while the agent runs and every value of the
//    refused source is stored exactly once too.
// 2. Central's configuration changes under a running agent (an asset is
//    removed): central refuses those points inside mixed batches, the agent
//    dead-letters exactly them and re-sends the rest; after the asset is
//    back, `vetra edge dead-letters resend` with the agent stopped, and a
//    restart, store every refused value exactly once.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { MetaStore } from "../central/meta/meta.ts";
import { type RunningAgent, startAgent } from "../edge-agent/agent.ts";
import { runEdge } from "../edge-agent/cli.ts";
import { loadAgentConfig } from "../edge-agent/config.ts";
import { type CounterDevice, startCounterDevice } from "./helpers/counter-device.ts";
import { influxdAvailable } from "./helpers/influxd.ts";
import { DRIVE_TRAIN, type IngestCentral, startIngestCentral } from "./helpers/ingest-central.ts";

const stores = [
  { kind: "embedded" as const, run: true },
  { kind: "influx" as const, run: influxdAvailable() },
];

const counterSource = (id: string, port: number, asset: string) => ({
  kind: "modbus" as const,
  id,
  host: "127.0.0.1",
  port,
  intervalMs: 50,
  timeoutMs: 500,
  asset,
  registers: [{ address: 0, type: "uint32" as const, measurement: "scada" as const, field: "power_kw" }],
});

/** The fleet of the test central with `assets` on site wf1 (each with the drive-train points). */
const replaceWf1Assets = (meta: MetaStore, assets: string[]) =>
  meta.replaceFleet({
    tenants: [{ id: "sc-north", name: "North Wind Service" }],
    sites: [
      { id: "wf1", name: "Wind farm 1", kind: "wind_farm" },
      { id: "wf2", name: "Wind farm 2", kind: "wind_farm" },
    ],
    assets: [
      ...assets.map((id) => ({
        id,
        name: id,
        kind: "turbine" as const,
        site: "wf1",
        tenant: "sc-north",
        points: DRIVE_TRAIN,
      })),
      { id: "T03", name: "T03", kind: "turbine", site: "wf2", tenant: "sc-north", points: DRIVE_TRAIN },
    ],
  });

describe.each(stores)("refused points cost their neighbours nothing, $kind store", ({ kind, run }) => {
  if (!run) {
    it.skip("needs influxd");
    return;
  }
  let c: IngestCentral | undefined;
  let devices: CounterDevice[] = [];
  let agent: RunningAgent | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await agent?.stop();
    for (const d of devices) await d.server.stop();
    await c?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    agent = undefined;
    devices = [];
    c = undefined;
    dir = undefined;
  });

  /** The counter values stored for an asset, in time order. */
  const stored = async (asset: string): Promise<number[]> => {
    const r = await c!.central.store.query({
      measurement: "scada",
      field: "power_kw",
      tags: { asset },
      fromMs: 0,
      toMs: Date.now() + 3_600_000,
    });
    if (r.kind !== "success") throw new Error(r.message);
    return r.value.flatMap((s) => s.points.map((p) => p.value));
  };
  const exactlyOnce = (values: number[], served: number) => {
    expect(new Set(values).size, "no value twice").toBe(values.length);
    expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: served }, (_, i) => i + 1));
  };
  const agentConfigFile = (central: IngestCentral, sources: unknown[]): string => {
    dir = mkdtempSync(join(tmpdir(), `vetra-refusals-${kind}-`));
    const file = join(dir, "edge.json");
    writeFileSync(
      file,
      JSON.stringify({
        agent: { id: "wf1-gateway", site: "wf1" },
        central: {
          url: central.central.url,
          token: central.tokens.agent,
          flushIntervalMs: 100,
          batchMaxPoints: 50,
        },
        queue: { dir: join(dir, "queue") },
        healthIntervalMs: 60_000,
        metrics: { host: "127.0.0.1", port: 0 },
        sources,
      }),
    );
    return file;
  };
  /** Makes the set of served values final (every read answered with an exception from now on). */
  const freeze = (d: CounterDevice): number => {
    d.server.inject({ kind: "exception", code: 4 });
    return d.served();
  };

  it("a source with a mistyped asset is refused locally with one line; the other's values are stored once; after the fix, all of it", {
    timeout: 90_000,
  }, async () => {
    c = await startIngestCentral(kind);
    const good = await startCounterDevice();
    const bad = await startCounterDevice();
    devices = [good, bad];
    const file = agentConfigFile(c, [
      counterSource("plc", good.server.port, "T01"),
      counterSource("plc-2", bad.server.port, "TO1"),
    ]);
    const lines: string[] = [];
    agent = await startAgent(loadAgentConfig(file), { log: (l) => lines.push(l), catalogRefreshMs: 300 });
    await expect.poll(() => Math.min(good.served(), bad.served()), { timeout: 20_000 }).toBeGreaterThan(40);
    await expect.poll(() => agent!.stats().acked, { timeout: 20_000 }).toBeGreaterThan(40);

    const refusals = () => lines.filter((l) => l.includes("central does not accept it"));
    const refusedLines = refusals();
    expect(refusedLines, lines.join("\n")).toHaveLength(1);
    expect(refusedLines[0]).toMatch(
      /^source plc-2: scada of TO1: UNKNOWN_ASSET tags\.asset: "TO1" is not an asset of site "wf1"/,
    );
    expect(lines.filter((l) => l.startsWith("source plc:") && !l.includes("polling"))).toEqual([]);
    // Nothing reached central to be refused there: no batch was dead-lettered by the uplink.
    expect(lines.filter((l) => l.startsWith("uplink:"))).toEqual([]);
    expect(agent.stats().refused).toBeGreaterThan(40);
    const metrics = await (await fetch(agent.metricsUrl!)).text();
    const refusedMetric =
      /^vetra_agent_points_refused_total\{source="plc-2",code="UNKNOWN_ASSET"\} (\d+)$/m.exec(metrics);
    expect(Number(refusedMetric?.[1])).toBeGreaterThan(40);
    expect(metrics).not.toMatch(/vetra_agent_points_refused_total\{source="plc"/);
    expect(await stored("TO1")).toEqual([]);

    // Central's configuration gets the asset (it was new there): the agent's catalog follows, and the
    // dead letters are moved back while the agent runs.
    replaceWf1Assets(c.central.meta, ["T01", "T02", "TO1"]);
    await expect
      .poll(() => lines.some((l) => /catalog: central accepts 3 assets/.test(l)), { timeout: 10_000 })
      .toBe(true);
    const out: string[] = [];
    expect(
      await runEdge(["edge", "dead-letters", "resend", "--config", file, "--all"], {
        stdout: (l) => out.push(l),
      }),
    ).toBe(0);
    expect(out[0]).toMatch(/^moved \d+ points of \d+ dead letters back into the queue/);

    const served = { good: freeze(good), bad: freeze(bad) };
    await expect.poll(() => agent!.stats().queueDepth, { timeout: 20_000 }).toBe(0);
    await agent.stop();
    exactlyOnce(await stored("T01"), served.good);
    exactlyOnce(await stored("TO1"), served.bad);
    expect(refusals()).toHaveLength(1);
  });

  it("central refuses one asset's points inside mixed batches: the rest are stored once; resend after the fix with the agent stopped", {
    timeout: 90_000,
  }, async () => {
    c = await startIngestCentral(kind);
    const a = await startCounterDevice();
    const b = await startCounterDevice();
    devices = [a, b];
    const file = agentConfigFile(c, [
      counterSource("plc-a", a.server.port, "T01"),
      counterSource("plc-b", b.server.port, "T02"),
    ]);
    const lines: string[] = [];
    // The catalog is fetched once at start and not again for a minute unless central refuses something.
    agent = await startAgent(loadAgentConfig(file), { log: (l) => lines.push(l), catalogRefreshMs: 60_000 });
    await expect.poll(() => agent!.stats().acked, { timeout: 20_000 }).toBeGreaterThan(20);

    // T02 leaves central's configuration under the running agent.
    replaceWf1Assets(c.central.meta, ["T01"]);
    await expect
      .poll(() => lines.filter((l) => l.startsWith("uplink:")).length, { timeout: 20_000 })
      .toBeGreaterThan(0);
    // Central's refusal named points; the agent set exactly those aside and re-fetched the catalog.
    expect(lines.find((l) => l.startsWith("uplink:"))).toMatch(
      /^uplink: \d+ points dead-lettered \(UNKNOWN_ASSET\): tags\.asset: "T02"/,
    );
    const refusals = () => lines.filter((l) => l.includes("central does not accept it"));
    await expect.poll(() => refusals().length, { timeout: 20_000 }).toBe(1);
    expect(refusals()[0]).toMatch(/^source plc-b: scada of T02: UNKNOWN_ASSET/);
    await expect.poll(() => b.served(), { timeout: 10_000 }).toBeGreaterThan(b.served() + 10);

    const served = { a: freeze(a), b: freeze(b) };
    await expect.poll(() => agent!.stats().queueDepth, { timeout: 20_000 }).toBe(0);
    await agent.stop();
    agent = undefined;
    exactlyOnce(await stored("T01"), served.a);
    const before = await stored("T02");
    expect(before.length).toBeLessThan(served.b);

    // T02 is back; the dead letters go back into the queue with the agent stopped, and out after a restart.
    replaceWf1Assets(c.central.meta, ["T01", "T02"]);
    const listed: string[] = [];
    expect(
      await runEdge(["edge", "dead-letters", "list", "--config", file, "--json"], {
        stdout: (l) => listed.push(l),
      }),
    ).toBe(0);
    const letters = JSON.parse(listed[0]!).deadLetters as { points: number; code: string }[];
    expect(letters.every((d) => d.code === "UNKNOWN_ASSET")).toBe(true);
    expect(letters.reduce((n, d) => n + d.points, 0)).toBe(served.b - before.length);
    expect(
      await runEdge(["edge", "dead-letters", "resend", "--config", file, "--all"], { stdout: () => {} }),
    ).toBe(0);
    agent = await startAgent(loadAgentConfig(file), { log: () => {}, catalogRefreshMs: 60_000 });
    await expect.poll(() => agent!.stats().queueDepth, { timeout: 20_000 }).toBe(0);
    await agent.stop();
    exactlyOnce(await stored("T01"), served.a);
    exactlyOnce(await stored("T02"), served.b);
  });
});
