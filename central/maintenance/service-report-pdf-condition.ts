// The condition and alarm-health sections of the monthly service report PDF
// (results, before the method): a summary of every asset's condition with
// the recommended action and its urgency, per asset its open alarms with
// their evidence and the trend of its worst point (a small chart with the
// ISO 10816-21 boundaries), the alarm-system health against the EEMUA 191 /
// ISA-18.2 targets, and — for the method — the advisory table with the
// standards it follows. Every figure comes from the ServiceReport.

import { formatDate, formatDateTime, formatNumber, type Lang } from "../lib/format.ts";
import type { Doc } from "../lib/pdf/document.ts";
import { paragraph } from "../lib/pdf/document.ts";
import * as layout from "../lib/pdf/layout.ts";
import { ADVISORY, type Advice, Urgencies, type Urgency, UrgencyNames } from "./advisory.ts";
import { faultName, pointName } from "./names.ts";
import type { AssetCondition, WorstPointTrend } from "./service-condition.ts";
import type { ServiceReport, ServiceReportRow } from "./service-report.ts";
import { CONDITION_TEXT as TEXT } from "./service-report-pdf-condition-text.ts";

const URGENCY_COLOR: Record<Urgency, string> = {
  immediate: layout.COLOR.fail,
  urgent: layout.COLOR.fail,
  soon: layout.COLOR.actual,
  planned: layout.COLOR.text,
  routine: layout.COLOR.muted,
};

const assetLabel = (r: ServiceReportRow) => (r.name === r.asset ? r.asset : `${r.name} (${r.asset})`);
const urgencyRank = (c: AssetCondition | null) =>
  c ? Urgencies.indexOf(c.recommendation.urgency) : Urgencies.length;

