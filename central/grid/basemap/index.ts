// The shipped basemap (basemap.json beside this file, made by build.ts): read
// once, for the /map page (served as it is), the grid answer's PDF (its
// locator map) and the nearest settlement of a site.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { kmFromHaverSin } from "../search.ts";

export interface BasemapFeature {
  type: "Feature";
  properties: {
    layer: "land" | "border" | "coast" | "settlement" | "region" | "country";
    name?: string;
    name_ru?: string;
    name_en?: string;
    population?: number;
    rank?: number;
    id?: string;
  };
  geometry:
    | { type: "MultiPolygon"; coordinates: [number, number][][][] }
    | { type: "MultiLineString"; coordinates: [number, number][][] }
    | { type: "Point"; coordinates: [number, number] };
}

export interface Basemap {
  type: "FeatureCollection";
  vetra: { bbox: [number, number, number, number]; built: string; sources: string[]; attribution: string };
  features: BasemapFeature[];
}

export const BASEMAP_FILE = join(import.meta.dirname, "basemap.json");

let cached: { bytes: Buffer; data: Basemap } | null = null;

/** The file's bytes (served as they are) and its parsed content. */
export function basemap(): { bytes: Buffer; data: Basemap } {
  if (!cached) {
    const bytes = readFileSync(BASEMAP_FILE);
    cached = { bytes, data: JSON.parse(bytes.toString("utf8")) as Basemap };
  }
  return cached;
}

/** Great-circle distance, km. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const h =
    Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2;
  return kmFromHaverSin(h);
}

/** The settlement nearest to a point (within `maxKm`), with its distance. */
export function nearestSettlement(
  lat: number,
  lon: number,
  maxKm = 50,
): { name_ru: string; name_en: string; km: number } | null {
  let best: { name_ru: string; name_en: string; km: number } | null = null;
  for (const f of basemap().data.features) {
    if (f.properties.layer !== "settlement" || f.geometry.type !== "Point") continue;
    const [x, y] = f.geometry.coordinates;
    const km = distanceKm({ lat, lon }, { lat: y, lon: x });
    if (km <= maxKm && (!best || km < best.km))
      best = { name_ru: f.properties.name_ru ?? "", name_en: f.properties.name_en ?? "", km };
  }
  return best;
}
