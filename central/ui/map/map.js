// @ts-check
// The /map page's script (the page itself: central/grid/page.ts): connection
// points and lines from the public grid API on a Leaflet map, the site check
// and the CSV batch check, and — for a signed-in caller — the monitored
// sites with their alarm state. Russian by default, `?lang=en` for English.
// The token is typed into the side panel's form and kept in the tab's
// session storage (../lib/token.js), never in the address. What the parts
// share is page.js, the colours colours.js, the batch check batch.js.
import { errorBodyText } from "../lib/server-texts.js";
import { bearer, forgetToken, savedToken, saveToken } from "../lib/token.js";
import { parseCoordinates } from "./coords.js";
import { normaliseName, searchPlaces } from "./places.js";
import "./batch.js";
import { LEVEL_COLOURS, STATUS_COLOURS, VOLTAGE_STEPS, voltageColour } from "./colours.js";
import {
  byId,
  CONFIG,
  esc,
  inputById,
  lang,
  mln,
  num,
  setStatus,
  showIllustrative,
  T,
  text,
} from "./page.js";

/** Leaflet, loaded by the page as a classic script before this module. */
const L = /** @type {typeof import("leaflet")} */ (/** @type {any} */ (window).L);

/**
 * @typedef {{ label: string, max_mw: number | null }} VoltageClass
 * @typedef {{ basemapUrl: string | null, basemapPmtiles: boolean, basemapAttribution: string, illustrative: boolean, voltageClasses: VoltageClass[] }} MapConfig
 * @typedef {import("./places.js").Place} Place
 * @typedef {"open" | "limited" | "closed" | "unknown"} Level
 * @typedef {{
 *   id: string, name: string, lat: number, lon: number, voltages_kv: number[], transformer_mva: number[],
 *   headroom_generation_mw: number | null, headroom_demand_mw: number | null, headroom_source: string,
 *   level_generation: Level, level_demand: Level, reinforcement_year: number | null, illustrative: boolean
 * }} ConnectionPoint
 * @typedef {"available" | "needs_reinforcement" | "unavailable"} OptionStatus
 * @typedef {{
 *   connection_point_id: string, name: string, lat: number, lon: number, voltage_kv: number | null,
 *   distance_km: number, line_km: number, headroom_mw: number | null, headroom_after_mw: number | null,
 *   cost_rub: number | null, status: OptionStatus, reasons: string[]
 * }} GridOption
 * @typedef {{ id: string, name: string, kind: string, lat: number, lon: number, state: "ok" | "warning" | "alarm",
 *   active_alarms: number, assets: { id: string, name: string }[] }} MonitoredSite
 */

const map = L.map("map", { preferCanvas: false, zoomControl: true }).setView([42.6, 47.7], 8);
map.attributionControl.setPrefix("Leaflet");
// The basemap lies under everything else: its own panes below Leaflet's overlay pane (400).
map.createPane("basemap").style.zIndex = "200";
map.createPane("basemapLabels").style.zIndex = "350";
const basemapRenderer = L.canvas({ pane: "basemap" });
if (CONFIG.basemapPmtiles) {
  // A vector-tile file the operator put on central (Protomaps basemap schema), read by range requests.
  const P = /** @type {any} */ (window).protomapsL;
  P?.leafletLayer({
    url: "/map/basemap.pmtiles",
    flavor: "light",
    lang,
    attribution: CONFIG.basemapAttribution,
  }).addTo(map);
} else if (CONFIG.basemapUrl)
  L.tileLayer(CONFIG.basemapUrl, { attribution: CONFIG.basemapAttribution, maxZoom: 18 }).addTo(map);
const lineLayer = L.layerGroup().addTo(map);
const pointLayer = L.layerGroup().addTo(map);
const windLayer = L.layerGroup().addTo(map);
const facilityLayer = L.layerGroup().addTo(map);
const optionLayer = L.layerGroup().addTo(map);
L.control
  .layers(
    undefined,
    {
      [T.points]: pointLayer,
      [T.lines]: lineLayer,
      [T.windFarms]: windLayer,
      [T.facilities]: facilityLayer,
      [T.optionsLayer]: optionLayer,
    },
    { collapsed: false },
  )
  .addTo(map);
L.control.scale({ imperial: false }).addTo(map);

