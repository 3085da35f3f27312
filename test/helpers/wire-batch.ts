// Points and batches as the wind farm wf1's agent sends them (common/wire.ts),
// for the tests of the ingest body in both its forms.
import type { IngestBatch, WirePoint } from "../../common/wire.ts";

/** A SCADA point of `asset` at wf1. */
export const scada = (asset: string, ts: number, fields: Record<string, number>): WirePoint => ({
  measurement: "scada",
  tags: { site: "wf1", asset },
  fields,
  ts,
});

/** The wf1 agent's batch `batchId` of `points`, sent now. */
export const batchOf = (batchId: string, points: WirePoint[]): IngestBatch => ({
  batchId,
  agent: "wf1-agent",
  site: "wf1",
  sentAt: Date.now(),
  points,
});
