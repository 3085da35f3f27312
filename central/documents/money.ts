// Money of the service model in integer kopecks (1 RUB = 100 kopecks), so
// no amount is ever a binary fraction. Amounts enter as decimal strings
// ("1500", "1500.5", "1500.50") and leave formatted for the reader.
//
// Rounding rule (one, stated on every statement): a quotient is rounded to
// the nearest kopeck, a half kopeck away from zero ("round half up" on the
// non-negative amounts used here) — the arithmetic rounding Russian
// accounting uses for money (and the Tax Code's art. 52 p. 6 for tax to
// whole roubles). Each line is rounded once; totals are sums of rounded
// lines, and VAT is computed once on the net total.
import type { Lang } from "../lib/format.ts";
import { NBSP, THIN_NBSP } from "../lib/format.ts";

/** A RUB amount as config and the API write it: up to 12 digits of roubles, up to 2 of kopecks. */
export const RUB_PATTERN = "^\\d{1,12}(\\.\\d{1,2})?$";
/** A percentage with up to two decimals (VAT rate, credit cap). */
export const PERCENT_PATTERN = "^\\d{1,3}(\\.\\d{1,2})?$";

/** "1500.5" → 150050 (exact: parsed as digits, never through a float). */
export function rubToKopecks(text: string): number {
  if (!new RegExp(RUB_PATTERN).test(text)) throw new RangeError(`not a RUB amount: "${text}"`);
  const [rub = "0", kop = ""] = text.split(".");
  return Number(rub) * 100 + Number(kop.padEnd(2, "0"));
}

/** "22" → 2200, "10.5" → 1050: a percentage in basis points (1/100 of a per cent). */
export function percentToBasisPoints(text: string): number {
  if (!new RegExp(PERCENT_PATTERN).test(text)) throw new RangeError(`not a percentage: "${text}"`);
  const [whole = "0", frac = ""] = text.split(".");
  return Number(whole) * 100 + Number(frac.padEnd(2, "0"));
}

/**
 * numerator / denominator rounded to the nearest integer, halves away from
 * zero, in integers only: floor((2n + d) / 2d) for n ≥ 0, d > 0.
 */
export function divRoundHalfUp(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0)
    throw new RangeError("divRoundHalfUp: integers, denominator > 0");
  const sign = numerator < 0 ? -1 : 1;
  const n = Math.abs(numerator);
  const q = Math.floor((2 * n + denominator) / (2 * denominator));
  if (!Number.isSafeInteger(2 * n + denominator)) throw new RangeError("divRoundHalfUp: amount too large");
  return sign * q;
}

/** VAT on a net amount at a rate in basis points, rounded to the kopeck. */
export const vatKopecks = (netKopecks: number, rateBasisPoints: number): number =>
  divRoundHalfUp(netKopecks * rateBasisPoints, 10_000);

/** 123456 → "1234.56" (the machine form: JSON, CSV). */
export function kopecksToDecimal(kopecks: number): string {
  const sign = kopecks < 0 ? "-" : "";
  const a = Math.abs(kopecks);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}

/** 123456 → "1 234,56 ₽" (ru, thin no-break spaces) or "RUB 1,234.56" (en). */
export function formatRub(kopecks: number, lang: Lang): string {
  const [int = "0", frac = "00"] = kopecksToDecimal(Math.abs(kopecks)).split(".");
  const minus = kopecks < 0 ? "\u2212" : "";
  if (lang === "ru") return `${minus}${int.replace(/\B(?=(\d{3})+(?!\d))/g, THIN_NBSP)},${frac}${NBSP}₽`;
  return `${minus}RUB${NBSP}${int.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${frac}`;
}

/** 2200 → "22 %" / "22%"; 1050 → "10,5 %". */
export function formatRate(basisPoints: number, lang: Lang): string {
  const whole = Math.floor(basisPoints / 100);
  const frac = basisPoints % 100;
  const fracText =
    frac === 0 ? "" : `${lang === "ru" ? "," : "."}${String(frac).padStart(2, "0").replace(/0$/, "")}`;
  return lang === "ru" ? `${whole}${fracText}${NBSP}%` : `${whole}${fracText}%`;
}