const legend = new L.Control({ position: "bottomleft" });
legend.onAdd = () => {
  const div = L.DomUtil.create("div", "legend");
  // Folded on a phone, where it would cover most of the map.
  let html = `<details${window.innerWidth > 700 ? " open" : ""}><summary>${esc(T.legendTitle)}</summary><b>${esc(T.legendPoints)}</b><br>`;
  for (const k of /** @type {Level[]} */ (["open", "limited", "closed", "unknown"]))
    html += `<i class="level-${k}"></i>${esc(T[k])}<br>`;
  html += `<b>${esc(T.legendLines)}</b><br>`;
  for (const [v] of VOLTAGE_STEPS.slice(0, 6))
    html += `<b class="l kv-${v}"></b>${v === 6 ? "6–20" : v} ${esc(T.kv)}<br>`;
  html += `<b>${esc(T.legendSites)}</b><br>`;
  for (const k of ["ok", "warning", "alarm"])
    html += `<i class="square state-${k}"></i>${esc(text(`state_${k}`))}<br>`;
  div.innerHTML = `${html}</details>`;
  return div;
};
legend.addTo(map);

/** @type {ConnectionPoint[]} */
let points = [];
const kindSelect = /** @type {HTMLSelectElement} */ (byId("kind"));
/** @type {Map<string, import("leaflet").CircleMarker>} */
const pointMarkers = new Map();

function pointPopup(/** @type {ConnectionPoint} */ p) {
  const hg = p.headroom_generation_mw;
  const hd = p.headroom_demand_mw;
  return (
    `<b>${esc(p.name)}</b><br>${esc(p.voltages_kv.join("/"))} ${T.kv}` +
    (p.transformer_mva.length ? `; ${p.transformer_mva.length}×${esc(p.transformer_mva[0])} MVA` : "") +
    `<br>${esc(T.headroom)} (${esc(T.generation)}): ${num(hg, 1)} ${T.mwU}` +
    `<br>${esc(T.headroom)} (${esc(T.demand)}): ${num(hd, 1)} ${T.mwU}` +
    (p.headroom_source === "operator" ? `<br><i>${esc(T.operator)}</i>` : "") +
    (p.reinforcement_year ? `<br>↑ ${p.reinforcement_year}` : "") +
    (p.illustrative ? `<br><i>${esc(T.illustrative.split(":")[0])}</i>` : "")
  );
}

function drawPoints() {
  pointLayer.clearLayers();
  pointMarkers.clear();
  const kind = kindSelect.value;
  for (const p of points) {
    const level = kind === "demand" ? p.level_demand : p.level_generation;
    const kv = p.voltages_kv[0] ?? 0;
    const m = L.circleMarker([p.lat, p.lon], {
      radius: kv >= 220 ? 8 : kv >= 110 ? 6.5 : 5,
      color: "#223",
      weight: 1,
      fillColor: LEVEL_COLOURS[level],
      fillOpacity: 0.9,
      className: `cp-point cp-${level}`,
      bubblingMouseEvents: false,
    });
    m.bindPopup(pointPopup(p));
    m.bindTooltip(esc(p.name));
    m.addTo(pointLayer);
    pointMarkers.set(p.id, m);
  }
}

async function loadGrid() {
  const [pr, lr] = await Promise.all([fetch("/api/v1/grid/substations"), fetch("/api/v1/grid/lines")]);
  if (!pr.ok || !lr.ok) {
    setStatus(`${T.error} ${pr.status}`);
    return;
  }
  const pj = await pr.json();
  const lj = await lr.json();
  showIllustrative(Boolean(pj.vetra?.illustrative));
  points = pj.features.map(
    (/** @type {{ geometry: { coordinates: number[] }, properties: object }} */ f) => ({
      lon: f.geometry.coordinates[0],
      lat: f.geometry.coordinates[1],
      ...f.properties,
    }),
  );
  lineLayer.clearLayers();
  for (const f of lj.features) {
    const kv = f.properties.voltage_kv;
    L.polyline(
      f.geometry.coordinates.map((/** @type {number[]} */ c) => [c[1], c[0]]),
      {
        color: voltageColour(kv),
        weight: kv >= 220 ? 3.5 : kv >= 110 ? 2.5 : 1.5,
        opacity: 0.85,
        className: "grid-line",
        interactive: true,
      },
    )
      .bindTooltip(esc(f.properties.name || "") + (kv ? ` — ${kv} ${T.kv}` : ""))
      .addTo(lineLayer);
  }
  drawPoints();
  if (points.length > 0) map.fitBounds(L.latLngBounds(points.map((p) => [p.lat, p.lon])).pad(0.1));
  setStatus(`${points.length} ${T.loaded}`);
  document.body.dataset.pointsLoaded = String(points.length);
}

