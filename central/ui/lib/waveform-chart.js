// The time waveform of a snapshot's block: the edge keeps it peak-held
// (each group's lowest and highest sample), drawn as the band between them
// so an impact shows at its full height however far the view is zoomed out.
import { chart } from "./charts.js";
import { h, num } from "./dom.js";
import { t } from "./i18n.js";

/**
 * @param {{cleanup: (fn: () => void) => void}} ctx @param {HTMLElement} box
 * @param {{unit: string, dt_s: number, min: number[], max: number[]} | undefined} w
 */
export function waveformChart(ctx, box, w) {
  if (!w || w.min.length === 0) {
    box.replaceChildren(
      h("h3", null, t("waveform")),
      h("div", { class: "empty", id: "noWaveform" }, t("noWaveform")),
    );
    return null;
  }
  box.replaceChildren(h("h3", null, `${t("waveform")}, ${t(w.unit)}`));
  const ms = w.min.map((_, k) => k * w.dt_s * 1000);
  const u = chart(
    ctx,
    box,
    {
      height: 200,
      scales: { x: { time: false } },
      series: [
        { label: t("time"), value: (_u, v) => (v == null ? "—" : `${num(v, 2)} ${t("ms")}`) },
        {
          label: t("waveformMax"),
          stroke: "#1f5fbf",
          width: 1,
          value: (_u, v) => (v == null ? "—" : num(v, 4)),
        },
        {
          label: t("waveformMin"),
          stroke: "#1f5fbf",
          width: 1,
          value: (_u, v) => (v == null ? "—" : num(v, 4)),
        },
      ],
      bands: [{ series: [1, 2], fill: "#1f5fbf55" }],
      axes: [
        { label: t("ms"), values: (_u, vals) => vals.map((v) => num(v, 1)) },
        { values: (_u, vals) => vals.map((v) => num(v, 3)), size: 60 },
      ],
      cursor: { drag: { x: true, y: false, setScale: true } },
    },
    [ms, w.max, w.min],
    `${t("waveform")}, ${t(w.unit)}`,
  );
  box.dataset.groups = String(w.min.length);
  return u;
}
