// @ts-check
// What every part of the /map page's script shares (map.js, batch.js): its
// elements by id, its configuration, its language and texts (set on the page
// here), escaping, number formats and the status line.
import { TEXTS } from "./texts.js";

/** @param {string} id */
export const byId = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el;
};
/** @param {string} id */
export const inputById = (id) => /** @type {HTMLInputElement} */ (byId(id));

/** @type {import("./map.js").MapConfig} */
export const CONFIG = JSON.parse(byId("map-config").textContent ?? "{}");
const params = new URLSearchParams(location.search);
/** @type {"ru" | "en"} */
export const lang = params.get("lang") === "en" ? "en" : "ru";

/** @typedef {keyof typeof TEXTS.ru} TextKey */
export const T = TEXTS[lang];
/** A text by a key that comes from data (a status, a level): the key itself when there is none. */
export const text = (/** @type {string} */ key) => (key in T ? T[/** @type {TextKey} */ (key)] : key);

document.documentElement.lang = lang;
document.title = T.title;
for (const el of document.querySelectorAll("[data-t]")) {
  if (el instanceof HTMLElement) el.textContent = text(el.dataset.t ?? "");
}
const other = new URLSearchParams(location.search);
other.set("lang", lang === "en" ? "ru" : "en");
const langLink = /** @type {HTMLAnchorElement} */ (byId("lang"));
langLink.textContent = T.other;
langLink.href = `?${other}`;

export { esc } from "../lib/html.js";
/** A number with `d` decimals in the page's language, or a dash. */
export const num = (/** @type {number | null | undefined} */ v, /** @type {number} */ d) =>
  v == null ? "—" : lang === "ru" ? Number(v).toFixed(d).replace(".", ",") : Number(v).toFixed(d);
export const setStatus = (/** @type {string} */ s) => {
  byId("status").textContent = s;
};
export const showIllustrative = (/** @type {boolean} */ on) => {
  byId("illustrative").hidden = !on;
};
showIllustrative(CONFIG.illustrative);
/** Roubles as millions in the page's language, or a dash. */
export const mln = (/** @type {number | null} */ rub) =>
  rub == null ? "—" : `${num(rub / 1e6, 1)} ${T.mln}`;
