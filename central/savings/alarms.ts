// Anomaly alarms of facilities, raised next to the ISO-zone alarms of
// /api/v1/alarms. Detectors are pure functions of the last day of hourly
// data and the facility's baseline (hourly TOWT model, refitted at most
// hourly on the year before):
// - after_hours_load: in hours the baseline treats as unoccupied, actual
//   energy above the unoccupied prediction by more than 30 % for ≥ 2 hours;
// - demand_above_contract: an hour's mean demand (kWh in the hour = mean kW)
//   or the latest `power_kw` above the contracted peak of the config;
// - meter_missing: no energy for the last 2 complete hours;
//   meter_frozen: the energy register did not move for 2 hours while the
//   meter reports power above 1 kW;
// - consumption_jump: the last 24 hours above the weather-adjusted baseline
//   by more than 25 % (so not explained by the weather).

import { type IoResult, success } from "../../common/result.ts";
import type { MetaStore } from "../meta/meta.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import type { SavingsConfig } from "./config.ts";
import { fitHourly, type HourlyModel, isOccupiedHour, predictHour } from "./hourly.ts";
import { loadHourly, offsetOfSite } from "./report-read.ts";
import { DAY_MS, HOUR_MS, type HourlyData, type OffsetOf } from "./series.ts";

export const FacilityFaults = [
  "after_hours_load",
  "demand_above_contract",
  "meter_missing",
  "meter_frozen",
  "consumption_jump",
] as const;
export type FacilityFault = (typeof FacilityFaults)[number];
/** What each facility fault is called on screen, in messages and reports, Russian and English. */
export const FacilityFaultNames: Readonly<
  Record<FacilityFault, { readonly ru: string; readonly en: string }>
> = {
  after_hours_load: { ru: "нагрузка в нерабочее время", en: "after-hours load" },
  demand_above_contract: { ru: "мощность выше договорной", en: "demand above the contracted peak" },
  meter_missing: { ru: "нет данных счётчика", en: "meter data missing" },
  meter_frozen: { ru: "показания счётчика не меняются", en: "meter register frozen" },
  consumption_jump: { ru: "скачок потребления", en: "consumption jump" },
};

export interface Detection {
  fault: FacilityFault;
  severity: "warning" | "alarm";
  sinceMs: number;
}

export const AFTER_HOURS_EXCESS = 0.3;
export const JUMP_EXCESS = 0.25;

/** Detections on `recent` (hourly, ending at the last complete hour). */
export function detectFacilityAnomalies(args: {
  recent: HourlyData;
  model: HourlyModel | null;
  offsetOf: OffsetOf;
  contractedPeakKw?: number;
  latestPowerKw?: { ts: number; value: number } | null;
  registerFlat2h?: boolean;
}): Detection[] {
  const { recent, model, offsetOf } = args;
  const out: Detection[] = [];
  const n = recent.kwh.length;
  const at = (i: number) => recent.startMs + i * HOUR_MS;
  if (n >= 2 && !Number.isFinite(recent.kwh[n - 1]!) && !Number.isFinite(recent.kwh[n - 2]!)) {
    let i = n - 1;
    while (i > 0 && !Number.isFinite(recent.kwh[i - 1]!)) i--;
    out.push({ fault: "meter_missing", severity: "warning", sinceMs: at(i) });
  }
  if (args.registerFlat2h && (args.latestPowerKw?.value ?? 0) > 1)
    out.push({ fault: "meter_frozen", severity: "warning", sinceMs: args.latestPowerKw!.ts - 2 * HOUR_MS });
  if (args.contractedPeakKw !== undefined) {
    let first = -1;
    for (let i = 0; i < n; i++) if (recent.kwh[i]! > args.contractedPeakKw && first < 0) first = i;
    const p = args.latestPowerKw;
    if (first >= 0) out.push({ fault: "demand_above_contract", severity: "alarm", sinceMs: at(first) });
    else if (p && p.value > args.contractedPeakKw)
      out.push({ fault: "demand_above_contract", severity: "alarm", sinceMs: p.ts });
  }
  if (model) {
    let excessHours = 0;
    let firstExcess = -1;
    let actual = 0;
    let predicted = 0;
    for (let i = 0; i < n; i++) {
      const y = recent.kwh[i]!;
      const ms = at(i);
      const p = predictHour(model, ms, recent.tempC[i]!, offsetOf);
      if (!Number.isFinite(y) || !Number.isFinite(p)) continue;
      actual += y;
      predicted += p;
      if (!isOccupiedHour(model, ms, offsetOf) && y > p * (1 + AFTER_HOURS_EXCESS)) {
        excessHours++;
        if (firstExcess < 0) firstExcess = i;
      }
    }
    if (excessHours >= 2)
      out.push({ fault: "after_hours_load", severity: "warning", sinceMs: at(firstExcess) });
    if (predicted > 0 && actual > predicted * (1 + JUMP_EXCESS))
      out.push({ fault: "consumption_jump", severity: "warning", sinceMs: recent.startMs });
  }
  return out;
}

