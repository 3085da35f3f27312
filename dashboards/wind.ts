// Wind farm overview (zones and diagnoses per turbine) and turbine detail
// (vibration features per point, SCADA, diagnoses).
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import type { VibrationField } from "../common/names.ts";
import { agg, type Condition, perInterval, select } from "./influxql.ts";
import {
  byVariables,
  type Ctx,
  dashboard,
  finish,
  legendNames,
  row,
  severityMappings,
  siteVariable,
  stat,
  statusHistory,
  table,
  tagMappings,
  tagVariable,
  timeseries,
  type VariableSpec,
  zoneMappings,
} from "./panels.ts";
import {
  Descriptions,
  type ScadaField,
  ScadaFieldNames,
  type Text,
  Titles,
  type Unit,
  Units,
  VibrationFieldPanels,
} from "./text.ts";

const site = siteVariable("vibration");

/** The site's turbines: all of them (overview) or one (detail). */
const turbines = (multi: boolean) =>
  tagVariable("asset", Titles.turbineAsset, "vibration", { bySite: true, multi });

const ASSET_POINT = "$tag_asset $tag_point";

/** How every panel of ISO zones shows them: zone numbers as A..D in their colours, points in words. */
const zoneDisplay = (ctx: Ctx) =>
  ({
    description: Descriptions.zones,
    unit: "code",
    mappings: zoneMappings(),
    transformations: legendNames(ctx),
  }) as const;

/** Current ISO zone per asset and point, coloured A..D. */
const zoneNow = (ctx: Ctx, where: Condition<"vibration">[], width: number) =>
  stat(ctx, {
    ...zoneDisplay(ctx),
    title: Titles.zoneNow,
    width,
    height: 6,
    queries: [
      {
        text: select({
          measurement: "vibration",
          columns: [{ expr: agg("last", "iso_zone") }],
          where,
          groupByTags: ["asset", "point"],
        }),
        alias: ASSET_POINT,
      },
    ],
  });

/** The worst ISO zone per asset and point in each interval, over time. */
const zoneHistory = (ctx: Ctx, where: Condition<"vibration">[]) =>
  statusHistory(ctx, {
    ...zoneDisplay(ctx),
    title: Titles.zoneHistory,
    width: 24,
    height: 10,
    queries: [
      {
        text: perInterval("vibration", agg("max", "iso_zone"), where, ["asset", "point"]),
        alias: ASSET_POINT,
      },
    ],
  });

/** Active diagnoses: the latest state of each (asset, point, fault); cleared ones filtered out. */
const diagnosesTable = (ctx: Ctx, where: Condition<"diagnosis">[], width: number) =>
  table(ctx, {
    title: Titles.diagnosesActive,
    description: Descriptions.diagnoses,
    unit: "code",
    width,
    height: 8,
    mappings: tagMappings(ctx),
    queries: [
      {
        text: select({
          measurement: "diagnosis",
          columns: [
            { expr: agg("last", "severity"), as: "severity" },
            { expr: agg("last", "confidence"), as: "confidence" },
            { expr: agg("last", "frequency_hz"), as: "frequency_hz" },
            { expr: agg("last", "active"), as: "active" },
          ],
          where,
          groupByTags: ["asset", "point", "fault"],
        }),
        table: true,
      },
    ],
    transformations: [
      {
        id: "filterByValue",
        options: {
          type: "include",
          match: "all",
          filters: [{ fieldName: "active", config: { id: "equal", options: { value: 1 } } }],
        },
      },
    ],
    overrides: [
      { field: "active", properties: [{ id: "custom.hidden", value: true }] },
      { field: "Time", properties: [{ id: "custom.hidden", value: true }] },
      {
        field: "severity",
        properties: [
          { id: "displayName", value: Titles.colSeverity[ctx.lang] },
          { id: "mappings", value: severityMappings(ctx) },
          { id: "custom.cellOptions", value: { type: "color-background" } },
        ],
      },
      {
        field: "confidence",
        properties: [
          { id: "displayName", value: Titles.colConfidence[ctx.lang] },
          { id: "unit", value: Units.fraction[ctx.lang] },
        ],
      },
      {
        field: "frequency_hz",
        properties: [
          { id: "displayName", value: Titles.colFrequency[ctx.lang] },
          { id: "unit", value: Units.hertz[ctx.lang] },
          { id: "decimals", value: 1 },
        ],
      },
      { field: "fault", properties: [{ id: "displayName", value: Titles.colFault[ctx.lang] }] },
      { field: "point", properties: [{ id: "displayName", value: Titles.point[ctx.lang] }] },
      { field: "asset", properties: [{ id: "displayName", value: Titles.turbineAsset[ctx.lang] }] },
    ],
  });