/* ------------------------------------------------ monitored sites (signed in) */

let token = savedToken();

function showSignedIn() {
  byId("signedIn").hidden = !token;
  byId("signInForm").hidden = Boolean(token);
}

async function loadSites() {
  showSignedIn();
  windLayer.clearLayers();
  facilityLayer.clearLayers();
  if (!token) return;
  const r = await fetch("/api/v1/map/sites", { headers: bearer(token) });
  if (r.status === 401) {
    token = "";
    forgetToken();
    showSignedIn();
    setStatus(T.badToken);
    return;
  }
  if (!r.ok) return;
  /** @type {{ sites: MonitoredSite[] }} */
  const { sites } = await r.json();
  for (const s of sites) {
    const icon = L.divIcon({
      className: `site-icon site-${s.kind}`,
      html: `<div class="site-box state-${esc(s.state)}"></div>`,
      iconSize: [18, 18],
    });
    L.marker([s.lat, s.lon], { icon })
      .bindPopup(
        `<b>${esc(s.name)}</b> (${esc(s.kind === "wind_farm" ? T.windFarm : T.facility)})<br>${esc(text(`state_${s.state}`))}` +
          (s.active_alarms ? ` — ${s.active_alarms}` : "") +
          `<br>${s.assets.map((a) => esc(a.name)).join(", ")}`,
      )
      .addTo(s.kind === "wind_farm" ? windLayer : facilityLayer);
  }
  document.body.dataset.sitesLoaded = String(sites.length);
}

byId("signInForm").addEventListener("submit", (e) => {
  e.preventDefault();
  const field = inputById("token");
  token = field.value.trim();
  field.value = "";
  if (token) saveToken(token);
  loadSites().catch((err) => setStatus(`${T.error}: ${err.message}`));
});
byId("signOut").addEventListener("click", (e) => {
  e.preventDefault();
  token = "";
  forgetToken();
  loadSites().catch(() => undefined);
});

/* ------------------------------------------------------------- the basemap */

/** Settlements of the shipped basemap, for the place search (kept when another basemap is drawn). */
/** @type {Place[]} */
let settlements = [];
/** Settlement labels by rank (1 the largest towns): shown from a zoom that suits their size. */
/** @type {Map<number, import("leaflet").LayerGroup>} */
const labelLayers = new Map();
const LABEL_ZOOM = /** @type {Record<number, number>} */ ({ 1: 0, 2: 7, 3: 9, 4: 10 });

function showLabels() {
  const z = map.getZoom();
  for (const [rank, layer] of labelLayers) {
    if (z >= (LABEL_ZOOM[rank] ?? 11)) layer.addTo(map);
    else layer.remove();
  }
}

/**
 * @typedef {{ type: "Feature", properties: { layer: string, name_ru?: string, name_en?: string, id?: string,
 *   population?: number, rank?: number }, geometry: { type: string, coordinates: any } }} BasemapFeature
 */
