// Environment variables the Vetra code reads, for the deployment checks
// (compose and Kubernetes): a container given a variable nothing reads is a
// setting that silently does nothing.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "..");
/** The folders the image's commands load code from (tests excluded below). */
const CODE_DIRS = ["central", "cli", "edge-agent", "common", "simulators", "bin", "deploy/compose"];

/** Read by Node.js itself, not by our code, and fine to set for a Node container. */
export const NODE_RUNTIME_ENV: ReadonlySet<string> = new Set(["NODE_OPTIONS", "NODE_EXTRA_CA_CERTS", "TZ"]);

/** `process.env.X` / `process.env["X"]` outside tests, and central's tables of INFLUX_* store settings and the metadata URL. */
export function envReadByCode(): Set<string> {
  const names = new Set<string>();
  const scan = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== "node_modules" && name !== "dist") scan(path);
      } else if (/\.(ts|js)$/.test(name) && !name.endsWith(".test.ts")) {
        const text = readFileSync(path, "utf8");
        for (const m of text.matchAll(
          /process\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\])/g,
        ))
          names.add((m[1] ?? m[2])!);
      }
    }
  };
  for (const dir of CODE_DIRS) scan(join(REPO, dir));
  // central/config.ts looks the store's settings up by name from this table.
  const config = readFileSync(join(REPO, "central", "config.ts"), "utf8");
  const table = /const INFLUX_ENV[^{]*\{([^}]*)\}/.exec(config);
  if (!table) throw new Error("central/config.ts: the INFLUX_ENV table was not found");
  for (const m of table[1]!.matchAll(/"([A-Z][A-Z0-9_]*)"/g)) names.add(m[1]!);
  // …and the metadata database's URL from this one.
  const metadata = /const METADATA_ENV[^{]*\{([^}]*)\}/.exec(config);
  if (!metadata) throw new Error("central/config.ts: the METADATA_ENV table was not found");
  for (const m of metadata[1]!.matchAll(/"([A-Z][A-Z0-9_]*)"/g)) names.add(m[1]!);
  return names;
}
