// The console's API at fleet scale: 2,000 turbines (4 measuring points
// each, 40 sites, 20 service companies) and 50,000 historical alarms made by
// the real alarm book (raise/clear rounds), served by a real central over
// real HTTP. p99 of the alarm list and the fleet view, for the region (all
// companies) and for one company; the named baseline, measured in the same
// run, is what an alarm request cost before the alarm book: deriving the
// alarms from the time-series store per request (`deriveConditions`, still
// the evaluator's first step). The same fleet and history are built twice,
// once with the metadata in SQLite and once in PostgreSQL (the throwaway
// cluster of test/helpers/postgres.ts), and the two centrals are measured
// in the same loop, request by request, so a busy machine weighs on both
// alike. Then notification fan-out for 1,000 simultaneous alarms
// (bench/notify.bench.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseCentralConfig } from "../central/config.ts";
import { AlarmBook, type Condition } from "../central/maintenance/alarm-book.ts";
import { deriveConditions } from "../central/maintenance/conditions.ts";
import { type RunningCentral, startCentral } from "../central/server.ts";
import type { Point } from "../common/wire.ts";
import { freePort } from "../test/helpers/ports.ts";
import { type RunningPostgres, startPostgres } from "../test/helpers/postgres.ts";
import type { BenchSection } from "./section.ts";

// Read before anything of the bench runs, so the section says what else the machine was doing.
const LOAD_AT_START = loadavg();
const TURBINES = 2000;
const SITES = 40;
const COMPANIES = 20;
const HISTORY_ALARMS = 50_000;
const REQUESTS = Number(process.env.VETRA_BENCH_CONSOLE_REQUESTS ?? 300);
const POINTS = ["main_bearing", "gearbox_hss", "generator_de", "nacelle"] as const;
const COMPONENT = {
  main_bearing: "main_bearing",
  gearbox_hss: "gearbox",
  generator_de: "generator",
  nacelle: "nacelle",
};
const FAULTS = ["bearing_outer_race", "bearing_inner_race", "imbalance", "misalignment", "gear_mesh"];
const DAY = 86_400_000;

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toPrecision(3));
const stats = (samples: number[]) => {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1]! };
};

const turbineId = (i: number) => `WT${String(i).padStart(4, "0")}`;
const companyOf = (i: number) => `sc-${String(i % COMPANIES).padStart(2, "0")}`;

