// `vetra grid import FILE [--data-dir .vetra | --config FILE] [--skip-invalid]`:
// validates a GeoJSON or CSV file of connection points and lines and
// replaces the stored set whole: in the data dir (central with the SQLite
// metadata database), or in the metadata database central's config names
// (PostgreSQL: shared by every replica). Any invalid feature refuses the
// whole file (exit 2, one line per rejected feature) unless --skip-invalid
// is given. A running central picks the new set up within seconds.
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { checkCentralConfigFile } from "../central/config.ts";
import { importText } from "../central/grid/import.ts";
import { saveGridSet } from "../central/grid/store.ts";
import { MetaStore } from "../central/meta/meta.ts";
import { command, dispatch, parseCommand, synopsisText } from "../common/cli.ts";

const DEFAULT_DATA_DIR = ".vetra";

export const GRID_IMPORT_COMMAND = command({
  name: "vetra grid import",
  synopsis: ["vetra grid import FILE [--data-dir .vetra | --config FILE] [--skip-invalid]"],
  arguments: { FILE: "GeoJSON (FeatureCollection) or CSV of connection points and lines" },
  options: {
    // Its default is not declared: --data-dir and --config exclude each other, so "not given" must stay visible.
    "data-dir": {
      type: "string",
      arg: "DIR",
      help: `the central's data directory (default ${DEFAULT_DATA_DIR})`,
    },
    config: {
      type: "string",
      arg: "FILE",
      help: "central's config: the set goes where it keeps it (data dir or PostgreSQL)",
    },
    "skip-invalid": {
      type: "boolean",
      default: false,
      help: "import the valid features and report the rest (default: refuse the file)",
    },
  },
  positionals: { min: 1, max: 1, name: "FILE" },
});

export const runGrid = (argv: string[]): Promise<number> =>
  dispatch("vetra grid", argv, {
    import: { summary: "validate a GeoJSON or CSV file and replace the grid set", run: runGridImport },
  });

async function runGridImport(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, GRID_IMPORT_COMMAND);
  if (typeof parsed === "number") return parsed;
  const file = parsed.positionals[0]!;
  if (parsed.values.config !== undefined && parsed.values["data-dir"] !== undefined) {
    console.error(
      `vetra grid import: --data-dir or --config, not both\n${synopsisText(GRID_IMPORT_COMMAND)}`,
    );
    return 2;
  }
  const loaded = parsed.values.config === undefined ? null : checkCentralConfigFile(parsed.values.config);
  if (loaded && !loaded.ok) {
    console.error(`vetra grid import: ${loaded.error}`);
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
  const summary = {
    points: report.points,
    lines: report.lines,
    ignored: report.ignored,
    rejected: report.rejected.length,
  };
  if (loaded?.ok) {
    // Where central keeps it: the data dir (SQLite) or the metadata database (PostgreSQL).
    let meta: MetaStore;
    try {
      meta = await MetaStore.open(loaded.config);
    } catch (error) {
      console.error(`vetra grid import: ${(error as Error).message}`);
      return 1;
    }
    try {
      await meta.grid.save(set);
    } finally {
      await meta.close();
    }
    console.log(JSON.stringify({ ...summary, metadata: meta.db.location }));
    return 0;
  }
  const dataDir = resolve(parsed.values["data-dir"] ?? DEFAULT_DATA_DIR);
  saveGridSet(dataDir, set);
  console.log(JSON.stringify({ ...summary, dataDir }));
  return 0;
}