async function loadBasemap() {
  const r = await fetch("/map/basemap.json");
  if (!r.ok) return;
  /** @type {{ vetra: { attribution: string }, features: BasemapFeature[] }} */
  const data = await r.json();
  const own = !CONFIG.basemapPmtiles && !CONFIG.basemapUrl;
  const byLayer = (/** @type {string} */ name) => data.features.filter((f) => f.properties.layer === name);
  if (own) {
    // Sea is the map's background; land, coast and state borders are drawn on the canvas.
    document.getElementById("map")?.classList.add("own-basemap");
    /** @type {[string, import("leaflet").PathOptions][]} */
    const styles = [
      ["land", { stroke: false, fillColor: "#f4f1ea", fillOpacity: 1 }],
      ["coast", { color: "#8fb3cf", weight: 1 }],
      ["border", { color: "#9a8aa6", weight: 1.5, dashArray: "6 3" }],
    ];
    for (const [name, style] of styles)
      L.geoJSON(/** @type {any} */ ({ type: "FeatureCollection", features: byLayer(name) }), {
        style: () => style,
        interactive: false,
        pane: "basemap",
        // @ts-expect-error the renderer option is Leaflet's own (Path options), missing from GeoJSONOptions' types
        renderer: basemapRenderer,
      }).addTo(map);
    for (const f of [...byLayer("region"), ...byLayer("country")]) {
      const [lon, lat] = f.geometry.coordinates;
      L.marker([lat, lon], {
        pane: "basemapLabels",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: `region-label ${f.properties.layer}-label`,
          html: esc(lang === "en" ? f.properties.name_en : f.properties.name_ru),
          iconSize: [160, 16],
        }),
      }).addTo(map);
    }
    map.attributionControl.addAttribution(esc(T.basemapNote));
  }
  settlements = byLayer("settlement").map((f) => ({
    kind: /** @type {const} */ ("settlement"),
    id: f.properties.id ?? "",
    name_ru: f.properties.name_ru ?? "",
    name_en: f.properties.name_en ?? "",
    lat: f.geometry.coordinates[1],
    lon: f.geometry.coordinates[0],
    population: f.properties.population ?? 0,
  }));
  if (own) {
    for (const f of byLayer("settlement")) {
      const rank = f.properties.rank ?? 4;
      let layer = labelLayers.get(rank);
      if (!layer) {
        layer = L.layerGroup();
        labelLayers.set(rank, layer);
      }
      const [lon, lat] = f.geometry.coordinates;
      L.circleMarker([lat, lon], {
        pane: "basemapLabels",
        radius: rank <= 2 ? 3 : 2,
        color: "#555",
        weight: 1,
        fillColor: "#fff",
        fillOpacity: 1,
        interactive: false,
      })
        .bindTooltip(esc(lang === "en" ? f.properties.name_en : f.properties.name_ru), {
          permanent: true,
          direction: "right",
          className: `place-label rank-${rank}`,
          pane: "basemapLabels",
        })
        .addTo(layer);
    }
    map.on("zoomend", showLabels);
    showLabels();
  }
  document.body.dataset.basemap = own ? "own" : CONFIG.basemapPmtiles ? "pmtiles" : "tiles";
}

/* ------------------------------------------------------------ the site check */

/** @type {{ lat: number, lon: number } | null} */
let site = null;
/** @type {import("leaflet").CircleMarker | null} */
let siteMarker = null;

/** Chooses the site (a click, typed coordinates or a place found by name) and shows it. */
function chooseSite(/** @type {number} */ lat, /** @type {number} */ lon, /** @type {string} */ name = "") {
  site = { lat, lon };
  byId("site").textContent = `${num(lat, 5)}, ${num(lon, 5)}`;
  byId("siteName").textContent = name;
  if (siteMarker) siteMarker.remove();
  siteMarker = L.circleMarker([lat, lon], {
    radius: 8,
    color: "#000",
    weight: 2.5,
    fillColor: "#fff",
    fillOpacity: 1,
    className: "site-marker",
  }).addTo(optionLayer);
  document.body.dataset.site = `${lat},${lon}`;
}

map.on("click", (e) => {
  chooseSite(e.latlng.lat, e.latlng.lng);
  byId("checkBtn").scrollIntoView({ block: "nearest" });
});
kindSelect.addEventListener("change", drawPoints);

/* ------------------------------------------------------- place search */

/** Connection points as places (their names are Russian in the data; both languages search them). */
const pointPlaces = () =>
  points.map((p) => ({
    kind: /** @type {const} */ ("substation"),
    id: p.id,
    name_ru: p.name,
    name_en: p.name,
    lat: p.lat,
    lon: p.lon,
  }));

/** Takes a found place: a settlement becomes the site; a connection point is shown (and the site too). */
function takePlace(/** @type {Place} */ p) {
  const name = lang === "en" ? p.name_en : p.name_ru;
  chooseSite(p.lat, p.lon, name);
  map.setView([p.lat, p.lon], Math.max(map.getZoom(), 10));
  if (p.kind === "substation") pointMarkers.get(p.id)?.openPopup();
  byId("placeResults").hidden = true;
}

