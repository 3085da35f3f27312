// The production build (`npm run build`): central, the edge agent, the CLI,
// the simulators and the compose demo's one-shot compiled to JavaScript in
// `dist/`, one .js file (and its source map) per .ts file, in the same
// folders, so `node dist/cli/main.js central --config FILE` runs without a
// TypeScript loader and `npm ci --omit=dev` is all the packages it needs.
//
// esbuild transforms each file on its own — the same transform tsx and the
// test runner apply to the sources, so production runs what the tests ran;
// `npm run typecheck` (tsc) is the type check. Relative `.ts` imports become
// `.js`; packages stay imports. Tests, conformance suites, fixtures, test
// servers and benchmarks are left out, and a production module that imports
// one fails the build. The console's static files (central/ui) are copied.
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_DIST_DIR = join(REPO_ROOT, "dist");

/** Folders compiled whole (their production modules), and single files besides. */
export const SOURCE_FOLDERS = ["common", "central", "cli", "edge-agent", "simulators"] as const;
export const SOURCE_FILES = ["deploy/compose/demo-agents.ts"] as const;

/** Modules that exist for tests and benchmarks only (ARCHITECTURE.md: never run in production). */
export const TEST_ONLY =
  /(^|\/)(bench|test)\/|\.test\.ts$|\.conformance\.ts$|\.bench\.ts$|(^|\/)test-(fixture|helpers|servers)\.ts$/;

/** Relative path with forward slashes (esbuild's and the patterns' form). */
const rel = (path: string): string => relative(REPO_ROOT, path).split(sep).join("/");

function walk(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

export interface DistBuild {
  outDir: string;
  /** Compiled modules, relative to outDir (`cli/main.js`, …). */
  modules: string[];
  /** Static files copied, relative to outDir. */
  assets: string[];
  /** Packages the compiled modules import (what `npm ci --omit=dev` must provide). */
  packages: string[];
}

/**
 * Every import of a module stays an import. A relative one is checked (the
 * target must be a production module) and renamed `.ts` → `.js`.
 */
const perFile: Plugin = {
  name: "vetra-per-file",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      if (!args.path.startsWith(".")) return { path: args.path, external: true };
      const target = rel(resolve(args.resolveDir, args.path));
      if (TEST_ONLY.test(target))
        return {
          errors: [{ text: `production module ${rel(args.importer)} imports the test-only ${target}` }],
        };
      return { path: args.path.replace(/\.ts$/, ".js"), external: true };
    });
  },
};

/**
 * Builds into `outDir` (emptied first). `extraEntries`: more modules to
 * compile beside the sources (the build's own test checks its refusals
 * with them, without writing into the source tree).
 */
export async function buildDist(
  outDir: string = DEFAULT_DIST_DIR,
  options: { extraEntries?: readonly string[] } = {},
): Promise<DistBuild> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const files = [
    ...SOURCE_FOLDERS.flatMap((folder) => walk(join(REPO_ROOT, folder))),
    ...SOURCE_FILES.map((f) => join(REPO_ROOT, f)),
  ];
  const entries = [
    ...files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !TEST_ONLY.test(rel(f))),
    ...(options.extraEntries ?? []),
  ];
  // Everything else the code reads beside itself at run time: the console's static files.
  const assets = files.filter((f) => !f.endsWith(".ts") && !f.endsWith(".md") && !TEST_ONLY.test(rel(f)));

  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: entries,
    outdir: outDir,
    outbase: REPO_ROOT,
    bundle: true, // only so the plugin sees every import; each one is external
    plugins: [perFile],
    platform: "node",
    format: "esm",
    target: "node20.19",
    sourcemap: "linked",
    // Class and function names as in the sources (logs and errors print them).
    keepNames: true,
    metafile: true,
    logLevel: "silent",
  });
  for (const asset of assets) cpSync(asset, join(outDir, rel(asset)));
  // ES modules wherever dist is copied (the repository's package.json says so only inside it).
  writeFileSync(join(outDir, "package.json"), `${JSON.stringify({ type: "module", private: true })}\n`);
  const packages = new Set<string>();
  for (const output of Object.values(result.metafile.outputs))
    for (const imp of output.imports)
      if (imp.external && !imp.path.startsWith(".") && !isBuiltin(imp.path))
        packages.add(
          imp.path
            .split("/")
            .slice(0, imp.path.startsWith("@") ? 2 : 1)
            .join("/"),
        );
  return {
    outDir,
    packages: [...packages].sort(),
    modules: Object.keys(result.metafile.outputs)
      .filter((f) => f.endsWith(".js"))
      .map((f) => relative(outDir, resolve(REPO_ROOT, f)).split(sep).join("/"))
      .sort(),
    assets: assets.map(rel).sort(),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outArg = process.argv.indexOf("--out");
  const outDir =
    outArg > 0 && process.argv[outArg + 1] ? resolve(process.argv[outArg + 1]!) : DEFAULT_DIST_DIR;
  const started = performance.now();
  const built = await buildDist(outDir);
  const shown = relative(process.cwd(), outDir);
  console.log(
    `${shown.startsWith("..") || shown === "" ? outDir : shown}: ${built.modules.length} modules, ` +
      `${built.assets.length} static files, ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
