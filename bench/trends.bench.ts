// Trends over a year (issue 16, part 2): a turbine's measuring point with a
// block every 10 minutes for 365 days (52,560 blocks, the twelve trended
// fields each), read as the trend page reads it — min, mean and max per day
// (the route's automatic window for a year) — by the store itself: the
// embedded store's rollups (central/stores/embedded-rollups.ts) and InfluxQL
// `GROUP BY time` on a real influxd. The named baseline, measured in the same
// run on the same data, is the raw read: every sample of the year and fields
// (`queryColumns`, one column pair per field) grouped into the same windows
// in JavaScript — what the route would cost without store-side downsampling.
// The embedded store without rollups (it groups the samples in SQL) is shown
// too, so the rollups' share is visible. The route is timed over real HTTP
// against a real central holding the data.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseCentralConfig } from "../central/config.ts";
import { DEFAULT_TREND_FIELDS } from "../central/plugins/views.ts";
import { startCentral } from "../central/server.ts";
import { openEmbeddedStore } from "../central/stores/embedded.ts";
import { openInfluxStore } from "../central/stores/influx.ts";
import type { BucketQuery, TimeSeriesStore } from "../central/stores/types.ts";
import type { Point } from "../common/wire.ts";
import { BEARING_AND_GEARBOX_POINTS } from "../test/helpers/central-fixture.ts";
import { influxdPath, startInfluxd } from "../test/helpers/influxd.ts";
import { freePort } from "../test/helpers/ports.ts";
import type { BenchSection } from "./section.ts";
import { rollupWriteCost } from "./trends-write.ts";

const DAY = 86_400_000;
const BLOCK_MS = 600_000;
const DAYS = 365;
const POINTS = ["main_bearing", "gearbox_hss"] as const;
/** The trend page's default fields (central/plugins/views.ts). */
const TREND_FIELDS = DEFAULT_TREND_FIELDS;
/** What a block writes: those and the zone. */
const FIELDS = [...TREND_FIELDS, "iso_zone"] as const;
const REQUESTS = Number(process.env.VETRA_BENCH_TRENDS_REQUESTS ?? 40);
const RAW_READS = 5;

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toPrecision(3));
const stats = (samples: number[]) => {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1]! };
};

/** A year of one turbine's blocks: slow drifts, a daily load cycle and noise, deterministic. */
function yearOfBlocks(toMs: number): Point[] {
  const out: Point[] = [];
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const blocks = (DAYS * DAY) / BLOCK_MS;
  for (const point of POINTS)
    for (let i = 0; i < blocks; i++) {
      const ts = toMs - (blocks - i) * BLOCK_MS;
      const load = 0.5 + 0.5 * Math.sin((2 * Math.PI * ts) / DAY);
      const v = 1 + 0.8 * load + (2 * i) / blocks + 0.2 * rnd();
      const fields: Record<string, number> = {};
      for (const [k, f] of FIELDS.entries())
        fields[f] =
          f === "iso_zone" ? (v < 1.4 ? 1 : v < 2.8 ? 2 : 3) : v * (1 + k / 10) * (1 + 0.05 * rnd());
      out.push({ measurement: "vibration", tags: { site: "wf1", asset: "T01", point }, fields, ts });
    }
  return out;
}

/** The baseline: every sample of each field, then min/mean/max/count per window in JavaScript. */
async function rawThenGroup(store: TimeSeriesStore, q: BucketQuery): Promise<number> {
  let windows = 0;
  for (const field of q.fields) {
    const base = { measurement: q.measurement, field, tags: q.tags ?? {}, fromMs: q.fromMs, toMs: q.toMs };
    const cols = store.queryColumns
      ? await store.queryColumns(base)
      : await store.query(base).then((r) =>
          r.kind === "success"
            ? {
                kind: "success" as const,
                value: r.value.map((s) => ({
                  tags: s.tags,
                  ts: Float64Array.from(s.points, (p) => p.ts),
                  values: Float64Array.from(s.points, (p) => p.value),
                })),
              }
            : r,
        );
    if (cols.kind !== "success") throw new Error(cols.message);
    const acc = new Map<number, [number, number, number, number]>();
    for (const s of cols.value)
      for (let i = 0; i < s.ts.length; i++) {
        const w = s.ts[i]! - (s.ts[i]! % q.everyMs);
        const v = s.values[i]!;
        const a = acc.get(w);
        if (a) {
          if (v < a[0]) a[0] = v;
          if (v > a[1]) a[1] = v;
          a[2] += v;
          a[3]++;
        } else acc.set(w, [v, v, v, 1]);
      }
    windows = acc.size;
  }
  return windows;
}

async function timeBucketed(store: TimeSeriesStore, q: BucketQuery, n: number): Promise<number[]> {
  const ms: number[] = [];
  for (let r = 0; r < n; r++) {
    const t = performance.now();
    const b = await store.bucketed(q);
    if (b.kind !== "success") throw new Error(b.message);
    ms.push(performance.now() - t);
    if (b.value[0]!.ts.length < DAYS) throw new Error(`a year gave ${b.value[0]!.ts.length} windows`);
  }
  return ms;
}

