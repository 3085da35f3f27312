// The controllable part of a simulated facility: heating/cooling with a
// lumped thermal model, lighting and ventilation by zone, and the plug load
// that nobody controls. Defaults (setpoint 21 °C, every zone lit and
// ventilated at 100 %) reproduce the change-point load of model.ts exactly,
// so a facility nobody commands meters as before.
//
// Thermal model: one node (the building's air and inner mass), 1R1C
// (ISO 13790 §C simplifies a building to such a network; ISO 52016-1 keeps
// it as its simplest case):
//   C dT/dt = UA (T_out − T_in) + gains + Q_hvac,   τ = C / UA
// UA is the electric heating slope of the profile times the heat pump's COP
// (the profile's kW per K are electric); internal gains are what makes the
// balance point lie below the default setpoint: gains = UA (21 − T_balance).
// Q_hvac is a proportional controller around the steady load, capped at the
// plant's capacity; the meter sees |Q_hvac| / COP.
import { FACILITY_PROFILES, type FacilityKind, type FacilityModelOptions, occupancy } from "./model.ts";

export const DEFAULT_SETPOINT_C = 21;
export const HVAC_MODES = { off: 0, heat: 1, cool: 2, auto: 3 } as const;

export interface BuildingParams {
  /** τ = C/UA, hours (light school building ~30–60 h; hospital mass larger). */
  timeConstantH: number;
  /** Seasonal coefficient of performance of heating and cooling (heat pump / chiller). */
  cop: number;
  /** Proportional gain of the room controller, W of heat per W of loss per K of error. */
  controllerGainPerK: number;
  /** Plant capacity as outdoor-design ΔT it covers at UA, K (sizes Q_max = UA × this). */
  designDeltaK: number;
  /** Shares of the occupancy-driven load: lighting, ventilation; the rest is plug load. */
  lightingShare: number;
  ventilationShare: number;
  /** Lighting and ventilation zones. */
  zones: number;
}

/** The plant every kind has: a heat pump and chiller, their room controller and capacity, two zones. */
const PLANT = { cop: 3, controllerGainPerK: 20, designDeltaK: 55, zones: 2 } as const;

export const BUILDING_PARAMS: Record<FacilityKind, BuildingParams> = {
  hospital: { ...PLANT, timeConstantH: 80, lightingShare: 0.3, ventilationShare: 0.35 },
  clinic: { ...PLANT, timeConstantH: 50, lightingShare: 0.35, ventilationShare: 0.25 },
  school: { ...PLANT, timeConstantH: 40, lightingShare: 0.35, ventilationShare: 0.25 },
};

export interface BuildingControls {
  heatingSetpointC: number;
  coolingSetpointC: number;
  hvacMode: number;
  /** Per zone: 1 lights follow occupancy, 0 off. */
  lighting: number[];
  /** Per zone: fan speed, % of nominal. */
  ventilationPct: number[];
}

export const defaultControls = (zones: number): BuildingControls => ({
  heatingSetpointC: DEFAULT_SETPOINT_C,
  coolingSetpointC: 24,
  hvacMode: HVAC_MODES.auto,
  lighting: Array.from({ length: zones }, () => 1),
  ventilationPct: Array.from({ length: zones }, () => 100),
});

export interface BuildingState {
  indoorC: number;
  /** Electric power of heating and cooling, kW. */
  hvacKw: number;
  lightingKw: number;
  ventilationKw: number;
  plugKw: number;
  /** Thermal power delivered (+ heating, − cooling), kW. */
  hvacHeatKw: number;
}

/** Largest integration step, ms: well under τ / (1 + gain) (hours), so explicit Euler is stable and close. */
const MAX_STEP_MS = 60_000;

export class Building {
  readonly params: BuildingParams;
  readonly controls: BuildingControls;
  readonly ua: number;
  private readonly gainsKw: number;
  private readonly capacityKw: number;
  private readonly occupancyPeakKw: number;
  private readonly scale: number;
  indoorC: number;

