// The builders' output without a server: units on every panel, every title
// in both languages from one table, every measurement, tag and field a
// query names declared in common/names.ts, and provisioning files Grafana
// can read.
import type { Dashboard, Panel, RowPanel } from "@grafana/grafana-foundation-sdk/dashboard";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type Measurement, Measurements, TagKeys } from "../common/names.ts";
import { RULES, ruleGroup } from "./alerts.ts";
import {
  alertModeFrom,
  buildDashboards,
  buildFiles,
  DEFAULT_PUBLIC_URL,
  publicUrlFrom,
  timeZoneFrom,
} from "./build.ts";
import { DATASOURCE_UID, FieldTables, type InfluxQLQuery } from "./influxql.ts";
import { GRAFANA_ENV } from "./provisioning.ts";
import { Descriptions, type Lang, type Text, Titles, VibrationFieldPanels } from "./text.ts";

const built = buildDashboards(DEFAULT_PUBLIC_URL);
const byLang = (lang: Lang): Dashboard[] => built.filter((b) => b.lang === lang).map((b) => b.dashboard);
const dataPanels = (d: Dashboard): Panel[] => (d.panels ?? []).filter((p): p is Panel => p.type !== "row");
const rows = (d: Dashboard): RowPanel[] => (d.panels ?? []).filter((p): p is RowPanel => p.type === "row");
const targets = (p: Panel): InfluxQLQuery[] => (p.targets ?? []).map((t) => t as unknown as InfluxQLQuery);

/** Every query text the build produces: panels, template variables, alert rules. */
function allQueries(): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  for (const { dashboard: d } of built) {
    for (const p of dataPanels(d))
      for (const t of targets(p)) out.push({ where: `${d.uid} / ${p.title}`, text: t.query });
    for (const v of d.templating?.list ?? [])
      if (v.type === "query") out.push({ where: `${d.uid} variable ${v.name}`, text: String(v.query) });
  }
  for (const r of ruleGroup().rules ?? [])
    for (const q of r.data)
      if (q.datasourceUid === DATASOURCE_UID)
        out.push({ where: `alert ${r.uid}`, text: (q.model as unknown as InfluxQLQuery).query });
  return out;
}

