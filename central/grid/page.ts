// The /map page: one self-contained HTML document (inline script and style;
// Leaflet from this origin). Russian by default, `?lang=en` for English.
// With no basemap configured the map is a plain background with the vector
// layers, so it works with no internet at all.

export interface MapPageOptions {
  basemapUrl: string | null;
  basemapAttribution: string;
  illustrative: boolean;
  voltageClasses: { label: string; max_mw: number | null }[];
}

/** JSON safe inside a <script> element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c");

export function mapPage(options: MapPageOptions): string {
  return `<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vetra — карта технологического присоединения</title>
<link rel="stylesheet" href="/map/assets/leaflet.css">
<style>
  html, body { height: 100%; margin: 0; font: 14px/1.4 system-ui, sans-serif; color: #1d2330; }
  body { display: grid; grid-template-rows: auto auto 1fr; grid-template-columns: 1fr 360px; }
  header { grid-column: 1 / 3; display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; background: #1d2330; color: #fff; }
  header h1 { font-size: 1.05rem; margin: 0; flex: 1; }
  header a { color: #9cc3ff; }
  #illustrative { grid-column: 1 / 3; background: #fff3c4; color: #6b4e00; padding: .35rem 1rem; font-weight: 600; border-bottom: 1px solid #e5cf7a; }
  #map { grid-row: 3; grid-column: 1; background: #e9eef2; min-height: 300px; }
  aside { grid-row: 3; grid-column: 2; overflow: auto; padding: .6rem .8rem; background: #f7f8fa; border-left: 1px solid #dde; }
  aside h2 { font-size: .95rem; margin: .8rem 0 .3rem; }
  label { display: block; margin: .2rem 0; }
  input, select, button { font: inherit; }
  #options { list-style: none; padding: 0; margin: 0; }
  #options li { background: #fff; border-radius: 5px; padding: .4rem .5rem; margin: .35rem 0; box-shadow: 0 1px 2px #0002; border-left: 5px solid #999; }
  #options li.available { border-left-color: #2e9d3a; } #options li.needs_reinforcement { border-left-color: #e09b00; } #options li.unavailable { border-left-color: #c0392b; }
  #options .n { font-weight: 600; } #options .m { color: #556; font-size: .9em; } #options ul { margin: .2rem 0 0 1rem; padding: 0; font-size: .9em; }
  .legend { background: #fff; padding: .4rem .6rem; border-radius: 5px; box-shadow: 0 1px 3px #0003; line-height: 1.5; font-size: 12px; }
  .legend i { display: inline-block; width: 12px; height: 12px; border-radius: 6px; margin-right: 5px; vertical-align: -1px; }
  .legend b.l { display: inline-block; width: 18px; height: 3px; margin-right: 5px; vertical-align: 3px; }
  progress { width: 100%; }
  .muted { color: #667; font-size: .9em; }
  #summary table { border-collapse: collapse; width: 100%; font-size: .9em; } #summary td, #summary th { border-bottom: 1px solid #dde; padding: .15rem .3rem; text-align: left; }
  .opt-label { background: #fff; border: 1px solid #889; border-radius: 3px; padding: 0 3px; font-size: 11px; white-space: nowrap; }
  @media print { header a, #map, #checkForm, #batchForm, #searchBox, #lang { display: none !important; } body { display: block; } aside { border: 0; } }
</style>
</head>
<body>
<header><h1 data-t="title"></h1><span id="status" class="muted"></span><a id="lang" href="#"></a></header>
<div id="illustrative" hidden data-t="illustrative"></div>
<div id="map"></div>
<aside>
  <div id="searchBox"><label><span data-t="search"></span> <input id="search" list="names" autocomplete="off" size="28"></label><datalist id="names"></datalist></div>
  <h2 data-t="check"></h2>
  <p class="muted" data-t="clickHint"></p>
  <form id="checkForm">
    <label><span data-t="site"></span>: <span id="site">—</span></label>
    <label><span data-t="mw"></span> <input id="mw" type="number" min="0.001" step="any" value="25" required style="width:7em"></label>
    <label><span data-t="kind"></span> <select id="kind"><option value="generation" data-t="generation"></option><option value="demand" data-t="demand"></option></select></label>
    <button id="checkBtn" data-t="checkBtn"></button>
  </form>
  <p id="voltageClass" class="muted"></p>
  <ul id="options"></ul>
  <h2 data-t="batch"></h2>
  <form id="batchForm"><p class="muted" data-t="batchHint"></p><input id="batchFile" type="file" accept=".csv,text/csv"> <button id="batchBtn" data-t="batchBtn"></button></form>
  <progress id="batchProgress" value="0" max="1" hidden></progress>
  <div id="summary"></div>
  <h2 data-t="assumptionsTitle"></h2>
  <p class="muted" data-t="assumptions"></p>
</aside>
<script src="/map/assets/leaflet.js"></script>
<script>
"use strict";
const CONFIG = ${scriptJson(options)};
const params = new URLSearchParams(location.search);
const lang = params.get("lang") === "en" ? "en" : "ru";
const T = {
  ru: { title: "Vetra — карта свободной мощности для технологического присоединения", other: "English",
        illustrative: "Условные (иллюстративные) данные: расположение и мощности придуманы для демонстрации, это не данные сетевой организации.",
        search: "Поиск центра питания", check: "Проверка площадки", clickHint: "Щёлкните по карте, чтобы выбрать площадку.",
        site: "Площадка", mw: "Мощность, МВт", kind: "Вид", generation: "генерация", demand: "потребление", checkBtn: "Проверить",
        batch: "Пакетная проверка (CSV)", batchHint: "Столбцы: name,lat,lon,mw,kind", batchBtn: "Загрузить",
        assumptionsTitle: "Допущения", assumptions: "Если сетевая организация не указала свободную мощность, она считается по критерию N-1: без наибольшего трансформатора, cos φ = 0,9 (по умолчанию), без аварийной перегрузки. Генерация — за вычетом присоединённой генерации и очереди, местная нагрузка принята нулевой. Потребление — за вычетом максимума нагрузки и заявленной мощности. Стоимость ориентировочная (ЛЭП за км с учётом обходов, ячейка, усиление трансформаторов).",
        legendPoints: "Центры питания (свободная мощность)", open: "есть", limited: "ограничена", closed: "нет", unknown: "неизвестна",
        legendLines: "ЛЭП", legendSites: "Объекты мониторинга", windFarm: "ВЭС", facility: "соц. объект", state_ok: "норма", state_warning: "предупреждение", state_alarm: "авария",
        points: "Центры питания", lines: "ЛЭП", windFarms: "Ветроэлектростанции", facilities: "Социальные объекты", optionsLayer: "Варианты",
        available: "доступно", needs_reinforcement: "нужно усиление", unavailable: "недоступно", none: "Вариантов не найдено",
        distance: "расстояние", line: "ЛЭП ≈", headroom: "свободно", after: "после", cost: "стоимость ≈", voltageNeeded: "Нужный класс напряжения",
        mln: "млн ₽", km: "км", mwU: "МВт", kv: "кВ", error: "Ошибка", loaded: "центров питания", rows: "строк", download: "Скачать CSV", print: "Печать",
        summaryTitle: "Итог пакетной проверки", invalid: "ошибка в строке", total: "всего", operator: "сетевая организация" },
  en: { title: "Vetra — grid-connection capacity map", other: "Русский",
        illustrative: "Illustrative data: positions and capacities are invented for the demo; these are not an operator's figures.",
        search: "Find a connection point", check: "Site check", clickHint: "Click on the map to choose a site.",
        site: "Site", mw: "Capacity, MW", kind: "Kind", generation: "generation", demand: "demand", checkBtn: "Check",
        batch: "Batch check (CSV)", batchHint: "Columns: name,lat,lon,mw,kind", batchBtn: "Upload",
        assumptionsTitle: "Assumptions", assumptions: "Where the operator gives no figure, headroom follows the N-1 criterion: largest transformer out, cos φ = 0.9 (default), no emergency overload. Generation: after connected and queued generation, with zero local load. Demand: after peak load and contracted demand. Costs are indicative (line per km with a detour allowance, bay, transformer reinforcement).",
        legendPoints: "Connection points (headroom)", open: "open", limited: "limited", closed: "closed", unknown: "unknown",
        legendLines: "Lines", legendSites: "Monitored sites", windFarm: "wind farm", facility: "facility", state_ok: "normal", state_warning: "warning", state_alarm: "alarm",
        points: "Connection points", lines: "Lines", windFarms: "Wind farms", facilities: "Facilities", optionsLayer: "Options",
        available: "available", needs_reinforcement: "needs reinforcement", unavailable: "unavailable", none: "No options found",
        distance: "distance", line: "line ≈", headroom: "headroom", after: "after", cost: "cost ≈", voltageNeeded: "Voltage class needed",
        mln: "M RUB", km: "km", mwU: "MW", kv: "kV", error: "Error", loaded: "connection points", rows: "rows", download: "Download CSV", print: "Print",
        summaryTitle: "Batch check summary", invalid: "invalid row", total: "total", operator: "operator" },
}[lang];
document.documentElement.lang = lang;
document.title = T.title;
for (const el of document.querySelectorAll("[data-t]")) el.textContent = T[el.dataset.t];
const other = new URLSearchParams(location.search); other.set("lang", lang === "en" ? "ru" : "en");
const langLink = document.getElementById("lang"); langLink.textContent = T.other; langLink.href = "?" + other;
if (params.get("token")) localStorage.setItem("vetra.token", params.get("token"));
const token = localStorage.getItem("vetra.token") || "";
const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const num = (v, d) => v == null ? "—" : (lang === "ru" ? Number(v).toFixed(d).replace(".", ",") : Number(v).toFixed(d));
const setStatus = (s) => { document.getElementById("status").textContent = s; };
const showIllustrative = (on) => { document.getElementById("illustrative").hidden = !on; };
showIllustrative(CONFIG.illustrative);

const LEVEL_COLOURS = { open: "#2e9d3a", limited: "#e09b00", closed: "#c0392b", unknown: "#8a8f98" };
const STATUS_COLOURS = { available: "#2e9d3a", needs_reinforcement: "#e09b00", unavailable: "#c0392b" };
const STATE_COLOURS = { ok: "#2e9d3a", warning: "#e09b00", alarm: "#c0392b" };
const VOLTAGE_STEPS = [[500, "#b0005a"], [330, "#1f7a1f"], [220, "#c8a600"], [110, "#1f5fbf"], [35, "#8a4b12"], [6, "#7d3cbf"], [0, "#999999"]];
const voltageColour = (kv) => { if (kv == null) return "#bbbbbb"; for (const [v, c] of VOLTAGE_STEPS) if (kv >= v) return c; return "#999999"; };

const map = L.map("map", { preferCanvas: false, zoomControl: true }).setView([42.6, 47.7], 8);
map.attributionControl.setPrefix("Leaflet");
if (CONFIG.basemapUrl) L.tileLayer(CONFIG.basemapUrl, { attribution: CONFIG.basemapAttribution, maxZoom: 18 }).addTo(map);
const lineLayer = L.layerGroup().addTo(map);
const pointLayer = L.layerGroup().addTo(map);
const windLayer = L.layerGroup().addTo(map);
const facilityLayer = L.layerGroup().addTo(map);
const optionLayer = L.layerGroup().addTo(map);
const overlays = {}; overlays[T.points] = pointLayer; overlays[T.lines] = lineLayer; overlays[T.windFarms] = windLayer; overlays[T.facilities] = facilityLayer; overlays[T.optionsLayer] = optionLayer;
L.control.layers(null, overlays, { collapsed: false }).addTo(map);
L.control.scale({ imperial: false }).addTo(map);

const legend = L.control({ position: "bottomleft" });
legend.onAdd = () => {
  const div = L.DomUtil.create("div", "legend");
  let html = "<b>" + esc(T.legendPoints) + "</b><br>";
  for (const k of ["open", "limited", "closed", "unknown"]) html += '<i style="background:' + LEVEL_COLOURS[k] + '"></i>' + esc(T[k]) + "<br>";
  html += "<b>" + esc(T.legendLines) + "</b><br>";
  for (const [v, c] of VOLTAGE_STEPS.slice(0, 6)) html += '<b class="l" style="background:' + c + '"></b>' + (v === 6 ? "6–20" : v) + " " + esc(T.kv) + "<br>";
  html += "<b>" + esc(T.legendSites) + "</b><br>";
  for (const k of ["ok", "warning", "alarm"]) html += '<i style="background:' + STATE_COLOURS[k] + ';border-radius:0"></i>' + esc(T["state_" + k]) + "<br>";
  div.innerHTML = html;
  return div;
};
legend.addTo(map);

let points = [];
const kindSelect = document.getElementById("kind");
const pointMarkers = new Map();

function pointPopup(p) {
  const hg = p.headroom_generation_mw, hd = p.headroom_demand_mw;
  return "<b>" + esc(p.name) + "</b><br>" + esc(p.voltages_kv.join("/")) + " " + T.kv +
    (p.transformer_mva.length ? "; " + p.transformer_mva.length + "×" + esc(p.transformer_mva[0]) + " MVA" : "") +
    "<br>" + esc(T.headroom) + " (" + esc(T.generation) + "): " + num(hg, 1) + " " + T.mwU +
    "<br>" + esc(T.headroom) + " (" + esc(T.demand) + "): " + num(hd, 1) + " " + T.mwU +
    (p.headroom_source === "operator" ? "<br><i>" + esc(T.operator) + "</i>" : "") +
    (p.reinforcement_year ? "<br>↑ " + p.reinforcement_year : "") +
    (p.illustrative ? "<br><i>" + esc(T.illustrative.split(":")[0]) + "</i>" : "");
}

function drawPoints() {
  pointLayer.clearLayers(); pointMarkers.clear();
  const kind = kindSelect.value;
  for (const p of points) {
    const level = kind === "demand" ? p.level_demand : p.level_generation;
    const m = L.circleMarker([p.lat, p.lon], { radius: p.voltages_kv[0] >= 220 ? 8 : p.voltages_kv[0] >= 110 ? 6.5 : 5, color: "#223", weight: 1, fillColor: LEVEL_COLOURS[level], fillOpacity: 0.9, className: "cp-point cp-" + level, bubblingMouseEvents: false });
    m.bindPopup(pointPopup(p));
    m.bindTooltip(esc(p.name));
    m.addTo(pointLayer);
    pointMarkers.set(p.id, m);
  }
}

async function loadGrid() {
  const [pr, lr] = await Promise.all([fetch("/api/v1/grid/substations"), fetch("/api/v1/grid/lines")]);
  if (!pr.ok || !lr.ok) { setStatus(T.error + " " + pr.status); return; }
  const pj = await pr.json(); const lj = await lr.json();
  showIllustrative(Boolean(pj.vetra && pj.vetra.illustrative));
  points = pj.features.map((f) => Object.assign({ lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] }, f.properties));
  lineLayer.clearLayers();
  for (const f of lj.features) {
    const kv = f.properties.voltage_kv;
    L.polyline(f.geometry.coordinates.map((c) => [c[1], c[0]]), { color: voltageColour(kv), weight: kv >= 220 ? 3.5 : kv >= 110 ? 2.5 : 1.5, opacity: 0.85, className: "grid-line", interactive: true })
      .bindTooltip(esc(f.properties.name || "") + (kv ? " — " + kv + " " + T.kv : "")).addTo(lineLayer);
  }
  drawPoints();
  const names = document.getElementById("names");
  names.innerHTML = points.map((p) => '<option value="' + esc(p.name) + '">').join("");
  if (points.length > 0) map.fitBounds(L.latLngBounds(points.map((p) => [p.lat, p.lon])).pad(0.1));
  setStatus(points.length + " " + T.loaded);
  document.body.dataset.pointsLoaded = String(points.length);
}

async function loadSites() {
  if (!token) return;
  const r = await fetch("/api/v1/map/sites", { headers: { authorization: "Bearer " + token } });
  if (!r.ok) return;
  const { sites } = await r.json();
  windLayer.clearLayers(); facilityLayer.clearLayers();
  for (const s of sites) {
    const icon = L.divIcon({ className: "site-icon site-" + s.kind, html: '<div style="width:14px;height:14px;background:' + STATE_COLOURS[s.state] + ';border:2px solid #222;' + (s.kind === "wind_farm" ? "transform:rotate(45deg)" : "") + '"></div>', iconSize: [18, 18] });
    L.marker([s.lat, s.lon], { icon })
      .bindPopup("<b>" + esc(s.name) + "</b> (" + esc(s.kind === "wind_farm" ? T.windFarm : T.facility) + ")<br>" + esc(T["state_" + s.state]) + (s.active_alarms ? " — " + s.active_alarms : "") + "<br>" + s.assets.map((a) => esc(a.name)).join(", "))
      .addTo(s.kind === "wind_farm" ? windLayer : facilityLayer);
  }
  document.body.dataset.sitesLoaded = String(sites.length);
}

let site = null;
let siteMarker = null;
map.on("click", (e) => {
  site = { lat: e.latlng.lat, lon: e.latlng.lng };
  document.getElementById("site").textContent = num(site.lat, 4) + ", " + num(site.lon, 4);
  if (siteMarker) siteMarker.remove();
  siteMarker = L.circleMarker(e.latlng, { radius: 7, color: "#000", weight: 2, fillColor: "#fff", fillOpacity: 1, className: "site-marker" }).addTo(optionLayer);
  document.getElementById("mw").focus();
});
kindSelect.addEventListener("change", drawPoints);

const mln = (rub) => rub == null ? "—" : num(rub / 1e6, 1) + " " + T.mln;

async function runCheck() {
  if (!site) { setStatus(T.clickHint); return; }
  const mw = Number(document.getElementById("mw").value);
  const r = await fetch("/api/v1/grid/check", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ lat: site.lat, lon: site.lon, mw, kind: kindSelect.value, lang }) });
  const body = await r.json();
  const list = document.getElementById("options");
  optionLayer.clearLayers(); siteMarker.addTo(optionLayer);
  if (!r.ok) { list.innerHTML = "<li>" + esc(T.error + ": " + body.error.message) + "</li>"; return; }
  showIllustrative(body.illustrative);
  document.getElementById("voltageClass").textContent = T.voltageNeeded + ": " + body.voltage_class.replace("kV", T.kv);
  if (body.options.length === 0) { list.innerHTML = "<li>" + esc(T.none) + "</li>"; return; }
  list.innerHTML = body.options.map((o, i) =>
    '<li class="' + o.status + '" data-id="' + esc(o.connection_point_id) + '"><span class="n">' + (i + 1) + ". " + esc(o.name) + "</span> — " + esc(T[o.status]) +
    '<div class="m">' + (o.voltage_kv != null ? num(o.voltage_kv, o.voltage_kv < 1 ? 1 : 0) + " " + T.kv + "; " : "") + T.distance + " " + num(o.distance_km, 1) + " " + T.km + "; " + T.line + " " + num(o.line_km, 1) + " " + T.km +
    "<br>" + T.headroom + " " + num(o.headroom_mw, 1) + " → " + T.after + " " + num(o.headroom_after_mw, 1) + " " + T.mwU + "; " + T.cost + " " + mln(o.cost_rub) + "</div>" +
    "<ul>" + o.reasons.map((x) => "<li>" + esc(x) + "</li>").join("") + "</ul></li>").join("");
  body.options.forEach((o, i) => {
    const line = L.polyline([[site.lat, site.lon], [o.lat, o.lon]], { color: STATUS_COLOURS[o.status], weight: i === 0 ? 4 : 2.5, dashArray: o.status === "available" ? null : "6 5", className: "opt-line opt-" + o.status });
    line.bindTooltip((i + 1) + ". " + esc(o.name) + " · " + num(o.distance_km, 1) + " " + T.km + " · " + num(o.headroom_mw, 1) + " " + T.mwU + " · " + mln(o.cost_rub), { permanent: i < 3, direction: "center", className: "opt-label" });
    line.addTo(optionLayer);
  });
  document.body.dataset.options = String(body.options.length);
}
document.getElementById("checkForm").addEventListener("submit", (e) => { e.preventDefault(); runCheck().catch((err) => setStatus(T.error + ": " + err.message)); });
document.getElementById("options").addEventListener("click", (e) => {
  const li = e.target.closest("li[data-id]"); if (!li) return;
  const m = pointMarkers.get(li.dataset.id); if (m) { map.panTo(m.getLatLng()); m.openPopup(); }
});

document.getElementById("search").addEventListener("change", (e) => {
  const q = e.target.value.trim().toLowerCase(); if (!q) return;
  const p = points.find((x) => x.name.toLowerCase() === q) || points.find((x) => x.name.toLowerCase().includes(q));
  if (!p) return;
  map.setView([p.lat, p.lon], Math.max(map.getZoom(), 11));
  const m = pointMarkers.get(p.id); if (m) m.openPopup();
});

// Batch: the file is sent in parts so a large one shows progress; results are joined here.
const CHUNK = 500;
const csvCell = (v) => { const s = v == null ? "" : String(v); return /[",\\r\\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
const COLUMNS = ["line", "name", "lat", "lon", "mw", "kind", "status", "connection_point_id", "connection_point_name", "voltage_kv", "voltage_class", "distance_km", "line_km", "headroom_mw", "headroom_after_mw", "cost_rub", "available_options", "reasons"];
function splitLines(text) {
  // Record boundaries outside quotes.
  const out = []; let cur = ""; let q = false;
  for (let i = 0; i < text.length; i++) { const c = text[i]; if (c === '"') q = !q; if (!q && (c === "\\n")) { out.push(cur.replace(/\\r$/, "")); cur = ""; } else cur += c; }
  if (cur.trim() !== "") out.push(cur.replace(/\\r$/, ""));
  return out.filter((l) => l.trim() !== "");
}
async function runBatch() {
  const file = document.getElementById("batchFile").files[0]; if (!file) return;
  const lines = splitLines(await file.text());
  const header = lines[0]; const body = lines.slice(1);
  const bar = document.getElementById("batchProgress"); bar.hidden = false; bar.max = Math.max(1, body.length); bar.value = 0;
  const rows = []; const summary = { available: 0, needs_reinforcement: 0, unavailable: 0, invalid: 0 };
  for (let i = 0; i < body.length; i += CHUNK) {
    const part = [header].concat(body.slice(i, i + CHUNK)).join("\\n");
    const r = await fetch("/api/v1/grid/check-batch?format=json&lang=" + lang, { method: "POST", headers: { "content-type": "text/csv" }, body: part });
    const j = await r.json();
    if (!r.ok) { document.getElementById("summary").textContent = T.error + ": " + j.error.message; bar.hidden = true; return; }
    for (const row of j.rows) { row.line += i; rows.push(row); }
    for (const k in j.summary) summary[k] += j.summary[k];
    bar.value = Math.min(body.length, i + CHUNK);
    setStatus(T.rows + ": " + bar.value + " / " + body.length);
  }
  const csv = [COLUMNS.join(",")].concat(rows.map((r) => COLUMNS.map((c) => csvCell(c === "reasons" ? r.reasons.join("; ") : r[c])).join(","))).join("\\r\\n") + "\\r\\n";
  const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
  const sum = document.getElementById("summary");
  sum.innerHTML = "<h2>" + esc(T.summaryTitle) + "</h2>" + (document.getElementById("illustrative").hidden ? "" : '<p class="muted">' + esc(T.illustrative) + "</p>") +
    "<table><tr><th>" + esc(T.available) + "</th><td>" + summary.available + "</td></tr><tr><th>" + esc(T.needs_reinforcement) + "</th><td>" + summary.needs_reinforcement +
    "</td></tr><tr><th>" + esc(T.unavailable) + "</th><td>" + summary.unavailable + "</td></tr><tr><th>" + esc(T.invalid) + "</th><td>" + summary.invalid + "</td></tr><tr><th>" + esc(T.total) + "</th><td>" + rows.length + "</td></tr></table>" +
    '<p><a id="batchCsv" download="grid-check.csv" href="' + url + '">' + esc(T.download) + '</a> · <a href="#" id="printBtn">' + esc(T.print) + "</a></p>" +
    "<table><tr><th>#</th><th>name</th><th>MW</th><th>" + esc(T.site) + "</th><th></th><th>" + esc(T.cost) + "</th></tr>" +
    rows.slice(0, 200).map((r) => "<tr><td>" + r.line + "</td><td>" + esc(r.name) + "</td><td>" + num(r.mw, 1) + "</td><td>" + esc(r.connection_point_name || "—") + "</td><td>" + esc(T[r.status] || r.status) + "</td><td>" + mln(r.cost_rub) + "</td></tr>").join("") + "</table>";
  document.getElementById("printBtn").addEventListener("click", (e) => { e.preventDefault(); window.print(); });
  document.body.dataset.batchRows = String(rows.length);
}
document.getElementById("batchForm").addEventListener("submit", (e) => { e.preventDefault(); runBatch().catch((err) => setStatus(T.error + ": " + err.message)); });

loadGrid().catch((err) => setStatus(T.error + ": " + err.message));
loadSites().catch(() => undefined);
</script>
</body>
</html>
`;
}
