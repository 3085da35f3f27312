// Asset page (`#/asset/<id>`): measuring points with their ISO zones and
// latest values, active diagnoses with evidence, open alarms, trend charts
// over a picked range, work orders and the alarm history.
import uPlot from "/ui/assets/uPlot.esm.js";
import { eventsTable, evidenceList } from "../lib/alarm-parts.js";
import { api, qs } from "../lib/api.js";
import { chart, PALETTE, timeAxis } from "../lib/charts.js";
import { errorBox, h, kv, num, sevBadge, stateText, when, zoneBadge } from "../lib/dom.js";
import { faultName, pointName, t } from "../lib/i18n.js";
import { rangePicker } from "../lib/range-picker.js";
import { workOrderSection } from "./work-orders.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

const TRENDS = [
  { key: "v_rms", measurement: "vibration", field: "v_rms_mm_s", unit: "mm_s" },
  { key: "a_rms", measurement: "vibration", field: "a_rms_m_s2", unit: "m_s2" },
  { key: "iso_zone", measurement: "vibration", field: "iso_zone", zone: true, agg: "max" },
  { key: "kurtosis", measurement: "vibration", field: "kurtosis" },
  { key: "crest", measurement: "vibration", field: "crest_factor" },
  { key: "env_sk", measurement: "vibration", field: "env_spectral_kurtosis" },
  { key: "rotor_speed", measurement: "scada", field: "rotor_speed_rpm", unit: "rpm" },
  { key: "power", measurement: "scada", field: "power_kw", unit: "kw" },
  { key: "wind", measurement: "scada", field: "wind_speed_m_s", unit: "m_s" },
];
const FACILITY_TRENDS = [{ key: "power", measurement: "meter", field: "power_kw", unit: "kw" }];
const RANGES = [
  ["h1", 3_600_000],
  ["h6", 6 * 3_600_000],
  ["h24", 24 * 3_600_000],
  ["d7", 7 * 24 * 3_600_000],
];
const trendRange = { key: "h6", fromMs: 0, toMs: 0 };
/** About this many windows per chart: detailed enough, light enough. */
const TREND_WINDOWS = 600;

