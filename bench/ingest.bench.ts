// Sustained ingest: batches of 5000 points POSTed to a `vetra central`
// process (real HTTP, gzip, auth, full validation; the columnar body agents
// send now, and the version 1 body beside it) pinned to its own core into a
// real InfluxDB, against writing the same points as line protocol straight
// to the same InfluxDB in the same run (bench/ingest-pinned.ts); what the
// body's shape costs per point in process (bench/ingest-inprocess.ts);
// then through central into the embedded store; then through central
// processes with their metadata in SQLite (the baseline) and in PostgreSQL,
// one and three replicas round robin (bench/ingest-replicas.ts); and the
// RSS of an edge agent process with 16 Modbus channels.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseCentralConfig } from "../central/config.ts";
import { startCentral } from "../central/server.ts";
import { startModbusServer } from "../simulators/modbus-server.ts";
import { FIXTURE_FLEET } from "../test/helpers/central-fixture.ts";
import { startInfluxd } from "../test/helpers/influxd.ts";
import { startPostgres } from "../test/helpers/postgres.ts";
import { inProcessCosts, type StageCosts } from "./ingest-inprocess.ts";
import { BATCH, BATCHES, CONCURRENCY, QUICK, viaCentral } from "./ingest-load.ts";
import { CENTRAL_CORE, LOAD_CORE, pinnedIngest, ROUNDS } from "./ingest-pinned.ts";
import { startReplicas } from "./ingest-replicas.ts";
import type { BenchSection } from "./section.ts";

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

const stageRow = (label: string, c: StageCosts): string =>
  `| ${label} | ${[c.gunzip, c.parse, c.schema, c.checks, c.lines, c.total].map((x) => x.toFixed(2)).join(" | ")} |`;

