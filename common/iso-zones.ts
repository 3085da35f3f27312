// The zone boundaries of ISO 10816-21:2015 Annex A Table A.1 (= VDI
// 3834-1:2009 Table 1, "Group 1": turbines ≤ 3 MW with gearbox) per
// component class, as central needs them to judge how far a measuring point
// is from a boundary (the alarm deadband): B/C opens zone C (warning), C/D
// zone D (alarm). The edge rates each block with the same table
// (edge-agent/diagnostics/zones.ts, which a turbine type may override); a
// test in test/ keeps the two equal.
//
// Each row names the `vibration` field that carries its band's RMS: the
// velocity RMS in the component's velocity band (`v_rms_mm_s`, mm/s), the
// acceleration RMS in its acceleration band (`a_rms_m_s2`, m/s²).
import type { ComponentClass, VibrationField } from "./names.ts";

export interface ZoneBoundaryRow {
  readonly quantity: "velocity" | "acceleration";
  readonly field: Extract<VibrationField, "v_rms_mm_s" | "a_rms_m_s2">;
  readonly bandHz: readonly [number, number];
  /** Boundary B/C: zone C from here on (unit of the field). */
  readonly bc: number;
  /** Boundary C/D: zone D from here on. */
  readonly cd: number;
}

const v = (bandHz: [number, number], bc: number, cd: number): ZoneBoundaryRow => ({
  quantity: "velocity",
  field: "v_rms_mm_s",
  bandHz,
  bc,
  cd,
});
const a = (bandHz: [number, number], bc: number, cd: number): ZoneBoundaryRow => ({
  quantity: "acceleration",
  field: "a_rms_m_s2",
  bandHz,
  bc,
  cd,
});

export const ISO_10816_21_BOUNDARIES: Readonly<Record<ComponentClass, readonly ZoneBoundaryRow[]>> = {
  nacelle: [a([0.1, 10], 0.3, 0.5), v([0.1, 10], 60, 100)],
  main_bearing: [v([10, 1000], 2.0, 3.2)],
  gearbox: [a([10, 2000], 7.5, 12), v([10, 1000], 3.5, 5.6)],
  generator: [a([10, 5000], 10, 16), v([10, 1000], 6.0, 10)],
};

/**
 * How far a block's values are toward zone C and zone D: the largest value ÷
 * boundary over the component's rows (≥ 1: in that zone or worse); null when
 * the block carries none of the rows' fields.
 */
export function zoneBoundaryRatio(
  fields: Readonly<Record<string, number | undefined>>,
  component: ComponentClass,
): { warning: number; alarm: number } | null {
  let warning = Number.NEGATIVE_INFINITY;
  let alarm = Number.NEGATIVE_INFINITY;
  for (const row of ISO_10816_21_BOUNDARIES[component]) {
    const value = fields[row.field];
    if (value === undefined || !Number.isFinite(value) || value < 0) continue;
    warning = Math.max(warning, value / row.bc);
    alarm = Math.max(alarm, value / row.cd);
  }
  return Number.isFinite(warning) ? { warning, alarm } : null;
}
