// The pdfkit document every PDF of central shares (savings report, work
// order, monthly service report): A4, DejaVu Sans embedded (Cyrillic; the
// `dejavu-fonts-ttf` npm package, resolved from node_modules) under the names
// the drawing helpers use, a band and title block at the top, and a footer
// with page numbers on every page. Tables, key/value blocks and formatting
// come from layout.ts and ../format.ts.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import PDFDocument from "pdfkit";
import type { Lang } from "../format.ts";
import { COLOR, FONT, leftOf, widthOf } from "./layout.ts";

const require = createRequire(import.meta.url);
const FONT_DIR = join(dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf");

export type Doc = PDFKit.PDFDocument;

export const PORTRAIT = {
  size: "A4",
  layout: "portrait",
  margins: { top: 46, bottom: 60, left: 48, right: 48 },
} as const;
export const LANDSCAPE = {
  size: "A4",
  layout: "landscape",
  margins: { top: 40, bottom: 56, left: 40, right: 40 },
} as const;

/** A document with the fonts registered, and the promise of its bytes once `doc.end()` is called. */
export interface PageLayout {
  size: "A4";
  layout: "portrait" | "landscape";
  margins: { top: number; bottom: number; left: number; right: number };
}

export function openPdf(args: { title: string; author: string; lang: Lang; layout?: PageLayout }): {
  doc: Doc;
  bytes: Promise<Buffer>;
} {
  const doc = new PDFDocument({
    ...(args.layout ?? PORTRAIT),
    bufferPages: true,
    autoFirstPage: true,
    info: { Title: args.title, Author: args.author, Producer: "Vetra" },
    lang: args.lang === "ru" ? "ru-RU" : "en-GB",
  } as PDFKit.PDFDocumentOptions);
  doc.registerFont(FONT.regular, join(FONT_DIR, "DejaVuSans.ttf"));
  doc.registerFont(FONT.bold, join(FONT_DIR, "DejaVuSans-Bold.ttf"));
  doc.registerFont(FONT.cond, join(FONT_DIR, "DejaVuSansCondensed.ttf"));
  doc.registerFont(FONT.condBold, join(FONT_DIR, "DejaVuSansCondensed-Bold.ttf"));
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const bytes = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  return { doc, bytes };
}

/** The accent band, "VETRA", the title and a muted subtitle, from the top margin down. */
export function titleBlock(doc: Doc, title: string, subtitle: string): void {
  const x = leftOf(doc);
  const w = widthOf(doc);
  doc.rect(0, 0, doc.page.width, 6).fill(COLOR.accent);
  doc
    .font(FONT.bold)
    .fontSize(9)
    .fillColor(COLOR.muted)
    .text("VETRA", x, doc.page.margins.top - 16, { width: w, characterSpacing: 2 });
  doc
    .font(FONT.bold)
    .fontSize(20)
    .fillColor(COLOR.accent)
    .text(title, x, doc.page.margins.top + 4, { width: w });
  doc.moveDown(0.2);
  doc.font(FONT.regular).fontSize(11).fillColor(COLOR.muted).text(subtitle, x, doc.y, { width: w });
  doc.moveDown(0.8);
  doc.fillColor(COLOR.text);
}

/** A paragraph of body text across the page width. */
export function paragraph(doc: Doc, text: string, size = 9.5): void {
  doc
    .font(FONT.regular)
    .fontSize(size)
    .fillColor(COLOR.text)
    .text(text, leftOf(doc), doc.y, { width: widthOf(doc), lineGap: 1.5 });
  doc.moveDown(0.4);
}

/** On every buffered page: a rule, `label` on the left, "page n of m" on the right. */
export function pageFooters(doc: Doc, label: string, page: (n: number, of: number) => string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const margin = doc.page.margins.bottom;
    // Text below the bottom margin would open a new page.
    doc.page.margins.bottom = 0;
    const x = leftOf(doc);
    const w = widthOf(doc);
    const y = doc.page.height - 36;
    doc
      .moveTo(x, y - 6)
      .lineTo(x + w, y - 6)
      .lineWidth(0.4)
      .strokeColor(COLOR.rule)
      .stroke();
    doc.font(FONT.regular).fontSize(7.5).fillColor(COLOR.muted);
    doc.text(label, x, y, { width: w * 0.75, lineBreak: false, ellipsis: true, height: 10 });
    doc.text(page(i - range.start + 1, range.count), x + w * 0.75, y, {
      width: w * 0.25,
      align: "right",
      lineBreak: false,
    });
    doc.page.margins.bottom = margin;
  }
  doc.fillColor(COLOR.text);
}
