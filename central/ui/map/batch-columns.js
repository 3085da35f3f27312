// @ts-check
// The columns of the batch check's CSV, in order: one list for the server,
// which writes them (grid/batch.ts), and the /map page, which joins the
// parts it was sent in into one file of the same columns. No DOM.

export const BATCH_COLUMNS = /** @type {const} */ ([
  "line",
  "name",
  "lat",
  "lon",
  "mw",
  "kind",
  "status",
  "connection_point_id",
  "connection_point_name",
  "voltage_kv",
  "voltage_class",
  "distance_km",
  "line_km",
  "headroom_mw",
  "headroom_after_mw",
  "cost_rub",
  "available_options",
  "reasons",
]);