function findPlace() {
  const input = inputById("place");
  const list = byId("placeResults");
  const text = input.value.trim();
  list.hidden = true;
  if (!text) return;
  const at = parseCoordinates(text);
  if (at) {
    chooseSite(at.lat, at.lon);
    map.setView([at.lat, at.lon], Math.max(map.getZoom(), 10));
    return;
  }
  const found = searchPlaces([...settlements, ...pointPlaces()], text, 8);
  if (found.length === 0) {
    list.innerHTML = `<li class="muted">${esc(T.placeNotFound)}</li>`;
    list.hidden = false;
    return;
  }
  // One match, or a name typed in full (any case, ё or е) that only one place has: taken at once.
  const whole = found.filter((p) =>
    [p.name_ru, p.name_en].some((n) => normaliseName(n) === normaliseName(text)),
  );
  const only = found.length === 1 ? found[0] : whole.length === 1 ? whole[0] : undefined;
  if (only) {
    takePlace(only);
    return;
  }
  list.innerHTML = found
    .map(
      (p, i) =>
        `<li><button type="button" data-i="${i}">${esc(lang === "en" ? p.name_en : p.name_ru)} <span class="muted">${esc(p.kind === "settlement" ? T.settlement : T.substation)}</span></button></li>`,
    )
    .join("");
  list.hidden = false;
  for (const b of list.querySelectorAll("button[data-i]")) {
    b.addEventListener("click", () => {
      const p = found[Number(/** @type {HTMLElement} */ (b).dataset.i)];
      if (p) takePlace(p);
    });
  }
}
byId("placeForm").addEventListener("submit", (e) => {
  e.preventDefault();
  findPlace();
});

/* ------------------------------------------------------- the answer */

const kvText = (/** @type {number | null} */ kv) => (kv == null ? "—" : num(kv, kv < 1 ? 1 : 0));

/** The check's body as last sent (the PDF is made from the same). */
/** @type {{ lat: number, lon: number, mw: number, kind: string, lang: string } | null} */
let lastRequest = null;

/** The options side by side: one column per option, one row per figure, with the terms explained in titles. */
function compareTable(/** @type {GridOption[]} */ options) {
  /** @type {[string, string, (o: GridOption) => string][]} */
  const rows = [
    ["col_status", "statusExplain", (o) => text(o.status)],
    ["col_voltage", "", (o) => kvText(o.voltage_kv)],
    ["col_distance", "", (o) => num(o.distance_km, 1)],
    ["col_line", "costExplain", (o) => num(o.line_km, 1)],
    ["col_headroom", "n1", (o) => num(o.headroom_mw, 1)],
    ["col_after", "headroomExplain", (o) => num(o.headroom_after_mw, 1)],
    ["col_cost", "costExplain", (o) => (o.cost_rub == null ? "—" : num(o.cost_rub / 1e6, 1))],
  ];
  const head = `<tr><th scope="col">${esc(T.col_name)}</th>${options.map((o, i) => `<th scope="col" class="${esc(o.status)}">${i + 1}. ${esc(o.name)}</th>`).join("")}</tr>`;
  const body = rows
    .map(
      ([label, help, cell]) =>
        `<tr><th scope="row"${help ? ` title="${esc(text(help))}"` : ""}>${esc(text(label))}</th>${options.map((o) => `<td class="${esc(o.status)}">${esc(cell(o))}</td>`).join("")}</tr>`,
    )
    .join("");
  return `<thead>${head}</thead><tbody>${body}</tbody>`;
}

