// Operating model of a simulated wind turbine: wind (an Ornstein–Uhlenbeck
// process around the mean, IEC 61400-1 class B turbulence), the power
// curve, rotor speed, and the steady-state SCADA values (bearing faults warm
// their bearing). Pure functions; randomness only through the `rng`
// argument. The drive train's vibration is physics.ts.
import type { TurbinePointId } from "../../common/names.ts";
import { type FaultSpec, gaussian } from "./physics.ts";

export const TURBINE_RATINGS = {
  cutInMps: 3,
  ratedMps: 12,
  cutOutMps: 25,
  ratedPowerKw: 2500,
  minRotorRpm: 6.4,
  maxRotorRpm: 15.9,
  gearboxRatio: 110,
  meanWindMps: 8,
  /** IEC 61400-1 class B turbulence intensity, roughly. */
  turbulenceIntensity: 0.14,
  /** Correlation time of the turbulence, s. */
  turbulenceTimeS: 30,
} as const;

/** Power curve: cubic between cut-in and rated, flat to cut-out, kW. */
export function powerCurveKw(windMps: number): number {
  const r = TURBINE_RATINGS;
  if (windMps < r.cutInMps || windMps >= r.cutOutMps) return 0;
  if (windMps >= r.ratedMps) return r.ratedPowerKw;
  return (r.ratedPowerKw * (windMps ** 3 - r.cutInMps ** 3)) / (r.ratedMps ** 3 - r.cutInMps ** 3);
}

/**
 * Rotor speed, rpm: variable-speed operation at constant tip-speed ratio
 * (speed ∝ wind) between the minimum and maximum rotor speed; idling at the
 * minimum speed below cut-in and above cut-out (pitched out).
 */
export function rotorSpeedRpm(windMps: number): number {
  const r = TURBINE_RATINGS;
  if (windMps < r.cutInMps || windMps >= r.cutOutMps) return r.minRotorRpm;
  const optimal = (r.maxRotorRpm * windMps) / 10.5;
  return Math.min(r.maxRotorRpm, Math.max(r.minRotorRpm, optimal));
}

/**
 * One step of the wind speed as an Ornstein–Uhlenbeck process around the
 * mean: exact discretisation, stationary standard deviation
 * turbulenceIntensity × mean.
 */
export function stepWindMps(windMps: number, dtS: number, rng: () => number): number {
  const r = TURBINE_RATINGS;
  const sigma = r.turbulenceIntensity * r.meanWindMps;
  const decay = Math.exp(-dtS / r.turbulenceTimeS);
  const next =
    r.meanWindMps + (windMps - r.meanWindMps) * decay + sigma * Math.sqrt(1 - decay * decay) * gaussian(rng);
  return Math.max(0, next);
}

export interface ScadaValues {
  rotor_speed_rpm: number;
  generator_speed_rpm: number;
  power_kw: number;
  wind_speed_m_s: number;
  nacelle_temp_c: number;
  main_bearing_temp_c: number;
  gearbox_bearing_temp_c: number;
  generator_bearing_temp_c: number;
  /** 0 stopped (not producing), 1 running. */
  operating_state: number;
}

/** Steady-state SCADA values for a wind speed; bearing faults warm their bearing. */
export function scadaFor(windMps: number, faults: readonly FaultSpec[], ambientC = 12): ScadaValues {
  const rotor = rotorSpeedRpm(windMps);
  const power = powerCurveKw(windMps);
  const load = power / TURBINE_RATINGS.ratedPowerKw;
  const heat = (point: TurbinePointId): number =>
    faults
      .filter((f) => f.point === point && f.fault.startsWith("bearing_"))
      .reduce((s, f) => Math.max(s, 12 * f.severity), 0);
  return {
    rotor_speed_rpm: rotor,
    generator_speed_rpm: rotor * TURBINE_RATINGS.gearboxRatio,
    power_kw: power,
    wind_speed_m_s: windMps,
    nacelle_temp_c: ambientC + 8 + 10 * load,
    main_bearing_temp_c: ambientC + 18 + 8 * load + heat("main_bearing"),
    gearbox_bearing_temp_c: ambientC + 35 + 25 * load + heat("gearbox_hss"),
    generator_bearing_temp_c: ambientC + 30 + 20 * load + heat("generator_de"),
    operating_state: power > 0 ? 1 : 0,
  };
}
