// `npm run dashboards`: every dashboard in both languages and the Grafana
// provisioning files, written to dashboards/dist/ (layout in README.md).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { edgeAgents } from "./agents.ts";
import { ruleGroup } from "./alerts.ts";
import { facilityEnergy, portfolio } from "./energy.ts";
import { checkTimeZone } from "./influxql.ts";
import type { Ctx } from "./panels.ts";
import { alertRulesFile, dashboardProvidersFile, datasourceFile } from "./provisioning.ts";
import { type Lang, Languages } from "./text.ts";
import { turbineDetail, windFarmOverview } from "./wind.ts";

/** The dashboards, each built once per language. */
export const DASHBOARDS: readonly ((ctx: Ctx) => Dashboard)[] = [
  windFarmOverview,
  turbineDetail,
  facilityEnergy,
  portfolio,
  edgeAgents,
];

export const DEFAULT_PUBLIC_URL = "http://localhost:8080";
/** The region's zone when VETRA_TIME_ZONE is not set (the demo's and the savings report's default). */
export const DEFAULT_TIME_ZONE = "Europe/Moscow";

/**
 * Whether Grafana's alert rules evaluate: `paused` (default) provisions them
 * paused, since central raises and notifies the same conditions (alarm book,
 * notifications) and active rules would notify twice; `active` where Grafana
 * is the one that notifies (central's notifications not configured).
 */
export const GrafanaAlertModes = ["paused", "active"] as const;
export type GrafanaAlertMode = (typeof GrafanaAlertModes)[number];

export interface BuiltDashboard {
  lang: Lang;
  dashboard: Dashboard;
}

export function buildDashboards(publicUrl: string, timeZone = DEFAULT_TIME_ZONE): BuiltDashboard[] {
  return Languages.flatMap((lang) =>
    DASHBOARDS.map((make) => ({ lang, dashboard: make({ lang, publicUrl, timeZone }) })),
  );
}

/** Every output file: path under dist/ → content. */
export function buildFiles(
  publicUrl: string,
  options: { timeZone?: string; alerts?: GrafanaAlertMode } = {},
): Map<string, string> {
  const files = new Map<string, string>();
  for (const { lang, dashboard } of buildDashboards(publicUrl, options.timeZone)) {
    files.set(join("dashboards", lang, `${dashboard.uid}.json`), `${JSON.stringify(dashboard, null, 2)}\n`);
  }
  files.set(join("provisioning", "datasources", "vetra.yaml"), datasourceFile());
  files.set(join("provisioning", "dashboards", "vetra.yaml"), dashboardProvidersFile());
  files.set(
    join("provisioning", "alerting", "vetra.yaml"),
    alertRulesFile(ruleGroup(), { paused: (options.alerts ?? "paused") === "paused" }),
  );
  return files;
}

/** VETRA_PUBLIC_URL checked where it enters: an http(s) URL, kept without a trailing slash. */
export function publicUrlFrom(env: NodeJS.ProcessEnv): { url: string } | { error: string } {
  const raw = env.VETRA_PUBLIC_URL ?? DEFAULT_PUBLIC_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: `VETRA_PUBLIC_URL: not a URL: '${raw}'` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { error: `VETRA_PUBLIC_URL: must be http or https, got '${raw}'` };
  }
  return { url: raw.replace(/\/+$/, "") };
}

/** VETRA_TIME_ZONE checked where it enters: an IANA zone name the runtime knows. */
export function timeZoneFrom(env: NodeJS.ProcessEnv): { zone: string } | { error: string } {
  const raw = env.VETRA_TIME_ZONE ?? DEFAULT_TIME_ZONE;
  try {
    return { zone: checkTimeZone(raw) };
  } catch (e) {
    return { error: `VETRA_TIME_ZONE: ${(e as Error).message}` };
  }
}

/** VETRA_GRAFANA_ALERTS checked where it enters: `paused` (default) or `active`. */
export function alertModeFrom(env: NodeJS.ProcessEnv): { mode: GrafanaAlertMode } | { error: string } {
  const raw = env.VETRA_GRAFANA_ALERTS ?? "paused";
  return (GrafanaAlertModes as readonly string[]).includes(raw)
    ? { mode: raw as GrafanaAlertMode }
    : { error: `VETRA_GRAFANA_ALERTS: must be ${GrafanaAlertModes.join(" or ")}, got '${raw}'` };
}

function main(): number {
  const publicUrl = publicUrlFrom(process.env);
  const zone = timeZoneFrom(process.env);
  const alerts = alertModeFrom(process.env);
  if ("error" in publicUrl || "error" in zone || "error" in alerts) {
    for (const r of [publicUrl, zone, alerts])
      if ("error" in r) console.error(`npm run dashboards: ${r.error}`);
    return 2;
  }
  const dist = join(import.meta.dirname, "dist");
  // Only our own subdirectories: a dashboard or rule removed from the code must vanish from dist too.
  for (const sub of ["dashboards", "provisioning"]) rmSync(join(dist, sub), { recursive: true, force: true });
  const files = buildFiles(publicUrl.url, { timeZone: zone.zone, alerts: alerts.mode });
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dist, path)), { recursive: true });
    writeFileSync(join(dist, path), content);
  }
  console.log(`dashboards/dist: ${files.size} files (dashboards in ${Languages.join(", ")}, provisioning)`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) process.exitCode = main();
