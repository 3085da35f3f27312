// A connection point of the grid check (central/grid/model.ts) for the
// hand-worked grid tests: a 110/35/10 kV substation with two 40 MVA
// transformers, 20 MW peak load, 5 MW contracted demand, 10 MW of generation
// connected and 6 MW queued, no published figures; `over` sets what a test is about.
import type { ConnectionPoint } from "../../central/grid/model.ts";

export const connectionPoint = (over: Partial<ConnectionPoint> = {}): ConnectionPoint => ({
  id: "p",
  name: "P",
  operator: null,
  lat: 42,
  lon: 47,
  voltages_kv: [110, 35, 10],
  transformer_mva: [40, 40],
  peak_load_mw: 20,
  contracted_demand_mw: 5,
  generation_connected_mw: 10,
  generation_queue_mw: 6,
  reinforcement_year: null,
  available_generation_mw: null,
  available_demand_mw: null,
  ...over,
});
