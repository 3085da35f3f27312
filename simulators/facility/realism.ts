// What makes a simulated facility's meter look like a real building's: the
// calendar it keeps (public holidays, school vacations), days that do not
// follow the timetable (attendance, a class quarantined, a staff training
// day), hour-to-hour variation no baseline model explains (small loads
// switching, the meter's own class-1 error, solar and wind on the envelope),
// a slow wander of the always-on load (a server room, refrigeration, a
// boiler-room pump left running) and spells of weather warmer or colder than
// the climate. All opt-in and all pure functions of time and seed, so live
// registers and generated history agree; without it the simulator is the
// noiseless change-point model the savings truth tests rely on.
import { DEFAULT_UTC_OFFSET_HOURS, type FacilityKind, hashUnit, occupancy, smoothNoise } from "./model.ts";

export interface RealismOptions {
  /** Seed of the irregularities (the weather and load keep the facility's own seed). */
  seed: number;
  /** Standard deviation of the hourly variation of the metered load, fraction (0.03 = 3 %). */
  hourlyNoise: number;
  /**
   * Amplitude of the always-on load's wander over a week or two (a fridge, a
   * server room, a pump left running), fraction of that load. A change that
   * lasts months is a non-routine event, not variation: IPMVP adjusts the
   * baseline for it, and the savings band does not cover it.
   */
  baseDrift: number;
  /** Day-to-day spread of occupancy on open days (attendance, appointments), fraction. */
  occupancySpread: number;
  /** Probability that an open day is irregular (quarantine, a training day): occupancy × 0.3. */
  irregularDayRate: number;
  /** Local dates (inclusive ranges, YYYY-MM-DD) the facility keeps as holidays: occupied as on a Sunday. */
  closures: readonly { from: string; to: string }[];
  /** Amplitude of weather spells (one to three weeks) around the simulated climate, K. */
  weatherAnomalyK: number;
}

/**
 * The demo's levels, chosen from what metered buildings show rather than
 * from any result: hourly CV(RMSE) of good baselines of 5–20 % (ASHRAE
 * Guideline 14 accepts 30 %), a school's day varying by up to ±15 % with an
 * irregular day now and then, always-on loads wandering by several per cent.
 * The hourly baselines of seven metered university buildings (the shared
 * Cambridge data) show R² 0.65–0.95 and CV(RMSE) 6–15 %; the demo's
 * facilities come out at R² 0.74–0.99 and CV(RMSE) 6–11 %.
 */
export const DEMO_REALISM: Omit<RealismOptions, "seed" | "closures"> = {
  hourlyNoise: 0.05,
  baseDrift: 0.08,
  occupancySpread: 0.15,
  irregularDayRate: 0.02,
  weatherAnomalyK: 2,
};

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Share of the usual occupancy on an irregular day. */
const IRREGULAR_DAY_OCCUPANCY = 0.3;
/** A Sunday (1 January 2023) in a month every kind is open: a closure is occupied as this day is. */
const A_SUNDAY_MS = Date.UTC(2023, 0, 1);

/** A standard normal deviate from two hashed uniforms (Box–Muller). */
function gaussian(seed: number, k: number): number {
  const u1 = (hashUnit(seed, k) + 1) / 2;
  const u2 = (hashUnit(seed + 1, k) + 1) / 2;
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}

export class Realism {
  private readonly offsetMs: number;
  private dayKey = Number.NaN;
  private dayFactor = 1;
  private dayClosed = false;

  constructor(
    readonly kind: FacilityKind,
    readonly opts: RealismOptions,
    utcOffsetHours = DEFAULT_UTC_OFFSET_HOURS,
  ) {
    for (const [k, v] of Object.entries(opts)) {
      if (typeof v === "number" && !(Number.isFinite(v) && v >= 0))
        throw new Error(`realism.${k} ${v}: expected a finite number ≥ 0`);
    }
    if (!(opts.irregularDayRate <= 1))
      throw new Error(`realism.irregularDayRate ${opts.irregularDayRate}: expected ≤ 1`);
    this.offsetMs = utcOffsetHours * HOUR_MS;
  }

  private day(ms: number): void {
    const key = Math.floor((ms + this.offsetMs) / DAY_MS);
    if (key === this.dayKey) return;
    this.dayKey = key;
    const date = new Date(key * DAY_MS).toISOString().slice(0, 10);
    this.dayClosed = this.opts.closures.some((c) => c.from <= date && date <= c.to);
    const irregular = (hashUnit(this.opts.seed + 3, key) + 1) / 2 < this.opts.irregularDayRate;
    this.dayFactor = irregular
      ? IRREGULAR_DAY_OCCUPANCY
      : Math.max(0, 1 + this.opts.occupancySpread * hashUnit(this.opts.seed + 5, key));
  }

  /** Occupancy 0..1 at an instant: the kind's timetable, its closures and the day's irregularity. */
  occupancy(date: Date): number {
    const ms = date.getTime();
    this.day(ms);
    const offsetH = this.offsetMs / HOUR_MS;
    if (this.dayClosed) {
      const localMsOfDay = (((ms + this.offsetMs) % DAY_MS) + DAY_MS) % DAY_MS;
      return occupancy(this.kind, new Date(A_SUNDAY_MS + localMsOfDay - this.offsetMs), offsetH);
    }
    return Math.min(1, occupancy(this.kind, date, offsetH) * this.dayFactor);
  }

  /** Factor of the metered load in the hour of `ms` (the variation no model explains). */
  loadFactor(ms: number): number {
    const g = gaussian(this.opts.seed + 7, Math.floor(ms / HOUR_MS));
    // Clipped at ±3σ: a meter never reads a negative hour.
    return 1 + this.opts.hourlyNoise * Math.max(-3, Math.min(3, g));
  }

  /** Factor of the always-on load: a wander over about ten days. */
  baseFactor(ms: number): number {
    return 1 + this.opts.baseDrift * smoothNoise(this.opts.seed + 9, ms, 10 * DAY_MS);
  }

  /** Departure of the outdoor temperature from the simulated climate, K. */
  tempOffsetC(ms: number): number {
    return this.opts.weatherAnomalyK * smoothNoise(this.opts.seed + 11, ms, 14 * DAY_MS);
  }
}
