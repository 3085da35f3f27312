// Spectrum page (`#/spectrum/<asset>/<point>`): the velocity and squared-
// envelope spectra of a snapshot with a cursor at every fault frequency it
// marks, zoom, linear/log amplitude, marker toggles, older snapshots.
// `window.vetraCharts` holds the two uPlot charts shown, for page tests.
import { evidenceList } from "../lib/alarm-parts.js";
import { ApiFailure, api, qs } from "../lib/api.js";
import { chart } from "../lib/charts.js";
import { h, kv, num, option, sevBadge, unitText, when } from "../lib/dom.js";
import { faultName, pointName, t } from "../lib/i18n.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

const MARKER_KINDS = ["bpfo", "bpfi", "bsf", "ftf", "shaft", "gmf", "sideband"];
const spectrumPrefs = { log: false, hidden: new Set() };
/** A default view shows every marker of the chart with some room, not less than this many bins. */
const MIN_VIEW_BINS = 50;

/** @param {PageContext} ctx @param {string} assetId @param {string} point */
export async function spectrumPage(ctx, assetId, point) {
  const enc = encodeURIComponent(assetId);
  let res;
  try {
    res = await api(`/api/v1/assets/${enc}/spectrum${qs({ point, history: 20 })}`);
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 404) {
      ctx.root.replaceChildren(
        h(
          "section",
          { class: "card" },
          h("h1", null, assetId, " · ", pointName(point)),
          h("p", { class: "muted", id: "noSpectrum" }, t("noSpectrum")),
        ),
      );
      return;
    }
    throw e;
  }
  if (!ctx.alive()) return;
  const snapshots = res.snapshots.filter((s) => s.point === point);
  let index = 0;
  const info = h("div", { id: "snapshotInfo" });
  const diag = h("div");
  const velocityBox = h("div", { class: "chart spectrum-chart", id: "velocityChart" });
  const envelopeBox = h("div", { class: "chart spectrum-chart", id: "envelopeChart" });
  const toggles = h("span", { class: "toolbar", id: "markerToggles" });
  /** @type {{velocity?: any, envelope?: any}} */
  const charts = {};
  /** Initial x ranges per chart (the "reset zoom" target). */
  const initial = {};
  const chartCleanups = [];
  window.vetraCharts = charts;
  ctx.cleanup(() => {
    for (const fn of chartCleanups.splice(0)) fn();
    if (window.vetraCharts === charts) window.vetraCharts = undefined;
  });

  const scaleButtons = h(
    "span",
    { class: "toolbar" },
    t("amplitude"),
    ...[
      [false, "linear"],
      [true, "log"],
    ].map(([log, key]) =>
      h(
        "button",
        {
          type: "button",
          id: log ? "scaleLog" : "scaleLinear",
          class: spectrumPrefs.log === log ? "on" : null,
          onclick: (e) => {
            spectrumPrefs.log = log;
            for (const b of e.currentTarget.parentElement.querySelectorAll("button"))
              b.classList.remove("on");
            e.currentTarget.classList.add("on");
            draw(true);
          },
        },
        t(key),
      ),
    ),
  );
  const resetButton = h(
    "button",
    {
      type: "button",
      id: "resetZoom",
      onclick: () => {
        for (const k of ["velocity", "envelope"])
          if (charts[k] && initial[k]) charts[k].setScale("x", initial[k]);
      },
    },
    t("resetZoom"),
  );
  const fullButton = h(
    "button",
    {
      type: "button",
      id: "fullRange",
      onclick: () => {
        for (const k of ["velocity", "envelope"]) {
          const u = charts[k];
          if (u) u.setScale("x", { min: 0, max: u.data[0][u.data[0].length - 1] });
        }
      },
    },
    t("fullRange"),
  );

  /**
   * One spectrum chart with a cursor element per marker.
   * @param {"velocity"|"envelope"} which
   */
  function spectrumChart(which, box, trace, markers, keepX) {
    const n = trace.values.length;
    const xs = new Float64Array(n);
    for (let k = 0; k < n; k++) xs[k] = k * trace.df_hz;
    const ys = spectrumPrefs.log ? trace.values.map((v) => (v > 0 ? v : null)) : trace.values;
    const maxHz = n > 0 ? xs[n - 1] : 0;
    const markerMax = Math.max(0, ...markers.map((m) => m.frequency_hz));
    const viewMax =
      markers.length > 0 ? Math.min(maxHz, Math.max(markerMax * 1.25, MIN_VIEW_BINS * trace.df_hz)) : maxHz;
    initial[which] = { min: 0, max: viewMax };
    const title = `${t(which === "velocity" ? "velocitySpectrum" : "envelopeSpectrum")}, ${unitText(trace.unit)}`;
    box.replaceChildren(
      h(
        "h3",
        null,
        title,
        which === "envelope" && trace.band_hz
          ? h(
              "span",
              { class: "muted" },
              ` (${t("band")} ${num(trace.band_hz[0], 0)}–${num(trace.band_hz[1], 0)} ${t("hz")})`,
            )
          : null,
      ),
    );
    const cursors = markers.map((m, i) =>
      h(
        "div",
        {
          class: "cursor",
          hidden: spectrumPrefs.hidden.has(m.kind) ? true : null,
          title: `${m.label}: ${num(m.frequency_hz, 3)} ${t("hz")}`,
          dataset: {
            marker: m.kind.toUpperCase(),
            kind: m.kind,
            harmonic: String(m.harmonic),
            hz: String(m.frequency_hz),
            label: m.label,
            spectrum: which,
          },
        },
        h("span", { class: "label", style: `top:${2 + (i % 5) * 14}px` }, m.label),
      ),
    );
    const place = (u) => {
      const { min, max } = u.scales.x;
      for (const c of cursors) {
        const hz = Number(c.dataset.hz);
        const px = u.valToPos(hz, "x");
        c.style.left = `${px}px`;
        c.dataset.px = String(px);
        c.dataset.inView = hz >= min && hz <= max ? "1" : "0";
        c.style.visibility = hz >= min && hz <= max ? "" : "hidden";
      }
    };
    const sub = [];
    const u = chart(
      { ...ctx, cleanup: (fn) => sub.push(fn) },
      box,
      {
        height: 300,
        scales: {
          x: { time: false },
          y: spectrumPrefs.log
            ? { distr: 3, log: 10 }
            : { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
        },
        series: [
          { label: t("frequency"), value: (_u, v) => (v == null ? "—" : `${num(v, 3)} ${t("hz")}`) },
          {
            label: unitText(trace.unit),
            stroke: which === "velocity" ? "#1f5fbf" : "#7a4fbf",
            width: 1,
            value: (_u, v) => (v == null ? "—" : num(v, 5)),
          },
        ],
        axes: [
          { label: t("hz"), values: (_u, vals) => vals.map((v) => num(v, 2)) },
          { values: (_u, vals) => vals.map((v) => num(v, 4)), size: 60 },
        ],
        cursor: { drag: { x: true, y: false, setScale: true } },
        legend: { live: true },
        hooks: { draw: [place] },
      },
      [xs, ys],
    );
    u.over.append(...cursors);
    u.setScale("x", keepX ?? initial[which]);
    chartCleanups.push(() => {
      for (const fn of sub) fn();
    });
    return u;
  }

  function draw(keepZoom) {
    const s = snapshots[index];
    const keep = keepZoom
      ? {
          velocity: charts.velocity && {
            min: charts.velocity.scales.x.min,
            max: charts.velocity.scales.x.max,
          },
          envelope: charts.envelope && {
            min: charts.envelope.scales.x.min,
            max: charts.envelope.scales.x.max,
          },
        }
      : {};
    for (const fn of chartCleanups.splice(0)) fn();
    const speedHz = s.speedRpm == null ? null : s.speedRpm / 60;
    info.replaceChildren(
      kv([
        [t("snapshotTime"), h("span", { id: "snapshotTime", dataset: { ts: s.ts } }, when(s.ts))],
        [
          t("speed"),
          s.speedRpm == null
            ? "—"
            : h(
                "span",
                { id: "snapshotSpeed", dataset: { rpm: String(s.speedRpm) } },
                `${num(s.speedRpm, 2)} ${t("rpm")} (${num(speedHz, 4)} ${t("hz")})`,
              ),
        ],
        [t("reason"), t(s.reason)],
        [t("sampleRate"), `${num(s.sampleRateHz, 0)} ${t("hz")} × ${s.samples}`],
      ]),
    );
    diag.replaceChildren(
      ...s.diagnoses.map((d) =>
        h(
          "div",
          { dataset: { fault: d.fault } },
          h(
            "h3",
            null,
            sevBadge(d.severity),
            " ",
            faultName(d.fault),
            h(
              "span",
              { class: "muted" },
              ` ${t("confidence")} ${num(d.confidence * 100, 0)} % · ${t("since")} ${when(d.since)}`,
            ),
          ),
          evidenceList(d.evidence),
        ),
      ),
    );
    const kinds = MARKER_KINDS.filter((k) => s.markers.some((m) => m.kind === k));
    toggles.replaceChildren(
      t("markers"),
      ...kinds.map((k) => {
        const box = h("input", {
          type: "checkbox",
          checked: !spectrumPrefs.hidden.has(k),
          dataset: { kind: k },
        });
        box.addEventListener("change", () => {
          if (box.checked) spectrumPrefs.hidden.delete(k);
          else spectrumPrefs.hidden.add(k);
          for (const c of ctx.root.querySelectorAll(`.cursor[data-kind="${k}"]`)) c.hidden = !box.checked;
        });
        return h("label", null, box, t(`kind_${k}`));
      }),
    );
    // Markers name the spectrum they belong to: the velocity chart's are "spectrum".
    for (const [which, box, trace, markerSpectrum] of [
      ["velocity", velocityBox, s.spectrum, "spectrum"],
      ["envelope", envelopeBox, s.envelope, "envelope"],
    ]) {
      const markers = s.markers.filter((m) => m.spectrum === markerSpectrum);
      charts[which] = spectrumChart(which, box, trace, markers, keep[which]);
    }
  }

  const pointLinks = h("span", { class: "toolbar" });
  const older =
    snapshots.length > 1
      ? h(
          "select",
          { id: "snapshotSelect" },
          snapshots.map((s, i) => option(String(i), when(s.ts), i === 0)),
        )
      : null;
  older?.addEventListener("change", () => {
    index = Number(older.value);
    draw(false);
  });

  ctx.root.replaceChildren(
    h(
      "section",
      { class: "card", id: "spectrumHead", dataset: { asset: assetId, point } },
      h(
        "h1",
        null,
        t("spectrum"),
        ": ",
        h("a", { href: `#/asset/${enc}` }, assetId),
        " · ",
        pointName(point),
      ),
      pointLinks,
      info,
      older ? h("label", null, t("olderSnapshots"), " ", older) : null,
    ),
    h(
      "section",
      { class: "card" },
      h(
        "div",
        { class: "filters" },
        toggles,
        scaleButtons,
        resetButton,
        fullButton,
        h("span", { class: "muted" }, t("zoomHint")),
      ),
      velocityBox,
      envelopeBox,
    ),
    h("section", { class: "card", id: "spectrumDiagnoses" }, h("h2", null, t("diagnoses")), diag),
  );
  draw(false);
  // Other measuring points of the asset with a spectrum, one click away.
  api(`/api/v1/assets/${enc}/spectrum`)
    .then((all) => {
      if (!ctx.alive()) return;
      pointLinks.replaceChildren(
        ...all.snapshots
          .filter((s) => s.point !== point)
          .map((s) =>
            h("a", { href: `#/spectrum/${enc}/${encodeURIComponent(s.point)}` }, pointName(s.point)),
          ),
      );
    })
    .catch(() => {});
}
