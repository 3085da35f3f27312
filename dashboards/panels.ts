// Panel, variable and dashboard helpers shared by the dashboards: every panel
// is made here with a title in the dashboard's language, a unit from
// text.ts and InfluxQL queries against the dashboard's data-source variable.
import { PanelBuilder as BarGaugeBuilder } from "@grafana/grafana-foundation-sdk/bargauge";
import {
  BarGaugeDisplayMode,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueTextMode,
  GraphDrawStyle,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  TooltipDisplayMode,
  VisibilityMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import {
  ConstantVariableBuilder,
  type Dashboard,
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  type DataTransformerConfig,
  type DynamicConfigValue,
  MappingType,
  QueryVariableBuilder,
  RowBuilder,
  type ValueMapping,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as StatBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as StatusHistoryBuilder } from "@grafana/grafana-foundation-sdk/statushistory";
import { PanelBuilder as TableBuilder } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import {
  Diagnoses,
  IsoZones,
  isoZoneToNumber,
  type Measurement,
  type TagKey,
  TurbinePoints,
} from "../common/names.ts";
import {
  DATASOURCE_NAME,
  DATASOURCE_UID,
  type DataSourceRef,
  INFLUX_DATASOURCE_TYPE,
  InfluxQLQueryBuilder,
  showTagValues,
} from "./influxql.ts";
import {
  DiagnosisNames,
  type Lang,
  SeverityNames,
  type Text,
  Titles,
  type Unit,
  Units,
  ZoneColors,
} from "./text.ts";

/** What every dashboard builder gets: its language and where Vetra central is. */
export interface Ctx {
  lang: Lang;
  /** Base URL users open Vetra central at (links to /reports and the console). */
  publicUrl: string;
  /** The region's IANA time zone: energy per day is summed from local midnight (VETRA_TIME_ZONE). */
  timeZone: string;
}

/** Panels query the dashboard's data-source variable, so an imported dashboard can use any InfluxDB data source. */
export const PANEL_DATASOURCE: DataSourceRef = { type: INFLUX_DATASOURCE_TYPE, uid: `\${datasource}` };

export interface Query {
  text: string;
  /** Series name: a Grafana alias pattern (`$tag_asset`) or words in both languages. */
  alias?: string | Text;
  table?: boolean;
}

export interface PanelSpec {
  title: Text;
  unit: Unit;
  queries: Query[];
  description?: Text;
  /** Grid columns (of 24) and rows. */
  width?: number;
  height?: number;
  /** Lower bound of `$__interval` (the data's own period, e.g. the agents' health interval). */
  minInterval?: string;
  mappings?: ValueMapping[];
  transformations?: DataTransformerConfig[];
  links?: { title: Text; url: string }[];
  /** Grafana relative time shift of the panel's range, e.g. `1y`. */
  timeShift?: string;
  overrides?: { field: string; properties: DynamicConfigValue[] }[];
}

/** The methods all the SDK's panel builders share. */
interface CommonPanel<B> {
  title(t: string): B;
  description(d: string): B;
  unit(u: string): B;
  datasource(d: DataSourceRef): B;
  withTarget(t: InfluxQLQueryBuilder): B;
  span(w: number): B;
  height(h: number): B;
  interval(i: string): B;
  mappings(m: ValueMapping[]): B;
  withTransformation(t: DataTransformerConfig): B;
  links(l: DashboardLinkBuilder[]): B;
  timeShift(s: string): B;
  overrideByName(name: string, properties: DynamicConfigValue[]): B;
}

const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function common<B extends CommonPanel<B>>(b: B, ctx: Ctx, spec: PanelSpec): B {
  b.title(spec.title[ctx.lang])
    .unit(Units[spec.unit][ctx.lang])
    .datasource(PANEL_DATASOURCE)
    .span(spec.width ?? 12)
    .height(spec.height ?? 8);
  if (spec.description) b.description(spec.description[ctx.lang]);
  if (spec.minInterval) b.interval(spec.minInterval);
  if (spec.mappings) b.mappings(spec.mappings);
  if (spec.timeShift) b.timeShift(spec.timeShift);
  for (const t of spec.transformations ?? []) b.withTransformation(t);
  for (const o of spec.overrides ?? []) b.overrideByName(o.field, o.properties);
  if (spec.links) {
    b.links(spec.links.map((l) => new DashboardLinkBuilder(l.title[ctx.lang]).url(l.url).targetBlank(true)));
  }
  spec.queries.forEach((q, i) => {
    const target = new InfluxQLQueryBuilder(q.text).refId(REF_IDS[i]!).datasource(PANEL_DATASOURCE);
    if (q.alias !== undefined) target.alias(typeof q.alias === "string" ? q.alias : q.alias[ctx.lang]);
    if (q.table) target.table();
    b.withTarget(target);
  });
  return b;
}

export function timeseries(
  ctx: Ctx,
  spec: PanelSpec & { bars?: boolean; stacked?: boolean; min?: number },
): TimeseriesBuilder {
  const b = common(new TimeseriesBuilder(), ctx, spec)
    .legend(legend())
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi));
  if (spec.bars) b.drawStyle(GraphDrawStyle.Bars).fillOpacity(80);
  if (spec.stacked) b.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
  if (spec.min !== undefined) b.min(spec.min);
  return b.spanNulls(false);
}

