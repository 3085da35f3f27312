// Facility energy and the portfolio. What InfluxDB holds is metered
// consumption (hourly history, the live register and power) and outdoor
// temperature; the baseline and the savings are a model fitted by central
// (ASHRAE Guideline 14 / IPMVP Option C) and are not stored there, so these
// dashboards show consumption and link to Vetra's /reports for baseline vs
// actual instead of imitating it.
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import type { MeterFields, TagKey } from "../common/names.ts";
import { agg, type Condition, perInterval, select, timeFilterBefore, transform } from "./influxql.ts";
import {
  barGauge,
  byVariables,
  type Ctx,
  dashboard,
  finish,
  reportsUrl,
  row,
  siteVariable,
  stat,
  tagVariable,
  timeseries,
} from "./panels.ts";
import { Descriptions, type Text, Titles } from "./text.ts";

type MeterField = keyof typeof MeterFields;

/**
 * Metered energy per hour and facility, kWh, as central's savings report
 * reads it (central/savings/report.ts): imported and backfilled history
 * writes `interval_energy_kwh`, a live meter its cumulative register
 * `energy_kwh`, whose increase from the previous hour's last reading
 * (NON_NEGATIVE_DIFFERENCE; a register reset counts nothing) is the hour's
 * energy. An hour that has both (history imported over the first live
 * days) counts once: the larger of the two, which for a consistent import
 * is the same figure. The register is read from an hour before the range so
 * the range's first hour has its difference too; InfluxDB narrows a
 * subquery to its outer query's time range, so every level but the
 * interval one reads the widened range (the hour before it holds no row:
 * its difference would need the hour before that). A time-shifted panel
 * (`shifted`) keeps Grafana's `$timeFilter`, since `${__from}` is still the
 * dashboard's range there (grafana/grafana#38954): its first hour counts no
 * register energy.
 */
const rangeOf = (shifted: boolean): string => (shifted ? "$timeFilter" : timeFilterBefore("1h"));

const hourlyEnergy = (where: Condition<"meter">[], shifted: boolean) =>
  select({
    measurement: "meter",
    sources: [
      select({
        measurement: "meter",
        columns: [{ expr: agg("sum", "interval_energy_kwh"), as: "interval_energy_kwh" }],
        where,
        groupByTime: "1h",
        groupByTags: ["asset"],
        fill: "none",
      }),
      select({
        measurement: "meter",
        columns: [
          {
            expr: transform("non_negative_difference", agg("last", "energy_kwh")),
            as: "interval_energy_kwh",
          },
        ],
        where,
        timeFilter: rangeOf(shifted),
        groupByTime: "1h",
        groupByTags: ["asset"],
        fill: "none",
      }),
    ],
    columns: [{ expr: agg("max", "interval_energy_kwh"), as: "interval_energy_kwh" }],
    timeFilter: rangeOf(shifted),
    groupByTime: "1h",
    groupByTags: ["asset"],
    fill: "none",
  });

/** Energy per day from local midnight in the region's zone, per facility or summed. */
const energyPerDay = (ctx: Ctx, where: Condition<"meter">[], byAsset: boolean) =>
  select({
    measurement: "meter",
    sources: [hourlyEnergy(where, false)],
    columns: [{ expr: agg("sum", "interval_energy_kwh") }],
    timeFilter: rangeOf(false),
    groupByTime: "1d",
    groupByTags: byAsset ? ["asset"] : [],
    fill: "none",
    tz: ctx.timeZone,
  });

/** Energy over the whole time range, per facility or summed. */
const energyInPeriod = (where: Condition<"meter">[], tags: TagKey[] = [], shifted = false) =>
  select({
    measurement: "meter",
    sources: [hourlyEnergy(where, shifted)],
    columns: [{ expr: agg("sum", "interval_energy_kwh") }],
    timeFilter: rangeOf(shifted),
    groupByTags: tags,
  });

const meterMean = (f: MeterField, where: Condition<"meter">[]) => perInterval("meter", agg("mean", f), where);

const phases = (
  ctx: Ctx,
  title: Text,
  unit: "volt" | "amp",
  fields: MeterField[],
  where: Condition<"meter">[],
) =>
  timeseries(ctx, {
    title,
    unit,
    width: 8,
    queries: fields.map((f, i) => ({
      text: meterMean(f, where),
      alias: [Titles.phase1, Titles.phase2, Titles.phase3][i]!,
    })),
  });

