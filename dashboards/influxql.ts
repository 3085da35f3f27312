// InfluxQL for panels, template variables and alert rules, built from the
// names in common/names.ts: a measurement is a `Measurement`, a field is a key
// of that measurement's field table and a tag is a `TagKey`, so renaming a
// field there breaks `tsc` here instead of a customer's dashboard.
//
// The foundation SDK has no InfluxDB query type, so this file defines one the
// way its README describes for data sources it does not cover.
import type { Builder, Dataquery } from "@grafana/grafana-foundation-sdk/cog";
import { FieldsOf, type Measurement, type TagKey } from "../common/names.ts";

/** Field table of each measurement (common/names.ts). */
export const FieldTables = FieldsOf;

export type FieldOf<M extends Measurement> = keyof (typeof FieldTables)[M] & string;

/** Grafana's reference to a data source; the dashboards point at their `datasource` variable. */
export interface DataSourceRef {
  type: "influxdb";
  uid: string;
}
export const INFLUX_DATASOURCE_TYPE = "influxdb";
/** The uid and name the provisioned data source gets (alert rules need a concrete one). */
export const DATASOURCE_UID = "vetra-influxdb";
export const DATASOURCE_NAME = "Vetra InfluxDB";

// ---------------------------------------------------------------- expressions

export type Aggregate = "last" | "max" | "mean" | "min" | "sum" | "count" | "spread";
/** Transformations applied over an aggregate (or over raw points when no GROUP BY time). */
export type Transform = "non_negative_difference" | "non_negative_derivative";

/** An expression over fields named `F` (a measurement's field keys, checked where it meets `Select<M>`). */
export type Expr<F extends string> =
  | { kind: "field"; field: F }
  | { kind: "aggregate"; fn: Aggregate; of: Expr<F> }
  | { kind: "transform"; fn: Transform; of: Expr<F>; unit?: string }
  | { kind: "product"; left: Expr<F>; right: Expr<F> };

export const field = <F extends string>(f: F): Expr<F> => ({ kind: "field", field: f });
export const agg = <F extends string>(fn: Aggregate, f: F): Expr<F> => ({
  kind: "aggregate",
  fn,
  of: field(f),
});
export const transform = <F extends string>(fn: Transform, of: Expr<F>, unit?: string): Expr<F> => ({
  kind: "transform",
  fn,
  of,
  ...(unit === undefined ? {} : { unit }),
});
export const product = <F extends string>(left: Expr<F>, right: Expr<F>): Expr<F> => ({
  kind: "product",
  left,
  right,
});

