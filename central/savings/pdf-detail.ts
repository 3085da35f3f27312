import { pageFooters } from "../lib/pdf/document.ts";
import * as layout from "../lib/pdf/layout.ts";
import { drawRecordTable } from "../lib/pdf/record-table.ts";
import type { PdfContext, PdfOptions } from "./pdf.ts";
import { dailyChart, monthlyChart } from "./pdf-charts.ts";
import { measureText, sumDays, toMonths } from "./pdf-summary.ts";
import type { FacilityReport } from "./report.ts";
import { ASHRAE14_THRESHOLDS } from "./stats.ts";

export function methodPages(ctx: PdfContext) {
  const { t, conf, doc, portrait, para } = ctx;
  portrait();
  layout.heading(doc, t.method);
  for (const s of t.methodSections) {
    layout.ensureSpace(doc, 60, portrait);
    layout.subheading(doc, s.heading, 10.5, layout.COLOR.text, { width: layout.widthOf(doc) });
    doc.moveDown(0.25);
    for (const p of s.paragraphs) {
      if (typeof p === "string") para(p.replaceAll("{conf}", conf));
      else {
        doc.moveDown(0.1);
        doc
          .font(layout.FONT.regular)
          .fontSize(9.5)
          .fillColor(layout.COLOR.text)
          .text(p.formula, layout.leftOf(doc) + 20, doc.y, { width: layout.widthOf(doc) - 20 });
        doc.moveDown(0.5);
      }
    }
    if (s.thresholds) thresholds(ctx);
    doc.moveDown(0.3);
  }
}

export function thresholds(ctx: PdfContext) {
  const { t, pct, doc, portrait } = ctx;
  layout.ensureSpace(doc, 70, portrait);
  doc.moveDown(0.2);
  doc
    .font(layout.FONT.bold)
    .fontSize(9)
    .text(t.thresholdsHeading, layout.leftOf(doc), doc.y, { width: layout.widthOf(doc) });
  doc.moveDown(0.2);
  const th = ASHRAE14_THRESHOLDS;
  const c = t.thresholdsColumns;
  drawRecordTable(doc, {
    columns: [
      { header: c.model, share: 2, cell: (g) => t.granularity[g] },
      { header: c.cvRmse, share: 1.5, align: "right", cell: (g) => pct(100 * th[g].cvRmse, 0) },
      { header: c.nmbe, share: 1.5, align: "right", cell: (g) => pct(100 * th[g].nmbe, 0) },
    ],
    records: ["hourly", "daily"] as const,
    fontSize: 9,
    newPage: portrait,
  });
}

export function statsTable(ctx: PdfContext) {
  const { report, t, num, facilityLabel, modelName, formName, doc, landscape, para } = ctx;
  landscape();
  layout.heading(doc, t.stats);
  para(t.statsIntro, 8.5);
  const c = t.col;
  const th = (f: FacilityReport) => ASHRAE14_THRESHOLDS[f.ashrae14_granularity];
  /** A figure of the model; "—" without one. */
  const ofModel = (f: FacilityReport, text: () => string) => (f.model === null ? "—" : text());
  drawRecordTable(doc, {
    columns: [
      { header: c.facility, share: 150, flex: true, cell: (f) => facilityLabel(f) },
      { header: c.model, share: 48, cell: (f) => modelName(f) },
      { header: c.form, share: 100, flex: true, cell: (f) => formName(f) },
      { header: c.n, share: 34, align: "right", cell: (f) => num(f.n_baseline) },
      { header: c.p, share: 26, align: "right", cell: (f) => num(f.parameters) },
      { header: c.m, share: 34, align: "right", cell: (f) => num(f.n_reporting) },
      { header: c.rho, share: 34, align: "right", cell: (f) => num(f.rho, 3) },
      { header: c.nPrime, share: 36, align: "right", cell: (f) => num(f.n_prime) },
      { header: c.r2, share: 36, align: "right", cell: (f) => num(f.r2, 3) },
      { header: c.adjR2, share: 38, align: "right", cell: (f) => num(f.adj_r2, 3) },
      {
        header: c.cvRmse,
        share: 56,
        align: "right",
        cell: (f) => ofModel(f, () => `${num(100 * f.cv_rmse, 1)} (≤ ${num(100 * th(f).cvRmse, 0)})`),
      },
      {
        header: c.nmbe,
        share: 56,
        align: "right",
        cell: (f) => ofModel(f, () => `${num(100 * f.nmbe, 2)} (±${num(100 * th(f).nmbe, 0)})`),
      },
      {
        header: c.ashrae,
        share: 54,
        align: "center",
        cell: (f) => ofModel(f, () => (f.ashrae14_pass ? t.pass : t.fail)),
        color: (f) => (f.model === null ? undefined : passColor(f.ashrae14_pass)),
      },
      { header: c.fsu, share: 40, align: "right", cell: (f) => num(f.fsu_pct, 1) },
    ],
    records: report.facilities,
    fontSize: 7.5,
    condensed: true,
    newPage: () => {
      landscape();
      layout.heading(doc, t.stats, 12);
    },
  });
}

