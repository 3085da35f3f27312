// The demo's facility history: from 1 January of last year (UTC) to the
// current hour, with each facility's measure in effect from 1 January of
// this year — the same seed and measure as the live simulators — so the
// /reports page has a baseline year and a reporting period at once.
import { historyPoints, writeAll } from "../central/savings/backfill.ts";
import type { TimeSeriesStore } from "../central/stores/types.ts";
import { hourlyHistory } from "../simulators/facility/model.ts";
import type { DemoFacility } from "./demo-fleet.ts";

/** Seed of the i-th demo facility's simulator (cli/demo.ts uses the same). */
export const demoFacilitySeed = (i: number): number => 2000 + i;

export async function backfillDemoFacilities(
  store: TimeSeriesStore,
  facilities: readonly DemoFacility[],
  nowMs: number,
  log: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  const year = new Date(nowMs).getUTCFullYear();
  const from = new Date(Date.UTC(year - 1, 0, 1));
  const measureFrom = new Date(Date.UTC(year, 0, 1));
  const to = new Date(Math.floor(nowMs / 3_600_000) * 3_600_000);
  let written = 0;
  for (const [i, f] of facilities.entries()) {
    const rows = hourlyHistory({
      kind: f.kind,
      from,
      to,
      seed: demoFacilitySeed(i),
      measure: { from: measureFrom, savingFraction: f.savingFraction },
    });
    const r = await writeAll(store, historyPoints(f.id, f.site, rows));
    if (r.kind !== "success") throw new Error(`facility history backfill: ${r.code}: ${r.message}`);
    written += r.value.written;
  }
  log(
    `facility history: ${written} points from ${from.toISOString().slice(0, 10)} in ${Date.now() - started} ms`,
  );
}
