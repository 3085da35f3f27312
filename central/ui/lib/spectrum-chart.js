// One spectrum chart of the spectrum page: a snapshot's velocity or
// squared-envelope trace (uPlot), optionally with the point's baseline
// trace overlaid, on a frequency axis or — when the shaft speed is known —
// an order axis (multiples of the shaft speed, so 1× stands at 1 whatever
// the speed), with a cursor element per marked fault frequency whose labels
// never overlap (labels.js). It opens on a useful range: the marked
// frequencies and most of the trace's energy, not the first few bins.
import uPlot from "/ui/assets/uPlot.esm.js";
import { chart } from "./charts.js";
import { h, num, unitText } from "./dom.js";
import { t } from "./i18n.js";
import { layoutLabels } from "./labels.js";

/**
 * Each marker kind's cursor colour, in the order the page offers the kinds'
 * toggles: a hue per bearing family, shaft and gear mesh; sidebands grey (and
 * dotted, console.css).
 */
export const MARKER_COLOURS = {
  bpfo: "#c0392b",
  bpfi: "#8e44ad",
  bsf: "#16a085",
  ftf: "#d35400",
  shaft: "#1f5fbf",
  gmf: "#2c3e50",
  sideband: "#95a5a6",
};

/** A view shows at least this many bins. */
const MIN_VIEW_BINS = 50;
/** Share of the trace's energy (Σ value²) the opening view holds. */
const ENERGY_SHARE = 0.95;

/**
 * The top of the opening view, in the trace's frequency: the marked
 * frequencies with a quarter to spare, the frequency below which ENERGY_SHARE
 * of the energy above the noise floor lies (the floor is the median bin: a
 * broadband floor spread over thousands of bins otherwise outweighs a few
 * strong lines; the bins below the first non-zero one — the velocity trace's
 * high-pass — and the envelope's DC bin left out) with a fifth to spare, at
 * least a few times the first non-zero bin, and MIN_VIEW_BINS bins.
 * @param {{df_hz: number, values: number[]}} trace @param {{frequency_hz: number}[]} markers
 */
export function usefulTopHz(trace, markers) {
  const v = trace.values;
  const df = trace.df_hz;
  const maxHz = Math.max(0, (v.length - 1) * df);
  let first = v.findIndex((x, k) => k > 0 && x > 0);
  if (first < 0) first = 1;
  const sorted = v.slice(first).sort((a, b) => a - b);
  const floor = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const above = (x) => (x > floor ? (x - floor) ** 2 : 0);
  let total = 0;
  for (let k = first; k < v.length; k++) total += above(v[k]);
  let energyHz = maxHz;
  if (total > 0) {
    let acc = 0;
    for (let k = first; k < v.length; k++) {
      acc += above(v[k]);
      if (acc >= ENERGY_SHARE * total) {
        energyHz = k * df;
        break;
      }
    }
  }
  const markerHz = Math.max(0, ...markers.map((m) => m.frequency_hz));
  return Math.min(maxHz, Math.max(markerHz * 1.25, energyHz * 1.2, first * df * 4, MIN_VIEW_BINS * df));
}

/**
 * @typedef {{df_hz: number, unit: string, values: number[], band_hz?: [number, number]}} Trace
 * @typedef {{label: string, kind: string, harmonic: number, frequency_hz: number}} Marker
 * @typedef {{
 *   which: "velocity"|"envelope", trace: Trace, markers: Marker[], log: boolean, hidden: Set<string>,
 *   speedHz: number|null, orders: boolean, overlay: {trace: Trace, speedHz: number|null} | null,
 *   keepX?: {min: number, max: number}
 * }} SpectrumChartOptions
 */

/**
 * Draws the chart into `box`; returns the uPlot and its opening x range.
 * @param {{cleanup: (fn: () => void) => void}} ctx @param {HTMLElement} box @param {SpectrumChartOptions} o
 */