export function qualityPages(ctx: PdfContext) {
  const { report, t, num, facilityLabel, doc, landscape, para } = ctx;
  landscape();
  layout.heading(doc, t.quality);
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
  /** Red where a coverage falls below CalTRACK's 90 %. */
  const coverageColor = (share: number) => (share < 0.9 ? layout.COLOR.fail : undefined);
  drawRecordTable(doc, {
    columns: [
      { header: c.facility, share: 150, flex: true, cell: (f) => facilityLabel(f) },
      {
        header: c.baselineDays,
        share: 48,
        align: "right",
        cell: ({ sufficiency: s }) => num(s.baseline_days, Number.isInteger(s.baseline_days) ? 0 : 1),
        color: ({ sufficiency: s }) =>
          s.notes.includes("baseline_shorter_than_year") ? layout.COLOR.fail : undefined,
      },
      {
        header: c.meterCoverage,
        share: 52,
        align: "right",
        cell: ({ sufficiency: s }) => num(100 * s.baseline_coverage, 1),
        color: ({ sufficiency: s }) => coverageColor(s.baseline_coverage),
      },
      {
        header: c.tempCoverage,
        share: 56,
        align: "right",
        cell: ({ sufficiency: s }) => num(100 * s.temperature_coverage, 1),
        color: ({ sufficiency: s }) => coverageColor(s.temperature_coverage),
      },
      {
        header: c.reportingCoverage,
        share: 52,
        align: "right",
        cell: ({ sufficiency: s }) => num(100 * s.reporting_coverage, 1),
        color: ({ sufficiency: s }) => coverageColor(s.reporting_coverage),
      },
      { header: c.zeros, share: 42, align: "right", cell: (f) => num(f.sufficiency.zero_hours) },
      { header: c.outliers, share: 42, align: "right", cell: (f) => num(f.sufficiency.outlier_hours) },
      {
        header: c.sufficiency,
        share: 50,
        align: "center",
        cell: (f) => (f.sufficiency.ok ? t.yes : t.no),
        color: (f) => passColor(f.sufficiency.ok),
      },
      { header: c.notes, share: 200, flex: true, cell: (f) => notesText(ctx, f) },
    ],
    records: report.facilities,
    fontSize: 7.5,
    condensed: true,
    newPage: () => {
      landscape();
      layout.heading(doc, t.quality, 12);
    },
  });
}

const passColor = (pass: boolean) => (pass ? layout.COLOR.pass : layout.COLOR.fail);

/** A facility's data-quality remarks in words, or that there are none. */
function notesText(ctx: PdfContext, f: FacilityReport): string {
  const { t } = ctx;
  const notes = f.sufficiency.notes;
  return notes.length > 0 ? notes.map((n) => t.notes[n] ?? n).join("; ") : t.noNotes;
}

/** Floor area, energy per m² (actual and without the measure), the comparison with the same kind. */
export function contextRows(ctx: PdfContext, f: FacilityReport): [string, string][] {
  const { t, num } = ctx;
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
export function facilityContext(ctx: PdfContext, f: FacilityReport) {
  const { t, facilityLabel, doc, portrait } = ctx;
  portrait();
  layout.heading(doc, `${t.facilityHeading} — ${facilityLabel(f)}`, 14);
  layout.drawKeyValues(doc, [[t.measure, measureText(ctx, f)], ...contextRows(ctx, f)], {
    fontSize: 9,
    labelShare: 0.3,
  });
}

export function facilityPage(ctx: PdfContext, f: FacilityReport) {
  const { lang, t, shiftMs, num, tonnes, pct, facilityLabel, conf, fig, modelName, formName, doc, portrait } =
    ctx;
  portrait();
  layout.heading(doc, facilityLabel(f), 14);
  const th = ASHRAE14_THRESHOLDS[f.ashrae14_granularity];
  layout.drawKeyValues(
    doc,
    [
      [t.measure, measureText(ctx, f)],
      ...contextRows(ctx, f),
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
      [t.quality, notesText(ctx, f)],
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
  layout.ensureSpace(doc, 160, portrait);
  dailyChart(doc, {
    days: sumDays([f], shiftMs),
    title: t.chartDaily,
    legendBaseline: t.legendBaseline,
    legendActual: t.legendActual,
    lang,
    height: 130,
  });
}

export function basisPage(ctx: PdfContext, basis: NonNullable<PdfOptions["basis"]>) {
  const { t, doc, portrait, para } = ctx;
  portrait();
  layout.heading(doc, t.basis);
  para(t.basisIntro);
  for (const b of basis) para(`${b.facility}: ${b.document}\nSHA-256 ${b.sha256}`, 8.5);
}

export function footers(ctx: PdfContext) {
  const { t, scopeLabel, doc } = ctx;
  pageFooters(doc, `Vetra · ${t.title} · ${scopeLabel}`, t.page);
}
