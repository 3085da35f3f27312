// The ingest goal of issue 15, measured pinned: a `vetra central` process
// alone on core 0 (`taskset -c 0`), InfluxDB and the load generator (this
// process) on core 1. Each round writes line protocol straight to InfluxDB,
// posts the same points through central as the columnar body (what agents
// send now) and posts as many other points as the version 1 body (older
// agents), in an order that alternates, so a change of the machine's load
// falls on all paths alike; each figure is the median over the rounds. Central's CPU per stored point comes from its
// own CPU time (/proc/<pid>/stat) over each measured window.

import { loadavg } from "node:os";
import { join } from "node:path";
import { startInfluxd } from "../test/helpers/influxd.ts";
import { BATCH, BATCHES, type Body, centralLoad, directLoad, QUICK } from "./ingest-load.ts";
import { startReplicas } from "./ingest-replicas.ts";
import { affinityOf, cpuSeconds, median, pin, requireTaskset } from "./pinning.ts";

export const CENTRAL_CORE = "0";
export const LOAD_CORE = "1";
export const ROUNDS = Number(process.env.VETRA_BENCH_INGEST_ROUNDS ?? (QUICK ? 3 : 7));

export interface PinnedIngest {
  /** Median points/s through central (columnar body), and straight to InfluxDB. */
  throughCentral: number;
  direct: number;
  /** Median over the rounds of (through central ÷ direct) of the same round. */
  ratio: number;
  ratios: number[];
  /** Median µs of central's CPU (user + system) per stored point. */
  centralUsPerPoint: number;
  /** The same three figures for the version 1 body. */
  throughCentralV1: number;
  ratioV1: number;
  centralUsPerPointV1: number;
  /** Median share of its core central used while the points went through it (1: saturated). */
  centralCoreBusy: number;
  /** 1, 5 and 15 min load averages when the pinned run started and ended. */
  loadStart: number[];
  loadEnd: number[];
  /** Points counted in InfluxDB afterwards, per path (every point sent must be stored once; through central: both bodies). */
  storedThroughCentral: number;
  storedDirect: number;
  sentPerPath: number;
}

async function influxQuery(url: string, db: string, q: string): Promise<unknown> {
  const res = await fetch(`${url}/query?db=${db}&q=${encodeURIComponent(q)}`, { method: "POST" });
  if (!res.ok) throw new Error(`influx query ${res.status}: ${await res.text()}`);
  return res.json();
}

async function countPoints(url: string, db: string): Promise<number> {
  const body = (await influxQuery(url, db, "SELECT count(power_kw) FROM scada")) as {
    results: { series?: { values: [string, number][] }[] }[];
  };
  return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
}

/** Runs the pinned comparison; the caller's CPU affinity is restored before it returns. */
export async function pinnedIngest(dir: string): Promise<PinnedIngest> {
  requireTaskset();
  const self = process.pid;
  const original = affinityOf(self);
  const loadStart = loadavg();
  // The load generator is this process: pinned before InfluxDB starts, so influxd inherits core 1 too.
  pin(self, LOAD_CORE);
  try {
    const influx = await startInfluxd();
    try {
      for (const db of ["central", "direct"]) await influxQuery(influx.url, "", `CREATE DATABASE ${db}`);
      const set = await startReplicas(join(dir, "pinned"), 1, {
        metadata: { kind: "sqlite" },
        store: { kind: "influx", url: influx.url, database: "central" },
        secretsKeyFile: join(dir, "secrets.key"),
        cpuList: CENTRAL_CORE,
        // VETRA_BENCH_CENTRAL_PROF_DIR=<dir>: central writes a V8 CPU profile there when it stops (where its time goes).
        nodeArgs: process.env.VETRA_BENCH_CENTRAL_PROF_DIR
          ? ["--cpu-prof", `--cpu-prof-dir=${process.env.VETRA_BENCH_CENTRAL_PROF_DIR}`]
          : [],
      });
      try {
        const pid = set.pids[0]!;
        if (affinityOf(pid) !== CENTRAL_CORE)
          throw new Error(`central (pid ${pid}) is not on core ${CENTRAL_CORE}`);
        const through = async (offset: number, body: Body) => {
          const load = await centralLoad(set.urls, set.token, offset, body);
          const cpu0 = cpuSeconds(pid);
          const rate = await load.send();
          return { rate, usPerPoint: ((cpuSeconds(pid) - cpu0) * 1e6) / load.points };
        };
        const direct = (offset: number) => directLoad(influx.url, "direct", offset).send();
        // Version 1 posts other points (an earlier time range) than the columnar body: each is new to InfluxDB.
        const v1Offset = (offset: number) => offset - (ROUNDS + 2) * BATCHES;
        // Warm-up of every path (JIT, InfluxDB's series index), then the measured rounds.
        await through(0, "v2");
        await through(v1Offset(0), "v1");
        await direct(0);
        type Row = {
          direct: number;
          v2: { rate: number; usPerPoint: number };
          v1: { rate: number; usPerPoint: number };
        };
        const rows: Row[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          const offset = (r + 1) * BATCHES;
          // The order alternates, so no path always follows another's InfluxDB compaction.
          const row = {} as Row;
          const steps: (() => Promise<void>)[] = [
            async () => {
              row.direct = await direct(offset);
            },
            async () => {
              row.v2 = await through(offset, "v2");
            },
            async () => {
              row.v1 = await through(v1Offset(offset), "v1");
            },
          ];
          if (r % 2 === 1) steps.reverse();
          for (const step of steps) await step();
          rows.push(row);
        }
        const ratios = rows.map((x) => x.v2.rate / x.direct);
        const sentPerPath = (ROUNDS + 1) * BATCHES * BATCH;
        return {
          throughCentral: median(rows.map((x) => x.v2.rate)),
          direct: median(rows.map((x) => x.direct)),
          ratio: median(ratios),
          ratios,
          centralUsPerPoint: median(rows.map((x) => x.v2.usPerPoint)),
          centralCoreBusy: median(rows.map((x) => (x.v2.usPerPoint * x.v2.rate) / 1e6)),
          throughCentralV1: median(rows.map((x) => x.v1.rate)),
          ratioV1: median(rows.map((x) => x.v1.rate / x.direct)),
          centralUsPerPointV1: median(rows.map((x) => x.v1.usPerPoint)),
          loadStart,
          loadEnd: loadavg(),
          storedThroughCentral: await countPoints(influx.url, "central"),
          storedDirect: await countPoints(influx.url, "direct"),
          sentPerPath,
        };
      } finally {
        await set.close();
      }
    } finally {
      await influx.stop();
    }
  } finally {
    pin(self, original);
  }
}