const legend = () =>
  new VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(LegendDisplayMode.List)
    .placement(LegendPlacement.Bottom);

export function stat(ctx: Ctx, spec: PanelSpec): StatBuilder {
  return common(new StatBuilder(), ctx, spec)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .graphMode(BigValueGraphMode.None)
    .colorMode(spec.mappings ? BigValueColorMode.Background : BigValueColorMode.None)
    .textMode(BigValueTextMode.ValueAndName);
}

export function barGauge(ctx: Ctx, spec: PanelSpec): BarGaugeBuilder {
  return common(new BarGaugeBuilder(), ctx, spec)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(["sum"]).values(false))
    .displayMode(BarGaugeDisplayMode.Basic);
}

export function statusHistory(ctx: Ctx, spec: PanelSpec): StatusHistoryBuilder {
  return common(new StatusHistoryBuilder(), ctx, spec).showValue(VisibilityMode.Auto).legend(legend());
}

export function table(ctx: Ctx, spec: PanelSpec): TableBuilder {
  return common(new TableBuilder(), ctx, spec);
}

export const row = (ctx: Ctx, title: Text): RowBuilder => new RowBuilder(title[ctx.lang]);

// ---------------------------------------------------------------- value mappings and legends

const valueMap = (options: Record<string, { text: string; color?: string }>): ValueMapping => ({
  type: MappingType.ValueToText,
  options: Object.fromEntries(Object.entries(options).map(([k, v], index) => [k, { ...v, index }])),
});

/** ISO zone numbers as stored (1..4) shown as A..D in their colours. */
export const zoneMappings = (): ValueMapping[] => [
  valueMap(
    Object.fromEntries(IsoZones.map((z) => [String(isoZoneToNumber(z)), { text: z, color: ZoneColors[z] }])),
  ),
];

export const severityMappings = (ctx: Ctx): ValueMapping[] => [
  valueMap(
    Object.fromEntries(
      Object.values(SeverityNames).map((s) => [String(s.code), { text: s[ctx.lang], color: s.color }]),
    ),
  ),
];

/** Tag values (measuring points, diagnoses) shown by their names in the dashboard's language. */
const tagNames = (ctx: Ctx): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(TurbinePoints).map(([id, p]) => [id, p[ctx.lang]])),
  ...Object.fromEntries(Diagnoses.map((d) => [d, DiagnosisNames[d][ctx.lang]])),
});

export const tagMappings = (ctx: Ctx): ValueMapping[] => [
  valueMap(Object.fromEntries(Object.entries(tagNames(ctx)).map(([id, text]) => [id, { text }]))),
];

/** Series named `T01 main_bearing` become `T01 Главный подшипник` (one rename per point and diagnosis). */
export const legendNames = (ctx: Ctx): DataTransformerConfig[] =>
  Object.entries(tagNames(ctx)).map(([id, text]) => ({
    id: "renameByRegex",
    options: { regex: `^(.*)\\b${id}\\b(.*)$`, renamePattern: `$1${text}$2` },
  }));

// ---------------------------------------------------------------- variables and links

export interface VariableSpec {
  name: "site" | "asset" | "point" | "agent";
  label: Text;
  measurement: Measurement;
  key: TagKey;
  /** Variables this one is narrowed by (earlier in the list). */
  narrowedBy?: { tag: TagKey; variable: VariableSpec["name"] }[];
  /** Several values and "All" (the default); otherwise one value, the first. */
  multi?: boolean;
}

