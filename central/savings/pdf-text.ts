// Wording of the PDF savings report, Russian and English. The method
// statement names the standards the figures follow: IPMVP Core Concepts
// (EVO 10000-1:2022), Option C; CalTRACK 2.0 (daily and hourly methods, data
// sufficiency); ASHRAE Guideline 14-2014 (statistics, acceptance thresholds,
// Annex B savings uncertainty).
import type { Lang } from "../lib/format.ts";
import { ruPlural } from "../lib/plural.ts";
import type { SufficiencyNote } from "./savings.ts";

export interface ReportText {
  title: string;
  subtitle: string;
  portfolio: string;
  portfolioOf: (n: number) => string;
  facility: string;
  baseline: string;
  reporting: string;
  days: string;
  generated: string;
  generatedBy: string;
  generatedByDefault: string;
  timeZone: string;
  tariff: string;
  factor: string;
  confidenceLevel: string;
  keyFigures: string;
  footerNote: string;
  page: (n: number, of: number) => string;
  // Method.
  method: string;
  /** Paragraphs; `{conf}` stands for the confidence level. */
  methodSections: { heading: string; paragraphs: (string | { formula: string })[]; thresholds?: boolean }[];
  thresholdsHeading: string;
  thresholdsColumns: [string, string, string];
  granularity: { hourly: string; daily: string; monthly: string };
  // Summary.
  summary: string;
  avoided: string;
  avoidedShort: string;
  band: string;
  savingsPct: string;
  fsu: string;
  money: string;
  co2: string;
  baselineKwh: string;
  actualKwh: string;
  intervalSentence: (avoided: string, band: string, conf: string, lo: string, hi: string) => string;
  significantSentence: string;
  notSignificantSentence: string;
  negativeSentence: string;
  excluded: (names: string) => string;
  facilitiesCounted: (n: number, of: number) => string;
  // Charts.
  chartMonthly: string;
  chartDaily: string;
  chartAvoided: string;
  chartAvoidedCont: string;
  legendBaseline: string;
  legendActual: string;
  legendSignificant: string;
  legendNotSignificant: string;
  legendBand: (conf: string) => string;
  kwh: string;
  // Table.
  table: string;
  tableCont: string;
  col: {
    facility: string;
    model: string;
    baseline: string;
    actual: string;
    avoided: string;
    band: (conf: string) => string;
    pct: string;
    money: string;
    co2: string;
    cvRmse: string;
    nmbe: string;
    r2: string;
    adjR2: string;
    ashrae: string;
    ashraeMet: string;
    sufficiency: string;
    form: string;
    n: string;
    p: string;
    m: string;
    rho: string;
    nPrime: string;
    fsu: string;
    baselineDays: string;
    meterCoverage: string;
    tempCoverage: string;
    reportingCoverage: string;
    zeros: string;
    outliers: string;
    notes: string;
  };
  total: string;
  // Statistics.
  stats: string;
  statsIntro: string;
  // Quality.
  quality: string;
  qualityIntro: string;
  qualityOk: (n: number, of: number) => string;
  qualityFailed: string;
  qualityFlags: string;
  qualityAllGood: string;
  // Executive summary, measures, energy per m², sign-off.
  meaningTitle: string;
  meaning: (
    avoided: string,
    lo: string,
    hi: string,
    conf: string,
    pct: string,
    significant: boolean,
  ) => string;
  measures: string;
  measure: string;
  moreMeasures: (n: number) => string;
  noMeasure: string;
  measureSince: (text: string, date: string) => string;
  facilityHeading: string;
  floorArea: string;
  intensity: string;
  intensityValue: (actual: string, baseline: string) => string;
  noArea: string;
  peers: string;
  peersValue: (rank: number, count: number, kind: string, median: string) => string;
  noPeers: (kind: string) => string;
  kinds: Record<string, string>;
  signOff: string;
  signOffCols: { role: string; name: string; signature: string; date: string };
  signOffDefault: string[];
  // Per facility.
  details: string;
  pass: string;
  fail: string;
  yes: string;
  no: string;
  significant: string;
  notSignificant: string;
  noNotes: string;
  hourly: string;
  daily: string;
  none: string;
  forms: Record<string, string>;
  notes: Record<SufficiencyNote, string>;
}

