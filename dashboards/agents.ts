// Edge agents' health, from the `agent` points each agent sends about itself
// (queue, lag, counters since start). Counters are shown as their increase
// per interval: non_negative_difference drops the reset of an agent restart.
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import type { AgentFields } from "../common/names.ts";
import { agg, perInterval, type Transform, transform } from "./influxql.ts";
import {
  byVariables,
  type Ctx,
  dashboard,
  finish,
  row,
  siteVariable,
  tagVariable,
  timeseries,
} from "./panels.ts";
import { Descriptions, type Text, Titles, type Unit } from "./text.ts";

type AgentField = keyof typeof AgentFields;

/** Agents send their health every 10 s by default (edge-agent config `healthIntervalMs`); finer buckets are empty. */
const HEALTH_INTERVAL = "10s";

export function edgeAgents(ctx: Ctx): Dashboard {
  const site = siteVariable("agent", true);
  const agent = tagVariable("agent", Titles.agent, "agent", { bySite: true, multi: true });
  const where = byVariables([site, agent]);

  const panel = (
    title: Text,
    unit: Unit,
    series: { field: AgentField; of?: Transform; legend?: Text }[],
    description?: Text,
  ) =>
    timeseries(ctx, {
      title,
      unit,
      width: 12,
      minInterval: HEALTH_INTERVAL,
      min: 0,
      ...(description ? { description } : {}),
      queries: series.map((s) => ({
        text: perInterval(
          "agent",
          s.of === undefined
            ? agg("max", s.field)
            : transform(s.of, agg("max", s.field), s.of === "non_negative_derivative" ? "1s" : undefined),
          where,
          ["agent"],
        ),
        alias: s.legend ? `$tag_agent ${s.legend[ctx.lang]}` : "$tag_agent",
      })),
    });

  return finish(
    dashboard(ctx, {
      uid: "vetra-agents",
      title: Titles.agents,
      from: "now-1h",
      refresh: "30s",
      variables: [site, agent],
    })
      .withRow(row(ctx, Titles.rowQueue))
      .withPanel(panel(Titles.queueDepth, "count", [{ field: "queue_depth" }]))
      .withPanel(panel(Titles.lag, "seconds", [{ field: "lag_s" }], Descriptions.lag))
      .withPanel(panel(Titles.dropped, "count", [{ field: "dropped", of: "non_negative_difference" }]))
      .withPanel(panel(Titles.queueBytes, "bytes", [{ field: "queue_bytes" }]))
      .withRow(row(ctx, Titles.rowSources))
      .withPanel(
        panel(Titles.sourceErrors, "count", [{ field: "source_errors", of: "non_negative_difference" }]),
      )
      .withPanel(
        panel(Titles.throughput, "points_per_s", [
          { field: "acquired", of: "non_negative_derivative", legend: Titles.acquired },
          { field: "acked", of: "non_negative_derivative", legend: Titles.acked },
        ]),
      ),
  );
}
