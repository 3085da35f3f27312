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
import { SeriesTrie } from "../lib/series-trie.ts";
import type { SeriesColumns } from "./types.ts";

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

/** The series parts of a batch's lines (measurement and tags, escaped). */
export class SeriesCache extends SeriesTrie<string> {
  /** Series cached. */
  size = 0;
}

/** The escaped measurement and tags: tag keys sorted, empty tag values left out. */
export function seriesPrefix(measurement: string, tags: Readonly<Record<string, string>>): string {
  let series = escapeMeasurement(measurement);
  const tagKeys = Object.keys(tags);
  if (tagKeys.length > 1) tagKeys.sort();
  for (const k of tagKeys) {
    const v = tags[k];
    if (v) series += `,${escapeTag(k)}=${escapeTag(v)}`;
  }
  return series;
}

const seriesLine = (p: Point): string => seriesPrefix(p.measurement, p.tags);

/** Zeros before the last six digits of a timestamp, by the number of digits they have. */
const PAD = ["", "00000", "0000", "000", "00", "0", ""];
const digits = (n: number): number =>
  n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10_000 ? 4 : n < 100_000 ? 5 : 6;

/**
 * The lines of columnar series, one per point, joined by line feeds: the
 * same lines `toLine` makes of the same points (fields sorted, an absent
 * field — null — left out). The series part and each field's `key=` are
 * escaped once per series; per point only numbers are printed.
 */
export function linesOfColumns(series: readonly SeriesColumns[]): string {
  let body = "";
  for (const s of series) {
    const prefix = `\n${seriesPrefix(s.measurement, s.tags)}`;
    const order = s.fields.map((_, f) => f);
    order.sort((a, b) => (s.fields[a]! < s.fields[b]! ? -1 : s.fields[a]! > s.fields[b]! ? 1 : 0));
    const first = order.map((f) => ` ${escapeTag(s.fields[f]!)}=`);
    const next = order.map((f) => `,${escapeTag(s.fields[f]!)}=`);
    const columns = order.map((f) => s.values[f]!);
    const ts = s.ts;
    const k = columns.length;
    let millionsMs = Number.NaN;
    let millionsText = "";
    for (let j = 0; j < ts.length; j++) {
      let line = prefix;
      let c = 0;
      // The first present field follows a space, the others a comma.
      for (; c < k; c++) {
        const v = columns[c]![j];
        if (v === null) continue;
        line += first[c]! + v;
        break;
      }
      for (c++; c < k; c++) {
        const v = columns[c]![j];
        if (v !== null) line += next[c]! + v;
      }
      // A timestamp as its millions (the same for 1000 s of points, printed once) and the rest, padded:
      // printing a 13-digit number costs more than the rest of the line.
      const t = ts[j]!;
      const millions = Math.floor(t / 1e6);
      if (millions !== millionsMs) {
        millionsMs = millions;
        millionsText = millions > 0 ? ` ${millions}` : "";
      }
      const rest = t - millions * 1e6;
      body += millions > 0 ? line + millionsText + PAD[digits(rest)]! + rest : `${line} ${t}`;
    }
  }
  // Every line began with a line feed: the first one's is dropped.
  return body.slice(1);
}

/** One point as a line; fields are floats. `seriesCache` keeps the series parts of a batch. */
export function toLine(p: Point, seriesCache?: SeriesCache): string {
  let series: string;
  if (seriesCache) {
    const slot = seriesCache.slot(p.measurement, p.tags);
    if (slot.value === undefined) {
      slot.value = seriesLine(p);
      seriesCache.size++;
    }
    series = slot.value;
  } else series = seriesLine(p);
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
