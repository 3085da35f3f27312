// The demo's savings story checked against what the simulator knows: the
// school's heating setback schedule run through the building's thermal
// model, measured by the savings engine (IPMVP Option C, hourly baseline),
// whose avoided energy must lie within its own 90 % band of the energy the
// same building would have used without the schedule, as often as a 90 %
// band should and never grossly. Over a grid of seeds, realism levels and
// setback depths, every case kept. And the demo's own figures must look like a metered building's,
// not a noiseless model's.
import { describe, expect, it } from "vitest";
import { scheduleTemplate } from "../central/control/templates.ts";
import { defaultSavingsConfig } from "../central/savings/config.ts";
import { defaultPeriods } from "../central/savings/report.ts";
import { computeSavings, type SavingsResult } from "../central/savings/savings.ts";
import { HOUR_MS, type HourlyData, zoneOffset } from "../central/savings/series.ts";
import { DEMO_FACILITIES, DEMO_TIME_ZONE } from "../cli/demo-fleet.ts";
import {
  DEMO_UTC_OFFSET_HOURS,
  demoDeclarations,
  demoFacilityHistory,
  demoMeasureFromMs,
  demoSavingsFacilities,
  demoSchedule,
  setpointOf,
} from "../cli/demo-savings.ts";
import type { Schedule } from "../common/control.ts";
import { type BuildingHistoryRow, buildingHistory } from "../simulators/facility/history.ts";
import { DEMO_REALISM, type RealismOptions } from "../simulators/facility/realism.ts";

const offsetOf = zoneOffset(DEMO_TIME_ZONE);
const hourly = (rows: readonly BuildingHistoryRow[]): HourlyData => ({
  startMs: Date.parse(rows[0]!.timestamp),
  kwh: Float64Array.from(rows, (r) => r.kwh),
  tempC: Float64Array.from(rows, (r) => r.temp_c),
});
const sum = (rows: readonly BuildingHistoryRow[], f: (r: BuildingHistoryRow) => number) =>
  rows.reduce((s, r) => s + f(r), 0);

const school = DEMO_FACILITIES.find((f) => f.kind === "school")!;

