// The monthly service report as PDF (landscape A4), Russian by default,
// results before method: title, company and month, when and by whom it was
// made, the billing quantity; the condition of the assets with the
// recommended actions and the trends of their worst points
// (service-report-pdf-condition.ts); the table per asset with a total row
// and the totals; the alarm-system health; then the method (what counts as a
// day under contract, a monitored day, the alarm figures, the condition and
// the advisory table). Every figure comes from the ServiceReport; nothing is
// recomputed.

import { formatDateTime, formatNumber, formatPeriod, type Lang, zoneLabel } from "../lib/format.ts";
import { LANDSCAPE, openPdf, pageFooters, paragraph, titleBlock } from "../lib/pdf/document.ts";
import { COLOR, drawKeyValues, drawTable, heading, startSection } from "../lib/pdf/layout.ts";
import type { DurationStats, ServiceFigures, ServiceReport } from "./service-report.ts";
import {
  drawConditionMethod,
  drawConditionSection,
  drawHealthSection,
} from "./service-report-pdf-condition.ts";

const MONTHS: Record<Lang, readonly string[]> = {
  ru: [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
  ],
  en: [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
  ],
};

/** "март 2026" / "March 2026" of "2026-03". */
export function monthName(month: string, lang: Lang): string {
  const [year, m] = month.split("-");
  return `${MONTHS[lang][Number(m) - 1]} ${year}`;
}

