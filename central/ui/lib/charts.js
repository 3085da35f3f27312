// Charts of the asset and spectrum pages: uPlot (served by central from
// node_modules) sized to its container and destroyed with the page, the
// series colours, and time-axis labels in the page's language.
import uPlot from "/ui/assets/uPlot.esm.js";
import { num } from "./dom.js";
import { locale, t } from "./i18n.js";

/** @typedef {import("./dom.js").PageContext} PageContext */

export const PALETTE = ["#1f5fbf", "#c0392b", "#2e8540", "#8e44ad", "#d35400", "#16a085", "#7f8c8d"];

/**
 * A uPlot chart that follows its container's width and is destroyed with the
 * page. Its canvas is an image with an accessible name (WAI-ARIA `img`
 * role): `title` and what the data span, for a reader who cannot see it.
 * @param {PageContext} ctx @param {HTMLElement} el @param {any} opts @param {any} data
 * @param {string} title what the chart shows, in the page's language
 */
export function chart(ctx, el, opts, data, title) {
  const u = new uPlot({ width: Math.max(300, el.clientWidth || 600), ...opts }, data, el);
  const canvas = u.ctx.canvas;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", chartSummary(title, opts, data, u));
  const ro = new ResizeObserver(() => {
    const w = Math.max(300, el.clientWidth);
    if (Math.abs(w - u.width) > 2) u.setSize({ width: w, height: u.height });
  });
  ro.observe(el);
  ctx.cleanup(() => {
    ro.disconnect();
    u.destroy();
  });
  return u;
}

/**
 * Time axis labels in the page's language and the local zone: hours and
 * minutes, the date under the first label of each day; dates alone when the
 * ticks are a day or more apart.
 */
export const timeAxis = () => ({
  values: (_u, splits, _axis, _space, incr) => {
    let lastDay = "";
    return splits.map((s) => {
      const d = new Date(s * 1000);
      const day = d.toLocaleDateString(locale(), { day: "2-digit", month: "2-digit" });
      if (incr >= 86_400) return day;
      const hm = d.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
      const label = day === lastDay ? hm : `${hm}\n${day}`;
      lastDay = day;
      return label;
    });
  },
});

/**
 * A chart's text for a screen reader: its title, the span of its x axis and
 * each named series' lowest and highest value, each written by the series'
 * own value formatter (the legend's: units and the page's language). A
 * band's unnamed lower edge counts with its named upper one (min–max band).
 * @param {string} title @param {any} opts @param {ArrayLike<number | null>[]} data @param {any} u
 */
export function chartSummary(title, opts, data, u) {
  const series = opts.series ?? [];
  const written = (i, v) => (typeof series[i]?.value === "function" ? series[i].value(u, v) : num(v, 3));
  const span = (i) => {
    const lower = (opts.bands ?? []).find((b) => b.series[0] === i && !series[b.series[1]]?.label);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const k of lower ? [i, lower.series[1]] : [i])
      for (const v of Array.from(data[k] ?? [])) {
        if (v == null || !Number.isFinite(v)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    return lo > hi ? t("noData") : lo === hi ? written(i, lo) : `${written(i, lo)} – ${written(i, hi)}`;
  };
  const parts = [];
  series.forEach((s, i) => {
    if (s?.label) parts.push(`${s.label}: ${span(i)}`);
  });
  return [title, parts.join("; ")].filter(Boolean).join(". ");
}