/**
 * A detection on a facility's meter as the alarm evaluator takes it: one of
 * the alarm book's conditions (`Condition` in maintenance/alarm-book.ts, which
 * reads this room, not the other way round).
 */
export interface FacilityCondition extends Detection {
  asset: string;
  point: "meter";
  isoZone: null;
}

const modelCache = new Map<string, { fittedAtMs: number; model: HourlyModel | null }>();
const REFIT_MS = HOUR_MS;

/** Alarm conditions of every facility (the alarm book turns them into occurrences). */
export async function deriveFacilityConditions(
  store: TimeSeriesStore,
  meta: MetaStore,
  config: SavingsConfig,
  nowMs = Date.now(),
): Promise<IoResult<FacilityCondition[]>> {
  const fleet = await meta.fleet.current();
  const sites = fleet.siteById;
  const facilities = fleet.assets.filter(
    (a) => a.kind === "hospital" || a.kind === "clinic" || a.kind === "school",
  );
  const conditions: FacilityCondition[] = [];
  const endMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  for (const f of facilities) {
    const offsetOf = offsetOfSite(sites.get(f.site)?.timezone ?? null);
    const cacheKey = `${f.id}@${store.kind}`;
    let cached = modelCache.get(cacheKey);
    if (!cached || nowMs - cached.fittedAtMs > REFIT_MS) {
      const baseline = await loadHourly(store, f, endMs - 366 * DAY_MS, endMs - DAY_MS);
      if (baseline.kind !== "success") return baseline;
      const present = baseline.value.kwh.reduce((c, v) => c + (Number.isFinite(v) ? 1 : 0), 0);
      cached = { fittedAtMs: nowMs, model: present >= 30 * 24 ? fitHourly(baseline.value, offsetOf) : null };
      modelCache.set(cacheKey, cached);
    }
    const recent = await loadHourly(store, f, endMs - DAY_MS, endMs);
    if (recent.kind !== "success") return recent;
    const hasAnyData = recent.value.kwh.some((v) => Number.isFinite(v)) || cached.model !== null;
    if (!hasAnyData) continue; // a facility that never reported is not a frozen meter
    const latest = await store.latest({ measurement: "meter", tags: { asset: f.id }, groupBy: ["asset"] });
    if (latest.kind !== "success") return latest;
    const row = latest.value[0];
    const powerKw = row?.fields.power_kw;
    let registerFlat2h = false;
    if (row?.fields.energy_kwh !== undefined) {
      const reg = await store.query({
        measurement: "meter",
        field: "energy_kwh",
        tags: { asset: f.id },
        fromMs: row.ts - 2 * HOUR_MS,
        toMs: row.ts + 1,
        aggregate: "min",
      });
      if (reg.kind !== "success") return reg;
      const min = reg.value[0]?.points[0]?.value;
      registerFlat2h = min !== undefined && min === row.fields.energy_kwh && nowMs - row.ts < HOUR_MS;
    }
    const detections = detectFacilityAnomalies({
      recent: recent.value,
      model: cached.model,
      offsetOf,
      contractedPeakKw: config.contractedPeakKw[f.id],
      latestPowerKw: row && powerKw !== undefined ? { ts: row.ts, value: powerKw } : null,
      registerFlat2h,
    });
    for (const d of detections) {
      conditions.push({
        asset: f.id,
        point: "meter",
        fault: d.fault,
        severity: d.severity,
        sinceMs: d.sinceMs,
        isoZone: null,
      });
    }
  }
  return success(conditions);
}