async function runCheck() {
  if (!site) {
    setStatus(T.clickHint);
    inputById("place").focus();
    return;
  }
  const from = site;
  const mw = Number(inputById("mw").value);
  const request = { lat: from.lat, lon: from.lon, mw, kind: kindSelect.value, lang };
  const r = await fetch("/api/v1/grid/check", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  const body = await r.json();
  const list = byId("options");
  optionLayer.clearLayers();
  siteMarker?.addTo(optionLayer);
  byId("answerActions").hidden = true;
  byId("compareBox").hidden = true;
  byId("bestLine").textContent = "";
  if (!r.ok) {
    list.innerHTML = `<li>${esc(`${T.error}: ${errorBodyText(body, lang) ?? body.error.message}`)}</li>`;
    return;
  }
  lastRequest = request;
  showIllustrative(body.illustrative);
  byId("voltageClass").textContent = `${T.voltageNeeded}: ${body.voltage_class.replace("kV", T.kv)}`;
  /** @type {GridOption[]} */
  const options = body.options;
  if (options.length === 0) {
    list.innerHTML = `<li>${esc(T.none)}</li>`;
    document.body.dataset.options = "0";
    return;
  }
  const best = options[0];
  byId("bestLine").textContent =
    best && best.status !== "unavailable"
      ? `${T.best}: ${best.name} — ${text(best.status)}; ${kvText(best.voltage_kv)} ${T.kv}, ${num(best.distance_km, 1)} ${T.km}, ${T.after} ${num(best.headroom_after_mw, 1)} ${T.mwU}, ${mln(best.cost_rub)}.`
      : T.bestNone;
  const shown = options.slice(0, 4);
  byId("compare").innerHTML = compareTable(shown);
  byId("compareBox").hidden = false;
  list.innerHTML = options
    .map(
      (o, i) =>
        `<li class="${esc(o.status)}" data-id="${esc(o.connection_point_id)}"><span class="n">${i + 1}. ${esc(o.name)}</span> — ${esc(text(o.status))}` +
        `<div class="m">${o.voltage_kv != null ? `${kvText(o.voltage_kv)} ${T.kv}; ` : ""}${T.distance} ${num(o.distance_km, 1)} ${T.km}; ${T.line} ${num(o.line_km, 1)} ${T.km}` +
        `<br><abbr title="${esc(T.n1)}">${T.headroom}</abbr> ${num(o.headroom_mw, 1)} → <abbr title="${esc(T.headroomExplain)}">${T.after}</abbr> ${num(o.headroom_after_mw, 1)} ${T.mwU}; <abbr title="${esc(T.costExplain)}">${T.cost}</abbr> ${mln(o.cost_rub)}</div>` +
        `<ul>${o.reasons.map((x) => `<li>${esc(x)}</li>`).join("")}</ul></li>`,
    )
    .join("");
  const bounds = L.latLngBounds([[from.lat, from.lon]]);
  options.forEach((o, i) => {
    const line = L.polyline(
      [
        [from.lat, from.lon],
        [o.lat, o.lon],
      ],
      {
        color: STATUS_COLOURS[o.status],
        weight: i === 0 ? 4 : 2.5,
        ...(o.status === "available" ? {} : { dashArray: "6 5" }),
        className: `opt-line opt-${o.status}`,
      },
    );
    line.bindTooltip(
      `${i + 1}. ${esc(o.name)} · ${num(o.distance_km, 1)} ${T.km} · ${num(o.headroom_mw, 1)} ${T.mwU} · ${mln(o.cost_rub)}`,
      { permanent: i < 3, direction: "center", className: "opt-label" },
    );
    line.addTo(optionLayer);
    if (i < 3) bounds.extend([o.lat, o.lon]);
  });
  map.fitBounds(bounds.pad(0.15), { maxZoom: 12 });
  byId("answerActions").hidden = false;
  document.body.dataset.options = String(options.length);
  byId("result").scrollIntoView({ block: "start" });
}
byId("checkForm").addEventListener("submit", (e) => {
  e.preventDefault();
  runCheck().catch((err) => setStatus(`${T.error}: ${err.message}`));
});
byId("options").addEventListener("click", (e) => {
  const li = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest("li[data-id]"));
  if (!li) return;
  const m = pointMarkers.get(li.dataset.id ?? "");
  if (m) {
    map.panTo(m.getLatLng());
    m.openPopup();
  }
});
byId("printBtn").addEventListener("click", () => window.print());
byId("pdfBtn").addEventListener("click", async () => {
  if (!lastRequest) return;
  try {
    const r = await fetch("/api/v1/grid/check/pdf", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(lastRequest),
    });
    if (!r.ok) throw new Error(`${r.status}`);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await r.blob());
    a.download =
      (r.headers.get("Content-Disposition") ?? "").replace(/.*filename="([^"]+)".*/, "$1") ||
      "grid-answer.pdf";
    document.body.append(a);
    a.click();
    a.remove();
  } catch (err) {
    setStatus(`${T.pdfError}: ${/** @type {Error} */ (err).message}`);
  }
});

loadBasemap().catch(() => undefined);
loadGrid().catch((err) => setStatus(`${T.error}: ${err.message}`));
loadSites().catch(() => undefined);
