// The edge agent for a gateway (`npm run bundle:edge`): esbuild puts our
// code and every pure-JavaScript dependency, node-opcua included, into one
// file. What cannot live inside a bundle is copied beside it as a minimal
// node_modules tree, where Node's resolution from the bundle finds it:
//
//   vetra-edge.mjs             what to run: `node vetra-edge.mjs --config FILE` (loads lib/agent.mjs)
//   lib/agent.mjs              the bundle (ESM, Node ≥ 20.19)
//   lib/pool-worker.mjs        the analysis worker threads' entry (edge-agent/diagnostics/pool.ts
//                              finds it beside the bundle, by its own file's name and extension)
//   package.json               node-opcua reads `<its folder>/../package.json` when it loads
//   manifest.json              Node version, ABI, platform and CPU the native addon was built for
//   THIRD-PARTY-LICENSES.txt   licences of the bundled packages
//   node_modules/better-sqlite3/{package.json,lib/,build/Release/better_sqlite3.node}
//   node_modules/bindings/, node_modules/file-uri-to-path/
//   node_modules/serialport/, node_modules/@serialport/* (Modbus RTU on a serial line)
//   install.sh, vetra-edge.service, examples/   to install it as a systemd service
//
// better-sqlite3 stays outside because its JavaScript finds the native addon
// through `bindings`, which searches relative to the package's own folder.
// The addon is built for one Node ABI and CPU: build the bundle with the
// gateway's Node major version on its architecture (manifest.json records
// both; install.sh checks them).
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DEFAULT_OUT_DIR = join(REPO_ROOT, "deploy", "edge", "dist");
/** What a gateway runs (a two-line launcher of AGENT_FILE). */
export const BUNDLE_FILE = "vetra-edge.mjs";
/** The bundle itself, one folder down: see the package.json note in buildEdgeBundle. */
export const AGENT_FILE = "lib/agent.mjs";
/** The analysis workers' entry, beside the bundle (the name pool.ts looks for). */
export const WORKER_FILE = "lib/pool-worker.mjs";

/**
 * Packages left out of the bundle. Shipped ones are copied beside it with
 * their run-time dependencies; the others are optional imports that the
 * code reaching them already guards.
 */
export const EXTERNALS = {
  /** Native addon (see the header). */
  "better-sqlite3": {
    ship: ["package.json", "LICENSE", "lib", "build/Release/better_sqlite3.node"],
  },
  /** The agent's FFT (PFFFT in WebAssembly): its Emscripten loader reads the .wasm file beside itself. */
  "@echogarden/pffft-wasm": { ship: ["package.json", "COPYING", "dist"] },
  /**
   * Modbus RTU on a serial line (modbus-serial's RTU port): its native addon
   * (@serialport/bindings-cpp, prebuilt per platform) is found relative to
   * its own folder, like better-sqlite3's.
   */
  serialport: { ship: ["package.json", "LICENSE", "dist"] },
  /** An optional lock provider of node-opcua's PKI (@ster5/global-mutex), which falls back to its own when absent. */
  "proper-lockfile": { ship: null },
} as const satisfies Record<string, { ship: readonly string[] | null }>;

/** Dependencies used only while installing a package (downloading or compiling the addon), not at run time. */
const INSTALL_TIME_ONLY = new Set(["prebuild-install", "node-gyp"]);

// An ESM bundle of CommonJS code still calls `require`, `__filename` and
// `__dirname`; they are defined once for the whole file.
const BANNER = [
  'import { createRequire as __vetraCreateRequire } from "node:module";',
  'import { dirname as __vetraDirname } from "node:path";',
  'import { fileURLToPath as __vetraFileURLToPath } from "node:url";',
  "const require = __vetraCreateRequire(import.meta.url);",
  "const __filename = __vetraFileURLToPath(import.meta.url);",
  "const __dirname = __vetraDirname(__filename);",
].join("\n");

export interface EdgeBundle {
  outDir: string;
  bundleFile: string;
  bytes: number;
  /** Bare package names the bundle imports at run time (everything else is inside). */
  externalImports: string[];
  /** Packages copied into `<outDir>/node_modules`. */
  shippedPackages: string[];
  /** Packages whose code is inside the bundle. */
  bundledPackages: string[];
  warnings: string[];
}

const packageNameOf = (specifier: string): string =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!;

/** `node_modules/@scope/name/dist/x.js` → `@scope/name` (the innermost node_modules). */
function packageOfInput(input: string): { name: string; root: string } | null {
  const at = input.lastIndexOf("node_modules/");
  if (at < 0) return null;
  const rest = input.slice(at + "node_modules/".length);
  const name = packageNameOf(rest);
  return { name, root: input.slice(0, at + "node_modules/".length + name.length) };
}

function licenceText(root: string): string {
  const files = readdirSync(root).filter((f) => /^(licen[cs]e|copying|notice)/i.test(f));
  return files.map((f) => readFileSync(join(root, f), "utf8").trim()).join("\n\n");
}

