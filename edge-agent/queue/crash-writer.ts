// Child process for the kill -9 test (queue.crash.test.ts): enqueues
// batches of BATCH points into a disk queue in a tight loop and prints
// "committed <n>" after each enqueue returned, until it is killed.
// Arguments: the queue folder, the batch size, the queue's syncIntervalMs (0: every commit synced).
import type { Point } from "../../common/wire.ts";
import { openSqliteQueue } from "./sqlite.ts";

const dir = process.argv[2];
const CRASH_BATCH = Number(process.argv[3] ?? 50);
const SYNC_INTERVAL_MS = Number(process.argv[4] ?? 0);
if (!dir) throw new Error("usage: crash-writer.ts DIR [BATCH] [SYNC_INTERVAL_MS]");
const queue = openSqliteQueue({ dir, maxBytes: 1 << 30, maxAgeHours: 720, syncIntervalMs: SYNC_INTERVAL_MS });
let n = queue.stats().depth;
const t0 = Date.UTC(2025, 0, 1);
for (;;) {
  const points: Point[] = Array.from({ length: CRASH_BATCH }, (_, i) => ({
    measurement: "scada",
    tags: { site: "wf1", asset: "T01" },
    fields: { power_kw: n + i },
    ts: t0 + (n + i) * 1000,
  }));
  queue.enqueue(points);
  n += CRASH_BATCH;
  process.stdout.write(`committed ${n}\n`);
  // Let the parent read and the kill land between and during writes alike.
  if (n % 500 === 0) await new Promise((r) => setImmediate(r));
}
