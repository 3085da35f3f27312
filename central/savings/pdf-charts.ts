// The charts of the PDF savings report (pdfkit vector graphics): grouped
// monthly bars, daily lines, and horizontal bars of avoided energy with
// their uncertainty interval as error bars.
import { formatMonth, formatNumber, type Lang } from "../lib/format.ts";
import { COLOR, FONT, leftOf, niceTicks, widthOf } from "../lib/pdf/layout.ts";

type Doc = PDFKit.PDFDocument;

/** Decimals the tick labels need for a step. */
const tickDigits = (ticks: number[]): number => {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  return step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)));
};

function chartTitle(doc: Doc, title: string, x: number, y: number, w: number): number {
  doc.font(FONT.bold).fontSize(9.5).fillColor(COLOR.text).text(title, x, y, { width: w });
  return doc.y + 4;
}

function legend(
  doc: Doc,
  items: { label: string; color: string; kind: "box" | "line" | "band" }[],
  x: number,
  y: number,
) {
  doc.font(FONT.regular).fontSize(7.5);
  let cx = x;
  for (const it of items) {
    if (it.kind === "box") doc.rect(cx, y + 1, 9, 7).fill(it.color);
    else {
      // A line sample; the band sample is a thinner line with end caps, as an error bar.
      doc
        .moveTo(cx, y + 4.5)
        .lineTo(cx + 12, y + 4.5)
        .lineWidth(it.kind === "line" ? 1.6 : 0.8)
        .strokeColor(it.color)
        .stroke();
      if (it.kind === "band")
        doc
          .moveTo(cx, y + 1.5)
          .lineTo(cx, y + 7.5)
          .moveTo(cx + 12, y + 1.5)
          .lineTo(cx + 12, y + 7.5)
          .stroke();
    }
    const lx = cx + 15;
    doc.fillColor(COLOR.text).text(it.label, lx, y, { lineBreak: false });
    cx = lx + doc.widthOfString(it.label) + 14;
  }
}

interface TickPlace {
  /** The grid line, from (x1, y1) to (x2, y2). */
  line: [number, number, number, number];
  /** The label's box: left, top, width, alignment. */
  label: [number, number, number, "right" | "center"];
}

/** Grid lines at the ticks (the zero line heavier by `zeroWidth`) and their value labels. */
function tickGrid(doc: Doc, ticks: number[], lang: Lang, zeroWidth: number, place: (t: number) => TickPlace) {
  const digits = tickDigits(ticks);
  doc.font(FONT.regular).fontSize(6.5);
  for (const t of ticks) {
    const { line, label } = place(t);
    doc
      .moveTo(line[0], line[1])
      .lineTo(line[2], line[3])
      .lineWidth(t === 0 ? zeroWidth : 0.4)
      .strokeColor(t === 0 ? COLOR.muted : COLOR.grid)
      .stroke();
    doc.fillColor(COLOR.muted).text(formatNumber(t, digits, lang), label[0], label[1], {
      width: label[2],
      align: label[3],
      lineBreak: false,
    });
  }
}

/** Horizontal grid and y-axis labels; returns the value→y mapping. */
function yAxis(doc: Doc, ticks: number[], x: number, top: number, w: number, h: number, lang: Lang) {
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  const py = (v: number) => top + h - ((v - lo) / (hi - lo)) * h;
  tickGrid(doc, ticks, lang, 0.7, (t) => ({
    line: [x, py(t), x + w, py(t)],
    label: [x - 58, py(t) - 3.5, 54, "right"],
  }));
  return py;
}

/** Adjusted baseline and actual energy of one period (a day or a month). */
export interface EnergyPoint {
  /** UTC start of the period. */
  ts: number;
  baseline_kwh: number;
  actual_kwh: number;
}
/** A month of energy, `ts` the UTC month start. */
export type MonthPoint = EnergyPoint;
/** A day of energy, `ts` the UTC day start. */
export type DayPoint = EnergyPoint;

interface EnergyChartArgs {
  title: string;
  legendBaseline: string;
  legendActual: string;
  lang: Lang;
  height: number;
}

/**
 * The frame both energy charts share: title, the baseline/actual legend as
 * boxes (bars) or lines, and the y axis over [min, max]; returns the plot
 * area and the value→y mapping.
 */
