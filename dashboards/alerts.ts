// Grafana-managed alert rules over the same InfluxQL: each query groups by
// tags, so every point, diagnosis, agent or meter is its own alert instance
// carrying those tags as labels. A rule is query A (InfluxQL over the rule's
// window), B = A reduced to one number per series, C = B against the
// threshold. Titles are Russian; the English wording is the `summary_en`
// annotation, so a rule alerts once, not once per language.
import type { RuleGroup } from "@grafana/grafana-foundation-sdk/alerting";
import { QueryBuilder, RuleBuilder, RuleGroupBuilder } from "@grafana/grafana-foundation-sdk/alerting";
import { TypeReduceBuilder, TypeThresholdBuilder } from "@grafana/grafana-foundation-sdk/expr";
import { isoZoneToNumber, type Measurement, type TagKey } from "../common/names.ts";
import {
  agg,
  DATASOURCE_UID,
  type FieldOf,
  field,
  INFLUX_DATASOURCE_TYPE,
  InfluxQLQueryBuilder,
  product,
  type Select,
  select,
  transform,
} from "./influxql.ts";
import type { Text } from "./text.ts";

/** Where Grafana files the rules: its folder, the rule group's name, and the group's evaluation interval, s. */
export const ALERT_PROVISIONING = { folder: "Vetra", group: "vetra", intervalS: 60 } as const;

const EXPRESSION_DATASOURCE = { type: "__expr__", uid: "__expr__" };

type Reducer = "last" | "sum" | "max";
type Evaluator = { type: "gt" | "lt" | "within_range"; params: number[] };

interface RuleSpec<M extends Measurement> {
  uid: string;
  title: Text;
  summary: Text;
  severity: "warning" | "critical";
  /** The InfluxQL (without `$timeFilter`, which the window supplies). */
  query: Select<M>;
  /** Window the query reads, s before the evaluation. */
  windowS: number;
  reducer: Reducer;
  evaluator: Evaluator;
  /** How long the condition must hold before the alert fires. */
  for: string;
  noData: "OK" | "NoData" | "Alerting";
}

function rule<M extends Measurement>(spec: RuleSpec<M>): RuleBuilder {
  return new RuleBuilder(spec.title.ru)
    .uid(spec.uid)
    .condition("C")
    .withQuery(
      new QueryBuilder("A")
        .datasourceUid(DATASOURCE_UID)
        .relativeTimeRange({ from: spec.windowS, to: 0 })
        .model(
          new InfluxQLQueryBuilder(select(spec.query))
            .refId("A")
            .datasource({ type: INFLUX_DATASOURCE_TYPE, uid: DATASOURCE_UID }),
        ),
    )
    .withQuery(
      new QueryBuilder("B")
        .datasourceUid(EXPRESSION_DATASOURCE.uid)
        .relativeTimeRange({ from: 0, to: 0 })
        .model(
          new TypeReduceBuilder()
            .refId("B")
            .datasource(EXPRESSION_DATASOURCE)
            .expression("A")
            .reducer(spec.reducer)
            // Drop empty buckets rather than let one NaN decide.
            .settings({ mode: "dropNN" }),
        ),
    )
    .withQuery(
      new QueryBuilder("C")
        .datasourceUid(EXPRESSION_DATASOURCE.uid)
        .relativeTimeRange({ from: 0, to: 0 })
        .model(
          new TypeThresholdBuilder()
            .refId("C")
            .datasource(EXPRESSION_DATASOURCE)
            .expression("B")
            .conditions([{ evaluator: spec.evaluator }]),
        ),
    )
    .forDuration(spec.for)
    .noDataState(spec.noData)
    .execErrState("Error")
    .labels({ severity: spec.severity, source: "vetra" })
    .annotations({ summary: spec.summary.ru, summary_en: spec.summary.en });
}

const zoneC = isoZoneToNumber("C");
const zoneD = isoZoneToNumber("D");

