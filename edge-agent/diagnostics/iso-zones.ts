// Evaluation zones of ISO 10816-21:2015 (= VDI 3834-1:2009) for wind
// turbines with gearbox, from broadband velocity RMS per component class.
//
// The standard (ISO 10816-21:2015 Annex A, Table A.1; VDI 3834-1:2009
// Table 1, "Group 1" turbines ≤ 3 MW) gives only the B/C and C/D
// boundaries. It gives no A/B boundary, so A/B is derived here as
// B/C ÷ 1.6 — 1.6 being the ratio between successive zone boundaries
// of ISO 10816-1:1995 Annex B (B.1: "…a ratio of approximately 1:1.6
// between successive levels"). Change the table or pass overrides when a
// site has its own, agreed boundaries.
import type { ComponentClass, IsoZone } from "../../common/names.ts";

export interface ZoneBoundaries {
  /** Boundary A/B, mm/s (derived: B/C ÷ 1.6). */
  readonly ab_mm_s: number;
  /** Boundary B/C, mm/s (ISO 10816-21 Table A.1 / VDI 3834-1 Table 1). */
  readonly bc_mm_s: number;
  /** Boundary C/D, mm/s (ISO 10816-21 Table A.1 / VDI 3834-1 Table 1). */
  readonly cd_mm_s: number;
}

export interface VelocityZoneRow extends ZoneBoundaries {
  /** Frequency band of the velocity RMS the boundaries apply to, Hz. */
  readonly bandHz: readonly [number, number];
  readonly source: string;
}

/** Ratio between successive zone boundaries, ISO 10816-1:1995 Annex B. */
export const ZONE_BOUNDARY_RATIO = 1.6;

const row = (bandHz: [number, number], bc: number, cd: number, source: string): VelocityZoneRow => ({
  bandHz,
  ab_mm_s: bc / ZONE_BOUNDARY_RATIO,
  bc_mm_s: bc,
  cd_mm_s: cd,
  source,
});

export const DEFAULT_VELOCITY_ZONES: Readonly<Record<ComponentClass, VelocityZoneRow>> = {
  nacelle: row([0.1, 10], 60, 100, "ISO 10816-21:2015 Table A.1 / VDI 3834-1:2009 Table 1, nacelle/tower v"),
  main_bearing: row(
    [10, 1000],
    2.0,
    3.2,
    "ISO 10816-21:2015 Table A.1 / VDI 3834-1:2009 Table 1, rotor bearing v",
  ),
  gearbox: row([10, 1000], 3.5, 5.6, "ISO 10816-21:2015 Table A.1 / VDI 3834-1:2009 Table 1, gearbox v"),
  generator: row([10, 1000], 6.0, 10, "ISO 10816-21:2015 Table A.1 / VDI 3834-1:2009 Table 1, generator v"),
};

export type ZoneOverrides = Partial<Record<ComponentClass, Partial<ZoneBoundaries>>>;

/** The boundaries in force for a component: the table, with any overrides on top. */
export function zoneBoundaries(component: ComponentClass, overrides?: ZoneOverrides): ZoneBoundaries {
  const base = DEFAULT_VELOCITY_ZONES[component];
  const o = overrides?.[component];
  return {
    ab_mm_s: o?.ab_mm_s ?? base.ab_mm_s,
    bc_mm_s: o?.bc_mm_s ?? base.bc_mm_s,
    cd_mm_s: o?.cd_mm_s ?? base.cd_mm_s,
  };
}

/** Zone of a velocity RMS (mm/s); a value on a boundary belongs to the worse zone. */
export function evaluateIsoZone(
  vRmsMmS: number,
  component: ComponentClass,
  overrides?: ZoneOverrides,
): IsoZone {
  if (!Number.isFinite(vRmsMmS) || vRmsMmS < 0)
    throw new Error(`velocity RMS must be finite and ≥ 0, got ${vRmsMmS}`);
  const b = zoneBoundaries(component, overrides);
  if (vRmsMmS >= b.cd_mm_s) return "D";
  if (vRmsMmS >= b.bc_mm_s) return "C";
  if (vRmsMmS >= b.ab_mm_s) return "B";
  return "A";
}
