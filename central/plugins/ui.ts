// GET /: a small self-contained console (no build step, no CDN): assets
// with their latest ISO zone per measuring point and key values, and the
// alarm list, refreshed every few seconds from the API. Russian by default,
// `?lang=en` for English; the token comes from `?token=` or localStorage.
import type { FastifyPluginAsync } from "fastify";
import { DiagnosisNames, TurbinePoints } from "../../common/names.ts";
import type { CentralDeps } from "../deps.ts";
import { SCRIPT_ESC, SCRIPT_LANG } from "../page-script.ts";

// Measuring-point names in both languages come from the shared names, so the
// page and the API never disagree on what a point is called.
const POINT_NAMES = JSON.stringify(
  Object.fromEntries(Object.entries(TurbinePoints).map(([id, p]) => [id, { ru: p.ru, en: p.en }])),
);

const FAULT_NAMES = JSON.stringify(DiagnosisNames);

const PAGE = `<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vetra</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f4f6f9; }
  header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1rem; background: #1d2330; color: #fff; }
  header h1 { font-size: 1.1rem; margin: 0; flex: 1; }
  header a { color: #9cc3ff; }
  main { padding: 1rem; display: grid; gap: 1rem; }
  section { background: #fff; border-radius: 6px; padding: .8rem 1rem; box-shadow: 0 1px 2px #0002; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
  th { font-weight: 600; color: #566; }
  .zone { display: inline-block; min-width: 1.4em; text-align: center; border-radius: 3px; font-weight: 700; margin-right: .3em; }
  .zA { background: #c8f0c8; } .zB { background: #e6f5b0; } .zC { background: #ffd98a; } .zD { background: #ff9b8f; } .zN { background: #ddd; }
  .alarm { color: #b3261e; font-weight: 600; } .warning { color: #9a6400; font-weight: 600; }
  .muted { color: #778; } form { display: flex; gap: .5rem; }
</style>
</head>
<body>
<header><h1 data-t="title"></h1><span id="status" class="muted"></span><a id="lang" href="#"></a></header>
<main>
  <section id="login" hidden>
    <form id="tokenForm"><label for="token" data-t="token"></label><input id="token" size="50" autocomplete="off"><button data-t="save"></button></form>
  </section>
  <section><h2 data-t="alarms"></h2><table><thead><tr><th data-t="asset"></th><th data-t="point"></th><th data-t="fault"></th><th data-t="severity"></th><th data-t="state"></th><th data-t="since"></th></tr></thead><tbody id="alarms"></tbody></table></section>
  <section><h2 data-t="assets"></h2><table><thead><tr><th data-t="asset"></th><th data-t="points"></th><th data-t="values"></th><th data-t="updated"></th></tr></thead><tbody id="assets"></tbody></table></section>
</main>
<script>
${SCRIPT_LANG}
const T = {
  ru: { title: "Vetra — состояние оборудования", token: "Токен доступа", save: "Сохранить", alarms: "Тревоги", assets: "Объекты",
        asset: "Объект", point: "Точка измерения", fault: "Диагноз", severity: "Уровень", state: "Состояние", since: "Начало", points: "Зоны ISO 10816-21",
        values: "Значения", updated: "Обновлено", warning: "предупреждение", alarm: "авария", active: "активна",
        acknowledged: "квитирована", none: "Нет активных тревог", other: "English", error: "Ошибка", ok: "обновлено",
        v: "v СКЗ", power: "мощность", wind: "ветер", energy: "энергия", nodata: "нет данных",
        mm_s: "мм/с", kw: "кВт", m_s: "м/с", kwh: "кВт·ч", temp: "наружный воздух", c: "°C",
        turbine: "ветроустановка", hospital: "больница", clinic: "поликлиника", school: "школа" },
  en: { title: "Vetra — asset condition", token: "Access token", save: "Save", alarms: "Alarms", assets: "Assets",
        asset: "Asset", point: "Measuring point", fault: "Diagnosis", severity: "Severity", state: "State", since: "Since", points: "ISO 10816-21 zones",
        values: "Values", updated: "Updated", warning: "warning", alarm: "alarm", active: "active",
        acknowledged: "acknowledged", none: "No active alarms", other: "Русский", error: "Error", ok: "updated",
        v: "v RMS", power: "power", wind: "wind", energy: "energy", nodata: "no data",
        mm_s: "mm/s", kw: "kW", m_s: "m/s", kwh: "kWh", temp: "outdoor", c: "°C",
        turbine: "wind turbine", hospital: "hospital", clinic: "clinic", school: "school" },
}[lang];
const POINTS = ${POINT_NAMES};
const pointName = (id) => (POINTS[id] && POINTS[id][lang]) || id;
const FAULTS = ${FAULT_NAMES};
const faultName = (id) => (FAULTS[id] && FAULTS[id][lang]) || id;
const assetNames = new Map();
document.documentElement.lang = lang;
for (const el of document.querySelectorAll("[data-t]")) el.textContent = T[el.dataset.t];
const other = new URLSearchParams(location.search); other.set("lang", lang === "en" ? "ru" : "en");
const langLink = document.getElementById("lang"); langLink.textContent = T.other; langLink.href = "?" + other;
if (params.get("token")) localStorage.setItem("vetra.token", params.get("token"));
let token = localStorage.getItem("vetra.token") || "";
${SCRIPT_ESC}
const time = (ms) => ms == null ? "—" : new Date(ms).toLocaleString(lang === "en" ? "en-GB" : "ru-RU");
const num = (v, unit, digits = 1) => v == null ? "" : Number(v).toFixed(digits) + " " + unit;
const showLogin = (show) => { document.getElementById("login").hidden = !show; };
document.getElementById("tokenForm").addEventListener("submit", (e) => {
  e.preventDefault(); token = document.getElementById("token").value.trim();
  localStorage.setItem("vetra.token", token); refresh();
});
async function api(path) {
  const res = await fetch(path, { headers: { Authorization: "Bearer " + token } });
  if (res.status === 401) { showLogin(true); throw new Error("401"); }
  if (!res.ok) throw new Error(res.status + " " + (await res.text()));
  return res.json();
}
function valuesOf(h) {
  const parts = [];
  const v = h.points.map((p) => p.features.v_rms_mm_s).filter((x) => x != null);
  if (v.length) parts.push(T.v + " max " + num(Math.max(...v), T.mm_s, 2));
  if (h.scada) { parts.push(T.power + " " + num(h.scada.fields.power_kw, T.kw)); parts.push(T.wind + " " + num(h.scada.fields.wind_speed_m_s, T.m_s)); }
  if (h.meter) { parts.push(T.power + " " + num(h.meter.fields.power_kw, T.kw)); parts.push(T.energy + " " + num(h.meter.fields.energy_kwh ?? h.meter.fields.import_energy_kwh, T.kwh, 0)); }
  return parts.filter((p) => !/ $/.test(p)).join(", ") || T.nodata;
}
async function refresh() {
  if (!token) { showLogin(true); return; }
  try {
    const [{ assets }, { alarms }] = await Promise.all([api("/api/v1/assets"), api("/api/v1/alarms")]);
    showLogin(false);
    for (const a of assets) assetNames.set(a.id, a.name);
    document.getElementById("alarms").innerHTML = alarms.length === 0
      ? '<tr><td colspan="6" class="muted">' + T.none + "</td></tr>"
      : alarms.map((a) => "<tr><td>" + esc(assetNames.get(a.asset) || a.asset) + " <span class=muted>" + esc(a.asset) + "</span></td><td>" + esc(pointName(a.point)) + "</td><td>" + esc(faultName(a.fault)) + '</td><td class="' + esc(a.severity) + '">' +
          T[a.severity] + "</td><td>" + T[a.state] + "</td><td>" + time(Date.parse(a.since)) + "</td></tr>").join("");
    const health = await Promise.all(assets.map((a) => api("/api/v1/assets/" + encodeURIComponent(a.id) + "/health")));
    document.getElementById("assets").innerHTML = health.map((h) => {
      const zones = h.points.map((p) => '<span class="zone z' + (p.isoZone || "N") + '" title="' + esc(p.point) + '">' +
        (p.isoZone || "–") + "</span>" + esc(pointName(p.point)) +
        (p.features.v_rms_mm_s != null ? ' <span class=muted>' + num(p.features.v_rms_mm_s, T.mm_s, 2) + "</span>" : "")).join("<br>");
      const ts = Math.max(0, ...h.points.map((p) => p.ts || 0), h.scada ? h.scada.ts : 0, h.meter ? h.meter.ts : 0);
      return "<tr><td><b>" + esc(h.asset.name) + "</b><br><span class=muted>" + esc(h.asset.id) + " · " + esc(T[h.asset.kind] || h.asset.kind) +
        "</span></td><td>" + (zones || "—") + "</td><td>" + esc(valuesOf(h)) + "</td><td>" + time(ts || null) + "</td></tr>";
    }).join("");
    document.getElementById("status").textContent = T.ok + " " + time(Date.now());
  } catch (e) {
    document.getElementById("status").textContent = T.error + ": " + e.message;
  }
}
refresh();
setInterval(refresh, 5000);
</script>
</body>
</html>
`;

const ui: FastifyPluginAsync<CentralDeps> = async (app) => {
  app.get("/", { schema: { hide: true } }, async (_request, reply) =>
    reply.type("text/html; charset=utf-8").header("Cache-Control", "no-store").send(PAGE),
  );
};

export default ui;
