// History written straight into the store (demo backfill, tests,
// benchmarks): hourly rows as `meter.interval_energy_kwh` and `weather.temp_c`.

import type { IoResult } from "../../common/result.ts";
import { success } from "../../common/result.ts";
import type { Point } from "../../common/wire.ts";
import type { TimeSeriesStore } from "../stores/types.ts";

/** Points of hourly history rows: interval energy for the asset, temperature for the site. */
export function historyPoints(
  asset: string,
  site: string,
  rows: readonly { timestamp: string; kwh: number; temp_c: number }[],
): Point[] {
  const out: Point[] = [];
  for (const r of rows) {
    const ts = Date.parse(r.timestamp);
    out.push({ measurement: "meter", tags: { site, asset }, fields: { interval_energy_kwh: r.kwh }, ts });
    out.push({ measurement: "weather", tags: { site, asset }, fields: { temp_c: r.temp_c }, ts });
  }
  return out;
}

/** Writes in slices so one failing slice reports where it stopped. */
export async function writeAll(
  store: TimeSeriesStore,
  points: readonly Point[],
  slice = 20_000,
): Promise<IoResult<{ written: number }>> {
  let written = 0;
  for (let i = 0; i < points.length; i += slice) {
    const r = await store.write(points.slice(i, i + slice));
    if (r.kind !== "success") return r;
    written += r.value.written;
  }
  return success({ written });
}
