// Names edge and central must agree on: measurements, tags, fields, asset
// kinds, measuring points. Units are SI and written into field names where
// they are not obvious (SPEC.md, "Time series names").

export const Measurements = [
  "vibration",
  "scada",
  "meter",
  "weather",
  "diagnosis",
  "control",
  "agent",
] as const;
export type Measurement = (typeof Measurements)[number];

/** Tags every point may carry. `site` and `asset` are always set by the edge. */
export const TagKeys = ["site", "asset", "point", "agent", "source", "fault"] as const;
export type TagKey = (typeof TagKeys)[number];

export const AssetKinds = ["turbine", "hospital", "clinic", "school"] as const;
export type AssetKind = (typeof AssetKinds)[number];

/** Component classes of ISO 10816-21 / VDI 3834-1 that a measuring point belongs to. */
export const ComponentClasses = ["nacelle", "main_bearing", "gearbox", "generator"] as const;
export type ComponentClass = (typeof ComponentClasses)[number];

/** Fields of the `vibration` measurement (one point per measuring point and block). */
export const VibrationFields = {
  v_rms_mm_s: "velocity RMS 10–1000 Hz, mm/s",
  a_rms_g: "acceleration RMS of the band of the component class, g",
  a_rms_m_s2: "acceleration RMS of the band of the component class, m/s²",
  a_peak_g: "acceleration peak (absolute), g",
  crest_factor: "peak / RMS of acceleration, 1",
  kurtosis: "fourth standardised moment of acceleration, 1 (3 for Gaussian)",
  iso_zone: "ISO 10816-21 evaluation zone 1=A 2=B 3=C 4=D (worst of the evaluated bands)",
  speed_rpm: "shaft speed during the block, rpm",
  speed_end_rpm: "shaft speed at the end of the block when it ramps, rpm",
  x1_mm_s: "velocity amplitude (RMS) at 1× shaft speed, mm/s",
  x2_mm_s: "velocity amplitude (RMS) at 2× shaft speed, mm/s",
  x3_mm_s: "velocity amplitude (RMS) at 3× shaft speed, mm/s",
  looseness_index: "RMS of the velocity lines at ½×, 1½×, … and 3×–10× of shaft speed, mm/s",
  gmf_mm_s: "velocity amplitude (RMS) at the gear mesh frequency, mm/s",
  gmf_sideband_ratio: "energy of the ±1×/±2× sidebands of gear mesh over the mesh lines', 1",
  env_spectral_kurtosis: "spectral kurtosis of the envelope demodulation band (kurtogram), 1",
  env_bpfo_g2:
    "squared-envelope amplitude at the outer-race defect frequency (BPFO; peak within its slip window), g²",
  env_bpfi_g2:
    "squared-envelope amplitude at the inner-race defect frequency (BPFI; peak within its slip window), g²",
  env_bsf_g2: "squared-envelope amplitude at the ball spin frequency (BSF; peak within its slip window), g²",
  env_ftf_g2: "squared-envelope amplitude at the cage frequency (FTF; peak within its slip window), g²",
} as const;
export type VibrationField = keyof typeof VibrationFields;

/**
 * Fields of the `diagnosis` measurement (tags site, asset, point, fault): one
 * point when a diagnosis is raised, changes severity or clears, and a
 * re-confirmation of each active one at least every half hour.
 */
export const DiagnosisFields = {
  severity: "1 = warning, 2 = alarm",
  confidence: "0..1, mean over the blocks that found it",
  active: "1 while active, 0 when cleared",
  raised_at_ms: "when it was raised (the block that raised it), UTC epoch ms",
  frequency_hz: "evidence: frequency of the fundamental as found, Hz",
  amplitude: "evidence: amplitude at frequency_hz (unit of the spectrum it was found in)",
  snr_db: "evidence: peak over the local background, dB",
  harmonics: "evidence: harmonics found above the detection threshold",
} as const;
export type DiagnosisField = keyof typeof DiagnosisFields;

