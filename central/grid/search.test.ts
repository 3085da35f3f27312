// The fast check (kd-tree search over flat arrays + ranking on precomputed
// numbers) against the truth by brute force: every point's great-circle
// distance (geokdbush's `distance`), sorted, the candidates taken by the rule
// (the k nearest reaching the needed class within the search radius, then
// the 3 nearest of any class), each evaluated with `evaluatePoint` and
// ranked with `rankOptions` — the hand-tested rules of check.test.ts.
import { Value } from "@sinclair/typebox/value";
import { distance } from "geokdbush";
import { describe, expect, it } from "vitest";
import { classIndexForMw, evaluatePoint, GridIndex, type GridOption, rankOptions } from "./check.ts";
import { type GridConfig, GridConfigSchema } from "./config.ts";
import type { ConnectionPoint, GridSet, Kind } from "./model.ts";

const defaults = Value.Default(GridConfigSchema, {}) as GridConfig;

/** Deterministic LCG in [0, 1). */
const rng = (seed: number) => () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};

const VOLTAGES = [[], [0.4], [10, 0.4], [35, 10], [110, 35, 10], [110, 10], [220, 110, 10], [500, 220]];

function randomPoints(
  count: number,
  r: () => number,
  place: () => { lat: number; lon: number },
): ConnectionPoint[] {
  const points: ConnectionPoint[] = [];
  for (let i = 0; i < count; i++) {
    // Every 50th point sits exactly on an earlier one: distance ties must go the same way.
    const earlier = i % 50 === 49 ? points[Math.floor(r() * points.length)] : undefined;
    const at = earlier ? { lat: earlier.lat, lon: earlier.lon } : place();
    const voltages = VOLTAGES[Math.floor(r() * VOLTAGES.length)]!;
    const size = [2.5, 10, 16, 40, 63][Math.floor(r() * 5)]!;
    const u = r();
    points.push({
      id: `p${i}`,
      name: `P ${i}`,
      operator: null,
      ...at,
      voltages_kv: [...voltages],
      transformer_mva: u < 0.1 ? [] : u < 0.2 ? [size] : [size, size],
      peak_load_mw: r() < 0.1 ? null : size * r(),
      contracted_demand_mw: size * 0.2 * r(),
      generation_connected_mw: size * 0.5 * r(),
      generation_queue_mw: size * 0.5 * r(),
      reinforcement_year: r() < 0.2 ? 2030 : null,
      available_generation_mw: r() < 0.1 ? 60 * r() - 10 : null,
      available_demand_mw: r() < 0.1 ? 60 * r() - 10 : null,
    });
  }
  return points;
}

/** The candidates by the rule, from a full scan. */
function scanCandidates(
  points: readonly ConnectionPoint[],
  site: Site,
  config: GridConfig,
): ConnectionPoint[] {
  const classes = config.voltageClasses;
  const needed = classIndexForMw(site.mw, classes);
  const radiusKm = Math.max(...classes.slice(needed).map((c) => c.max_line_km)) / config.routeFactor;
  const reaches = (p: ConnectionPoint) =>
    p.voltages_kv.length > 0 && Math.max(...p.voltages_kv) >= classes[needed]!.min_kv;
  const byDistance = points
    .map((p, i) => ({ p, i, d: distance(site.lon, site.lat, p.lon, p.lat) }))
    .filter((x) => x.d <= radiusKm)
    .sort((a, b) => a.d - b.d || a.i - b.i);
  const near = byDistance.filter((x) => reaches(x.p)).slice(0, config.maxCandidates);
  const context = byDistance.slice(0, 3).filter((x) => !near.includes(x));
  return [...near, ...context].map((x) => x.p);
}

interface Site {
  lat: number;
  lon: number;
  mw: number;
  kind: Kind;
}

const view = (o: GridOption) => ({
  ...o,
  reasons: o.reasons.map((r) => ({ code: r.code, ru: r.ru, en: r.en })),
});

