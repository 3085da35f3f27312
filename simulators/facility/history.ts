// Hourly history of a controllable facility from the same thermal model and
// meter as the live simulator (building.ts, metered.ts): the heating
// setpoint follows what the building controller would have been given at
// each instant (a weekly schedule with its setback), so a setback saves what
// the building's physics says rather than a fraction written in. With
// `counterfactual`, the same building is also run without the setpoints and
// without the measure, under the same weather, occupancy and variation: the
// energy it would have used, which is the truth a savings estimate is
// checked against.
import { Building, type BuildingParams } from "./building.ts";
import { otherLoadsKw } from "./metered.ts";
import {
  DEFAULT_UTC_OFFSET_HOURS,
  type EnergyMeasure,
  FACILITY_PROFILES,
  type FacilityKind,
  type HourlyRow,
  outdoorTempC,
} from "./model.ts";
import { Realism, type RealismOptions } from "./realism.ts";

export interface BuildingHistoryRow extends HourlyRow {
  /** Energy the same building would have used without the setpoints and the measure, kWh (with `counterfactual`). */
  counterfactual_kwh?: number;
  /** Indoor temperature at the end of the hour, °C. */
  indoor_c: number;
}

export interface BuildingHistoryArgs {
  kind: FacilityKind;
  from: Date;
  to: Date;
  seed: number;
  nominalPeakKw?: number;
  utcOffsetHours?: number;
  /** A retrofit given as a fraction of the loads other than heating and cooling. */
  measure?: EnergyMeasure;
  /** The heating setpoint the controller holds at an instant, °C (a schedule); absent: the default 21 °C. */
  heatingSetpointAt?: (ms: number) => number;
  realism?: RealismOptions;
  counterfactual?: boolean;
  params?: Partial<BuildingParams>;
  /** Integration step of the thermal model, ms (default 5 min; the live simulator takes ≤ 1 min). */
  thermalStepMs?: number;
}

const HOUR_MS = 3_600_000;
/** Samples per hour of the loads, and the setpoint's resolution. */
const STEPS = 12;
const STEP_MS = HOUR_MS / STEPS;
/**
 * The room's closed loop settles with τ / (1 + controller gain), about 2 h
 * for the school and longer for the others (building.ts), so explicit Euler
 * in 5-minute steps is stable and stays within a fraction of a per cent of
 * the live simulator's 1-minute integration (history.test.ts measures it).
 */
const DEFAULT_THERMAL_STEP_MS = STEP_MS;

/** Hours starting in [from, to), `from` rounded down to the hour. */
export function buildingHistory(args: BuildingHistoryArgs): BuildingHistoryRow[] {
  const kind = args.kind;
  const utcOffsetHours = args.utcOffsetHours ?? DEFAULT_UTC_OFFSET_HOURS;
  const nominalPeakKw = args.nominalPeakKw ?? FACILITY_PROFILES[kind].nominalPeakKw;
  const realism = args.realism ? new Realism(kind, args.realism, utcOffsetHours) : null;
  const outdoorAt = (t: number) =>
    outdoorTempC(new Date(t), args.seed, utcOffsetHours) + (realism?.tempOffsetC(t) ?? 0);
  const make = () =>
    new Building(
      kind,
      {
        nominalPeakKw,
        utcOffsetHours,
        ...(realism ? { occupancyAt: (d: Date) => realism.occupancy(d) } : {}),
      },
      args.params,
    );
  const actual = make();
  const without = args.counterfactual ? make() : null;
  const metered = { kind, seed: args.seed, nominalPeakKw, measure: args.measure, realism };
  const unmeasured = { ...metered, measure: undefined };
  const step = args.thermalStepMs ?? DEFAULT_THERMAL_STEP_MS;

  const rows: BuildingHistoryRow[] = [];
  const start = Math.floor(args.from.getTime() / HOUR_MS) * HOUR_MS;
  for (let h = start; h < args.to.getTime(); h += HOUR_MS) {
    const factor = realism?.loadFactor(h) ?? 1;
    let kwh = 0;
    let cf = 0;
    let temp = 0;
    for (let i = 0; i < STEPS; i++) {
      const t = h + i * STEP_MS;
      const mid = new Date(t + STEP_MS / 2);
      const tempC = outdoorAt(mid.getTime());
      temp += tempC / STEPS;
      if (args.heatingSetpointAt) actual.controls.heatingSetpointC = args.heatingSetpointAt(t);
      kwh += (otherLoadsKw(actual.state(mid, tempC), mid, metered) * STEP_MS) / HOUR_MS;
      kwh += actual.advance(t, STEP_MS, outdoorAt, step);
      if (without) {
        cf += (otherLoadsKw(without.state(mid, tempC), mid, unmeasured) * STEP_MS) / HOUR_MS;
        cf += without.advance(t, STEP_MS, outdoorAt, step);
      }
    }
    rows.push({
      timestamp: new Date(h).toISOString(),
      kwh: kwh * factor,
      temp_c: temp,
      indoor_c: actual.indoorC,
      ...(without ? { counterfactual_kwh: cf * factor } : {}),
    });
  }
  return rows;
}
