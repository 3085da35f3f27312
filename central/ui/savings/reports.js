// @ts-check
// The /reports page's script (the page itself: central/savings/page.ts):
// the savings report of a facility or the portfolio as figures, a table and
// a baseline-vs-actual chart (SVG), and its PDF, CSV and JSON downloads.
// Russian by default, `?lang=en` for English. The token is typed into the
// page's form and kept in the tab's session storage (../lib/token.js), never
// in the address; the console of the same tab shares it.
import { bearer, forgetToken, savedToken, saveToken } from "../lib/token.js";

/**
 * @typedef {{ ts: number, actual_kwh: number, baseline_kwh: number }} Day
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
const TEXTS = {
  ru: {
    title: "Vetra — экономия энергии",
    console: "Консоль",
    token: "Токен доступа",
    save: "Войти",
    facility: "Объект",
    portfolio: "Весь портфель",
    from: "Отчётный период с",
    to: "по",
    model: "Модель",
    show: "Показать",
    download: "Скачать",
    summary: "Итоги",
    chart: "Базовая линия и факт, кВт·ч в сутки",
    baseline: "базовая линия",
    actual: "факт",
    facilities: "Объекты",
    avoided: "Сэкономлено, кВт·ч",
    pct: "Экономия, %",
    quality: "Данные",
    baselineKwh: "Базовая линия, кВт·ч",
    actualKwh: "Факт, кВт·ч",
    uncertainty: "Неопределённость (90 %), кВт·ч",
    fsu: "Относительная неопределённость, %",
    money: "Экономия, руб.",
    co2: "Снижение выбросов CO2, кг",
    significant: "Значимость",
    yes: "значима",
    no: "не значима",
    pass: "соответствует",
    fail: "не соответствует",
    ok: "достаточно",
    insufficient: "недостаточно",
    other: "English",
    error: "Ошибка",
    loading: "загрузка…",
    loaded: "готово",
    forbidden: "Отчёты доступны министерству и администратору",
    badToken: "Токен не принят, войдите снова",
  },
  en: {
    title: "Vetra — energy savings",
    console: "Console",
    token: "Access token",
    save: "Sign in",
    facility: "Facility",
    portfolio: "Whole portfolio",
    from: "Reporting from",
    to: "to",
    model: "Model",
    show: "Show",
    download: "Download",
    summary: "Summary",
    chart: "Baseline and actual, kWh per day",
    baseline: "baseline",
    actual: "actual",
    facilities: "Facilities",
    avoided: "Avoided, kWh",
    pct: "Savings, %",
    quality: "Data",
    baselineKwh: "Baseline, kWh",
    actualKwh: "Actual, kWh",
    uncertainty: "Uncertainty (90 %), kWh",
    fsu: "Fractional uncertainty, %",
    money: "Savings, RUB",
    co2: "CO2 avoided, kg",
    significant: "Significance",
    yes: "significant",
    no: "not significant",
    pass: "pass",
    fail: "fail",
    ok: "sufficient",
    insufficient: "insufficient",
    other: "Русский",
    error: "Error",
    loading: "loading…",
    loaded: "ready",
    forbidden: "Reports are for the ministry and admin",
    badToken: "Token not accepted, please sign in again",
  },
};
const T = TEXTS[lang];
document.documentElement.lang = lang;
document.title = T.title;
for (const el of document.querySelectorAll("[data-t]")) {
  if (el instanceof HTMLElement) el.textContent = T[/** @type {keyof typeof T} */ (el.dataset.t)] ?? "";
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
const nf = (/** @type {number | null | undefined} */ v, d = 0) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? "—"
    : Number(v).toLocaleString(lang === "en" ? "en-GB" : "ru-RU", {
        minimumFractionDigits: d,
        maximumFractionDigits: d,
      });
/** Text made safe to put into HTML (elements and quoted attributes). */
const esc = (/** @type {unknown} */ s) =>
  String(s).replace(
    /[&<>"']/g,
    (c) =>
      /** @type {Record<string, string>} */ ({
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#39;",
      })[c] ?? c,
  );
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
    let m = res.statusText;
    try {
      m = (await res.json()).error.message;
    } catch {}
    throw new Error(m);
  }
  return res;
}