describe("the school's setback measured against the simulator's truth", () => {
  // Baseline: local 2025 without the schedule; reporting: local January to
  // October 2026 with the school template's schedule, its setback value the
  // depth under test, effective from local midnight of 1 January 2026.
  const fromMs = Date.UTC(2025, 0, 1) - DEMO_UTC_OFFSET_HOURS * HOUR_MS;
  const measureMs = Date.UTC(2026, 0, 1) - DEMO_UTC_OFFSET_HOURS * HOUR_MS;
  const toMs = Date.UTC(2026, 10, 1) - DEMO_UTC_OFFSET_HOURS * HOUR_MS;
  const template = scheduleTemplate("school", demoDeclarations(school), DEMO_TIME_ZONE, [2025, 2026, 2027])!;
  const scheduleWith = (setbackC: number): Schedule => ({
    ...template,
    effectiveFrom: measureMs,
    points: template.points.map((p) =>
      p.point === "heating_setpoint_c" ? { ...p, otherwise: setbackC } : p,
    ),
  });
  /** The demo's realism with every irregularity scaled (the weather's spells kept). */
  const realismAt = (seed: number, scale: number): RealismOptions => ({
    ...DEMO_REALISM,
    hourlyNoise: DEMO_REALISM.hourlyNoise * scale,
    baseDrift: DEMO_REALISM.baseDrift * scale,
    occupancySpread: DEMO_REALISM.occupancySpread * scale,
    irregularDayRate: DEMO_REALISM.irregularDayRate * scale,
    seed: seed + 500,
    closures: template.exceptions,
  });

  const SEEDS = [11, 23, 37];
  const SCALES = [0.5, 1, 2];
  const SETBACKS_C = [16, 18];

  interface Case {
    setbackC: number;
    r: SavingsResult;
    trueAvoidedKwh: number;
    minIndoorC: number;
    label: string;
  }
  const cases = new Map<string, { baselineMinIndoorC: number; bySetback: Case[] }>();
  /** One baseline year per seed and realism level, shared by the setback depths (it has no setback). */
  const run = (seed: number, scale: number) => {
    const key = `${seed}/${scale}`;
    let c = cases.get(key);
    if (c) return c;
    const sim = {
      kind: "school" as const,
      seed,
      utcOffsetHours: DEMO_UTC_OFFSET_HOURS,
      realism: realismAt(seed, scale),
    };
    const baseline = buildingHistory({ ...sim, from: new Date(fromMs), to: new Date(measureMs) });
    const bySetback = SETBACKS_C.map((setbackC): Case => {
      const reporting = buildingHistory({
        ...sim,
        from: new Date(measureMs),
        to: new Date(toMs),
        heatingSetpointAt: setpointOf(scheduleWith(setbackC), DEMO_TIME_ZONE),
        counterfactual: true,
      });
      const trueAvoidedKwh = sum(reporting, (x) => x.counterfactual_kwh! - x.kwh);
      const r = computeSavings({
        baseline: hourly(baseline),
        reporting: hourly(reporting),
        offsetOf,
        model: "auto",
        config: defaultSavingsConfig(),
      });
      return {
        setbackC,
        r,
        trueAvoidedKwh,
        minIndoorC: Math.min(...reporting.map((x) => x.indoor_c)),
        label: `seed ${seed}, realism × ${scale}, setback ${setbackC} °C: avoided ${r.avoided_kwh.toFixed(0)} ± ${r.uncertainty_kwh.toFixed(0)} kWh, truth ${trueAvoidedKwh.toFixed(0)}`,
      };
    });
    c = { baselineMinIndoorC: Math.min(...baseline.map((x) => x.indoor_c)), bySetback };
    cases.set(key, c);
    return c;
  };
  const missed = (c: Case) => Math.abs(c.r.avoided_kwh - c.trueAvoidedKwh) > c.r.uncertainty_kwh;

  for (const seed of SEEDS) {
    for (const scale of SCALES) {
      it(`seed ${seed}, realism × ${scale}: setbacks to ${SETBACKS_C.join(" and ")} °C measured near the truth`, () => {
        const c = run(seed, scale);
        // The pre-period runs without the setback: the rooms stay at the default setpoint.
        expect(c.baselineMinIndoorC).toBeGreaterThan(20.5);
        for (const x of c.bySetback) {
          expect(x.r.model, x.label).toBe("hourly");
          expect(x.r.sufficiency.ok, x.label).toBe(true);
          // The setback is real: the rooms cool to it, and the building uses less than it would have.
          expect(x.minIndoorC, x.label).toBeLessThan(x.setbackC + 0.5);
          expect(x.trueAvoidedKwh, x.label).toBeGreaterThan(0);
          expect(Number.isFinite(x.r.uncertainty_kwh), x.label).toBe(true);
          // No gross miss: 1.5 × the 90 % band is about 2.5 standard errors (a 1.2 % tail).
          expect(Math.abs(x.r.avoided_kwh - x.trueAvoidedKwh), x.label).toBeLessThanOrEqual(
            1.5 * x.r.uncertainty_kwh,
          );
        }
      }, 120_000);
    }
  }

  it("the 90 % band holds the truth as often as a 90 % band should", () => {
    // A calibrated 90 % band misses one draw in ten. The two depths of a
    // draw share its baseline's error (the same fit predicts the same
    // counterfactual), so the units are the 9 seed × realism draws, missed
    // when either depth misses: 4 or more misses of 9 at p = 0.1 has
    // probability 0.008 (binomial), so more than 3 means the band is too narrow.
    let misses = 0;
    const lines: string[] = [];
    for (const seed of SEEDS) {
      for (const scale of SCALES) {
        const c = run(seed, scale);
        if (c.bySetback.some(missed)) misses++;
        for (const x of c.bySetback) lines.push(`${missed(x) ? "miss" : "hold"} ${x.label}`);
      }
    }
    expect(lines).toHaveLength(SEEDS.length * SCALES.length * SETBACKS_C.length);
    expect(misses, lines.join("\n")).toBeLessThanOrEqual(3);
  }, 600_000);
});

