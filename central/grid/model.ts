// The connection-point model (documented for importers in docs/grid-data.md).
// Units are in the names: kV, MVA, MW. Coordinates are WGS 84 degrees.

export interface ConnectionPoint {
  id: string;
  name: string;
  operator: string | null;
  lon: number;
  lat: number;
  /** Bus voltages, highest first (e.g. [110, 35, 10]); empty when unknown. */
  voltages_kv: number[];
  /** Rating of each transformer (one entry per transformer), MVA; empty when unknown. */
  transformer_mva: number[];
  /** Measured winter peak load, MW. */
  peak_load_mw: number | null;
  /** Demand under signed connection agreements, not yet on load, MW. */
  contracted_demand_mw: number;
  /** Generation already connected, MW. */
  generation_connected_mw: number;
  /** Generation with connection agreements or applications in the queue, MW. */
  generation_queue_mw: number;
  /** Year a planned reinforcement (new or larger transformers) is due. */
  reinforcement_year: number | null;
  /** The operator's own published headroom figures; they win over ours. */
  available_generation_mw: number | null;
  available_demand_mw: number | null;
}

export interface GridLine {
  id: string;
  name: string;
  operator: string | null;
  voltage_kv: number | null;
  /** [lon, lat] pairs. */
  coordinates: [number, number][];
}

export interface GridSet {
  points: ConnectionPoint[];
  lines: GridLine[];
  /** True for the demo's synthetic set: shown as "illustrative data" on the page and in the API. */
  illustrative: boolean;
  /** Where the set came from (file name or "api"). */
  source: string;
  /** ISO-8601 UTC. */
  imported_at: string;
}

export type Kind = "generation" | "demand";
export const Kinds: readonly Kind[] = ["generation", "demand"];

export const emptyGridSet = (): GridSet => ({
  points: [],
  lines: [],
  illustrative: false,
  source: "none",
  imported_at: new Date(0).toISOString(),
});