function energyFrame(doc: Doc, args: EnergyChartArgs, kind: "box" | "line", min: number, max: number) {
  const x0 = leftOf(doc) + 60;
  const w = widthOf(doc) - 60;
  const y = chartTitle(doc, args.title, leftOf(doc), doc.y, widthOf(doc));
  legend(
    doc,
    [
      { label: args.legendBaseline, color: COLOR.baseline, kind },
      { label: args.legendActual, color: COLOR.actual, kind },
    ],
    x0,
    y,
  );
  const top = y + 16;
  const h = args.height;
  const py = yAxis(doc, niceTicks(min, max), x0, top, w, h, args.lang);
  return { x0, w, y: top, h, py };
}

/** Grouped bars of adjusted baseline and actual per month. */
export function monthlyChart(doc: Doc, args: EnergyChartArgs & { months: MonthPoint[] }): void {
  const max = Math.max(0, ...args.months.map((m) => Math.max(m.baseline_kwh, m.actual_kwh)));
  const { x0, w, y, h, py } = energyFrame(doc, args, "box", 0, max > 0 ? max : 1);
  const n = Math.max(1, args.months.length);
  const slot = w / n;
  const bar = Math.min(18, slot * 0.36);
  doc.font(FONT.regular).fontSize(6.5);
  args.months.forEach((m, i) => {
    const cx = x0 + slot * (i + 0.5);
    const yb = py(Math.max(0, m.baseline_kwh));
    const ya = py(Math.max(0, m.actual_kwh));
    doc.rect(cx - bar - 0.5, yb, bar, y + h - yb).fill(COLOR.baseline);
    doc.rect(cx + 0.5, ya, bar, y + h - ya).fill(COLOR.actual);
    const [mon = "", year = ""] = formatMonth(m.ts, args.lang).split(" ");
    doc
      .fillColor(COLOR.muted)
      .text(mon, cx - slot / 2, y + h + 3, { width: slot, align: "center", lineBreak: false });
    if (i === 0 || new Date(m.ts).getUTCMonth() === 0)
      doc.text(year, cx - slot / 2, y + h + 11, { width: slot, align: "center", lineBreak: false });
  });
  doc.fillColor(COLOR.text);
  doc.x = leftOf(doc);
  doc.y = y + h + 24;
}

/** Lines of adjusted baseline and actual per day, month ticks on the time axis. */
export function dailyChart(doc: Doc, args: EnergyChartArgs & { days: DayPoint[] }): void {
  const pts = args.days;
  const max = Math.max(0, ...pts.map((p) => Math.max(p.baseline_kwh, p.actual_kwh)));
  const min = Math.min(0, ...pts.map((p) => Math.min(p.baseline_kwh, p.actual_kwh)));
  const { x0, w, y, h, py } = energyFrame(doc, args, "line", min, max > min ? max : min + 1);
  if (pts.length >= 1) {
    const t0 = pts[0]!.ts;
    const t1 = pts[pts.length - 1]!.ts + 86_400_000;
    const px = (ts: number) => x0 + ((ts - t0) / (t1 - t0)) * w;
    // Month ticks.
    doc.font(FONT.regular).fontSize(6.5);
    const first = new Date(t0);
    let m = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1);
    const months: number[] = [];
    while (m < t1) {
      if (m >= t0) months.push(m);
      const d = new Date(m);
      m = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
    const labelEvery = Math.max(1, Math.ceil((months.length * 40) / w));
    months.forEach((ms, i) => {
      const x = px(ms);
      doc
        .moveTo(x, y)
        .lineTo(x, y + h)
        .lineWidth(0.3)
        .strokeColor(COLOR.grid)
        .stroke();
      if (i % labelEvery === 0)
        doc
          .fillColor(COLOR.muted)
          .text(formatMonth(ms, args.lang), x + 2, y + h + 3, { width: 60, lineBreak: false });
    });
    for (const [key, color] of [
      ["baseline_kwh", COLOR.baseline],
      ["actual_kwh", COLOR.actual],
    ] as const) {
      const mid = (p: DayPoint) => px(p.ts + 43_200_000);
      doc.moveTo(mid(pts[0]!), py(pts[0]![key]));
      for (const p of pts.slice(1)) doc.lineTo(mid(p), py(p[key]));
      doc
        .lineWidth(pts.length > 200 ? 0.6 : 0.9)
        .strokeColor(color)
        .stroke();
    }
  }
  doc.rect(x0, y, w, h).lineWidth(0.4).strokeColor(COLOR.rule).stroke();
  doc.fillColor(COLOR.text);
  doc.x = leftOf(doc);
  doc.y = y + h + 18;
}

