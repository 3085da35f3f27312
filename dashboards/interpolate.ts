// Grafana's substitution in an InfluxQL text, as its InfluxDB data source
// does it before sending the query: `$timeFilter`, `$__interval`, the
// dashboard's global `${__from}`/`${__to}` (epoch ms) and template variables
// (several values as `(a|b)`, regex-escaped; one as itself, escaped). The
// contract tests run the built queries through it against a real InfluxDB.

export interface Selection {
  /** Variable name → its values in this selection. */
  values: Map<string, string[]>;
  fromMs: number;
  toMs: number;
  interval: string;
  /** The dashboard's range where a panel's is shifted (`${__from}` ignores a panel's time shift). */
  dashboardRange?: { fromMs: number; toMs: number };
}

const escapeRegex = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");

export const formatValues = (values: string[]): string =>
  values.length === 1 ? escapeRegex(values[0]!) : `(${values.map(escapeRegex).join("|")})`;

export function interpolate(text: string, s: Selection): string {
  const range = s.dashboardRange ?? { fromMs: s.fromMs, toMs: s.toMs };
  let out = text
    .replaceAll("$timeFilter", `time >= ${s.fromMs}ms and time <= ${s.toMs}ms`)
    .replaceAll("$__interval", s.interval)
    .replaceAll(`\${__from}`, String(range.fromMs))
    .replaceAll(`\${__to}`, String(range.toMs));
  for (const [name, values] of s.values) {
    const v = formatValues(values);
    out = out
      .replaceAll(`\${${name}}`, v)
      .replaceAll(`[[${name}]]`, v)
      .replace(new RegExp(`\\$${name}\\b`, "g"), v);
  }
  const left = /\$\{?\w+/.exec(out);
  if (left) throw new Error(`unsubstituted ${left[0]} in: ${out}`);
  return out;
}
