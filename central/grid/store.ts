// Where the imported set is kept, replaced whole (a reader sees the old set
// or the new one, never half) — one interface, two places:
// - with the SQLite metadata database, a GeoJSON file in the data dir,
//   replaced atomically (write a temporary file, fsync, rename over the old
//   one, fsync the directory); its modification time tells a change;
// - with PostgreSQL, a row of the database (gzip'd GeoJSON and a
//   generation), so replicas on other nodes share it; a replacement is
//   announced (NOTIFY "grid").
// Central picks up a set written by `vetra grid import` while it runs:
// when told of it, and by looking at the version at most every couple of
// seconds.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { writeFileAtomic } from "../../common/files.ts";
import type { MetaDb } from "../db/types.ts";
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
  return parseStoredSet(text, gridFilePath(dataDir));
}

/** A stored set's GeoJSON (as toGeoJson wrote it) as a set; throws naming `where` when it is corrupt. */
function parseStoredSet(text: string, where: string): GridSet {
  const parsed = JSON.parse(text) as {
    vetra?: { illustrative?: boolean; source?: string; imported_at?: string };
  };
  const { set, report } = importGeoJson(parsed, { source: parsed.vetra?.source ?? "file" });
  if (report.rejected.length > 0)
    throw new Error(
      `${where}: ${report.rejected.length} invalid feature(s), first: ${report.rejected[0]!.errors[0]}`,
    );
  set.illustrative = parsed.vetra?.illustrative === true;
  if (parsed.vetra?.imported_at) set.imported_at = parsed.vetra.imported_at;
  return set;
}

/** The stored grid data set. */
export interface GridDataRepository {
  /** The stored set and its version, or null when none was imported; throws when it is corrupt. */
  load(): Promise<{ version: string; set: GridSet } | null>;
  /** A value that changes with every replacement (null: none stored). */
  version(): Promise<string | null>;
  /** Replaces the stored set whole. */
  save(set: GridSet): Promise<void>;
  /** Called when another process replaced the set (PostgreSQL); returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

const mtimeOf = (path: string): string | null => {
  try {
    return String(statSync(path).mtimeMs);
  } catch {
    return null;
  }
};

/** The set as a file in the data dir (with the SQLite metadata database). */
export class FileGridData implements GridDataRepository {
  constructor(private readonly dataDir: string) {}

  async load() {
    const version = mtimeOf(gridFilePath(this.dataDir));
    const set = loadGridSet(this.dataDir);
    return set && version !== null ? { version, set } : null;
  }

  async version() {
    return mtimeOf(gridFilePath(this.dataDir));
  }

  async save(set: GridSet) {
    saveGridSet(this.dataDir, set);
  }

  onChange(): () => void {
    return () => {};
  }
}

/** The set in the metadata database (PostgreSQL: shared by replicas on every node). */
export class DatabaseGridData implements GridDataRepository {
  constructor(private readonly db: MetaDb) {}

  async load() {
    const row = await this.db.get<{ generation: number; geojson_gzip: Buffer }>(
      "SELECT generation, geojson_gzip FROM grid_set WHERE id = 1",
    );
    if (!row) return null;
    return {
      version: String(row.generation),
      set: parseStoredSet(gunzipSync(row.geojson_gzip).toString("utf8"), "grid_set"),
    };
  }

  async version() {
    const row = await this.db.get<{ generation: number }>("SELECT generation FROM grid_set WHERE id = 1");
    return row ? String(row.generation) : null;
  }

  async save(set: GridSet) {
    const body = gzipSync(`${JSON.stringify(toGeoJson(set))}\n`);
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO grid_set (id, generation, geojson_gzip, imported_at) VALUES (1, 1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET generation = grid_set.generation + 1, geojson_gzip = excluded.geojson_gzip,
           imported_at = excluded.imported_at`,
        [body, Date.now()],
      );
      await tx.notify("grid");
    });
  }

  onChange(listener: () => void): () => void {
    return this.db.subscribe("grid", () => listener());
  }
}

/** Where the grid data set of this metadata database is kept. */
export const openGridData = (db: MetaDb, dataDir: string): GridDataRepository =>
  db.kind === "sqlite" ? new FileGridData(dataDir) : new DatabaseGridData(db);

/** What central serves: the stored set with its index, swapped whole on replace. */
export class ServedGrid {
  private index: GridIndex;
  private version: string | null = null;
  private checkedAt = 0;
  private refreshing: Promise<void> | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly data: GridDataRepository,
    private readonly config: Pick<GridConfig, "voltageClasses" | "powerFactor">,
    private readonly recheckMs = 2000,
  ) {
    this.index = this.indexOf(emptyGridSet());
    this.unsubscribe = data.onChange(() => void this.refresh(true));
  }

  /** Loads the stored set (call before serving; a corrupt one fails the start). */
  async open(): Promise<this> {
    await this.reload();
    this.checkedAt = Date.now();
    return this;
  }

  /** The index with its per-point tables built now, at load time, rather than on the first check. */
  private indexOf(set: GridSet): GridIndex {
    return new GridIndex(set, this.config.voltageClasses, this.config.powerFactor);
  }

  private async reload(): Promise<void> {
    const version = await this.data.version();
    if (version === this.version) return;
    const stored = await this.data.load();
    this.index = this.indexOf(stored?.set ?? emptyGridSet());
    this.version = stored?.version ?? null;
  }

  private refresh(now = false): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        if (now) this.version = "\u0000"; // announced: read it whatever the version says
        await this.reload();
      } catch {
        // A corrupt set written behind our back, or the database away: keep serving the last good set.
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** The served index; a newer stored set replaces it shortly after (checked at most every recheckMs). */
  current(nowMs = Date.now()): GridIndex {
    if (nowMs - this.checkedAt >= this.recheckMs) {
      this.checkedAt = nowMs;
      void this.refresh();
    }
    return this.index;
  }

  async replace(set: GridSet): Promise<void> {
    await this.data.save(set);
    this.index = this.indexOf(set);
    this.version = await this.data.version();
  }

  close(): void {
    this.unsubscribe();
  }
}