const isoZoneQuery: Select<"vibration"> = {
  measurement: "vibration",
  columns: [{ expr: agg("last", "iso_zone") }],
  groupByTags: ["site", "asset", "point"],
};

/**
 * A series per site and `per` tag, its points counted per 5 min with empty
 * buckets as 0, so a series that went quiet still exists and reads 0. `counted`
 * is a field that every point of the series carries.
 */
interface Presence<M extends Measurement> {
  query: Select<M>;
  /** The tag that names the series in a summary. */
  per: TagKey;
}
const presence = <M extends Measurement>(measurement: M, counted: FieldOf<M>, per: TagKey): Presence<M> => ({
  query: {
    measurement,
    columns: [{ expr: agg("count", counted) }],
    groupByTime: "5m",
    groupByTags: ["site", per],
    fill: "0",
  },
  per,
});

/** How long a series stays silent before its alert fires, min. */
const SILENCE_MIN = 10;

/** "больше 10 минут" / "for more than 10 minutes": Russian takes the genitive, singular after 1, 21, 31… */
const moreThanMinutes = (min: number): Text => ({
  ru: `больше ${min} ${new Intl.PluralRules("ru").select(min) === "one" ? "минуты" : "минут"}`,
  en: `for more than ${min} ${min === 1 ? "minute" : "minutes"}`,
});

/**
 * A series gone silent: its `presence` counted no point in the last bucket
 * for `SILENCE_MIN`. No data at all alerts too (the series may never have
 * started). The summary is the series' name, what is silent and for how long,
 * so its words follow the rule's `for`.
 */
const silenceRule = <M extends Measurement>(
  series: Presence<M>,
  spec: Pick<RuleSpec<M>, "uid" | "title" | "severity"> & {
    /** What has stopped, without the duration ("the meter has not reported power"). */
    silent: Text;
  },
): RuleBuilder => {
  const { silent, ...named } = spec;
  const longer = moreThanMinutes(SILENCE_MIN);
  return rule({
    ...named,
    summary: {
      ru: `{{ $labels.${series.per} }}: ${silent.ru} ${longer.ru}`,
      en: `{{ $labels.${series.per} }}: ${silent.en} ${longer.en}`,
    },
    query: series.query,
    windowS: 60 * 60,
    reducer: "last",
    evaluator: { type: "lt", params: [1] },
    for: `${SILENCE_MIN}m`,
    noData: "Alerting",
  });
};

/** An agent counter (points dropped, source errors) that rose in the window: its increase summed per agent. */
const agentCounterRule = (
  counter: FieldOf<"agent">,
  spec: Pick<RuleSpec<"agent">, "uid" | "title" | "summary" | "severity" | "windowS" | "for">,
): RuleBuilder =>
  rule({
    ...spec,
    query: {
      measurement: "agent",
      columns: [{ expr: transform("non_negative_difference", field(counter)) }],
      groupByTags: ["site", "agent"],
    },
    reducer: "sum",
    evaluator: { type: "gt", params: [0] },
    noData: "OK",
  });

