// Report read paths against the facility simulator: six facilities on three
// sites (one site with a single facility), a baseline year and a reporting
// quarter written through the embedded store, a measure of known size
// switched on at the start of the reporting period. Every read path — three
// queries per facility, site by site with row objects, columnar in this
// thread, columnar in worker threads — must give the same report, and that
// report must recover the simulator's saving within its stated uncertainty.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildReportOnReadPath, type ReadPath } from "../../bench/baselines/report-read-paths.ts";
import type { Point } from "../../common/wire.ts";
import { type FacilityKind, hourlyHistory } from "../../simulators/facility/model.ts";
import { jsonReport } from "../plugins/savings.ts";
import { openEmbeddedStore } from "../stores/embedded.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import { defaultSavingsConfig } from "./config.ts";
import {
  buildReport,
  type FacilityRef,
  type FacilityReport,
  packFacilityReport,
  type ReportPeriods,
  reportSites,
  type SavingsReport,
  unpackFacilityReport,
} from "./report.ts";

// Local (UTC+3) 2025 as baseline, January–March 2026 as reporting period.
const FROM = new Date("2024-12-31T21:00:00Z");
const MID = new Date("2025-12-31T21:00:00Z");
const TO = new Date("2026-03-31T21:00:00Z");
const PERIODS: ReportPeriods = {
  baselineFromMs: FROM.getTime(),
  baselineToMs: MID.getTime(),
  reportingFromMs: MID.getTime(),
  reportingToMs: TO.getTime(),
};

interface Simulated extends FacilityRef {
  seed: number;
  savingFraction: number;
}

// Facilities of a site share its seed, hence its weather.
const FACILITIES: Simulated[] = [
  { id: "H1", kind: "hospital", site: "s1", seed: 1, savingFraction: 0.15 },
  { id: "C1", kind: "clinic", site: "s1", seed: 1, savingFraction: 0 },
  { id: "S1", kind: "school", site: "s1", seed: 1, savingFraction: 0.05 },
  { id: "H2", kind: "hospital", site: "s2", seed: 2, savingFraction: 0 },
  { id: "S2", kind: "school", site: "s2", seed: 2, savingFraction: 0.15 },
  { id: "C3", kind: "clinic", site: "s3", seed: 3, savingFraction: 0.05 },
].map((f) => ({ ...f, name: `Facility ${f.id}`, timezone: null }));

