// The embedded store's rollups cost at write (central/stores/embedded-rollups.ts):
// the same points written into two embedded stores, one keeping rollups
// (central's default) and one not, batch by batch alternately, so the load
// of the machine falls on both alike. Two shapes of write:
// - live ingest: an agent's vibration points as central receives them — 30
//   measuring points (10 turbines × 3) with a block every 2.56 s, in
//   batches of one second of the agent's output (the uplink's default
//   flush interval, 1 s): each 10-min and hourly window takes many samples
//   over many batches;
// - backfill: a block every 10 min of 2 points, 1000 points a batch (a
//   history imported at once, as the year of the trends section): every
//   sample opens a 10-min window of its own.
// Time per point by the clock and by the process's CPU (the CPU figure is
// steadier on a shared machine). Each write is one transaction, synced as
// central's store syncs it (WAL, synchronous=FULL), so the figures are what
// ingest pays, fsync included.
import { join } from "node:path";
import { cpuUsage } from "node:process";
import { openEmbeddedStore } from "../central/stores/embedded.ts";
import type { TimeSeriesStore } from "../central/stores/types.ts";
import type { Point } from "../common/wire.ts";

export interface RollupWriteCost {
  shape: "live ingest" | "backfill";
  points: number;
  batches: number;
  /** Points of the largest batch. */
  maxBatch: number;
  /** Per point, µs: clock and CPU, with and without rollups. */
  withUs: number;
  withoutUs: number;
  withCpuUs: number;
  withoutCpuUs: number;
}

/** Deterministic feature values (a slow drift and noise): the cost does not depend on them but on their count. */
function makeRandom(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

function pointOf(
  asset: string,
  point: string,
  ts: number,
  fields: readonly string[],
  rnd: () => number,
): Point {
  const values: Record<string, number> = {};
  for (const [k, f] of fields.entries()) values[f] = f === "iso_zone" ? 2 : (1 + k / 10) * (1 + 0.2 * rnd());
  return { measurement: "vibration", tags: { site: "wf1", asset, point }, fields: values, ts };
}

/** 30 points, a block every 2.56 s each, for `minutes`, in batches of one second of blocks. */
function liveBatches(fromMs: number, minutes: number, fields: readonly string[]): Point[][] {
  const rnd = makeRandom(11);
  const blockMs = 2560;
  const all: Point[] = [];
  const points = ["main_bearing", "gearbox_hss", "generator_de"];
  for (let t = 0; t < minutes * 60_000; t += blockMs)
    for (let a = 0; a < 10; a++)
      for (const [j, p] of points.entries()) {
        // The 30 points' blocks are spread over the 2.56 s, as continuous acquisition makes them.
        const ts = fromMs + t + Math.floor(((a * 3 + j) * blockMs) / 30);
        all.push(pointOf(`T${String(a + 1).padStart(2, "0")}`, p, ts, fields, rnd));
      }
  all.sort((x, y) => x.ts - y.ts);
  const batches: Point[][] = [];
  for (const p of all) {
    const second = Math.floor((p.ts - fromMs) / 1000);
    const batch = batches[second];
    if (batch) batch.push(p);
    else batches[second] = [p];
  }
  return batches.filter((b) => b !== undefined);
}

/** 2 points, a block every 10 min, for `days`, 1000 points a batch. */
function backfillBatches(fromMs: number, days: number, fields: readonly string[]): Point[][] {
  const rnd = makeRandom(13);
  const all: Point[] = [];
  for (const p of ["main_bearing", "gearbox_hss"])
    for (let ts = fromMs; ts < fromMs + days * 86_400_000; ts += 600_000)
      all.push(pointOf("T01", p, ts, fields, rnd));
  const batches: Point[][] = [];
  for (let i = 0; i < all.length; i += 1000) batches.push(all.slice(i, i + 1000));
  return batches;
}

async function timeWrite(store: TimeSeriesStore, batch: Point[]): Promise<[number, number]> {
  const cpu0 = cpuUsage();
  const t = performance.now();
  const w = await store.write(batch);
  const wall = performance.now() - t;
  const cpu = cpuUsage(cpu0);
  if (w.kind !== "success") throw new Error(`rollup write bench: ${w.message}`);
  return [wall * 1000, cpu.user + cpu.system];
}

export async function rollupWriteCost(
  dir: string,
  fields: readonly string[],
  options: { liveMinutes: number; backfillDays: number },
): Promise<RollupWriteCost[]> {
  const fromMs = Date.UTC(2026, 0, 1);
  const shapes: [RollupWriteCost["shape"], Point[][]][] = [
    ["live ingest", liveBatches(fromMs, options.liveMinutes, fields)],
    ["backfill", backfillBatches(fromMs, options.backfillDays, fields)],
  ];
  const out: RollupWriteCost[] = [];
  for (const [shape, batches] of shapes) {
    const withRollups = openEmbeddedStore({ path: join(dir, `write-${shape}-rollups.sqlite`) });
    const without = openEmbeddedStore({ path: join(dir, `write-${shape}-plain.sqlite`), rollups: false });
    const sum = { with: 0, without: 0, withCpu: 0, withoutCpu: 0 };
    try {
      for (const [i, batch] of batches.entries()) {
        // Alternating order: neither store always writes first (after the other's fsync).
        const order: [TimeSeriesStore, "with" | "without"][] =
          i % 2 === 0
            ? [
                [withRollups, "with"],
                [without, "without"],
              ]
            : [
                [without, "without"],
                [withRollups, "with"],
              ];
        for (const [store, key] of order) {
          const [wallUs, cpuUs] = await timeWrite(store, batch);
          sum[key] += wallUs;
          sum[key === "with" ? "withCpu" : "withoutCpu"] += cpuUs;
        }
      }
    } finally {
      await withRollups.close();
      await without.close();
    }
    const points = batches.reduce((n, b) => n + b.length, 0);
    out.push({
      shape,
      points,
      batches: batches.length,
      maxBatch: Math.max(...batches.map((b) => b.length)),
      withUs: sum.with / points,
      withoutUs: sum.without / points,
      withCpuUs: sum.withCpu / points,
      withoutCpuUs: sum.withoutCpu / points,
    });
  }
  return out;
}