export const RULES = [
  rule({
    uid: "vetra-iso-zone-c",
    title: { ru: "Вибрация в зоне C (ISO 10816-21)", en: "Vibration in zone C (ISO 10816-21)" },
    summary: {
      ru: "{{ $labels.asset }}, {{ $labels.point }}: зона C — работа ограничена, запланируйте обслуживание",
      en: "{{ $labels.asset }}, {{ $labels.point }}: zone C — restricted operation, plan maintenance",
    },
    severity: "warning",
    query: isoZoneQuery,
    windowS: 15 * 60,
    reducer: "last",
    evaluator: { type: "within_range", params: [zoneC - 0.5, zoneC + 0.5] },
    for: "5m",
    noData: "NoData",
  }),
  rule({
    uid: "vetra-iso-zone-d",
    title: { ru: "Вибрация в зоне D (ISO 10816-21)", en: "Vibration in zone D (ISO 10816-21)" },
    summary: {
      ru: "{{ $labels.asset }}, {{ $labels.point }}: зона D — вибрация опасна для машины",
      en: "{{ $labels.asset }}, {{ $labels.point }}: zone D — vibration is damaging the machine",
    },
    severity: "critical",
    query: isoZoneQuery,
    windowS: 15 * 60,
    reducer: "last",
    evaluator: { type: "gt", params: [zoneD - 0.5] },
    for: "2m",
    noData: "NoData",
  }),
  rule({
    uid: "vetra-diagnosis-alarm",
    title: { ru: "Активный диагноз уровня «авария»", en: "Active diagnosis with severity alarm" },
    summary: {
      ru: "{{ $labels.asset }}, {{ $labels.point }}: диагноз {{ $labels.fault }} (авария)",
      en: "{{ $labels.asset }}, {{ $labels.point }}: {{ $labels.fault }} (alarm)",
    },
    severity: "critical",
    // severity × active: 2 while an alarm is active, 0 once it clears; the
    // hour covers the half-hourly re-confirmation of an active diagnosis.
    query: {
      measurement: "diagnosis",
      columns: [{ expr: product(agg("last", "severity"), agg("last", "active")) }],
      groupByTags: ["site", "asset", "point", "fault"],
    },
    windowS: 60 * 60,
    reducer: "last",
    evaluator: { type: "gt", params: [1.5] },
    for: "0s",
    // No diagnosis in the hour is the healthy case.
    noData: "OK",
  }),
  rule({
    uid: "vetra-agent-lag",
    title: { ru: "Агент не может отправить данные", en: "Agent cannot send its data" },
    summary: {
      ru: "{{ $labels.agent }}: старейшей точке в очереди больше 5 минут — центр недоступен или не принимает данные",
      en: "{{ $labels.agent }}: the oldest queued point is older than 5 minutes — central is unreachable or refusing data",
    },
    severity: "warning",
    query: { measurement: "agent", columns: [{ expr: agg("max", "lag_s") }], groupByTags: ["site", "agent"] },
    windowS: 5 * 60,
    reducer: "last",
    evaluator: { type: "gt", params: [300] },
    for: "5m",
    noData: "OK",
  }),
  agentCounterRule("dropped", {
    uid: "vetra-agent-drops",
    title: { ru: "Агент теряет точки", en: "Agent is dropping points" },
    summary: {
      ru: "{{ $labels.agent }}: дисковая очередь переполнена или точки устарели — данные теряются",
      en: "{{ $labels.agent }}: the disk queue is full or points expired — data is being lost",
    },
    severity: "critical",
    windowS: 15 * 60,
    for: "0s",
  }),
  agentCounterRule("source_errors", {
    uid: "vetra-agent-source-errors",
    title: { ru: "Ошибки опроса устройств", en: "Device polling errors" },
    summary: {
      ru: "{{ $labels.agent }}: источники данных возвращают ошибки дольше 10 минут",
      en: "{{ $labels.agent }}: data sources have been failing for more than 10 minutes",
    },
    severity: "warning",
    windowS: 5 * 60,
    for: "10m",
  }),
  silenceRule(presence("agent", "queue_depth", "agent"), {
    uid: "vetra-agent-silent",
    title: { ru: "Агент молчит", en: "Agent is silent" },
    silent: { ru: "нет сведений о состоянии агента", en: "no health report from the agent" },
    severity: "critical",
  }),
  silenceRule(presence("meter", "power_kw", "asset"), {
    uid: "vetra-meter-missing",
    title: { ru: "Нет данных счётчика объекта", en: "Facility meter data missing" },
    silent: { ru: "счётчик не передаёт мощность", en: "the meter has not reported power" },
    severity: "warning",
  }),
];

export const ruleGroup = (): RuleGroup => {
  const g = new RuleGroupBuilder(ALERT_PROVISIONING.group).interval(ALERT_PROVISIONING.intervalS);
  for (const r of RULES) g.withRule(r);
  return g.build();
};
