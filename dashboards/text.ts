// Every word and unit the dashboards and alert rules show, in Russian (the
// default) and English, in one place. Each dashboard is built once per
// language from these tables. Tables keyed by a names.ts type (fields,
// diagnoses, severities) must cover every key, so a new field or diagnosis
// does not build until it has its words and unit here.
import type { IsoZone, ScadaFields, Severity, VibrationField } from "../common/names.ts";

export const Languages = ["ru", "en"] as const;
export type Lang = (typeof Languages)[number];
export type Text = Readonly<Record<Lang, string>>;

/** A Grafana unit id that has no words (a number format, °C, bytes): the same in both languages. */
const anyLanguage = (id: string): Text => ({ ru: id, en: id });
/** Russian: the SI symbol in Russian as a suffix; English: Grafana's own unit id, which scales (kW → MW). */
const symbol = (ru: string, en: string): Text => ({ ru: `suffix: ${ru}`, en });

/** Grafana unit ids per language. */
export const Units = {
  mm_s: symbol("мм/с", "suffix: mm/s"),
  g: anyLanguage("suffix: g"),
  m_s2: symbol("м/с²", "suffix: m/s²"),
  /** Squared-envelope amplitudes. */
  g2: anyLanguage("suffix: g²"),
  rpm: symbol("об/мин", "rotrpm"),
  kw: symbol("кВт", "kwatt"),
  kwh: symbol("кВт·ч", "kwatth"),
  celsius: anyLanguage("celsius"),
  m_s: symbol("м/с", "velocityms"),
  volt: symbol("В", "volt"),
  amp: symbol("А", "amp"),
  hertz: symbol("Гц", "hertz"),
  seconds: symbol("с", "s"),
  bytes: anyLanguage("bytes"),
  points_per_s: symbol("точек/с", "suffix: points/s"),
  /** Counts of points or errors (plain numbers). */
  count: anyLanguage("short"),
  /** Dimensionless ratios (crest factor, kurtosis, power factor). */
  ratio: anyLanguage("none"),
  /** 0..1 shown as per cent. */
  fraction: anyLanguage("percentunit"),
  /** Coded values shown through value mappings (ISO zone, severity). */
  code: anyLanguage("none"),
} as const satisfies Record<string, Text>;
export type Unit = keyof typeof Units;

/** What a vibration field is called on a panel and in what unit; null: not on its own panel (why in the comment). */
// biome-ignore format: one entry a line
export const VibrationFieldPanels: Readonly<Record<VibrationField, { title: Text; unit: Unit } | null>> = {
  v_rms_mm_s: { title: { ru: "СКЗ виброскорости 10–1000 Гц", en: "Velocity RMS 10–1000 Hz" }, unit: "mm_s" },
  a_rms_g: { title: { ru: "СКЗ виброускорения", en: "Acceleration RMS" }, unit: "g" },
  // The same quantity as a_rms_g in m/s²; one of the two is enough on screen.
  a_rms_m_s2: null,
  a_peak_g: { title: { ru: "Пик виброускорения", en: "Acceleration peak" }, unit: "g" },
  crest_factor: { title: { ru: "Пик-фактор", en: "Crest factor" }, unit: "ratio" },
  kurtosis: { title: { ru: "Эксцесс (3 — норма)", en: "Kurtosis (3 = Gaussian)" }, unit: "ratio" },
  // Shown as coloured zones (status history and stat panels), not as a line.
  iso_zone: null,
  speed_rpm: { title: { ru: "Частота вращения вала", en: "Shaft speed" }, unit: "rpm" },
  // A ramp within one block; the start speed (speed_rpm) is what an operator reads.
  speed_end_rpm: null,
  x1_mm_s: { title: { ru: "Виброскорость на 1× оборотной", en: "Velocity at 1× shaft speed" }, unit: "mm_s" },
  x2_mm_s: { title: { ru: "Виброскорость на 2× оборотной", en: "Velocity at 2× shaft speed" }, unit: "mm_s" },
  x3_mm_s: { title: { ru: "Виброскорость на 3× оборотной", en: "Velocity at 3× shaft speed" }, unit: "mm_s" },
  looseness_index: { title: { ru: "Индекс ослабления креплений", en: "Looseness index" }, unit: "mm_s" },
  gmf_mm_s: { title: { ru: "Виброскорость на зубцовой частоте", en: "Velocity at gear mesh frequency" }, unit: "mm_s" },
  gmf_sideband_ratio: { title: { ru: "Боковые полосы зубцовой частоты", en: "Gear mesh sideband ratio" }, unit: "ratio" },
  env_spectral_kurtosis: { title: { ru: "Спектральный эксцесс огибающей", en: "Envelope spectral kurtosis" }, unit: "ratio" },
  env_bpfo_g2: { title: { ru: "Огибающая на BPFO (наружное кольцо)", en: "Envelope at BPFO (outer race)" }, unit: "g2" },
  env_bpfi_g2: { title: { ru: "Огибающая на BPFI (внутреннее кольцо)", en: "Envelope at BPFI (inner race)" }, unit: "g2" },
  env_bsf_g2: { title: { ru: "Огибающая на BSF (тела качения)", en: "Envelope at BSF (rolling elements)" }, unit: "g2" },
  env_ftf_g2: { title: { ru: "Огибающая на FTF (сепаратор)", en: "Envelope at FTF (cage)" }, unit: "g2" },
};

