// The savings report's first pages (renderPdf, pdf.ts): the executive
// summary with its key figures and sign-off, the summary charts, the
// facility table and the avoided energy per facility.
import { formatDate, formatDateTime, formatPeriod, zoneLabelAt } from "../lib/format.ts";
import * as layout from "../lib/pdf/layout.ts";
import type { PdfContext } from "./pdf.ts";
import {
  AVOIDED_ROWS_PER_BLOCK,
  type AvoidedBar,
  avoidedChart,
  avoidedScale,
  type DayPoint,
  dailyChart,
  type MonthPoint,
  monthlyChart,
} from "./pdf-charts.ts";
import type { FacilityReport } from "./report.ts";

const DAY_MS = 86_400_000;

/**
 * Adjusted baseline and actual per local day of the facilities with a model,
 * from their reporting intervals (hours or days); `ts` is the local day's
 * wall-clock midnight read as UTC, so the charts' calendar arithmetic is UTC
 * arithmetic. `shiftMs` is the local offset (east positive).
 */
export const sumDays = (facilities: readonly FacilityReport[], shiftMs: number): DayPoint[] => {
  const byDay = new Map<number, DayPoint>();
  const add = (ts: number, baseline: number, actual: number) => {
    const key = Math.floor((ts + shiftMs) / DAY_MS) * DAY_MS;
    const p = byDay.get(key) ?? { ts: key, baseline_kwh: 0, actual_kwh: 0 };
    p.baseline_kwh += baseline;
    p.actual_kwh += actual;
    byDay.set(key, p);
  };
  for (const f of facilities) {
    if (f.model === null) continue;
    // A report whose intervals were dropped (e.g. read back from JSON) still has the UTC-day series.
    if (f.intervals && f.intervals.length > 0)
      for (const it of f.intervals) add(it.ts, it.baseline_kwh, it.actual_kwh);
    else for (const d of f.daily) add(d.ts - shiftMs, d.baseline_kwh, d.actual_kwh);
  }
  return [...byDay.values()].sort((a, b) => a.ts - b.ts);
};

export const toMonths = (days: readonly DayPoint[]): MonthPoint[] => {
  const byMonth = new Map<number, MonthPoint>();
  for (const d of days) {
    const date = new Date(d.ts);
    const key = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    const m = byMonth.get(key) ?? { ts: key, baseline_kwh: 0, actual_kwh: 0 };
    m.baseline_kwh += d.baseline_kwh;
    m.actual_kwh += d.actual_kwh;
    byMonth.set(key, m);
  }
  return [...byMonth.values()].sort((a, b) => a.ts - b.ts);
};

