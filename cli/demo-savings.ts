// The demo's facilities as the savings reports meet them: their measures,
// the measure date (local midnight of 1 January of this year in the region's
// zone, where /reports starts its reporting period by default), the school's
// heating schedule — the kind's template (central/control/templates.ts)
// with its night, weekend, holiday and vacation setback, effective from the
// measure date — and their history since 1 January of last year, produced by
// the same thermal model, meter and realism (holidays, irregular days,
// unexplained variation, weather spells) as the live simulators. The
// school's history runs the schedule through the building's physics, so
// /reports shows the saving the setback makes, not a fraction written in.

import { scheduleTemplate } from "../central/control/templates.ts";
import { historyPoints, writeAll } from "../central/savings/backfill.ts";
import type { SavingsConfig } from "../central/savings/config.ts";
import { newYearMs } from "../central/savings/report.ts";
import type { TimeSeriesStore } from "../central/stores/types.ts";
import type { ControlPointDecl, Schedule } from "../common/control.ts";
import { scheduledValues } from "../edge-agent/control/schedule.ts";
import { DEFAULT_SETPOINT_C } from "../simulators/facility/building.ts";
import { type BuildingHistoryRow, buildingHistory } from "../simulators/facility/history.ts";
import type { EnergyMeasure } from "../simulators/facility/model.ts";
import { DEMO_REALISM, type RealismOptions } from "../simulators/facility/realism.ts";
import { DEMO_TIME_ZONE, type DemoFacility, facilityControlPoints } from "./demo-fleet.ts";

/** Seed of the i-th demo facility's simulator (cli/demo.ts uses the same). */
export const demoFacilitySeed = (i: number): number => 2000 + i;

/** Europe/Moscow keeps UTC+3 all year (no daylight saving since 2014): the simulators' local time. */
export const DEMO_UTC_OFFSET_HOURS = 3;

const localYear = (ms: number): number => new Date(ms + DEMO_UTC_OFFSET_HOURS * 3_600_000).getUTCFullYear();

/** The measure date of every demo facility: local midnight of 1 January of `nowMs`'s year. */
export const demoMeasureFromMs = (nowMs: number): number => newYearMs(localYear(nowMs), DEMO_TIME_ZONE);

/** The controllable points a facility's agent declares (as central receives them). */
export function demoDeclarations(f: DemoFacility): ControlPointDecl[] {
  return facilityControlPoints(f.id, f.kind, "bms").map((p) => {
    const { write: _write, minWriteIntervalMs: _every, ...decl } = p;
    return decl as unknown as ControlPointDecl;
  });
}

/** The kind's template for the facility's points, with the exceptions of last year, this year and the next. */
function template(f: DemoFacility, nowMs: number): Schedule {
  const y = localYear(nowMs);
  const s = scheduleTemplate(f.kind, demoDeclarations(f), DEMO_TIME_ZONE, [y - 1, y, y + 1]);
  if (!s) throw new Error(`no schedule template for ${f.kind}`);
  return s;
}

/** The facility's heating schedule from the measure date, or null when its measure is not a setback. */
export function demoSchedule(f: DemoFacility, nowMs: number): Schedule | null {
  if (f.measure.kind !== "setback") return null;
  return { ...template(f, nowMs), effectiveFrom: demoMeasureFromMs(nowMs) };
}

/** A retrofit measure as the simulator takes it (a fraction from the measure date), or undefined. */
export function demoRetrofit(f: DemoFacility, nowMs: number): EnergyMeasure | undefined {
  return f.measure.kind === "retrofit"
    ? { from: new Date(demoMeasureFromMs(nowMs)), savingFraction: f.measure.savingFraction }
    : undefined;
}

/** The demo's realism for the i-th facility: it keeps the holidays (and, a school, the vacations) of its template. */
export function demoRealism(i: number, f: DemoFacility, nowMs: number): RealismOptions {
  return { ...DEMO_REALISM, seed: demoFacilitySeed(i) + 500, closures: template(f, nowMs).exceptions };
}

/**
 * The heating setpoint a schedule holds at an instant, sampled every 15
 * minutes (the templates' times are on the half hour; time-zone arithmetic
 * at every 5-minute step of two years would dominate the backfill).
 */
