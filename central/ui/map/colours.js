// @ts-check
// The colours of the /map page: headroom levels, option statuses, and lines
// by voltage class.
/** @type {Record<import("./map.js").Level, string>} */
export const LEVEL_COLOURS = { open: "#2e9d3a", limited: "#e09b00", closed: "#c0392b", unknown: "#8a8f98" };
/** @type {Record<import("./map.js").OptionStatus, string>} */
export const STATUS_COLOURS = {
  available: "#2e9d3a",
  needs_reinforcement: "#e09b00",
  unavailable: "#c0392b",
};
/** Line colour by the lowest voltage of its class, kV (the legend's swatches are the `kv-*` classes of map.css). */
/** @type {[number, string][]} */
export const VOLTAGE_STEPS = [
  [500, "#b0005a"],
  [330, "#1f7a1f"],
  [220, "#c8a600"],
  [110, "#1f5fbf"],
  [35, "#8a4b12"],
  [6, "#7d3cbf"],
  [0, "#999999"],
];
export const voltageColour = (/** @type {number | null} */ kv) => {
  if (kv == null) return "#bbbbbb";
  for (const [v, c] of VOLTAGE_STEPS) if (kv >= v) return c;
  return "#999999";
};