export function spectrumChart(ctx, box, o) {
  const { trace, markers, which } = o;
  const orders = o.orders && o.speedHz != null && o.speedHz > 0;
  /** Frequency → the axis' value (Hz, or orders of the current snapshot's speed). */
  const axis = (hz, speedHz = o.speedHz) => (orders ? hz / speedHz : hz);
  const xsOf = (tr, speedHz) => Float64Array.from(tr.values, (_, k) => axis(k * tr.df_hz, speedHz));
  const ysOf = (tr) => (o.log ? tr.values.map((v) => (v > 0 ? v : null)) : tr.values);
  const own = [Array.from(xsOf(trace, o.speedHz)), ysOf(trace)];
  const overlay = o.overlay;
  // The baseline on its own speed's orders: its lines stand at the same orders as the snapshot's.
  const data = overlay
    ? uPlot.join([own, [Array.from(xsOf(overlay.trace, overlay.speedHz ?? o.speedHz)), ysOf(overlay.trace)]])
    : own;
  const initial = { min: 0, max: axis(usefulTopHz(trace, markers)) };
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
  const cursors = markers.map((m) =>
    h(
      "div",
      {
        class: "cursor",
        hidden: o.hidden.has(m.kind) ? true : null,
        // Through the CSSOM (dom.js h()), which the content security policy allows.
        style: Object.hasOwn(MARKER_COLOURS, m.kind) ? `border-left-color: ${MARKER_COLOURS[m.kind]}` : null,
        title: `${m.label}: ${num(m.frequency_hz, 3)} ${t("hz")}${orders ? ` = ${num(axis(m.frequency_hz), 3)} ${t("order")}` : ""}`,
        dataset: {
          marker: m.kind.toUpperCase(),
          kind: m.kind,
          harmonic: String(m.harmonic),
          hz: String(m.frequency_hz),
          x: String(axis(m.frequency_hz)),
          label: m.label,
          spectrum: which,
        },
      },
      h("span", { class: "label" }, m.label),
    ),
  );
  const place = (u) => {
    const { min, max } = u.scales.x;
    for (const c of cursors) {
      const x = Number(c.dataset.x);
      const px = u.valToPos(x, "x");
      c.style.left = `${px}px`;
      c.dataset.px = String(px);
      const inView = x >= min && x <= max;
      c.dataset.inView = inView ? "1" : "0";
      c.style.visibility = inView ? "" : "hidden";
    }
    layoutLabels(cursors, u.over.clientWidth, u.over.clientHeight);
  };
  const value = (_u, v) => (v == null ? "—" : num(v, 5));
  const sub = [];
  const u = chart(
    { cleanup: (fn) => sub.push(fn) },
    box,
    {
      height: 300,
      scales: {
        x: { time: false },
        y: o.log ? { distr: 3, log: 10 } : { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
      },
      series: [
        {
          label: orders ? t("order") : t("frequency"),
          value: (_u, v) => (v == null ? "—" : orders ? `${num(v, 3)}×` : `${num(v, 3)} ${t("hz")}`),
        },
        {
          label: overlay ? t("current") : unitText(trace.unit),
          stroke: which === "velocity" ? "#1f5fbf" : "#7a4fbf",
          width: 1,
          spanGaps: true,
          value,
        },
        ...(overlay
          ? [{ label: t("baseline"), stroke: "#2e8540", width: 1, dash: [4, 3], spanGaps: true, value }]
          : []),
      ],
      axes: [
        { label: orders ? t("order") : t("hz"), values: (_u, vals) => vals.map((v) => num(v, 2)) },
        { values: (_u, vals) => vals.map((v) => num(v, 4)), size: 60 },
      ],
      cursor: { drag: { x: true, y: false, setScale: true } },
      legend: { live: true },
      hooks: { draw: [place] },
    },
    data,
    // The marked frequencies are the chart's point: named in its text too.
    markers.length === 0
      ? title
      : `${title}. ${t("markers")}: ${markers
          .slice(0, 12)
          .map((m) => `${m.label} ${num(m.frequency_hz, 2)} ${t("hz")}`)
          .join(", ")}${markers.length > 12 ? "…" : ""}`,
  );
  u.over.append(...cursors);
  u.setScale("x", o.keepX ?? initial);
  ctx.cleanup(() => {
    for (const fn of sub) fn();
  });
  box.dataset.axis = orders ? "order" : "hz";
  box.dataset.overlay = overlay ? "baseline" : "";
  return { u, initial, relayout: () => place(u) };
}