/** Page 1, for the minister: the saving in kWh, roubles and tonnes of CO2 with its uncertainty and what it means, the measures, sign-off. */
export function executiveSummary(ctx: PdfContext) {
  const { report, lang, options, t, tz, doc, para } = ctx;
  const { num, tonnes, pct, single, facilityLabel, scopeLabel, totals, conf } = ctx;
  const x = layout.leftOf(doc);
  const w = layout.widthOf(doc);
  doc.rect(0, 0, doc.page.width, 8).fill(layout.COLOR.accent);
  doc
    .font(layout.FONT.bold)
    .fontSize(10)
    .fillColor(layout.COLOR.muted)
    .text("VETRA", x, 34, { width: w, characterSpacing: 2 });
  doc.font(layout.FONT.bold).fontSize(22).fillColor(layout.COLOR.accent).text(t.title, x, 56, { width: w });
  doc.font(layout.FONT.regular).fontSize(10.5).fillColor(layout.COLOR.muted).text(t.subtitle, { width: w });
  doc.moveDown(0.6);
  doc.font(layout.FONT.bold).fontSize(15).fillColor(layout.COLOR.text).text(scopeLabel, { width: w });
  if (!single) {
    doc
      .font(layout.FONT.regular)
      .fontSize(8.5)
      .fillColor(layout.COLOR.muted)
      .text(
        report.facilities
          .map((f) => facilityLabel(f))
          .slice(0, 12)
          .join(" · ") + (report.facilities.length > 12 ? " …" : ""),
        { width: w },
      );
  }
  doc.moveDown(0.6);
  const days = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
  layout.drawKeyValues(
    doc,
    [
      [
        t.reporting,
        `${formatPeriod(Date.parse(report.reporting_from), Date.parse(report.reporting_to), lang, tz)} (${days(report.reporting_from, report.reporting_to)} ${t.days})`,
      ],
      [
        t.baseline,
        `${formatPeriod(Date.parse(report.baseline_from), Date.parse(report.baseline_to), lang, tz)} (${days(report.baseline_from, report.baseline_to)} ${t.days})`,
      ],
      [t.generated, formatDateTime(Date.parse(report.generated_at), lang, tz)],
      [t.timeZone, zoneLabelAt(tz, Date.parse(report.reporting_from))],
      [t.generatedBy, options.generatedBy ?? t.generatedByDefault],
      [t.tariff, num(report.tariff_rub_per_kwh, 2)],
      [t.factor, num(report.emission_factor_kg_co2_per_kwh, 3)],
    ],
    { fontSize: 8.5, labelShare: 0.36 },
  );
  // Key results as four tiles: each figure with its uncertainty at the report's confidence.
  doc.moveDown(0.8);
  doc.font(layout.FONT.bold).fontSize(12).fillColor(layout.COLOR.accent).text(t.keyFigures, x, doc.y);
  const top = doc.y + 6;
  const gap = 10;
  const tw = (w - 3 * gap) / 4;
  const band = totals.uncertainty_kwh;
  // Money and CO2 carry the energy's relative uncertainty (both are the energy times a rate).
  const share =
    totals.avoided_kwh !== 0 && Number.isFinite(band) ? band / Math.abs(totals.avoided_kwh) : Number.NaN;
  const tiles: [string, string, string][] = [
    [t.avoided, num(totals.avoided_kwh), `± ${num(band)} (${conf})`],
    [t.money, num(totals.money_rub), `± ${num(Math.abs(totals.money_rub) * share)}`],
    [t.co2, tonnes(totals.co2_kg), `± ${tonnes(Math.abs(totals.co2_kg) * share)}`],
    [t.savingsPct, pct(totals.savings_pct), totals.significant ? t.significant : t.notSignificant],
  ];
  tiles.forEach(([label, value, sub], i) => {
    const tx = x + i * (tw + gap);
    doc.rect(tx, top, tw, 70).fill(layout.COLOR.headerFill);
    doc.rect(tx, top, 3, 70).fill(layout.COLOR.accent);
    doc
      .font(layout.FONT.regular)
      .fontSize(8)
      .fillColor(layout.COLOR.muted)
      .text(label, tx + 9, top + 7, { width: tw - 14 });
    doc
      .font(layout.FONT.condBold)
      .fontSize(15)
      .fillColor(layout.COLOR.text)
      .text(value, tx + 9, top + 30, { width: tw - 14, lineBreak: false });
    doc
      .font(layout.FONT.cond)
      .fontSize(8)
      .fillColor(i === 3 ? (totals.significant ? layout.COLOR.pass : layout.COLOR.fail) : layout.COLOR.muted)
      .text(sub, tx + 9, top + 52, { width: tw - 14, lineBreak: false });
  });
  doc.x = x;
  doc.y = top + 82;
  // What it means, in words.
  layout.subheading(doc, t.meaningTitle, 11, layout.COLOR.accent, { width: w });
  doc.moveDown(0.2);
  if (Number.isFinite(band) && (single?.model ?? "x") !== null)
    para(
      t.meaning(
        num(totals.avoided_kwh),
        num(totals.avoided_kwh - band),
        num(totals.avoided_kwh + band),
        conf,
        pct(totals.savings_pct),
        totals.significant,
      ),
      9.5,
    );
  else para(t.notes.no_model, 9.5);
  if (!single) para(t.facilitiesCounted(report.portfolio.facilities, report.facilities.length), 9);
  // The measures, with their dates.
  const measures = report.facilities.filter((f) => f.measure);
  if (measures.length > 0) {
    layout.subheading(doc, t.measures, 11, layout.COLOR.accent, { width: w });
    doc.moveDown(0.2);
    const shown = measures.slice(0, 6);
    for (const f of shown) para(`${single ? "" : `${facilityLabel(f)}: `}${measureText(ctx, f)}`, 8.5);
    if (measures.length > shown.length) para(t.moreMeasures(measures.length - shown.length), 8.5);
  }
  signOffBlock(ctx);
  doc.fillColor(layout.COLOR.text);
}

export function measureText(ctx: PdfContext, f: FacilityReport): string {
  const { lang, t } = ctx;
  const m = f.measure;
  if (!m) return t.noMeasure;
  const text = lang === "en" ? (m.description.en ?? m.description.ru) : m.description.ru;
  return t.measureSince(text, formatDate(Date.parse(`${m.from}T12:00:00Z`), lang, "UTC"));
}

