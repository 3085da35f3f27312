// The imported set on disk, in the data dir, as one GeoJSON file replaced
// atomically (write a temporary file, fsync, rename over the old one, fsync
// the directory): a reader sees the old set or the new one, never half.
// Central picks up a set written by `vetra grid import` while it runs: the
// file's modification time is looked at, at most every couple of seconds.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../common/files.ts";
import { GridIndex } from "./check.ts";
import type { GridConfig } from "./config.ts";
import { headroom, headroomLevel } from "./headroom.ts";
import { importGeoJson } from "./import.ts";
import { emptyGridSet, type GridSet } from "./model.ts";

export const GRID_FILE = join("grid", "connection-points.geojson");

export const gridFilePath = (dataDir: string): string => join(dataDir, GRID_FILE);

/** The set as GeoJSON, points first, with the illustrative marker at the top and on every feature. */
export function toGeoJson(set: GridSet, powerFactor?: number) {
  return {
    type: "FeatureCollection" as const,
    vetra: { illustrative: set.illustrative, source: set.source, imported_at: set.imported_at },
    features: [
      ...set.points.map((p) => {
        const { lon, lat, ...props } = p;
        const extra =
          powerFactor === undefined
            ? {}
            : (() => {
                const gen = headroom(p, "generation", powerFactor);
                const dem = headroom(p, "demand", powerFactor);
                return {
                  headroom_generation_mw: gen.mw,
                  headroom_demand_mw: dem.mw,
                  headroom_source: gen.source,
                  firm_capacity_mw: gen.firm_mw,
                  level_generation: headroomLevel(gen),
                  level_demand: headroomLevel(dem),
                };
              })();
        return {
          type: "Feature" as const,
          id: p.id,
          geometry: { type: "Point" as const, coordinates: [lon, lat] },
          properties: { ...props, ...extra, illustrative: set.illustrative },
        };
      }),
      ...set.lines.map((l) => {
        const { coordinates, ...props } = l;
        return {
          type: "Feature" as const,
          id: l.id,
          geometry: { type: "LineString" as const, coordinates },
          properties: { ...props, illustrative: set.illustrative },
        };
      }),
    ],
  };
}

export function saveGridSet(dataDir: string, set: GridSet): void {
  const path = gridFilePath(dataDir);
  writeFileAtomic(path, `${JSON.stringify(toGeoJson(set))}\n`);
}

/** The stored set, or null when none was imported; throws when the file is corrupt. */
export function loadGridSet(dataDir: string): GridSet | null {
  let text: string;
  try {
    text = readFileSync(gridFilePath(dataDir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const parsed = JSON.parse(text) as {
    vetra?: { illustrative?: boolean; source?: string; imported_at?: string };
  };
  const { set, report } = importGeoJson(parsed, { source: parsed.vetra?.source ?? "file" });
  if (report.rejected.length > 0)
    throw new Error(
      `${gridFilePath(dataDir)}: ${report.rejected.length} invalid feature(s), first: ${report.rejected[0]!.errors[0]}`,
    );
  set.illustrative = parsed.vetra?.illustrative === true;
  if (parsed.vetra?.imported_at) set.imported_at = parsed.vetra.imported_at;
  return set;
}

/** What central serves: the stored set with its index, swapped whole on replace. */
export class GridRepository {
  private index: GridIndex;
  private mtimeMs = -1;
  private checkedAt = 0;

  constructor(
    private readonly dataDir: string,
    private readonly config: Pick<GridConfig, "voltageClasses" | "powerFactor">,
    private readonly recheckMs = 2000,
  ) {
    this.index = this.indexOf(emptyGridSet());
    this.reload();
  }

  /** The index with its per-point tables built now, at load time, rather than on the first check. */
  private indexOf(set: GridSet): GridIndex {
    return new GridIndex(set, this.config.voltageClasses, this.config.powerFactor);
  }

  private reload(): void {
    let mtime: number;
    try {
      mtime = statSync(gridFilePath(this.dataDir)).mtimeMs;
    } catch {
      mtime = -1;
    }
    if (mtime === this.mtimeMs) return;
    const set = loadGridSet(this.dataDir) ?? emptyGridSet();
    this.index = this.indexOf(set);
    this.mtimeMs = mtime;
  }

  current(nowMs = Date.now()): GridIndex {
    if (nowMs - this.checkedAt >= this.recheckMs) {
      this.checkedAt = nowMs;
      try {
        this.reload();
      } catch {
        // A corrupt file written behind our back: keep serving the last good set.
      }
    }
    return this.index;
  }

  replace(set: GridSet): void {
    saveGridSet(this.dataDir, set);
    this.index = this.indexOf(set);
    try {
      this.mtimeMs = statSync(gridFilePath(this.dataDir)).mtimeMs;
    } catch {
      this.mtimeMs = -1;
    }
  }
}
