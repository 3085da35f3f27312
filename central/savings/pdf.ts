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
// footers: lib/pdf/document.ts. This file holds the order of the pages and
// what they share (PdfContext); the pages are pdf-summary.ts and
// pdf-detail.ts.

import { formatNumber, formatPercent, type Lang, zoneOffsetMs, zoneOfPeriodStart } from "../lib/format.ts";
import { openPdf, type PageLayout, paragraph } from "../lib/pdf/document.ts";
import {
  basisPage,
  facilityContext,
  facilityPage,
  footers,
  methodPages,
  qualityPages,
  statsTable,
} from "./pdf-detail.ts";
import { avoidedPages, executiveSummary, facilityTable, summaryPages } from "./pdf-summary.ts";
import { type ReportText, TEXT } from "./pdf-text.ts";
import type { FacilityReport, SavingsReport } from "./report.ts";
import type { SavingsFigures } from "./savings.ts";

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

/** Renders the report to a PDF buffer. */
export function renderPdf(report: SavingsReport, lang: Lang, options: PdfOptions = {}): Promise<Buffer> {
  const ctx = pdfContext(report, lang, options);
  const { single } = ctx;
  executiveSummary(ctx);
  summaryPages(ctx);
  facilityTable(ctx);
  avoidedPages(ctx);
  if (single) facilityContext(ctx, single);
  else for (const f of report.facilities) facilityPage(ctx, f);
  statsTable(ctx);
  qualityPages(ctx);
  if (options.basis && options.basis.length > 0) basisPage(ctx, options.basis);
  methodPages(ctx);
  footers(ctx);
  ctx.doc.end();
  return ctx.done;
}

/** What every page of the report draws with: the report, its language, zone, number formats, labels and the document. */
export type PdfContext = ReturnType<typeof pdfContext>;

function pdfContext(report: SavingsReport, lang: Lang, options: PdfOptions) {
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
  const totals: SavingsFigures = single ?? report.portfolio;
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
  const para = (text: string, size = 9.5) => paragraph(doc, text, size);

  return {
    report,
    lang,
    options,
    t,
    tz,
    shiftMs,
    num,
    tonnes,
    pct,
    single,
    facilityLabel,
    scopeLabel,
    totals,
    confidence,
    conf,
    fig,
    modelName,
    formName,
    doc,
    done,
    portrait,
    landscape,
    para,
  };
}

export type { ReportText };
