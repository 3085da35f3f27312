// Remembered batch ids: an acknowledgement says `duplicate: true` for a
// batch id a site sent before (a re-send after a lost acknowledgement).
// The database's primary key (site, batch id) decides, so replicas agree
// whichever of them received the first copy. The stores key points by
// series and timestamp, so a re-sent batch never duplicates data whatever
// this flag says; the ids are written without a flush to disk per commit
// (MetaDb.relaxed) and pruned after a week.
import type { MetaDb } from "../db/types.ts";

/** How long batch ids are remembered for duplicate detection; agents re-send far sooner. */
export const BATCH_MEMORY_MS = 7 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;

export interface StoredBatch {
  site: string;
  batchId: string;
  agent: string;
  points: number;
}

export interface BatchLedger {
  /** Records a stored batch; false when the id was seen before for this site. */
  remember(batch: StoredBatch, nowMs?: number): Promise<boolean>;
}

export class BatchStore implements BatchLedger {
  private lastPrune = 0;

  constructor(private readonly db: MetaDb) {}

  async remember(batch: StoredBatch, nowMs = Date.now()): Promise<boolean> {
    const relaxed = this.db.relaxed;
    if (nowMs - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = nowMs;
      await relaxed.run("DELETE FROM batch WHERE received_at < ?", [nowMs - BATCH_MEMORY_MS]);
    }
    const changed = await relaxed.run(
      "INSERT INTO batch (site, batch_id, agent, points, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      [batch.site, batch.batchId, batch.agent, batch.points, nowMs],
    );
    return changed > 0;
  }
}
