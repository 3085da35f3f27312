// Names edge and central must agree on: measurements, tags, fields, asset
// kinds, measuring points. Units are SI and written into field names where
// they are not obvious (SPEC.md, "Time series names").

export const Measurements = ["vibration", "scada", "meter", "weather", "diagnosis", "agent"] as const;
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
  import_energy_kwh: "import active energy register, kWh",
  energy_kwh: "total active energy register, kWh",
  /** Imported and backfilled history; savings reports prefer it over register differences. */
  interval_energy_kwh: "active energy in the interval that starts at the point's timestamp, kWh",
} as const;

export const WeatherFields = {
  temp_c: "outdoor air temperature, °C",
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

/**
 * The fields each measurement may carry: central refuses any other
 * (UNKNOWN_FIELD), so a typo or an invented name never becomes a series.
 */
export const MeasurementFields: Readonly<Record<Measurement, Readonly<Record<string, string>>>> = {
  vibration: VibrationFields,
  scada: ScadaFields,
  meter: MeterFields,
  weather: WeatherFields,
  diagnosis: DiagnosisFields,
  agent: AgentFields,
};

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
