// `npm run dashboards`: every dashboard in both languages and the Grafana
// provisioning files, written to dashboards/dist/ (layout in README.md).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { edgeAgents } from "./agents.ts";
import { ruleGroup } from "./alerts.ts";
import { facilityEnergy, portfolio } from "./energy.ts";
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

export interface BuiltDashboard {
  lang: Lang;
  dashboard: Dashboard;
}

export function buildDashboards(publicUrl: string): BuiltDashboard[] {
  return Languages.flatMap((lang) =>
    DASHBOARDS.map((make) => ({ lang, dashboard: make({ lang, publicUrl }) })),
  );
}

/** Every output file: path under dist/ → content. */
export function buildFiles(publicUrl: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const { lang, dashboard } of buildDashboards(publicUrl)) {
    files.set(join("dashboards", lang, `${dashboard.uid}.json`), `${JSON.stringify(dashboard, null, 2)}\n`);
  }
  files.set(join("provisioning", "datasources", "vetra.yaml"), datasourceFile());
  files.set(join("provisioning", "dashboards", "vetra.yaml"), dashboardProvidersFile());
  files.set(join("provisioning", "alerting", "vetra.yaml"), alertRulesFile(ruleGroup()));
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

function main(): number {
  const publicUrl = publicUrlFrom(process.env);
  if ("error" in publicUrl) {
    console.error(`npm run dashboards: ${publicUrl.error}`);
    return 2;
  }
  const dist = join(import.meta.dirname, "dist");
  // Only our own subdirectories: a dashboard or rule removed from the code must vanish from dist too.
  for (const sub of ["dashboards", "provisioning"]) rmSync(join(dist, sub), { recursive: true, force: true });
  const files = buildFiles(publicUrl.url);
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dist, path)), { recursive: true });
    writeFileSync(join(dist, path), content);
  }
  console.log(`dashboards/dist: ${files.size} files (dashboards in ${Languages.join(", ")}, provisioning)`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) process.exitCode = main();