async function timeRequests(url: string, token: string, n: number): Promise<{ ms: number[]; bytes: number }> {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.arrayBuffer();
    ms.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${Buffer.from(body).toString()}`);
    bytes = body.byteLength;
  }
  return { ms, bytes };
}

const HISTORY = "/api/v1/alarms?state=cleared&sort=raisedAt&limit=100";
/** Rows before the deep history page (half the history): what paging by offset reads past. */
const DEEP = 25_000;

const ROUTES = [
  ["GET /api/v1/alarms (region: open, sorted, one page of 200)", "/api/v1/alarms", "admin"],
  ["GET /api/v1/alarms (one company: its 100 open)", "/api/v1/alarms", "company"],
  [
    "GET /api/v1/alarms?state=cleared&sort=raisedAt&limit=100 (history page)",
    "/api/v1/alarms?state=cleared&sort=raisedAt&limit=100",
    "admin",
  ],
  [
    "GET /api/v1/alarms?state=cleared&sort=raisedAt&limit=100&offset=25000 (a deep history page by offset)",
    `${HISTORY}&offset=${DEEP}`,
    "admin",
  ],
  [
    "GET /api/v1/alarms?state=cleared&sort=raisedAt&limit=100&after=… (the same page after a cursor)",
    `${HISTORY}&after=`,
    "admin",
  ],
  ["GET /api/v1/fleet (region: 2,000 turbines)", "/api/v1/fleet", "admin"],
  ["GET /api/v1/fleet (one company: 100 turbines)", "/api/v1/fleet", "company"],
] as const;

/** One central with the fleet, its store's latest blocks and the alarm history, ready to be asked. */
interface Fleet {
  central: RunningCentral;
  dir: string;
  book: AlarmBook;
  tokens: { admin: string; company: string };
  /** The `next` of the row before the deep history page: where the cursor route starts. */
  deepCursor: string;
  total: number;
  historyS: number;
  open: number;
}

async function buildFleet(metadata: object, now: number): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), "vetra-bench-console-"));
  const config = parseCentralConfig({
    server: { port: await freePort() },
    dataDir: dir,
    metadata,
    tenants: Array.from({ length: COMPANIES }, (_, c) => ({ id: companyOf(c), name: `Service ${c}` })),
    sites: Array.from({ length: SITES }, (_, s) => ({
      id: `wf${s}`,
      name: `Wind farm ${s}`,
      kind: "wind_farm",
    })),
    assets: Array.from({ length: TURBINES }, (_, i) => ({
      id: turbineId(i),
      name: `WTG ${i}`,
      kind: "turbine",
      site: `wf${i % SITES}`,
      tenant: companyOf(i),
      points: POINTS.map((p) => ({ id: p, component: COMPONENT[p] })),
    })),
    // History is made below; nothing may clear it while measuring.
    alarms: { evaluateEveryMs: 0, clearAfterMs: 365 * DAY },
  });
  const central = await startCentral(config);
  try {
    // The store: the latest block of every point, one turbine in four with its main bearing in zone D.
    const points: Point[] = [];
    for (let i = 0; i < TURBINES; i++) {
      for (const p of POINTS) {
        const bad = i % 4 === 0 && p === "main_bearing";
        points.push({
          measurement: "vibration",
          tags: { site: `wf${i % SITES}`, asset: turbineId(i), point: p },
          fields: { v_rms_mm_s: bad ? 12 : 1.5, iso_zone: bad ? 4 : 1 },
          ts: now - 30_000,
        });
      }
    }
    const written = await central.store.write(points);
    if (written.kind !== "success") throw new Error(written.message);

    // 50,000 occurrences through the real book: rounds that raise 2,000 conditions, then clear them.
    let clock = now - 60 * DAY;
    const book = new AlarmBook(central.meta.db, () => clock);
    const routeOf = (asset: string) => {
      const i = Number(asset.slice(2));
      return { company: companyOf(i), site: `wf${i % SITES}`, responseTimeMs: 4 * 3_600_000 };
    };
    const historyStarted = performance.now();
    const perRound = TURBINES;
    for (let round = 0; round < HISTORY_ALARMS / perRound; round++) {
      const conditions: Condition[] = Array.from({ length: perRound }, (_, i) => ({
        asset: turbineId(i),
        point: POINTS[(i + round) % POINTS.length]!,
        fault: FAULTS[(i * 7 + round) % FAULTS.length]!,
        severity: (i + round) % 3 === 0 ? "alarm" : "warning",
        sinceMs: clock - 60_000,
        isoZone: null,
      }));
      await book.reconcile(conditions, clock, { clearAfterMs: 0, routeOf });
      clock += DAY / 2;
      await book.reconcile([], clock, { clearAfterMs: 0, routeOf });
      clock += 3_600_000;
    }
    const historyS = (performance.now() - historyStarted) / 1000;
    // The open alarms are the store's conditions, as the evaluator would find them.
    clock = now;
    const open = await deriveConditions(central.store, central.meta, now);
    if (open.kind !== "success") throw new Error(open.message);
    await book.reconcile(open.value, now, { clearAfterMs: 365 * DAY, routeOf });
    const total = (await central.meta.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM alarm"))?.n ?? 0;
    const admin = await central.meta.tokens.create({ role: "admin", label: "bench" });
    const company = await central.meta.tokens.create({
      role: "service_company",
      tenant: companyOf(4),
      label: "bench",
    });
    const before = await fetch(
      `${central.url}${HISTORY.replace("limit=100", "limit=1")}&offset=${DEEP - 1}`,
      {
        headers: { authorization: `Bearer ${admin}` },
      },
    );
    const deepCursor = ((await before.json()) as { next: string }).next;
    return {
      central,
      dir,
      book,
      tokens: { admin, company },
      deepCursor,
      total,
      historyS,
      open: open.value.length,
    };
  } catch (error) {
    await central.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The store-side baseline and the evaluator's steady pass, in process. */
async function derivations(fleet: Fleet) {
  const { central, book } = fleet;
  // Baseline: deriving the alarms from the store, as every alarm request did before the book.
  const baseline: number[] = [];
  for (let r = 0; r < 10; r++) {
    const t = performance.now();
    const d = await deriveConditions(central.store, central.meta, Date.now());
    if (d.kind !== "success") throw new Error(d.message);
    baseline.push(performance.now() - t);
  }
  // What the evaluator pays per pass now: the open alarms' starts come from the book, not the store.
  const steady: number[] = [];
  for (let r = 0; r < 10; r++) {
    const t = performance.now();
    const known = await book.knownConditions();
    const d = await deriveConditions(central.store, central.meta, Date.now(), (key) => known.get(key));
    if (d.kind !== "success") throw new Error(d.message);
    steady.push(performance.now() - t);
  }
  return { base: stats(baseline), steady: stats(steady) };
}

export async function consoleSection(): Promise<BenchSection> {
  const now = Date.now();
  const fleets: Fleet[] = [];
  let pg: RunningPostgres | null = null;
  try {
    fleets.push(await buildFleet({ kind: "sqlite" }, now));
    pg = await startPostgres();
    fleets.push(await buildFleet({ kind: "postgres", url: pg.url }, now));
    const [lite, post] = fleets as [Fleet, Fleet];
    const url = (f: Fleet, path: string) =>
      `${f.central.url}${path}${path.endsWith("&after=") ? f.deepCursor : ""}`;

    // Warm up (the first read waits for the evaluator's first pass), then measure the routes interleaved,
    // the two centrals taking turns (who goes first alternates).
    for (const f of fleets)
      for (const [, path, who] of ROUTES) await timeRequests(url(f, path), f.tokens[who], 20);
    const samples = fleets.map(() => new Map<string, number[]>(ROUTES.map(([name]) => [name, []])));
    const sizes = new Map<string, number>();
    for (let r = 0; r < REQUESTS; r++) {
      for (const [name, path, who] of ROUTES) {
        for (const k of r % 2 === 0 ? [0, 1] : [1, 0]) {
          const f = fleets[k]!;
          const { ms, bytes } = await timeRequests(url(f, path), f.tokens[who], 1);
          samples[k]!.get(name)!.push(ms[0]!);
          sizes.set(name, bytes);
        }
      }
    }
    const derived = [await derivations(lite), await derivations(post)];
    const floor = stats((await timeRequests(url(lite, "/healthz"), lite.tokens.admin, REQUESTS)).ms);

    const s = samples.map((m) => new Map([...m].map(([k, v]) => [k, stats(v)])));
    const p99 = (k: number, a: number, b: number) =>
      Math.max(s[k]!.get(ROUTES[a]![0])!.p99, s[k]!.get(ROUTES[b]![0])!.p99);
    const alarmsP99 = p99(0, 0, 1);
    const fleetP99 = p99(0, 5, 6);
    const pgAlarmsP99 = p99(1, 0, 1);
    const pgFleetP99 = p99(1, 5, 6);
    // The deep history page by offset against the same page after a cursor (keyset), p50 each.
    const deep = (k: number, r: number) => s[k]!.get(ROUTES[r]![0])!.p50;
    const [liteD, postD] = derived as [(typeof derived)[0], (typeof derived)[0]];
    const { notifyFanoutBench } = await import("./notify.bench.ts");
    const fanout = await notifyFanoutBench();
    const line = `console: alarms_p99_ms=${fmt(alarmsP99)} fleet_p99_ms=${fmt(fleetP99)} vs_derive_per_request=${fmt(liteD.base.p99 / alarmsP99)}x notify_1000_alarms_ms=${fmt(fanout.sendMs)} pg_alarms_p99_ms=${fmt(pgAlarmsP99)} pg_fleet_p99_ms=${fmt(pgFleetP99)}`;
    const cells = (x: { p50: number; p99: number; max: number }) =>
      `${fmt(x.p50)} | ${fmt(x.p99)} | ${fmt(x.max)}`;
    const markdown = `\`npm run bench -- console\` (bench/console.bench.ts; 1-minute load average ${LOAD_AT_START[0]!.toFixed(1)} before it started, ${loadavg()[0]!.toFixed(1)} at the end, on ${cpus().length} cores). ${TURBINES.toLocaleString("en")} turbines × ${POINTS.length} measuring points on ${SITES} sites, ${COMPANIES} service companies; ${lite.total.toLocaleString("en")} alarms in the book (${HISTORY_ALARMS.toLocaleString("en")} historical occurrences made by the real \`AlarmBook\` in raise/clear rounds, plus the ${lite.open} open ones the store's zones give). Built twice: the metadata in SQLite (WAL, in the data dir; history made in ${lite.historyS.toFixed(1)} s) and in PostgreSQL ${pg.version} (${post.total.toLocaleString("en")} alarms; history made in ${post.historyS.toFixed(1)} s; the throwaway cluster of test/helpers/postgres.ts on loopback TCP, fsync and synchronous_commit off, so the database's work is measured, not a disk). Real central, real HTTP with keep-alive, one request at a time, the routes interleaved and the two centrals taking turns request by request, ${REQUESTS} requests each after a warm-up; latency measured by the client (request to last byte).

| route (same run) | SQLite p50, ms | p99, ms | max, ms | PostgreSQL p50, ms | p99, ms | max, ms | body, KiB |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${ROUTES.map(
  ([name]) =>
    `| \`${name}\` | ${cells(s[0]!.get(name)!)} | ${cells(s[1]!.get(name)!)} | ${((sizes.get(name) ?? 0) / 1024).toFixed(0)} |`,
).join("\n")}
| HTTP floor: \`GET /healthz\` | ${cells(floor)} | – | – | – | – |
| **baseline**: deriving the alarms from the store per request (the design before the alarm book; in-process, no HTTP) | ${cells(liteD.base)} | ${cells(postD.base)} | – |
| the evaluator's pass in steady state (the same derivation, open alarms' starts from the book; in the background) | ${cells(liteD.steady)} | ${cells(postD.steady)} | – |

Goal: p99 ≤ 50 ms for the alarm list and the fleet view, on either database. SQLite: alarm list p99 ${fmt(alarmsP99)} ms, fleet view p99 ${fmt(fleetP99)} ms; PostgreSQL: alarm list p99 ${fmt(pgAlarmsP99)} ms, fleet view p99 ${fmt(pgFleetP99)} ms (${fmt(pgAlarmsP99 / alarmsP99)}× and ${fmt(pgFleetP99 / fleetP99)}× SQLite's). A deep history page (rows ${(DEEP + 1).toLocaleString("en")}–${(DEEP + 100).toLocaleString("en")} of the cleared ones) after a cursor, p50: ${fmt(deep(0, 4))} ms on SQLite, ${fmt(deep(1, 4))} ms on PostgreSQL, against ${fmt(deep(0, 3))} and ${fmt(deep(1, 3))} ms by offset (the list reads the page from the index in its order after the cursor's row, rather than past every row before it; the total of a state comes from the counts the database keeps, not from counting the history). The baseline's p99 is **${fmt(liteD.base.p99 / alarmsP99)}×** the alarm list's on SQLite (the book answers from indexed tables; the store is read by the evaluator in the background, once per period or after ingest, not per request).

### Notification fan-out

${fanout.markdown.trim()}

Line: \`${line}\``;
    return { title: "Console API at fleet scale", markdown, line };
  } finally {
    for (const f of fleets) {
      await f.central.close();
      rmSync(f.dir, { recursive: true, force: true });
    }
    await pg?.stop();
  }
}
