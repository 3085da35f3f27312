// Waterfall page (`#/waterfall/<asset>/<point>`): the point's newest
// snapshots (central keeps 50) as a spectrogram — one row per snapshot,
// oldest at the bottom, frequency across, colour the level in dB below the
// strongest line (60 dB range) — or as a waterfall of stacked traces, so a
// line that grows or moves over days stands out. Central puts the rows on
// one frequency grid. Drawn on a canvas sized to its box (usable at 390 px);
// times on screen are local. `window.vetraWaterfall` tells page tests where
// a row and a frequency are drawn.
import { ApiFailure, api, qs } from "../lib/api.js";
import { h, num, unitText, when } from "../lib/dom.js";
import { locale, t } from "../lib/i18n.js";
import { pointHead } from "../lib/point-head.js";

/** @typedef {import("../lib/dom.js").PageContext} PageContext */

const prefs = { trace: "velocity", mode: "spectrogram" };
const RANGE_DB = 60;
/** Colour stops from quiet to loud (perceptually ordered, after viridis). */
const STOPS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
const MARGIN = { left: 64, right: 8, top: 8, bottom: 22 };

/** The colour of a level 0 (quiet) … 1 (loudest). */
export function colourOf(level) {
  const x = Math.min(1, Math.max(0, level)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  return STOPS[i].map((c, k) => Math.round(c + (STOPS[i + 1][k] - c) * f));
}

/** @param {PageContext} ctx @param {string} assetId @param {string} point */
export async function waterfallPage(ctx, assetId, point) {
  const enc = encodeURIComponent(assetId);
  const canvas = h("canvas", { id: "waterfallCanvas" });
  const box = h("div", { class: "waterfall", id: "waterfall" }, canvas);
  const readout = h("p", { class: "muted", id: "waterfallReadout" }, t("dynamicRange"));
  const choice = (id, key, options) => {
    const bar = h("span", { class: "toolbar", id });
    for (const [value, text] of options)
      bar.append(
        h(
          "button",
          {
            type: "button",
            class: prefs[key] === value ? "on" : null,
            dataset: { value },
            onclick: () => {
              prefs[key] = value;
              for (const b of bar.querySelectorAll("button"))
                b.classList.toggle("on", b.dataset.value === value);
              load();
            },
          },
          text,
        ),
      );
    return bar;
  };
  ctx.root.replaceChildren(
    pointHead({ view: "waterfall", assetId, point }),
    h(
      "section",
      { class: "card" },
      h(
        "div",
        { class: "filters" },
        t("trace"),
        choice("waterfallTrace", "trace", [
          ["velocity", t("velocityShort")],
          ["envelope", t("envelopeShort")],
        ]),
        choice("waterfallMode", "mode", [
          ["spectrogram", t("spectrogram")],
          ["lines", t("waterfallLines")],
        ]),
      ),
      box,
      readout,
    ),
  );
  /** @type {any} */
  let data = null;
  const ro = new ResizeObserver(() => data && render(data));
  ro.observe(box);
  ctx.cleanup(() => {
    ro.disconnect();
    window.vetraWaterfall = undefined;
  });

  async function load() {
    try {
      data = await api(`/api/v1/assets/${enc}/waterfall${qs({ point, trace: prefs.trace })}`);
    } catch (e) {
      if (!(e instanceof ApiFailure && e.status === 404)) throw e;
      // "No spectrum yet" only for an asset this reader may see; otherwise the router shows the 404.
      await api(`/api/v1/assets/${enc}/health`);
      if (!ctx.alive()) return;
      box.replaceChildren(h("p", { class: "muted", id: "noSpectrum" }, t("noSpectrum")));
      return;
    }
    if (!ctx.alive()) return;
    render(data);
  }

  function render(d) {
    const rows = d.rows;
    const bins = rows[0]?.values.length ?? 0;
    const width = Math.max(300, box.clientWidth);
    const height = Math.min(480, Math.max(200, rows.length * 10 + MARGIN.top + MARGIN.bottom));
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    // An image with a name for a reader who cannot see it: what, how many snapshots, over which time and band.
    canvas.setAttribute("role", "img");
    canvas.setAttribute(
      "aria-label",
      `${t("waterfall")}, ${prefs.trace === "envelope" ? t("envelopeShort") : t("velocityShort")}, ${unitText(d.unit)}. ` +
        `${t("snapshots")}: ${rows.length}` +
        (rows.length ? `, ${when(rows[0].ts)} – ${when(rows[rows.length - 1].ts)}` : "") +
        `; 0–${num((bins - 1) * d.df_hz, 0)} ${t("hz")}`,
    );
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    const plotW = Math.floor(width - MARGIN.left - MARGIN.right);
    const plotH = height - MARGIN.top - MARGIN.bottom;
    // Levels in dB below the loudest value of all rows (amplitudes: 20·log10; the squared envelope is a power: 10·log10).
    const factor = d.trace === "envelope" ? 10 : 20;
    let peak = 0;
    for (const r of rows) for (const v of r.values) if (v > peak) peak = v;
    const level = (v) => (v > 0 && peak > 0 ? 1 + (factor * Math.log10(v / peak)) / RANGE_DB : 0);
    // Whole pixels: column c shows the loudest of its bins (peak-hold, so a line never falls between
    // pixels on a narrow screen); row i (0 = oldest) spans [rowY(i), rowY(i) + its height), bottom up.
    const firstBin = (c) => Math.floor((c * bins) / plotW);
    const lastBin = (c) => Math.max(firstBin(c), Math.floor(((c + 1) * bins) / plotW) - 1);
    const rowY = (i) => MARGIN.top + Math.round(((rows.length - 1 - i) * plotH) / rows.length);
    const rowHeight = (i) => MARGIN.top + Math.round(((rows.length - i) * plotH) / rows.length) - rowY(i);
    /** The columns showing each bin: the middle one is where a test or a reader finds it. */
    const columnsOf = new Map();
    for (let c = 0; c < plotW; c++)
      for (let k = firstBin(c); k <= lastBin(c); k++) columnsOf.set(k, [...(columnsOf.get(k) ?? []), c]);
    const columnOf = (hz) => {
      const cs = columnsOf.get(Math.min(bins - 1, Math.max(0, Math.round(hz / d.df_hz)))) ?? [0];
      return cs[Math.floor((cs.length - 1) / 2)];
    };
    const xOf = (hz) => MARGIN.left + columnOf(hz) + 0.5;
    const columnPeak = (values, c) => {
      let m = 0;
      for (let k = firstBin(c); k <= lastBin(c); k++) if (values[k] > m) m = values[k];
      return m;
    };
    rows.forEach((r, i) => {
      const y = rowY(i);
      const rh = rowHeight(i);
      g.beginPath();
      for (let c = 0; c < plotW; c++) {
        const lv = level(columnPeak(r.values, c));
        if (prefs.mode === "spectrogram") {
          const [cr, cg, cb] = colourOf(lv);
          g.fillStyle = `rgb(${cr},${cg},${cb})`;
          g.fillRect(MARGIN.left + c, y, 1, rh);
        } else {
          // Stacked traces: each row's trace rises from the row's bottom, up to three rows high.
          const py = y + rh - Math.max(0, lv) * rh * 3;
          if (c === 0) g.moveTo(MARGIN.left + c + 0.5, py);
          else g.lineTo(MARGIN.left + c + 0.5, py);
        }
      }
      if (prefs.mode !== "spectrogram") {
        g.strokeStyle = `rgb(${colourOf(i / Math.max(1, rows.length - 1)).join(",")})`;
        g.lineWidth = 1;
        g.stroke();
      }
    });
    // Axes: local times of a few rows, frequencies along the bottom.
    g.fillStyle = "#1d2330";
    g.font = "11px system-ui, sans-serif";
    g.textBaseline = "middle";
    const every = Math.max(1, Math.ceil((14 * rows.length) / plotH));
    rows.forEach((r, i) => {
      if (i % every !== 0 && i !== rows.length - 1) return;
      const d0 = new Date(r.ts);
      const label = d0.toLocaleString(locale(), {
        day: "2-digit",
        month: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
      });
      g.fillText(label, 2, rowY(i) + rowHeight(i) / 2, MARGIN.left - 4);
    });
    g.textBaseline = "top";
    const topHz = (bins - 1) * d.df_hz;
    const ticks = 5;
    for (let k = 0; k <= ticks; k++) {
      const hz = (topHz * k) / ticks;
      const x = xOf(hz);
      g.fillText(num(hz, hz < 10 ? 1 : 0), Math.min(x, width - 30), height - MARGIN.bottom + 4);
    }
    box.dataset.rows = String(rows.length);
    box.dataset.mode = prefs.mode;
    box.dataset.trace = d.trace;
    window.vetraWaterfall = {
      rows: rows.map((r) => r.ts),
      dfHz: d.df_hz,
      /** Canvas CSS pixel at the centre of row i (0 = oldest) and frequency hz. */
      pixelOf: (i, hz) => ({ x: xOf(hz), y: rowY(i) + rowHeight(i) / 2 }),
    };
    canvas.onmousemove = (e) => {
      const rect = canvas.getBoundingClientRect();
      const c = Math.floor(e.clientX - rect.left - MARGIN.left);
      const y = e.clientY - rect.top;
      const i = rows.findIndex((_, j) => y >= rowY(j) && y < rowY(j) + rowHeight(j));
      const r = rows[i];
      if (!r || c < 0 || c >= plotW) return;
      const k = firstBin(c);
      readout.textContent = `${when(r.ts)} · ${num(k * d.df_hz, 2)} ${t("hz")} · ${num(columnPeak(r.values, c), 4)} ${unitText(d.unit)}${r.speedRpm == null ? "" : ` · ${num(r.speedRpm, 1)} ${t("rpm")}`}`;
    };
  }
  await load();
}
