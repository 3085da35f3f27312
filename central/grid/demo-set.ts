// The demo's grid: a synthetic, illustrative set of connection points and
// lines around Makhachkala, Kaspiysk, Izberbash and Derbent. Positions are
// near the towns named, but the names carry "(усл.)" (illustrative), and
// every capacity figure is invented to show the map's cases — open, limited,
// closed, an operator's own figure, a planned reinforcement, a single
// transformer, a point with unknown capacity. It is marked illustrative in
// the data, the API and the page.
//
// The figures are data, in demo-set.json beside this module (the build
// copies it into dist/ with the code), checked where they are read: a key
// the model does not know, a figure of the wrong type or a line to a point
// that is not there stops the demo with the path of what is wrong.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { ConnectionPoint, GridLine, GridSet } from "./model.ts";
import { loadGridSet, saveGridSet } from "./store.ts";

export const DEMO_SET_FILE = join(import.meta.dirname, "demo-set.json");

const Mw = Type.Number({ minimum: 0 });
const Kv = Type.Number({ exclusiveMinimum: 0 });
const Mva = Type.Number({ exclusiveMinimum: 0 });

/** A connection point as model.ts has it, less the operator (one for the whole set); the optional figures are null when left out. */
const DemoPointSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1 }),
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
    voltages_kv: Type.Array(Kv),
    transformer_mva: Type.Array(Mva),
    peak_load_mw: Type.Union([Mw, Type.Null()]),
    contracted_demand_mw: Mw,
    generation_connected_mw: Mw,
    generation_queue_mw: Mw,
    reinforcement_year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100 })),
    available_generation_mw: Type.Optional(Mw),
    available_demand_mw: Type.Optional(Mw),
  },
  { additionalProperties: false },
);

const DemoSetSchema = Type.Object(
  {
    operator: Type.String({ minLength: 1 }),
    points: Type.Array(DemoPointSchema, { minItems: 1 }),
    /** A line between two points, named by their ids. */
    lines: Type.Array(
      Type.Object(
        { from: Type.String(), to: Type.String(), voltage_kv: Kv },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
type DemoSet = Static<typeof DemoSetSchema>;

/** The demo set's figures, checked; an error names the JSON path of the first fault (`/points/3/lat: …`). */
export function parseDemoSet(text: string): DemoSet {
  const value: unknown = JSON.parse(text);
  const first = Value.Errors(DemoSetSchema, value).First();
  if (first) throw new Error(`${DEMO_SET_FILE}: ${first.path || "/"}: ${first.message}`);
  const set = value as DemoSet;
  const ids = new Set(set.points.map((p) => p.id));
  for (const [i, line] of set.lines.entries())
    for (const end of ["from", "to"] as const)
      if (!ids.has(line[end]))
        throw new Error(`${DEMO_SET_FILE}: /lines/${i}/${end}: no point "${line[end]}" in /points`);
  return set;
}

export function demoGridSet(nowMs = Date.now()): GridSet {
  const set = parseDemoSet(readFileSync(DEMO_SET_FILE, "utf8"));
  const points: ConnectionPoint[] = set.points.map((p) => ({
    id: p.id,
    name: p.name,
    operator: set.operator,
    lat: p.lat,
    lon: p.lon,
    voltages_kv: p.voltages_kv,
    transformer_mva: p.transformer_mva,
    peak_load_mw: p.peak_load_mw,
    contracted_demand_mw: p.contracted_demand_mw,
    generation_connected_mw: p.generation_connected_mw,
    generation_queue_mw: p.generation_queue_mw,
    reinforcement_year: p.reinforcement_year ?? null,
    available_generation_mw: p.available_generation_mw ?? null,
    available_demand_mw: p.available_demand_mw ?? null,
  }));
  const byId = new Map(points.map((p) => [p.id, p]));
  const lines: GridLine[] = set.lines.map(({ from, to, voltage_kv }) => {
    const pa = byId.get(from)!;
    const pb = byId.get(to)!;
    return {
      id: `${from}--${to}`,
      name: `ВЛ ${voltage_kv} кВ ${pa.name.replace(/^\S+ \d+ кВ /, "").replace(" (усл.)", "")} — ${pb.name.replace(/^\S+ \d+ кВ /, "")}`,
      operator: set.operator,
      voltage_kv,
      coordinates: [
        [pa.lon, pa.lat],
        [pb.lon, pb.lat],
      ],
    };
  });
  return { points, lines, illustrative: true, source: "demo", imported_at: new Date(nowMs).toISOString() };
}

/**
 * The demo's wiring: stores the illustrative set in the data dir unless an
 * operator has imported a real one there (a real set is never overwritten).
 */
export function installDemoGrid(dataDir: string): void {
  let existing: GridSet | null = null;
  try {
    existing = loadGridSet(dataDir);
  } catch {
    existing = null;
  }
  if (existing && !existing.illustrative) return;
  saveGridSet(dataDir, demoGridSet());
}