/** The `site` variable over the sites that have `measurement`. */
export const siteVariable = (measurement: Measurement, multi?: boolean): VariableSpec => ({
  name: "site",
  label: Titles.site,
  measurement,
  key: "site",
  ...(multi === undefined ? {} : { multi }),
});

/** An `asset` or `agent` variable over `measurement`, narrowed to the sites chosen when `bySite`. */
export const tagVariable = (
  name: "asset" | "agent",
  label: Text,
  measurement: Measurement,
  options: { bySite?: boolean; multi?: boolean } = {},
): VariableSpec => ({
  name,
  label,
  measurement,
  key: name,
  ...(options.bySite ? { narrowedBy: [{ tag: "site", variable: "site" }] } : {}),
  ...(options.multi === undefined ? {} : { multi: options.multi }),
});

export interface DashboardSpec {
  /** Stable uid without the language suffix. */
  uid: string;
  title: Text;
  from: string;
  refresh?: string;
  variables: VariableSpec[];
  /** Add a link to the savings reports page. */
  reportsLink?: boolean;
}

/** A dashboard with the data-source variable, the spec's tag variables and links to the other Vetra dashboards. */
export function dashboard(ctx: Ctx, spec: DashboardSpec): DashboardBuilder {
  const langQuery = ctx.lang === "en" ? "?lang=en" : "";
  const b = new DashboardBuilder(spec.title[ctx.lang])
    .uid(`${spec.uid}-${ctx.lang}`)
    .tags(["vetra", ctx.lang])
    .time({ from: spec.from, to: "now" })
    // Local time on screen (the browser's), UTC in the store.
    .timezone("browser")
    .refresh(spec.refresh ?? "1m")
    .readonly()
    .withVariable(
      new DatasourceVariableBuilder("datasource")
        .label(Titles.datasource[ctx.lang])
        .type(INFLUX_DATASOURCE_TYPE)
        .current({ text: DATASOURCE_NAME, value: DATASOURCE_UID }),
    )
    .withVariable(
      new ConstantVariableBuilder("vetra_url").label(Titles.centralUrl[ctx.lang]).value(ctx.publicUrl),
    );
  for (const v of spec.variables) {
    const query = showTagValues(
      v.measurement,
      v.key,
      (v.narrowedBy ?? []).map((n) => ({ tag: n.tag, variable: n.variable })),
    );
    const variable = new QueryVariableBuilder(v.name)
      .label(v.label[ctx.lang])
      .datasource(PANEL_DATASOURCE)
      .query(query)
      .definition(query)
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .sort(VariableSort.AlphabeticalAsc)
      .multi(v.multi ?? false)
      .includeAll(v.multi ?? false);
    if (v.multi) variable.current({ text: "All", value: "$__all" });
    b.withVariable(variable);
  }
  b.link(
    new DashboardLinkBuilder(Titles.vetraDashboards[ctx.lang])
      .type(DashboardLinkType.Dashboards)
      .tags(["vetra", ctx.lang])
      .asDropdown(true)
      .includeVars(true)
      .keepTime(true),
  ).link(
    new DashboardLinkBuilder(Titles.consoleLink[ctx.lang])
      .type(DashboardLinkType.Link)
      .url(`\${vetra_url}/${langQuery}`)
      .targetBlank(true),
  );
  if (spec.reportsLink) b.link(reportsLink(ctx));
  return b;
}

/** The built dashboard with its panels numbered (Grafana keys panel state and links by id). */
export function finish(b: DashboardBuilder): Dashboard {
  const d = b.build();
  for (const [i, p] of (d.panels ?? []).entries()) p.id = i + 1;
  return d;
}

export const reportsLink = (ctx: Ctx): DashboardLinkBuilder =>
  new DashboardLinkBuilder(Titles.reportsLink[ctx.lang])
    .type(DashboardLinkType.Link)
    .url(reportsUrl(ctx))
    .targetBlank(true);

export const reportsUrl = (ctx: Ctx): string => `\${vetra_url}/reports${ctx.lang === "en" ? "?lang=en" : ""}`;

/** WHERE conditions matching each of a dashboard's tag variables. */
export const byVariables = (variables: VariableSpec[]): { tag: TagKey; variable: string }[] =>
  variables.map((v) => ({ tag: v.key, variable: v.name }));
