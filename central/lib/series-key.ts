// A point's series key (measurement + tag set, keys sorted): what the
// metadata's series registry counts per site and what ingest's per-series
// checks group by, for both request bodies.

import { TagKeys } from "../../common/names.ts";
import type { WirePoint } from "../../common/wire.ts";

const SORTED_TAG_KEYS = [...TagKeys].sort();

/**
 * A point's series: measurement and tags, keys sorted. Newline separates the
 * parts: tag values cannot hold one (common/wire.ts), keys cannot hold `=`.
 */
export function seriesKeyOf(p: WirePoint): string {
  const tags = p.tags;
  // Points that passed the name check carry only known tag keys: their fixed order is canonical
  // and costs no sort (this runs per point of every batch).
  let key: string = p.measurement;
  let found = 0;
  for (const k of SORTED_TAG_KEYS) {
    const v = tags[k];
    if (v !== undefined) {
      key += `\n${k}=${v}`;
      found++;
    }
  }
  let all = 0;
  for (const _ in tags) all++;
  if (found === all) return key;
  key = p.measurement;
  for (const k of Object.keys(tags).sort()) key += `\n${k}=${tags[k]}`;
  return key;
}