describe("the demo's figures", () => {
  // A demo started on 1 October: nine months of reporting, /reports' default periods.
  const nowMs = Date.UTC(2026, 9, 1, 9);
  const periods = defaultPeriods({ nowMs, timeZone: DEMO_TIME_ZONE });
  const results = new Map<string, { r: SavingsResult; trueAvoidedKwh: number }>();
  const resultOf = (i: number) => {
    const f = DEMO_FACILITIES[i]!;
    let x = results.get(f.id);
    if (!x) {
      const rows = demoFacilityHistory(i, f, periods.baselineFromMs, periods.reportingToMs, nowMs, {
        counterfactual: true,
      });
      const split = rows.findIndex((row) => Date.parse(row.timestamp) >= periods.reportingFromMs);
      const r = computeSavings({
        baseline: hourly(rows.slice(0, split)),
        reporting: hourly(rows.slice(split)),
        offsetOf,
        model: "auto",
        config: defaultSavingsConfig(),
      });
      x = { r, trueAvoidedKwh: sum(rows.slice(split), (row) => row.counterfactual_kwh! - row.kwh) };
      results.set(f.id, x);
    }
    return x;
  };

  it("the school's schedule starts on the measure date the reports state and open their reporting period with", () => {
    const schedule = demoSchedule(school, nowMs)!;
    expect(schedule.effectiveFrom).toBe(demoMeasureFromMs(nowMs));
    expect(schedule.effectiveFrom).toBe(periods.reportingFromMs);
    const setback = schedule.points.find((p) => p.point === "heating_setpoint_c")!.otherwise;
    expect(school.measureDescription.en).toContain(`${setback} °C`);
    expect(school.measureDescription.ru).toContain(`${setback} °C`);
    const stated = demoSavingsFacilities(DEMO_FACILITIES, nowMs);
    for (const f of DEMO_FACILITIES) expect(stated[f.id]!.measure!.from).toBe("2026-01-01");
    // The hospital's heating is never scheduled (in-patient care).
    expect(demoSchedule(DEMO_FACILITIES.find((f) => f.kind === "hospital")!, nowMs)).toBeNull();
  });

  for (const [i, f] of DEMO_FACILITIES.entries()) {
    it(`${f.id} (${f.kind}): a usable baseline that is not implausibly perfect, and a significant saving`, () => {
      const { r } = resultOf(i);
      const label = `R² ${r.r2.toFixed(3)}, CV(RMSE) ${(100 * r.cv_rmse).toFixed(1)} %, saving ${r.savings_pct.toFixed(1)} % ± ${r.fsu_pct?.toFixed(1)} %`;
      expect(r.model, label).toBe("hourly");
      expect(r.ashrae14_pass, label).toBe(true);
      expect(r.r2, label).toBeLessThan(0.99);
      expect(r.cv_rmse, label).toBeGreaterThan(0.02);
      expect(r.fsu_pct, label).toBeGreaterThan(1);
      expect(r.significant, label).toBe(true);
    }, 120_000);
  }

  it("the school's saving in the demo lies within its band of the truth", () => {
    const { r, trueAvoidedKwh } = resultOf(DEMO_FACILITIES.indexOf(school));
    expect(trueAvoidedKwh).toBeGreaterThan(0);
    expect(Math.abs(r.avoided_kwh - trueAvoidedKwh)).toBeLessThanOrEqual(r.uncertainty_kwh);
  }, 120_000);
});
