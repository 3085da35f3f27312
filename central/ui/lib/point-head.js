// @ts-check
// The head card shared by a measuring point's three views (spectrum,
// waterfall, trends): the view's name, the asset linked, the point's name,
// and a toolbar linking the point's other two views.
import { h } from "./dom.js";
import { pointName, t } from "./i18n.js";

const VIEWS = /** @type {const} */ (["spectrum", "waterfall", "trends"]);

/**
 * @param {{
 *   view: "spectrum" | "waterfall" | "trends",
 *   assetId: string,
 *   point: string,
 *   toolbar?: unknown[],
 *   after?: unknown[],
 * }} options `toolbar`: more links after the other views'; `after`: more of the card below the toolbar.
 * @returns {HTMLElement}
 */
export function pointHead({ view, assetId, point, toolbar = [], after = [] }) {
  const enc = encodeURIComponent(assetId);
  const encPoint = encodeURIComponent(point);
  return h(
    "section",
    { class: "card", id: `${view}Head`, dataset: { asset: assetId, point } },
    h("h1", null, t(view), ": ", h("a", { href: `#/asset/${enc}` }, assetId), " · ", pointName(point)),
    h(
      "span",
      { class: "toolbar" },
      VIEWS.filter((v) => v !== view).map((v) =>
        h("a", { href: `#/${v}/${enc}/${encPoint}`, id: `${v}Link` }, t(v)),
      ),
      ...toolbar,
    ),
    ...after,
  );
}
