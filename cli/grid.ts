// `vetra grid import FILE [--data-dir .vetra] [--skip-invalid]`: validates a
// GeoJSON or CSV file of connection points and lines and replaces the set
// in the data dir atomically. Any invalid feature refuses the whole file
// (exit 2, one line per rejected feature) unless --skip-invalid is given.
// A running central picks the new set up within seconds.
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import { importText } from "../central/grid/import.ts";
import { saveGridSet } from "../central/grid/store.ts";

const USAGE = "usage: vetra grid import FILE [--data-dir .vetra] [--skip-invalid]";

export async function runGrid(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "import") {
    console.error(USAGE);
    return 2;
  }
  let parsed: { values: { "data-dir": string; "skip-invalid": boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        "data-dir": { type: "string", default: ".vetra" },
        "skip-invalid": { type: "boolean", default: false },
      },
      allowPositionals: true,
      strict: true,
    }) as typeof parsed;
  } catch (error) {
    console.error(`vetra grid import: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const file = parsed.positionals[0];
  if (!file || parsed.positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    console.error(`vetra grid import: ${(error as Error).message}`);
    return 2;
  }
  const { set, report } = importText(text, { source: basename(file) });
  for (const r of report.rejected) {
    const where = r.index < 0 ? "file" : `feature ${r.index}${r.id ? ` (${r.id})` : ""}`;
    console.error(`rejected ${where}: ${r.errors.join("; ")}`);
  }
  if (report.rejected.length > 0 && !parsed.values["skip-invalid"]) {
    console.error(
      `vetra grid import: ${report.rejected.length} invalid feature(s); nothing was changed (--skip-invalid imports the rest)`,
    );
    return 2;
  }
  const dataDir = resolve(parsed.values["data-dir"]);
  saveGridSet(dataDir, set);
  console.log(
    JSON.stringify({
      points: report.points,
      lines: report.lines,
      ignored: report.ignored,
      rejected: report.rejected.length,
      dataDir,
    }),
  );
  return 0;
}
