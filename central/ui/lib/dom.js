// Building the page and showing values: the `h()` element helper (text is
// never parsed as HTML), small widgets (badges, tables, definition lists) and
// numbers and times in the page's language and the browser's local zone.
import { locale, t } from "./i18n.js";

/** A number in the page's language, or a dash. */
export const num = (v, digits = 2) =>
  v == null || !Number.isFinite(Number(v))
    ? "—"
    : new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(Number(v));
/** Local date and time of an ISO string or epoch ms. */
export const when = (v) => {
  if (v == null) return "—";
  const d = new Date(typeof v === "number" ? v : Date.parse(v));
  return Number.isNaN(d.getTime())
    ? "—"
    : d.toLocaleString(locale(), { dateStyle: "short", timeStyle: "medium" });
};
/** Units as the edge writes them ("mm/s", "g2") on screen. */
export const unitText = (u) => ({ "mm/s": t("mm_s"), "m/s2": t("m_s2"), g2: "g²" })[u] ?? u ?? "";

/* ------------------------------------------------------------------ DOM */

/**
 * An element with properties and children; text is always text (never parsed as HTML).
 * @param {string} tag
 * @param {Record<string, any> | null} [props]
 * @param {...any} children
 * @returns {HTMLElement}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v == null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "value" || k === "checked") el[k] = v;
    // Through the CSSOM: the content security policy refuses style attributes, not style properties.
    else if (k === "style") el.style.cssText = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}
export const $ = (sel, root = document) => root.querySelector(sel);
export const sevBadge = (s) => h("span", { class: `sev ${s}` }, t(s));
export const stateText = (s) =>
  h("span", { class: `state ${s}` }, t(s === "acknowledged" ? "acknowledgedState" : s));
export const zoneBadge = (z) => h("span", { class: `zone z${z ?? "N"}` }, z ?? "–");
export const option = (value, label, selected) =>
  h("option", { value, selected: selected ? true : null }, label);
export const kv = (pairs) =>
  h(
    "dl",
    { class: "kv" },
    pairs.filter(([, v]) => v != null && v !== "").flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
  );

/** A table with a header row, scrolling sideways when narrow. */
export const dataTable = (heads, rows, props = null) =>
  h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      props,
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          heads.filter((x) => x !== null).map((x) => h("th", null, x)),
        ),
      ),
      h("tbody", null, rows),
    ),
  );
/** A table row of the values' cells, named by a data attribute (`data-id` etc.) that handlers and tests find it by. */
export const dataRow = (name, value, ...values) => h("tr", { dataset: { [name]: value } }, cells(...values));
/** A card that opens with its heading (`h1` for the page's first, `h2` below it) and a muted hint. */
export const hintedCard = (level, title, hint, ...children) =>
  h("section", { class: "card" }, h(level, null, title), h("p", { class: "muted" }, hint), ...children);
/**
 * A row of filters: each control after its label (`[label, control]`, null
 * for one the reader is not offered), then what acts on them (buttons).
 * @param {([string, HTMLElement] | null)[]} filters @param {...any} actions
 */
export const filterRow = (filters, ...actions) =>
  h(
    "div",
    { class: "filters" },
    filters.filter((f) => f !== null).map(([label, control]) => h("label", null, label, control)),
    ...actions,
  );
/**
 * A page's first card: its heading, its row of filters (filterRow), then
 * what it shows.
 * @param {string} title @param {[string, HTMLElement][]} filters @param {...any} children
 */
export const filterCard = (title, filters, ...children) =>
  h("section", { class: "card" }, h("h1", null, title), filterRow(filters), ...children);
/** Table cells of the values; `false` leaves a column out. */
export const cells = (...values) => values.filter((v) => v !== false).map((v) => h("td", null, v));

/** A form whose submit runs `fn` with the form's data, showing its failure beside the button. */
export function submitter(form, fn) {
  const message = h("span", { class: "error", role: "status" });
  form.append(message);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    message.textContent = "";
    try {
      await fn(new FormData(form));
    } catch (err) {
      message.textContent = err.message;
    }
  });
  return form;
}

/** Runs `fn` at most once per `ms`, after the last call (live events come in bursts). */
export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** An error in the page's language; central's own message (English) as its tooltip. */
export const errorBox = (e) =>
  h(
    "p",
    { class: "error", dataset: { code: e?.code ?? "" }, title: e?.serverMessage ?? null },
    `${t("error")}: ${e?.message ?? e}`,
  );

/**
 * What the router gives a page: where to draw, whether the page is still
 * shown, what to undo when it is left, live alarm events while it is shown,
 * and drawing it again from the start.
 * @typedef {{ root: HTMLElement, alive: () => boolean, cleanup: (fn: () => void) => void,
 *   onAlarm: (fn: (m: {event: any, alarm: any}) => void) => void, reload: () => void }} PageContext
 */
