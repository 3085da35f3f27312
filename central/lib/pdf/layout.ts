// Layout helpers every PDF of central shares (pdfkit vector graphics): fonts
// and colours by role, the page's printable box, tables whose header wraps
// and repeats on every page, key/value blocks, headings, and the ticks of a
// chart axis. The savings report's charts are savings/pdf-charts.ts.

type Doc = PDFKit.PDFDocument;

export const FONT = { regular: "regular", bold: "bold", cond: "cond", condBold: "condBold" } as const;

export const COLOR = {
  text: "#1a1a1a",
  muted: "#5c5c5c",
  rule: "#b5b5b5",
  grid: "#e1e1e1",
  headerFill: "#e8edf4",
  zebra: "#f6f7f9",
  totalFill: "#dfe7f1",
  accent: "#1f4e8c",
  baseline: "#2b5c9e",
  actual: "#e07b24",
  significant: "#3a8f4b",
  notSignificant: "#9a9a9a",
  pass: "#2e7d32",
  fail: "#c62828",
} as const;

/** Lowest y content may reach on the current page. */
export const bottomOf = (doc: Doc): number => doc.page.height - doc.page.margins.bottom;
export const leftOf = (doc: Doc): number => doc.page.margins.left;
export const widthOf = (doc: Doc): number => doc.page.width - doc.page.margins.left - doc.page.margins.right;

// ---------------------------------------------------------------- tables

export interface Column {
  header: string;
  /** Share of the table width (columns' shares are normalised). */
  share: number;
  align?: "left" | "right" | "center";
  /** Gives up width to columns whose words would not fit (names, remarks). */
  flex?: boolean;
}

export interface Row {
  cells: string[];
  bold?: boolean;
  fill?: string;
  /** Per-cell text colour. */
  colors?: (string | undefined)[];
}

const PAD_X = 3;
const PAD_Y = 3;

/**
 * Draws a table from doc.y on; on a page break calls `newPage` (which adds
 * the page and any heading) and repeats the header row. Row heights follow
 * the wrapped text of their tallest cell, so wrapped headers never collide
 * with the first row.
 */
export function drawTable(
  doc: Doc,
  args: { columns: Column[]; rows: Row[]; fontSize: number; newPage: () => void; condensed?: boolean },
): void {
  const regular = args.condensed ? FONT.cond : FONT.regular;
  const bold = args.condensed ? FONT.condBold : FONT.bold;
  // Widths from the shares, widened so that no word has to be split
  // (header words in bold, cell words in regular), the extra taken from the
  // other columns' slack, the `flex` columns' last. Digit groups are joined by no-break spaces, so a number
  // counts as one word.
  const minWidth = (i: number): number => {
    let m = 0;
    const words = (s: string) => s.split(/[ \n]+/).filter(Boolean);
    doc.font(bold).fontSize(args.fontSize);
    for (const w of words(args.columns[i]!.header)) m = Math.max(m, doc.widthOfString(w));
    doc.font(regular);
    for (const r of args.rows) for (const w of words(r.cells[i] ?? "")) m = Math.max(m, doc.widthOfString(w));
    return m + 2 * PAD_X + 1;
  };
  const mins = args.columns.map((_, i) => minWidth(i));
  const widths = (): number[] => {
    const total = args.columns.reduce((s, c) => s + c.share, 0);
    const w = args.columns.map((c, i) => Math.max((c.share / total) * widthOf(doc), mins[i]!));
    let excess = w.reduce((s, v) => s + v, 0) - widthOf(doc);
    // Too wide: first the fixed columns give up their slack, then the flex ones.
    for (const flexPass of [false, true]) {
      const slack = args.columns.map((c, i) => (Boolean(c.flex) === flexPass ? w[i]! - mins[i]! : 0));
      const sum = slack.reduce((s, v) => s + v, 0);
      if (excess <= 0 || sum <= 0) continue;
      const f = Math.min(1, excess / sum);
      slack.forEach((v, i) => {
        w[i] = w[i]! - v * f;
      });
      excess -= sum * f;
    }
    return w;
  };
  const heightOf = (cells: string[], font: string, w: number[]): number => {
    doc.font(font).fontSize(args.fontSize);
    let h = 0;
    cells.forEach((c, i) => {
      h = Math.max(h, doc.heightOfString(c || " ", { width: w[i]! - 2 * PAD_X, lineGap: 0 }));
    });
    return h + 2 * PAD_Y;
  };
  const drawRow = (
    cells: string[],
    font: string,
    fill: string | undefined,
    colors?: (string | undefined)[],
  ) => {
    const w = widths();
    const h = heightOf(cells, font, w);
    const y = doc.y;
    let x = leftOf(doc);
    if (fill) doc.rect(x, y, widthOf(doc), h).fill(fill);
    doc.font(font).fontSize(args.fontSize);
    cells.forEach((c, i) => {
      doc.fillColor(colors?.[i] ?? COLOR.text);
      doc.text(c, x + PAD_X, y + PAD_Y, {
        width: w[i]! - 2 * PAD_X,
        align: args.columns[i]?.align ?? "left",
        lineGap: 0,
      });
      x += w[i]!;
    });
    doc
      .moveTo(leftOf(doc), y + h)
      .lineTo(leftOf(doc) + widthOf(doc), y + h)
      .lineWidth(0.4)
      .strokeColor(COLOR.rule)
      .stroke();
    doc.fillColor(COLOR.text);
    doc.x = leftOf(doc);
    doc.y = y + h;
  };
  const header = () => {
    const top = doc.y;
    drawRow(
      args.columns.map((c) => c.header),
      bold,
      COLOR.headerFill,
    );
    doc
      .moveTo(leftOf(doc), top)
      .lineTo(leftOf(doc) + widthOf(doc), top)
      .lineWidth(0.8)
      .strokeColor(COLOR.accent)
      .stroke();
  };
  header();
  args.rows.forEach((r, i) => {
    const h = heightOf(r.cells, r.bold ? bold : regular, widths());
    if (doc.y + h > bottomOf(doc)) {
      args.newPage();
      header();
    }
    drawRow(r.cells, r.bold ? bold : regular, r.fill ?? (i % 2 === 1 ? COLOR.zebra : undefined), r.colors);
  });
  doc.y += 6;
}

