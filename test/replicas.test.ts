// Two central replicas behind a round-robin of requests. They share one
// InfluxDB (the store for replicas) and one metadata file (SQLite in WAL
// mode: several connections, here two services in one test process, each
// with its own connection, as two processes on one host would be). The
// embedded store is for a single central: it keeps a series-id cache in
// memory (reads and writes go through it), which a second writer would
// leave stale: series it creates are invisible to, or clash with, the first.
//
// Asserted: an edge agent whose requests alternate between the two stores
// every value its Modbus device served exactly once (the device answers
// each read with the next integer, so the truth is known); a token created
// on one replica is valid on the other, and a revocation on one is
// effective on the other.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCentralConfig } from "../central/config.ts";
import { type RunningCentral, startCentral } from "../central/server.ts";
import { startAgent } from "../edge-agent/agent.ts";
import { parseAgentConfig } from "../edge-agent/config.ts";
import { FIXTURE_FLEET } from "./helpers/central-fixture.ts";
import {
  type CounterDevice,
  counterSource,
  startCounterDevice,
  storedCounterValues,
} from "./helpers/counter-device.ts";
import { influxdAvailable, type RunningInfluxd, startInfluxd } from "./helpers/influxd.ts";
import { type RoundRobinProxy, startRoundRobinProxy } from "./helpers/round-robin-proxy.ts";

describe.runIf(influxdAvailable())("two central replicas sharing InfluxDB and the metadata file", () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-replicas-"));
  let influx: RunningInfluxd;
  let a: RunningCentral;
  let b: RunningCentral;
  let lb: RoundRobinProxy;
  let device: CounterDevice;

  beforeAll(async () => {
    influx = await startInfluxd();
    const config = parseCentralConfig({
      server: { host: "127.0.0.1", port: 0 },
      dataDir: join(dir, "central"),
      store: { kind: "influx", url: influx.url, database: influx.database },
      ...FIXTURE_FLEET,
    });
    a = await startCentral(config);
    b = await startCentral(config);
    lb = await startRoundRobinProxy([a.url, b.url]);
    device = await startCounterDevice();
  }, 60_000);

  afterAll(async () => {
    await lb?.close();
    await device?.server.stop();
    await a?.close();
    await b?.close();
    await influx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores every point of an agent exactly once while its requests alternate between replicas", {
    timeout: 60_000,
  }, async () => {
    const token = await a.meta.tokens.create({ role: "agent", site: "wf1", label: "replica agent" });
    const agent = await startAgent(
      parseAgentConfig({
        agent: { id: "wf1-agent", site: "wf1" },
        // Small batches, frequent flushes: many requests, so both replicas write a lot.
        central: { url: lb.url, token, flushIntervalMs: 50, batchMaxPoints: 20 },
        queue: { dir: join(dir, "queue") },
        healthIntervalMs: 60_000,
        sources: [counterSource(device.server.port, 10)],
      }),
      { log: () => {} },
    );
    await expect.poll(() => agent.stats().acked, { timeout: 20_000 }).toBeGreaterThan(400);
    // The served set is final: from now on the device answers every read with an exception
    // (no value is served); an answer already on its way still reaches the agent.
    device.server.inject({ kind: "exception", code: 4 });
    const servedTotal = device.served();
    await expect.poll(() => agent.stats().queueDepth, { timeout: 20_000 }).toBe(0);
    await agent.stop();
    expect(agent.stats().queueDepth).toBe(0);

    const stored = await storedCounterValues(influx);
    const distinct = new Set(stored);
    console.log(
      `replicas: served=${servedTotal} stored=${stored.length} distinct=${distinct.size} requests_a=${lb.hits[0]} requests_b=${lb.hits[1]}`,
    );
    // Both replicas did real work.
    expect(Math.min(lb.hits[0]!, lb.hits[1]!)).toBeGreaterThan(10);
    // Exactly once: no value twice; every value the device served (answers of a clean stop are all queued and sent).
    expect(distinct.size).toBe(stored.length);
    expect([...distinct].sort((x, y) => x - y)).toEqual(Array.from({ length: servedTotal }, (_, i) => i + 1));
  });

  it("a token created on one replica works on the other; a revocation on one holds on the other", async () => {
    const admin = await a.meta.tokens.create({ role: "admin", label: "replica admin" });
    const created = await fetch(`${a.url}/api/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "service_company", tenant: "sc-north", label: "north on A" }),
    });
    expect(created.status).toBe(201);
    const { token, info } = (await created.json()) as { token: string; info: { id: number } };
    const onB = await fetch(`${b.url}/api/v1/assets`, { headers: { authorization: `Bearer ${token}` } });
    expect(onB.status).toBe(200);
    const assets = (await onB.json()) as { assets?: { id: string }[] } | { id: string }[];
    const ids = (Array.isArray(assets) ? assets : (assets.assets ?? [])).map((x) => x.id).sort();
    expect(ids).toEqual(["T01", "T03"]); // sc-north's turbines in the fixture fleet
    const revoked = await fetch(`${b.url}/api/v1/tokens/${info.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(revoked.status).toBe(200);
    const onA = await fetch(`${a.url}/api/v1/assets`, { headers: { authorization: `Bearer ${token}` } });
    expect(onA.status).toBe(401);
  });
});
