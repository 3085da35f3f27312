// @ts-check
// The /reports page's chart: daily baseline against actual consumption as an
// SVG drawn at its box's own pixel size (text never stretched), y ticks with
// gridlines, x ticks by month or by day in the region's calendar.
import { esc } from "../lib/html.js";
import { DAY, offsetMs } from "./dates.js";

/** @typedef {{ ts: number, actual_kwh: number, baseline_kwh: number }} Day */

/** Round steps for an axis: 1, 2 or 5 × 10^k, about `count` of them from 0 to max. */
function ticks(/** @type {number} */ max, count = 5) {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out = [];
  for (let v = 0; v <= max + step / 2; v += step) out.push(v);
  return out;
}

const MONTHS = {
  ru: ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"],
  en: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
};

/**
 * Draws `days` into `svg`, `boxWidth` px wide (280 at the least).
 * @param {HTMLElement} svg
 * @param {number} boxWidth
 * @param {Day[]} days
 * @param {{ lang: "ru" | "en", timeZone: string, nf: (v: number) => string,
 *   texts: { chart: string, baseline: string, actual: string, chartNone: string } }} how
 */
export function drawChart(svg, boxWidth, days, { lang, timeZone, nf, texts: T }) {
  const first = days[0];
  const last = days[days.length - 1];
  if (!first || !last || days.length < 2) {
    svg.innerHTML = `<text x="10" y="30">${esc(T.chartNone)}</text>`;
    return;
  }
  const W = Math.max(280, Math.round(boxWidth || 800));
  const H = W < 500 ? 220 : 280;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("width", String(W));
  svg.setAttribute("height", String(H));
  const left = W < 500 ? 46 : 64;
  const bottom = 28;
  const top = 10;
  const right = 12;
  const yTicks = ticks(Math.max(...days.map((d) => Math.max(d.actual_kwh, d.baseline_kwh))), W < 500 ? 4 : 5);
  const max = yTicks[yTicks.length - 1] || 1;
  const t0 = first.ts;
  const t1 = last.ts;
  const x = (/** @type {number} */ t) => left + ((t - t0) / (t1 - t0)) * (W - left - right);
  const y = (/** @type {number} */ v) => H - bottom - (v / max) * (H - bottom - top);
  const path = (/** @type {"actual_kwh" | "baseline_kwh"} */ k) =>
    days.map((d, i) => `${i ? "L" : "M"}${x(d.ts).toFixed(1)} ${y(d[k]).toFixed(1)}`).join(" ");
  let out = "";
  for (const v of yTicks)
    out +=
      `<line class="grid" x1="${left}" y1="${y(v).toFixed(1)}" x2="${W - right}" y2="${y(v).toFixed(1)}"/>` +
      `<text class="y" x="${left - 5}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${nf(v)}</text>`;
  // x: month starts when the period is long, else days; at most one label per 70 px.
  const span = (t1 - t0) / DAY;
  const maxLabels = Math.max(2, Math.floor((W - left - right) / 70));
  /** @type {number[]} */
  let xt = [];
  if (span > 62) {
    for (const d of days) {
      const date = new Date(d.ts + offsetMs(d.ts, timeZone));
      if (date.getUTCDate() === 1) xt.push(d.ts);
    }
  } else xt = days.map((d) => d.ts);
  const every = Math.ceil(xt.length / maxLabels);
  xt = xt.filter((_, i) => i % every === 0);
  for (const t of xt) {
    const date = new Date(t + offsetMs(t, timeZone));
    const label =
      span > 62
        ? `${MONTHS[lang][date.getUTCMonth()]}${date.getUTCMonth() === 0 || t === xt[0] ? ` ${date.getUTCFullYear()}` : ""}`
        : `${date.getUTCDate()} ${MONTHS[lang][date.getUTCMonth()]}`;
    out +=
      `<line class="tick" x1="${x(t).toFixed(1)}" y1="${H - bottom}" x2="${x(t).toFixed(1)}" y2="${H - bottom + 4}"/>` +
      `<text class="x" x="${x(t).toFixed(1)}" y="${H - bottom + 16}" text-anchor="middle">${esc(label)}</text>`;
  }
  out +=
    `<line class="axis" x1="${left}" y1="${H - bottom}" x2="${W - right}" y2="${H - bottom}"/>` +
    `<path id="baselineLine" class="baseline" d="${path("baseline_kwh")}"/>` +
    `<path id="actualLine" class="actual" d="${path("actual_kwh")}"/>`;
  svg.innerHTML = out;
  svg.setAttribute("aria-label", `${T.chart}: ${T.baseline}, ${T.actual}`);
}