export const ScadaFields = {
  rotor_speed_rpm: "rotor (main shaft) speed, rpm",
  generator_speed_rpm: "generator speed, rpm",
  power_kw: "active power, kW",
  wind_speed_m_s: "wind speed at hub height, m/s",
  nacelle_temp_c: "nacelle air temperature, °C",
  main_bearing_temp_c: "main bearing temperature, °C",
  gearbox_bearing_temp_c: "gearbox HSS bearing temperature, °C",
  generator_bearing_temp_c: "generator DE bearing temperature, °C",
  operating_state:
    "operating state code of the turbine controller (vendor's table; e.g. 0 stopped, 1 running)",
  indoor_temp_c:
    "indoor air temperature of a facility's room, from its building controller, °C (tag `point`: the room, when there are several)",
} as const;

export const MeterFields = {
  voltage_l1_v: "phase 1 line-to-neutral voltage, V",
  voltage_l2_v: "phase 2 line-to-neutral voltage, V",
  voltage_l3_v: "phase 3 line-to-neutral voltage, V",
  current_l1_a: "phase 1 current, A",
  current_l2_a: "phase 2 current, A",
  current_l3_a: "phase 3 current, A",
  power_kw: "total active power, kW",
  power_factor: "total power factor, 1",
  frequency_hz: "supply frequency, Hz",
  import_energy_kwh: "import active energy register (from the grid), kWh",
  export_energy_kwh: "export active energy register (to the grid, e.g. PV surplus), kWh",
  energy_kwh: "total active energy register, kWh",
  /** Imported and backfilled history; savings reports prefer it over register differences. */
  interval_energy_kwh: "active energy in the interval that starts at the point's timestamp, kWh",
} as const;

export const WeatherFields = {
  temp_c: "outdoor air temperature, °C",
} as const;

/**
 * Fields of the `control` measurement (tags site, asset, point): one point per
 * controllable point whenever its effective value or holder changes, and at
 * least every minute (common/control.ts has the priority levels).
 */
export const ControlFields = {
  commanded: "value the strongest level holding the point asks for (point's unit)",
  effective: "value last written to the device, after rate limiting (point's unit)",
  actual: "value last read back from the device (point's unit)",
  priority:
    "rank of the holding level: 0 safety, 1 manual, 2 operator, 3 demand_limit, 4 schedule, 5 default",
} as const;

export const AgentFields = {
  acquired: "points acquired since start",
  acked: "points acknowledged by central since start",
  dropped: "points dropped since start",
  queue_depth: "points waiting in the disk queue",
  queue_bytes: "bytes of the disk queue",
  source_errors: "source errors since start (all sources)",
  lag_s: "age of the oldest queued point, s",
  clock_jumps: "steps of the system clock seen since start (NTP steps)",
  clock_step_s: "size of the last step of the system clock, s (negative: backwards)",
} as const;

/** Measurements a device delivers (through a source); `diagnosis` and `agent` are the agent's own. */
export const SourceMeasurements = ["vibration", "scada", "meter", "weather"] as const;
export type SourceMeasurement = (typeof SourceMeasurements)[number];

/** The known fields of each measurement, with what they mean. */
export const FieldsOf = {
  vibration: VibrationFields,
  scada: ScadaFields,
  meter: MeterFields,
  weather: WeatherFields,
  diagnosis: DiagnosisFields,
  control: ControlFields,
  agent: AgentFields,
} as const satisfies Record<Measurement, Readonly<Record<string, string>>>;

/**
 * Where a device's value can physically lie, in the unit of its field
 * name: a value outside is a mapping mistake (word order, scale, address)
 * far more often than a real reading. The edge warns once per point and
 * `vetra edge check` flags it; the bounds are deliberately wide (they catch
 * −3.67e20 V, not a sagging phase).
 */