export function facilityEnergy(ctx: Ctx): Dashboard {
  const site = siteVariable("meter");
  const asset = tagVariable("asset", Titles.facilityAsset, "meter", { bySite: true });
  const where = byVariables([site, asset]);
  const reports = [{ title: Titles.reportsLink, url: reportsUrl(ctx) }];
  return finish(
    dashboard(ctx, {
      uid: "vetra-facility",
      title: Titles.facility,
      from: "now-30d",
      variables: [site, asset],
      reportsLink: true,
    })
      .withRow(row(ctx, Titles.rowEnergy))
      .withPanel(
        timeseries(ctx, {
          title: Titles.dailyEnergy,
          description: Descriptions.dailyEnergy,
          unit: "kwh",
          width: 16,
          bars: true,
          min: 0,
          links: reports,
          queries: [{ text: energyPerDay(ctx, where, false), alias: Titles.meteredEnergy }],
        }),
      )
      .withPanel(
        stat(ctx, {
          title: Titles.energyInPeriod,
          description: Descriptions.dailyEnergy,
          unit: "kwh",
          width: 8,
          links: reports,
          queries: [
            {
              text: energyInPeriod(where),
              alias: Titles.energyInPeriod,
            },
          ],
        }),
      )
      .withPanel(
        timeseries(ctx, {
          title: Titles.facilityPower,
          unit: "kw",
          width: 16,
          queries: [{ text: meterMean("power_kw", where), alias: Titles.power }],
        }),
      )
      .withPanel(
        stat(ctx, {
          title: Titles.powerNow,
          unit: "kw",
          width: 8,
          queries: [
            {
              text: select({ measurement: "meter", columns: [{ expr: agg("last", "power_kw") }], where }),
              alias: Titles.power,
            },
          ],
        }),
      )
      .withPanel(
        timeseries(ctx, {
          title: Titles.outdoorTemp,
          unit: "celsius",
          width: 24,
          queries: [
            {
              text: perInterval("weather", agg("mean", "temp_c"), where),
              alias: Titles.outdoorTemp,
            },
          ],
        }),
      )
      .withRow(row(ctx, Titles.rowSupply))
      .withPanel(phases(ctx, Titles.voltage, "volt", ["voltage_l1_v", "voltage_l2_v", "voltage_l3_v"], where))
      .withPanel(phases(ctx, Titles.current, "amp", ["current_l1_a", "current_l2_a", "current_l3_a"], where))
      .withPanel(
        timeseries(ctx, {
          title: Titles.powerFactor,
          unit: "ratio",
          width: 8,
          queries: [{ text: meterMean("power_factor", where), alias: Titles.powerFactor }],
        }),
      ),
  );
}

export function portfolio(ctx: Ctx): Dashboard {
  const asset = tagVariable("asset", Titles.facilityAsset, "meter", { multi: true });
  const where = byVariables([asset]);
  const reports = [{ title: Titles.reportsLink, url: reportsUrl(ctx) }];
  const energyPerFacility = energyInPeriod(where, ["asset"]);
  return finish(
    dashboard(ctx, {
      uid: "vetra-portfolio",
      title: Titles.portfolio,
      from: "now-30d",
      refresh: "5m",
      variables: [asset],
      reportsLink: true,
    })
      .withRow(row(ctx, Titles.rowEnergy))
      .withPanel(
        stat(ctx, {
          title: Titles.portfolioEnergy,
          description: Descriptions.dailyEnergy,
          unit: "kwh",
          width: 6,
          links: reports,
          queries: [
            {
              text: energyInPeriod(where),
              alias: Titles.portfolioEnergy,
            },
          ],
        }),
      )
      .withPanel(
        barGauge(ctx, {
          title: Titles.energyPerFacility,
          unit: "kwh",
          width: 9,
          links: reports,
          queries: [{ text: energyPerFacility, alias: "$tag_asset" }],
        }),
      )
      .withPanel(
        barGauge(ctx, {
          title: Titles.energyYearBefore,
          description: Descriptions.yearBefore,
          unit: "kwh",
          width: 9,
          timeShift: "1y",
          links: reports,
          queries: [{ text: energyInPeriod(where, ["asset"], true), alias: "$tag_asset" }],
        }),
      )
      .withPanel(
        timeseries(ctx, {
          title: Titles.dailyEnergyPerFacility,
          description: Descriptions.dailyEnergy,
          unit: "kwh",
          width: 24,
          bars: true,
          stacked: true,
          min: 0,
          links: reports,
          queries: [{ text: energyPerDay(ctx, where, true), alias: "$tag_asset" }],
        }),
      )
      .withPanel(
        timeseries(ctx, {
          title: Titles.dailyOutdoorTemp,
          unit: "celsius",
          width: 24,
          queries: [
            {
              text: perInterval("weather", agg("mean", "temp_c"), where, ["asset"], "1d"),
              alias: "$tag_asset",
            },
          ],
        }),
      ),
  );
}
