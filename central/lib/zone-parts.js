// @ts-check
// The wall-clock parts of an instant in a time zone (24-hour clock, to the
// minute), through Intl's tz database. One module for central's formatting
// (format.ts) and the /reports page, to which the console serves it as
// /ui/zone-parts.js (plugins/ui.ts), so the server and the page read local
// dates the same way. No DOM, no Node.

/**
 * @param {number} ms an instant, ms since the epoch (UTC)
 * @param {string} timeZone an IANA zone name ("Europe/Moscow")
 * @returns {{ y: string, m: string, d: string, hh: string, mm: string }} zero-padded year, month, day, hour, minute
 */
export function zoneParts(ms, timeZone) {
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
  /** @type {Record<string, string>} */
  const p = {};
  for (const x of f.formatToParts(new Date(ms))) p[x.type] = x.value;
  return { y: p.year ?? "", m: p.month ?? "", d: p.day ?? "", hh: p.hour ?? "", mm: p.minute ?? "" };
}