const ru: ReportText = {
  title: "Отчёт об экономии энергии",
  subtitle: "Измерение и верификация экономии: IPMVP, вариант C (объект целиком)",
  portfolio: "Портфель объектов",
  portfolioOf: (n) => `Портфель: ${n} ${ruPlural(n, "объект", "объекта", "объектов")}`,
  facility: "Объект",
  baseline: "Базовый период",
  reporting: "Отчётный период",
  days: "сут.",
  generated: "Дата формирования",
  generatedBy: "Сформировал",
  generatedByDefault: "Vetra — система энергоменеджмента (автоматически)",
  timeZone: "Часовой пояс",
  tariff: "Тариф, руб./кВт·ч",
  factor: "Коэффициент выбросов, кг CO₂/кВт·ч",
  confidenceLevel: "Доверительная вероятность",
  keyFigures: "Основные результаты",
  footerNote:
    "Расчёт выполнен автоматически по данным приборов учёта и наружной температуры. Методика — в разделе «Методика» в конце отчёта, исходные ряды — в выгрузке CSV того же отчёта.",
  page: (n, of) => `Стр. ${n} из ${of}`,
  method: "Методика",
  methodSections: [
    {
      heading: "Протокол",
      paragraphs: [
        "Экономия определяется по Международному протоколу измерения и верификации эффективности (IPMVP), вариант C — по приборам учёта объекта целиком. Сэкономленная энергия (предотвращённое потребление) равна скорректированной базовой линии за вычетом фактического потребления за отчётный период:",
        { formula: "E_сэк = E_баз.скорр − E_факт" },
        "Скорректированная базовая линия — потребление, которое показала бы модель базового периода при погоде и календаре отчётного периода.",
      ],
    },
    {
      heading: "Модель базовой линии (CalTRACK 2.0)",
      paragraphs: [
        "Почасовая модель «время недели и температура» (TOWT): 168 коэффициентов часа недели, кусочно-линейная зависимость от наружной температуры (интервалы с границами −1,1…32,2 °C, малонаполненные интервалы объединяются), раздельные наклоны для часов с занятостью и без неё; занятость определяется по остаткам; модели для каждого календарного месяца с весом 0,5 для соседних месяцев.",
        "Суточная модель: кандидаты «только константа», «градусо-сутки отопления», «градусо-сутки охлаждения» и обе составляющие, с поиском балансовой температуры на сетке −1…32 °C, неотрицательными коэффициентами и минимальным числом градусо-суток; выбирается кандидат с наибольшим скорректированным R². Почасовая модель строится, когда данных достаточно, иначе — суточная.",
      ],
    },
    {
      heading: "Статистика модели (ASHRAE Guideline 14-2014)",
      paragraphs: [
        "R² — коэффициент детерминации; CV(RMSE) — коэффициент вариации среднеквадратичной ошибки; NMBE — нормированная средняя систематическая ошибка; y и ŷ — измеренное и рассчитанное потребление, ȳ — среднее, n — число точек базового периода, p — число параметров модели:",
        { formula: "CV(RMSE) = √( Σ(y − ŷ)² / (n − p) ) / ȳ        NMBE = Σ(y − ŷ) / ((n − p) · ȳ)" },
        "Модель признаётся пригодной, если выполнены оба порога руководства (таблица ниже); суточные модели проверяются по более строгим месячным порогам.",
      ],
      thresholds: true,
    },
    {
      heading: "Неопределённость экономии",
      paragraphs: [
        "Абсолютная неопределённость — по приложению B ASHRAE Guideline 14 при доверительной вероятности {conf}:",
        {
          formula:
            "ΔE = 1,26 · t · CV(RMSE) · E_баз · √( (n / n′) · (1 + 2 / n′) · (1 / m) ),    n′ = n · (1 − ρ) / (1 + ρ)",
        },
        "где m — число точек отчётного периода, n′ — число независимых точек с поправкой на автокорреляцию остатков первого порядка ρ, t — квантиль распределения Стьюдента. Для почасовой модели оценка повторяется по суточным суммам остатков и берётся большая. Относительная неопределённость экономии FSU = ΔE / E_сэк. Экономия значима, если она больше своей неопределённости, то есть нижняя граница интервала E_сэк − ΔE выше нуля.",
        "По портфелю экономия суммируется, неопределённости складываются как корень из суммы квадратов (ошибки моделей объектов независимы). Объекты без модели в итог не входят.",
      ],
    },
    {
      heading: "Достаточность данных (CalTRACK 2.0, разд. 2.2)",
      paragraphs: [
        "Базовый период — не менее 365 суток; показания счётчика и наружная температура — не менее чем за 90 % часов базового периода; в отчётном периоде — не менее 90 % часов. Нулевые показания и выбросы (вне 3 межквартильных размахов) отмечаются. Если требования не выполнены, это указано в разделе «Качество данных», а не скрыто подгонкой.",
      ],
    },
    {
      heading: "Деньги и выбросы",
      paragraphs: [
        "Экономия в рублях — сэкономленная энергия по тарифу (для почасовой модели — по тарифу каждого часа, если заданы зоны суток); снижение выбросов CO₂ — сэкономленная энергия, умноженная на коэффициент выбросов энергосистемы. Тариф и коэффициент заданы в настройках и приведены на титульном листе.",
      ],
    },
  ],
  thresholdsHeading: "Пороги ASHRAE Guideline 14",
  thresholdsColumns: ["Модель", "CV(RMSE), не более", "|NMBE|, не более"],
  granularity: { hourly: "почасовая", daily: "суточная", monthly: "месячная" },
  summary: "Итоги",
  avoided: "Сэкономлено, кВт·ч",
  avoidedShort: "Сэкономлено",
  band: "Интервал",
  savingsPct: "Экономия, %",
  fsu: "Относительная неопределённость (FSU)",
  money: "Экономия, руб.",
  co2: "Снижение выбросов CO₂, т",
  baselineKwh: "Базовая линия, кВт·ч",
  actualKwh: "Факт, кВт·ч",
  intervalSentence: (a, b, c, lo, hi) =>
    `Сэкономлено ${a} ± ${b} кВт·ч при доверительной вероятности ${c}: от ${lo} до ${hi} кВт·ч.`,
  significantSentence: "Экономия статистически значима: нижняя граница интервала выше нуля.",
  notSignificantSentence:
    "Экономия статистически не значима: интервал неопределённости включает ноль, заявлять экономию нельзя.",
  negativeSentence: "Фактическое потребление выше скорректированной базовой линии.",
  excluded: (names) => `Не вошли в итог (модель не построена): ${names}.`,
  facilitiesCounted: (n, of) => `В итоге учтено объектов: ${n} из ${of}.`,
  chartMonthly: "Скорректированная базовая линия и факт по месяцам, кВт·ч",
  chartDaily: "Скорректированная базовая линия и факт по суткам, кВт·ч",
  chartAvoided: "Сэкономленная энергия по объектам, кВт·ч",
  chartAvoidedCont: "Сэкономленная энергия по объектам (продолжение), кВт·ч",
  legendBaseline: "скорректированная базовая линия",
  legendActual: "факт",
  legendSignificant: "значима",
  legendNotSignificant: "не значима",
  legendBand: (c) => `интервал неопределённости (${c})`,
  kwh: "кВт·ч",
  table: "Результаты по объектам",
  tableCont: "Результаты по объектам (продолжение)",
  col: {
    facility: "Объект",
    model: "Модель",
    baseline: "Базовая линия, кВт·ч",
    actual: "Факт, кВт·ч",
    avoided: "Сэкономлено, кВт·ч",
    band: (c) => `± (${c}), кВт·ч`,
    pct: "Экономия, %",
    money: "Экономия, руб.",
    co2: "CO₂, т",
    cvRmse: "CV(RMSE), %",
    nmbe: "NMBE, %",
    r2: "R²",
    adjR2: "Скорр. R²",
    ashrae: "ASHRAE 14",
    ashraeMet: "ASHRAE 14 выполнен",
    sufficiency: "Данных достаточно",
    form: "Форма",
    n: "n",
    p: "p",
    m: "m",
    rho: "ρ",
    nPrime: "n′",
    fsu: "FSU, %",
    baselineDays: "Базовый период, сут.",
    meterCoverage: "Счётчик в базовом, %",
    tempCoverage: "Температура в базовом, %",
    reportingCoverage: "Счётчик в отчётном, %",
    zeros: "Нулевых, ч",
    outliers: "Выбросов, ч",
    notes: "Замечания",
  },
  total: "Итого по портфелю",
  stats: "Статистика моделей",
  statsIntro:
    "n — точек базового периода (часов или суток), p — параметров модели, m — точек отчётного периода, ρ — автокорреляция остатков первого порядка, n′ — эффективное число независимых точек, bH и bC — балансовые температуры отопления и охлаждения. Пороги ASHRAE Guideline 14 — в разделе «Методика».",
  quality: "Качество данных",
  qualityIntro:
    "Покрытие — доля часов с данными. Требования CalTRACK: базовый период не короче 365 суток, покрытие не менее 90 %.",
  qualityOk: (n, of) => `Требования к достаточности данных выполнены для ${n} из ${of} объектов.`,
  qualityFailed: "Требования не выполнены",
  qualityFlags: "Отмечены нулевые показания или выбросы",
  qualityAllGood: "Замечаний к данным нет.",
  meaningTitle: "Что это значит",
  meaning: (a, lo, hi, c, p, sig) =>
    sig
      ? `Мероприятия снизили потребление на ${a} кВт·ч (${p} от того, что было бы без них при той же погоде и том же календаре). С вероятностью ${c} действительная экономия лежит между ${lo} и ${hi} кВт·ч: она статистически значима и может быть заявлена.`
      : `Расчётная экономия — ${a} кВт·ч (${p}), но с вероятностью ${c} действительная лежит между ${lo} и ${hi} кВт·ч: интервал включает ноль, и заявлять экономию по этим данным нельзя.`,
  measures: "Мероприятия",
  measure: "Мероприятие",
  moreMeasures: (n) => `… и ещё ${n} (по объектам — в разделе «Результаты по объектам»).`,
  noMeasure: "не указано в настройках",
  measureSince: (text, date) => `${text} (действует с ${date})`,
  facilityHeading: "Объект",
  floorArea: "Площадь, м²",
  intensity: "Удельное потребление, кВт·ч/(м²·год)",
  intensityValue: (a, b) =>
    `${a} фактически; ${b} без мероприятия (скорректированная базовая линия), за отчётный период в пересчёте на год`,
  noArea: "площадь не указана в настройках — удельное потребление и сравнение не рассчитываются",
  peers: "Сравнение с однотипными объектами",
  peersValue: (rank, count, kind, median) =>
    `${rank}-е место из ${count} (${kind}, от меньшего удельного потребления к большему); медиана группы ${median} кВт·ч/(м²·год)`,
  noPeers: (kind) => `в отчёте нет других объектов типа «${kind}» с известной площадью`,
  kinds: { hospital: "больница", clinic: "поликлиника", school: "школа" },
  signOff: "Согласование",
  signOffCols: { role: "Должность", name: "Ф. И. О.", signature: "Подпись", date: "Дата" },
  signOffDefault: ["Подготовил", "Проверил", "Утвердил"],
  details: "Объект",
  pass: "соответствует",
  fail: "не соответствует",
  yes: "да",
  no: "нет",
  significant: "значима",
  notSignificant: "не значима",
  noNotes: "замечаний нет",
  hourly: "почасовая",
  daily: "суточная",
  none: "нет модели",
  forms: {
    towt: "время недели и температура",
    intercept_only: "константа",
    hdd_only: "градусо-сутки отопления",
    cdd_only: "градусо-сутки охлаждения",
    hdd_cdd: "отопление и охлаждение",
  },
  notes: {
    baseline_shorter_than_year: "базовый период короче года",
    baseline_coverage_below_90pct: "данные счётчика в базовом периоде покрывают менее 90 % часов",
    temperature_coverage_below_90pct: "температура в базовом периоде покрывает менее 90 % часов",
    reporting_coverage_below_90pct: "данные счётчика в отчётном периоде покрывают менее 90 % часов",
    zero_readings: "есть нулевые показания",
    outliers: "есть выбросы (за пределами 3 межквартильных размахов)",
    no_model: "модель не построена: недостаточно данных",
  },
};

