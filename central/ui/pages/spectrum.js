// Spectrum page (`#/spectrum/<asset>/<point>`): the velocity and squared-
// envelope spectra of a snapshot with a cursor at every fault frequency it
// marks (labels laid out so none overlaps), zoom, linear/log amplitude,
// marker toggles, a frequency or order axis, the point's baseline overlaid,
// older snapshots, and the block's time waveform; links to the point's
// waterfall and trends. `window.vetraCharts` holds the charts shown, for
// page tests.
import { evidenceList } from "../lib/alarm-parts.js";
import { ApiFailure, api, qs } from "../lib/api.js";
import { h, kv, num, option, sevBadge, when } from "../lib/dom.js";
import { faultName, pointName, t } from "../lib/i18n.js";
import { pointHead } from "../lib/point-head.js";
import { MARKER_COLOURS, spectrumChart } from "../lib/spectrum-chart.js";
import { waveformChart } from "../lib/waveform-chart.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

const MARKER_KINDS = Object.keys(MARKER_COLOURS);
const spectrumPrefs = { log: false, orders: false, baseline: false, hidden: new Set() };

/** A toolbar of mutually exclusive buttons. */
function choice(label, options, current, onPick) {
  const bar = h("span", { class: "toolbar" }, label);
  for (const [value, id, text] of options) {
    bar.append(
      h(
        "button",
        {
          type: "button",
          id,
          class: current() === value ? "on" : null,
          onclick: (e) => {
            for (const b of bar.querySelectorAll("button")) b.classList.remove("on");
            e.currentTarget.classList.add("on");
            onPick(value);
          },
        },
        text,
      ),
    );
  }
  return bar;
}

