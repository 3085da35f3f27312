// The data the baselines work on: an hourly grid (UTC hour starts) of
// energy in the hour (kWh) and mean outdoor temperature (°C), NaN where
// missing, plus the site's local time for hour-of-week.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export interface HourlyData {
  /** Start of the first hour, UTC ms, a multiple of HOUR_MS. */
  startMs: number;
  /** kWh in each hour; NaN = missing. */
  kwh: Float64Array;
  /** Mean outdoor temperature in each hour, °C; NaN = missing. */
  tempC: Float64Array;
}

/** Local-time offset of the site at an instant, ms (east of UTC positive). */
export type OffsetOf = (ms: number) => number;

export const fixedOffset =
  (hours: number): OffsetOf =>
  () =>
    hours * HOUR_MS;

/**
 * Offset of an IANA zone, through Intl, cached per UTC day (zones change
 * offset at most twice a year, at night; a day-granular cache can be off
 * for the few hours after a DST switch, which a baseline does not notice).
 */
export function zoneOffset(timeZone: string): OffsetOf {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
  });
  const cache = new Map<number, number>();
  return (ms) => {
    const day = Math.floor(ms / DAY_MS);
    let off = cache.get(day);
    if (off === undefined) {
      const at = day * DAY_MS + 12 * HOUR_MS;
      const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
      const local = Date.UTC(
        Number(parts.year),
        Number(parts.month) - 1,
        Number(parts.day),
        Number(parts.hour),
        Number(parts.minute),
      );
      off = local - at;
      cache.set(day, off);
    }
    return off;
  };
}

/** Hour of week 0..167, Monday 00:00 local = 0 (arithmetic: 1970-01-01 was a Thursday). */
export function hourOfWeek(ms: number, offsetOf: OffsetOf): number {
  const localHours = Math.floor((ms + offsetOf(ms)) / HOUR_MS);
  const day = Math.floor(localHours / 24);
  const mondayBased = (((day + 3) % 7) + 7) % 7;
  return mondayBased * 24 + (localHours - day * 24);
}

const monthOfDay = new Map<number, number>();

/** Local calendar month 0..11 (cached per local day). */
export function localMonth(ms: number, offsetOf: OffsetOf): number {
  const day = Math.floor((ms + offsetOf(ms)) / DAY_MS);
  let m = monthOfDay.get(day);
  if (m === undefined) {
    m = new Date(day * DAY_MS).getUTCMonth();
    if (monthOfDay.size > 100_000) monthOfDay.clear();
    monthOfDay.set(day, m);
  }
  return m;
}

/** Builds the hourly grid [fromMs, toMs) from sparse points (ts → value); absent hours are NaN. */
export function toHourlyGrid(
  fromMs: number,
  toMs: number,
  points: readonly { ts: number; value: number }[],
): Float64Array {
  const start = Math.floor(fromMs / HOUR_MS) * HOUR_MS;
  const n = Math.max(0, Math.ceil((toMs - start) / HOUR_MS));
  const out = new Float64Array(n).fill(Number.NaN);
  for (const p of points) {
    const i = Math.floor((p.ts - start) / HOUR_MS);
    if (i >= 0 && i < n) out[i] = p.value;
  }
  return out;
}

/** The part [fromMs, toMs) of hourly data (both on hour boundaries). */
export function sliceHours(data: HourlyData, fromMs: number, toMs: number): HourlyData {
  const a = Math.max(0, Math.round((fromMs - data.startMs) / HOUR_MS));
  const b = Math.min(data.kwh.length, Math.round((toMs - data.startMs) / HOUR_MS));
  return {
    startMs: data.startMs + a * HOUR_MS,
    kwh: data.kwh.slice(a, Math.max(a, b)),
    tempC: data.tempC.slice(a, Math.max(a, b)),
  };
}