/** Copies one package (only `files` when given) and, recursively, its run-time dependencies. */
function shipPackage(
  name: string,
  files: readonly string[] | null,
  fromDir: string,
  outModules: string,
  shipped: Set<string>,
): void {
  if (shipped.has(name)) return;
  shipped.add(name);
  // The folder Node's resolution would find; not `resolve("<name>/package.json")`, which a package
  // whose `exports` leave package.json out (@echogarden/pffft-wasm) refuses.
  const lookup = createRequire(join(fromDir, "package.json")).resolve.paths(name) ?? [];
  const root = lookup.map((dir) => join(dir, name)).find((dir) => existsSync(join(dir, "package.json")));
  if (root === undefined) throw new Error(`${name} is not installed (looked from ${fromDir})`);
  const target = join(outModules, name);
  for (const file of files ?? ["."]) {
    const from = join(root, file);
    if (!existsSync(from))
      throw new Error(`${name}: ${file} is missing (is the package installed and built?)`);
    cpSync(from, join(target, file), { recursive: true });
  }
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    if (!INSTALL_TIME_ONLY.has(dep)) shipPackage(dep, null, root, outModules, shipped);
  }
}

/** Builds the bundle into `outDir` (emptied first). */
export async function buildEdgeBundle(outDir: string = DEFAULT_OUT_DIR): Promise<EdgeBundle> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const bundleFile = join(outDir, AGENT_FILE);
  const result = await build({
    absWorkingDir: REPO_ROOT,
    // Two entries: the agent, and the analysis worker that the agent starts from a file beside it.
    entryPoints: {
      agent: join(REPO_ROOT, "deploy", "edge", "main.ts"),
      "pool-worker": join(REPO_ROOT, "edge-agent", "diagnostics", "pool-worker.ts"),
    },
    outdir: dirname(bundleFile),
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: Object.keys(EXTERNALS),
    banner: { js: BANNER },
    // Class names survive (libraries and our logs read constructor names); no minifying, so
    // stack traces in the journal stay readable.
    keepNames: true,
    legalComments: "none",
    metafile: true,
    logLevel: "silent",
  });
  const metafile: Metafile = result.metafile;

  const externalImports = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imp of output.imports) {
      if (imp.external && !isBuiltin(imp.path)) externalImports.add(packageNameOf(imp.path));
    }
  }

  const shipped = new Set<string>();
  for (const [name, spec] of Object.entries(EXTERNALS)) {
    if (spec.ship) shipPackage(name, spec.ship, REPO_ROOT, join(outDir, "node_modules"), shipped);
  }

  const bundled = new Map<string, string>();
  for (const input of Object.keys(metafile.inputs)) {
    const pkg = packageOfInput(input);
    if (pkg && !bundled.has(pkg.name)) bundled.set(pkg.name, join(REPO_ROOT, pkg.root));
  }
  const licences = [...bundled.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, root]) => {
      const meta = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
        version?: string;
        license?: string;
      };
      const text = licenceText(root);
      return `${name}@${meta.version ?? "?"} (${meta.license ?? "see below"})\n${"-".repeat(60)}\n${text || "(no licence file in the package)"}\n`;
    });
  writeFileSync(
    join(outDir, "THIRD-PARTY-LICENSES.txt"),
    `Packages bundled into ${BUNDLE_FILE}. Packages under node_modules/ carry their own licence files.\n\n${licences.join("\n")}`,
  );
  const ours = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
  // When they load, node-opcua's server module (part of the umbrella package the
  // agent imports) reads `<its folder>/../package.json` and its address-space
  // helpers look for a package.json above their folder; both throw without one.
  // Bundled, "its folder" is the bundle's: hence lib/ and a package.json above it.
  writeFileSync(
    join(outDir, "package.json"),
    `${JSON.stringify({ name: "vetra-edge", version: ours.version, private: true, type: "module" }, null, 2)}\n`,
  );
  writeFileSync(
    join(outDir, BUNDLE_FILE),
    `// The Vetra edge agent: node ${BUNDLE_FILE} --config FILE [--metrics-port N]\nimport "./${AGENT_FILE}";\n`,
  );
  writeFileSync(
    join(outDir, "manifest.json"),
    `${JSON.stringify(
      {
        name: "vetra-edge",
        version: ours.version,
        entry: BUNDLE_FILE,
        bundle: AGENT_FILE,
        node: process.versions.node,
        nodeAbi: process.versions.modules,
        platform: process.platform,
        arch: process.arch,
        shippedPackages: [...shipped].sort(),
      },
      null,
      2,
    )}\n`,
  );

  // What a gateway needs to install it: `sudo ./install.sh --config edge.yaml` in this folder.
  for (const file of ["install.sh", "vetra-edge.service", "examples"]) {
    cpSync(join(REPO_ROOT, "deploy", "edge", file), join(outDir, file), { recursive: true });
  }

  return {
    outDir,
    bundleFile,
    bytes: readFileSync(bundleFile).length,
    externalImports: [...externalImports].sort(),
    shippedPackages: [...shipped].sort(),
    bundledPackages: [...bundled.keys()].sort(),
    warnings: result.warnings.map((w) => w.text),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outArg = process.argv.indexOf("--out");
  const outDir =
    outArg > 0 && process.argv[outArg + 1] ? resolve(process.argv[outArg + 1]!) : DEFAULT_OUT_DIR;
  const bundle = await buildEdgeBundle(outDir);
  const mib = (bundle.bytes / 2 ** 20).toFixed(1);
  const shown = relative(process.cwd(), bundle.bundleFile);
  console.log(
    `${shown.startsWith("..") ? bundle.bundleFile : shown}: ${mib} MiB, ` +
      `${bundle.bundledPackages.length} packages inside; beside it: ${bundle.shippedPackages.join(", ")}`,
  );
}
