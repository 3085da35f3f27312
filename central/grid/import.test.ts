// Import: per-feature errors (bad geometry, missing fields, wrong units),
// nothing changed on a refused file, CSV, and the real OpenStreetMap files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runGrid } from "../../cli/grid.ts";
import { readCsv } from "../lib/csv.ts";
import { GridIndex } from "./check.ts";
import { type GridConfig, GridConfigSchema } from "./config.ts";
import { importCsv, importGeoJson, voltagesFromName } from "./import.ts";
import { gridFilePath, loadGridSet, saveGridSet } from "./store.ts";

const repoRoot = join(import.meta.dirname, "..", "..");
const DATA = join(repoRoot, "..", "shared", "data", "grid");
const config = Value.Default(GridConfigSchema, {}) as GridConfig;

const feature = (
  props: Record<string, unknown>,
  geometry: unknown = { type: "Point", coordinates: [47.5, 42.9] },
) => ({
  type: "Feature",
  geometry,
  properties: props,
});
const good = {
  id: "a",
  name: "ПС 110 кВ Тестовая",
  voltages_kv: [110, 35, 10],
  transformer_mva: [40, 40],
  peak_load_mw: 20,
};

describe("GeoJSON import", () => {
  it("reads points and lines with the model's names", () => {
    const { set, report } = importGeoJson(
      {
        type: "FeatureCollection",
        features: [
          feature(good),
          feature(
            { id: "b", name: "B", voltage_kv: 35, available_generation_mw: 4 },
            { type: "Point", coordinates: [47.6, 42.8] },
          ),
          feature(
            { name: "ВЛ 110", voltage_kv: 110 },
            {
              type: "LineString",
              coordinates: [
                [47.5, 42.9],
                [47.6, 42.8],
              ],
            },
          ),
        ],
      },
      { source: "t" },
    );
    expect(report).toEqual({ points: 2, lines: 1, ignored: 0, rejected: [] });
    expect(set.points[0]).toMatchObject({
      id: "a",
      voltages_kv: [110, 35, 10],
      transformer_mva: [40, 40],
      peak_load_mw: 20,
      lon: 47.5,
      lat: 42.9,
    });
    expect(set.points[1]).toMatchObject({
      voltages_kv: [35],
      available_generation_mw: 4,
      peak_load_mw: null,
    });
    expect(set.lines[0]).toMatchObject({
      voltage_kv: 110,
      coordinates: [
        [47.5, 42.9],
        [47.6, 42.8],
      ],
    });
  });

  it("names every bad feature and why: geometry, missing fields, V for kV, kVA for MVA, kW for MW", () => {
    const { report } = importGeoJson(
      {
        type: "FeatureCollection",
        features: [
          feature(good),
          feature({ ...good, id: "geo" }, { type: "Point", coordinates: [200, 95] }),
          feature({ ...good, id: undefined }),
          feature({ ...good, id: "volts", voltages_kv: [110000, 35000] }),
          feature({ ...good, id: "kva", transformer_mva: [40000, 40000] }),
          feature({ ...good, id: "nopeak", peak_load_mw: undefined }),
          feature({ ...good, id: "kw", peak_load_mw: 20000 }),
          feature({ ...good, id: "poly" }, { type: "Polygon", coordinates: [] }),
          feature({ ...good, id: "nogeom" }, null),
          feature({ ...good, id: "a" }),
          feature({ voltage_kv: 110 }, { type: "LineString", coordinates: [[47.5, 42.9]] }),
        ],
      },
      { source: "t" },
    );
    const byIndex = Object.fromEntries(report.rejected.map((r) => [r.index, r.errors.join("; ")]));
    expect(Object.keys(byIndex).map(Number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(byIndex[1]).toContain("geometry.coordinates: expected [lon, lat]");
    expect(byIndex[2]).toBe("id: required");
    expect(byIndex[3]).toBe(
      "voltages_kv[0]: 110000 looks like volts; give kV (e.g. 110); voltages_kv[1]: 35000 looks like volts; give kV (e.g. 35)",
    );
    expect(byIndex[4]).toContain("transformer_mva[0]: 40000 looks like kVA; give MVA");
    expect(byIndex[5]).toBe("peak_load_mw: required when transformer_mva is given");
    expect(byIndex[6]).toBe("peak_load_mw: 20000 looks like kW; give MW");
    expect(byIndex[7]).toContain("geometry.type: expected Point, LineString or MultiLineString");
    expect(byIndex[8]).toBe("geometry: required");
    expect(byIndex[9]).toBe('id: duplicate "a"');
    expect(byIndex[10]).toContain("expected two or more [lon, lat] positions");
    expect(report.rejected.find((r) => r.index === 3)!.id).toBe("volts");
  });

  it("reads voltages from OSM-style names when the tag is empty", () => {
    expect(voltagesFromName("ПС 220/110/10 Элиста Северная")).toEqual([220, 110, 10]);
    expect(voltagesFromName("ПС 330 кВ Махачкала")).toEqual([330]);
    expect(voltagesFromName("Павлодольская ГЭС")).toEqual([]);
  });
});

describe("CSV import", () => {
  it("reads `;` files, quoted fields, lists as 110/35/10 and 2x40", () => {
    const csv =
      'id;name;lat;lon;voltages_kv;transformer_mva;peak_load_mw;generation_queue_mw\r\nx1;"ПС 35 кВ ""Новая"";";42,5;47,1;35/10;2x6,3;3,5;\r\n';
    const { set, report } = importCsv(csv, { source: "t" });
    expect(report.rejected).toEqual([]);
    expect(set.points[0]).toEqual(
      expect.objectContaining({
        id: "x1",
        name: 'ПС 35 кВ "Новая";',
        lat: 42.5,
        lon: 47.1,
        voltages_kv: [35, 10],
        transformer_mva: [6.3, 6.3],
        peak_load_mw: 3.5,
        generation_queue_mw: 0,
      }),
    );
  });

  it("reports CSV line numbers", () => {
    const { report } = importCsv("id,lat,lon,voltages_kv\na,42,47,110\nb,north,47,110\n", { source: "t" });
    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0]!.index).toBe(3);
    expect(report.rejected[0]!.id).toBe("b");
  });

  it("parses RFC 4180 quoting across lines", () => {
    expect(readCsv('a,b\n"x\ny","1""2"\n').rows).toEqual([
      ["a", "b"],
      ["x\ny", '1"2'],
    ]);
  });
});

