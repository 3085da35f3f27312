// The dashboards' contract with the data: run the demo against a real
// InfluxDB until it has filled it, then execute every query of every
// generated panel, template variable and alert rule over the InfluxDB v1
// `/query` API — template variables and Grafana's macros substituted the
// way Grafana does — and require that each parses and returns data. A
// renamed measurement, field or tag then fails here, not on a customer's
// screen. Diagnosis queries need the demo's faulty turbines (T02 main
// bearing outer race, T05 generator imbalance) to be diagnosed by the edge.
import type { Dashboard, Panel, RowPanel, VariableModel } from "@grafana/grafana-foundation-sdk/dashboard";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TURBINES } from "../cli/demo-fleet.ts";
import { type DemoProcess, startDemoProcess } from "../test/helpers/demo.ts";
import { influxdAvailable, type RunningInfluxd, startInfluxd } from "../test/helpers/influxd.ts";
import { ruleGroup } from "./alerts.ts";
import { buildDashboards, DEFAULT_PUBLIC_URL } from "./build.ts";
import { DATASOURCE_UID, type InfluxQLQuery } from "./influxql.ts";
import { interpolate, type Selection } from "./interpolate.ts";

/** How long the demo may take to fill the store after it printed its URL. */
const FILL_DEADLINE_MS = 60_000;
const FAULTY_ASSETS = new Set(DEMO_TURBINES.filter((t) => t.faults.length > 0).map((t) => t.id));

interface InfluxSeries {
  name?: string;
  tags?: Record<string, string>;
  values?: unknown[][];
}
interface Outcome {
  error?: string;
  series: InfluxSeries[];
}

/** One execution of one query with the variables of one selection substituted. */
interface Run {
  where: string;
  text: string;
  /** Values of the asset variable in this selection (null when the query has none). */
  assets: string[] | null;
  outcome: Outcome;
}

const durationMs = (d: string): number => {
  const m = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(d);
  if (!m) throw new Error(`not a Grafana duration: ${d}`);
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86_400e3, w: 7 * 86_400e3, y: 365 * 86_400e3 }[
    m[2] as "ms"
  ];
  return Number(m[1]) * unit;
};

/** `$__interval` as Grafana picks it: range over the points a panel draws (~1000), rounded up to a round step, at least the panel's minimum. */
const STEPS = [
  "1s",
  "2s",
  "5s",
  "10s",
  "15s",
  "30s",
  "1m",
  "2m",
  "5m",
  "10m",
  "15m",
  "30m",
  "1h",
  "3h",
  "6h",
  "12h",
  "1d",
];
function interval(rangeMs: number, minInterval?: string): string {
  const raw = Math.max(rangeMs / 1000, minInterval ? durationMs(minInterval) : 0);
  return STEPS.find((s) => durationMs(s) >= raw) ?? "1d";
}