/** @param {PageContext} ctx @param {string} assetId @param {string} point */
export async function spectrumPage(ctx, assetId, point) {
  const enc = encodeURIComponent(assetId);
  let res;
  try {
    res = await api(`/api/v1/assets/${enc}/spectrum${qs({ point, history: 20 })}`);
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 404) {
      // "No spectrum yet" only for an asset this reader may see; otherwise the router shows the 404.
      await api(`/api/v1/assets/${enc}/health`);
      if (!ctx.alive()) return;
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
  const baseline = await api(`/api/v1/assets/${enc}/spectrum/baseline${qs({ point })}`)
    .then((r) => r.snapshot)
    .catch(() => null);
  if (!ctx.alive()) return;
  const snapshots = res.snapshots.filter((s) => s.point === point);
  let index = 0;
  const info = h("div", { id: "snapshotInfo" });
  const diag = h("div");
  const velocityBox = h("div", { class: "chart spectrum-chart", id: "velocityChart" });
  const envelopeBox = h("div", { class: "chart spectrum-chart", id: "envelopeChart" });
  const waveformBox = h("div", { class: "chart", id: "waveformChart" });
  const toggles = h("span", { class: "toolbar", id: "markerToggles" });
  /** @type {{velocity?: any, envelope?: any, waveform?: any}} */
  const charts = {};
  /** Opening x ranges per chart (the "reset zoom" target) and label re-layouts. */
  const initial = {};
  const relayouts = [];
  const chartCleanups = [];
  window.vetraCharts = charts;
  ctx.cleanup(() => {
    for (const fn of chartCleanups.splice(0)) fn();
    if (window.vetraCharts === charts) window.vetraCharts = undefined;
  });

  /** The two buttons of a boolean view preference, as [id, text key] for false then true; redrawn keeping the zoom or not. */
  const prefChoice = (titleKey, pref, whenFalse, whenTrue, keepZoom) =>
    choice(
      t(titleKey),
      [
        [false, whenFalse[0], t(whenFalse[1])],
        [true, whenTrue[0], t(whenTrue[1])],
      ],
      () => spectrumPrefs[pref],
      (value) => {
        spectrumPrefs[pref] = value;
        draw(keepZoom);
      },
    );
  const scaleButtons = prefChoice("amplitude", "log", ["scaleLinear", "linear"], ["scaleLog", "log"], true);
  const axisButtons = prefChoice("xAxis", "orders", ["axisHz", "hz"], ["axisOrders", "orders"], false);
  const overlayBox = h("input", {
    type: "checkbox",
    id: "baselineOverlay",
    checked: spectrumPrefs.baseline && baseline !== null,
    disabled: baseline === null ? true : null,
  });
  overlayBox.addEventListener("change", () => {
    spectrumPrefs.baseline = overlayBox.checked;
    draw(true);
  });
  const overlayLabel = h(
    "label",
    { title: baseline === null ? t("noBaseline") : `${t("baseline")}: ${when(baseline.ts)}` },
    overlayBox,
    t("baselineOverlay"),
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

  function draw(keepZoom) {
    const s = snapshots[index];
    const keep = {};
    if (keepZoom)
      for (const k of ["velocity", "envelope"])
        if (charts[k]) keep[k] = { min: charts[k].scales.x.min, max: charts[k].scales.x.max };
    for (const fn of chartCleanups.splice(0)) fn();
    relayouts.length = 0;
    const speedHz = s.speedRpm == null || s.speedRpm <= 0 ? null : s.speedRpm / 60;
    // Orders need the speed: without it the axis is in hertz, whatever was picked before.
    const ordersShown = spectrumPrefs.orders && speedHz !== null;
    axisButtons.querySelector("#axisOrders").disabled = speedHz === null;
    axisButtons.querySelector("#axisOrders").classList.toggle("on", ordersShown);
    axisButtons.querySelector("#axisHz").classList.toggle("on", !ordersShown);
    axisButtons.title = speedHz === null ? t("noSpeed") : "";
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
              // A zone is a rating against the standard, not a detection: no confidence for it.
              d.fault === "overall_vibration"
                ? ` ${t("since")} ${when(d.since)}`
                : ` ${t("confidence")} ${num(d.confidence * 100, 0)} % · ${t("since")} ${when(d.since)}`,
            ),
          ),
          evidenceList(d.evidence, [], d.fault),
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
          for (const fn of relayouts) fn();
        });
        return h("label", null, box, t(`kind_${k}`));
      }),
    );
    const cleanup = (fn) => chartCleanups.push(fn);
    const overlayOn = spectrumPrefs.baseline && baseline !== null;
    const baseSpeedHz = baseline?.speedRpm > 0 ? baseline.speedRpm / 60 : null;
    // Markers name the spectrum they belong to: the velocity chart's are "spectrum".
    for (const [which, box, trace, markerSpectrum, baseTrace] of [
      ["velocity", velocityBox, s.spectrum, "spectrum", baseline?.spectrum],
      ["envelope", envelopeBox, s.envelope, "envelope", baseline?.envelope],
    ]) {
      const drawn = spectrumChart({ cleanup }, box, {
        which,
        trace,
        markers: s.markers.filter((m) => m.spectrum === markerSpectrum),
        log: spectrumPrefs.log,
        hidden: spectrumPrefs.hidden,
        speedHz,
        orders: spectrumPrefs.orders,
        overlay: overlayOn && baseTrace ? { trace: baseTrace, speedHz: baseSpeedHz } : null,
        ...(keep[which] ? { keepX: keep[which] } : {}),
      });
      charts[which] = drawn.u;
      initial[which] = drawn.initial;
      relayouts.push(drawn.relayout);
    }
    charts.waveform = waveformChart({ cleanup }, waveformBox, s.waveform) ?? undefined;
  }

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
  const pointLinks = h("span", { class: "toolbar" });
  ctx.root.replaceChildren(
    pointHead({
      view: "spectrum",
      assetId,
      point,
      toolbar: [pointLinks],
      after: [info, older ? h("label", null, t("olderSnapshots"), " ", older) : null],
    }),
    h(
      "section",
      { class: "card" },
      h(
        "div",
        { class: "filters" },
        toggles,
        scaleButtons,
        axisButtons,
        overlayLabel,
        resetButton,
        fullButton,
        h("span", { class: "muted" }, t("zoomHint")),
      ),
      velocityBox,
      envelopeBox,
      waveformBox,
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