const en: ReportText = {
  title: "Energy savings report",
  subtitle: "Measurement and verification of savings: IPMVP Option C (whole facility)",
  portfolio: "Portfolio",
  portfolioOf: (n) => `Portfolio of ${n} ${n === 1 ? "facility" : "facilities"}`,
  facility: "Facility",
  baseline: "Baseline period",
  reporting: "Reporting period",
  days: "days",
  generated: "Generated",
  generatedBy: "Generated by",
  generatedByDefault: "Vetra energy management system (automatic)",
  timeZone: "Time zone",
  tariff: "Tariff, RUB/kWh",
  factor: "Emission factor, kg CO₂/kWh",
  confidenceLevel: "Confidence level",
  keyFigures: "Key results",
  footerNote:
    "Computed automatically from the facilities' meter and outdoor temperature data. See “Method” for the method; the CSV export of the same report holds the series.",
  page: (n, of) => `Page ${n} of ${of}`,
  method: "Method",
  methodSections: [
    {
      heading: "Protocol",
      paragraphs: [
        "Savings are determined per the International Performance Measurement and Verification Protocol (IPMVP), Option C — whole-facility metering. Avoided energy equals the adjusted baseline minus the actual consumption over the reporting period:",
        { formula: "E_avoided = E_baseline,adjusted − E_actual" },
        "The adjusted baseline is the consumption the baseline-period model predicts under the reporting period's weather and calendar.",
      ],
    },
    {
      heading: "Baseline model (CalTRACK 2.0)",
      paragraphs: [
        "Hourly time-of-week and temperature model (TOWT): 168 hour-of-week coefficients, piecewise-linear outdoor-temperature terms (bins with endpoints −1.1…32.2 °C, thin bins merged), separate slopes for occupied and unoccupied hours; occupancy inferred from residuals; one model per calendar month with weight 0.5 on the neighbouring months.",
        "Daily model: candidates intercept-only, heating degree days, cooling degree days, and both, with a balance-point search on a −1…32 °C grid, non-negative coefficients and minimum degree-day counts; the candidate with the highest adjusted R² is selected. The hourly model is used when the data allow, otherwise the daily one.",
      ],
    },
    {
      heading: "Model statistics (ASHRAE Guideline 14-2014)",
      paragraphs: [
        "R² — coefficient of determination; CV(RMSE) — coefficient of variation of the root-mean-square error; NMBE — normalised mean bias error; y and ŷ — measured and modelled consumption, ȳ — the mean, n — baseline points, p — model parameters:",
        { formula: "CV(RMSE) = √( Σ(y − ŷ)² / (n − p) ) / ȳ        NMBE = Σ(y − ŷ) / ((n − p) · ȳ)" },
        "A model is acceptable when it meets both of the guideline's thresholds (table below); daily models are held to the stricter monthly thresholds.",
      ],
      thresholds: true,
    },
    {
      heading: "Savings uncertainty",
      paragraphs: [
        "Absolute uncertainty per ASHRAE Guideline 14 Annex B at {conf} confidence:",
        {
          formula:
            "ΔE = 1.26 · t · CV(RMSE) · E_baseline · √( (n / n′) · (1 + 2 / n′) · (1 / m) ),    n′ = n · (1 − ρ) / (1 + ρ)",
        },
        "where m is the number of reporting points, n′ the number of independent points corrected for the lag-1 autocorrelation ρ of the residuals, and t the Student-t quantile. For the hourly model the estimate is repeated on daily sums of residuals and the larger is stated. Fractional savings uncertainty FSU = ΔE / E_avoided. A saving is significant when it exceeds its uncertainty, i.e. the lower end of the interval E_avoided − ΔE is above zero.",
        "For the portfolio, savings are summed and uncertainties combined as the root of the sum of squares (the facilities' model errors are independent). Facilities without a model are left out of the totals.",
      ],
    },
    {
      heading: "Data sufficiency (CalTRACK 2.0, section 2.2)",
      paragraphs: [
        "Baseline of at least 365 days; meter readings and outdoor temperature for at least 90 % of baseline hours; meter readings for at least 90 % of reporting hours. Zero readings and outliers (beyond 3 interquartile ranges) are flagged. Where the requirements are not met, “Data quality” says so rather than fitting silently.",
      ],
    },
    {
      heading: "Money and emissions",
      paragraphs: [
        "Savings in roubles are the avoided energy at the tariff (for the hourly model at each hour's rate when time-of-day rates are set); CO₂ avoided is the avoided energy times the grid emission factor. Tariff and factor come from the configuration and are shown on the title page.",
      ],
    },
  ],
  thresholdsHeading: "ASHRAE Guideline 14 thresholds",
  thresholdsColumns: ["Model", "CV(RMSE), at most", "|NMBE|, at most"],
  granularity: { hourly: "hourly", daily: "daily", monthly: "monthly" },
  summary: "Summary",
  avoided: "Avoided energy, kWh",
  avoidedShort: "Avoided energy",
  band: "Interval",
  savingsPct: "Savings, %",
  fsu: "Fractional savings uncertainty (FSU)",
  money: "Savings, RUB",
  co2: "CO₂ avoided, t",
  baselineKwh: "Baseline, kWh",
  actualKwh: "Actual, kWh",
  intervalSentence: (a, b, c, lo, hi) =>
    `Avoided energy ${a} ± ${b} kWh at ${c} confidence: from ${lo} to ${hi} kWh.`,
  significantSentence:
    "The saving is statistically significant: the lower end of the interval is above zero.",
  notSignificantSentence:
    "The saving is not statistically significant: the uncertainty interval includes zero, no saving can be claimed.",
  negativeSentence: "Actual consumption is above the adjusted baseline.",
  excluded: (names) => `Left out of the totals (no model): ${names}.`,
  facilitiesCounted: (n, of) => `Facilities in the totals: ${n} of ${of}.`,
  chartMonthly: "Adjusted baseline and actual by month, kWh",
  chartDaily: "Adjusted baseline and actual by day, kWh",
  chartAvoided: "Avoided energy by facility, kWh",
  chartAvoidedCont: "Avoided energy by facility (continued), kWh",
  legendBaseline: "adjusted baseline",
  legendActual: "actual",
  legendSignificant: "significant",
  legendNotSignificant: "not significant",
  legendBand: (c) => `uncertainty interval (${c})`,
  kwh: "kWh",
  table: "Results by facility",
  tableCont: "Results by facility (continued)",
  col: {
    facility: "Facility",
    model: "Model",
    baseline: "Baseline, kWh",
    actual: "Actual, kWh",
    avoided: "Avoided, kWh",
    band: (c) => `± (${c}), kWh`,
    pct: "Savings, %",
    money: "Savings, RUB",
    co2: "CO₂, t",
    cvRmse: "CV(RMSE), %",
    nmbe: "NMBE, %",
    r2: "R²",
    adjR2: "Adj. R²",
    ashrae: "ASHRAE 14",
    ashraeMet: "Meets ASHRAE 14",
    sufficiency: "Data sufficient",
    form: "Form",
    n: "n",
    p: "p",
    m: "m",
    rho: "ρ",
    nPrime: "n′",
    fsu: "FSU, %",
    baselineDays: "Baseline, days",
    meterCoverage: "Meter, baseline, %",
    tempCoverage: "Temperature, baseline, %",
    reportingCoverage: "Meter, reporting, %",
    zeros: "Zero, h",
    outliers: "Outliers, h",
    notes: "Remarks",
  },
  total: "Portfolio total",
  stats: "Model statistics",
  statsIntro:
    "n — baseline points (hours or days), p — model parameters, m — reporting points, ρ — lag-1 autocorrelation of the residuals, n′ — effective number of independent points, bH and bC — heating and cooling balance points. ASHRAE Guideline 14 thresholds: see “Method”.",
  quality: "Data quality",
  qualityIntro:
    "Coverage is the share of hours with data. CalTRACK requires a baseline of at least 365 days and coverage of at least 90 %.",
  qualityOk: (n, of) => `Data sufficiency requirements are met for ${n} of ${of} facilities.`,
  qualityFailed: "Requirements not met",
  qualityFlags: "Zero readings or outliers flagged",
  qualityAllGood: "No remarks on the data.",
  meaningTitle: "What it means",
  meaning: (a, lo, hi, c, p, sig) =>
    sig
      ? `The measures cut consumption by ${a} kWh (${p} of what it would have been without them under the same weather and calendar). With ${c} confidence the true saving lies between ${lo} and ${hi} kWh: it is statistically significant and can be claimed.`
      : `The computed saving is ${a} kWh (${p}), but with ${c} confidence the true one lies between ${lo} and ${hi} kWh: the interval includes zero, and no saving can be claimed from these data.`,
  measures: "Measures",
  measure: "Measure",
  moreMeasures: (n) => `… and ${n} more (see “Results by facility”).`,
  noMeasure: "not given in the configuration",
  measureSince: (text, date) => `${text} (in effect since ${date})`,
  facilityHeading: "Facility",
  floorArea: "Floor area, m²",
  intensity: "Energy use intensity, kWh/(m²·year)",
  intensityValue: (a, b) =>
    `${a} actual; ${b} without the measure (adjusted baseline), over the reporting period, annualised`,
  noArea: "floor area not given in the configuration: no intensity or comparison",
  peers: "Compared with facilities of the same kind",
  peersValue: (rank, count, kind, median) =>
    `${rank} of ${count} (${kind}, lowest intensity first); median of the group ${median} kWh/(m²·year)`,
  noPeers: (kind) => `no other ${kind} with a known floor area in this report`,
  kinds: { hospital: "hospital", clinic: "clinic", school: "school" },
  signOff: "Sign-off",
  signOffCols: { role: "Position", name: "Name", signature: "Signature", date: "Date" },
  signOffDefault: ["Prepared by", "Checked by", "Approved by"],
  details: "Facility",
  pass: "pass",
  fail: "fail",
  yes: "yes",
  no: "no",
  significant: "significant",
  notSignificant: "not significant",
  noNotes: "no remarks",
  hourly: "hourly",
  daily: "daily",
  none: "no model",
  forms: {
    towt: "time of week and temperature",
    intercept_only: "intercept only",
    hdd_only: "heating degree days",
    cdd_only: "cooling degree days",
    hdd_cdd: "heating and cooling",
  },
  notes: {
    baseline_shorter_than_year: "baseline period shorter than a year",
    baseline_coverage_below_90pct: "meter data cover less than 90 % of baseline hours",
    temperature_coverage_below_90pct: "temperature covers less than 90 % of baseline hours",
    reporting_coverage_below_90pct: "meter data cover less than 90 % of reporting hours",
    zero_readings: "zero readings present",
    outliers: "outliers present (beyond 3 interquartile ranges)",
    no_model: "no model: not enough data",
  },
};

export const TEXT: Record<Lang, ReportText> = { ru, en };