describe("vetra grid import", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vetra-grid-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses a file with any bad feature and leaves the stored set as it was", async () => {
    saveGridSet(
      dir,
      importGeoJson({ type: "FeatureCollection", features: [feature(good)] }, { source: "first" }).set,
    );
    const before = readFileSync(gridFilePath(dir), "utf8");
    const bad = join(dir, "bad.geojson");
    writeFileSync(
      bad,
      JSON.stringify({
        type: "FeatureCollection",
        features: [feature({ ...good, id: "b" }), feature({ ...good, id: "v", voltages_kv: [110000] })],
      }),
    );
    expect(await runGrid(["import", bad, "--data-dir", dir])).toBe(2);
    expect(readFileSync(gridFilePath(dir), "utf8")).toBe(before);
    // Asked explicitly, the valid features alone go in.
    expect(await runGrid(["import", bad, "--data-dir", dir, "--skip-invalid"])).toBe(0);
    expect(loadGridSet(dir)!.points.map((p) => p.id)).toEqual(["b"]);
  });

  it("imports the real OSM files: Cyrillic names, several voltages, no capacities → capacity unknown", async () => {
    expect(await runGrid(["import", join(DATA, "north_caucasus_heuristic.geojson"), "--data-dir", dir])).toBe(
      0,
    );
    const set = loadGridSet(dir)!;
    // 152 points of which 4 are line junctions (type merge), 334 lines.
    expect(set.points).toHaveLength(148);
    expect(set.lines).toHaveLength(334);
    expect(set.points.find((p) => p.name === "ПС 110/35/10 Элиста Западная")?.voltages_kv).toEqual([
      110, 35, 10,
    ]);
    // Voltage tag empty, classes in the name.
    expect(set.points.find((p) => p.name === "ПС 220/110/10 Элиста Северная")?.voltages_kv).toEqual([
      220, 110, 10,
    ]);
    expect(
      set.points.every((p) => p.transformer_mva.length === 0 && p.available_generation_mw === null),
    ).toBe(true);

    expect(
      await runGrid(["import", join(DATA, "north_caucasus_highvoltage.geojson"), "--data-dir", dir]),
    ).toBe(0);
    const hv = loadGridSet(dir)!;
    expect(hv.points).toHaveLength(16);
    // A 100 MW wind farm near Makhachkala: the 330/110 kV substations are found, none has a known capacity.
    const options = new GridIndex(hv, config.voltageClasses).check(
      { lat: 42.9, lon: 47.55, mw: 100, kind: "generation" },
      config,
      10,
    );
    expect(options.length).toBeGreaterThan(0);
    expect(options.some((o) => o.name.includes("Махачкала"))).toBe(true);
    for (const o of options) {
      expect(o.status).toBe("unavailable");
      expect(o.headroom_mw).toBeNull();
    }
    expect(options.find((o) => o.name.includes("Махачкала"))!.reasons.map((r) => r.code)).toEqual([
      "capacity_unknown",
    ]);
  });
});