/** @param {PageContext} ctx @param {string} id */
export async function assetPage(ctx, id) {
  const enc = encodeURIComponent(id);
  const [health, history, alarms, spectra, orders, fleet] = await Promise.all([
    api(`/api/v1/assets/${enc}/health`),
    api(`/api/v1/assets/${enc}/history`).catch(() => null),
    api(`/api/v1/alarms${qs({ asset: id, state: "open" })}`).catch(() => null),
    api(`/api/v1/assets/${enc}/spectrum`).catch(() => null),
    api(`/api/v1/work-orders${qs({ asset: id })}`).catch(() => null),
    // The site by name, as the fleet and the alarm list show it.
    api("/api/v1/fleet").catch(() => null),
  ]);
  if (!ctx.alive()) return;
  const a = health.asset;
  const withSpectrum = new Set((spectra?.snapshots ?? []).map((s) => s.point));
  const diagnosisEvidence = (d) =>
    spectra?.snapshots?.find((s) => s.point === d.point)?.diagnoses?.find((x) => x.fault === d.fault)
      ?.evidence;

  const chartsEl = h("div", { class: "charts", id: "trendCharts" });
  const picker = rangePicker({
    ranges: RANGES,
    state: trendRange,
    ids: { buttons: "rangePicker", from: "rangeFrom", to: "rangeTo" },
    onChange: () => drawTrends(),
  });
  const trendCleanups = [];
  async function drawTrends() {
    const { fromMs, toMs } = picker.window();
    for (const fn of trendCleanups.splice(0)) fn();
    const everyS = Math.max(1, Math.ceil((toMs - fromMs) / TREND_WINDOWS / 1000));
    const specs = a.kind === "turbine" ? TRENDS : FACILITY_TRENDS;
    const boxes = specs.map((s) => h("div", { class: "chart", dataset: { trend: s.key } }));
    chartsEl.replaceChildren(...boxes);
    await Promise.all(
      specs.map(async (s, i) => {
        const box = boxes[i];
        let res;
        try {
          res = await api(
            `/api/v1/series${qs({ asset: id, measurement: s.measurement, field: s.field, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), every: `${everyS}s`, agg: s.agg ?? "mean" })}`,
          );
        } catch (e) {
          box.replaceChildren(h("h3", null, t(s.key)), errorBox(e));
          return;
        }
        if (!ctx.alive()) return;
        const series = res.series.filter((x) => x.points.length > 0);
        const title = `${t(s.key)}${s.unit ? `, ${t(s.unit)}` : ""}`;
        if (series.length === 0) {
          box.replaceChildren(h("h3", null, title), h("div", { class: "empty" }, t("noData")));
          return;
        }
        box.replaceChildren(h("h3", null, title));
        const tables = series.map((x) => [x.points.map((p) => p[0] / 1000), x.points.map((p) => p[1])]);
        const data = tables.length === 1 ? tables[0] : uPlot.join(tables);
        const sub = { cleanups: [] };
        const u = chart(
          { ...ctx, cleanup: (fn) => sub.cleanups.push(fn) },
          box,
          {
            height: 200,
            scales: {
              x: { time: true, range: [fromMs / 1000, toMs / 1000] },
              ...(s.zone ? { y: { range: [0.5, 4.5] } } : {}),
            },
            series: [
              { label: t("time"), value: (_u, v) => (v == null ? "—" : when(v * 1000)) },
              ...series.map((x, k) => ({
                label: x.tags.point ? pointName(x.tags.point) : t(s.key),
                stroke: PALETTE[k % PALETTE.length],
                width: 1.5,
                value: (_u, v) =>
                  v == null ? "—" : s.zone ? (["", "A", "B", "C", "D"][Math.round(v)] ?? "—") : num(v, 3),
              })),
            ],
            axes: [
              timeAxis(),
              s.zone
                ? {
                    splits: () => [1, 2, 3, 4],
                    values: (_u, vals) => vals.map((v) => ["", "A", "B", "C", "D"][v] ?? ""),
                  }
                : { values: (_u, vals) => vals.map((v) => num(v, 3)) },
            ],
          },
          data,
          title,
        );
        box.dataset.points = String(series.reduce((n, x) => n + x.points.length, 0));
        trendCleanups.push(() => {
          for (const fn of sub.cleanups) fn();
        });
        box.dataset.xMin = String(u.scales.x.min);
      }),
    );
  }
  ctx.cleanup(() => {
    for (const fn of trendCleanups.splice(0)) fn();
  });

  const diagnoses = health.diagnoses ?? [];
  ctx.root.replaceChildren(
    h(
      "section",
      { class: "card", id: "assetHead", dataset: { asset: a.id } },
      h(
        "h1",
        null,
        a.name,
        " ",
        h(
          "span",
          { class: "muted" },
          `${a.id} · ${t(a.kind)} · ${fleet?.sites?.find((s) => s.id === a.site)?.name ?? a.site}`,
        ),
      ),
    ),
    h(
      "div",
      { class: "grid2" },
      h(
        "section",
        { class: "card" },
        h("h2", null, t("points")),
        health.points.length === 0
          ? h("p", { class: "muted" }, t("noData"))
          : h(
              "div",
              { class: "table-wrap" },
              h(
                "table",
                { id: "pointTable" },
                h(
                  "thead",
                  null,
                  h(
                    "tr",
                    null,
                    [t("point"), "ISO", t("v_rms"), t("a_rms"), t("latest"), ""].map((x) => h("th", null, x)),
                  ),
                ),
                h(
                  "tbody",
                  null,
                  health.points.map((p) =>
                    h(
                      "tr",
                      { dataset: { point: p.point } },
                      h("td", null, pointName(p.point)),
                      h("td", null, zoneBadge(p.isoZone)),
                      h("td", null, `${num(p.features.v_rms_mm_s, 2)} ${t("mm_s")}`),
                      h("td", null, `${num(p.features.a_rms_m_s2, 2)} ${t("m_s2")}`),
                      h("td", null, when(p.ts)),
                      h(
                        "td",
                        { class: "links" },
                        p.component
                          ? h("a", { href: `#/trends/${enc}/${encodeURIComponent(p.point)}` }, t("trends"))
                          : null,
                        withSpectrum.has(p.point)
                          ? [
                              " ",
                              h(
                                "a",
                                { href: `#/spectrum/${enc}/${encodeURIComponent(p.point)}` },
                                t("spectrum"),
                              ),
                              " ",
                              h(
                                "a",
                                { href: `#/waterfall/${enc}/${encodeURIComponent(p.point)}` },
                                t("waterfall"),
                              ),
                            ]
                          : null,
                      ),
                    ),
                  ),
                ),
              ),
            ),
        health.scada
          ? kv([
              [t("rotor_speed"), `${num(health.scada.fields.rotor_speed_rpm, 1)} ${t("rpm")}`],
              [t("power"), `${num(health.scada.fields.power_kw, 0)} ${t("kw")}`],
              [t("wind"), `${num(health.scada.fields.wind_speed_m_s, 1)} ${t("m_s")}`],
              [t("latest"), when(health.scada.ts)],
            ])
          : null,
        health.meter
          ? kv([
              [t("power"), `${num(health.meter.fields.power_kw, 1)} ${t("kw")}`],
              [t("latest"), when(health.meter.ts)],
            ])
          : null,
      ),
      h(
        "section",
        { class: "card", id: "assetDiagnoses" },
        h("h2", null, t("diagnoses")),
        diagnoses.length === 0
          ? h("p", { class: "muted" }, "—")
          : diagnoses.map((d) =>
              h(
                "div",
                { dataset: { fault: d.fault, point: d.point ?? "" } },
                h(
                  "h3",
                  null,
                  d.severity ? sevBadge(d.severity) : null,
                  " ",
                  faultName(d.fault),
                  " — ",
                  d.point ? pointName(d.point) : "",
                  d.confidence != null && d.fault !== "overall_vibration"
                    ? h("span", { class: "muted" }, ` (${t("confidence")} ${num(d.confidence * 100, 0)} %)`)
                    : null,
                ),
                evidenceList(
                  diagnosisEvidence(d) ?? {
                    frequency_hz: d.fields.frequency_hz,
                    amplitude: d.fields.amplitude,
                    snr_db: d.fields.snr_db,
                    harmonics: d.fields.harmonics,
                  },
                  [],
                  d.fault,
                ),
              ),
            ),
        h("h2", null, t("openAlarms")),
        !alarms || alarms.alarms.length === 0
          ? h("p", { class: "muted" }, t("noAlarms"))
          : h(
              "ul",
              { id: "assetAlarms" },
              alarms.alarms.map((x) =>
                h(
                  "li",
                  null,
                  sevBadge(x.severity),
                  " ",
                  h(
                    "a",
                    { href: `#/alarm/${encodeURIComponent(x.id)}` },
                    `${pointName(x.point)}, ${faultName(x.fault)}`,
                  ),
                  " · ",
                  stateText(x.state),
                  " · ",
                  when(x.since),
                ),
              ),
            ),
      ),
    ),
    h(
      "section",
      { class: "card" },
      h("h2", null, t("trends")),
      h("div", { class: "filters" }, t("range"), picker.buttons, picker.customBox),
      chartsEl,
    ),
    orders ? workOrderSection(orders.workOrders ?? orders.work_orders ?? [], () => ctx.reload()) : null,
    h(
      "section",
      { class: "card", id: "assetHistory" },
      h("h2", null, t("history")),
      eventsTable(history?.events ?? [], true),
    ),
  );
  await drawTrends();
}