async function timeRaw(store: TimeSeriesStore, q: BucketQuery, n: number): Promise<number[]> {
  const ms: number[] = [];
  for (let r = 0; r < n; r++) {
    const t = performance.now();
    const windows = await rawThenGroup(store, q);
    ms.push(performance.now() - t);
    if (windows < DAYS) throw new Error(`the raw read gave ${windows} windows`);
  }
  return ms;
}

export async function trendsSection(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), "vetra-bench-trends-"));
  // Day-aligned, so the year's windows are whole days (the route's window for a year is 1 d).
  const toMs = Math.floor(Date.now() / DAY) * DAY;
  const fromMs = toMs - DAYS * DAY;
  const points = yearOfBlocks(toMs);
  const config = parseCentralConfig({
    server: { port: await freePort() },
    dataDir: dir,
    tenants: [{ id: "sc-north", name: "North Wind Service" }],
    sites: [{ id: "wf1", name: "Wind farm 1", kind: "wind_farm" }],
    assets: [
      {
        id: "T01",
        name: "WTG 1",
        kind: "turbine",
        site: "wf1",
        tenant: "sc-north",
        points: BEARING_AND_GEARBOX_POINTS,
      },
    ],
    alarms: { evaluateEveryMs: 0 },
  });
  const load = loadavg()[0]!;
  const central = await startCentral(config);
  const plain = openEmbeddedStore({ path: join(dir, "plain.sqlite"), rollups: false });
  const influxd = influxdPath() ? await startInfluxd() : null;
  try {
    const writes: [string, TimeSeriesStore][] = [
      ["embedded with rollups (central's store)", central.store],
      ["embedded without rollups", plain],
    ];
    const influx = influxd
      ? openInfluxStore({ url: influxd.url, database: influxd.database, createDatabase: true })
      : null;
    if (influx) writes.push(["InfluxDB", influx]);
    const writeS = new Map<string, number>();
    for (const [name, store] of writes) {
      const t = performance.now();
      for (let i = 0; i < points.length; i += 5000) {
        const w = await store.write(points.slice(i, i + 5000));
        if (w.kind !== "success") throw new Error(`${name}: ${w.message}`);
      }
      writeS.set(name, (performance.now() - t) / 1000);
    }
    const writeCost = await rollupWriteCost(dir, FIELDS, {
      liveMinutes: Number(process.env.VETRA_BENCH_TRENDS_LIVE_MINUTES ?? 15),
      backfillDays: Number(process.env.VETRA_BENCH_TRENDS_BACKFILL_DAYS ?? 90),
    });

    const q: BucketQuery = {
      measurement: "vibration",
      fields: TREND_FIELDS,
      tags: { asset: "T01", point: "main_bearing" },
      fromMs,
      toMs,
      everyMs: DAY,
    };
    // The route, over HTTP, as the trend page asks for a year (every default field, the automatic window).
    const token = await central.meta.tokens.create({
      role: "service_company",
      tenant: "sc-north",
      label: "bench",
    });
    const path = `/api/v1/assets/T01/trends?point=main_bearing&from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`;
    let bodyBytes = 0;
    let everyMs = 0;
    const route: number[] = [];
    for (let r = 0; r < REQUESTS + 5; r++) {
      const t = performance.now();
      const res = await fetch(`${central.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      const ms = performance.now() - t;
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}`);
      if (r >= 5) route.push(ms);
      bodyBytes = Buffer.byteLength(text);
      everyMs = (JSON.parse(text) as { everyMs: number }).everyMs;
    }
    if (everyMs !== DAY) throw new Error(`the route chose a window of ${everyMs} ms for a year, not 1 d`);

    // The stores in-process, interleaved so a busy machine weighs on each alike.
    const rows: { name: string; ms: number[] }[] = [
      { name: "embedded, rollups (`bucketed`)", ms: [] },
      { name: "embedded, no rollups (`bucketed`: samples grouped in SQL)", ms: [] },
      { name: "**baseline**: embedded, raw read (`queryColumns`) grouped in JavaScript", ms: [] },
    ];
    if (influx)
      rows.push(
        { name: "InfluxDB, `GROUP BY time(1d)` (`bucketed`)", ms: [] },
        { name: "InfluxDB, raw read (`query`) grouped in JavaScript", ms: [] },
      );
    for (const store of [central.store, plain, ...(influx ? [influx] : [])]) await timeBucketed(store, q, 2);
    for (let r = 0; r < RAW_READS; r++) {
      rows[0]!.ms.push(...(await timeBucketed(central.store, q, REQUESTS / RAW_READS)));
      rows[1]!.ms.push(...(await timeBucketed(plain, q, 1)));
      rows[2]!.ms.push(...(await timeRaw(central.store, q, 1)));
      if (influx) {
        rows[3]!.ms.push(...(await timeBucketed(influx, q, REQUESTS / RAW_READS)));
        rows[4]!.ms.push(...(await timeRaw(influx, q, 1)));
      }
    }
    const s = rows.map((row) => ({ ...row, ...stats(row.ms) }));
    const rt = stats(route);
    const base = s[2]!;
    const rollup = s[0]!;
    const vsRaw = base.p50 / rollup.p50;
    const influxVsRaw = influx ? s[4]!.p50 / s[3]!.p50 : null;
    const live = writeCost.find((c) => c.shape === "live ingest")!;
    const rollupCpu = live.withCpuUs / live.withoutCpuUs;
    const line = `trends: year_route_p50_ms=${fmt(rt.p50)} year_route_p99_ms=${fmt(rt.p99)} vs_raw_read=${fmt(vsRaw)}x${influxVsRaw === null ? "" : ` influx_vs_raw_read=${fmt(influxVsRaw)}x`} rollup_write_cpu=${fmt(rollupCpu)}x`;
    const writeRows = writeCost
      .map(
        (c) =>
          `| ${c.shape} (${c.points.toLocaleString("en")} points, ${c.batches.toLocaleString("en")} batches of up to ${c.maxBatch}) | ${fmt(c.withoutCpuUs)} | ${fmt(c.withCpuUs)} | ${fmt(c.withCpuUs / c.withoutCpuUs)}× | ${fmt(c.withoutUs)} | ${fmt(c.withUs)} | ${fmt(c.withUs / c.withoutUs)}× |`,
      )
      .join("\n");
    const blocks = points.length / POINTS.length;
    const markdown = `\`npm run bench -- trends\` (bench/trends.bench.ts). One turbine, ${POINTS.length} measuring points, a block every 10 min for ${DAYS} days (${blocks.toLocaleString("en")} blocks a point, ${FIELDS.length} fields each; ${points.length.toLocaleString("en")} points written in ${[
      ...writeS,
    ]
      .map(([n, sec]) => `${sec.toFixed(1)} s to the ${n}`)
      .join(
        ", ",
      )}). A year of the main bearing's ${TREND_FIELDS.length} trend fields as the trend page reads it: min, mean, max and count per day (${DAYS} windows). ${REQUESTS} reads each after a warm-up, the stores interleaved; latency by the client; load average ${load.toFixed(1)} on ${cpus().length} cores when the run began (other work on the machine slows every row alike; the ratios are the figures to compare). ${influx ? "InfluxDB 1.x started by the test harness (test/helpers/influxd.ts, loopback)." : "influxd was not installed: InfluxDB rows left out."}

| read of a year (same run) | p50, ms | p99, ms | max, ms |
| --- | ---: | ---: | ---: |
| route: \`GET /api/v1/assets/T01/trends\` (real central, HTTP, embedded store with rollups, ${(bodyBytes / 1024).toFixed(0)} KiB) | ${fmt(rt.p50)} | ${fmt(rt.p99)} | ${fmt(rt.max)} |
${s.map((x) => `| ${x.name} | ${fmt(x.p50)} | ${fmt(x.p99)} | ${fmt(x.max)} |`).join("\n")}

The route answers a year in ${fmt(rt.p50)} ms (p50), ${fmt(rt.p99)} ms (p99). The embedded store's rollups read the year **${fmt(vsRaw)}×** faster than the baseline raw read (p50)${influxVsRaw === null ? "" : `; InfluxDB's \`GROUP BY time\` ${fmt(influxVsRaw)}× faster than its raw read`}.

What the rollups cost at write (bench/trends-write.ts): the same vibration points (${FIELDS.length} fields each) written into an embedded store with rollups (central's default) and one without, batch by batch alternately in the same run; each write one transaction, synced as central syncs it. Live ingest: 30 measuring points with a block every 2.56 s, a batch per second of an agent's output (the uplink's flush interval); backfill: a block every 10 min of 2 points, 1000 points a batch.

| write, per point (same run) | CPU without rollups, µs | CPU with, µs | ratio | clock without, µs | clock with, µs | ratio |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${writeRows}

The rollup costs **${fmt(live.withCpuUs - live.withoutCpuUs)} µs of CPU per live point** (${fmt(rollupCpu)}× the store's CPU without it). Its updates are already folded per write (one upsert per series, field, level and window a batch touches, embedded-rollups.ts), but in a live batch of one second every point is a series of its own, so each of its ${FIELDS.length} fields adds a row to each of the three levels: 3 rollup upserts per sample stored. The cost is SQLite's work on those rows, not the calls: the upserts of a write sent as multi-row statements (64 windows each) were measured at the same CPU per point and not kept. What would lower it is fewer rows — one row per series, level and window holding every field's aggregates, 3 upserts per point instead of ${3 * FIELDS.length} — a change of the rollup table's format, not made here.

Line: \`${line}\``;
    return { title: "Trends over a year (store-side downsampling)", markdown, line };
  } finally {
    await central.close();
    await plain.close();
    await influxd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