/** InfluxQL identifier: double-quoted, with `\` and `"` escaped. */
const ident = (name: string): string => `"${name.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

function renderExpr(e: Expr<string>): string {
  switch (e.kind) {
    case "field":
      return ident(e.field);
    case "aggregate":
      return `${e.fn}(${renderExpr(e.of)})`;
    case "transform":
      return `${e.fn}(${renderExpr(e.of)}${e.unit ? `, ${e.unit}` : ""})`;
    case "product":
      return `${renderExpr(e.left)} * ${renderExpr(e.right)}`;
  }
}

/** Fields an expression reads (for the unit test). */
export function fieldsOf<F extends string>(e: Expr<F>): F[] {
  switch (e.kind) {
    case "field":
      return [e.field];
    case "aggregate":
    case "transform":
      return fieldsOf(e.of);
    case "product":
      return [...fieldsOf(e.left), ...fieldsOf(e.right)];
  }
}

// ---------------------------------------------------------------- statements

/** A WHERE condition: a tag matched against a template variable, or a field equal to a number. */
export type Condition<M extends Measurement> =
  | { tag: TagKey; variable: string }
  | { field: FieldOf<M>; equals: number };

export interface Select<M extends Measurement> {
  measurement: M;
  /** Columns; `as` names the column (a table's header, `$col` in an alias). */
  columns: { expr: Expr<FieldOf<M>>; as?: FieldOf<M> }[];
  where?: Condition<M>[];
  /** Grafana's `$timeFilter` is always added; alert rules get it from their relative time range. */
  groupByTime?: string;
  groupByTags?: TagKey[];
  fill?: "none" | "null" | "0";
  /**
   * Subqueries to read instead of the measurement (InfluxQL `FROM (…), (…)`,
   * InfluxDB ≥ 1.2); their columns are named as `M`'s fields.
   */
  sources?: string[];
  /** The time condition; Grafana's `$timeFilter` unless a query must reach before the range. */
  timeFilter?: string;
  /** IANA zone of `time()` buckets (InfluxQL `tz()`): days from local midnight. */
  tz?: string;
}

/** An IANA zone name as InfluxQL's tz() takes it; anything else is refused (it is spliced into the query). */
export function checkTimeZone(zone: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone))
    throw new Error(`not a time zone name: '${zone}'`);
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
  } catch {
    throw new Error(`unknown time zone: '${zone}'`);
  }
  return zone;
}

/**
 * Grafana's time range reaching `before` further back (its global variables
 * `${__from}`/`${__to}`, epoch ms): for a difference whose first value needs
 * the reading before the range.
 */
export const timeFilterBefore = (before: string): string =>
  `time >= \${__from}ms - ${before} AND time <= \${__to}ms`;

/**
 * A tag matched against a template variable: Grafana writes a multi-value
 * variable as `(a|b)` with regex characters escaped and a single value as is,
 * so `=~ /^$var$/` fits both.
 */
const tagMatches = (tag: TagKey, variable: string): string => `${ident(tag)} =~ /^$${variable}$/`;

export function select<M extends Measurement>(s: Select<M>): string {
  const columns = s.columns
    .map((c) => (c.as === undefined ? renderExpr(c.expr) : `${renderExpr(c.expr)} AS ${ident(c.as)}`))
    .join(", ");
  const where = [
    ...(s.where ?? []).map((c) =>
      "tag" in c ? tagMatches(c.tag, c.variable) : `${ident(c.field)} = ${c.equals}`,
    ),
    s.timeFilter ?? "$timeFilter",
  ].join(" AND ");
  const groupBy = [
    ...(s.groupByTime === undefined ? [] : [`time(${s.groupByTime})`]),
    ...(s.groupByTags ?? []).map(ident),
  ];
  const from = s.sources ? s.sources.map((q) => `(${q})`).join(", ") : ident(s.measurement);
  return (
    `SELECT ${columns} FROM ${from} WHERE ${where}` +
    (groupBy.length > 0 ? ` GROUP BY ${groupBy.join(", ")}` : "") +
    (s.fill === undefined ? "" : ` fill(${s.fill})`) +
    (s.tz === undefined ? "" : ` tz('${checkTimeZone(s.tz)}')`)
  );
}

/** One expression per time bucket (empty buckets left out), one series per value of `tags`. */
export const perInterval = <M extends Measurement>(
  measurement: M,
  expr: Expr<FieldOf<M>>,
  where: Condition<M>[],
  tags: TagKey[] = [],
  every = "$__interval",
): string =>
  select({ measurement, columns: [{ expr }], where, groupByTime: every, groupByTags: tags, fill: "none" });

/** Values of a tag for a template variable, narrowed by the variables before it. */
export function showTagValues(
  measurement: Measurement,
  key: TagKey,
  where: { tag: TagKey; variable: string }[] = [],
) {
  const conditions = where.map((c) => tagMatches(c.tag, c.variable));
  return (
    `SHOW TAG VALUES FROM ${ident(measurement)} WITH KEY = ${ident(key)}` +
    (conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "")
  );
}

// ---------------------------------------------------------------- the query type

/** The InfluxDB data source's query model with a raw InfluxQL text. */
export interface InfluxQLQuery {
  refId?: string;
  hide?: boolean;
  datasource?: DataSourceRef;
  query: string;
  rawQuery: true;
  resultFormat: "time_series" | "table";
  /** Series name: `$tag_<key>`, `$col`, `$m` are replaced by Grafana. */
  alias?: string;
  _implementsDataqueryVariant(): void;
}

export class InfluxQLQueryBuilder implements Builder<Dataquery> {
  private readonly internal: InfluxQLQuery;

  constructor(query: string) {
    this.internal = { query, rawQuery: true, resultFormat: "time_series", _implementsDataqueryVariant() {} };
  }

  build(): InfluxQLQuery {
    return this.internal;
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  datasource(ref: DataSourceRef): this {
    this.internal.datasource = ref;
    return this;
  }

  alias(alias: string): this {
    this.internal.alias = alias;
    return this;
  }

  table(): this {
    this.internal.resultFormat = "table";
    return this;
  }
}
