// The one CSV module: every CSV central and `vetra` read or write goes
// through it (grid imports and batch checks, savings meter and weather
// files, savings and service-report exports). RFC 4180 on PapaParse
// (parsing and writing; on the 17,520-row building files and 20,000-row
// batches it measured faster than csv-parse/csv-stringify).
//
// Reading: quoted fields, doubled quotes, line breaks inside quotes, CRLF,
// LF or CR, a leading byte-order mark; the delimiter is `;` when the header
// line holds more semicolons than commas (spreadsheet exports in a Russian
// locale), else `,`; blank lines are dropped, and each row keeps the line
// it started on, for messages.
//
// Writing: fields quoted where needed, CRLF between records, and formula
// injection neutralised (OWASP, "CSV Injection"): a text cell starting with
// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (and
// quotes), so a spreadsheet shows it as text instead of running it. Numbers
// stay numbers: a number, or a text cell that is a plain decimal number
// such as "-5.000", is written as it is.
import Papa from "papaparse";

export interface CsvTable {
  rows: string[][];
  /** `lines[i]`: the 1-based line row i starts on. */
  lines: number[];
}

export type CsvCell = string | number | boolean | null | undefined;

/** A cell a spreadsheet would run as a formula (and is not a plain decimal number). */
export const FORMULA_CELL = /^(?![+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$)[=+\-@\t\r]/;

const BOM = "\ufeff";

/** The delimiter of a file by its header line. */
const delimiterOf = (text: string): "," | ";" => {
  const end = text.search(/\r\n|\n|\r/);
  const header = end < 0 ? text : text.slice(0, end);
  let commas = 0;
  let semicolons = 0;
  for (let i = 0; i < header.length; i++) {
    const c = header.charCodeAt(i);
    if (c === 44) commas++;
    else if (c === 59) semicolons++;
  }
  return semicolons > commas ? ";" : ",";
};

/** Reads CSV text into rows of fields (see the file's comment for the dialect). */
export function readCsv(input: string): CsvTable {
  const text = input.startsWith(BOM) ? input.slice(1) : input;
  const rows: string[][] = [];
  const lines: number[] = [];
  let line = 1;
  let pos = 0;
  const countBreaks = (from: number, to: number): number => {
    let n = 0;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) n++;
    }
    return n;
  };
  Papa.parse<string[]>(text, {
    delimiter: delimiterOf(text),
    quoteChar: '"',
    escapeChar: '"',
    skipEmptyLines: "greedy",
    step: (result) => {
      const end = result.meta.cursor;
      // Blank lines before the row are skipped by the parser: the row starts after them.
      let start = pos;
      while (start < end) {
        const c = text.charCodeAt(start);
        if (c !== 10 && c !== 13 && c !== 32 && c !== 9) break;
        start++;
      }
      line += countBreaks(pos, start);
      rows.push(result.data);
      lines.push(line);
      line += countBreaks(start, end);
      pos = end;
    },
  });
  return { rows, lines };
}

/** A text cell as written: `'` before a formula's first character. */
export const neutraliseFormula = (text: string): string => (FORMULA_CELL.test(text) ? `'${text}` : text);

/** CSV text of records (the first usually the header), CRLF-separated and ending with CRLF. */
export function writeCsv(records: readonly (readonly CsvCell[])[]): string {
  if (records.length === 0) return "";
  const body = Papa.unparse(records as CsvCell[][], {
    delimiter: ",",
    quoteChar: '"',
    escapeChar: '"',
    newline: "\r\n",
    header: false,
    escapeFormulae: FORMULA_CELL,
  });
  return `${body}\r\n`;
}
