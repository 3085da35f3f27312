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

/** The finite values of a day's hours: their sum and how many there were. */
interface FiniteSum {
  sum: number;
  n: number;
}

/** One local day as toDaily reads its hours: the day number, its start (epoch ms UTC), hours seen. */
interface DayTotals {
  index: number;
  startMs: number;
  hours: number;
  kwh: FiniteSum;
  tempC: FiniteSum;
}

const newDay = (index: number, startMs: number): DayTotals => ({
  index,
  startMs,
  hours: 0,
  kwh: { sum: 0, n: 0 },
  tempC: { sum: 0, n: 0 },
});

/** Missing hours (NaN) count neither in the sum nor in n. */
function addFinite(total: FiniteSum, value: number): void {
  if (Number.isFinite(value)) {
    total.sum += value;
    total.n++;
  }
}

/** Days (local calendar days of the site) of hourly data; partial days at the ends are dropped. */
export function toDaily(data: HourlyData, offsetOf: OffsetOf): DailyData {
  const dayStartMs: number[] = [];
  const kwh: number[] = [];
  const temp: number[] = [];
  let day: DayTotals = newDay(Number.NaN, 0);
  const flush = () => {
    if (day.hours === 24) {
      dayStartMs.push(day.startMs);
      kwh.push(day.kwh.n === 24 ? day.kwh.sum : Number.NaN);
      temp.push(day.tempC.n >= 12 ? day.tempC.sum / day.tempC.n : Number.NaN);
    }
  };
  for (let i = 0; i < data.kwh.length; i++) {
    const ms = data.startMs + i * HOUR_MS;
    const off = offsetOf(ms);
    const index = Math.floor((ms + off) / DAY_MS);
    if (index !== day.index) {
      if (!Number.isNaN(day.index)) flush();
      day = newDay(index, index * DAY_MS - off);
    }
    day.hours++;
    addFinite(day.kwh, data.kwh[i]!);
    addFinite(day.tempC, data.tempC[i]!);
  }
  if (!Number.isNaN(day.index)) flush();
  return { dayStartMs, kwh: Float64Array.from(kwh), tempC: Float64Array.from(temp) };
}
