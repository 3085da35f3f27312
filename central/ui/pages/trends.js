// Trends page (`#/trends/<asset>/<point>`): one chart per parameter of a
// measuring point over a day to a year — the mean per window as a line and
// the band between its minimum and maximum (central's store downsamples, so
// a year is some 600 windows, and a spike inside a window still shows) —
// with the ISO 10816-21 zone boundaries of the point's component class as
// horizontal lines and the point's alarms as vertical markers at the time
// their condition began. Times on screen are local; the API speaks UTC.
// `window.vetraTrendCharts` holds the charts by field, for page tests.
import { api, qs } from "../lib/api.js";
import { chart, timeAxis } from "../lib/charts.js";
import { errorBox, h, num, unitText, when } from "../lib/dom.js";
import { faultName, pointName, t } from "../lib/i18n.js";
import { pointHead } from "../lib/point-head.js";
import { rangePicker } from "../lib/range-picker.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

const GROUPS = [
  ["group_overall", ["v_rms_mm_s", "a_rms_m_s2"]],
  ["group_stats", ["kurtosis", "crest_factor"]],
  ["group_bearing", ["env_bpfo_g2", "env_bpfi_g2", "env_bsf_g2", "env_ftf_g2"]],
  ["group_shaft", ["x1_mm_s", "x2_mm_s", "gmf_mm_s"]],
];
const DAY = 86_400_000;
const RANGES = [
  ["h24", DAY],
  ["d7", 7 * DAY],
  ["d30", 30 * DAY],
  ["d90", 90 * DAY],
  ["y1", 365 * DAY],
];
const ZONES = ["ab", "bc", "cd"];
const trendPrefs = { key: "d7", fromMs: 0, toMs: 0, hidden: new Set() };

const unitOf = (u) => (u === "1" ? "" : u === "g2" ? "g²" : unitText(u));

/**
 * One field's chart: mean line, min–max band, zone boundary lines, alarm markers.
 * @param {{cleanup: (fn: () => void) => void}} ctx
 */
function trendChart(ctx, box, f, zones, alarms, fromMs, toMs) {
  const unit = unitOf(f.unit);
  const heading = `${t(`f_${f.field}`)}${unit ? `, ${unit}` : ""}`;
  box.replaceChildren(h("h3", null, heading));
  if (f.ts.length === 0) {
    box.append(h("div", { class: "empty" }, t("noData")));
    return null;
  }
  const xs = f.ts.map((ms) => ms / 1000);
  const top = Math.max(...f.max, ...(zones ? [zones.cd * 1.1] : []));
  const bottom = Math.min(0, ...f.min);
  const lines = zones
    ? ZONES.map((z) =>
        h(
          "div",
          { class: `zone-line z-${z}`, dataset: { zone: z, value: String(zones[z]), field: f.field } },
          h("span", { class: "label" }, `${t(`zone_${z}`)} ${num(zones[z], 3)}`),
        ),
      )
    : [];
  const markers = alarms
    .filter((a) => {
      const ms = Date.parse(a.since);
      return ms >= fromMs && ms <= toMs;
    })
    .map((a) =>
      h("div", {
        class: `alarm-marker ${a.maxSeverity}`,
        title: `${faultName(a.fault)} · ${t(a.maxSeverity)} · ${when(a.since)}`,
        dataset: { alarm: a.id, since: a.since, severity: a.maxSeverity, fault: a.fault },
      }),
    );
  const place = (u) => {
    for (const el of lines) {
      const px = u.valToPos(Number(el.dataset.value), "y");
      el.style.top = `${px}px`;
      el.dataset.px = String(px);
    }
    for (const el of markers) {
      const px = u.valToPos(Date.parse(el.dataset.since) / 1000, "x");
      el.style.left = `${px}px`;
      el.dataset.px = String(px);
      el.style.visibility = px >= 0 && px <= u.over.clientWidth ? "" : "hidden";
    }
  };
  const value = (_u, v) => (v == null ? "—" : num(v, 4));
  const u = chart(
    ctx,
    box,
    {
      height: 200,
      scales: {
        x: { time: true, range: [fromMs / 1000, toMs / 1000] },
        y: { range: () => [bottom, top > bottom ? top * 1.02 : bottom + 1] },
      },
      series: [
        { label: t("time"), value: (_u, v) => (v == null ? "—" : when(v * 1000)) },
        { label: t("minMax"), stroke: "#9db5dd", width: 1, value },
        { label: t("mean"), stroke: "#1f5fbf", width: 1.5, value },
        { label: "", stroke: "#9db5dd", width: 1, value },
      ],
      bands: [{ series: [1, 3], fill: "#1f5fbf22" }],
      axes: [timeAxis(), { values: (_u, vals) => vals.map((v) => num(v, 3)), size: 56 }],
      hooks: { draw: [place] },
    },
    [xs, f.max, f.mean, f.min],
    heading,
  );
  u.over.append(...lines, ...markers);
  place(u);
  box.dataset.windows = String(f.ts.length);
  return u;
}

