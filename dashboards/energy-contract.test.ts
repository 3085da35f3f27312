// The portfolio dashboard's energy against a real InfluxDB: a live meter
// writes only its cumulative register (`energy_kwh`), imported history only
// `interval_energy_kwh`, and a facility that went live during the range has
// both for its first day. The built queries, with Grafana's substitution,
// must give each facility's energy per day from midnight in the region's
// zone (Europe/Moscow, UTC+3), the live meter's included, and the overlap
// counted once.
import type { Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { influxdAvailable, type RunningInfluxd, startInfluxd } from "../test/helpers/influxd.ts";
import { buildDashboards, DEFAULT_PUBLIC_URL } from "./build.ts";
import type { InfluxQLQuery } from "./influxql.ts";
import { interpolate } from "./interpolate.ts";
import { Titles } from "./text.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const QUARTER_MS = HOUR_MS / 4;
/** Local midnight of 2 March 2026 in Moscow (UTC+3, no daylight saving since 2014). */
const DAY0_MS = Date.UTC(2026, 2, 1, 21);
const DAYS = 3;
/** The dashboard's range: three whole local days. */
const FROM_MS = DAY0_MS;
const TO_MS = DAY0_MS + DAYS * DAY_MS - 1;

/** Live meter L: energy in the quarter hour starting at `ms`, kWh — varies over the day, like a building's. */
const liveQuarterKwh = (ms: number): number => {
  const hour = new Date(ms + 3 * HOUR_MS).getUTCHours();
  return hour >= 8 && hour < 18 ? 1.5 + (hour % 3) * 0.25 : 0.4;
};
/** Imported I: energy of the hour starting at `ms`, kWh. */
const importedHourKwh = (ms: number): number => 2 + (new Date(ms).getUTCHours() % 5) * 0.3;
/** B: constant 3 kWh per hour, imported for its first local day, live (register) throughout. */
const B_HOUR_KWH = 3;

interface Series {
  tags?: Record<string, string>;
  values?: [number, number | null][];
}

describe.skipIf(!influxdAvailable())("portfolio energy on live and imported meters (InfluxDB)", () => {
  let influx: RunningInfluxd;
  /** Register readings of L, every quarter hour from two hours before the range. */
  const liveReadings: { ts: number; kwh: number }[] = [];

  const query = async (text: string): Promise<Series[]> => {
    const params = new URLSearchParams({ db: influx.database, epoch: "ms", q: text });
    const body = (await (await fetch(`${influx.url}/query?${params}`)).json()) as {
      error?: string;
      results?: { error?: string; series?: Series[] }[];
    };
    const error = body.error ?? body.results?.find((r) => r.error)?.error;
    if (error) throw new Error(`${error}\n${text}`);
    return body.results?.[0]?.series ?? [];
  };

  const portfolio = buildDashboards(DEFAULT_PUBLIC_URL).find(
    (b) => b.dashboard.uid === "vetra-portfolio-en",
  )!.dashboard;
  /** A portfolio panel's query as Grafana sends it for the facilities and the range. */
  const panelQuery = (title: string, assets = ["L", "I", "B"], fromMs = FROM_MS, toMs = TO_MS): string => {
    const panel = (portfolio.panels ?? []).find((p) => (p as Panel).title === title) as Panel | undefined;
    const target = panel?.targets?.[0] as unknown as InfluxQLQuery | undefined;
    if (!target) throw new Error(`no panel '${title}' with a query`);
    return interpolate(target.query, { values: new Map([["asset", assets]]), fromMs, toMs, interval: "1h" });
  };

  beforeAll(async () => {
    influx = await startInfluxd();
    const create = new URLSearchParams({ q: `CREATE DATABASE "${influx.database}"` });
    expect((await fetch(`${influx.url}/query?${create}`, { method: "POST" })).status).toBe(200);
    const lines: string[] = [];
    const line = (asset: string, field: string, value: number, ms: number) =>
      lines.push(`meter,site=fac,asset=${asset} ${field}=${value} ${ms * 1_000_000}`);
    let register = 15_000;
    for (let ms = FROM_MS - 2 * HOUR_MS; ms <= TO_MS + HOUR_MS; ms += QUARTER_MS) {
      liveReadings.push({ ts: ms, kwh: register });
      line("L", "energy_kwh", register, ms);
      register += liveQuarterKwh(ms);
    }
    for (let ms = FROM_MS; ms < FROM_MS + DAYS * DAY_MS; ms += HOUR_MS)
      line("I", "interval_energy_kwh", importedHourKwh(ms), ms);
    // B: history imported up to the end of its first local day; its live register from before the range.
    for (let ms = FROM_MS; ms < FROM_MS + DAY_MS; ms += HOUR_MS)
      line("B", "interval_energy_kwh", B_HOUR_KWH, ms);
    for (let k = 0, ms = FROM_MS - 2 * HOUR_MS; ms <= TO_MS + HOUR_MS; ms += QUARTER_MS, k++)
      line("B", "energy_kwh", 700 + (k * B_HOUR_KWH) / 4, ms);
    const res = await fetch(`${influx.url}/write?db=${influx.database}`, {
      method: "POST",
      body: lines.join("\n"),
    });
    expect(res.status, await res.text()).toBe(204);
  }, 120_000);

  afterAll(async () => {
    await influx?.stop();
  });

  /** L's energy of a local day as a register gives it: the increase between the last readings of the days' last hours. */
  const liveDayKwh = (day: number): number => {
    const lastOfHourBefore = (endMs: number) => liveReadings.filter((r) => r.ts < endMs).at(-1)!.kwh;
    return lastOfHourBefore(FROM_MS + (day + 1) * DAY_MS) - lastOfHourBefore(FROM_MS + day * DAY_MS);
  };

  it("gives each facility's energy per local day: the live register, the imported intervals, the overlap once", async () => {
    const series = await query(panelQuery(Titles.dailyEnergyPerFacility.en));
    const byAsset = new Map(series.map((s) => [s.tags?.asset, s.values ?? []]));
    expect([...byAsset.keys()].sort()).toEqual(["B", "I", "L"]);
    for (const [asset, rows] of byAsset) {
      // Days start at local midnight (21:00 UTC), three of them.
      expect(
        rows.map(([ts]) => ts),
        asset,
      ).toEqual(Array.from({ length: DAYS }, (_, d) => FROM_MS + d * DAY_MS));
    }
    const imported = (day: number) => {
      let sum = 0;
      for (let ms = FROM_MS + day * DAY_MS; ms < FROM_MS + (day + 1) * DAY_MS; ms += HOUR_MS)
        sum += importedHourKwh(ms);
      return sum;
    };
    for (let d = 0; d < DAYS; d++) {
      expect(byAsset.get("L")![d]![1], `L day ${d}`).toBeCloseTo(liveDayKwh(d), 6);
      expect(byAsset.get("I")![d]![1], `I day ${d}`).toBeCloseTo(imported(d), 6);
      // 24 hours of 3 kWh whether read from the history, the register or both.
      expect(byAsset.get("B")![d]![1], `B day ${d}`).toBeCloseTo(24 * B_HOUR_KWH, 6);
    }
    // The live meter's working hours (08–18 local) fall in its local days: grouped by UTC days they would not.
    expect(liveDayKwh(0)).toBeGreaterThan(24 * 0.4 * 4);
  });

  it("sums the portfolio over the range and per facility from the same hours", async () => {
    const total = await query(panelQuery(Titles.portfolioEnergy.en));
    const perFacility = await query(panelQuery(Titles.energyPerFacility.en));
    let expected = 0;
    for (let d = 0; d < DAYS; d++) expected += liveDayKwh(d) + 24 * B_HOUR_KWH;
    for (let ms = FROM_MS; ms < FROM_MS + DAYS * DAY_MS; ms += HOUR_MS) expected += importedHourKwh(ms);
    expect(total[0]?.values?.[0]?.[1]).toBeCloseTo(expected, 6);
    const sum = perFacility.reduce((acc, s) => acc + (s.values?.[0]?.[1] ?? 0), 0);
    expect(perFacility.map((s) => s.tags?.asset).sort()).toEqual(["B", "I", "L"]);
    expect(sum).toBeCloseTo(expected, 6);
  });

  it("counts a register reset as nothing, not as negative energy", async () => {
    // Meter R replaced: its register falls from 5000 to 2 kWh, then counts on (4 kWh in the next hour).
    const resetMs = TO_MS + 2 * HOUR_MS;
    const res = await fetch(`${influx.url}/write?db=${influx.database}`, {
      method: "POST",
      body: `meter,site=fac,asset=R energy_kwh=5000 ${(resetMs - HOUR_MS) * 1e6}\nmeter,site=fac,asset=R energy_kwh=2 ${resetMs * 1e6}\nmeter,site=fac,asset=R energy_kwh=6 ${(resetMs + HOUR_MS) * 1e6}`,
    });
    expect(res.status).toBe(204);
    const text = panelQuery(
      Titles.dailyEnergyPerFacility.en,
      ["R"],
      resetMs - 2 * HOUR_MS,
      resetMs + 2 * HOUR_MS,
    );
    const rows = (await query(text)).flatMap((s) => s.values ?? []);
    expect(rows.reduce((acc, [, v]) => acc + (v ?? 0), 0)).toBeCloseTo(4, 6);
  });
});
