// The texts of the condition and alarm-health sections of the monthly
// service report PDF (service-report-pdf-condition.ts), Russian and English.
import type { Lang } from "../lib/format.ts";
import type { ConditionLevel } from "./service-condition.ts";

export interface ConditionText {
  condition: string;
  conditionNote: (asOf: string) => string;
  levels: Record<ConditionLevel, string>;
  handedOver: string;
  columns: {
    asset: string;
    condition: string;
    worst: string;
    open: string;
    action: string;
    urgency: string;
  };
  details: string;
  pointsLine: string;
  diagnosisColumns: {
    fault: string;
    point: string;
    severity: string;
    since: string;
    evidence: string;
    action: string;
  };
  severity: Record<"warning" | "alarm", string>;
  evidence: {
    confidence: string;
    frequency: string;
    amplitude: string;
    snr: string;
    harmonics: string;
    zone: (zone: string, v: string, boundary: string | null) => string;
  };
  trendTitle: (point: string, max: string) => string;
  trendLegend: { mean: string; max: string; bc: string; cd: string };
  noOpen: string;
  health: string;
  healthNote: string;
  healthRows: { average: string; peak: string; chattering: string; stale: string };
  target: (v: string) => string;
  badActors: string;
  badColumns: { alarm: string; annunciations: string; events: string; share: string };
  noBadActors: string;
  methodCondition: string[];
  advisory: string;
  advisoryColumns: { fault: string; warning: string; alarm: string };
}

