// Headroom of a connection point for new generation and for new demand,
// computed separately, with the N-1 transformer criterion.
//
// Assumptions (also stated on the map page):
//  1. N-1: the point must carry its load with its largest transformer out
//     of service (the single-contingency criterion of network planning;
//     in Russia, Правила технологического функционирования
//     электроэнергетических систем, ПП РФ № 937 от 13.08.2018). The firm
//     capacity is therefore (Σ ratings − largest rating) × cos φ. No
//     emergency overload of the remaining transformers is counted (ГОСТ
//     14209 would allow some): conservative. A one-transformer point has no
//     firm capacity under N-1.
//  2. Demand headroom = firm − peak load − contracted (not yet connected)
//     demand.
//  3. Generation headroom = firm − connected generation − queued
//     generation: reverse flow through the transformers with no local load
//     (minimum load taken as zero, the conservative case for export).
//  4. The operator's own published figure, when given, wins over ours and is
//     taken to include its queue.
//  5. Without transformer ratings (and no operator figure) headroom is
//     unknown: the point is reported `unavailable` with the reason
//     "capacity unknown" — never guessed.
import type { ConnectionPoint, Kind } from "./model.ts";

export type HeadroomSource = "operator" | "n-1" | "unknown";

export interface Headroom {
  /** MW, may be negative (over-subscribed); null when unknown. */
  mw: number | null;
  source: HeadroomSource;
  /** Firm (N-1) transformer capacity, MW; null without ratings. */
  firm_mw: number | null;
}

/** Firm capacity under N-1: (Σ S − max S) × cos φ, MW. */
export function firmCapacityMw(transformerMva: readonly number[], powerFactor: number): number | null {
  if (transformerMva.length === 0) return null;
  const total = transformerMva.reduce((a, b) => a + b, 0);
  const largest = transformerMva.reduce((a, b) => Math.max(a, b));
  return (total - largest) * powerFactor;
}

export function headroom(point: ConnectionPoint, kind: Kind, powerFactor: number): Headroom {
  const firm = firmCapacityMw(point.transformer_mva, powerFactor);
  const operator = kind === "generation" ? point.available_generation_mw : point.available_demand_mw;
  if (operator !== null) return { mw: operator, source: "operator", firm_mw: firm };
  if (firm === null) return { mw: null, source: "unknown", firm_mw: null };
  if (kind === "demand") {
    if (point.peak_load_mw === null) return { mw: null, source: "unknown", firm_mw: firm };
    return { mw: firm - point.peak_load_mw - point.contracted_demand_mw, source: "n-1", firm_mw: firm };
  }
  return {
    mw: firm - point.generation_connected_mw - point.generation_queue_mw,
    source: "n-1",
    firm_mw: firm,
  };
}

/** Open / limited / closed for the map's colours: limited below 5 MW or 20 % of firm. */
export type HeadroomLevel = "open" | "limited" | "closed" | "unknown";

export function headroomLevel(h: Headroom): HeadroomLevel {
  if (h.mw === null) return "unknown";
  if (h.mw <= 0) return "closed";
  const limit = h.firm_mw !== null ? Math.min(5, 0.2 * h.firm_mw) : 5;
  return h.mw < limit ? "limited" : "open";
}