  constructor(
    readonly kind: FacilityKind,
    opts: Pick<FacilityModelOptions, "nominalPeakKw" | "utcOffsetHours"> & {
      /** Occupancy 0..1 at an instant instead of the kind's timetable (realism.ts: holidays, irregular days). */
      occupancyAt?: (date: Date) => number;
    } = {},
    params: Partial<BuildingParams> = {},
  ) {
    this.params = { ...BUILDING_PARAMS[kind], ...params };
    const profile = FACILITY_PROFILES[kind];
    this.scale = (opts.nominalPeakKw ?? profile.nominalPeakKw) / profile.nominalPeakKw;
    this.ua = profile.heatingKwPerK * this.params.cop * this.scale;
    this.gainsKw = this.ua * (DEFAULT_SETPOINT_C - profile.heatingBalanceC);
    this.capacityKw = this.ua * this.params.designDeltaK;
    this.occupancyPeakKw = profile.nominalPeakKw * profile.occupancyFraction * this.scale;
    this.controls = defaultControls(this.params.zones);
    this.indoorC = DEFAULT_SETPOINT_C;
    this.utcOffsetHours = opts.utcOffsetHours;
    this.occupancyAt = opts.occupancyAt;
  }
  private readonly utcOffsetHours: number | undefined;
  private readonly occupancyAt: ((date: Date) => number) | undefined;

  /** Thermal power of the plant at this instant, kW (+ heating, − cooling). */
  private hvacHeat(outdoorC: number): number {
    const c = this.controls;
    let q = 0;
    const heating = c.hvacMode === HVAC_MODES.heat || c.hvacMode === HVAC_MODES.auto;
    const cooling = c.hvacMode === HVAC_MODES.cool || c.hvacMode === HVAC_MODES.auto;
    if (heating) q = Math.max(0, this.heatAt(c.heatingSetpointC, outdoorC));
    if (cooling && q === 0) q = Math.min(0, this.heatAt(c.coolingSetpointC, outdoorC));
    return Math.max(-this.capacityKw, Math.min(this.capacityKw, q));
  }

  /** Steady loss at the setpoint plus a proportional correction: the room settles close to the setpoint. */
  private heatAt(setpointC: number, outdoorC: number): number {
    const gain = this.params.controllerGainPerK * this.ua;
    return this.ua * (setpointC - outdoorC) - this.gainsKw + gain * (setpointC - this.indoorC);
  }

  /** Electric loads at `date` with the current controls and indoor temperature. */
  state(date: Date, outdoorC: number): BuildingState {
    const occ = this.occupancyAt ? this.occupancyAt(date) : occupancy(this.kind, date, this.utcOffsetHours);
    const p = this.params;
    const zones = p.zones;
    const occKw = this.occupancyPeakKw * occ;
    let lightingKw = 0;
    let ventilationKw = 0;
    for (let z = 0; z < zones; z++) {
      lightingKw += ((occKw * p.lightingShare) / zones) * (this.controls.lighting[z] ? 1 : 0);
      // Fan affinity laws: power ∝ speed³.
      const speed = (this.controls.ventilationPct[z] ?? 100) / 100;
      ventilationKw += ((occKw * p.ventilationShare) / zones) * speed ** 3;
    }
    const plugKw = occKw * (1 - p.lightingShare - p.ventilationShare);
    const q = this.hvacHeat(outdoorC);
    return {
      indoorC: this.indoorC,
      hvacKw: Math.abs(q) / p.cop,
      lightingKw,
      ventilationKw,
      plugKw,
      hvacHeatKw: q,
    };
  }

  /**
   * Advances the indoor temperature by `ms` with the outdoor temperature
   * given per instant; returns the electric energy of heating/cooling over
   * the step, kWh (the plant's power is recomputed every sub-step of at
   * most `maxStepMs`).
   */
  advance(fromMs: number, ms: number, outdoorAt: (t: number) => number, maxStepMs = MAX_STEP_MS): number {
    const cKwhPerK = this.ua * this.params.timeConstantH;
    let hvacKwh = 0;
    for (let done = 0; done < ms; ) {
      const dt = Math.min(maxStepMs, ms - done);
      const out = outdoorAt(fromMs + done);
      const q = this.hvacHeat(out);
      const hours = dt / 3_600_000;
      this.indoorC += ((this.ua * (out - this.indoorC) + this.gainsKw + q) * hours) / cKwhPerK;
      hvacKwh += (Math.abs(q) / this.params.cop) * hours;
      done += dt;
    }
    return hvacKwh;
  }
}
