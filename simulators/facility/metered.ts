// What the main meter of a controllable facility sees besides heating and
// cooling: the always-on base, the plug load, lighting and ventilation, with
// the model's ±4 % smooth variation, an energy-saving measure given as a
// fraction (a retrofit: lighting, drives) and, with realism, the base load's
// wander. The live simulator (index.ts) and generated history (history.ts)
// both use it, so live registers and history agree.
import type { BuildingState } from "./building.ts";
import { type EnergyMeasure, FACILITY_PROFILES, type FacilityKind, smoothNoise } from "./model.ts";
import type { Realism } from "./realism.ts";

export interface MeteredOptions {
  kind: FacilityKind;
  seed: number;
  nominalPeakKw: number;
  measure?: EnergyMeasure | undefined;
  realism?: Realism | null | undefined;
}

/** Loads other than heating and cooling at `date`, kW. */
export function otherLoadsKw(parts: BuildingState, date: Date, o: MeteredOptions): number {
  const t = date.getTime();
  const baseKw = o.nominalPeakKw * FACILITY_PROFILES[o.kind].baseFraction * (o.realism?.baseFactor(t) ?? 1);
  const noise = 1 + 0.04 * smoothNoise(o.seed + 17, t, 20 * 60_000);
  const kw = (baseKw + parts.plugKw + parts.lightingKw + parts.ventilationKw) * noise;
  // A measure given as a fraction acts on these loads; heating's saving comes from its controls.
  return o.measure && t >= o.measure.from.getTime() ? kw * (1 - o.measure.savingFraction) : kw;
}