export interface AvoidedBar {
  label: string;
  avoided_kwh: number;
  /** Half-width of the uncertainty interval, kWh (NaN: unknown). */
  band_kwh: number;
  significant: boolean;
}

/** Rows per avoided-energy chart block (one page). */
export const AVOIDED_ROWS_PER_BLOCK = 34;
const AVOIDED_ROW_H = 17;

/** Height an avoided-energy chart of `rows` bars takes (title and legend excluded). */
export const avoidedChartHeight = (rows: number): number => rows * AVOIDED_ROW_H + 22;

/**
 * Horizontal bars of avoided energy, each with its uncertainty interval as
 * an error bar, coloured by significance; value labels on the right.
 * `scale` lets several blocks share one axis.
 */
export function avoidedChart(
  doc: Doc,
  args: {
    bars: AvoidedBar[];
    title: string;
    legend: { significant: string; notSignificant: string; band: string };
    lang: Lang;
    scale: { min: number; max: number };
  },
): void {
  const left = leftOf(doc);
  const labelW = 150;
  const valueW = 105;
  const x0 = left + labelW;
  const w = widthOf(doc) - labelW - valueW;
  let y = chartTitle(doc, args.title, left, doc.y, widthOf(doc));
  legend(
    doc,
    [
      { label: args.legend.significant, color: COLOR.significant, kind: "box" },
      { label: args.legend.notSignificant, color: COLOR.notSignificant, kind: "box" },
      { label: args.legend.band, color: COLOR.text, kind: "band" },
    ],
    x0,
    y,
  );
  y += 16;
  const ticks = niceTicks(args.scale.min, args.scale.max, 5);
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  const px = (v: number) => x0 + ((v - lo) / (hi - lo)) * w;
  const h = args.bars.length * AVOIDED_ROW_H;
  tickGrid(doc, ticks, args.lang, 0.8, (t) => ({
    line: [px(t), y, px(t), y + h],
    label: [px(t) - 30, y + h + 3, 60, "center"],
  }));
  args.bars.forEach((b, i) => {
    const cy = y + i * AVOIDED_ROW_H + AVOIDED_ROW_H / 2;
    doc
      .font(FONT.cond)
      .fontSize(7.5)
      .fillColor(COLOR.text)
      .text(b.label, left, cy - 4.5, { width: labelW - 8, height: 10, ellipsis: true, lineBreak: false });
    if (Number.isFinite(b.avoided_kwh)) {
      const a = px(Math.min(0, b.avoided_kwh));
      const z = px(Math.max(0, b.avoided_kwh));
      doc
        .rect(a, cy - 5, Math.max(0.5, z - a), 10)
        .fill(b.significant ? COLOR.significant : COLOR.notSignificant);
      if (Number.isFinite(b.band_kwh)) {
        const l = px(b.avoided_kwh - b.band_kwh);
        const r = px(b.avoided_kwh + b.band_kwh);
        doc
          .moveTo(l, cy)
          .lineTo(r, cy)
          .moveTo(l, cy - 3.5)
          .lineTo(l, cy + 3.5)
          .moveTo(r, cy - 3.5)
          .lineTo(r, cy + 3.5)
          .lineWidth(0.8)
          .strokeColor(COLOR.text)
          .stroke();
      }
    }
    const value = `${formatNumber(b.avoided_kwh, 0, args.lang)} ± ${formatNumber(b.band_kwh, 0, args.lang)}`;
    doc
      .font(FONT.cond)
      .fontSize(7.5)
      .fillColor(COLOR.text)
      .text(value, x0 + w + 6, cy - 4.5, { width: valueW - 6, align: "right", lineBreak: false });
  });
  doc.fillColor(COLOR.text);
  doc.x = left;
  doc.y = y + h + 18;
}

/** Axis range covering every bar with its interval, and zero. */
export function avoidedScale(bars: readonly AvoidedBar[]): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (const b of bars) {
    if (!Number.isFinite(b.avoided_kwh)) continue;
    const band = Number.isFinite(b.band_kwh) ? b.band_kwh : 0;
    min = Math.min(min, b.avoided_kwh - band);
    max = Math.max(max, b.avoided_kwh + band);
  }
  if (max === min) max = min + 1;
  return { min, max };
}
