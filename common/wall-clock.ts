// The wall clock of an IANA time zone at an instant, from Intl (the ICU
// time-zone database Node ships): what a facility's schedule and a report's
// local dates and times are read from. One formatter per zone is kept, since
// building an Intl.DateTimeFormat costs far more than formatting with one.

/** Calendar and clock of an instant in a zone, zero-padded as in ISO 8601 (hour 00–23). */
export interface WallClock {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
  readonly minute: string;
  /** Mon … Sun. */
  readonly weekday: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The cached formatter of a zone; throws a RangeError for a zone this runtime does not know. */
function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      weekday: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `timeZone` at `atMs` (UTC ms). */
export function wallClock(timeZone: string, atMs: number): WallClock {
  const p: Record<string, string> = {};
  for (const x of formatterOf(timeZone).formatToParts(new Date(atMs))) p[x.type] = x.value;
  return {
    year: p.year ?? "",
    month: p.month ?? "",
    day: p.day ?? "",
    hour: p.hour ?? "",
    minute: p.minute ?? "",
    weekday: p.weekday ?? "",
  };
}
