// Tables declared column by column: a column names its header, its share of
// the width, its alignment, what it shows of a record and, where a figure is
// judged (pass/fail), the colour of that cell. A header and its cells are
// read and changed in one place, so a column cannot drift from its header;
// drawRecordTable walks the declaration and draws with layout.drawTable.
import { COLOR, type Column, drawTable, type Row } from "./layout.ts";

type Doc = PDFKit.PDFDocument;

export interface RecordColumn<R> extends Column {
  /** The cell of a record; `index` counts the records from 0. */
  cell: (record: R, index: number) => string;
  /** The colour of the cell's text; the text colour where absent or undefined. */
  color?: (record: R) => string | undefined;
}

/** The cells of one record, column by column. */
export const cellsOf = <R>(columns: readonly RecordColumn<R>[], record: R, index = 0): string[] =>
  columns.map((c) => c.cell(record, index));

/**
 * Draws a row per record, then the `total` row (bold, shaded) where given;
 * the header repeats on every page (layout.drawTable).
 */
export function drawRecordTable<R>(
  doc: Doc,
  args: {
    columns: readonly RecordColumn<R>[];
    records: readonly R[];
    total?: string[];
    fontSize: number;
    newPage: () => void;
    condensed?: boolean;
  },
): void {
  const { columns, records, total, ...style } = args;
  const coloured = columns.some((c) => c.color);
  const rows: Row[] = records.map((record, i) => ({
    cells: cellsOf(columns, record, i),
    ...(coloured ? { colors: columns.map((c) => c.color?.(record)) } : {}),
  }));
  if (total) rows.push({ cells: total, bold: true, fill: COLOR.totalFill });
  drawTable(doc, { ...style, columns: [...columns], rows });
}
