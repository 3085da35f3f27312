// Charts of the asset and spectrum pages: uPlot (served by central from
// node_modules) sized to its container and destroyed with the page, the
// series colours, and time-axis labels in the page's language.
import uPlot from "/ui/assets/uPlot.esm.js";
import { locale } from "./i18n.js";

/** @typedef {import("./dom.js").PageContext} PageContext */

export const PALETTE = ["#1f5fbf", "#c0392b", "#2e8540", "#8e44ad", "#d35400", "#16a085", "#7f8c8d"];

/**
 * A uPlot chart that follows its container's width and is destroyed with the page.
 * @param {PageContext} ctx @param {HTMLElement} el @param {any} opts @param {any} data
 */
export function chart(ctx, el, opts, data) {
  const u = new uPlot({ width: Math.max(300, el.clientWidth || 600), ...opts }, data, el);
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
