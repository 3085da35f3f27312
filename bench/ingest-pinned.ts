// The ingest goal of issue 15, measured pinned: a `vetra central` process
// alone on core 0 (`taskset -c 0`), InfluxDB and the load generator (this
// process) on core 1. Rounds alternate between writing line protocol
// straight to InfluxDB and posting the same points through central, so a
// change of the machine's load falls on both paths alike; each figure is
// the median over the rounds. Central's CPU per stored point comes from its
// own CPU time (/proc/<pid>/stat) over each measured window.

import { loadavg } from "node:os";
import { join } from "node:path";
import { startInfluxd } from "../test/helpers/influxd.ts";
import { BATCH, BATCHES, centralLoad, directLoad, QUICK } from "./ingest-load.ts";
import { startReplicas } from "./ingest-replicas.ts";
import { affinityOf, cpuSeconds, median, pin, requireTaskset } from "./pinning.ts";

export const CENTRAL_CORE = "0";
export const LOAD_CORE = "1";
export const ROUNDS = Number(process.env.VETRA_BENCH_INGEST_ROUNDS ?? (QUICK ? 3 : 7));

export interface PinnedIngest {
  /** Median points/s through central, and straight to InfluxDB. */
  throughCentral: number;
  direct: number;
  /** Median over the rounds of (through central ÷ direct) of the same round. */
  ratio: number;
  ratios: number[];
  /** Median µs of central's CPU (user + system) per stored point. */
  centralUsPerPoint: number;
  /** Median share of its core central used while the points went through it (1: saturated). */
  centralCoreBusy: number;
  /** 1, 5 and 15 min load averages when the pinned run started and ended. */
  loadStart: number[];
  loadEnd: number[];
  /** Points counted in InfluxDB afterwards, per path (every point sent must be stored once). */
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
        const through = async (offset: number) => {
          const load = await centralLoad(set.urls, set.token, offset);
          const cpu0 = cpuSeconds(pid);
          const rate = await load.send();
          return { rate, usPerPoint: ((cpuSeconds(pid) - cpu0) * 1e6) / load.points };
        };
        const direct = (offset: number) => directLoad(influx.url, "direct", offset).send();
        // Warm-up of both paths (JIT, InfluxDB's series index), then the measured rounds.
        await through(0);
        await direct(0);
        const rows: { direct: number; through: number; usPerPoint: number }[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          const offset = (r + 1) * BATCHES;
          // Which path goes first alternates, so neither always follows the other's InfluxDB compaction.
          if (r % 2 === 0) {
            const d = await direct(offset);
            const t = await through(offset);
            rows.push({ direct: d, through: t.rate, usPerPoint: t.usPerPoint });
          } else {
            const t = await through(offset);
            const d = await direct(offset);
            rows.push({ direct: d, through: t.rate, usPerPoint: t.usPerPoint });
          }
        }
        const ratios = rows.map((x) => x.through / x.direct);
        const sentPerPath = (ROUNDS + 1) * BATCHES * BATCH;
        return {
          throughCentral: median(rows.map((x) => x.through)),
          direct: median(rows.map((x) => x.direct)),
          ratio: median(ratios),
          ratios,
          centralUsPerPoint: median(rows.map((x) => x.usPerPoint)),
          centralCoreBusy: median(rows.map((x) => (x.usPerPoint * x.through) / 1e6)),
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