/** The severity of each active diagnosis in each interval (warning, alarm), over time. */
const diagnosesHistory = (ctx: Ctx, where: Condition<"diagnosis">[]) =>
  statusHistory(ctx, {
    title: Titles.diagnosesHistory,
    description: Descriptions.diagnoses,
    unit: "code",
    width: 12,
    mappings: severityMappings(ctx),
    transformations: legendNames(ctx),
    queries: [
      {
        text: perInterval(
          "diagnosis",
          agg("max", "severity"),
          [...where, { field: "active", equals: 1 }],
          ["asset", "point", "fault"],
        ),
        alias: "$tag_asset $tag_point $tag_fault",
      },
    ],
  });

const scadaPanel = (ctx: Ctx, title: Text, unit: Unit, fields: ScadaField[], where: Condition<"scada">[]) =>
  timeseries(ctx, {
    title,
    unit,
    width: 12,
    queries: fields.map((f) => ({
      text: perInterval("scada", agg("mean", f), where, ["asset"]),
      alias: fields.length === 1 ? "$tag_asset" : `$tag_asset ${ScadaFieldNames[f][ctx.lang]}`,
    })),
  });

export function windFarmOverview(ctx: Ctx): Dashboard {
  const asset = turbines(true);
  const where = byVariables([site, asset]);
  return finish(
    dashboard(ctx, {
      uid: "vetra-wind-farm",
      title: Titles.windFarm,
      from: "now-6h",
      variables: [site, asset],
    })
      .withRow(row(ctx, Titles.rowZones))
      .withPanel(zoneNow(ctx, where, 24))
      .withPanel(zoneHistory(ctx, where))
      .withRow(row(ctx, Titles.rowDiagnoses))
      .withPanel(diagnosesTable(ctx, where, 12))
      .withPanel(diagnosesHistory(ctx, where))
      .withRow(row(ctx, Titles.rowOperation))
      .withPanel(
        timeseries(ctx, {
          title: Titles.velocityPerPoint,
          unit: "mm_s",
          width: 24,
          transformations: legendNames(ctx),
          queries: [
            {
              text: perInterval("vibration", agg("max", "v_rms_mm_s"), where, ["asset", "point"]),
              alias: ASSET_POINT,
            },
          ],
        }),
      )
      .withPanel(scadaPanel(ctx, Titles.power, "kw", ["power_kw"], where))
      .withPanel(scadaPanel(ctx, Titles.windSpeed, "m_s", ["wind_speed_m_s"], where)),
  );
}

export function turbineDetail(ctx: Ctx): Dashboard {
  const asset = turbines(false);
  const point: VariableSpec = {
    name: "point",
    label: Titles.point,
    measurement: "vibration",
    key: "point",
    narrowedBy: [
      { tag: "site", variable: "site" },
      { tag: "asset", variable: "asset" },
    ],
    multi: true,
  };
  const whereAsset = byVariables([site, asset]);
  const wherePoint = byVariables([site, asset, point]);
  const b = dashboard(ctx, {
    uid: "vetra-turbine",
    title: Titles.turbine,
    from: "now-6h",
    variables: [site, asset, point],
  })
    .withRow(row(ctx, Titles.rowDiagnoses))
    .withPanel(zoneNow(ctx, wherePoint, 8))
    .withPanel(diagnosesTable(ctx, wherePoint, 16))
    .withPanel(
      timeseries(ctx, {
        title: Titles.diagnosisConfidence,
        description: Descriptions.diagnoses,
        unit: "fraction",
        width: 24,
        min: 0,
        transformations: legendNames(ctx),
        queries: [
          {
            text: perInterval(
              "diagnosis",
              agg("max", "confidence"),
              [...wherePoint, { field: "active", equals: 1 }],
              ["point", "fault"],
            ),
            alias: "$tag_point $tag_fault",
          },
        ],
      }),
    )
    .withRow(row(ctx, Titles.rowVibration));
  for (const [name, panel] of Object.entries(VibrationFieldPanels)) {
    if (panel === null) continue;
    b.withPanel(
      timeseries(ctx, {
        title: panel.title,
        unit: panel.unit,
        width: 12,
        transformations: legendNames(ctx),
        queries: [
          {
            text: perInterval("vibration", agg("max", name as VibrationField), wherePoint, ["point"]),
            alias: "$tag_point",
          },
        ],
      }),
    );
  }
  return finish(
    b
      .withRow(row(ctx, Titles.rowScada))
      .withPanel(scadaPanel(ctx, Titles.power, "kw", ["power_kw"], whereAsset))
      .withPanel(scadaPanel(ctx, Titles.windSpeed, "m_s", ["wind_speed_m_s"], whereAsset))
      .withPanel(
        scadaPanel(ctx, Titles.speeds, "rpm", ["rotor_speed_rpm", "generator_speed_rpm"], whereAsset),
      )
      .withPanel(
        scadaPanel(
          ctx,
          Titles.temperatures,
          "celsius",
          ["nacelle_temp_c", "main_bearing_temp_c", "gearbox_bearing_temp_c", "generator_bearing_temp_c"],
          whereAsset,
        ),
      ),
  );
}
