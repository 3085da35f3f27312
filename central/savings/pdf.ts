// The savings report as PDF (pdfkit), Russian by default, English on
// request, for a minister and the ministry's reviewers — results first,
// method after: an executive summary page (the saving in kWh, roubles and
// tonnes of CO2, each with its uncertainty, what that means, the measures
// and their dates, a sign-off block), then the summary with its charts
// (baseline vs actual by month and by day, avoided energy by facility with
// error bars), the per-facility results table, per facility its measure,
// energy per m² and the comparison with facilities of the same kind, model
// statistics, data-quality notes, and last the method statement (IPMVP
// Option C, CalTRACK, ASHRAE Guideline 14 statistics and thresholds, savings
// uncertainty); page numbers and a footer on every page. All dates and days
// in one zone: the region's (config timeZone). Every figure comes from the SavingsReport; nothing is
// recomputed here except sums for charts. The document, its fonts and
// footers: lib/pdf/document.ts.

import {
  formatDate,
  formatDateTime,
  formatNumber,
  formatPercent,
  formatPeriod,
  type Lang,
  zoneLabelAt,
  zoneOffsetMs,
  zoneOfPeriodStart,
} from "../lib/format.ts";
import { openPdf, type PageLayout, pageFooters } from "../lib/pdf/document.ts";
import {
  COLOR,
  type Column,
  drawKeyValues,
  drawTable,
  ensureSpace,
  FONT,
  heading,
  leftOf,
  type Row,
  widthOf,
} from "../lib/pdf/layout.ts";
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
import { type ReportText, TEXT } from "./pdf-text.ts";
import type { FacilityReport, SavingsReport } from "./report.ts";
import { ASHRAE14_THRESHOLDS } from "./stats.ts";

export type { Lang } from "../lib/format.ts";
export { TEXT } from "./pdf-text.ts";

export interface PdfOptions {
  /** Who asked for the report (user or token label); default: the system itself. */
  generatedBy?: string;
  /** IANA zone of dates and day boundaries (the region's); default: the fixed offset at which the reporting period starts at midnight. */
  timeZone?: string;
  /**
   * The registered facility reports a portfolio report rests on (register
   * id and SHA-256 of each file): listed on a page of their own, so the
   * portfolio can be checked against signed facility reports.
   */
  basis?: readonly { facility: string; document: string; sha256: string }[];
  /** Who signs (position, name); default three blank rows: prepared, checked, approved. */
  signOff?: readonly { role: { ru: string; en?: string | undefined }; name?: string | undefined }[];
}

// A little more margin than the service PDFs: the ministry's reviewers annotate these.
const PORTRAIT: PageLayout = {
  size: "A4",
  layout: "portrait",
  margins: { top: 50, bottom: 62, left: 50, right: 50 },
};
const LANDSCAPE: PageLayout = {
  size: "A4",
  layout: "landscape",
  margins: { top: 42, bottom: 58, left: 40, right: 40 },
};

type Totals = Pick<
  FacilityReport,
  | "baseline_kwh"
  | "actual_kwh"
  | "avoided_kwh"
  | "savings_pct"
  | "uncertainty_kwh"
  | "fsu_pct"
  | "significant"
  | "money_rub"
  | "co2_kg"
>;

const DAY_MS = 86_400_000;

/**
 * Adjusted baseline and actual per local day of the facilities with a model,
 * from their reporting intervals (hours or days); `ts` is the local day's
 * wall-clock midnight read as UTC, so the charts' calendar arithmetic is UTC
 * arithmetic. `shiftMs` is the local offset (east positive).
 */
