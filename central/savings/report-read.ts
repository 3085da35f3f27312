// How a savings report reads the store. Representation (common/names.ts):
// the `meter` measurement holds either `interval_energy_kwh` (kWh in the
// interval that starts at ts: imported and backfilled history) or the
// cumulative register `energy_kwh` (live meters; hourly energy = difference
// of the register's last readings of consecutive hours); `weather.temp_c`
// per site. A report reads site by site, columns straight into typed arrays
// (stores/columns.ts).
import type { IoResult } from "../../common/result.ts";
import { success } from "../../common/result.ts";
import { queryColumns } from "../stores/columns.ts";
import type { ColumnSeries, SeriesQuery, TimeSeriesStore } from "../stores/types.ts";
import { fixedOffset, HOUR_MS, type HourlyData, type OffsetOf, toHourlyGrid, zoneOffset } from "./series.ts";

export interface FacilityRef {
  id: string;
  name: string;
  kind: string;
  site: string;
  timezone: string | null;
}

/** Without a site time zone, the facility simulator's and the demo's default (UTC+3, Moscow time). */
export const DEFAULT_UTC_OFFSET_HOURS = 3;

export const offsetOfSite = (timezone: string | null): OffsetOf => {
  if (timezone) {
    try {
      return zoneOffset(timezone);
    } catch {
      // An unknown zone name falls back to the default offset.
    }
  }
  return fixedOffset(DEFAULT_UTC_OFFSET_HOURS);
};

/** Hourly energy and temperature of a facility over [fromMs, toMs) (hour boundaries). */
export async function loadHourly(
  store: TimeSeriesStore,
  facility: Pick<FacilityRef, "id" | "site">,
  fromMs: number,
  toMs: number,
): Promise<IoResult<HourlyData>> {
  const interval = await store.query({
    measurement: "meter",
    field: "interval_energy_kwh",
    tags: { asset: facility.id },
    fromMs,
    toMs,
    everyMs: HOUR_MS,
    aggregate: "sum",
  });
  if (interval.kind !== "success") return interval;
  const register = await store.query({
    measurement: "meter",
    field: "energy_kwh",
    tags: { asset: facility.id },
    fromMs: fromMs - HOUR_MS,
    toMs,
    everyMs: HOUR_MS,
    aggregate: "last",
  });
  if (register.kind !== "success") return register;
  const weather = await store.query(weatherQuery(facility.site, fromMs, toMs));
  if (weather.kind !== "success") return weather;
  const kwh = toHourlyGrid(fromMs, toMs, interval.value[0]?.points ?? []);
  fillFromRegister(kwh, fromMs, register.value[0]?.points ?? []);
  return success({ startMs: fromMs, kwh, tempC: toHourlyGrid(fromMs, toMs, weather.value[0]?.points ?? []) });
}

/** Facilities grouped by site, in order of first appearance. */
export function bySite(facilities: readonly FacilityRef[]): Map<string, FacilityRef[]> {
  const out = new Map<string, FacilityRef[]>();
  for (const f of facilities) {
    const group = out.get(f.site);
    if (group) group.push(f);
    else out.set(f.site, [f]);
  }
  return out;
}

/** A site's hourly mean outdoor temperature over [fromMs, toMs). */
export const weatherQuery = (site: string, fromMs: number, toMs: number): SeriesQuery => ({
  measurement: "weather",
  field: "temp_c",
  tags: { site },
  fromMs,
  toMs,
  everyMs: HOUR_MS,
  aggregate: "mean",
});

/** One series per meter (asset) of a meter field over [fromMs, toMs), raw or its last value per hour. */
const meterByAsset = (
  field: "interval_energy_kwh" | "energy_kwh",
  tags: Record<string, string>,
  fromMs: number,
  toMs: number,
  hourly?: "last",
): SeriesQuery => ({
  measurement: "meter",
  field,
  tags,
  fromMs,
  toMs,
  ...(hourly ? { everyMs: HOUR_MS, aggregate: hourly } : {}),
  groupBy: ["asset"],
});

/** Raw interval energy over [fromMs, toMs), one series per meter (asset). */
export const intervalByAssetQuery = (
  tags: Record<string, string>,
  fromMs: number,
  toMs: number,
): SeriesQuery => meterByAsset("interval_energy_kwh", tags, fromMs, toMs);

/** Registers' last reading per hour from the hour before fromMs, one series per meter (asset). */
export const registerByAssetQuery = (
  tags: Record<string, string>,
  fromMs: number,
  toMs: number,
): SeriesQuery => meterByAsset("energy_kwh", tags, fromMs - HOUR_MS, toMs, "last");

/** The asset's hourly energy grid in `kwhOf`, made (n hours, all NaN) if it has none yet. */
export function kwhGridOf(kwhOf: Map<string, Float64Array>, asset: string, n: number): Float64Array {
  let kwh = kwhOf.get(asset);
  if (!kwh) {
    kwh = new Float64Array(n).fill(Number.NaN);
    kwhOf.set(asset, kwh);
  }
  return kwh;
}

/**
 * Hands each facility of a site's group its hourly data: its energy from the
 * site's queries, or, where those found none of its meters (no site tag on
 * its points), its own three queries (loadHourly).
 */
