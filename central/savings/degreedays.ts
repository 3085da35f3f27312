// Daily aggregation and degree days as CalTRACK daily methods use them
// (CalTRACK 2.0, sections 2.2 and 3.3): the daily mean temperature is the
// mean of the day's hourly temperatures (valid with at least half of the
// hours), degree days are taken from it, HDD(b) = max(0, b − T̄),
// CDD(b) = max(0, T̄ − b), in kelvin·days with balance points in °C.
import { DAY_MS, HOUR_MS, type HourlyData, type OffsetOf } from "./series.ts";

export const hdd = (meanTempC: number, balanceC: number): number => Math.max(0, balanceC - meanTempC);
export const cdd = (meanTempC: number, balanceC: number): number => Math.max(0, meanTempC - balanceC);

export interface DailyData {
  /** Start of each day (UTC ms of local midnight). */
  dayStartMs: number[];
  /** kWh in the day; NaN unless every hour of the day has a reading. */
  kwh: Float64Array;
  /** Mean outdoor temperature of the day, °C; NaN with fewer than 12 hourly values. */
  tempC: Float64Array;
}

/** Days (local calendar days of the site) of hourly data; partial days at the ends are dropped. */
export function toDaily(data: HourlyData, offsetOf: OffsetOf): DailyData {
  const dayStartMs: number[] = [];
  const kwh: number[] = [];
  const temp: number[] = [];
  let curDay = Number.NaN;
  let sumE = 0;
  let nE = 0;
  let sumT = 0;
  let nT = 0;
  let hours = 0;
  let dayStart = 0;
  const flush = () => {
    if (hours === 24) {
      dayStartMs.push(dayStart);
      kwh.push(nE === 24 ? sumE : Number.NaN);
      temp.push(nT >= 12 ? sumT / nT : Number.NaN);
    }
  };
  for (let i = 0; i < data.kwh.length; i++) {
    const ms = data.startMs + i * HOUR_MS;
    const off = offsetOf(ms);
    const day = Math.floor((ms + off) / DAY_MS);
    if (day !== curDay) {
      if (!Number.isNaN(curDay)) flush();
      curDay = day;
      dayStart = day * DAY_MS - off;
      sumE = 0;
      nE = 0;
      sumT = 0;
      nT = 0;
      hours = 0;
    }
    hours++;
    const e = data.kwh[i]!;
    if (Number.isFinite(e)) {
      sumE += e;
      nE++;
    }
    const t = data.tempC[i]!;
    if (Number.isFinite(t)) {
      sumT += t;
      nT++;
    }
  }
  if (!Number.isNaN(curDay)) flush();
  return { dayStartMs, kwh: Float64Array.from(kwh), tempC: Float64Array.from(temp) };
}
