// Number and date formatting of central's reports, messages and PDFs.
// Russian typography (GOST R 7.0.97 / common Russian practice): digits
// grouped by three with a thin non-breaking space (U+202F), decimal comma, a
// true minus sign (U+2212), a non-breaking space before "%" — e.g. 5 155 670
// and −1 234,5. English: comma groups and a decimal point (5,155,670 and
// −1,234.5). Written by hand rather than through Intl so that the output does
// not depend on the ICU data Node was built with.

import { zoneParts } from "../../common/zone-parts.js";

export type Lang = "ru" | "en";

/** Narrow no-break space: the Russian digit-group separator. */
export const THIN_NBSP = "\u202f";
export const NBSP = "\u00a0";
export const MINUS = "\u2212";
export const DASH = "—";

/** `v` rounded to `digits` decimals and grouped; "—" for null, NaN and ±Infinity. */
export function formatNumber(v: number | null | undefined, digits: number, lang: Lang): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const fixed = Math.abs(v).toFixed(digits);
  const [int = "0", frac] = fixed.split(".");
  const sep = lang === "ru" ? THIN_NBSP : ",";
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  const body = frac === undefined ? grouped : `${grouped}${lang === "ru" ? "," : "."}${frac}`;
  // No "−0" (or "−0,0") for values that round to zero.
  const zero = /^[0.]*$/.test(fixed);
  return v < 0 && !zero ? `${MINUS}${body}` : body;
}

/** A percentage: "12,3 %" (ru), "12.3%" (en); `v` already in per cent. */
export function formatPercent(v: number | null | undefined, digits: number, lang: Lang): string {
  const n = formatNumber(v, digits, lang);
  if (n === DASH) return n;
  return lang === "ru" ? `${n}${NBSP}%` : `${n}%`;
}

/** "31.12.2025" (ru) or "2025-12-31" (en). */
export function formatDate(ms: number, lang: Lang, timeZone = "UTC"): string {
  const { y, m, d } = zoneParts(ms, timeZone);
  return lang === "ru" ? `${d}.${m}.${y}` : `${y}-${m}-${d}`;
}

/** Date and time, minutes: "31.12.2025 21:00" (ru) or "2025-12-31 21:00" (en). */
export function formatDateTime(ms: number, lang: Lang, timeZone = "UTC"): string {
  const { hh, mm } = zoneParts(ms, timeZone);
  return `${formatDate(ms, lang, timeZone)} ${hh}:${mm}`;
}

const isMidnight = (ms: number, timeZone: string): boolean => {
  const { hh, mm } = zoneParts(ms, timeZone);
  return hh === "00" && mm === "00";
};

/**
 * A period [from, to) in words a reader takes as meant: when both ends are
 * local midnights, whole days with the last day inclusive
 * ("01.01.2025 — 31.12.2025"); otherwise the exact instants.
 */
export function formatPeriod(fromMs: number, toMs: number, lang: Lang, timeZone = "UTC"): string {
  if (isMidnight(fromMs, timeZone) && isMidnight(toMs, timeZone) && toMs > fromMs)
    return `${formatDate(fromMs, lang, timeZone)} — ${formatDate(toMs - 1, lang, timeZone)}`;
  return `${formatDateTime(fromMs, lang, timeZone)} — ${formatDateTime(toMs, lang, timeZone)}`;
}

const MONTHS: Record<Lang, readonly string[]> = {
  ru: ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"],
  en: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
};

/** Short month label, "янв 2026" / "Jan 2026", of a UTC month start. */
export function formatMonth(ms: number, lang: Lang): string {
  const d = new Date(ms);
  return `${MONTHS[lang][d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** Offset of a time zone from UTC at an instant, ms (east positive). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const { y, m, d, hh, mm } = zoneParts(ms, timeZone);
  const wall = Date.UTC(Number(y), Number(m) - 1, Number(d), Number(hh), Number(mm));
  return wall - Math.floor(ms / 60_000) * 60_000;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The fixed-offset zone in which `periodStartMs` is midnight (reporting
 * periods are chosen in the site's local days, so their start tells the
 * local offset): "Etc/GMT-3" for 21:00 UTC, i.e. UTC+3; UTC otherwise.
 */
export function zoneOfPeriodStart(periodStartMs: number): string {
  let off = (((-periodStartMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
  if (off > 12) off -= 24;
  if (off === 0 || !Number.isInteger(off)) return "UTC";
  // IANA's Etc zones have the POSIX sign: Etc/GMT-3 is three hours east of UTC.
  return `Etc/GMT${off > 0 ? "-" : "+"}${Math.abs(off)}`;
}

/** "UTC+3" for "Etc/GMT-3"; other names as they are. */
export function zoneLabel(timeZone: string): string {
  const m = /^Etc\/GMT([+-])(\d{1,2})$/.exec(timeZone);
  if (!m) return timeZone;
  return `UTC${m[1] === "-" ? "+" : "−"}${m[2]}`;
}

/** "Europe/Moscow (UTC+3)": a zone's name with its offset at an instant; a fixed-offset zone as "UTC+3". */
export function zoneLabelAt(timeZone: string, ms: number): string {
  const label = zoneLabel(timeZone);
  if (label.startsWith("UTC")) return label;
  const minutes = Math.round(zoneOffsetMs(ms, timeZone) / 60_000);
  const sign = minutes < 0 ? "−" : "+";
  const h = Math.floor(Math.abs(minutes) / 60);
  const m = Math.abs(minutes) % 60;
  return `${label} (UTC${minutes === 0 ? "" : `${sign}${h}${m ? `:${String(m).padStart(2, "0")}` : ""}`})`;
}