describe("dashboards", () => {
  it("builds every dashboard in Russian and English with distinct uids", () => {
    const ru = byLang("ru");
    const en = byLang("en");
    expect(ru.length).toBeGreaterThanOrEqual(5);
    expect(en.map((d) => d.uid)).toEqual(ru.map((d) => d.uid!.replace(/-ru$/, "-en")));
    const uids = built.map((b) => b.dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it("sets a unit on every panel", () => {
    for (const { dashboard: d } of built) {
      for (const p of dataPanels(d)) {
        expect(p.fieldConfig?.defaults?.unit, `${d.uid} / ${p.title}`).toMatch(/\S/);
      }
    }
  });

  it("queries InfluxQL through the dashboard's data-source variable in every panel", () => {
    for (const { dashboard: d } of built) {
      expect(d.templating?.list?.find((v) => v.name === "datasource")?.query).toBe("influxdb");
      for (const p of dataPanels(d)) {
        expect(targets(p).length, `${d.uid} / ${p.title}`).toBeGreaterThan(0);
        for (const t of targets(p)) {
          expect(t.rawQuery).toBe(true);
          expect(t.datasource).toEqual({ type: "influxdb", uid: `\${datasource}` });
          expect(t.query).toMatch(/^SELECT .* WHERE .*\$timeFilter/);
        }
      }
    }
  });

  it("takes every title from one table with both languages", () => {
    const texts: Text[] = [
      ...Object.values(Titles),
      ...Object.values(Descriptions),
      ...Object.values(VibrationFieldPanels).flatMap((p) => (p ? [p.title] : [])),
    ];
    for (const t of texts) {
      expect(t.ru).toMatch(/\S/);
      expect(t.en).toMatch(/\S/);
    }
    // The Russian and English builds of a dashboard differ in words only, and each pair of words is one entry.
    const isEntry = (ru: string | undefined, en: string | undefined) =>
      texts.some((t) => t.ru === ru && t.en === en);
    const en = byLang("en");
    for (const [i, ru] of byLang("ru").entries()) {
      const other = en[i]!;
      expect(isEntry(ru.title, other.title), ru.title).toBe(true);
      expect(dataPanels(ru).map((p) => targets(p).map((t) => t.query))).toEqual(
        dataPanels(other).map((p) => targets(p).map((t) => t.query)),
      );
      for (const [j, p] of dataPanels(ru).entries()) {
        const q = dataPanels(other)[j]!;
        expect(isEntry(p.title, q.title), `${ru.uid} / ${p.title}`).toBe(true);
        if (p.description !== undefined)
          expect(isEntry(p.description, q.description), p.description).toBe(true);
      }
      for (const [j, r] of rows(ru).entries())
        expect(isEntry(r.title, rows(other)[j]!.title), r.title).toBe(true);
    }
    // Russian is not English under another name: every Russian panel title has Cyrillic in it.
    const cyrillic = byLang("ru")
      .flatMap(dataPanels)
      .filter((p) => /[А-Яа-яЁё]/.test(p.title ?? ""));
    expect(cyrillic.length).toBe(byLang("ru").flatMap(dataPanels).length);
  });

  it("names only measurements, tags and fields declared in common/names.ts", () => {
    const queries = allQueries();
    expect(queries.length).toBeGreaterThan(20);
    for (const { where, text } of queries) {
      const from = /FROM "([^"]+)"/.exec(text)?.[1];
      expect(Measurements, `${where}: ${text}`).toContain(from);
      const fields = Object.keys(FieldTables[from as Measurement]);
      // Every other double-quoted identifier is a tag key or a field of that measurement.
      const identifiers = [...text.matchAll(/"([^"]+)"/g)].map((m) => m[1]!).filter((id) => id !== from);
      for (const id of identifiers) expect([...TagKeys, ...fields], `${where}: ${id}`).toContain(id);
    }
  });
});

describe("alert rules", () => {
  it("have unique uids, a condition, the InfluxDB query and both languages' summaries", () => {
    const group = ruleGroup();
    expect(group.rules?.length).toBe(RULES.length);
    const uids = (group.rules ?? []).map((r) => r.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const r of group.rules ?? []) {
      expect(r.condition).toBe("C");
      expect(r.data.map((q) => q.refId)).toEqual(["A", "B", "C"]);
      expect(r.data[0]?.datasourceUid).toBe(DATASOURCE_UID);
      expect(r.data[0]?.relativeTimeRange?.from).toBeGreaterThan(0);
      expect(r.annotations?.summary).toMatch(/[А-Яа-яЁё]/);
      expect(r.annotations?.summary_en).toMatch(/\S/);
      expect(r.labels?.severity).toMatch(/^(warning|critical)$/);
    }
  });
});

describe("provisioning files", () => {
  const files = buildFiles(DEFAULT_PUBLIC_URL);
  const yaml = (path: string) => parse(files.get(path) ?? "") as Record<string, unknown>;

  it("lay out dashboards per language and the three provisioning files", () => {
    const paths = [...files.keys()].sort();
    expect(paths.filter((p) => p.startsWith("provisioning/"))).toEqual([
      "provisioning/alerting/vetra.yaml",
      "provisioning/dashboards/vetra.yaml",
      "provisioning/datasources/vetra.yaml",
    ]);
    for (const { lang, dashboard } of built) {
      const json = JSON.parse(files.get(`dashboards/${lang}/${dashboard.uid}.json`) ?? "null");
      expect(json?.uid).toBe(dashboard.uid);
    }
  });

  it("declare the InfluxQL data source from exactly the documented environment variables", () => {
    const text = files.get("provisioning/datasources/vetra.yaml") ?? "";
    expect([...new Set([...text.matchAll(/\$([A-Z_]+)/g)].map((m) => m[1]))].sort()).toEqual(
      [...GRAFANA_ENV].sort(),
    );
    const ds = (yaml("provisioning/datasources/vetra.yaml").datasources as Record<string, unknown>[])[0]!;
    expect(ds).toMatchObject({ uid: DATASOURCE_UID, type: "influxdb", jsonData: { version: "InfluxQL" } });
  });

  it("write alert rules in the file-provisioning format with the queries intact", () => {
    const groups = yaml("provisioning/alerting/vetra.yaml").groups as {
      name: string;
      folder: string;
      interval: string;
      rules: { uid: string; for: string; data: { model: { query?: string } }[] }[];
    }[];
    expect(groups).toHaveLength(1);
    expect(groups[0]!.interval).toMatch(/^\d+s$/);
    expect(groups[0]!.rules.map((r) => r.uid)).toEqual(RULES.map((r) => r.build().uid));
    for (const r of groups[0]!.rules) {
      expect(r.for).toMatch(/^\d+[smh]$/);
      expect(r.data[0]!.model.query).toMatch(/^SELECT .*\$timeFilter/);
    }
  });
});

describe("VETRA_PUBLIC_URL", () => {
  it("defaults, drops a trailing slash and rejects what is not an http(s) URL by name", () => {
    expect(publicUrlFrom({})).toEqual({ url: DEFAULT_PUBLIC_URL });
    expect(publicUrlFrom({ VETRA_PUBLIC_URL: "https://vetra.example.org/" })).toEqual({
      url: "https://vetra.example.org",
    });
    expect(publicUrlFrom({ VETRA_PUBLIC_URL: "vetra" })).toEqual({
      error: expect.stringContaining("VETRA_PUBLIC_URL"),
    });
    expect(publicUrlFrom({ VETRA_PUBLIC_URL: "ftp://x" })).toEqual({
      error: expect.stringContaining("VETRA_PUBLIC_URL"),
    });
  });
});

describe("VETRA_TIME_ZONE and VETRA_GRAFANA_ALERTS", () => {
  it("group days in the region's zone, Moscow unless told, and refuse what is not a zone by name", () => {
    expect(timeZoneFrom({})).toEqual({ zone: "Europe/Moscow" });
    expect(timeZoneFrom({ VETRA_TIME_ZONE: "Asia/Yekaterinburg" })).toEqual({ zone: "Asia/Yekaterinburg" });
    for (const bad of ["Mars/Olympus", "Europe/Moscow') fill(0", "", "../etc"])
      expect(timeZoneFrom({ VETRA_TIME_ZONE: bad })).toEqual({
        error: expect.stringContaining("VETRA_TIME_ZONE"),
      });
    const daily = (zone?: string) =>
      buildDashboards(DEFAULT_PUBLIC_URL, zone)
        .flatMap((b) => dataPanels(b.dashboard))
        .flatMap(targets)
        .map((t) => t.query)
        .filter((q) => /GROUP BY time\(1d\)/.test(q) && q.includes('"interval_energy_kwh"'));
    expect(daily().length).toBeGreaterThan(0);
    for (const q of daily()) expect(q).toMatch(/ tz\('Europe\/Moscow'\)$/);
    for (const q of daily("Asia/Yekaterinburg")) expect(q).toMatch(/ tz\('Asia\/Yekaterinburg'\)$/);
  });

  it("provision Grafana's alert rules paused unless Grafana is to notify", () => {
    const rules = (alerts?: "paused" | "active") =>
      (
        parse(
          buildFiles(DEFAULT_PUBLIC_URL, alerts ? { alerts } : {}).get("provisioning/alerting/vetra.yaml")!,
        ) as {
          groups: { rules: { isPaused: boolean }[] }[];
        }
      ).groups[0]!.rules.map((r) => r.isPaused);
    expect(new Set(rules())).toEqual(new Set([true]));
    expect(new Set(rules("active"))).toEqual(new Set([false]));
    expect(alertModeFrom({})).toEqual({ mode: "paused" });
    expect(alertModeFrom({ VETRA_GRAFANA_ALERTS: "active" })).toEqual({ mode: "active" });
    expect(alertModeFrom({ VETRA_GRAFANA_ALERTS: "on" })).toEqual({
      error: expect.stringContaining("VETRA_GRAFANA_ALERTS"),
    });
  });
});