function compare(points: ConnectionPoint[], sites: Site[], config: GridConfig) {
  const set: GridSet = { points, lines: [], illustrative: false, source: "test", imported_at: "" };
  const index = new GridIndex(set, config.voltageClasses, config.powerFactor);
  let options = 0;
  let statuses = new Set<string>();
  for (const site of sites) {
    const truth = scanCandidates(points, site, config);
    expect(index.candidates(site, config).map((p) => p.id)).toEqual(truth.map((p) => p.id));
    const ranked = rankOptions(truth.map((p) => evaluatePoint(p, site, config)));
    expect(index.check(site, config, config.maxOptions).map(view)).toEqual(
      ranked.slice(0, config.maxOptions).map(view),
    );
    const top = ranked.slice(0, config.maxCandidates);
    const { best, available } = index.best(site, config, config.maxCandidates);
    expect(best ? view(best) : null).toEqual(top[0] ? view(top[0]) : null);
    expect(available).toBe(top.filter((o) => o.status === "available").length);
    options += ranked.length;
    statuses = new Set([...statuses, ...ranked.map((o) => o.status)]);
  }
  return { options, statuses };
}

function randomSites(count: number, r: () => number, place: () => { lat: number; lon: number }): Site[] {
  return Array.from({ length: count }, () => ({
    ...place(),
    mw: [0.1, 0.15, 5, 25, 120, 400][Math.floor(r() * 6)]!,
    kind: r() < 0.6 ? ("generation" as const) : ("demand" as const),
  }));
}

describe("fast search = full scan", () => {
  it("4,000 random points, 300 random sites, default classes: the same candidates, options and batch figures", () => {
    const r = rng(11);
    const place = () => ({ lat: 50 + r() * 6, lon: 35 + r() * 10 });
    const points = randomPoints(4000, r, place);
    // Sites inside the area and around it (fewer candidates near and beyond its edges).
    const sites = randomSites(300, r, () => ({ lat: 48 + r() * 10, lon: 32 + r() * 16 }));
    const { options, statuses } = compare(points, sites, defaults);
    // The comparison was not empty: all three statuses occurred among thousands of options.
    expect(options).toBeGreaterThan(300 * 10);
    expect([...statuses].sort()).toEqual(["available", "needs_reinforcement", "unavailable"]);
  });

  it("short lines (radius ≈ 21 km) and many candidates: the radius cuts the lists", () => {
    const r = rng(12);
    const place = () => ({ lat: 50 + r() * 3, lon: 35 + r() * 5 });
    const points = randomPoints(3000, r, place);
    const sites = randomSites(200, r, place);
    const config: GridConfig = {
      ...defaults,
      maxCandidates: 60,
      maxOptions: 30,
      voltageClasses: defaults.voltageClasses.map((c) => ({ ...c, max_line_km: c.max_line_km / 10 })),
    };
    const { options } = compare(points, sites, config);
    expect(options).toBeGreaterThan(200);
  });

  it("across the antimeridian and near the pole (the prefilter box cannot be used there)", () => {
    const r = rng(13);
    const wrap = (lon: number) => (lon >= 180 ? lon - 360 : lon);
    const place = () => ({ lat: 62 + r() * 27.9, lon: wrap(176 + r() * 8) });
    const points = randomPoints(3000, r, place);
    const sites = randomSites(200, r, place);
    sites.push(
      { lat: 89.95, lon: 0, mw: 25, kind: "generation" },
      { lat: 65, lon: 180, mw: 5, kind: "demand" },
    );
    const { options } = compare(points, sites, { ...defaults, maxCandidates: 5 });
    expect(options).toBeGreaterThan(200);
  });

  it("an empty set has no candidates", () => {
    const index = new GridIndex(
      { points: [], lines: [], illustrative: false, source: "test", imported_at: "" },
      defaults.voltageClasses,
    );
    const site = { lat: 55, lon: 37, mw: 5, kind: "generation" as const };
    expect(index.check(site, defaults, 8)).toEqual([]);
    expect(index.best(site, defaults, 20)).toEqual({ best: null, available: 0 });
  });
});