export async function emitGroup(
  store: TimeSeriesStore,
  group: readonly FacilityRef[],
  kwhOf: ReadonlyMap<string, Float64Array>,
  tempC: Float64Array,
  fromMs: number,
  toMs: number,
  each: (facility: FacilityRef, data: HourlyData) => void,
): Promise<IoResult<void>> {
  for (const f of group) {
    const kwh = kwhOf.get(f.id);
    if (kwh) {
      each(f, { startMs: fromMs, kwh, tempC });
      continue;
    }
    const alone = await loadHourly(store, f, fromMs, toMs);
    if (alone.kind !== "success") return alone;
    each(f, alone.value);
  }
  return success(undefined);
}

/**
 * Hourly data of many facilities over [fromMs, toMs), site by site, each
 * series read into typed arrays: per site one query for its weather and,
 * over a server store, one for all its meters' interval energy (grouped by
 * asset, summed per hour here) and one for their registers. A facility
 * whose meter points carry no site tag is not found that way and falls back
 * to loadHourly. `each` is called once per facility, in the order of
 * `facilities`' sites, so only one site's data is held at a time.
 */
export async function forEachHourlyColumns(
  store: TimeSeriesStore,
  facilities: readonly FacilityRef[],
  fromMs: number,
  toMs: number,
  each: (facility: FacilityRef, data: HourlyData) => void,
): Promise<IoResult<void>> {
  const n = Math.max(0, Math.ceil((toMs - fromMs) / HOUR_MS));
  // A store that reads columns itself reads locally: there, a query per
  // facility costs nothing over one per site and reads only the wanted
  // meters (a site query reads all of the site's). Other stores (a server)
  // are asked once per site.
  const perFacility = store.queryColumns !== undefined;
  for (const [site, group] of bySite(facilities)) {
    const wanted = new Set(group.map((f) => f.id));
    const interval: ColumnSeries[] = [];
    const register: ColumnSeries[] = [];
    for (const batch of perFacility ? group.map((f) => [f]) : [group]) {
      const tags: Record<string, string> = batch.length === 1 ? { site, asset: batch[0]!.id } : { site };
      const energy = await queryColumns(store, intervalByAssetQuery(tags, fromMs, toMs));
      if (energy.kind !== "success") return energy;
      interval.push(...energy.value);
      const readings = await queryColumns(store, registerByAssetQuery(tags, fromMs, toMs));
      if (readings.kind !== "success") return readings;
      register.push(...readings.value);
    }
    const weather = await queryColumns(store, weatherQuery(site, fromMs, toMs));
    if (weather.kind !== "success") return weather;
    const tempC = hourlyGridOfColumns(fromMs, toMs, weather.value[0]);
    const kwhOf = new Map<string, Float64Array>();
    for (const series of interval) {
      const asset = series.tags.asset;
      if (asset === undefined || !wanted.has(asset)) continue;
      // Interval energy summed per hour (intervals may be shorter than an hour).
      const kwh = new Float64Array(n).fill(Number.NaN);
      const { ts, values } = series;
      for (let i = 0; i < ts.length; i++) {
        const k = Math.floor((ts[i]! - fromMs) / HOUR_MS);
        if (k < 0 || k >= n) continue;
        kwh[k] = Number.isNaN(kwh[k]!) ? values[i]! : kwh[k]! + values[i]!;
      }
      kwhOf.set(asset, kwh);
    }
    for (const series of register) {
      const asset = series.tags.asset;
      if (asset === undefined || !wanted.has(asset)) continue;
      fillFromRegisterColumns(kwhGridOf(kwhOf, asset, n), fromMs, series);
    }
    const emitted = await emitGroup(store, group, kwhOf, tempC, fromMs, toMs, each);
    if (emitted.kind !== "success") return emitted;
  }
  return success(undefined);
}

/** toHourlyGrid for a column series (absent: all NaN). */
function hourlyGridOfColumns(fromMs: number, toMs: number, series: ColumnSeries | undefined): Float64Array {
  const start = Math.floor(fromMs / HOUR_MS) * HOUR_MS;
  const n = Math.max(0, Math.ceil((toMs - start) / HOUR_MS));
  const out = new Float64Array(n).fill(Number.NaN);
  if (!series) return out;
  for (let j = 0; j < series.ts.length; j++) {
    const i = Math.floor((series.ts[j]! - start) / HOUR_MS);
    if (i >= 0 && i < n) out[i] = series.values[j]!;
  }
  return out;
}

/** fillFromRegister for a column series. */
function fillFromRegisterColumns(kwh: Float64Array, fromMs: number, reg: ColumnSeries) {
  for (let i = 1; i < reg.ts.length; i++) {
    if (reg.ts[i]! - reg.ts[i - 1]! !== HOUR_MS) continue;
    const k = Math.floor((reg.ts[i]! - fromMs) / HOUR_MS);
    const delta = reg.values[i]! - reg.values[i - 1]!;
    if (k >= 0 && k < kwh.length && Number.isNaN(kwh[k]!) && delta >= 0) kwh[k] = delta;
  }
}

/** Hourly energy from a cumulative register's last readings of consecutive hours, where interval energy is absent. */
export function fillFromRegister(
  kwh: Float64Array,
  fromMs: number,
  reg: readonly { ts: number; value: number }[],
) {
  for (let i = 1; i < reg.length; i++) {
    const cur = reg[i]!;
    const prev = reg[i - 1]!;
    if (cur.ts - prev.ts !== HOUR_MS) continue;
    const k = Math.floor((cur.ts - fromMs) / HOUR_MS);
    const delta = cur.value - prev.value;
    if (k >= 0 && k < kwh.length && Number.isNaN(kwh[k]!) && delta >= 0) kwh[k] = delta;
  }
}
