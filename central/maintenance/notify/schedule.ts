// When a rule's delivery is due: at once, at the end of its quiet hours, or
// at the end of its digest window. Quiet hours and digest windows are in the
// company's local time (windows start at local midnight), so they follow its
// clock across daylight-saving changes.
const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;

const clocks = new Map<string, Intl.DateTimeFormat>();

/** A valid IANA zone, else UTC (a company with a mistyped zone still gets its messages). */
export const safeZone = (timezone: string): string => {
  if (clocks.has(timezone)) return timezone;
  try {
    clocks.set(
      timezone,
      new Intl.DateTimeFormat("en-GB", {
        timeZone: timezone,
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }),
    );
    return timezone;
  } catch {
    return "UTC";
  }
};

/** Minutes after local midnight at `ms` in `timezone`. */
export function localMinute(ms: number, timezone: string): number {
  const zone = safeZone(timezone);
  let hour = 0;
  let minute = 0;
  for (const part of clocks.get(zone)!.formatToParts(ms)) {
    if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
  }
  return hour * 60 + minute;
}

const inWindow = (minute: number, from: number, to: number): boolean =>
  from < to ? minute >= from && minute < to : minute >= from || minute < to;

/** The first instant after `ms` whose local time is `targetMinute`, `ahead` minutes of local time away. */
function localAhead(ms: number, timezone: string, ahead: number, targetMinute: number): number {
  const start = ms - (((ms % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
  let at = start + ahead * MINUTE_MS;
  // A daylight-saving change in between moves the wall clock: correct once by the difference.
  const drift = (((targetMinute - localMinute(at, timezone)) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  if (drift !== 0) at += (drift > DAY_MINUTES / 2 ? drift - DAY_MINUTES : drift) * MINUTE_MS;
  return at > ms ? at : start + ahead * MINUTE_MS;
}

/** When the quiet hours around `ms` end; null when `ms` is not in them. */
export function quietEndMs(
  ms: number,
  timezone: string,
  quiet: { from: number; to: number } | null,
): number | null {
  if (!quiet) return null;
  const minute = localMinute(ms, timezone);
  if (!inWindow(minute, quiet.from, quiet.to)) return null;
  return localAhead(ms, timezone, (quiet.to - minute + DAY_MINUTES) % DAY_MINUTES, quiet.to);
}

/** The end of the digest window (of `minutes`, from local midnight) that holds `ms`. */
export function digestEndMs(ms: number, timezone: string, minutes: number): number {
  const minute = localMinute(ms, timezone);
  const end = Math.min(DAY_MINUTES, (Math.floor(minute / minutes) + 1) * minutes);
  return localAhead(ms, timezone, end - minute, end % DAY_MINUTES);
}

/**
 * When a rule's delivery of an event at `ms` is due: null for at once; else
 * the end of its digest window, moved to the end of the quiet hours when it
 * falls in them.
 */
export function dueMs(
  ms: number,
  timezone: string,
  rule: { quiet: { from: number; to: number } | null; digestMinutes: number },
): number | null {
  if (rule.digestMinutes > 0) {
    const end = digestEndMs(ms, timezone, rule.digestMinutes);
    return quietEndMs(end, timezone, rule.quiet) ?? end;
  }
  return quietEndMs(ms, timezone, rule.quiet);
}
