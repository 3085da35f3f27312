// Sustained ingest: batches of 5000 points POSTed to central (real HTTP,
// gzip, auth, full validation) into a real InfluxDB, against writing the
// same points as line protocol straight to the same InfluxDB in the same
// run; then through central into the embedded store; and the RSS of an
// edge agent process with 16 Modbus channels.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { parseCentralConfig } from "../central/config.ts";
import { startCentral } from "../central/server.ts";
import type { Point } from "../common/wire.ts";
import { startModbusServer } from "../simulators/modbus-server.ts";
import { FIXTURE_FLEET } from "../test/helpers/central-fixture.ts";
import { startInfluxd } from "../test/helpers/influxd.ts";
import { freePort } from "../test/helpers/ports.ts";
import type { BenchSection } from "./section.ts";

const gzipAsync = promisify(gzip);
const BATCH = 5000;
const BATCHES = Number(process.env.VETRA_BENCH_INGEST_BATCHES ?? 40);
/** Batches in flight at once (several agents). */
const CONCURRENCY = 4;

const T0 = Date.now() - 3 * 86_400_000;
const batchPoints = (b: number): Point[] =>
  Array.from({ length: BATCH }, (_, i) => ({
    measurement: "scada",
    tags: { site: "wf1", asset: i % 2 === 0 ? "T01" : "T02" },
    fields: { power_kw: 1000 + (i % 97), rotor_speed_rpm: 12 + (i % 5) / 10, wind_speed_m_s: 8.5 },
    ts: T0 + (b * BATCH + i) * 10,
  }));

const lineProtocol = (points: Point[]): string =>
  points
    .map(
      (p) =>
        `${p.measurement},${Object.entries(p.tags)
          .sort()
          .map(([k, v]) => `${k}=${v}`)
          .join(",")} ${Object.entries(p.fields)
          .map(([k, v]) => `${k}=${v}`)
          .join(",")} ${p.ts}`,
    )
    .join("\n");

async function pool(n: number, work: (i: number) => Promise<void>): Promise<number> {
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await work(next++);
    }),
  );
  return (performance.now() - t) / 1000;
}

