// Electricity demand of a social facility (hospital, clinic, school) and the
// outdoor temperature of its site. Pure functions of time and seed, so live
// registers and generated history agree.
//
// Load = base + occupancy-driven load + heating and cooling components that
// are linear in degrees below/above a balance point — the change-point
// structure ASHRAE Guideline 14 / IPMVP Option C baselines regress against
// (Kissock, Haberl & Claridge, "Inverse Modeling Toolkit", ASHRAE RP-1050).

export type FacilityKind = "hospital" | "clinic" | "school";
export const FACILITY_KINDS: readonly FacilityKind[] = ["hospital", "clinic", "school"];

export interface EnergyMeasure {
  /** From this instant consumption is reduced. */
  from: Date;
  /** Fraction of the modelled load saved, 0..1 (e.g. 0.12). */
  savingFraction: number;
}

export interface FacilityProfile {
  nominalPeakKw: number;
  /** Always-on share of the peak (ventilation, IT, refrigeration, standby). */
  baseFraction: number;
  /** Share of the peak that follows occupancy. */
  occupancyFraction: number;
  /** Heating below this outdoor temperature, °C (electric share: heat pumps, pumps, fans). */
  heatingBalanceC: number;
  heatingKwPerK: number;
  /** Cooling above this outdoor temperature, °C. */
  coolingBalanceC: number;
  coolingKwPerK: number;
}

export const FACILITY_PROFILES: Record<FacilityKind, FacilityProfile> = {
  hospital: {
    nominalPeakKw: 800,
    baseFraction: 0.45,
    occupancyFraction: 0.3,
    heatingBalanceC: 15,
    heatingKwPerK: 5,
    coolingBalanceC: 20,
    coolingKwPerK: 12,
  },
  clinic: {
    nominalPeakKw: 150,
    baseFraction: 0.15,
    occupancyFraction: 0.55,
    heatingBalanceC: 15,
    heatingKwPerK: 1.2,
    coolingBalanceC: 21,
    coolingKwPerK: 2.5,
  },
  school: {
    nominalPeakKw: 120,
    baseFraction: 0.1,
    occupancyFraction: 0.65,
    heatingBalanceC: 15,
    heatingKwPerK: 1.2,
    coolingBalanceC: 22,
    coolingKwPerK: 1.5,
  },
};

export interface FacilityModelOptions {
  nominalPeakKw?: number;
  measure?: EnergyMeasure;
  /** Local time offset of the site, hours (default +3). */
  utcOffsetHours?: number;
  /** Seed of the load noise; without it the load is the noiseless model. */
  seed?: number;
}

export const DEFAULT_UTC_OFFSET_HOURS = 3;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Linear ramp 0→1 over [a, b]. */
const ramp = (x: number, a: number, b: number): number => Math.min(1, Math.max(0, (x - a) / (b - a)));
/** 1 inside [open, close] with one-hour ramps on both sides, hours of the day. */
const window = (hour: number, open: number, close: number): number =>
  Math.min(ramp(hour, open - 1, open), 1 - ramp(hour, close, close + 1));

/** Local hour of day (fractional) and weekday (0 Sunday) at the site. */
export function localTime(
  date: Date,
  utcOffsetHours = DEFAULT_UTC_OFFSET_HOURS,
): { hour: number; weekday: number; month: number } {
  const local = new Date(date.getTime() + utcOffsetHours * HOUR_MS);
  return {
    hour: local.getUTCHours() + local.getUTCMinutes() / 60 + local.getUTCSeconds() / 3600,
    weekday: local.getUTCDay(),
    month: local.getUTCMonth(),
  };
}

/** Occupancy 0..1 by hour of day and weekday; schools close for July and August. */
export function occupancy(kind: FacilityKind, date: Date, utcOffsetHours = DEFAULT_UTC_OFFSET_HOURS): number {
  const { hour, weekday, month } = localTime(date, utcOffsetHours);
  const workday = weekday >= 1 && weekday <= 5;
  switch (kind) {
    case "hospital":
      // Wards are occupied around the clock; outpatient and surgery add a day peak.
      return 0.45 + 0.55 * window(hour, 8, 18) * (workday ? 1 : 0.5);
    case "clinic":
      if (workday) return window(hour, 8, 20);
      if (weekday === 6) return 0.6 * window(hour, 9, 13);
      return 0;
    case "school":
      if (month === 6 || month === 7) return 0;
      return workday ? window(hour, 8, 16) : 0;
  }
}