export async function ingestSection(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), "vetra-bench-ingest-"));
  const loadStart = loadavg();
  try {
    const pinned = await pinnedIngest(dir);
    // Through central: the columnar body's points and as many others in the version 1 body.
    if (
      pinned.storedThroughCentral !== 2 * pinned.sentPerPath ||
      pinned.storedDirect !== pinned.sentPerPath
    ) {
      throw new Error(
        `ingest bench: ${pinned.sentPerPath} points sent per path, InfluxDB holds ${pinned.storedThroughCentral} through central (both bodies) and ${pinned.storedDirect} direct`,
      );
    }
    const inProcess = inProcessCosts(BATCHES);

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
    await viaCentral(embedded.url, etoken, BATCHES);
    const intoEmbedded = await viaCentral(embedded.url, etoken, 0);
    const rssMiB = await agentRss(dir, embedded.url, etoken);
    await embedded.close();

    // Central processes as deployed, not pinned: metadata in SQLite (one replica: the baseline), in PostgreSQL (one, three).
    const influx = await startInfluxd();
    const pg = await startPostgres();
    const replicaRates: { label: string; rate: number }[] = [];
    try {
      await fetch(`${influx.url}/query?q=${encodeURIComponent(`CREATE DATABASE ${influx.database}`)}`, {
        method: "POST",
      });
      const store = { kind: "influx", url: influx.url, database: influx.database };
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
          // Offsets apart from each other run: every batch id and point is new to the store and the database.
          await viaCentral(set.urls, set.token, 2 * k * BATCHES);
          replicaRates.push({ label, rate: await viaCentral(set.urls, set.token, (1 + 2 * k) * BATCHES) });
        } finally {
          await set.close();
        }
      }
    } finally {
      await pg.stop();
      await influx.stop();
    }
    const [sqliteOne, pgOne, pgThree] = replicaRates.map((r) => r.rate) as [number, number, number];
    const loadEnd = loadavg();

    const f = (n: number) => Math.round(n).toLocaleString("en-US");
    const la = (l: number[]) => l.map((x) => x.toFixed(1)).join(" / ");
    const cpu = cpus();
    // Idle = nothing else ran before the bench started its own processes. The
    // later readings cannot be below ~2: central, InfluxDB and the load
    // generator keep both cores busy, so they count the bench itself.
    const idle = loadStart[0]! < 1.0;
    const { ratio } = pinned;
    return {
      title: "Ingest (central → store) and agent memory",
      markdown: `\`npm run bench -- ingest\` on ${cpu[0]?.model.trim() ?? "an unknown CPU"} (${cpu.length} logical
cores)${QUICK ? ", **quick setting (VETRA_BENCH_QUICK=1): a check that the bench works, not figures to quote**" : ""}.
Load average (1 / 5 / 15 min) ${la(pinned.loadStart)} when the pinned run
started, ${la(pinned.loadEnd)} when it ended; ${la(loadStart)} and ${la(loadEnd)} at the
start and end of the section (the readings taken while it runs include the
bench's own processes, which keep both cores busy; the machine counts as idle
when the 1-minute load was under 1 before the bench started anything). **The pinned figures are only fair on an
otherwise idle machine**: pinning gives central a core of its own against
InfluxDB and the load generator, not against other work${idle ? "" : " — this machine was not idle during the run, so treat them as noisy"}.

**Pinned** (\`pinned=1\`): one \`vetra central\` process (started from the
sources, metadata in SQLite, store InfluxDB) alone on core ${CENTRAL_CORE} (\`taskset -c
${CENTRAL_CORE}\`); the throwaway InfluxDB 1.x of test/helpers/influxd.ts and the load
generator (the bench process, \`taskset -acp ${LOAD_CORE}\`) on core ${LOAD_CORE}. ${ROUNDS} rounds of
${BATCHES} batches of ${BATCH} points (3 fields each), ${CONCURRENCY} in flight, after a warm-up
round; within each round the same points go once as line protocol straight
to InfluxDB's \`/write\` (the baseline: no central at all, into its own
database) and once through central as the columnar body agents send now
(HTTP POST \`/api/v1/ingest\`, \`Content-Type: application/vnd.vetra.points.v2+json\`,
gzip'd, bearer token, full validation, write to InfluxDB, acknowledgement),
and as many other points of the same shape go through central as the
version 1 body (\`application/json\`, a list of point objects, what older
agents send); the order of the three alternates, so load changes fall on all
alike. Figures are medians over the rounds; central's CPU is its own user +
system time (/proc/<pid>/stat) over each measured window, divided by the
points it stored. Afterwards InfluxDB held every point sent, once, on every
path (${f(pinned.sentPerPath)} each).

| path (pinned) | points/s | × direct (median of the rounds' ratios) | central µs of CPU per point |
| --- | ---: | ---: | ---: |
| line protocol straight to InfluxDB | ${f(pinned.direct)} | 1.00 | – |
| through central into InfluxDB, columnar body | ${f(pinned.throughCentral)} | ${ratio.toFixed(2)} | ${pinned.centralUsPerPoint.toFixed(2)} |
| through central into InfluxDB, version 1 body | ${f(pinned.throughCentralV1)} | ${pinned.ratioV1.toFixed(2)} | ${pinned.centralUsPerPointV1.toFixed(2)} |

**Through central (columnar body): ${ratio.toFixed(2)}× the direct InfluxDB write rate** (goal ≥ 0.8×;
per round ${pinned.ratios.map((r) => r.toFixed(2)).join(", ")}), central
spending **${pinned.centralUsPerPoint.toFixed(2)} µs of CPU per stored point**${idle ? "" : " (a loaded machine: not a figure to hold the goal against)"}.

What the body's shape decides, in process (bench/ingest-inprocess.ts: the
same ${BATCHES} batches, CPU time of the bench process, so the machine's other work
counts less than in wall time; no HTTP, no store): gunzip, JSON parse
(version 1 through secure-json-parse as fastify parses it, the columnar body
with plain JSON.parse: its schema is closed), the schema (the TypeBox
schemas compiled by Ajv with central's options), the checks after it
(catalog, times, values, series keys) and the line protocol, µs per point:

| body | gunzip | parse | schema | checks | line protocol | total |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${stageRow("version 1 (points)", inProcess.v1)}
${stageRow("columnar", inProcess.v2)}

Not pinned, one after the other (columnar body; warm-up, then ${BATCHES} batches each; these
share both cores with whatever runs):

| path | points/s |
| --- | ---: |
| through central (in-process) into the embedded store | ${f(intoEmbedded)} |
${replicaRates.map((r) => `| through central into InfluxDB: ${r.label} | ${f(r.rate)} |`).join("\n")}

Central as separate processes (\`vetra central --config\`, each with its own
data dir): with the metadata in PostgreSQL ${(pgOne / sqliteOne).toFixed(2)}× the rate of the same
process on SQLite (per batch central remembers its id in the metadata
database: a relaxed commit on either); three replicas on one PostgreSQL,
batches round robin, ${(pgThree / pgOne).toFixed(2)}× one replica. On 2 cores shared by InfluxDB,
PostgreSQL, the load generator and the replicas, three replicas cannot add
cores, and PostgreSQL's own work takes from the same cores: the figures
bound what coordinating through PostgreSQL costs here, not how replicas
scale on several nodes. The three runs are not interleaved, so a change of
the machine's load between them moves their ratios. PostgreSQL is the
throwaway cluster of test/helpers/postgres.ts (loopback, fsync off).

Central's core was ${(pinned.centralCoreBusy * 100).toFixed(0)} % busy while the columnar batches went through it,
so central is ${pinned.centralCoreBusy > 0.85 ? "the bottleneck" : "not saturated (it waits on something else: InfluxDB and the client on the other core, the batches in flight, or the other work on the machine)"}: 0.8× of this run's direct rate
needs central at or below ${(1e6 / (0.8 * pinned.direct)).toFixed(1)} µs of CPU per point on its core.
The columnar body groups a batch's points by series (measurement and tags
once, field names once, timestamps and values as arrays of numbers): JSON
parse makes a few arrays of numbers instead of three objects per point, the
schema walks numbers, the checks work per series and per column, and the
line protocol is built from the columns with the series part and each
field's \`key=\` escaped once per series and a timestamp's millions printed
once per 1000 s. What is left per point is printing its numbers, gunzip,
HTTP and the write to InfluxDB. An earlier profile of the version 1 path
(\`VETRA_BENCH_CENTRAL_PROF_DIR=<dir>\` starts the pinned central with
node's \`--cpu-prof\`) put garbage collection at 2.8 µs per point, JSON.parse
through secure-json-parse 1.2, line protocol 1.0, validation 1.5, the
InfluxDB client 0.7 and gunzip 0.45.

Edge agent process (\`vetra edge\`, one Modbus source with 16 channels
polled every 100 ms, SQLite queue, uplink to central) after 8 s: RSS
${rssMiB.toFixed(0)} MiB.
`,
      line: `ingest: points_per_s=${Math.round(pinned.throughCentral)} vs_direct_influx=${ratio.toFixed(2)}x pinned=1 central_us_per_point=${pinned.centralUsPerPoint.toFixed(2)} body=v2 v1_vs_direct_influx=${pinned.ratioV1.toFixed(2)}x v1_central_us_per_point=${pinned.centralUsPerPointV1.toFixed(2)} inprocess_us_per_point_v1=${inProcess.v1.total.toFixed(2)} inprocess_us_per_point_v2=${inProcess.v2.total.toFixed(2)} direct_points_per_s=${Math.round(pinned.direct)} load_1m=${pinned.loadStart[0]!.toFixed(1)}-${pinned.loadEnd[0]!.toFixed(1)} pg_points_per_s=${Math.round(pgOne)} pg_vs_sqlite=${(pgOne / sqliteOne).toFixed(2)}x pg_3_replicas_points_per_s=${Math.round(pgThree)}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
