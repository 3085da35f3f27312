// Sustained ingest: batches of 5000 points POSTed to central (real HTTP,
// gzip, auth, full validation) into a real InfluxDB, against writing the
// same points as line protocol straight to the same InfluxDB in the same
// run; then through central into the embedded store; then through central
// processes with their metadata in SQLite (the baseline) and in PostgreSQL,
// one and three replicas round robin (bench/ingest-replicas.ts); and the
// RSS of an edge agent process with 16 Modbus channels.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { parseCentralConfig } from "../central/config.ts";
import { startCentral } from "../central/server.ts";
import { FIXTURE_FLEET } from "../central/test-fixture.ts";
import type { Point } from "../common/wire.ts";
import { startModbusServer } from "../simulators/modbus-server.ts";
import { startInfluxd } from "../test/helpers/influxd.ts";
import { freePort } from "../test/helpers/ports.ts";
import { startPostgres } from "../test/helpers/postgres.ts";
import { startReplicas } from "./ingest-replicas.ts";
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

/** Points/s of BATCHES batches POSTed to central; with several URLs, batch b goes to urls[b % n] (round robin). */
async function viaCentral(url: string | string[], token: string, offset: number): Promise<number> {
  const urls = typeof url === "string" ? [url] : url;
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
    const res = await fetch(`${urls[b % urls.length]}/api/v1/ingest`, {
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

    // Central processes as deployed: metadata in SQLite (one replica: the baseline), in PostgreSQL (one, three).
    const store = { kind: "influx", url: influx.url, database: influx.database };
    const pg = await startPostgres();
    const replicaRates: { label: string; rate: number }[] = [];
    try {
      const runs = [
        ["one process, metadata in SQLite (baseline)", 1, { kind: "sqlite" }],
        ["one process, metadata in PostgreSQL", 1, { kind: "postgres", url: pg.url }],
        ["three processes round robin, metadata in one PostgreSQL", 3, { kind: "postgres", url: pg.url }],
      ] as const;
      for (const [k, [label, n, metadata]] of runs.entries()) {
        const set = await startReplicas(join(dir, `replicas-${k}`), n, {
          metadata,
          store,
          secretsKeyFile: join(dir, "secrets.key"),
        });
        try {
          // Offsets apart from the runs above: every batch id and point is new to the store and the database.
          await viaCentral(set.urls, set.token, (2 + 2 * k) * BATCHES);
          replicaRates.push({ label, rate: await viaCentral(set.urls, set.token, (3 + 2 * k) * BATCHES) });
        } finally {
          await set.close();
        }
      }
    } finally {
      await pg.stop();
    }
    const [sqliteOne, pgOne, pgThree] = replicaRates.map((r) => r.rate) as [number, number, number];

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
${replicaRates.map((r) => `| through central into InfluxDB: ${r.label} | ${f(r.rate)} |`).join("\n")}

**Through central: ${ratio.toFixed(2)}× the direct InfluxDB write rate** (goal ≥ 0.8×).

Central as separate processes (\`vetra central --config\`, each with its own
data dir, started from the sources; warm-up, then the measured batches):
with the metadata in PostgreSQL ${(pgOne / sqliteOne).toFixed(2)}× the rate of the same process
on SQLite (per batch central remembers its id in the metadata database: a
relaxed commit on either); three replicas on one PostgreSQL, batches
round robin, ${(pgThree / pgOne).toFixed(2)}× one replica. On this machine's 2 cores shared
by InfluxDB, PostgreSQL, the load generator and the replicas, three
replicas cannot add cores, and PostgreSQL's own work takes from the same
cores: the figures bound what coordinating through PostgreSQL costs here,
not how replicas scale on several nodes. The three runs come one after the
other (about 10 s each), not interleaved, so a change of the machine's load
between them moves their ratios. PostgreSQL is the throwaway cluster of
test/helpers/postgres.ts (loopback, fsync off).

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
      line: `ingest: points_per_s=${Math.round(through)} vs_direct_influx=${ratio.toFixed(2)}x pg_points_per_s=${Math.round(pgOne)} pg_vs_sqlite=${(pgOne / sqliteOne).toFixed(2)}x pg_3_replicas_points_per_s=${Math.round(pgThree)}`,
    };
  } finally {
    await influx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
