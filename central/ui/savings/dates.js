// @ts-check
// The /reports page's dates: the local calendar of the region's time zone
// (the one central reports in), the default periods, and the four dates of
// the form checked and turned into the API's instants. No DOM.
import { zoneParts } from "/ui/zone-parts.js";

export const DAY = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Offset of a zone from UTC at an instant, ms (east positive). */
export function offsetMs(/** @type {number} */ ms, /** @type {string} */ timeZone) {
  const p = zoneParts(ms, timeZone);
  const wall = Date.UTC(Number(p.y), Number(p.m) - 1, Number(p.d), Number(p.hh), Number(p.mm));
  return wall - Math.floor(ms / 60_000) * 60_000;
}
/** "2026-03-01" → the instant of that local midnight in the zone. */
export function localMidnight(/** @type {string} */ date, /** @type {string} */ timeZone) {
  const wall = Date.parse(`${date}T00:00:00Z`);
  if (!Number.isFinite(wall)) return Number.NaN;
  const first = wall - offsetMs(wall, timeZone);
  return wall - offsetMs(first, timeZone);
}
/** An instant → its local date "YYYY-MM-DD" in the zone. */
export const localDate = (/** @type {number} */ ms, /** @type {string} */ timeZone) =>
  new Date(ms + offsetMs(ms, timeZone)).toISOString().slice(0, 10);
/** The local date before this one (the inclusive end of a period ending at its midnight). */
export const dayBefore = (/** @type {string} */ date) =>
  new Date(Date.parse(`${date}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
const dayAfter = (/** @type {string} */ date) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
/** A local date as the language writes it. */
export const dateText = (/** @type {string} */ date, /** @type {"ru" | "en"} */ lang) => {
  const [y, m, d] = date.split("-");
  return lang === "ru" ? `${d}.${m}.${y}` : date;
};
/** Whether a field's text is a date the form can use. */
export const isDate = (/** @type {string | null} */ s) => s !== null && DATE.test(s);

/** Default periods (the server's): reporting from 1 January this year to today, baseline the 365 days before. */
export function defaultPeriods(/** @type {string} */ timeZone) {
  const today = localDate(Date.now(), timeZone);
  const from = `${today.slice(0, 4)}-01-01`;
  const baselineFrom = localDate(localMidnight(from, timeZone) - 365 * DAY, timeZone);
  return { from, to: today, baselineFrom, baselineTo: dayBefore(from) };
}

/**
 * The four dates as the API's instants (each period's end exclusive: the
 * midnight after its last day), or the text key of why they cannot be asked for.
 * @param {{ from: string, to: string, baselineFrom: string, baselineTo: string }} dates
 * @param {string} timeZone
 * @returns {{ ok: true, q: { from: number, to: number, baselineFrom: number, baselineTo: number } } | { ok: false, why: "missingDate" | "reversed" | "overlap" | "tooLong" }}
 */
export function periodsOf(dates, timeZone) {
  const { from, to, baselineFrom, baselineTo } = dates;
  if (![from, to, baselineFrom, baselineTo].every((x) => DATE.test(x)))
    return { ok: false, why: "missingDate" };
  const q = {
    from: localMidnight(from, timeZone),
    to: localMidnight(dayAfter(to), timeZone),
    baselineFrom: localMidnight(baselineFrom, timeZone),
    baselineTo: localMidnight(dayAfter(baselineTo), timeZone),
  };
  if (Object.values(q).some((x) => !Number.isFinite(x))) return { ok: false, why: "missingDate" };
  if (q.to <= q.from || q.baselineTo <= q.baselineFrom) return { ok: false, why: "reversed" };
  if (q.baselineTo > q.from) return { ok: false, why: "overlap" };
  if (q.to - q.baselineFrom > 5 * 366 * DAY) return { ok: false, why: "tooLong" };
  return { ok: true, q };
}