/** Sign-off: position, name, signature and date lines (from the config, else prepared / checked / approved). */
export function signOffBlock(ctx: PdfContext) {
  const { lang, options, t, doc, portrait } = ctx;
  const rows =
    options.signOff && options.signOff.length > 0
      ? options.signOff.map((r) => ({
          role: lang === "en" ? (r.role.en ?? r.role.ru) : r.role.ru,
          name: r.name ?? "",
        }))
      : t.signOffDefault.map((role) => ({ role, name: "" }));
  const x = layout.leftOf(doc);
  const w = layout.widthOf(doc);
  const rowH = 26;
  const height = 22 + rows.length * rowH;
  const y0 = Math.max(doc.y + 8, doc.page.height - doc.page.margins.bottom - height - 4);
  if (y0 + height > doc.page.height - doc.page.margins.bottom) {
    portrait();
    return signOffBlock(ctx);
  }
  doc.font(layout.FONT.bold).fontSize(11).fillColor(layout.COLOR.accent).text(t.signOff, x, y0, { width: w });
  const cols = [0.34, 0.26, 0.22, 0.18].map((c) => c * w);
  const heads = [t.signOffCols.role, t.signOffCols.name, t.signOffCols.signature, t.signOffCols.date];
  let cx = x;
  doc.font(layout.FONT.regular).fontSize(7.5).fillColor(layout.COLOR.muted);
  heads.forEach((h, i) => {
    doc.text(h, cx, y0 + 16, { width: cols[i]! - 6, lineBreak: false });
    cx += cols[i]!;
  });
  rows.forEach((r, k) => {
    const y = y0 + 22 + (k + 1) * rowH - 6;
    let lx = x;
    doc.font(layout.FONT.regular).fontSize(9).fillColor(layout.COLOR.text);
    doc.text(r.role, lx, y - 12, { width: cols[0]! - 6, lineBreak: false, ellipsis: true });
    doc.text(r.name, lx + cols[0]!, y - 12, { width: cols[1]! - 6, lineBreak: false, ellipsis: true });
    for (let i = 1; i < 4; i++) {
      lx += cols[i - 1]!;
      doc
        .moveTo(lx, y)
        .lineTo(lx + cols[i]! - 10, y)
        .lineWidth(0.5)
        .strokeColor(layout.COLOR.rule)
        .stroke();
    }
  });
  doc.x = x;
  doc.y = y0 + height;
}

export function summaryPages(ctx: PdfContext) {
  const { report, lang, t, shiftMs, doc, portrait, para } = ctx;
  const { num, tonnes, pct, single, facilityLabel, scopeLabel, totals, conf } = ctx;
  portrait();
  layout.heading(doc, `${t.summary} — ${scopeLabel}`);
  const band = totals.uncertainty_kwh;
  layout.drawKeyValues(
    doc,
    [
      [t.baselineKwh, num(totals.baseline_kwh)],
      [t.actualKwh, num(totals.actual_kwh)],
      [t.avoided, `${num(totals.avoided_kwh)} ± ${num(band)} (${conf})`],
      [t.savingsPct, pct(totals.savings_pct)],
      [t.fsu, pct(totals.fsu_pct)],
      [t.money, num(totals.money_rub)],
      [t.co2, tonnes(totals.co2_kg)],
    ],
    { fontSize: 10, boldValues: true },
  );
  doc.moveDown(0.6);
  if (Number.isFinite(band))
    para(
      t.intervalSentence(
        num(totals.avoided_kwh),
        num(band),
        conf,
        num(totals.avoided_kwh - band),
        num(totals.avoided_kwh + band),
      ),
    );
  if (single?.model === null) para(t.notes.no_model);
  else para(totals.significant ? t.significantSentence : t.notSignificantSentence);
  if (totals.avoided_kwh < 0) para(t.negativeSentence);
  if (!single) {
    const excluded = report.facilities.filter((f) => f.model === null);
    para(t.facilitiesCounted(report.portfolio.facilities, report.facilities.length));
    if (excluded.length > 0) para(t.excluded(excluded.map(facilityLabel).join(", ")));
  }
  doc.moveDown(0.3);
  avoidedChart(doc, {
    bars: [
      {
        label: single ? facilityLabel(single) : t.total,
        avoided_kwh: totals.avoided_kwh,
        band_kwh: band,
        significant: totals.significant,
      },
    ],
    title: t.avoided,
    legend: {
      significant: t.legendSignificant,
      notSignificant: t.legendNotSignificant,
      band: t.legendBand(conf),
    },
    lang,
    scale: avoidedScale([{ label: "", avoided_kwh: totals.avoided_kwh, band_kwh: band, significant: true }]),
  });
  const days = sumDays(single ? [single] : report.facilities, shiftMs);
  layout.ensureSpace(doc, 175, portrait);
  monthlyChart(doc, {
    months: toMonths(days),
    title: t.chartMonthly,
    legendBaseline: t.legendBaseline,
    legendActual: t.legendActual,
    lang,
    height: 120,
  });
  layout.ensureSpace(doc, 160, portrait);
  dailyChart(doc, {
    days,
    title: t.chartDaily,
    legendBaseline: t.legendBaseline,
    legendActual: t.legendActual,
    lang,
    height: 115,
  });
}

