// @ts-check
// The /reports page's script (the page itself: central/savings/page.ts):
// the savings report of a facility or the portfolio as figures, a table and
// a baseline-vs-actual chart (SVG), and its PDF, CSV and JSON downloads.
// Russian by default, `?lang=en` for English. The token is typed into the
// page's form and kept in the tab's session storage (../lib/token.js), never
// in the address; the console of the same tab shares it.
import { errorBodyText } from "../lib/server-texts.js";
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
    from: "с",
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
    co2: "Снижение выбросов CO₂, т",
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
    reportingPeriod: "Отчётный период",
    baselinePeriod: "Базовый период",
    modelAuto: "авто",
    modelHourly: "почасовая",
    modelDaily: "суточная",
    periodsNote: (/** @type {string} */ tz) =>
      `Даты включительно, по времени региона (${tz}). По умолчанию отчётный период — с 1 января текущего года по сегодня, базовый — 365 суток перед ним: год до мероприятия, с которым сравнивается потребление после него.`,
    periodsShown: (/** @type {string} */ b, /** @type {string} */ r) =>
      `Базовый период: ${b}. Отчётный период: ${r}.`,
    reversed: "Конец периода раньше его начала: проверьте даты.",
    overlap: "Базовый период должен закончиться до начала отчётного.",
    tooLong: "Базовый и отчётный периоды вместе — не более пяти лет.",
    missingDate: "Укажите все четыре даты.",
    future:
      "Отчётный период ещё не начался: данных за него нет. Выберите период, который уже идёт или прошёл.",
    noData: "За выбранный отчётный период данных счётчиков нет — экономию считать не из чего.",
    meaning: (
      /** @type {string} */ avoided,
      /** @type {string} */ band,
      /** @type {string} */ lo,
      /** @type {string} */ hi,
      /** @type {string} */ conf,
    ) => `С вероятностью ${conf} экономия лежит между ${lo} и ${hi} кВт·ч (${avoided} ± ${band}).`,
    meaningNot: "Интервал неопределённости включает ноль: заявлять экономию по этим данным нельзя.",
    co2t: "Снижение выбросов CO₂, т",
    chartNone: "Нет данных для графика.",
  },
  en: {
    title: "Vetra — energy savings",
    console: "Console",
    token: "Access token",
    save: "Sign in",
    facility: "Facility",
    portfolio: "Whole portfolio",
    from: "from",
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
    co2: "CO₂ avoided, t",
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
    reportingPeriod: "Reporting period",
    baselinePeriod: "Baseline period",
    modelAuto: "auto",
    modelHourly: "hourly",
    modelDaily: "daily",
    periodsNote: (/** @type {string} */ tz) =>
      `Dates inclusive, in the region's time (${tz}). By default the reporting period runs from 1 January this year to today and the baseline is the 365 days before it: the year before the measure that consumption after it is compared with.`,
    periodsShown: (/** @type {string} */ b, /** @type {string} */ r) =>
      `Baseline period: ${b}. Reporting period: ${r}.`,
    reversed: "A period ends before it starts: check the dates.",
    overlap: "The baseline must end before the reporting period starts.",
    tooLong: "Baseline and reporting together may span at most five years.",
    missingDate: "Give all four dates.",
    future:
      "The reporting period has not started yet: there are no data for it. Choose a period that is running or over.",
    noData: "There are no meter data in the chosen reporting period: no saving can be computed.",
    meaning: (
      /** @type {string} */ avoided,
      /** @type {string} */ band,
      /** @type {string} */ lo,
      /** @type {string} */ hi,
      /** @type {string} */ conf,
    ) => `With ${conf} confidence the saving lies between ${lo} and ${hi} kWh (${avoided} ± ${band}).`,
    meaningNot: "The uncertainty interval includes zero: no saving can be claimed from these data.",
    co2t: "CO₂ avoided, t",
    chartNone: "No data to chart.",
  },
};
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
const nf = (/** @type {number | null | undefined} */ v, d = 0) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? "—"
    : Number(v).toLocaleString(lang === "en" ? "en-GB" : "ru-RU", {
        minimumFractionDigits: d,
        maximumFractionDigits: d,
      });
/** The model central chose ("hourly", "daily") in the page's language. */
const modelName = (/** @type {string | null} */ m) =>
  m === "hourly" ? T.modelHourly : m === "daily" ? T.modelDaily : (m ?? "—");
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
    // The page's own text for central's error code (../lib/server-texts.js).
    const body = await res.json().catch(() => null);
    throw new Error(errorBodyText(body, lang) ?? res.statusText);
  }
  return res;
}