export type ScadaField = keyof typeof ScadaFields;
export const ScadaFieldNames: Readonly<Record<ScadaField, Text>> = {
  rotor_speed_rpm: { ru: "ротор", en: "rotor" },
  generator_speed_rpm: { ru: "генератор", en: "generator" },
  power_kw: { ru: "активная мощность", en: "active power" },
  wind_speed_m_s: { ru: "скорость ветра", en: "wind speed" },
  nacelle_temp_c: { ru: "гондола", en: "nacelle" },
  main_bearing_temp_c: { ru: "главный подшипник", en: "main bearing" },
  gearbox_bearing_temp_c: { ru: "подшипник редуктора", en: "gearbox bearing" },
  generator_bearing_temp_c: { ru: "подшипник генератора", en: "generator bearing" },
  operating_state: { ru: "режим работы", en: "operating state" },
  indoor_temp_c: { ru: "температура в помещении", en: "indoor temperature" },
};

/** Diagnosis names live beside the diagnoses themselves (the console and reports use them too). */
export { DiagnosisNames } from "../common/names.ts";

/** Severity as stored (`diagnosis.severity`): 1 = warning, 2 = alarm. */
export const SeverityNames: Readonly<Record<Severity, Text & { code: number; color: string }>> = {
  warning: { ru: "предупреждение", en: "warning", code: 1, color: "orange" },
  alarm: { ru: "авария", en: "alarm", code: 2, color: "red" },
};

/** ISO 10816-21 zone colours, A (new machine) to D (damage). */
export const ZoneColors: Readonly<Record<IsoZone, string>> = {
  A: "green",
  B: "yellow",
  C: "orange",
  D: "red",
};