export function setpointOf(schedule: Schedule | null, timeZone: string): (ms: number) => number {
  const slotMs = 15 * 60_000;
  let slot = Number.NaN;
  let value = DEFAULT_SETPOINT_C;
  return (ms) => {
    const k = Math.floor(ms / slotMs);
    if (k !== slot && schedule) {
      slot = k;
      value =
        scheduledValues(schedule, k * slotMs, timeZone).get("heating_setpoint_c")?.value ??
        DEFAULT_SETPOINT_C;
    }
    return value;
  };
}

/** Hourly history of the i-th demo facility over [fromMs, toMs), as its simulator and agent would have made it. */
export function demoFacilityHistory(
  i: number,
  f: DemoFacility,
  fromMs: number,
  toMs: number,
  nowMs: number,
  opts: { counterfactual?: boolean } = {},
): BuildingHistoryRow[] {
  const retrofit = demoRetrofit(f, nowMs);
  return buildingHistory({
    kind: f.kind,
    from: new Date(fromMs),
    to: new Date(toMs),
    seed: demoFacilitySeed(i),
    utcOffsetHours: DEMO_UTC_OFFSET_HOURS,
    realism: demoRealism(i, f, nowMs),
    heatingSetpointAt: setpointOf(demoSchedule(f, nowMs), DEMO_TIME_ZONE),
    ...(retrofit ? { measure: retrofit } : {}),
    ...(opts.counterfactual ? { counterfactual: true } : {}),
  });
}

/** What /reports and the PDF say of each facility: its measure and the measure date. */
export function demoSavingsFacilities(
  facilities: readonly DemoFacility[],
  nowMs: number,
): SavingsConfig["facilities"] {
  const from = new Date(demoMeasureFromMs(nowMs) + DEMO_UTC_OFFSET_HOURS * 3_600_000)
    .toISOString()
    .slice(0, 10);
  return Object.fromEntries(
    facilities.map((f) => [f.id, { measure: { from, description: f.measureDescription } }]),
  );
}

export async function backfillDemoFacilities(
  store: TimeSeriesStore,
  facilities: readonly DemoFacility[],
  nowMs: number,
  log: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  const from = newYearMs(localYear(nowMs) - 1, DEMO_TIME_ZONE);
  const to = Math.floor(nowMs / 3_600_000) * 3_600_000;
  let written = 0;
  for (const [i, f] of facilities.entries()) {
    const rows = demoFacilityHistory(i, f, from, to, nowMs);
    const r = await writeAll(store, historyPoints(f.id, f.site, rows));
    if (r.kind !== "success") throw new Error(`facility history backfill: ${r.code}: ${r.message}`);
    written += r.value.written;
  }
  log(
    `facility history: ${written} points from ${new Date(from).toISOString().slice(0, 10)} in ${Date.now() - started} ms`,
  );
}

/**
 * Assigns the facilities' schedules as the demo's energy manager would
 * (PUT /api/v1/control/schedules/:asset, audited), once each agent has
 * declared its points — central checks a schedule against them.
 */
export async function assignDemoSchedules(
  centralUrl: string,
  energyManagerToken: string,
  facilities: readonly DemoFacility[],
  nowMs: number,
  log: (line: string) => void,
  timeoutMs = 30_000,
): Promise<void> {
  const headers = { authorization: `Bearer ${energyManagerToken}`, "content-type": "application/json" };
  for (const f of facilities) {
    const schedule = demoSchedule(f, nowMs);
    if (!schedule) continue;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const points = await fetch(`${centralUrl}/api/v1/control/points?asset=${f.id}`, { headers });
      const body = (await points.json().catch(() => ({}))) as { points?: { point: string }[] };
      if (body.points?.some((p) => p.point === "heating_setpoint_c")) break;
      if (Date.now() > deadline) throw new Error(`${f.id}: its agent declared no heating_setpoint_c in time`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const res = await fetch(`${centralUrl}/api/v1/control/schedules/${f.id}`, {
      method: "PUT",
      headers,
      body: JSON.stringify(schedule),
    });
    if (!res.ok) throw new Error(`${f.id}: schedule refused (${res.status}): ${await res.text()}`);
    log(`schedule: ${f.id} heating setback from ${new Date(schedule.effectiveFrom!).toISOString()}`);
  }
}