export interface PhysicalRange {
  readonly min: number;
  readonly max: number;
  readonly unit: string;
}
const range = (min: number, max: number, unit: string): PhysicalRange => ({ min, max, unit });
export const PhysicalRanges: {
  readonly [M in SourceMeasurement]: { readonly [F in keyof (typeof FieldsOf)[M]]: PhysicalRange };
} = {
  vibration: {
    v_rms_mm_s: range(0, 1000, "mm/s"),
    a_rms_g: range(0, 1000, "g"),
    a_rms_m_s2: range(0, 10_000, "m/s²"),
    a_peak_g: range(0, 5000, "g"),
    crest_factor: range(1, 1000, "1"),
    kurtosis: range(1, 10_000, "1"),
    iso_zone: range(1, 4, "1"),
    speed_rpm: range(0, 60_000, "rpm"),
    speed_end_rpm: range(0, 60_000, "rpm"),
    x1_mm_s: range(0, 1000, "mm/s"),
    x2_mm_s: range(0, 1000, "mm/s"),
    x3_mm_s: range(0, 1000, "mm/s"),
    looseness_index: range(0, 1000, "mm/s"),
    gmf_mm_s: range(0, 1000, "mm/s"),
    gmf_sideband_ratio: range(0, 10_000, "1"),
    env_spectral_kurtosis: range(-10, 1e6, "1"),
    // Squared envelope: a 1000 g envelope (a_rms_g's bound) squared.
    env_bpfo_g2: range(0, 1e6, "g²"),
    env_bpfi_g2: range(0, 1e6, "g²"),
    env_bsf_g2: range(0, 1e6, "g²"),
    env_ftf_g2: range(0, 1e6, "g²"),
  },
  scada: {
    // Multi-megawatt rotors turn at 5–20 rpm, small turbines up to a few hundred.
    rotor_speed_rpm: range(-10, 600, "rpm"),
    generator_speed_rpm: range(-100, 4000, "rpm"),
    // Negative while the turbine draws from the grid; 20 MW covers the largest offshore units.
    power_kw: range(-5000, 25_000, "kW"),
    wind_speed_m_s: range(0, 90, "m/s"),
    nacelle_temp_c: range(-60, 100, "°C"),
    main_bearing_temp_c: range(-60, 200, "°C"),
    gearbox_bearing_temp_c: range(-60, 200, "°C"),
    generator_bearing_temp_c: range(-60, 200, "°C"),
    operating_state: range(0, 65_535, "1"),
    // A heated room; an unheated one in a Siberian winter still stays above −50 °C.
    indoor_temp_c: range(-50, 60, "°C"),
  },
  meter: {
    // Line-to-neutral on low voltage (IEC 60038: up to 1000 V a.c.); a meter that reports the
    // primary values of a medium-voltage connection declares its own range (`plausible` in the agent config).
    voltage_l1_v: range(0, 1000, "V"),
    voltage_l2_v: range(0, 1000, "V"),
    voltage_l3_v: range(0, 1000, "V"),
    current_l1_a: range(0, 100_000, "A"),
    current_l2_a: range(0, 100_000, "A"),
    current_l3_a: range(0, 100_000, "A"),
    power_kw: range(-1e6, 1e6, "kW"),
    power_factor: range(-1, 1, "1"),
    frequency_hz: range(45, 65, "Hz"),
    import_energy_kwh: range(0, 1e12, "kWh"),
    export_energy_kwh: range(0, 1e12, "kWh"),
    energy_kwh: range(0, 1e12, "kWh"),
    interval_energy_kwh: range(0, 1e9, "kWh"),
  },
  weather: {
    temp_c: range(-90, 60, "°C"),
  },
};

/**
 * Whether a device value is plausible in its range. Non-zero values smaller
 * than 1e-9 are not: no meter or sensor resolves that finely, and a float32
 * read with its words swapped often lands there (230 V → 1.1e-15).
 */
export const isPlausible = (value: number, range: PhysicalRange): boolean =>
  Number.isFinite(value) &&
  value >= range.min &&
  value <= range.max &&
  !(value !== 0 && Math.abs(value) < 1e-9);

/** The physical range of a device field, or null when the name is not a known field of the measurement. */
export function physicalRangeOf(measurement: string, field: string): PhysicalRange | null {
  const table = (PhysicalRanges as Record<string, Record<string, PhysicalRange>>)[measurement];
  return table && Object.hasOwn(table, field) ? (table[field] ?? null) : null;
}

/**
 * The fields each measurement may carry: central refuses any other
 * (UNKNOWN_FIELD), so a typo or an invented name never becomes a series.
 */
export const MeasurementFields: Readonly<Record<Measurement, Readonly<Record<string, string>>>> = FieldsOf;

/**
 * Where physics bounds a field, its bounds: energy in an interval and
 * energy registers are never negative, a power factor lies within ±1, an
 * RMS or peak amplitude is not negative, the coldest and hottest air ever
 * measured were −89.2 °C and +56.7 °C. Central refuses a point outside them
 * at ingest and `vetra import` refuses such rows (central/lib/points.ts);
 * fields not listed are bounded only by being finite and within
 * MAX_FIELD_MAGNITUDE. These are what cannot be (refused); PhysicalRanges
 * above are the narrower what-a-device-plausibly-reads (warned at the edge).
 */