/** @param {PageContext} ctx @param {string} assetId @param {string} point */
export async function trendsPage(ctx, assetId, point) {
  const enc = encodeURIComponent(assetId);
  const health = await api(`/api/v1/assets/${enc}/health`);
  if (!ctx.alive()) return;
  /** @type {Record<string, any>} */
  const charts = {};
  window.vetraTrendCharts = charts;
  const chartCleanups = [];
  ctx.cleanup(() => {
    for (const fn of chartCleanups.splice(0)) fn();
    if (window.vetraTrendCharts === charts) window.vetraTrendCharts = undefined;
  });

  const chartsEl = h("div", { class: "charts", id: "trendCharts" });
  const status = h("p", { class: "muted", id: "trendStatus" });
  const picker = rangePicker({
    ranges: RANGES,
    state: trendPrefs,
    ids: { buttons: "trendRange", from: "trendFrom", to: "trendTo", apply: "trendApply" },
    onChange: () => draw(),
  });
  const fieldBoxes = h(
    "div",
    { class: "filters", id: "trendFields" },
    ...GROUPS.map(([group, fields]) =>
      h(
        "span",
        { class: "toolbar" },
        h("strong", null, t(group)),
        ...fields.map((field) => {
          const box = h("input", {
            type: "checkbox",
            checked: !trendPrefs.hidden.has(field),
            dataset: { field },
          });
          box.addEventListener("change", () => {
            if (box.checked) trendPrefs.hidden.delete(field);
            else trendPrefs.hidden.add(field);
            draw();
          });
          return h("label", null, box, t(`f_${field}`));
        }),
      ),
    ),
  );

  let drawing = 0;
  async function draw() {
    const mine = ++drawing;
    const { fromMs, toMs } = picker.window();
    const fields = GROUPS.flatMap(([, fs]) => fs).filter((f) => !trendPrefs.hidden.has(f));
    for (const fn of chartCleanups.splice(0)) fn();
    for (const k of Object.keys(charts)) delete charts[k];
    if (fields.length === 0) {
      chartsEl.replaceChildren();
      return;
    }
    let res;
    try {
      res = await api(
        `/api/v1/assets/${enc}/trends${qs({ point, fields: fields.join(","), from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() })}`,
      );
    } catch (e) {
      chartsEl.replaceChildren(errorBox(e));
      return;
    }
    if (!ctx.alive() || mine !== drawing) return;
    status.textContent = `${t("window")}: ${num(res.everyMs / 60_000, 1)} min · ${t("localTime")}`;
    status.dataset.everyMs = String(res.everyMs);
    const boxes = res.fields.map((f) => h("div", { class: "chart trend", dataset: { trend: f.field } }));
    chartsEl.replaceChildren(...boxes);
    res.fields.forEach((f, i) => {
      const zones = res.zones.find((z) => z.field === f.field) ?? null;
      const u = trendChart(
        { cleanup: (fn) => chartCleanups.push(fn) },
        boxes[i],
        f,
        zones,
        res.alarms,
        fromMs,
        toMs,
      );
      if (u) charts[f.field] = u;
    });
    chartsEl.dataset.alarms = String(res.alarms.length);
  }

  const others = (health.points ?? []).filter((p) => p.point !== point && p.component);
  ctx.root.replaceChildren(
    pointHead({
      view: "trends",
      assetId,
      point,
      toolbar: others.map((p) =>
        h("a", { href: `#/trends/${enc}/${encodeURIComponent(p.point)}` }, pointName(p.point)),
      ),
    }),
    h(
      "section",
      { class: "card" },
      h("div", { class: "filters" }, t("range"), picker.buttons, picker.customBox),
      fieldBoxes,
      status,
      chartsEl,
    ),
  );
  await draw();
}