describe.skipIf(!influxdAvailable())("dashboards and alert rules against the demo's InfluxDB", () => {
  let influx: RunningInfluxd;
  let demo: DemoProcess;
  let executed = 0;
  const cache = new Map<string, Promise<Outcome>>();

  const query = (text: string): Promise<Outcome> => {
    let p = cache.get(text);
    if (!p) {
      executed++;
      const params = new URLSearchParams({ db: influx.database, epoch: "ms", q: text });
      p = fetch(`${influx.url}/query?${params}`).then(async (res) => {
        const body = (await res.json()) as {
          error?: string;
          results?: { error?: string; series?: InfluxSeries[] }[];
        };
        const error = body.error ?? body.results?.find((r) => r.error)?.error;
        return { ...(error ? { error } : {}), series: body.results?.[0]?.series ?? [] };
      });
      cache.set(text, p);
    }
    return p;
  };

  const dashboards = buildDashboards(DEFAULT_PUBLIC_URL).map((b) => b.dashboard);
  const rules = ruleGroup().rules ?? [];

  /** Every selection of a dashboard's variables: one per value of a single-value variable, "All" for a multi-value one. */
  async function selections(
    d: Dashboard,
    nowMs: number,
  ): Promise<{ selections: Selection[]; variableRuns: Run[] }> {
    const fromMs = nowMs - durationMs((d.time?.from ?? "now-6h").replace(/^now-/, ""));
    const base: Selection = { values: new Map(), fromMs, toMs: nowMs, interval: interval(nowMs - fromMs) };
    const variableRuns: Run[] = [];
    let current = [base];
    const variables = (d.templating?.list ?? []).filter(
      (v): v is VariableModel & { query: string } => v.type === "query" && typeof v.query === "string",
    );
    for (const v of variables) {
      const next: Selection[] = [];
      for (const s of current) {
        const text = interpolate(v.query, s);
        const outcome = await query(text);
        variableRuns.push({
          where: `${d.uid} variable ${v.name} [${describeSelection(s)}]`,
          text,
          assets: null,
          outcome,
        });
        const values = outcome.series.flatMap((series) => (series.values ?? []).map((row) => String(row[1])));
        if (values.length === 0) continue;
        if (v.multi || v.includeAll) next.push({ ...s, values: new Map([...s.values, [v.name, values]]) });
        else
          for (const value of values) next.push({ ...s, values: new Map([...s.values, [v.name, [value]]]) });
      }
      current = next;
    }
    return { selections: current, variableRuns };
  }

  const describeSelection = (s: Selection): string =>
    [...s.values].map(([k, v]) => `${k}=${v.length > 1 ? "All" : v[0]}`).join(" ");

  const targetsOf = (p: Panel | RowPanel): InfluxQLQuery[] =>
    p.type === "row" ? [] : ((p as Panel).targets ?? []).map((t) => t as unknown as InfluxQLQuery);

  /** Every panel query of every dashboard in every selection, and every alert rule's InfluxQL. */
  async function runAll(): Promise<{ variables: Run[]; panels: Run[]; rules: Run[] }> {
    const now = Date.now();
    const variables: Run[] = [];
    const panels: Run[] = [];
    for (const d of dashboards) {
      const { selections: all, variableRuns } = await selections(d, now);
      variables.push(...variableRuns);
      if (all.length === 0)
        variables.push({ where: `${d.uid}: no selection`, text: "", assets: null, outcome: { series: [] } });
      for (const s of all) {
        for (const p of d.panels ?? []) {
          const panel = p as Panel;
          for (const t of targetsOf(p)) {
            const shift = panel.timeShift ? durationMs(panel.timeShift) : 0;
            const range = { fromMs: s.fromMs - shift, toMs: s.toMs - shift };
            const text = interpolate(t.query, {
              ...s,
              ...range,
              dashboardRange: { fromMs: s.fromMs, toMs: s.toMs },
              interval: interval(range.toMs - range.fromMs, panel.interval ?? undefined),
            });
            panels.push({
              where: `${d.uid} / ${panel.title} / ${t.refId} [${describeSelection(s)}]`,
              text,
              assets: s.values.get("asset") ?? null,
              outcome: await query(text),
            });
          }
        }
      }
    }
    const ruleRuns: Run[] = [];
    for (const r of rules) {
      for (const q of r.data.filter((q) => q.datasourceUid === DATASOURCE_UID)) {
        const model = q.model as unknown as InfluxQLQuery;
        const windowMs = (q.relativeTimeRange?.from ?? 0) * 1000;
        const text = interpolate(model.query, {
          values: new Map(),
          fromMs: now - windowMs,
          toMs: now,
          interval: "1s",
        });
        ruleRuns.push({
          where: `alert ${r.uid} / ${q.refId}`,
          text,
          assets: null,
          outcome: await query(text),
        });
      }
    }
    return { variables, panels, rules: ruleRuns };
  }

  const isDiagnosis = (r: Run): boolean => /FROM "diagnosis"/.test(r.text);
  /** A diagnosis query must show data when its selection holds a faulty turbine (or has no asset variable). */
  const expectsData = (r: Run): boolean =>
    !isDiagnosis(r) || r.assets === null || r.assets.some((a) => FAULTY_ASSETS.has(a));
  const problems = (runs: Run[], keep: (r: Run) => boolean): string[] =>
    runs
      .filter(keep)
      .flatMap((r) =>
        r.outcome.error
          ? [`${r.where}: ${r.outcome.error}\n    ${r.text}`]
          : expectsData(r) && r.outcome.series.length === 0
            ? [`${r.where}: no data\n    ${r.text}`]
            : [],
      );

  let result: { variables: Run[]; panels: Run[]; rules: Run[] };

  beforeAll(async () => {
    influx = await startInfluxd();
    const started = Date.now();
    demo = await startDemoProcess("influx", influx);
    const running = Date.now();
    // Wait for data, not for a fixed time: rerun everything until nothing is missing or the deadline passes.
    const deadline = running + FILL_DEADLINE_MS;
    let rounds = 0;
    let missing: string[];
    for (;;) {
      cache.clear();
      rounds++;
      result = await runAll();
      missing = problems([...result.variables, ...result.panels, ...result.rules], () => true);
      if (missing.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 3000));
    }
    const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
    const perRound = result.variables.length + result.panels.length + result.rules.length;
    console.log(
      `dashboards contract: ${perRound} query runs per round (${result.variables.length} variable, ${result.panels.length} panel, ${result.rules.length} alert rule; ${cache.size} distinct), ${rounds} rounds, ${executed} executions; demo started in ${s(running - started)}, ` +
        (missing.length === 0
          ? `all queries had data ${s(Date.now() - running)} later`
          : `${missing.length} runs still without data or failing after ${s(Date.now() - running)}`),
    );
  }, 240_000);

  afterAll(async () => {
    demo?.kill();
    await influx?.stop();
  });

  it("covers every dashboard, panel query and alert rule", () => {
    const panelQueries = dashboards.flatMap((d) => (d.panels ?? []).flatMap(targetsOf));
    expect(panelQueries.length).toBeGreaterThan(0);
    const ran = new Set(result.panels.map((r) => r.where.split(" [")[0]));
    for (const d of dashboards)
      for (const p of d.panels ?? [])
        for (const t of targetsOf(p))
          expect(ran, `${d.uid} / ${(p as Panel).title}`).toContain(
            `${d.uid} / ${(p as Panel).title} / ${t.refId}`,
          );
    expect(new Set(result.rules.map((r) => r.where.split(" / ")[0]))).toEqual(
      new Set(rules.map((r) => `alert ${r.uid}`)),
    );
  });

  it("every template variable query parses and has values", () => {
    expect(problems(result.variables, () => true)).toEqual([]);
  });

  it("every panel query outside diagnoses parses and returns data in every selection", () => {
    expect(problems(result.panels, (r) => !isDiagnosis(r))).toEqual([]);
  });

  it("every alert rule query outside diagnoses parses and returns data", () => {
    expect(problems(result.rules, (r) => !isDiagnosis(r))).toEqual([]);
  });

  it("diagnosis panels and rules show the faulty turbines' diagnoses (T02, T05)", () => {
    const runs = [...result.panels, ...result.rules].filter(isDiagnosis);
    expect(runs.length).toBeGreaterThan(0);
    expect(problems(runs, () => true)).toEqual([]);
    // Where a query lists assets (all turbines selected, grouped by asset), both faulty ones are among them.
    for (const r of runs.filter(
      (r) => /GROUP BY .*"asset"/.test(r.text) && (r.assets === null || r.assets.length > 1),
    )) {
      const assets = new Set(r.outcome.series.map((s) => s.tags?.asset));
      for (const faulty of FAULTY_ASSETS) expect(assets, r.where).toContain(faulty);
    }
  });
});