/** A duration in minutes as hours and minutes, "3:05"; "—" for none. */
export function formatHoursMinutes(minutes: number | null): string {
  if (minutes === null || !Number.isFinite(minutes)) return "—";
  const total = Math.round(minutes);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

interface Text {
  title: string;
  subtitle: (company: string, month: string) => string;
  company: string;
  period: string;
  timeZone: string;
  generated: string;
  generatedBy: string;
  asOf: string;
  elapsed: string;
  elapsedValue: (elapsed: number, of: number) => string;
  assets: string;
  billing: string;
  billingNote: string;
  method: string;
  methodParagraphs: string[];
  table: string;
  columns: {
    asset: string;
    site: string;
    contract: string;
    monitored: string;
    warning: string;
    alarm: string;
    unacked: string;
    ack: string;
    close: string;
    escalations: string;
    orders: string;
  };
  total: string;
  totals: string;
  totalRows: {
    daysUnderContract: string;
    daysMonitored: string;
    alarms: string;
    unacked: string;
    ack: string;
    close: string;
    escalations: string;
    orders: string;
  };
  stats: (s: DurationStats) => string;
  ordersCell: (opened: number, done: number) => string;
  noAssets: string;
  page: (n: number, of: number) => string;
}

const hm = formatHoursMinutes;

const TEXT: Record<Lang, Text> = {
  ru: {
    title: "Ежемесячный отчёт об обслуживании",
    subtitle: (company, month) => `${company} — ${month}`,
    company: "Сервисная компания",
    period: "Период",
    timeZone: "Часовой пояс",
    generated: "Сформирован",
    generatedBy: "Сформировал",
    asOf: "Состояние на",
    elapsed: "Дней месяца учтено",
    elapsedValue: (elapsed, of) => `${elapsed} из ${of} (месяц ещё идёт)`,
    assets: "Объектов в отчёте",
    billing: "Объекто-суток мониторинга (к оплате)",
    billingNote:
      "Объекто-сутки мониторинга — сумма дней мониторинга по всем объектам; по ним выставляется счёт.",
    method: "Методика",
    methodParagraphs: [
      "Месяц — календарный месяц в часовом поясе сервисной компании; сутки — местные календарные сутки. В текущем месяце учитываются только наступившие сутки.",
      "День по договору — сутки, в которые компания хотя бы часть времени обслуживала объект: по договору, а где договора нет — как владелец объекта по конфигурации парка.",
      "День мониторинга — день по договору, за который центр получил от объекта хотя бы одно измерение: для ветроустановки — СКЗ виброскорости (vibration.v_rms_mm_s) любой точки измерения, для здания — показание счётчика энергии (meter.energy_kwh).",
      "Тревоги — направленные компании и возникшие в этом месяце, по наивысшему достигнутому уровню. Время квитирования — от возникновения до квитирования, время закрытия — от возникновения до снятия; медиана, 90-й процентиль (наименьшее значение, не меньше которого 90 % случаев) и максимум, в часах и минутах (ч:мм). Учитывается всё известное на момент формирования отчёта.",
      "Эскалации — тревоги этого месяца, не квитированные за время реакции по договору. Наряды: открытые и выполненные в этом месяце.",
    ],
    table: "Обслуживание по объектам",
    columns: {
      asset: "Объект",
      site: "Площадка",
      contract: "Дней по договору",
      monitored: "Дней мониторинга",
      warning: "Предупр.",
      alarm: "Тревоги",
      unacked: "Не квит.",
      ack: "Квитирование, ч:мм (медиана / 90 % / макс.)",
      close: "Закрытие, ч:мм (медиана / 90 % / макс.)",
      escalations: "Эскал.",
      orders: "Наряды (откр. / вып.)",
    },
    total: "Итого",
    totals: "Итоги",
    totalRows: {
      daysUnderContract: "Объекто-суток по договору",
      daysMonitored: "Объекто-суток мониторинга (к оплате)",
      alarms: "Тревог (предупреждений / тревог)",
      unacked: "Не квитировано",
      ack: "Время квитирования, ч:мм",
      close: "Время закрытия, ч:мм",
      escalations: "Эскалаций",
      orders: "Нарядов открыто / выполнено",
    },
    stats: (s) =>
      s.count === 0
        ? "—"
        : `медиана ${hm(s.medianMin)}, 90 % ${hm(s.p90Min)}, макс. ${hm(s.maxMin)} (n = ${s.count})`,
    ordersCell: (opened, done) => `${opened} / ${done}`,
    noAssets: "В этом месяце компания не обслуживала ни одного объекта.",
    page: (n, of) => `Стр. ${n} из ${of}`,
  },
  en: {
    title: "Monthly service report",
    subtitle: (company, month) => `${company} — ${month}`,
    company: "Service company",
    period: "Period",
    timeZone: "Time zone",
    generated: "Generated",
    generatedBy: "Generated by",
    asOf: "Condition as of",
    elapsed: "Days of the month counted",
    elapsedValue: (elapsed, of) => `${elapsed} of ${of} (month still running)`,
    assets: "Assets in the report",
    billing: "Asset-days monitored (billed)",
    billingNote:
      "Asset-days monitored are the monitored days summed over all assets; they are the billing quantity.",
    method: "Method",
    methodParagraphs: [
      "The month is the calendar month in the service company's time zone; a day is a local calendar day. In a month still running only the days that have begun count.",
      "A day under contract is a day on which the company maintained the asset for at least part of the time: by contract, or as the asset's owner in the fleet configuration where no contract covers the time.",
      "A monitored day is a day under contract for which central holds at least one measurement from the asset: for a wind turbine a vibration velocity RMS (vibration.v_rms_mm_s) of any measuring point, for a building an energy register reading (meter.energy_kwh).",
      "Alarms are those routed to the company and raised in the month, by the highest severity they reached. Time to acknowledge runs from raise to acknowledgement, time to close from raise to clear; median, 90th percentile (nearest rank: the smallest value at or above which 90 % of cases lie) and maximum, in hours and minutes (h:mm). Everything known when the report is generated counts.",
      "Escalations are the month's alarms not acknowledged within the contract's response time. Work orders: opened and done in the month.",
    ],
    table: "Service figures by asset",
    columns: {
      asset: "Asset",
      site: "Site",
      contract: "Days under contract",
      monitored: "Days monitored",
      warning: "Warnings",
      alarm: "Alarms",
      unacked: "Not acked",
      ack: "Acknowledge, h:mm (median / 90 % / max)",
      close: "Close, h:mm (median / 90 % / max)",
      escalations: "Escal.",
      orders: "Work orders (opened / done)",
    },
    total: "Total",
    totals: "Totals",
    totalRows: {
      daysUnderContract: "Asset-days under contract",
      daysMonitored: "Asset-days monitored (billed)",
      alarms: "Alarms (warnings / alarms)",
      unacked: "Not acknowledged",
      ack: "Time to acknowledge, h:mm",
      close: "Time to close, h:mm",
      escalations: "Escalations",
      orders: "Work orders opened / done",
    },
    stats: (s) =>
      s.count === 0
        ? "—"
        : `median ${hm(s.medianMin)}, 90 % ${hm(s.p90Min)}, max ${hm(s.maxMin)} (n = ${s.count})`,
    ordersCell: (opened, done) => `${opened} / ${done}`,
    noAssets: "The company maintained no asset in this month.",
    page: (n, of) => `Page ${n} of ${of}`,
  },
};

const triple = (s: DurationStats) =>
  s.count === 0 ? "—" : `${hm(s.medianMin)} / ${hm(s.p90Min)} / ${hm(s.maxMin)}`;

/** Renders the report to PDF bytes. */
export function renderServiceReportPdf(report: ServiceReport, lang: Lang): Promise<Buffer> {
  const t = TEXT[lang];
  const tz = report.timeZone;
  const num = (v: number) => formatNumber(v, 0, lang);
  const month = monthName(report.month, lang);
  const { doc, bytes } = openPdf({
    title: `${t.title} — ${report.company.name} — ${month}`,
    author: report.generatedBy,
    lang,
    layout: LANDSCAPE,
  });
  const newPage = () => doc.addPage(LANDSCAPE);
  const totals = report.totals;

  titleBlock(doc, t.title, t.subtitle(report.company.name, month));
  drawKeyValues(
    doc,
    [
      [t.company, `${report.company.name} (${report.company.id})`],
      [t.period, formatPeriod(Date.parse(report.from), Date.parse(report.to), lang, tz)],
      [t.timeZone, zoneLabel(tz)],
      [t.generated, formatDateTime(Date.parse(report.generatedAt), lang, tz)],
      [t.generatedBy, report.generatedBy],
      [t.asOf, formatDateTime(Date.parse(report.asOf), lang, tz)],
      ...(report.daysElapsed < report.daysInMonth
        ? [[t.elapsed, t.elapsedValue(report.daysElapsed, report.daysInMonth)] as [string, string]]
        : []),
      [t.assets, num(totals.assets)],
      [t.billing, num(totals.daysMonitored)],
    ],
    { fontSize: 10, labelShare: 0.34 },
  );
  doc.moveDown(0.4);
  paragraph(doc, t.billingNote, 9);

  startSection(doc, 0.4, 160, newPage);
  drawConditionSection(doc, report, lang, newPage);

  startSection(doc, 0.6, 150, newPage);
  heading(doc, t.table, 13);
  const c = t.columns;
  const figures = (f: ServiceFigures) => [
    num(f.daysUnderContract),
    num(f.daysMonitored),
    num(f.alarms.warning),
    num(f.alarms.alarm),
    num(f.unacknowledged),
    triple(f.timeToAcknowledge),
    triple(f.timeToClose),
    num(f.escalations),
    t.ordersCell(f.workOrders.opened, f.workOrders.done),
  ];
  if (report.assets.length === 0) paragraph(doc, t.noAssets);
  else
    drawTable(doc, {
      columns: [
        { header: c.asset, share: 2.2, flex: true },
        { header: c.site, share: 1.6, flex: true },
        { header: c.contract, share: 1, align: "right" },
        { header: c.monitored, share: 1.1, align: "right" },
        { header: c.warning, share: 0.9, align: "right" },
        { header: c.alarm, share: 0.9, align: "right" },
        { header: c.unacked, share: 0.9, align: "right" },
        { header: c.ack, share: 2.2, align: "right" },
        { header: c.close, share: 2.2, align: "right" },
        { header: c.escalations, share: 0.8, align: "right" },
        { header: c.orders, share: 1.2, align: "right" },
      ],
      rows: [
        ...report.assets.map((r) => ({
          cells: [r.name === r.asset ? r.asset : `${r.name} (${r.asset})`, r.siteName, ...figures(r)],
        })),
        { cells: [t.total, "", ...figures(totals)], bold: true, fill: COLOR.totalFill },
      ],
      fontSize: 8.5,
      condensed: true,
      newPage: () => {
        newPage();
        heading(doc, t.table, 13);
      },
    });

  startSection(doc, 0.6, 190, newPage);
  heading(doc, t.totals, 13);
  const r = t.totalRows;
  drawKeyValues(
    doc,
    [
      [r.daysUnderContract, num(totals.daysUnderContract)],
      [r.daysMonitored, num(totals.daysMonitored)],
      [r.alarms, `${num(totals.alarms.total)} (${num(totals.alarms.warning)} / ${num(totals.alarms.alarm)})`],
      [r.unacked, num(totals.unacknowledged)],
      [r.ack, t.stats(totals.timeToAcknowledge)],
      [r.close, t.stats(totals.timeToClose)],
      [r.escalations, num(totals.escalations)],
      [r.orders, t.ordersCell(totals.workOrders.opened, totals.workOrders.done)],
    ],
    { fontSize: 10, labelShare: 0.4, boldValues: true },
  );

  startSection(doc, 0.6, 160, newPage);
  drawHealthSection(doc, report, lang, newPage);

  startSection(doc, 0.6, 160, newPage);
  heading(doc, t.method, 13);
  for (const p of t.methodParagraphs) paragraph(doc, p, 9);
  drawConditionMethod(doc, lang, newPage);

  pageFooters(doc, `Vetra · ${t.title} · ${report.company.name} · ${month}`, t.page);
  doc.end();
  return bytes;
}