export const CONDITION_TEXT: Record<Lang, ConditionText> = {
  ru: {
    condition: "Состояние объектов",
    conditionNote: (asOf) =>
      `Состояние на ${asOf}: открытые тревоги, последние зоны ISO 10816-21 по точкам измерения и рекомендуемые действия; самые срочные — первыми.`,
    levels: { alarm: "тревога", warning: "предупреждение", normal: "норма", unknown: "нет данных" },
    handedOver: "передан другой компании до конца периода",
    columns: {
      asset: "Объект",
      condition: "Состояние",
      worst: "Худшая точка (зона, макс. СКЗ)",
      open: "Открытые тревоги",
      action: "Рекомендуемое действие",
      urgency: "Срочность",
    },
    details: "Объекты с открытыми тревогами и тренды",
    pointsLine: "Точки измерения",
    diagnosisColumns: {
      fault: "Диагноз",
      point: "Точка",
      severity: "Уровень",
      since: "С",
      evidence: "Признаки",
      action: "Действие, срочность",
    },
    severity: { warning: "предупреждение", alarm: "тревога" },
    evidence: {
      confidence: "достоверность",
      frequency: "частота",
      amplitude: "амплитуда",
      snr: "сигнал/шум",
      harmonics: "гармоник",
      zone: (zone, v, boundary) =>
        `зона ${zone}, СКЗ ${v} мм/с${boundary ? ` (граница ${boundary} мм/с)` : ""}`,
    },
    trendTitle: (point, max) =>
      `Тренд худшей точки: ${point}, СКЗ виброскорости, мм/с (макс. за месяц ${max})`,
    trendLegend: { mean: "среднее за 6 ч", max: "максимум за 6 ч", bc: "граница B/C", cd: "граница C/D" },
    noOpen: "Открытых тревог нет.",
    health: "Качество сигнализации",
    healthNote:
      "Показатели EEMUA 191 и ANSI/ISA-18.2 §16.5 по тревогам компании за месяц: оповещения — новые тревоги и повышения до аварийного уровня; оператор — консоль сервисной компании.",
    healthRows: {
      average: "Оповещений за 10 мин, в среднем",
      peak: "Оповещений за 10 мин, пик",
      chattering: "Дребезжащих тревог (≥ 3 оповещений за минуту)",
      stale: "Застарелых тревог (открыты > 24 ч)",
    },
    target: (v) => `цель ≤ ${v}`,
    badActors: "Самые частые тревоги (до десяти)",
    badColumns: { alarm: "Тревога", annunciations: "Оповещений", events: "Событий", share: "Доля, %" },
    noBadActors: "Оповещений в этом месяце не было.",
    methodCondition: [
      "Состояние объекта — наивысший уровень тревог, направленных компании и открытых на момент «состояние на»: конец месяца или, для текущего месяца, время формирования отчёта. Зона и СКЗ точки — последние полученные в месяце. Тревоги проходят задержки срабатывания и снятия и зону нечувствительности (ANSI/ISA-18.2 §10.4, IEC 62682 §11.5).",
      "Худшая точка — точка, максимальное за месяц СКЗ виброскорости которой ближе всего к границе C/D своего класса узлов (ISO 10816-21:2015, табл. A.1) или дальше всего за ней; тренд — среднее и максимум за 6 часов.",
      "Рекомендации составлены в стиле блока «формирование рекомендаций» ISO 13374-1:2003 и этапа «определение действий по обслуживанию» ISO 17359:2018; действия по зонам — по смыслу зон C и D ISO 10816-21:2015. Сроки — значения Vetra по умолчанию, а не требования стандартов.",
    ],
    advisory: "Таблица рекомендаций",
    advisoryColumns: { fault: "Диагноз", warning: "Предупреждение", alarm: "Тревога" },
  },
  en: {
    condition: "Condition of the assets",
    conditionNote: (asOf) =>
      `Condition as of ${asOf}: open alarms, the last ISO 10816-21 zones per measuring point and the recommended actions; the most urgent first.`,
    levels: { alarm: "alarm", warning: "warning", normal: "normal", unknown: "no data" },
    handedOver: "handed to another company before the period's end",
    columns: {
      asset: "Asset",
      condition: "Condition",
      worst: "Worst point (zone, max RMS)",
      open: "Open alarms",
      action: "Recommended action",
      urgency: "Urgency",
    },
    details: "Assets with open alarms, and trends",
    pointsLine: "Measuring points",
    diagnosisColumns: {
      fault: "Diagnosis",
      point: "Point",
      severity: "Severity",
      since: "Since",
      evidence: "Evidence",
      action: "Action, urgency",
    },
    severity: { warning: "warning", alarm: "alarm" },
    evidence: {
      confidence: "confidence",
      frequency: "frequency",
      amplitude: "amplitude",
      snr: "SNR",
      harmonics: "harmonics",
      zone: (zone, v, boundary) =>
        `zone ${zone}, RMS ${v} mm/s${boundary ? ` (boundary ${boundary} mm/s)` : ""}`,
    },
    trendTitle: (point, max) => `Trend of the worst point: ${point}, velocity RMS, mm/s (month's max ${max})`,
    trendLegend: { mean: "6-hour mean", max: "6-hour maximum", bc: "B/C boundary", cd: "C/D boundary" },
    noOpen: "No open alarms.",
    health: "Alarm system health",
    healthNote:
      "EEMUA 191 and ANSI/ISA-18.2 §16.5 figures of the company's alarms in the month: annunciations are new alarms and rises to alarm; the operator is the service company's console.",
    healthRows: {
      average: "Annunciations per 10 min, average",
      peak: "Annunciations per 10 min, peak",
      chattering: "Chattering alarms (≥ 3 annunciations within a minute)",
      stale: "Stale alarms (open > 24 h)",
    },
    target: (v) => `target ≤ ${v}`,
    badActors: "Most frequent alarms (up to ten)",
    badColumns: { alarm: "Alarm", annunciations: "Annunciations", events: "Events", share: "Share, %" },
    noBadActors: "No annunciations this month.",
    methodCondition: [
      "An asset's condition is the highest severity of the alarms routed to the company and open at the 'as of' time: the month's end or, for the current month, when the report is generated. A point's zone and RMS are the last received in the month. Alarms pass on-delay, off-delay and a deadband first (ANSI/ISA-18.2 §10.4, IEC 62682 §11.5).",
      "The worst point is the point whose highest velocity RMS of the month came nearest to (or went furthest past) the C/D boundary of its component class (ISO 10816-21:2015, Table A.1); its trend shows 6-hour means and maxima.",
      "The recommendations follow the advisory-generation block of ISO 13374-1:2003 and the 'determine maintenance action' step of ISO 17359:2018; the zone actions follow what ISO 10816-21:2015 says of zones C and D. The time limits are Vetra's defaults, not requirements of the standards.",
    ],
    advisory: "Advisory table",
    advisoryColumns: { fault: "Diagnosis", warning: "Warning", alarm: "Alarm" },
  },
};