/** Dashboard, row, panel, variable and link titles. */
// biome-ignore format: one entry a line
export const Titles = {
  // dashboards
  windFarm: { ru: "Vetra — ветропарк: обзор", en: "Vetra — wind farm overview" },
  turbine: { ru: "Vetra — ветроустановка", en: "Vetra — wind turbine" },
  facility: { ru: "Vetra — объект: энергопотребление", en: "Vetra — facility energy" },
  portfolio: { ru: "Vetra — портфель объектов: энергия и экономия", en: "Vetra — portfolio energy and savings" },
  agents: { ru: "Vetra — граничные агенты", en: "Vetra — edge agents" },
  // variables
  datasource: { ru: "Источник данных", en: "Data source" },
  site: { ru: "Площадка", en: "Site" },
  turbineAsset: { ru: "Ветроустановка", en: "Turbine" },
  facilityAsset: { ru: "Объект", en: "Facility" },
  point: { ru: "Точка измерения", en: "Measuring point" },
  agent: { ru: "Агент", en: "Agent" },
  centralUrl: { ru: "Адрес Vetra", en: "Vetra address" },
  // links
  reportsLink: { ru: "Базовая линия и экономия (Vetra /reports)", en: "Baseline and savings (Vetra /reports)" },
  consoleLink: { ru: "Консоль тревог Vetra", en: "Vetra alarm console" },
  vetraDashboards: { ru: "Панели Vetra", en: "Vetra dashboards" },
  // rows
  rowZones: { ru: "Зоны ISO 10816-21", en: "ISO 10816-21 zones" },
  rowDiagnoses: { ru: "Диагнозы", en: "Diagnoses" },
  rowOperation: { ru: "Режим работы", en: "Operation" },
  rowVibration: { ru: "Признаки вибрации по точкам", en: "Vibration features per point" },
  rowScada: { ru: "SCADA", en: "SCADA" },
  rowEnergy: { ru: "Энергия", en: "Energy" },
  rowSupply: { ru: "Электросеть", en: "Supply" },
  rowQueue: { ru: "Очередь и канал связи", en: "Queue and uplink" },
  rowSources: { ru: "Источники данных", en: "Data sources" },
  // panels
  zoneNow: { ru: "Текущая зона по точкам", en: "Current zone per point" },
  zoneHistory: { ru: "История зон", en: "Zone history" },
  diagnosesActive: { ru: "Активные диагнозы", en: "Active diagnoses" },
  diagnosesHistory: { ru: "Уровень активных диагнозов", en: "Severity of active diagnoses" },
  diagnosisConfidence: { ru: "Достоверность активных диагнозов", en: "Confidence of active diagnoses" },
  velocityPerPoint: { ru: "СКЗ виброскорости по точкам", en: "Velocity RMS per point" },
  power: { ru: "Активная мощность", en: "Active power" },
  windSpeed: { ru: "Скорость ветра", en: "Wind speed" },
  speeds: { ru: "Частота вращения", en: "Speeds" },
  temperatures: { ru: "Температуры", en: "Temperatures" },
  facilityPower: { ru: "Потребляемая мощность", en: "Power demand" },
  powerNow: { ru: "Мощность сейчас", en: "Power now" },
  dailyEnergy: { ru: "Энергия по суткам (местное время региона)", en: "Energy per day (the region's local time)" },
  energyInPeriod: { ru: "Энергия за период", en: "Energy in the period" },
  outdoorTemp: { ru: "Температура наружного воздуха", en: "Outdoor air temperature" },
  voltage: { ru: "Напряжение по фазам", en: "Phase voltage" },
  current: { ru: "Ток по фазам", en: "Phase current" },
  powerFactor: { ru: "Коэффициент мощности", en: "Power factor" },
  portfolioEnergy: { ru: "Энергия портфеля за период", en: "Portfolio energy in the period" },
  energyPerFacility: { ru: "Энергия по объектам за период", en: "Energy per facility in the period" },
  energyYearBefore: { ru: "Тот же период год назад (без поправки на погоду)", en: "Same period a year earlier (not weather-adjusted)" },
  dailyEnergyPerFacility: { ru: "Энергия по суткам и объектам (местное время региона)", en: "Energy per day and facility (the region's local time)" },
  dailyOutdoorTemp: { ru: "Среднесуточная температура воздуха", en: "Mean daily outdoor temperature" },
  queueDepth: { ru: "Точек в очереди", en: "Points queued" },
  queueBytes: { ru: "Размер очереди", en: "Queue size" },
  lag: { ru: "Задержка отправки (возраст старейшей точки)", en: "Uplink lag (age of the oldest queued point)" },
  dropped: { ru: "Потерянные точки за интервал", en: "Points dropped per interval" },
  sourceErrors: { ru: "Ошибки источников за интервал", en: "Source errors per interval" },
  throughput: { ru: "Поток точек", en: "Point throughput" },
  // series (legends)
  meteredEnergy: { ru: "по счётчику", en: "metered" },
  acquired: { ru: "получено", en: "acquired" },
  acked: { ru: "подтверждено центром", en: "acknowledged by central" },
  phase1: { ru: "фаза 1", en: "phase 1" },
  phase2: { ru: "фаза 2", en: "phase 2" },
  phase3: { ru: "фаза 3", en: "phase 3" },
  // table columns
  colSeverity: { ru: "Уровень", en: "Severity" },
  colConfidence: { ru: "Достоверность", en: "Confidence" },
  colFrequency: { ru: "Частота", en: "Frequency" },
  colFault: { ru: "Диагноз", en: "Diagnosis" },
} as const satisfies Record<string, Text>;

/** Panel descriptions (the ⓘ tooltip), where the title alone would mislead. */
// biome-ignore format: one entry a line
export const Descriptions = {
  zones: { ru: "Худшая из оценённых полос по ISO 10816-21 / VDI 3834-1: A — новая машина, B — длительная работа, C — ограниченная работа, D — опасная вибрация.", en: "Worst of the evaluated bands per ISO 10816-21 / VDI 3834-1: A new machine, B unrestricted operation, C restricted operation, D damage." },
  diagnoses: { ru: "Диагнозы граничного агента; активный диагноз подтверждается не реже раза в полчаса.", en: "Diagnoses named by the edge agent; an active one is re-confirmed at least every half hour." },
  dailyEnergy: { ru: "Энергия по часам: импортированная история (почасовые интервалы) и прирост регистра счётчиков в реальном времени, час с обоими считается один раз; сутки — от полуночи по местному времени региона. Базовая линия и экономия по ASHRAE Guideline 14 считаются в Vetra: ссылка «Базовая линия и экономия».", en: "Energy hour by hour: imported history (hourly intervals) and the live meters' register increase, an hour with both counted once; days run from midnight in the region's local time. Baseline and savings (ASHRAE Guideline 14) are computed by Vetra: see the 'Baseline and savings' link." },
  yearBefore: { ru: "Потребление за тот же период годом ранее. Это не экономия: она требует поправки на погоду и режим (базовая линия), см. «Базовая линия и экономия».", en: "Consumption over the same period a year earlier. This is not savings, which need a weather- and schedule-adjusted baseline: see 'Baseline and savings'." },
  lag: { ru: "Растёт, пока центр недоступен; точки при этом хранятся в дисковой очереди агента.", en: "Grows while central is unreachable; meanwhile points wait in the agent's disk queue." },
} as const satisfies Record<string, Text>;