/** @type {{ timeZone: string }} */
const CONFIG = JSON.parse(byId("reports-config").textContent ?? "{}");
const TZ = CONFIG.timeZone || "UTC";
const DAY = 86_400_000;

/** Offset of the region's zone from UTC at an instant, ms (east positive). */
function offsetMs(/** @type {number} */ ms) {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: TZ,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
  return wall - Math.floor(ms / 60_000) * 60_000;
}
/** "2026-03-01" → the instant of that local midnight in the region. */
function localMidnight(/** @type {string} */ date) {
  const wall = Date.parse(`${date}T00:00:00Z`);
  if (!Number.isFinite(wall)) return Number.NaN;
  const first = wall - offsetMs(wall);
  return wall - offsetMs(first);
}
/** An instant → its local date "YYYY-MM-DD" in the region. */
const localDate = (/** @type {number} */ ms) => new Date(ms + offsetMs(ms)).toISOString().slice(0, 10);
/** The local date before this one (the inclusive end of a period ending at its midnight). */
const dayBefore = (/** @type {string} */ date) =>
  new Date(Date.parse(`${date}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
const dayAfter = (/** @type {string} */ date) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
/** A local date as the page's language writes it. */
const dateText = (/** @type {string} */ date) => {
  const [y, m, d] = date.split("-");
  return lang === "ru" ? `${d}.${m}.${y}` : date;
};

/** Default periods (the server's): reporting from 1 January this year to today, baseline the 365 days before. */
function defaults() {
  const today = localDate(Date.now());
  const from = `${today.slice(0, 4)}-01-01`;
  const baselineTo = from;
  const baselineFrom = localDate(localMidnight(from) - 365 * DAY);
  return { from, to: today, baselineFrom, baselineTo: dayBefore(baselineTo) };
}
{
  const d = defaults();
  /** @type {[string, string | null, string][]} */
  const fields = [
    ["from", params.get("from"), d.from],
    ["to", params.get("to"), d.to],
    ["baselineFrom", params.get("baseline_from"), d.baselineFrom],
    ["baselineTo", params.get("baseline_to"), d.baselineTo],
  ];
  for (const [id, given, fallback] of fields) {
    const input = /** @type {HTMLInputElement} */ (byId(id));
    input.value = given && /^\d{4}-\d{2}-\d{2}$/.test(given) ? given : fallback;
  }
  byId("periodsNote").textContent = T.periodsNote(TZ);
}

/**
 * The four dates as the API's instants (each period's end exclusive: the
 * midnight after its last day), or the reason they cannot be asked for.
 * @returns {{ ok: true, q: { from: number, to: number, baselineFrom: number, baselineTo: number } } | { ok: false, why: string }}
 */
function periods() {
  const v = ["from", "to", "baselineFrom", "baselineTo"].map((id) => fieldValue(id));
  if (v.some((x) => !/^\d{4}-\d{2}-\d{2}$/.test(x))) return { ok: false, why: T.missingDate };
  const [from = "", to = "", baselineFrom = "", baselineTo = ""] = v;
  const q = {
    from: localMidnight(from),
    to: localMidnight(dayAfter(to)),
    baselineFrom: localMidnight(baselineFrom),
    baselineTo: localMidnight(dayAfter(baselineTo)),
  };
  if (Object.values(q).some((x) => !Number.isFinite(x))) return { ok: false, why: T.missingDate };
  if (q.to <= q.from || q.baselineTo <= q.baselineFrom) return { ok: false, why: T.reversed };
  if (q.baselineTo > q.from) return { ok: false, why: T.overlap };
  if (q.to - q.baselineFrom > 5 * 366 * DAY) return { ok: false, why: T.tooLong };
  return { ok: true, q };
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

/** The chart drawn at the box's own pixel size (text never stretched), y ticks with gridlines, x ticks by month or day. */
function chart(/** @type {Day[]} */ days) {
  const svg = byId("chart");
  const first = days[0];
  const last = days[days.length - 1];
  if (!first || !last || days.length < 2) {
    svg.innerHTML = `<text x="10" y="30">${esc(T.chartNone)}</text>`;
    return;
  }
  const W = Math.max(280, Math.round(byId("chartBox").clientWidth || 800));
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
      const date = new Date(d.ts + offsetMs(d.ts));
      if (date.getUTCDate() === 1) xt.push(d.ts);
    }
  } else xt = days.map((d) => d.ts);
  const every = Math.ceil(xt.length / maxLabels);
  xt = xt.filter((_, i) => i % every === 0);
  for (const t of xt) {
    const date = new Date(t + offsetMs(t));
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
      `${dateText(localDate(Date.parse(a)))} — ${dateText(dayBefore(localDate(Date.parse(b) + 3_599_999)))}`;
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