/** Two-column label/value table (key figures, periods). */
export function drawKeyValues(
  doc: Doc,
  rows: [string, string][],
  opts: { fontSize: number; labelShare?: number; boldValues?: boolean },
): void {
  const x = leftOf(doc);
  const w = widthOf(doc);
  const lw = w * (opts.labelShare ?? 0.45);
  for (const [label, value] of rows) {
    const y = doc.y;
    doc.font(FONT.regular).fontSize(opts.fontSize);
    const h1 = doc.heightOfString(label, { width: lw - 6 });
    doc.font(opts.boldValues ? FONT.bold : FONT.regular);
    const h2 = doc.heightOfString(value, { width: w - lw - 6 });
    const h = Math.max(h1, h2) + 6;
    doc
      .font(FONT.regular)
      .fillColor(COLOR.muted)
      .text(label, x, y + 3, { width: lw - 6 });
    doc
      .font(opts.boldValues ? FONT.bold : FONT.regular)
      .fillColor(COLOR.text)
      .text(value, x + lw, y + 3, { width: w - lw - 6 });
    doc
      .moveTo(x, y + h)
      .lineTo(x + w, y + h)
      .lineWidth(0.3)
      .strokeColor(COLOR.grid)
      .stroke();
    doc.x = x;
    doc.y = y + h;
  }
  doc.fillColor(COLOR.text);
}

/** Section heading with a rule under it. */
export function heading(doc: Doc, text: string, size = 15): void {
  const x = leftOf(doc);
  doc
    .font(FONT.bold)
    .fontSize(size)
    .fillColor(COLOR.accent)
    .text(text, x, doc.y, { width: widthOf(doc) });
  const y = doc.y + 2;
  doc
    .moveTo(x, y)
    .lineTo(x + widthOf(doc), y)
    .lineWidth(0.8)
    .strokeColor(COLOR.accent)
    .stroke();
  doc.fillColor(COLOR.text);
  doc.x = x;
  doc.y = y + 8;
}

/** Adds a page unless `height` still fits below doc.y. */
export function ensureSpace(doc: Doc, height: number, newPage: () => void): void {
  if (doc.y + height > bottomOf(doc)) newPage();
}

/** A section's start: a gap of `gapLines`, then a new page unless `height` still fits on this one. */
export function startSection(doc: Doc, gapLines: number, height: number, newPage: () => void): void {
  doc.moveDown(gapLines);
  ensureSpace(doc, height, newPage);
}

/** A bold line from the left margin: a title inside a section, a rank below `heading`. */
export function subheading(
  doc: Doc,
  text: string,
  size: number,
  color: string = COLOR.text,
  options?: PDFKit.Mixins.TextOptions,
): void {
  doc.font(FONT.bold).fontSize(size).fillColor(color).text(text, leftOf(doc), doc.y, options);
}

// ---------------------------------------------------------------- axes

/** Axis ticks 0..top with a 1-2-2.5-5 step, top ≥ max. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  const span = max - min;
  if (!(span > 0) || !Number.isFinite(span)) return [min, min + 1];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Math.abs(v) < step / 1e6 ? 0 : v);
  return ticks;
}
