// The /reports page: self-contained (inline script, style and SVG chart; no
// CDN). Choose a facility or the portfolio and the periods, see the figures
// and the baseline vs actual chart, download PDF, CSV or JSON. Russian by
// default, `?lang=en` for English; the token from `?token=` or localStorage.

/** Strict mode, the query parameters, and the language: Russian unless `?lang=en`. */
const SCRIPT_LANG = `"use strict";
const params = new URLSearchParams(location.search);
const lang = params.get("lang") === "en" ? "en" : "ru";`;

/** `esc(s)`: text made safe to put into HTML (elements and quoted attributes). */
const SCRIPT_ESC = `const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);`;

export const REPORTS_PAGE = `<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vetra — экономия</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f4f6f9; }
  header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1rem; background: #1d2330; color: #fff; }
  header h1 { font-size: 1.1rem; margin: 0; flex: 1; } header a { color: #9cc3ff; }
  main { padding: 1rem; display: grid; gap: 1rem; }
  section { background: #fff; border-radius: 6px; padding: .8rem 1rem; box-shadow: 0 1px 2px #0002; }
  form { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; } label { display: grid; font-size: .85rem; color: #566; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e6eb; }
  th { color: #566; font-weight: 600; } .pass { color: #1b7f3b; font-weight: 600; } .fail { color: #b3261e; font-weight: 600; }
  svg { width: 100%; height: 260px; } .muted { color: #778; } .dl a { margin-right: 1rem; }
</style>
</head>
<body>
<header><h1 data-t="title"></h1><span id="status" class="muted"></span><a href="/" data-t="console"></a><a id="lang" href="#"></a></header>
<main>
  <section id="login" hidden><form id="tokenForm"><label><span data-t="token"></span><input id="token" size="50" autocomplete="off"></label><button data-t="save"></button></form></section>
  <section>
    <form id="query">
      <label><span data-t="facility"></span><select id="facility"><option value="" data-t="portfolio"></option></select></label>
      <label><span data-t="from"></span><input type="date" id="from"></label>
      <label><span data-t="to"></span><input type="date" id="to"></label>
      <label><span data-t="model"></span><select id="model"><option value="auto">auto</option><option value="hourly">hourly</option><option value="daily">daily</option></select></label>
      <button id="show" data-t="show"></button>
    </form>
    <p class="dl"><span data-t="download"></span>: <a href="#" data-format="pdf">PDF</a><a href="#" data-format="csv">CSV</a><a href="#" data-format="json">JSON</a></p>
  </section>
  <section><h2 data-t="summary"></h2><table><tbody id="summary"></tbody></table></section>
  <section><h2 data-t="chart"></h2><svg id="chart" viewBox="0 0 800 260" preserveAspectRatio="none" role="img"></svg>
    <div class="muted"><span style="color:#1f5fbf">━</span> <span data-t="baseline"></span> &nbsp; <span style="color:#d2691e">━</span> <span data-t="actual"></span></div></section>
  <section><h2 data-t="facilities"></h2><table><thead><tr><th data-t="facility"></th><th data-t="model"></th><th data-t="avoided"></th><th data-t="pct"></th><th>CV(RMSE)</th><th>NMBE</th><th>R²</th><th>ASHRAE 14</th><th data-t="quality"></th></tr></thead><tbody id="facilities"></tbody></table></section>
</main>
<script>
${SCRIPT_LANG}
const T = {
  ru: { title: "Vetra — экономия энергии", console: "Консоль", token: "Токен доступа", save: "Сохранить", facility: "Объект", portfolio: "Весь портфель",
        from: "Отчётный период с", to: "по", model: "Модель", show: "Показать", download: "Скачать", summary: "Итоги", chart: "Базовая линия и факт, кВт·ч в сутки",
        baseline: "базовая линия", actual: "факт", facilities: "Объекты", avoided: "Сэкономлено, кВт·ч", pct: "Экономия, %", quality: "Данные",
        baselineKwh: "Базовая линия, кВт·ч", actualKwh: "Факт, кВт·ч", uncertainty: "Неопределённость (90 %), кВт·ч", fsu: "Относительная неопределённость, %",
        money: "Экономия, руб.", co2: "Снижение выбросов CO2, кг", significant: "Значимость", yes: "значима", no: "не значима", pass: "соответствует", fail: "не соответствует",
        ok: "достаточно", insufficient: "недостаточно", other: "English", error: "Ошибка", loading: "загрузка…", loaded: "готово", forbidden: "Отчёты доступны министерству и администратору" },
  en: { title: "Vetra — energy savings", console: "Console", token: "Access token", save: "Save", facility: "Facility", portfolio: "Whole portfolio",
        from: "Reporting from", to: "to", model: "Model", show: "Show", download: "Download", summary: "Summary", chart: "Baseline and actual, kWh per day",
        baseline: "baseline", actual: "actual", facilities: "Facilities", avoided: "Avoided, kWh", pct: "Savings, %", quality: "Data",
        baselineKwh: "Baseline, kWh", actualKwh: "Actual, kWh", uncertainty: "Uncertainty (90 %), kWh", fsu: "Fractional uncertainty, %",
        money: "Savings, RUB", co2: "CO2 avoided, kg", significant: "Significance", yes: "significant", no: "not significant", pass: "pass", fail: "fail",
        ok: "sufficient", insufficient: "insufficient", other: "Русский", error: "Error", loading: "loading…", loaded: "ready", forbidden: "Reports are for the ministry and admin" },
}[lang];
document.documentElement.lang = lang;
document.title = T.title;
for (const el of document.querySelectorAll("[data-t]")) el.textContent = T[el.dataset.t];
const langLink = document.getElementById("lang");
langLink.textContent = T.other;
langLink.addEventListener("click", (e) => { e.preventDefault(); params.set("lang", lang === "en" ? "ru" : "en"); params.delete("token"); location.search = params.toString(); });
if (params.get("token")) localStorage.setItem("vetra.token", params.get("token"));
let token = localStorage.getItem("vetra.token") || "";
document.getElementById("tokenForm").addEventListener("submit", (e) => {
  e.preventDefault(); token = document.getElementById("token").value.trim(); localStorage.setItem("vetra.token", token); init();
});
const nf = (v, d = 0) => v === null || v === undefined || !isFinite(v) ? "—" : Number(v).toLocaleString(lang === "en" ? "en-GB" : "ru-RU", { minimumFractionDigits: d, maximumFractionDigits: d });
${SCRIPT_ESC}
const status = (text) => { document.getElementById("status").textContent = text; };
async function api(path) {
  const res = await fetch(path, { headers: { Authorization: "Bearer " + token } });
  if (res.status === 401) { document.getElementById("login").hidden = false; throw new Error("401"); }
  if (res.status === 403) throw new Error(T.forbidden);
  if (!res.ok) { let m = res.statusText; try { m = (await res.json()).error.message; } catch {} throw new Error(m); }
  return res;
}
function query(format) {
  const q = new URLSearchParams({ format, lang, model: document.getElementById("model").value });
  const f = document.getElementById("facility").value; if (f) q.set("facility", f);
  const from = document.getElementById("from").value; if (from) q.set("from", from + "T00:00:00Z");
  const to = document.getElementById("to").value; if (to) q.set("to", to + "T00:00:00Z");
  return "/api/v1/savings/report?" + q.toString();
}
function chart(days) {
  const svg = document.getElementById("chart");
  if (days.length < 2) { svg.innerHTML = ""; return; }
  const W = 800, H = 260, L = 60, B = 24;
  const max = Math.max(...days.map((d) => Math.max(d.actual_kwh, d.baseline_kwh))) * 1.05;
  const t0 = days[0].ts, t1 = days[days.length - 1].ts;
  const x = (t) => L + (t - t0) / (t1 - t0) * (W - L - 10), y = (v) => H - B - v / max * (H - B - 10);
  const path = (k) => days.map((d, i) => (i ? "L" : "M") + x(d.ts).toFixed(1) + " " + y(d[k]).toFixed(1)).join(" ");
  const day = (t) => new Date(t).toLocaleDateString(lang === "en" ? "en-GB" : "ru-RU");
  svg.innerHTML =
    '<line x1="' + L + '" y1="' + (H - B) + '" x2="' + (W - 10) + '" y2="' + (H - B) + '" stroke="#999"/>' +
    '<text x="' + (L - 4) + '" y="16" text-anchor="end" font-size="11">' + nf(max) + '</text>' +
    '<text x="' + (L - 4) + '" y="' + (H - B) + '" text-anchor="end" font-size="11">0</text>' +
    '<text x="' + L + '" y="' + (H - 6) + '" font-size="11">' + day(t0) + '</text>' +
    '<text x="' + (W - 10) + '" y="' + (H - 6) + '" text-anchor="end" font-size="11">' + day(t1) + '</text>' +
    '<path id="baselineLine" d="' + path("baseline_kwh") + '" fill="none" stroke="#1f5fbf" stroke-width="1.5"/>' +
    '<path id="actualLine" d="' + path("actual_kwh") + '" fill="none" stroke="#d2691e" stroke-width="1.5"/>';
}
function sumDays(facilities) {
  const m = new Map();
  for (const f of facilities) for (const d of f.daily) {
    const s = m.get(d.ts) || { ts: d.ts, actual_kwh: 0, baseline_kwh: 0 };
    s.actual_kwh += d.actual_kwh; s.baseline_kwh += d.baseline_kwh; m.set(d.ts, s);
  }
  return [...m.values()].sort((a, b) => a.ts - b.ts);
}
async function show() {
  status(T.loading);
  try {
    const r = await (await api(query("json"))).json();
    const p = r.portfolio;
    const rows = [[T.baselineKwh, nf(p.baseline_kwh)], [T.actualKwh, nf(p.actual_kwh)], [T.avoided, nf(p.avoided_kwh)], [T.pct, nf(p.savings_pct, 1)],
      [T.uncertainty, "± " + nf(p.uncertainty_kwh)], [T.fsu, nf(p.fsu_pct, 1)], [T.significant, p.significant ? T.yes : T.no],
      [T.money, nf(p.money_rub)], [T.co2, nf(p.co2_kg)]];
    document.getElementById("summary").innerHTML = rows.map(([k, v]) => "<tr><th>" + esc(k) + "</th><td>" + esc(v) + "</td></tr>").join("");
    document.getElementById("facilities").innerHTML = r.facilities.map((f) => "<tr><td>" + esc(f.name) + " (" + esc(f.id) + ")</td><td>" + esc(f.model || "—") +
      "</td><td>" + nf(f.avoided_kwh) + " ± " + nf(f.uncertainty_kwh) + "</td><td>" + nf(f.savings_pct, 1) + "</td><td>" + nf(f.cv_rmse === null ? null : 100 * f.cv_rmse, 1) +
      " %</td><td>" + nf(f.nmbe === null ? null : 100 * f.nmbe, 2) + " %</td><td>" + nf(f.r2, 3) + '</td><td class="' + (f.ashrae14_pass ? "pass" : "fail") + '">' +
      (f.ashrae14_pass ? T.pass : T.fail) + "</td><td>" + (f.sufficiency.ok ? T.ok : T.insufficient) + "</td></tr>").join("");
    chart(sumDays(r.facilities));
    status(T.loaded);
  } catch (e) { status(T.error + ": " + e.message); }
}
async function download(format) {
  try {
    const res = await api(query(format));
    const blob = await res.blob();
    const name = (res.headers.get("Content-Disposition") || "").replace(/.*filename="([^"]+)".*/, "$1") || "savings." + format;
    const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = name; document.body.append(a); a.click(); a.remove();
  } catch (e) { status(T.error + ": " + e.message); }
}
for (const a of document.querySelectorAll("[data-format]")) a.addEventListener("click", (e) => { e.preventDefault(); download(a.dataset.format); });
document.getElementById("query").addEventListener("submit", (e) => { e.preventDefault(); show(); });
async function init() {
  try {
    const { assets } = await (await api("/api/v1/assets")).json();
    const sel = document.getElementById("facility");
    for (const a of assets.filter((a) => ["hospital", "clinic", "school"].includes(a.kind))) {
      const o = document.createElement("option"); o.value = a.id; o.textContent = a.name + " (" + a.id + ")"; sel.append(o);
    }
    if (params.get("facility")) sel.value = params.get("facility");
    document.getElementById("login").hidden = true;
    await show();
  } catch (e) { status(T.error + ": " + e.message); }
}
if (!token) document.getElementById("login").hidden = false; else init();
</script>
</body>
</html>
`;