describe("savings report read paths", () => {
  let dir: string;
  let store: TimeSeriesStore;
  /** Simulated avoided energy per facility: load without the measure − with it, reporting period. */
  const trueAvoidedKwh = new Map<string, number>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-report-"));
    store = openEmbeddedStore({ path: join(dir, "ts.sqlite") });
    const points: Point[] = [];
    const weatherDone = new Set<string>();
    for (const f of FACILITIES) {
      const sim = { kind: f.kind as FacilityKind, from: FROM, to: TO, seed: f.seed };
      const rows = hourlyHistory({ ...sim, measure: { from: MID, savingFraction: f.savingFraction } });
      const without = hourlyHistory({ ...sim, from: MID });
      let avoided = 0;
      for (const [i, r] of without.entries()) avoided += r.kwh - rows[rows.length - without.length + i]!.kwh;
      trueAvoidedKwh.set(f.id, avoided);
      for (const r of rows) {
        const ts = Date.parse(r.timestamp);
        points.push({
          measurement: "meter",
          tags: { site: f.site, asset: f.id },
          fields: { interval_energy_kwh: r.kwh },
          ts,
        });
        if (!weatherDone.has(f.site))
          points.push({ measurement: "weather", tags: { site: f.site }, fields: { temp_c: r.temp_c }, ts });
      }
      weatherDone.add(f.site);
    }
    const written = await store.write(points);
    expect(written.kind).toBe("success");
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const report = async (readPath: ReadPath, workers = 0): Promise<SavingsReport> => {
    const r = await buildReportOnReadPath({
      store,
      facilities: FACILITIES,
      scope: "portfolio",
      periods: PERIODS,
      model: "auto",
      config: defaultSavingsConfig(),
      nowMs: Date.UTC(2026, 3, 1),
      readPath,
      workers,
    });
    if (r.kind !== "success") throw new Error(r.message);
    return r.value;
  };

  it("gives the same report on every read path, recovering the simulated savings", async () => {
    const perFacility = await report("per-facility");
    expect(perFacility.facilities.map((f) => f.id)).toEqual(FACILITIES.map((f) => f.id));
    for (const f of perFacility.facilities) {
      const truth = trueAvoidedKwh.get(f.id)!;
      expect(f.model).toBe("hourly");
      expect(f.intervals).toHaveLength(90 * 24);
      // Within the report's own 90 % band.
      expect(Math.abs(f.avoided_kwh - truth)).toBeLessThanOrEqual(f.uncertainty_kwh);
    }
    expect(await report("site-rows")).toEqual(perFacility);
    expect(await report("columnar")).toEqual(perFacility);
  });

  it("shares sites with worker threads, each reading the SQLite file read-only", async () => {
    const inThread = await report("columnar");
    const out: FacilityReport[] = [];
    const args = { store, facilities: FACILITIES, periods: PERIODS, model: "auto" as const };
    const r = await reportSites({ ...args, config: defaultSavingsConfig(), workers: 2 }, out, {
      mainThread: false,
    });
    // All three sites were reported by the workers, none redone here.
    expect(r).toEqual({ kind: "success", value: { byWorkers: 3 } });
    const order = FACILITIES.map((f) => f.id);
    out.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
    expect(out).toEqual(inThread.facilities);
    // Main thread and a worker together: the same again, whoever takes which site.
    expect(await report("columnar", 1)).toEqual(inThread);
  });

  it("answers a store failure as an IoResult, with or without workers", async () => {
    const path = join(dir, "closed.sqlite");
    const closed = openEmbeddedStore({ path });
    expect((await closed.write([FACILITY_POINT])).kind).toBe("success");
    await closed.close();
    for (const workers of [0, 1]) {
      const r = await buildReport({
        store: closed,
        facilities: FACILITIES,
        scope: "portfolio",
        periods: PERIODS,
        model: "auto",
        config: defaultSavingsConfig(),
        nowMs: 0,
        workers,
      });
      expect(r).toMatchObject({ kind: "failure", code: "STORE_UNAVAILABLE" });
    }
  });

  it("packs a facility report for another thread and unpacks it to an equal one", async () => {
    const [first] = (await report("columnar")).facilities;
    const packed = packFacilityReport(first!);
    expect(packed.intervals).toHaveLength(3 * 90 * 24);
    const back = unpackFacilityReport(structuredClone(packed));
    expect(back).toEqual(first);
    expect(JSON.parse(JSON.stringify(back))).toEqual(JSON.parse(JSON.stringify(first)));
  });

  it("a portfolio's JSON body leaves the intervals packed", async () => {
    const r = await report("columnar");
    const f = r.facilities[0]!;
    const packed = packFacilityReport(f).intervals;
    const body = jsonReport(r) as { facilities: Record<string, unknown>[] };
    expect(body.facilities[0]).not.toHaveProperty("intervals");
    expect(body.facilities[0]!.avoided_kwh).toBe(f.avoided_kwh);
    // Not read: still the same packed array, no objects made from it.
    expect(packFacilityReport(f).intervals).toBe(packed);
  });
});

const FACILITY_POINT: Point = {
  measurement: "meter",
  tags: { site: "s1", asset: "H1" },
  fields: { interval_energy_kwh: 1 },
  ts: FROM.getTime(),
};

describe("read-only embedded store (the report workers' view)", () => {
  it("reads what the writer committed while the writer stays open, and refuses writes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vetra-report-ro-"));
    try {
      const path = join(dir, "ts.sqlite");
      const writer = openEmbeddedStore({ path });
      expect((await writer.write([FACILITY_POINT])).kind).toBe("success");
      const reader = openEmbeddedStore({ path, readOnly: true });
      const q = {
        measurement: "meter",
        field: "interval_energy_kwh",
        fromMs: FROM.getTime(),
        toMs: FROM.getTime() + 1,
      } as const;
      expect(await reader.query(q)).toEqual({
        kind: "success",
        value: [{ tags: {}, points: [{ ts: FROM.getTime(), value: 1 }] }],
      });
      expect(await reader.write([{ ...FACILITY_POINT, ts: FROM.getTime() + 1 }])).toMatchObject({
        kind: "failure",
        code: "STORE_REJECTED",
      });
      await reader.close();
      await writer.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
