// @ts-check
// The /reports page's script (the page itself: central/savings/page.ts):
// the savings report of a facility or the portfolio as figures, a table and
// a baseline-vs-actual chart (SVG), and its PDF, CSV and JSON downloads.
// Russian by default, `?lang=en` for English. The token is typed into the
// page's form and kept in the tab's session storage (../lib/token.js), never
// in the address; the console of the same tab shares it.
import { esc } from "../lib/html.js";
import { errorBodyText } from "../lib/server-texts.js";
import { bearer, forgetToken, savedToken, saveToken } from "../lib/token.js";
import { drawChart } from "./chart.js";
import { dateText, dayBefore, defaultPeriods, isDate, localDate, periodsOf } from "./dates.js";
import { numberText, TEXTS } from "./texts.js";

/**
 * @typedef {import("./chart.js").Day} Day
 * @typedef {{ id: string, name: string, model: string | null, avoided_kwh: number | null, uncertainty_kwh: number | null,
 *   savings_pct: number | null, cv_rmse: number | null, nmbe: number | null, r2: number | null, ashrae14_pass: boolean,
 *   sufficiency: { ok: boolean }, daily: Day[] }} FacilityReport
 * @typedef {{ baseline_kwh: number, actual_kwh: number, avoided_kwh: number, savings_pct: number | null,
 *   uncertainty_kwh: number, fsu_pct: number | null, significant: boolean, money_rub: number, co2_kg: number }} Portfolio
 */

/** @param {string} id */
const byId = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el;
};
/** @param {string} id */
const fieldValue = (id) => /** @type {HTMLInputElement | HTMLSelectElement} */ (byId(id)).value;

const params = new URLSearchParams(location.search);
/** @type {"ru" | "en"} */
const lang = params.get("lang") === "en" ? "en" : "ru";
const T = TEXTS[lang];
document.documentElement.lang = lang;
document.title = T.title;
for (const el of document.querySelectorAll("[data-t]")) {
  const v = el instanceof HTMLElement ? T[/** @type {keyof typeof T} */ (el.dataset.t)] : undefined;
  if (el instanceof HTMLElement && typeof v === "string") el.textContent = v;
}
const langLink = byId("lang");
langLink.textContent = T.other;
langLink.addEventListener("click", (e) => {
  e.preventDefault();
  params.set("lang", lang === "en" ? "ru" : "en");
  location.search = params.toString();
});

let token = savedToken();

/** Shows the sign-in form (with why, when there is a reason). */
function signIn(/** @type {string} */ message = "") {
  byId("login").hidden = false;
  const error = byId("loginError");
  error.hidden = !message;
  error.textContent = message;
  byId("token").focus();
}
byId("tokenForm").addEventListener("submit", (e) => {
  e.preventDefault();
  const field = /** @type {HTMLInputElement} */ (byId("token"));
  token = field.value.trim();
  field.value = "";
  if (!token) return;
  saveToken(token);
  init();
});

/** A number in the page's language, or a dash. */
const nf = numberText(lang);
/** The model central chose ("hourly", "daily") in the page's language. */
const modelName = (/** @type {string | null} */ m) =>
  m === "hourly" ? T.modelHourly : m === "daily" ? T.modelDaily : (m ?? "—");
const status = (/** @type {string} */ text) => {
  byId("status").textContent = text;
};

/** A GET of the API with the session's token; 401 asks for a token again. */
async function api(/** @type {string} */ path) {
  const res = await fetch(path, { headers: bearer(token) });
  if (res.status === 401) {
    token = "";
    forgetToken();
    signIn(T.badToken);
    throw new Error(T.badToken);
  }
  if (res.status === 403) throw new Error(T.forbidden);
  if (!res.ok) {
    // The page's own text for central's error code (../lib/server-texts.js).
    const body = await res.json().catch(() => null);
    throw new Error(errorBodyText(body, lang) ?? res.statusText);
  }
  return res;
}