async function viaCentral(url: string, token: string, offset: number): Promise<number> {
  const bodies = await Promise.all(
    Array.from({ length: BATCHES }, (_, b) =>
      gzipAsync(
        JSON.stringify({
          batchId: `bench-${offset}-${b}`,
          agent: "bench",
          site: "wf1",
          sentAt: Date.now(),
          points: batchPoints(offset + b),
        }),
      ),
    ),
  );
  const s = await pool(BATCHES, async (b) => {
    const res = await fetch(`${url}/api/v1/ingest`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "content-encoding": "gzip",
      },
      body: bodies[b]!,
    });
    if (res.status !== 200) throw new Error(`ingest ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  });
  return (BATCHES * BATCH) / s;
}

async function directInflux(url: string, db: string, offset: number): Promise<number> {
  const bodies = Array.from({ length: BATCHES }, (_, b) => lineProtocol(batchPoints(offset + b)));
  const s = await pool(BATCHES, async (b) => {
    const res = await fetch(`${url}/write?db=${db}&precision=ms`, { method: "POST", body: bodies[b]! });
    if (res.status !== 204) throw new Error(`influx write ${res.status}: ${await res.text()}`);
  });
  return (BATCHES * BATCH) / s;
}

export async function agentRss(dir: string, centralUrl: string, token: string): Promise<number> {
  const device = await startModbusServer({
    units: [
      {
        unitId: 1,
        registers: Array.from({ length: 16 }, (_, i) => ({
          name: `ch${i}`,
          field: `power_kw`,
          function: 3 as const,
          address: i * 2,
          type: "float32" as const,
          wordOrder: "high_first" as const,
          unit: "kW",
          point: `ch${i}`,
          description: "channel",
        })),
        snapshot: () => Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`ch${i}`, 100 + i])),
      },
    ],
  });
  writeFileSync(
    join(dir, "agent.json"),
    JSON.stringify({
      agent: { id: "bench-wf1", site: "wf1" },
      central: { url: centralUrl, token },
      queue: { dir: join(dir, "queue") },
      sources: [
        {
          kind: "modbus",
          id: "ch16",
          host: "127.0.0.1",
          port: device.port,
          intervalMs: 100,
          asset: "T01",
          registers: Array.from({ length: 16 }, (_, i) => ({
            address: i * 2,
            type: "float32",
            measurement: "scada",
            field: "power_kw",
            point: `ch${i}`,
          })),
        },
      ],
    }),
  );
  const root = join(import.meta.dirname, "..");
  const child = spawn(
    process.execPath,
    [join(root, "bin", "vetra.js"), "edge", "--config", join(dir, "agent.json")],
    {
      stdio: "ignore",
    },
  );
  await new Promise((r) => setTimeout(r, 8000));
  const { readFileSync } = await import("node:fs");
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
  await device.stop();
  return kb / 1024;
}

export async function ingestSection(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), "vetra-bench-ingest-"));
  const influx = await startInfluxd();
  try {
    await fetch(`${influx.url}/query?q=${encodeURIComponent(`CREATE DATABASE ${influx.database}`)}`, {
      method: "POST",
    });
    await fetch(`${influx.url}/query?q=${encodeURIComponent("CREATE DATABASE direct")}`, { method: "POST" });
    const port = await freePort();
    const central = await startCentral(
      parseCentralConfig({
        server: { port },
        dataDir: join(dir, "central-influx"),
        store: { kind: "influx", url: influx.url, database: influx.database },
        ...FIXTURE_FLEET,
      }),
    );
    const token = await central.meta.tokens.create({ role: "agent", site: "wf1", label: "bench" });
    // Warm-up of both paths, then the measured runs, alternating.
    await viaCentral(central.url, token, BATCHES);
    await directInflux(influx.url, "direct", BATCHES);
    const direct = await directInflux(influx.url, "direct", 0);
    const through = await viaCentral(central.url, token, 0);
    await central.close();

    // The agent below reads 16 channels of T01 as measuring points ch0…ch15: central's config has them.
    const channels = Array.from({ length: 16 }, (_, i) => ({ id: `ch${i}`, component: "nacelle" as const }));
    const embedded = await startCentral(
      parseCentralConfig({
        server: { port: 0 },
        dataDir: join(dir, "central-embedded"),
        ...FIXTURE_FLEET,
        assets: FIXTURE_FLEET.assets.map((a) =>
          a.id === "T01" ? { ...a, points: [...a.points, ...channels] } : a,
        ),
      }),
    );
    const etoken = await embedded.meta.tokens.create({ role: "agent", site: "wf1", label: "bench" });
    const intoEmbedded = await viaCentral(embedded.url, etoken, 0);
    const rssMiB = await agentRss(dir, embedded.url, etoken);
    await embedded.close();

    const ratio = through / direct;
    const f = (n: number) => Math.round(n).toLocaleString("en-US");
    return {
      title: "Ingest (central → store) and agent memory",
      markdown: `${BATCHES} batches of ${BATCH} points (3 fields each), ${CONCURRENCY} in flight at
once, after a warm-up of the same size. Through central: HTTP POST
\`/api/v1/ingest\`, gzip'd JSON, bearer token, full validation, write to the
store and acknowledgement. Directly: the same points as line protocol
POSTed to the same InfluxDB's \`/write\` (the baseline: no central at all).

| path | points/s |
| --- | ---: |
| line protocol straight to InfluxDB | ${f(direct)} |
| through central into InfluxDB | ${f(through)} |
| through central into the embedded store | ${f(intoEmbedded)} |

**Through central: ${ratio.toFixed(2)}× the direct InfluxDB write rate** (goal ≥ 0.8×).

Why the goal is not met on this machine (measured in separate profiling
runs, not in this one): InfluxDB and central share the 2 cores, and both
are saturated, so the ratio is about (InfluxDB + client) ÷ (InfluxDB +
central) in CPU per point. InfluxDB spends 2.4–3.6 µs of CPU per point on
either path; central spends about 3.6 µs per point with today's wire format
(gunzip 0.1–0.2, JSON.parse 0.8, schema check 0.6, line protocol and HTTP
the rest). 0.8× needs central under about 0.6–0.9 µs per point. A columnar
wire format (points grouped by series, numbers in arrays) was prototyped:
0.6 µs per point in-process and 0.52–0.75× end to end — twice today's
rate, still short of the goal, so the wire format was not changed.

Edge agent process (\`vetra edge\`, one Modbus source with 16 channels
polled every 100 ms, SQLite queue, uplink to central) after 8 s: RSS
${rssMiB.toFixed(0)} MiB (224 MiB at the previous stop, when every agent loaded node-opcua; drivers now load on first use).
`,
      line: `ingest: points_per_s=${Math.round(through)} vs_direct_influx=${ratio.toFixed(2)}x`,
    };
  } finally {
    await influx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