/** The condition summary, then the detail of each asset with open alarms or a trend. */
export function drawConditionSection(doc: Doc, report: ServiceReport, lang: Lang, newPage: () => void): void {
  const t = TEXT[lang];
  const tz = report.timeZone;
  const num = (v: number | null | undefined, d: number) => formatNumber(v, d, lang);
  layout.heading(doc, t.condition, 13);
  paragraph(doc, t.conditionNote(formatDateTime(Date.parse(report.asOf), lang, tz)), 9);
  const rows = [...report.assets].sort((a, b) => urgencyRank(a.condition) - urgencyRank(b.condition));
  const advice = (a: Advice) => a[lang];
  layout.drawTable(doc, {
    columns: [
      { header: t.columns.asset, share: 1.8, flex: true },
      { header: t.columns.condition, share: 1.1 },
      { header: t.columns.worst, share: 1.6 },
      { header: t.columns.open, share: 2.2, flex: true },
      { header: t.columns.action, share: 3.6, flex: true },
      { header: t.columns.urgency, share: 1.6 },
    ],
    rows: rows.map((r) => {
      const c = r.condition;
      if (!c)
        return {
          cells: [assetLabel(r), t.handedOver, "", "", "", ""],
          colors: [undefined, layout.COLOR.muted],
        };
      const worst = c.worstPoint;
      const zone = worst ? (c.points.find((p) => p.point === worst.point)?.isoZone ?? "—") : "";
      return {
        cells: [
          assetLabel(r),
          t.levels[c.condition],
          worst ? `${pointName(worst.point, lang)} (${zone}, ${num(worst.maxVRmsMmS, 2)})` : "—",
          c.diagnoses.map((d) => `${faultName(d.fault, lang)} — ${t.severity[d.severity]}`).join("; ") || "—",
          advice(c.recommendation),
          UrgencyNames[c.recommendation.urgency][lang],
        ],
        colors: [
          undefined,
          c.condition === "alarm" ? layout.COLOR.fail : undefined,
          undefined,
          undefined,
          undefined,
          URGENCY_COLOR[c.recommendation.urgency],
        ],
      };
    }),
    fontSize: 8,
    condensed: true,
    newPage: () => {
      newPage();
      layout.heading(doc, t.condition, 13);
    },
  });

  const detailed = rows.filter(
    (r) => r.condition && (r.condition.diagnoses.length > 0 || r.condition.worstPoint),
  );
  if (detailed.length === 0) return;
  doc.moveDown(0.4);
  layout.ensureSpace(doc, 120, newPage);
  layout.heading(doc, t.details, 13);
  for (const r of detailed) {
    const c = r.condition!;
    layout.ensureSpace(doc, c.worstPoint ? 200 : 80, newPage);
    doc
      .font(layout.FONT.bold)
      .fontSize(10.5)
      .fillColor(layout.COLOR.accent)
      .text(`${assetLabel(r)} — ${t.levels[c.condition]}`, layout.leftOf(doc), doc.y, {
        width: layout.widthOf(doc),
      });
    doc.moveDown(0.2);
    if (c.points.length > 0)
      paragraph(
        doc,
        `${t.pointsLine}: ${c.points
          .map(
            (p) =>
              `${pointName(p.point, lang)} — ${p.isoZone ?? "—"}, ${num(p.vRmsMmS, 2)} ${lang === "ru" ? "мм/с" : "mm/s"}`,
          )
          .join("; ")}`,
        8.5,
      );
    if (c.diagnoses.length === 0) paragraph(doc, t.noOpen, 8.5);
    else
      layout.drawTable(doc, {
        columns: [
          { header: t.diagnosisColumns.fault, share: 1.7, flex: true },
          { header: t.diagnosisColumns.point, share: 1.6, flex: true },
          { header: t.diagnosisColumns.severity, share: 1.1 },
          { header: t.diagnosisColumns.since, share: 1.2 },
          { header: t.diagnosisColumns.evidence, share: 3, flex: true },
          { header: t.diagnosisColumns.action, share: 3.6, flex: true },
        ],
        rows: c.diagnoses.map((d) => ({
          cells: [
            faultName(d.fault, lang),
            pointName(d.point, lang),
            t.severity[d.severity],
            formatDateTime(Date.parse(d.since), lang, tz),
            evidenceText(d.evidence, lang),
            `${d.advice[lang]} (${UrgencyNames[d.advice.urgency][lang]})`,
          ],
          colors: [undefined, undefined, d.severity === "alarm" ? layout.COLOR.fail : undefined],
        })),
        fontSize: 8,
        condensed: true,
        newPage,
      });
    if (c.worstPoint && c.worstPoint.points.length > 0) {
      layout.ensureSpace(doc, 150, newPage);
      trendChart(doc, c.worstPoint, report, lang);
    }
    doc.moveDown(0.3);
  }
}

function evidenceText(e: AssetCondition["diagnoses"][number]["evidence"], lang: Lang): string {
  if (!e) return "—";
  const t = TEXT[lang].evidence;
  const num = (v: number | undefined, d: number) => formatNumber(v, d, lang);
  const parts: string[] = [];
  if (e.isoZone && e.vRmsMmS !== undefined)
    parts.push(
      t.zone(e.isoZone, num(e.vRmsMmS, 2), e.boundaryMmS === undefined ? null : num(e.boundaryMmS, 1)),
    );
  if (e.frequencyHz !== undefined)
    parts.push(`${t.frequency} ${num(e.frequencyHz, 2)} ${lang === "ru" ? "Гц" : "Hz"}`);
  if (e.amplitude !== undefined && e.amplitude !== 0) {
    // Three significant digits, whatever the unit's scale (g² in the envelope, mm/s in the spectrum).
    const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(e.amplitude))));
    parts.push(`${t.amplitude} ${num(e.amplitude, digits)}`);
  }
  if (e.snrDb !== undefined) parts.push(`${t.snr} ${num(e.snrDb, 1)} ${lang === "ru" ? "дБ" : "dB"}`);
  if (e.harmonics !== undefined) parts.push(`${t.harmonics} ${num(e.harmonics, 0)}`);
  if (e.confidence !== undefined) parts.push(`${t.confidence} ${num(e.confidence, 2)}`);
  return parts.join(", ") || "—";
}