/** @type {{ timeZone: string }} */
const CONFIG = JSON.parse(byId("reports-config").textContent ?? "{}");
const TZ = CONFIG.timeZone || "UTC";
{
  const d = defaultPeriods(TZ);
  /** @type {[string, string | null, string][]} */
  const fields = [
    ["from", params.get("from"), d.from],
    ["to", params.get("to"), d.to],
    ["baselineFrom", params.get("baseline_from"), d.baselineFrom],
    ["baselineTo", params.get("baseline_to"), d.baselineTo],
  ];
  for (const [id, given, fallback] of fields) {
    const input = /** @type {HTMLInputElement} */ (byId(id));
    input.value = given !== null && isDate(given) ? given : fallback;
  }
  byId("periodsNote").textContent = T.periodsNote(TZ);
}

/** The form's four dates as the API's instants, or why they cannot be asked for. */
function periods() {
  const [from = "", to = "", baselineFrom = "", baselineTo = ""] = [
    "from",
    "to",
    "baselineFrom",
    "baselineTo",
  ].map((id) => fieldValue(id));
  const p = periodsOf({ from, to, baselineFrom, baselineTo }, TZ);
  return p.ok ? p : { ok: /** @type {const} */ (false), why: T[p.why] };
}

function query(/** @type {string} */ format) {
  const p = periods();
  if (!p.ok) throw new Error(p.why);
  const q = new URLSearchParams({
    format,
    lang,
    model: fieldValue("model"),
    from: new Date(p.q.from).toISOString(),
    to: new Date(Math.min(p.q.to, Math.max(p.q.from + 3_600_000, Date.now()))).toISOString(),
    baseline_from: new Date(p.q.baselineFrom).toISOString(),
    baseline_to: new Date(p.q.baselineTo).toISOString(),
  });
  const f = fieldValue("facility");
  if (f) q.set("facility", f);
  return `/api/v1/savings/report?${q}`;
}

/** The chart at its box's width. */
const chart = (/** @type {Day[]} */ days) =>
  drawChart(byId("chart"), byId("chartBox").clientWidth, days, { lang, timeZone: TZ, nf, texts: T });

/** The portfolio's days: each day's actual and baseline summed over the facilities. */
function sumDays(/** @type {FacilityReport[]} */ facilities) {
  /** @type {Map<number, Day>} */
  const m = new Map();
  for (const f of facilities)
    for (const d of f.daily) {
      const s = m.get(d.ts) ?? { ts: d.ts, actual_kwh: 0, baseline_kwh: 0 };
      s.actual_kwh += d.actual_kwh;
      s.baseline_kwh += d.baseline_kwh;
      m.set(d.ts, s);
    }
  return [...m.values()].sort((a, b) => a.ts - b.ts);
}

function showResults(/** @type {boolean} */ on) {
  for (const el of document.querySelectorAll("section.results"))
    if (el instanceof HTMLElement) el.hidden = !on;
}

/** Hides the figures and says why (a period in the future, no data): no zeros, no red "fail". */
function emptyState(/** @type {string} */ why) {
  byId("empty").hidden = false;
  byId("emptyText").textContent = why;
  showResults(false);
  document.body.dataset.state = "empty";
}
function formError(/** @type {string} */ why) {
  const el = byId("formError");
  el.hidden = !why;
  el.textContent = why;
}

let lastDays = /** @type {Day[]} */ ([]);