function query(/** @type {string} */ format) {
  const q = new URLSearchParams({ format, lang, model: fieldValue("model") });
  const f = fieldValue("facility");
  if (f) q.set("facility", f);
  const from = fieldValue("from");
  if (from) q.set("from", `${from}T00:00:00Z`);
  const to = fieldValue("to");
  if (to) q.set("to", `${to}T00:00:00Z`);
  return `/api/v1/savings/report?${q}`;
}

function chart(/** @type {Day[]} */ days) {
  const svg = byId("chart");
  const first = days[0];
  const last = days[days.length - 1];
  if (!first || !last || days.length < 2) {
    svg.innerHTML = "";
    return;
  }
  const W = 800;
  const H = 260;
  const left = 60;
  const bottom = 24;
  const max = Math.max(...days.map((d) => Math.max(d.actual_kwh, d.baseline_kwh))) * 1.05;
  const t0 = first.ts;
  const t1 = last.ts;
  const x = (/** @type {number} */ t) => left + ((t - t0) / (t1 - t0)) * (W - left - 10);
  const y = (/** @type {number} */ v) => H - bottom - (v / max) * (H - bottom - 10);
  const path = (/** @type {"actual_kwh" | "baseline_kwh"} */ k) =>
    days.map((d, i) => `${i ? "L" : "M"}${x(d.ts).toFixed(1)} ${y(d[k]).toFixed(1)}`).join(" ");
  const day = (/** @type {number} */ t) => new Date(t).toLocaleDateString(lang === "en" ? "en-GB" : "ru-RU");
  svg.innerHTML =
    `<line class="axis" x1="${left}" y1="${H - bottom}" x2="${W - 10}" y2="${H - bottom}"/>` +
    `<text x="${left - 4}" y="16" text-anchor="end">${nf(max)}</text>` +
    `<text x="${left - 4}" y="${H - bottom}" text-anchor="end">0</text>` +
    `<text x="${left}" y="${H - 6}">${day(t0)}</text>` +
    `<text x="${W - 10}" y="${H - 6}" text-anchor="end">${day(t1)}</text>` +
    `<path id="baselineLine" class="baseline" d="${path("baseline_kwh")}"/>` +
    `<path id="actualLine" class="actual" d="${path("actual_kwh")}"/>`;
}

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

async function show() {
  status(T.loading);
  try {
    /** @type {{ portfolio: Portfolio, facilities: FacilityReport[] }} */
    const r = await (await api(query("json"))).json();
    const p = r.portfolio;
    const rows = [
      [T.baselineKwh, nf(p.baseline_kwh)],
      [T.actualKwh, nf(p.actual_kwh)],
      [T.avoided, nf(p.avoided_kwh)],
      [T.pct, nf(p.savings_pct, 1)],
      [T.uncertainty, `± ${nf(p.uncertainty_kwh)}`],
      [T.fsu, nf(p.fsu_pct, 1)],
      [T.significant, p.significant ? T.yes : T.no],
      [T.money, nf(p.money_rub)],
      [T.co2, nf(p.co2_kg)],
    ];
    byId("summary").innerHTML = rows
      .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
      .join("");
    byId("facilities").innerHTML = r.facilities
      .map(
        (f) =>
          `<tr><td>${esc(f.name)} (${esc(f.id)})</td><td>${esc(f.model || "—")}</td>` +
          `<td>${nf(f.avoided_kwh)} ± ${nf(f.uncertainty_kwh)}</td><td>${nf(f.savings_pct, 1)}</td>` +
          `<td>${nf(f.cv_rmse === null ? null : 100 * f.cv_rmse, 1)} %</td><td>${nf(f.nmbe === null ? null : 100 * f.nmbe, 2)} %</td>` +
          `<td>${nf(f.r2, 3)}</td><td class="${f.ashrae14_pass ? "pass" : "fail"}">${f.ashrae14_pass ? T.pass : T.fail}</td>` +
          `<td>${f.sufficiency.ok ? T.ok : T.insufficient}</td></tr>`,
      )
      .join("");
    chart(sumDays(r.facilities));
    status(T.loaded);
  } catch (e) {
    status(`${T.error}: ${/** @type {Error} */ (e).message}`);
  }
}

async function download(/** @type {string} */ format) {
  try {
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
    status(`${T.error}: ${/** @type {Error} */ (e).message}`);
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