export function facilityTable(ctx: PdfContext) {
  const { report, t, num, tonnes, single, facilityLabel, conf, fig, modelName, doc, landscape } = ctx;
  landscape();
  layout.heading(doc, t.table);
  const c = t.col;
  const columns: layout.Column[] = [
    { header: c.facility, share: 150, flex: true },
    { header: c.model, share: 46 },
    { header: c.baseline, share: 58, align: "right" },
    { header: c.actual, share: 58, align: "right" },
    { header: c.avoided, share: 58, align: "right" },
    { header: c.band(conf), share: 52, align: "right" },
    { header: c.pct, share: 44, align: "right" },
    { header: c.money, share: 62, align: "right" },
    { header: c.co2, share: 54, align: "right" },
    { header: c.cvRmse, share: 44, align: "right" },
    { header: c.nmbe, share: 40, align: "right" },
    { header: c.r2, share: 34, align: "right" },
    { header: c.ashraeMet, share: 48, align: "center" },
    { header: c.sufficiency, share: 50, align: "center" },
  ];
  const rows: layout.Row[] = report.facilities.map((f) => ({
    cells: [
      facilityLabel(f),
      modelName(f),
      fig(f, f.baseline_kwh),
      fig(f, f.actual_kwh),
      fig(f, f.avoided_kwh),
      fig(f, f.uncertainty_kwh),
      fig(f, f.savings_pct, 1),
      fig(f, f.money_rub),
      f.model === null ? "—" : tonnes(f.co2_kg),
      num(100 * f.cv_rmse, 1),
      num(100 * f.nmbe, 2),
      num(f.r2, 3),
      f.model === null ? "—" : f.ashrae14_pass ? t.yes : t.no,
      f.sufficiency.ok ? t.yes : t.no,
    ],
    colors: [
      undefined,
      undefined,
      undefined,
      undefined,
      f.significant ? layout.COLOR.pass : undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      f.model === null ? undefined : f.ashrae14_pass ? layout.COLOR.pass : layout.COLOR.fail,
      f.sufficiency.ok ? layout.COLOR.pass : layout.COLOR.fail,
    ],
  }));
  const p = report.portfolio;
  if (!single)
    rows.push({
      bold: true,
      fill: layout.COLOR.totalFill,
      cells: [
        `${t.total} (${p.facilities})`,
        "",
        num(p.baseline_kwh),
        num(p.actual_kwh),
        num(p.avoided_kwh),
        num(p.uncertainty_kwh),
        num(p.savings_pct, 1),
        num(p.money_rub),
        tonnes(p.co2_kg),
        "",
        "",
        "",
        "",
        "",
      ],
    });
  layout.drawTable(doc, {
    columns,
    rows,
    fontSize: 7.5,
    condensed: true,
    newPage: () => {
      landscape();
      layout.heading(doc, t.tableCont, 12);
    },
  });
  doc.font(layout.FONT.regular).fontSize(7.5).fillColor(layout.COLOR.muted);
  doc.text(
    `${c.band(conf)}: ${t.legendBand(conf)}. ${t.tariff}: ${num(report.tariff_rub_per_kwh, 2)}; ${t.factor}: ${num(report.emission_factor_kg_co2_per_kwh, 3)}.`,
    layout.leftOf(doc),
    doc.y,
    { width: layout.widthOf(doc) },
  );
  doc.fillColor(layout.COLOR.text);
}

export function avoidedPages(ctx: PdfContext) {
  const { report, lang, t, single, facilityLabel, conf, doc, portrait } = ctx;
  if (single) return;
  const bars: AvoidedBar[] = report.facilities
    .filter((f) => f.model !== null)
    .map((f) => ({
      label: facilityLabel(f),
      avoided_kwh: f.avoided_kwh,
      band_kwh: f.uncertainty_kwh,
      significant: f.significant,
    }));
  if (bars.length === 0) return;
  const scale = avoidedScale(bars);
  for (let i = 0; i < bars.length; i += AVOIDED_ROWS_PER_BLOCK) {
    portrait();
    layout.heading(doc, i === 0 ? t.chartAvoided : t.chartAvoidedCont);
    avoidedChart(doc, {
      bars: bars.slice(i, i + AVOIDED_ROWS_PER_BLOCK),
      title: "",
      legend: {
        significant: t.legendSignificant,
        notSignificant: t.legendNotSignificant,
        band: t.legendBand(conf),
      },
      lang,
      scale,
    });
  }
}