/** The worst point's 6-hour means and maxima over the month, with the B/C and C/D boundaries. */
function trendChart(doc: Doc, w: WorstPointTrend, report: ServiceReport, lang: Lang): void {
  const t = TEXT[lang];
  const x0 = layout.leftOf(doc) + 40;
  const width = Math.min(layout.widthOf(doc) - 40, 520);
  const height = 90;
  doc
    .font(layout.FONT.bold)
    .fontSize(8.5)
    .fillColor(layout.COLOR.text)
    .text(
      t.trendTitle(pointName(w.point, lang), formatNumber(w.maxVRmsMmS, 2, lang)),
      layout.leftOf(doc),
      doc.y,
      {
        width: layout.widthOf(doc),
      },
    );
  const top = doc.y + 4;
  const fromMs = Date.parse(report.from);
  const toMs = Date.parse(report.to);
  const maxY = Math.max(...w.points.map((p) => p.max), w.boundaries ? w.boundaries.cd * 1.1 : 0);
  const ticks = layout.niceTicks(0, maxY > 0 ? maxY : 1, 4);
  const hi = ticks[ticks.length - 1]!;
  const py = (v: number) => top + height - (v / hi) * height;
  const px = (ms: number) => x0 + ((ms - fromMs) / (toMs - fromMs)) * width;
  doc.font(layout.FONT.regular).fontSize(6.5);
  for (const v of ticks) {
    doc
      .moveTo(x0, py(v))
      .lineTo(x0 + width, py(v))
      .lineWidth(0.3)
      .strokeColor(layout.COLOR.grid)
      .stroke();
    doc.fillColor(layout.COLOR.muted).text(formatNumber(v, hi < 5 ? 1 : 0, lang), x0 - 36, py(v) - 3.5, {
      width: 32,
      align: "right",
      lineBreak: false,
    });
  }
  // Day ticks every 5 days, labelled with the local date.
  const dayMs = 86_400_000;
  for (let d = 0; fromMs + d * dayMs < toMs; d += 5) {
    const x = px(fromMs + d * dayMs);
    doc
      .moveTo(x, top + height)
      .lineTo(x, top + height + 3)
      .lineWidth(0.4)
      .strokeColor(layout.COLOR.rule)
      .stroke();
    doc
      .fillColor(layout.COLOR.muted)
      .text(
        formatDate(fromMs + d * dayMs, lang, report.timeZone).slice(0, lang === "ru" ? 5 : 10),
        x - 20,
        top + height + 4,
        {
          width: 40,
          align: "center",
          lineBreak: false,
        },
      );
  }
  if (w.boundaries)
    for (const [v, color] of [
      [w.boundaries.bc, layout.COLOR.actual],
      [w.boundaries.cd, layout.COLOR.fail],
    ] as const)
      doc
        .moveTo(x0, py(v))
        .lineTo(x0 + width, py(v))
        .lineWidth(0.8)
        .dash(3, { space: 2 })
        .strokeColor(color)
        .stroke()
        .undash();
  const mid = (ts: number) => px(ts + w.everyMs / 2);
  for (const [key, color, lw] of [
    ["max", layout.COLOR.baseline, 0.5],
    ["mean", layout.COLOR.accent, 1.2],
  ] as const) {
    const pts = w.points;
    doc.moveTo(mid(pts[0]!.ts), py(pts[0]![key]));
    for (const p of pts.slice(1)) doc.lineTo(mid(p.ts), py(p[key]));
    doc.lineWidth(lw).strokeColor(color).stroke();
  }
  doc.rect(x0, top, width, height).lineWidth(0.4).strokeColor(layout.COLOR.rule).stroke();
  // Legend to the right of the chart.
  const lx = x0 + width + 12;
  let ly = top + 4;
  doc.font(layout.FONT.regular).fontSize(7);
  for (const [label, color] of [
    [t.trendLegend.mean, layout.COLOR.accent],
    [t.trendLegend.max, layout.COLOR.baseline],
    ...(w.boundaries
      ? ([
          [`${t.trendLegend.bc} ${formatNumber(w.boundaries.bc, 1, lang)}`, layout.COLOR.actual],
          [`${t.trendLegend.cd} ${formatNumber(w.boundaries.cd, 1, lang)}`, layout.COLOR.fail],
        ] as const)
      : []),
  ] as const) {
    doc
      .moveTo(lx, ly + 4)
      .lineTo(lx + 12, ly + 4)
      .lineWidth(1.2)
      .strokeColor(color)
      .stroke();
    doc.fillColor(layout.COLOR.text).text(label, lx + 16, ly, { lineBreak: false });
    ly += 11;
  }
  doc.fillColor(layout.COLOR.text);
  doc.x = layout.leftOf(doc);
  doc.y = top + height + 16;
}