/** Deterministic uniform in [-1, 1) from integers (a small avalanche hash). */
export function hashUnit(seed: number, k: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(k | 0, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 2147483648 - 1;
}

/** Smooth noise in [-1, 1): cosine interpolation between hashed values on a grid of `periodMs`. */
export function smoothNoise(seed: number, timeMs: number, periodMs: number): number {
  const x = timeMs / periodMs;
  const k = Math.floor(x);
  const t = (1 - Math.cos((x - k) * Math.PI)) / 2;
  return hashUnit(seed, k) * (1 - t) + hashUnit(seed, k + 1) * t;
}

/**
 * Outdoor air temperature of the site, °C: annual cycle (coldest around
 * 20 January), daily cycle (warmest at 15:00 local) and weather noise
 * (synoptic, a few days; and hours). Defaults fit a southern Russian
 * lowland site (annual mean ~12 °C).
 */
export function outdoorTempC(date: Date, seed: number, utcOffsetHours = DEFAULT_UTC_OFFSET_HOURS): number {
  const t = date.getTime();
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const dayOfYear = (t - yearStart) / DAY_MS;
  const seasonal = 12 - 12 * Math.cos((2 * Math.PI * (dayOfYear - 20)) / 365.25);
  const { hour } = localTime(date, utcOffsetHours);
  const daily = 4 * Math.cos((2 * Math.PI * (hour - 15)) / 24);
  const weather =
    3 * smoothNoise(seed, t, 3 * DAY_MS) +
    1.5 * smoothNoise(seed + 1, t, 0.7 * DAY_MS) +
    0.4 * smoothNoise(seed + 2, t, 2 * HOUR_MS);
  return seasonal + daily + weather;
}

/**
 * Electric load of a facility, kW. With `opts.measure`, from `measure.from`
 * on the load is exactly (1 − savingFraction) × the modelled load; with
 * `opts.seed`, a ±4 % smooth noise (unmodelled variation) multiplies it.
 */
export function facilityLoadKw(
  kind: FacilityKind,
  date: Date,
  tempC: number,
  opts: FacilityModelOptions = {},
): number {
  const profile = FACILITY_PROFILES[kind];
  const scale = (opts.nominalPeakKw ?? profile.nominalPeakKw) / profile.nominalPeakKw;
  const occ = occupancy(kind, date, opts.utcOffsetHours);
  const heating = Math.max(0, profile.heatingBalanceC - tempC) * profile.heatingKwPerK;
  // Cooling runs harder when the building is occupied.
  const cooling = Math.max(0, tempC - profile.coolingBalanceC) * profile.coolingKwPerK * (0.4 + 0.6 * occ);
  let kw =
    scale *
    (profile.nominalPeakKw * (profile.baseFraction + profile.occupancyFraction * occ) + heating + cooling);
  if (opts.seed !== undefined) kw *= 1 + 0.04 * smoothNoise(opts.seed + 17, date.getTime(), 20 * 60_000);
  if (opts.measure && date.getTime() >= opts.measure.from.getTime()) kw *= 1 - opts.measure.savingFraction;
  return kw;
}

export interface HourlyRow {
  /** Start of the hour, ISO 8601 UTC. */
  timestamp: string;
  /** Energy in the hour, kWh (load integrated over the hour). */
  kwh: number;
  /** Mean outdoor temperature in the hour, °C. */
  temp_c: number;
}

/**
 * Hourly history between `from` and `to` (hours starting in [from, to),
 * `from` rounded down to the hour), for importing into the store. Energy is
 * the load integrated at 5-minute midpoints.
 */
export function hourlyHistory(args: {
  kind: FacilityKind;
  from: Date;
  to: Date;
  seed: number;
  measure?: EnergyMeasure;
  nominalPeakKw?: number;
  utcOffsetHours?: number;
}): HourlyRow[] {
  const rows: HourlyRow[] = [];
  const steps = 12;
  const start = Math.floor(args.from.getTime() / HOUR_MS) * HOUR_MS;
  for (let h = start; h < args.to.getTime(); h += HOUR_MS) {
    let kwh = 0;
    let temp = 0;
    for (let i = 0; i < steps; i++) {
      const at = new Date(h + ((i + 0.5) * HOUR_MS) / steps);
      const tempC = outdoorTempC(at, args.seed, args.utcOffsetHours);
      temp += tempC / steps;
      kwh +=
        facilityLoadKw(args.kind, at, tempC, {
          seed: args.seed,
          ...(args.measure ? { measure: args.measure } : {}),
          ...(args.nominalPeakKw === undefined ? {} : { nominalPeakKw: args.nominalPeakKw }),
          ...(args.utcOffsetHours === undefined ? {} : { utcOffsetHours: args.utcOffsetHours }),
        }) / steps;
    }
    rows.push({ timestamp: new Date(h).toISOString(), kwh, temp_c: temp });
  }
  return rows;
}
