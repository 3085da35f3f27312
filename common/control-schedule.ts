// Weekly schedules in the facility's IANA time zone. Wall-clock time at an
// instant comes from Intl (the ICU time-zone database Node ships), so a
// 07:00 entry starts at 07:00 local on both sides of a DST change — on the
// day clocks go forward a 02:30 start never occurs and the entry starts at
// the first instant whose wall clock is past it. Exception days (holidays,
// school vacations) are local dates: the weekly entries do not apply and
// the `otherwise` value holds all day. Entries are [from, to) in local time
// on the days listed; the first matching entry wins; an entry whose `to`
// is not after its `from` never matches (cross-midnight periods are two
// entries: evening on one day, morning on the next).
import type { Schedule } from "./control.ts";
import { isTimeZone, wallClock } from "./wall-clock.ts";

export { isTimeZone };

export interface LocalTime {
  /** YYYY-MM-DD, local. */
  readonly date: string;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  readonly isoWeekday: number;
  /** Minutes since local midnight. */
  readonly minutes: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function localTimeIn(timeZone: string, atMs: number): LocalTime {
  const c = wallClock(timeZone, atMs);
  return {
    date: `${c.year}-${c.month}-${c.day}`,
    isoWeekday: WEEKDAYS[c.weekday] ?? 0,
    minutes: Number(c.hour) * 60 + Number(c.minute),
  };
}

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(":");
  return Number(h) * 60 + Number(m);
};

export interface ScheduledValue {
  readonly value: number;
  /** What decided it: `entry <i>`, `exception <name>` or `otherwise`. */
  readonly why: string;
}

/** The value a schedule asks of each of its points at an instant. */
export function scheduledValues(
  schedule: Schedule,
  atMs: number,
  fallbackZone: string,
): Map<string, ScheduledValue> {
  const zone = schedule.timeZone || fallbackZone;
  const local = localTimeIn(zone, atMs);
  const out = new Map<string, ScheduledValue>();
  if (schedule.effectiveFrom !== undefined && atMs < schedule.effectiveFrom) return out;
  const exception = schedule.exceptions.find((e) => e.from <= local.date && local.date <= e.to);
  for (const p of schedule.points) {
    if (exception) {
      out.set(p.point, { value: p.otherwise, why: `exception ${exception.name}` });
      continue;
    }
    const i = p.entries.findIndex(
      (e) =>
        e.days.includes(local.isoWeekday) &&
        minutesOf(e.from) <= local.minutes &&
        local.minutes < minutesOf(e.to),
    );
    const entry = i >= 0 ? p.entries[i] : undefined;
    out.set(
      p.point,
      entry ? { value: entry.value, why: `entry ${i}` } : { value: p.otherwise, why: "otherwise" },
    );
  }
  return out;
}

/**
 * Whether the facility is occupied at an instant by its schedule: some
 * point's weekly entry holds (the entries are the occupied periods, with
 * their pre-heat; `otherwise` is the setback), not on an exception day,
 * not before `effectiveFrom`. Central watches comfort only then.
 */
export function isOccupied(schedule: Schedule, atMs: number, fallbackZone: string): boolean {
  for (const v of scheduledValues(schedule, atMs, fallbackZone).values())
    if (v.why.startsWith("entry ")) return true;
  return false;
}