const sumDays = (facilities: readonly FacilityReport[], shiftMs: number): DayPoint[] => {
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

const toMonths = (days: readonly DayPoint[]): MonthPoint[] => {
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

/** Renders the report to a PDF buffer. */
export function renderPdf(report: SavingsReport, lang: Lang, options: PdfOptions = {}): Promise<Buffer> {
  const t = TEXT[lang];
  // Without a zone, dates are shown in the fixed offset at which the
  // reporting period starts at midnight (the site's local days).
  const tz = options.timeZone ?? zoneOfPeriodStart(Date.parse(report.reporting_from));
  const shiftMs = zoneOffsetMs(Date.parse(report.reporting_from), tz);
  const num = (v: number | null | undefined, digits = 0) => formatNumber(v, digits, lang);
  /** kg of CO2 as tonnes (one decimal; three below a tonne). */
  const tonnes = (kg: number | null | undefined) =>
    kg === null || kg === undefined ? num(kg) : num(kg / 1000, Math.abs(kg) < 1000 ? 3 : 1);
  const pct = (v: number | null | undefined, digits = 1) => formatPercent(v, digits, lang);
  const single = report.scope === "facility" ? report.facilities[0] : undefined;
  // "№ 1" kept on one line.
  const facilityLabel = (f: Pick<FacilityReport, "name" | "id">) =>
    f.name && f.name !== f.id ? `${f.name.replace(/№ /g, "№\u00a0")} (${f.id})` : f.id;
  const scopeLabel = single ? facilityLabel(single) : t.portfolioOf(report.facilities.length);
  const totals: Totals = single ?? report.portfolio;
  const confidence = report.facilities.find((f) => Number.isFinite(f.confidence))?.confidence ?? 0.9;
  const conf = pct(100 * confidence, 0);
  // Without a model there are no reporting intervals: figures are shown as "—", not 0.
  const fig = (f: FacilityReport, v: number, digits = 0) => (f.model === null ? "—" : num(v, digits));
  const modelName = (f: FacilityReport) => (f.model === null ? t.none : t[f.model]);
  const formName = (f: FacilityReport) =>
    f.model_form
      .split(" ")
      .map((part, i) => {
        if (i === 0) return t.forms[part] ?? part;
        const m = /^(bH|bC)=(-?[\d.]+)°C$/.exec(part);
        return m ? `${m[1]} = ${num(Number(m[2]), Number.isInteger(Number(m[2])) ? 0 : 1)} °C` : part;
      })
      .join(", ");

  const { doc, bytes: done } = openPdf({
    title: `${t.title} — ${scopeLabel}`,
    author: options.generatedBy ?? "Vetra",
    lang,
    layout: PORTRAIT,
  });
  const portrait = () => doc.addPage(PORTRAIT);
  const landscape = () => doc.addPage(LANDSCAPE);
  const para = (text: string, size = 9.5) => {
    doc
      .font(FONT.regular)
      .fontSize(size)
      .fillColor(COLOR.text)
      .text(text, leftOf(doc), doc.y, { width: widthOf(doc), lineGap: 1.5 });
    doc.moveDown(0.4);
  };

  executiveSummary();
  summaryPages();
  facilityTable();
  avoidedPages();
  if (single) facilityContext(single);
  else for (const f of report.facilities) facilityPage(f);
  statsTable();
  qualityPages();
  if (options.basis && options.basis.length > 0) basisPage(options.basis);
  methodPages();
  footers();
  doc.end();
  return done;

  /** Page 1, for the minister: the saving in kWh, roubles and tonnes of CO2 with its uncertainty and what it means, the measures, sign-off. */
  function executiveSummary() {
    const x = leftOf(doc);
    const w = widthOf(doc);
    doc.rect(0, 0, doc.page.width, 8).fill(COLOR.accent);
    doc
      .font(FONT.bold)
      .fontSize(10)
      .fillColor(COLOR.muted)
      .text("VETRA", x, 34, { width: w, characterSpacing: 2 });
    doc.font(FONT.bold).fontSize(22).fillColor(COLOR.accent).text(t.title, x, 56, { width: w });
    doc.font(FONT.regular).fontSize(10.5).fillColor(COLOR.muted).text(t.subtitle, { width: w });
    doc.moveDown(0.6);
    doc.font(FONT.bold).fontSize(15).fillColor(COLOR.text).text(scopeLabel, { width: w });
    if (!single) {
      doc
        .font(FONT.regular)
        .fontSize(8.5)
        .fillColor(COLOR.muted)
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
    drawKeyValues(
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
    doc.font(FONT.bold).fontSize(12).fillColor(COLOR.accent).text(t.keyFigures, x, doc.y);
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
      doc.rect(tx, top, tw, 70).fill(COLOR.headerFill);
      doc.rect(tx, top, 3, 70).fill(COLOR.accent);
      doc
        .font(FONT.regular)
        .fontSize(8)
        .fillColor(COLOR.muted)
        .text(label, tx + 9, top + 7, { width: tw - 14 });
      doc
        .font(FONT.condBold)
        .fontSize(15)
        .fillColor(COLOR.text)
        .text(value, tx + 9, top + 30, { width: tw - 14, lineBreak: false });
      doc
        .font(FONT.cond)
        .fontSize(8)
        .fillColor(i === 3 ? (totals.significant ? COLOR.pass : COLOR.fail) : COLOR.muted)
        .text(sub, tx + 9, top + 52, { width: tw - 14, lineBreak: false });
    });
    doc.x = x;
    doc.y = top + 82;
    // What it means, in words.
    doc.font(FONT.bold).fontSize(11).fillColor(COLOR.accent).text(t.meaningTitle, x, doc.y, { width: w });
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
      doc.font(FONT.bold).fontSize(11).fillColor(COLOR.accent).text(t.measures, x, doc.y, { width: w });
      doc.moveDown(0.2);
      const shown = measures.slice(0, 6);
      for (const f of shown) para(`${single ? "" : `${facilityLabel(f)}: `}${measureText(f)}`, 8.5);
      if (measures.length > shown.length) para(t.moreMeasures(measures.length - shown.length), 8.5);
    }
    signOffBlock();
    doc.fillColor(COLOR.text);
  }

  function measureText(f: FacilityReport): string {
    const m = f.measure;
    if (!m) return t.noMeasure;
    const text = lang === "en" ? (m.description.en ?? m.description.ru) : m.description.ru;
    return t.measureSince(text, formatDate(Date.parse(`${m.from}T12:00:00Z`), lang, "UTC"));
  }

  /** Sign-off: position, name, signature and date lines (from the config, else prepared / checked / approved). */
  function signOffBlock() {
    const rows =
      options.signOff && options.signOff.length > 0
        ? options.signOff.map((r) => ({
            role: lang === "en" ? (r.role.en ?? r.role.ru) : r.role.ru,
            name: r.name ?? "",
          }))
        : t.signOffDefault.map((role) => ({ role, name: "" }));
    const x = leftOf(doc);
    const w = widthOf(doc);
    const rowH = 26;
    const height = 22 + rows.length * rowH;
    const y0 = Math.max(doc.y + 8, doc.page.height - doc.page.margins.bottom - height - 4);
    if (y0 + height > doc.page.height - doc.page.margins.bottom) {
      portrait();
      return signOffBlock();
    }
    doc.font(FONT.bold).fontSize(11).fillColor(COLOR.accent).text(t.signOff, x, y0, { width: w });
    const cols = [0.34, 0.26, 0.22, 0.18].map((c) => c * w);
    const heads = [t.signOffCols.role, t.signOffCols.name, t.signOffCols.signature, t.signOffCols.date];
    let cx = x;
    doc.font(FONT.regular).fontSize(7.5).fillColor(COLOR.muted);
    heads.forEach((h, i) => {
      doc.text(h, cx, y0 + 16, { width: cols[i]! - 6, lineBreak: false });
      cx += cols[i]!;
    });
    rows.forEach((r, k) => {
      const y = y0 + 22 + (k + 1) * rowH - 6;
      let lx = x;
      doc.font(FONT.regular).fontSize(9).fillColor(COLOR.text);
      doc.text(r.role, lx, y - 12, { width: cols[0]! - 6, lineBreak: false, ellipsis: true });
      doc.text(r.name, lx + cols[0]!, y - 12, { width: cols[1]! - 6, lineBreak: false, ellipsis: true });
      for (let i = 1; i < 4; i++) {
        lx += cols[i - 1]!;
        doc
          .moveTo(lx, y)
          .lineTo(lx + cols[i]! - 10, y)
          .lineWidth(0.5)
          .strokeColor(COLOR.rule)
          .stroke();
      }
    });
    doc.x = x;
    doc.y = y0 + height;
  }

  function methodPages() {
    portrait();
    heading(doc, t.method);
    for (const s of t.methodSections) {
      ensureSpace(doc, 60, portrait);
      doc
        .font(FONT.bold)
        .fontSize(10.5)
        .fillColor(COLOR.text)
        .text(s.heading, leftOf(doc), doc.y, { width: widthOf(doc) });
      doc.moveDown(0.25);
      for (const p of s.paragraphs) {
        if (typeof p === "string") para(p.replaceAll("{conf}", conf));
        else {
          doc.moveDown(0.1);
          doc
            .font(FONT.regular)
            .fontSize(9.5)
            .fillColor(COLOR.text)
            .text(p.formula, leftOf(doc) + 20, doc.y, { width: widthOf(doc) - 20 });
          doc.moveDown(0.5);
        }
      }
      if (s.thresholds) thresholds();
      doc.moveDown(0.3);
    }
  }

  function thresholds() {
    ensureSpace(doc, 70, portrait);
    doc.moveDown(0.2);
    doc
      .font(FONT.bold)
      .fontSize(9)
      .text(t.thresholdsHeading, leftOf(doc), doc.y, { width: widthOf(doc) });
    doc.moveDown(0.2);
    const th = ASHRAE14_THRESHOLDS;
    drawTable(doc, {
      columns: [
        { header: t.thresholdsColumns[0], share: 2 },
        { header: t.thresholdsColumns[1], share: 1.5, align: "right" },
        { header: t.thresholdsColumns[2], share: 1.5, align: "right" },
      ],
      rows: (["hourly", "daily"] as const).map((g) => ({
        cells: [t.granularity[g], pct(100 * th[g].cvRmse, 0), pct(100 * th[g].nmbe, 0)],
      })),
      fontSize: 9,
      newPage: portrait,
    });
  }

  function summaryPages() {
    portrait();
    heading(doc, `${t.summary} — ${scopeLabel}`);
    const band = totals.uncertainty_kwh;
    drawKeyValues(
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
      scale: avoidedScale([
        { label: "", avoided_kwh: totals.avoided_kwh, band_kwh: band, significant: true },
      ]),
    });
    const days = sumDays(single ? [single] : report.facilities, shiftMs);
    ensureSpace(doc, 175, portrait);
    monthlyChart(doc, {
      months: toMonths(days),
      title: t.chartMonthly,
      legendBaseline: t.legendBaseline,
      legendActual: t.legendActual,
      lang,
      height: 120,
    });
    ensureSpace(doc, 160, portrait);
    dailyChart(doc, {
      days,
      title: t.chartDaily,
      legendBaseline: t.legendBaseline,
      legendActual: t.legendActual,
      lang,
      height: 115,
    });
  }

  function facilityTable() {
    landscape();
    heading(doc, t.table);
    const c = t.col;
    const columns: Column[] = [
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
    const rows: Row[] = report.facilities.map((f) => ({
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
        f.significant ? COLOR.pass : undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        f.model === null ? undefined : f.ashrae14_pass ? COLOR.pass : COLOR.fail,
        f.sufficiency.ok ? COLOR.pass : COLOR.fail,
      ],
    }));
    const p = report.portfolio;
    if (!single)
      rows.push({
        bold: true,
        fill: COLOR.totalFill,
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
    drawTable(doc, {
      columns,
      rows,
      fontSize: 7.5,
      condensed: true,
      newPage: () => {
        landscape();
        heading(doc, t.tableCont, 12);
      },
    });
    doc.font(FONT.regular).fontSize(7.5).fillColor(COLOR.muted);
    doc.text(
      `${c.band(conf)}: ${t.legendBand(conf)}. ${t.tariff}: ${num(report.tariff_rub_per_kwh, 2)}; ${t.factor}: ${num(report.emission_factor_kg_co2_per_kwh, 3)}.`,
      leftOf(doc),
      doc.y,
      { width: widthOf(doc) },
    );
    doc.fillColor(COLOR.text);
  }

  function avoidedPages() {
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
      heading(doc, i === 0 ? t.chartAvoided : t.chartAvoidedCont);
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

  function statsTable() {
    landscape();
    heading(doc, t.stats);
    para(t.statsIntro, 8.5);
    const c = t.col;
    const th = (f: FacilityReport) => ASHRAE14_THRESHOLDS[f.ashrae14_granularity];
    drawTable(doc, {
      columns: [
        { header: c.facility, share: 150, flex: true },
        { header: c.model, share: 48 },
        { header: c.form, share: 100, flex: true },
        { header: c.n, share: 34, align: "right" },
        { header: c.p, share: 26, align: "right" },
        { header: c.m, share: 34, align: "right" },
        { header: c.rho, share: 34, align: "right" },
        { header: c.nPrime, share: 36, align: "right" },
        { header: c.r2, share: 36, align: "right" },
        { header: c.adjR2, share: 38, align: "right" },
        { header: c.cvRmse, share: 56, align: "right" },
        { header: c.nmbe, share: 56, align: "right" },
        { header: c.ashrae, share: 54, align: "center" },
        { header: c.fsu, share: 40, align: "right" },
      ],
      rows: report.facilities.map((f) => ({
        cells: [
          facilityLabel(f),
          modelName(f),
          formName(f),
          num(f.n_baseline),
          num(f.parameters),
          num(f.n_reporting),
          num(f.rho, 3),
          num(f.n_prime),
          num(f.r2, 3),
          num(f.adj_r2, 3),
          f.model === null ? "—" : `${num(100 * f.cv_rmse, 1)} (≤ ${num(100 * th(f).cvRmse, 0)})`,
          f.model === null ? "—" : `${num(100 * f.nmbe, 2)} (±${num(100 * th(f).nmbe, 0)})`,
          f.model === null ? "—" : f.ashrae14_pass ? t.pass : t.fail,
          num(f.fsu_pct, 1),
        ],
        colors: Array.from({ length: 14 }, (_, i) =>
          i === 12 && f.model !== null ? (f.ashrae14_pass ? COLOR.pass : COLOR.fail) : undefined,
        ),
      })),
      fontSize: 7.5,
      condensed: true,
      newPage: () => {
        landscape();
        heading(doc, t.stats, 12);
      },
    });
  }

  function qualityPages() {
    landscape();
    heading(doc, t.quality);
    para(t.qualityIntro, 8.5);
    const ok = report.facilities.filter((f) => f.sufficiency.ok).length;
    para(t.qualityOk(ok, report.facilities.length), 9);
    const failed = report.facilities.filter((f) => !f.sufficiency.ok);
    const flagged = report.facilities.filter((f) => f.sufficiency.ok && f.sufficiency.notes.length > 0);
    const list = (fs: FacilityReport[]) =>
      fs
        .map((f) => `${facilityLabel(f)}: ${f.sufficiency.notes.map((n) => t.notes[n] ?? n).join("; ")}`)
        .join(". ");
    if (failed.length > 0) para(`${t.qualityFailed}. ${list(failed)}.`, 9);
    if (flagged.length > 0) para(`${t.qualityFlags}. ${list(flagged)}.`, 9);
    if (failed.length === 0 && flagged.length === 0) para(t.qualityAllGood, 9);
    doc.moveDown(0.3);
    const c = t.col;
    drawTable(doc, {
      columns: [
        { header: c.facility, share: 150, flex: true },
        { header: c.baselineDays, share: 48, align: "right" },
        { header: c.meterCoverage, share: 52, align: "right" },
        { header: c.tempCoverage, share: 56, align: "right" },
        { header: c.reportingCoverage, share: 52, align: "right" },
        { header: c.zeros, share: 42, align: "right" },
        { header: c.outliers, share: 42, align: "right" },
        { header: c.sufficiency, share: 50, align: "center" },
        { header: c.notes, share: 200, flex: true },
      ],
      rows: report.facilities.map((f) => {
        const s = f.sufficiency;
        return {
          cells: [
            facilityLabel(f),
            num(s.baseline_days, Number.isInteger(s.baseline_days) ? 0 : 1),
            num(100 * s.baseline_coverage, 1),
            num(100 * s.temperature_coverage, 1),
            num(100 * s.reporting_coverage, 1),
            num(s.zero_hours),
            num(s.outlier_hours),
            s.ok ? t.yes : t.no,
            s.notes.length > 0 ? s.notes.map((n) => t.notes[n] ?? n).join("; ") : t.noNotes,
          ],
          colors: [
            undefined,
            s.notes.includes("baseline_shorter_than_year") ? COLOR.fail : undefined,
            s.baseline_coverage < 0.9 ? COLOR.fail : undefined,
            s.temperature_coverage < 0.9 ? COLOR.fail : undefined,
            s.reporting_coverage < 0.9 ? COLOR.fail : undefined,
            undefined,
            undefined,
            s.ok ? COLOR.pass : COLOR.fail,
            undefined,
          ],
        };
      }),
      fontSize: 7.5,
      condensed: true,
      newPage: () => {
        landscape();
        heading(doc, t.quality, 12);
      },
    });
  }

  /** Floor area, energy per m² (actual and without the measure), the comparison with the same kind. */
  function contextRows(f: FacilityReport): [string, string][] {
    if (!f.floor_area_m2) return [[t.intensity, t.noArea]];
    const rows: [string, string][] = [[t.floorArea, num(f.floor_area_m2)]];
    if (f.actual_kwh_per_m2_year != null && f.baseline_kwh_per_m2_year != null)
      rows.push([
        t.intensity,
        t.intensityValue(num(f.actual_kwh_per_m2_year, 1), num(f.baseline_kwh_per_m2_year, 1)),
      ]);
    rows.push([
      t.peers,
      f.peers
        ? t.peersValue(
            f.peers.rank,
            f.peers.count,
            t.kinds[f.peers.kind] ?? f.peers.kind,
            num(f.peers.median_kwh_per_m2_year, 1),
          )
        : t.noPeers(t.kinds[f.kind] ?? f.kind),
    ]);
    return rows;
  }

  /** A facility report's own page after the summary: its measure and its energy per m². */
  function facilityContext(f: FacilityReport) {
    portrait();
    heading(doc, `${t.facilityHeading} — ${facilityLabel(f)}`, 14);
    drawKeyValues(doc, [[t.measure, measureText(f)], ...contextRows(f)], { fontSize: 9, labelShare: 0.3 });
  }

  function facilityPage(f: FacilityReport) {
    portrait();
    heading(doc, facilityLabel(f), 14);
    const th = ASHRAE14_THRESHOLDS[f.ashrae14_granularity];
    drawKeyValues(
      doc,
      [
        [t.measure, measureText(f)],
        ...contextRows(f),
        [t.col.model, f.model === null ? t.none : `${modelName(f)} (${formName(f)})`],
        [t.baselineKwh, fig(f, f.baseline_kwh)],
        [t.actualKwh, fig(f, f.actual_kwh)],
        [
          t.avoided,
          f.model === null
            ? "—"
            : `${num(f.avoided_kwh)} ± ${num(f.uncertainty_kwh)} (${conf}); ${pct(f.savings_pct)} — ${f.significant ? t.significant : t.notSignificant}`,
        ],
        [t.money, fig(f, f.money_rub)],
        [t.co2, f.model === null ? "—" : tonnes(f.co2_kg)],
        [
          "R²; CV(RMSE); NMBE",
          f.model === null
            ? "—"
            : `${num(f.r2, 3)}; ${pct(100 * f.cv_rmse)} (≤ ${pct(100 * th.cvRmse, 0)}); ${pct(100 * f.nmbe, 2)} (±${pct(100 * th.nmbe, 0)}) — ASHRAE 14: ${f.ashrae14_pass ? t.pass : t.fail}`,
        ],
        [
          t.quality,
          f.sufficiency.notes.length > 0
            ? f.sufficiency.notes.map((n) => t.notes[n] ?? n).join("; ")
            : t.noNotes,
        ],
      ],
      { fontSize: 8.5, labelShare: 0.3 },
    );
    doc.moveDown(0.8);
    if (f.model === null) return;
    monthlyChart(doc, {
      months: toMonths(sumDays([f], shiftMs)),
      title: t.chartMonthly,
      legendBaseline: t.legendBaseline,
      legendActual: t.legendActual,
      lang,
      height: 130,
    });
    ensureSpace(doc, 160, portrait);
    dailyChart(doc, {
      days: sumDays([f], shiftMs),
      title: t.chartDaily,
      legendBaseline: t.legendBaseline,
      legendActual: t.legendActual,
      lang,
      height: 130,
    });
  }

  function basisPage(basis: NonNullable<PdfOptions["basis"]>) {
    portrait();
    heading(
      doc,
      lang === "ru"
        ? "Основание: отчёты по объектам в реестре документов"
        : "Basis: the facility reports in the document register",
    );
    para(
      lang === "ru"
        ? "Сводный отчёт составлен из отчётов по объектам, зарегистрированных в реестре документов; SHA-256 — хеш файла каждого из них."
        : "This portfolio report is made of the facility reports registered in the document register; SHA-256 is the hash of each one's file.",
    );
    for (const b of basis) para(`${b.facility}: ${b.document}\nSHA-256 ${b.sha256}`, 8.5);
  }

  function footers() {
    pageFooters(doc, `Vetra · ${t.title} · ${scopeLabel}`, t.page);
  }
}

export type { ReportText };