/** The alarm-system health of the month against the targets, and the bad actors. */
export function drawHealthSection(doc: Doc, report: ServiceReport, lang: Lang, newPage: () => void): void {
  const t = TEXT[lang];
  const h = report.health;
  const num = (v: number, d: number) => formatNumber(v, d, lang);
  layout.heading(doc, t.health, 13);
  paragraph(doc, t.healthNote, 9);
  layout.drawKeyValues(
    doc,
    [
      [
        t.healthRows.average,
        `${num(h.totals.averagePer10Min, 2)} (${t.target(num(h.targets.averagePer10Min, 0))})`,
      ],
      [t.healthRows.peak, `${num(h.totals.peakPer10Min, 0)} (${t.target(num(h.targets.peakPer10Min, 0))})`],
      [t.healthRows.chattering, `${num(h.totals.chattering, 0)} (${t.target(num(h.targets.chattering, 0))})`],
      [t.healthRows.stale, `${num(h.totals.stale, 0)} (${t.target(num(h.targets.stale, 0))})`],
    ],
    { fontSize: 9.5, labelShare: 0.45, boldValues: true },
  );
  doc.moveDown(0.5);
  layout.ensureSpace(doc, 80, newPage);
  layout.subheading(doc, t.badActors, 10);
  doc.moveDown(0.3);
  if (h.badActors.length === 0) {
    paragraph(doc, t.noBadActors, 9);
    return;
  }
  const names = new Map(report.assets.map((r) => [r.asset, assetLabel(r)]));
  layout.drawTable(doc, {
    columns: [
      { header: t.badColumns.alarm, share: 5, flex: true },
      { header: t.badColumns.annunciations, share: 1.2, align: "right" },
      { header: t.badColumns.events, share: 1, align: "right" },
      { header: t.badColumns.share, share: 1, align: "right" },
    ],
    rows: h.badActors.map((b) => ({
      cells: [
        `${names.get(b.asset) ?? b.asset} · ${pointName(b.point, lang)} · ${faultName(b.fault, lang)}`,
        num(b.annunciations, 0),
        num(b.events, 0),
        num(b.sharePct, 1),
      ],
    })),
    fontSize: 8.5,
    condensed: true,
    newPage,
  });
}

/** The method of the condition part: what the figures mean, and the advisory table with its sources. */
export function drawConditionMethod(doc: Doc, lang: Lang, newPage: () => void): void {
  const t = TEXT[lang];
  for (const p of t.methodCondition) paragraph(doc, p, 9);
  doc.moveDown(0.3);
  layout.ensureSpace(doc, 120, newPage);
  layout.subheading(doc, t.advisory, 10);
  doc.moveDown(0.3);
  layout.drawTable(doc, {
    columns: [
      { header: t.advisoryColumns.fault, share: 1.4, flex: true },
      { header: t.advisoryColumns.warning, share: 3, flex: true },
      { header: t.advisoryColumns.alarm, share: 3, flex: true },
    ],
    rows: Object.entries(ADVISORY).map(([fault, [warning, alarm]]) => ({
      cells: [
        faultName(fault, lang),
        `${warning[lang]} — ${UrgencyNames[warning.urgency][lang]}`,
        `${alarm[lang]} — ${UrgencyNames[alarm.urgency][lang]}`,
      ],
    })),
    fontSize: 7.5,
    condensed: true,
    newPage,
  });
}
