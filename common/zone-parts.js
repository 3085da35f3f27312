// @ts-check
// The wall-clock parts of an instant in an IANA time zone (24-hour clock, to
// the minute, with the weekday), through Intl and the ICU time-zone database
// the runtime ships. One module for the facilities' schedules
// (control-schedule.ts), central's formatting (central/lib/format.ts) and
// the /reports page, to which central serves it as /ui/zone-parts.js
// (central/plugins/ui.ts), so all of them read local time the same way.
// No DOM, no Node.

/** @type {Map<string, Intl.DateTimeFormat>} */
const formatters = new Map();

/** The zone's formatter, made once (making one is the costly part); throws RangeError for a zone Intl does not know. */
function formatterOf(/** @type {string} */ timeZone) {
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

/**
 * @param {number} ms an instant, ms since the epoch (UTC)
 * @param {string} timeZone an IANA zone name ("Europe/Moscow")
 * @returns {{ y: string, m: string, d: string, hh: string, mm: string, weekday: string }}
 *   zero-padded year, month, day, hour and minute, and the weekday in English ("Mon" … "Sun")
 */
export function zoneParts(ms, timeZone) {
  /** @type {Record<string, string>} */
  const p = {};
  for (const x of formatterOf(timeZone).formatToParts(new Date(ms))) p[x.type] = x.value;
  return {
    y: p.year ?? "",
    m: p.month ?? "",
    d: p.day ?? "",
    hh: p.hour ?? "",
    mm: p.minute ?? "",
    weekday: p.weekday ?? "",
  };
}
