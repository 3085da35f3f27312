// InfluxDB line protocol (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/),
// built by hand rather than through @influxdata/influxdb-client's Point:
// that builds an object per point and escapes every name character by
// character, and was the largest cost of ingest after JSON parsing. The
// output is the same: tag keys and field keys sorted, empty tag values left
// out, floats as JavaScript prints them, timestamps in ms (precision=ms).
//
// Only comma, space and equals sign are escaped (with a backslash): they are
// the characters line protocol can carry escaped on every InfluxDB version.
// What it cannot carry faithfully — backslashes, line breaks and other
// control characters, unpaired surrogates — never gets here: validation
// refuses such names and values for the whole batch (common/wire.ts,
// tagValueProblem; stores/validate.ts).
import type { Point } from "../../common/wire.ts";

const TAG_SPECIAL = /[, =]/;
const TAG_SPECIAL_G = /[, =]/g;
const MEASUREMENT_SPECIAL = /[, ]/;
const MEASUREMENT_SPECIAL_G = /[, ]/g;
const escapeOne = (c: string): string => `\\${c}`;

/** Tag keys, tag values and field keys: comma, space and equals sign escaped. */
export const escapeTag = (s: string): string =>
  TAG_SPECIAL.test(s) ? s.replace(TAG_SPECIAL_G, escapeOne) : s;
/** Measurement names: comma and space escaped. */
export const escapeMeasurement = (s: string): string =>
  MEASUREMENT_SPECIAL.test(s) ? s.replace(MEASUREMENT_SPECIAL_G, escapeOne) : s;

/**
 * Field keys in line-protocol order (sorted). Points mostly list their
 * fields already sorted: checked while walking them, with no array built.
 */
function sortedFieldKeys(fields: Readonly<Record<string, number>>): readonly string[] | null {
  let previous: string | undefined;
  for (const k in fields) {
    if (previous !== undefined && !(previous < k)) return Object.keys(fields).sort();
    previous = k;
  }
  return null;
}

/**
 * One point as a line; fields are floats. The series part (measurement and
 * tags) is cached per batch by the caller's `seriesCache`, as a batch holds
 * few series and many points.
 */
export function toLine(p: Point, seriesCache?: Map<string, string>): string {
  let series: string | undefined;
  let cacheKey: string | undefined;
  if (seriesCache) {
    cacheKey = p.measurement;
    for (const k in p.tags) cacheKey += `\u0000${k}\u0000${p.tags[k]}`;
    series = seriesCache.get(cacheKey);
  }
  if (series === undefined) {
    series = escapeMeasurement(p.measurement);
    const tagKeys = Object.keys(p.tags);
    if (tagKeys.length > 1) tagKeys.sort();
    for (const k of tagKeys) {
      const v = p.tags[k];
      if (v) series += `,${escapeTag(k)}=${escapeTag(v)}`;
    }
    if (cacheKey !== undefined) seriesCache!.set(cacheKey, series);
  }
  const fields = p.fields;
  let line = series;
  let sep = " ";
  const unsorted = sortedFieldKeys(fields);
  if (unsorted === null)
    for (const k in fields) {
      line += `${sep}${escapeTag(k)}=${fields[k]}`;
      sep = ",";
    }
  else
    for (const k of unsorted) {
      line += `${sep}${escapeTag(k)}=${fields[k]}`;
      sep = ",";
    }
  return `${line} ${Math.floor(p.ts)}`;
}
