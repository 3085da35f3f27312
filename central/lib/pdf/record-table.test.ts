// A table declared column by column draws exactly what the same table
// written as header and row lists draws: same cells in column order, the
// cell colours of the columns that judge a figure, and the total row bold
// and shaded after the records.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openPdf } from "./document.ts";
import { COLOR, drawTable } from "./layout.ts";
import { cellsOf, drawRecordTable, type RecordColumn } from "./record-table.ts";

interface Meter {
  name: string;
  kwh: number;
  ok: boolean;
}

const METERS: Meter[] = [
  { name: "Котельная", kwh: 1250.5, ok: true },
  { name: "Школа № 14", kwh: 0, ok: false },
  { name: "Поликлиника «Северная»", kwh: 98_765.25, ok: true },
];

const COLUMNS: RecordColumn<Meter>[] = [
  { header: "№", share: 0.5, align: "right", cell: (_, i) => String(i + 1) },
  { header: "Объект", share: 4, flex: true, cell: (m) => m.name },
  { header: "кВт·ч", share: 2, align: "right", cell: (m) => m.kwh.toFixed(1) },
  {
    header: "Данные",
    share: 1,
    align: "center",
    cell: (m) => (m.ok ? "да" : "нет"),
    color: (m) => (m.ok ? COLOR.pass : COLOR.fail),
  },
];

const render = (draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> => {
  const { doc, bytes } = openPdf({ title: "Таблица", author: "test", lang: "ru" });
  draw(doc);
  doc.end();
  return bytes;
};

describe("drawRecordTable", () => {
  // pdfkit stamps the creation time into the file.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.UTC(2026, 4, 5) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives the cells of a record in column order, numbering records from 1", () => {
    expect(cellsOf(COLUMNS, METERS[1]!, 1)).toEqual(["2", "Школа № 14", "0.0", "нет"]);
  });

  it("draws the same PDF as the table written out row by row", async () => {
    const total = ["", "Итого", "100016.8", ""];
    const declared = await render((doc) =>
      drawRecordTable(doc, {
        columns: COLUMNS,
        records: METERS,
        total,
        fontSize: 9,
        newPage: () => doc.addPage(),
      }),
    );
    const written = await render((doc) =>
      drawTable(doc, {
        columns: [
          { header: "№", share: 0.5, align: "right" },
          { header: "Объект", share: 4, flex: true },
          { header: "кВт·ч", share: 2, align: "right" },
          { header: "Данные", share: 1, align: "center" },
        ],
        rows: [
          {
            cells: ["1", "Котельная", "1250.5", "да"],
            colors: [undefined, undefined, undefined, COLOR.pass],
          },
          { cells: ["2", "Школа № 14", "0.0", "нет"], colors: [undefined, undefined, undefined, COLOR.fail] },
          {
            cells: ["3", "Поликлиника «Северная»", "98765.3", "да"],
            colors: [undefined, undefined, undefined, COLOR.pass],
          },
          { cells: total, bold: true, fill: COLOR.totalFill },
        ],
        fontSize: 9,
        newPage: () => doc.addPage(),
      }),
    );
    expect(declared.length).toBeGreaterThan(1000);
    expect(declared.equals(written)).toBe(true);
  });

  it("differs from it when a cell differs (the comparison above can fail)", async () => {
    const draw = (records: Meter[]) =>
      render((doc) =>
        drawRecordTable(doc, { columns: COLUMNS, records, fontSize: 9, newPage: () => doc.addPage() }),
      );
    const one = await draw(METERS);
    const other = await draw([{ ...METERS[0]!, ok: false }, ...METERS.slice(1)]);
    expect(one.equals(other)).toBe(false);
  });
});
