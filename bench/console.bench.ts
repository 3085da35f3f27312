// The console's API at fleet scale: 2,000 turbines (4 measuring points
// each, 40 sites, 20 service companies) and 50,000 historical alarms made by
// the real alarm book (raise/clear rounds), served by a real central over
// real HTTP. p99 of the alarm list and the fleet view, for the region (all
// companies) and for one company; the named baseline, measured in the same
// run, is what an alarm request cost before the alarm book: deriving the
// alarms from the time-series store per request (`deriveConditions`, still
// the evaluator's first step). Then notification fan-out for 1,000
// simultaneous alarms (bench/notify.bench.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCentralConfig } from "../central/config.ts";
import { startCentral } from "../central/server.ts";
import { AlarmBook, type Condition } from "../central/service/alarm-book.ts";
import { deriveConditions } from "../central/service/conditions.ts";
import type { Point } from "../common/wire.ts";
import { freePort } from "../test/helpers/ports.ts";
import type { BenchSection } from "./section.ts";

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

export async function consoleSection(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), "vetra-bench-console-"));
  const now = Date.now();
  const config = parseCentralConfig({
    server: { port: await freePort() },
    dataDir: dir,
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
    const book = new AlarmBook(central.meta.sqlite, () => clock);
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
      book.reconcile(conditions, clock, { clearAfterMs: 0, routeOf });
      clock += DAY / 2;
      book.reconcile([], clock, { clearAfterMs: 0, routeOf });
      clock += 3_600_000;
    }
    const historyS = (performance.now() - historyStarted) / 1000;
    // The open alarms are the store's conditions, as the evaluator would find them.
    clock = now;
    const open = await deriveConditions(central.store, central.meta, now);
    if (open.kind !== "success") throw new Error(open.message);
    book.reconcile(open.value, now, { clearAfterMs: 365 * DAY, routeOf });
    const total = central.meta.sqlite.prepare("SELECT COUNT(*) FROM alarm").pluck().get() as number;

    const admin = central.meta.createToken({ role: "admin", label: "bench" });
    const company = central.meta.createToken({
      role: "service_company",
      tenant: companyOf(4),
      label: "bench",
    });
    const routes = [
      ["GET /api/v1/alarms (region: open, sorted, one page of 200)", "/api/v1/alarms", admin],
      ["GET /api/v1/alarms (one company: its 100 open)", "/api/v1/alarms", company],
      [
        "GET /api/v1/alarms?state=cleared&sort=raisedAt&limit=100 (history page)",
        "/api/v1/alarms?state=cleared&sort=raisedAt&limit=100",
        admin,
      ],
      ["GET /api/v1/fleet (region: 2,000 turbines)", "/api/v1/fleet", admin],
      ["GET /api/v1/fleet (one company: 100 turbines)", "/api/v1/fleet", company],
    ] as const;
    // Warm up (the first read waits for the evaluator's first pass), then measure the routes interleaved.
    for (const [, path, token] of routes) await timeRequests(`${central.url}${path}`, token, 20);
    const samples = new Map<string, number[]>(routes.map(([name]) => [name, []]));
    const sizes = new Map<string, number>();
    for (let r = 0; r < REQUESTS; r++) {
      for (const [name, path, token] of routes) {
        const { ms, bytes } = await timeRequests(`${central.url}${path}`, token, 1);
        samples.get(name)!.push(ms[0]!);
        sizes.set(name, bytes);
      }
    }
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
      const known = book.knownConditions();
      const d = await deriveConditions(central.store, central.meta, Date.now(), (key) => known.get(key));
      if (d.kind !== "success") throw new Error(d.message);
      steady.push(performance.now() - t);
    }
    const floor = (await timeRequests(`${central.url}/healthz`, admin, REQUESTS)).ms;

    const s = new Map([...samples].map(([k, v]) => [k, stats(v)]));
    const alarmsP99 = Math.max(s.get(routes[0][0])!.p99, s.get(routes[1][0])!.p99);
    const fleetP99 = Math.max(s.get(routes[3][0])!.p99, s.get(routes[4][0])!.p99);
    const base = stats(baseline);
    const fl = stats(floor);
    const ev = stats(steady);
    const { notifyFanoutBench } = await import("./notify.bench.ts");
    const fanout = await notifyFanoutBench();
    const line = `console: alarms_p99_ms=${fmt(alarmsP99)} fleet_p99_ms=${fmt(fleetP99)} vs_derive_per_request=${fmt(base.p99 / alarmsP99)}x notify_1000_alarms_ms=${fmt(fanout.sendMs)}`;
    const markdown = `\`npm run bench -- console\` (bench/console.bench.ts). ${TURBINES.toLocaleString("en")} turbines × ${POINTS.length} measuring points on ${SITES} sites, ${COMPANIES} service companies; ${total.toLocaleString("en")} alarms in the book (${HISTORY_ALARMS.toLocaleString("en")} historical occurrences made by the real \`AlarmBook\` in raise/clear rounds in ${historyS.toFixed(1)} s, plus the ${open.value.length} open ones the store's zones give). Real central, real HTTP with keep-alive, one request at a time, the routes interleaved, ${REQUESTS} requests each after a warm-up; latency measured by the client (request to last byte).

| route (same run) | p50, ms | p99, ms | max, ms | body, KiB |
| --- | ---: | ---: | ---: | ---: |
${routes
  .map(([name]) => {
    const x = s.get(name)!;
    return `| \`${name}\` | ${fmt(x.p50)} | ${fmt(x.p99)} | ${fmt(x.max)} | ${((sizes.get(name) ?? 0) / 1024).toFixed(0)} |`;
  })
  .join("\n")}
| HTTP floor: \`GET /healthz\` | ${fmt(fl.p50)} | ${fmt(fl.p99)} | ${fmt(fl.max)} | – |
| **baseline**: deriving the alarms from the store per request (the design before the alarm book; in-process, no HTTP) | ${fmt(base.p50)} | ${fmt(base.p99)} | ${fmt(base.max)} | – |
| the evaluator's pass in steady state (the same derivation, open alarms' starts from the book; in the background) | ${fmt(ev.p50)} | ${fmt(ev.p99)} | ${fmt(ev.max)} | – |

Goal: p99 ≤ 50 ms for the alarm list and the fleet view. Alarm list p99 ${fmt(alarmsP99)} ms, fleet view p99 ${fmt(fleetP99)} ms; the baseline's p99 is **${fmt(base.p99 / alarmsP99)}×** the alarm list's (the book answers from indexed SQLite; the store is read by the evaluator in the background, once per period or after ingest, not per request).

### Notification fan-out

${fanout.markdown.trim()}

Line: \`${line}\``;
    return { title: "Console API at fleet scale", markdown, line };
  } finally {
    await central.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