export const FieldBounds: ReadonlyMap<string, { readonly min?: number; readonly max?: number }> = new Map([
  ["meter.interval_energy_kwh", { min: 0 }],
  ["meter.energy_kwh", { min: 0 }],
  ["meter.import_energy_kwh", { min: 0 }],
  ["meter.voltage_l1_v", { min: 0 }],
  ["meter.voltage_l2_v", { min: 0 }],
  ["meter.voltage_l3_v", { min: 0 }],
  ["meter.current_l1_a", { min: 0 }],
  ["meter.current_l2_a", { min: 0 }],
  ["meter.current_l3_a", { min: 0 }],
  ["meter.power_factor", { min: -1, max: 1 }],
  ["meter.frequency_hz", { min: 0 }],
  ["weather.temp_c", { min: -100, max: 70 }],
  ["vibration.v_rms_mm_s", { min: 0 }],
  ["vibration.a_rms_g", { min: 0 }],
  ["vibration.a_rms_m_s2", { min: 0 }],
  ["vibration.a_peak_g", { min: 0 }],
  ["vibration.iso_zone", { min: 1, max: 4 }],
  ["diagnosis.severity", { min: 0, max: 2 }],
  ["diagnosis.confidence", { min: 0, max: 1 }],
  ["diagnosis.active", { min: 0, max: 1 }],
  ["control.priority", { min: 0, max: 5 }],
]);

/**
 * No field of any measurement comes near this (the largest are epoch
 * milliseconds, ~1.8e12); a value beyond it is an error, and a sum of a few
 * such values would overflow to Infinity in a report.
 */
export const MAX_FIELD_MAGNITUDE = 1e15;

/** ISO 10816-21 zones as stored (numbers, so every store keeps them as fields). */
export const IsoZones = ["A", "B", "C", "D"] as const;
export type IsoZone = (typeof IsoZones)[number];
export const isoZoneFromNumber = (n: number): IsoZone | null =>
  Number.isInteger(n) && n >= 1 && n <= 4 ? (IsoZones[n - 1] as IsoZone) : null;
export const isoZoneToNumber = (z: IsoZone): number => IsoZones.indexOf(z) + 1;

/** Diagnoses the edge names (SPEC.md, "Diagnoses the edge names"). */
export const Diagnoses = [
  "bearing_outer_race",
  "bearing_inner_race",
  "bearing_rolling_element",
  "bearing_cage",
  "imbalance",
  "misalignment",
  "looseness",
  "gear_mesh",
  "overall_vibration",
] as const;
export type Diagnosis = (typeof Diagnoses)[number];
/** What each diagnosis is called on screen and in reports, Russian and English. */
export const DiagnosisNames: Readonly<Record<Diagnosis, { readonly ru: string; readonly en: string }>> = {
  bearing_outer_race: { ru: "подшипник: наружное кольцо", en: "bearing outer race" },
  bearing_inner_race: { ru: "подшипник: внутреннее кольцо", en: "bearing inner race" },
  bearing_rolling_element: { ru: "подшипник: тела качения", en: "bearing rolling element" },
  bearing_cage: { ru: "подшипник: сепаратор", en: "bearing cage" },
  imbalance: { ru: "дисбаланс", en: "imbalance" },
  misalignment: { ru: "расцентровка", en: "misalignment" },
  looseness: { ru: "ослабление креплений", en: "looseness" },
  gear_mesh: { ru: "зубчатое зацепление", en: "gear mesh" },
  overall_vibration: { ru: "общий уровень вибрации", en: "overall vibration" },
};

export const Severities = ["warning", "alarm"] as const;
export type Severity = (typeof Severities)[number];

export const STANDARD_GRAVITY_M_S2 = 9.80665;

/** Measuring points of a turbine drive train (simulator, edge config, central metadata). */
export const TurbinePoints = {
  main_bearing: { component: "main_bearing", en: "Main bearing", ru: "Главный подшипник" },
  gearbox_hss: { component: "gearbox", en: "Gearbox high-speed shaft", ru: "Редуктор, быстроходный вал" },
  generator_de: { component: "generator", en: "Generator drive end", ru: "Генератор, приводная сторона" },
} as const satisfies Record<string, { component: ComponentClass; en: string; ru: string }>;
export type TurbinePointId = keyof typeof TurbinePoints;
