// A small RFC 4180 CSV reader and writer: quoted fields, doubled quotes,
// CRLF or LF, and `;` as the delimiter when the header uses it (spreadsheet
// exports in a Russian locale do).

/** Rows of fields; blank lines are dropped. `lines[i]` is the 1-based line number row i started on. */
export function parseCsv(text: string): { rows: string[][]; lines: number[] } {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstLine = src.slice(0, src.search(/\r?\n|$/));
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ";" : ",";
  const rows: string[][] = [];
  const lines: number[] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const endRow = () => {
    row.push(field);
    if (!(row.length === 1 && row[0]!.trim() === "")) {
      rows.push(row);
      lines.push(rowLine);
    }
    row = [];
    field = "";
  };
  while (i < src.length) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === "") quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && src[i + 1] === "\n") i++;
      endRow();
      line++;
      rowLine = line;
    } else field += c;
    i++;
  }
  if (field !== "" || row.length > 0) endRow();
  return { rows, lines };
}

const needsQuotes = /[",\r\n]/;

/** One CSV line (no line break) with fields quoted where needed. */
export function csvLine(fields: readonly (string | number | null | undefined)[]): string {
  return fields
    .map((f) => {
      const s = f === null || f === undefined ? "" : String(f);
      return needsQuotes.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(",");
}