async function show() {
  formError("");
  const p = periods();
  if (!p.ok) {
    formError(p.why);
    document.body.dataset.state = "invalid";
    return;
  }
  if (p.q.from >= Date.now()) {
    emptyState(T.future);
    return;
  }
  status(T.loading);
  try {
    /** @type {{ portfolio: Portfolio, facilities: (FacilityReport & { n_reporting?: number })[], baseline_from: string, baseline_to: string, reporting_from: string, reporting_to: string }} */
    const r = await (await api(query("json"))).json();
    const span = (/** @type {string} */ a, /** @type {string} */ b) =>
      `${dateText(localDate(Date.parse(a), TZ), lang)} — ${dateText(dayBefore(localDate(Date.parse(b) + 3_599_999, TZ)), lang)}`;
    byId("periodsShown").textContent = T.periodsShown(
      span(r.baseline_from, r.baseline_to),
      span(r.reporting_from, r.reporting_to),
    );
    const withData = r.facilities.filter(
      (f) => f.model !== null && (f.n_reporting ?? 1) > 0 && f.daily.some((d) => d.actual_kwh > 0),
    );
    if (withData.length === 0) {
      emptyState(T.noData);
      status(T.loaded);
      return;
    }
    byId("empty").hidden = true;
    showResults(true);
    const p = r.portfolio;
    const rows = [
      [T.baselineKwh, nf(p.baseline_kwh)],
      [T.actualKwh, nf(p.actual_kwh)],
      [T.avoided, `${nf(p.avoided_kwh)} ± ${nf(p.uncertainty_kwh)}`],
      [T.pct, nf(p.savings_pct, 1)],
      [T.fsu, nf(p.fsu_pct, 1)],
      [T.significant, p.significant ? T.yes : T.no],
      [T.money, nf(p.money_rub)],
      [T.co2t, nf(p.co2_kg / 1000, 1)],
    ];
    byId("summary").innerHTML = rows
      .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
      .join("");
    byId("meaning").textContent = p.significant
      ? T.meaning(
          nf(p.avoided_kwh),
          nf(p.uncertainty_kwh),
          nf(p.avoided_kwh - p.uncertainty_kwh),
          nf(p.avoided_kwh + p.uncertainty_kwh),
          "90 %",
        )
      : T.meaningNot;
    byId("facilities").innerHTML = r.facilities
      .map(
        (f) =>
          `<tr><td>${esc(f.name)} (${esc(f.id)})</td><td>${esc(modelName(f.model))}</td>` +
          `<td>${nf(f.avoided_kwh)} ± ${nf(f.uncertainty_kwh)}</td><td>${nf(f.savings_pct, 1)}</td>` +
          `<td>${nf(f.cv_rmse === null ? null : 100 * f.cv_rmse, 1)} %</td><td>${nf(f.nmbe === null ? null : 100 * f.nmbe, 2)} %</td>` +
          `<td>${nf(f.r2, 3)}</td>` +
          (f.model === null
            ? "<td>—</td>"
            : `<td class="${f.ashrae14_pass ? "pass" : "fail"}">${f.ashrae14_pass ? T.pass : T.fail}</td>`) +
          `<td>${f.sufficiency.ok ? T.ok : T.insufficient}</td></tr>`,
      )
      .join("");
    lastDays = sumDays(withData);
    chart(lastDays);
    document.body.dataset.state = "shown";
    status(T.loaded);
  } catch (e) {
    status(`${T.error}: ${/** @type {Error} */ (e).message}`);
  }
}
let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => chart(lastDays), 150);
});

async function download(/** @type {string} */ format) {
  try {
    formError("");
    const res = await api(query(format));
    const blob = await res.blob();
    const name =
      (res.headers.get("Content-Disposition") ?? "").replace(/.*filename="([^"]+)".*/, "$1") ||
      `savings.${format}`;
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
  } catch (e) {
    formError(/** @type {Error} */ (e).message);
  }
}
for (const a of document.querySelectorAll("[data-format]")) {
  if (!(a instanceof HTMLElement)) continue;
  a.addEventListener("click", (e) => {
    e.preventDefault();
    download(a.dataset.format ?? "json");
  });
}
byId("query").addEventListener("submit", (e) => {
  e.preventDefault();
  show();
});

async function init() {
  try {
    /** @type {{ assets: { id: string, name: string, kind: string }[] }} */
    const { assets } = await (await api("/api/v1/assets")).json();
    const sel = /** @type {HTMLSelectElement} */ (byId("facility"));
    for (const a of assets.filter((a) => ["hospital", "clinic", "school"].includes(a.kind))) {
      if ([...sel.options].some((o) => o.value === a.id)) continue;
      const o = document.createElement("option");
      o.value = a.id;
      o.textContent = `${a.name} (${a.id})`;
      sel.append(o);
    }
    const facility = params.get("facility");
    if (facility) sel.value = facility;
    byId("login").hidden = true;
    await show();
  } catch (e) {
    status(`${T.error}: ${/** @type {Error} */ (e).message}`);
  }
}
if (!token) signIn();
else init();
