// The production build, run as the image runs it: compiled into a temp
// folder beside a node_modules that holds only the production packages
// (package-lock.json's non-dev entries, linked from this repository's), so
// a compiled module that needed tsx, vitest or any other devDependency
// would fail to load. Plain `node` with a fresh environment (no
// NODE_OPTIONS from the test runner), and a resolve hook that records every
// module the process loads: all of ours must be compiled .js under dist.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDist, type DistBuild, SOURCE_FOLDERS, TEST_ONLY } from "./build.ts";

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, "..");

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
}
/** Top-level packages `npm ci --omit=dev` installs, from the lockfile. */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  return Object.entries(lock.packages)
    .filter(([path, e]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !e.dev && !e.devOptional)
    .map(([path]) => path.slice("node_modules/".length))
    .filter((name) => existsSync(join(REPO, "node_modules", name)));
}

// Records the URL of every module resolved through the ES module loader.
const HOOKS = `
import { appendFileSync } from "node:fs";
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(file, r.url + "\\n");
  return r;
}
`;

describe("npm run build: the compiled commands on production packages only", () => {
  let tmp: string;
  let built: DistBuild;
  let dist: string;
  let loadedFile: string;
  const env = () => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmp, LANG: "C.UTF-8" });
  const nodeArgs = () => ["--enable-source-maps", "--import", pathToFileURL(join(tmp, "trace.mjs")).href];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "vetra-build-"));
    dist = join(tmp, "dist");
    built = await buildDist(dist);
    for (const name of productionPackages()) {
      mkdirSync(dirname(join(tmp, "node_modules", name)), { recursive: true });
      symlinkSync(join(REPO, "node_modules", name), join(tmp, "node_modules", name), "dir");
    }
    loadedFile = join(tmp, "loaded.txt");
    writeFileSync(join(tmp, "hooks.mjs"), HOOKS);
    writeFileSync(
      join(tmp, "trace.mjs"),
      `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url, { data: { file: ${JSON.stringify(loadedFile)} } });\n`,
    );
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Modules resolved so far (and forgets them). */
  const takeLoaded = (): string[] => {
    const urls = existsSync(loadedFile) ? readFileSync(loadedFile, "utf8").split("\n").filter(Boolean) : [];
    rmSync(loadedFile, { force: true });
    return urls;
  };
  const expectCompiledOnly = (urls: string[]) => {
    const ours = urls.filter((u) => u.startsWith("file:") && !u.includes("/node_modules/"));
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.filter((u) => !u.startsWith(pathToFileURL(dist).href) || !u.endsWith(".js"))).toEqual([]);
    expect(urls.filter((u) => /\/node_modules\/(tsx|vitest|esbuild|typescript|vite)\//.test(u))).toEqual([]);
  };

  it("holds one .js and source map per production module, the console's files, and no test, fixture or benchmark", () => {
    expect(built.modules).toContain("cli/main.js");
    expect(built.modules).toContain("central/savings/report-worker.js");
    expect(built.modules).toContain("deploy/compose/demo-agents.js");
    for (const m of built.modules) expect(existsSync(join(dist, `${m}.map`)), m).toBe(true);
    expect(existsSync(join(dist, "central/ui/index.html"))).toBe(true);
    const leaked = built.modules.filter(
      (m) =>
        TEST_ONLY.test(m.replace(/\.js$/, ".ts")) ||
        /\.test\.|\.conformance\.|test-fixture|test-helpers|test-servers|(^|\/)bench\//.test(m),
    );
    expect(leaked).toEqual([]);
    expect(
      built.modules.every(
        (m) => SOURCE_FOLDERS.some((f) => m.startsWith(`${f}/`)) || m.startsWith("deploy/"),
      ),
    );
    // Every package the compiled code imports is a production dependency.
    const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(built.packages.filter((p) => !(p in manifest.dependencies))).toEqual([]);
    expect(built.packages).not.toContain("tsx");
  });

  it("a production module importing a test fixture fails the build", async () => {
    const probe = join(tmp, "probe", "imports-fixture.ts");
    mkdirSync(dirname(probe), { recursive: true });
    const fixture = relative(dirname(probe), join(REPO, "test", "helpers", "central-fixture.ts"));
    writeFileSync(probe, `export { makeCentralFixture } from ${JSON.stringify(fixture)};\n`);
    await expect(buildDist(join(tmp, "dist-probe"), { extraEntries: [probe] })).rejects.toThrow(
      /probe\/imports-fixture\.ts imports the test-only test\/helpers\/central-fixture\.ts/,
    );
    expect(existsSync(join(tmp, "dist-probe", "cli"))).toBe(false); // nothing written
  });

  it("`vetra edge --help` runs compiled", async () => {
    takeLoaded();
    const { stdout, stderr } = await run(
      process.execPath,
      [...nodeArgs(), join(dist, "cli/main.js"), "edge", "--help"],
      { cwd: tmp, env: env() },
    );
    expect(`${stdout}${stderr}`).toContain("usage: vetra edge --config FILE");
    expectCompiledOnly(takeLoaded());
  });

  it("`vetra central` runs compiled: /healthz and /readyz answer, SIGTERM ends it with 0", async () => {
    const config = join(tmp, "central.json");
    writeFileSync(
      config,
      JSON.stringify({
        server: { host: "127.0.0.1", port: 0 },
        dataDir: join(tmp, "central-data"),
        tenants: [{ id: "t1", name: "Tenant" }],
        sites: [{ id: "s1", name: "Site", kind: "wind_farm" }],
        assets: [{ id: "A1", name: "Turbine", kind: "turbine", site: "s1", tenant: "t1" }],
      }),
    );
    takeLoaded();
    const child: ChildProcess = spawn(
      process.execPath,
      [...nodeArgs(), join(dist, "cli/main.js"), "central", "--config", config],
      { cwd: tmp, env: { ...env(), LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stderr!.on("data", (c: Buffer) => {
      err += c;
    });
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        child.stdout!.on("data", (c: Buffer) => {
          out += c;
          const m = /listening on (\S+)/.exec(out);
          if (m) resolveUrl(m[1]!);
        });
        child.once("exit", (code) => reject(new Error(`central exited ${code}: ${out}${err}`)));
      });
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status, await ready.clone().text()).toBe(200);
      // The console's static files are served from dist.
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<html");
    } finally {
      child.kill("SIGTERM");
    }
    const [code] = await once(child, "exit");
    expect(code, err).toBe(0);
    expectCompiledOnly(takeLoaded());
  });

  it("the savings report's worker threads start from the compiled worker module", async () => {
    const script = join(tmp, "report-workers.mjs");
    const at = (m: string) => JSON.stringify(pathToFileURL(join(dist, m)).href);
    writeFileSync(
      script,
      `
import { openEmbeddedStore } from ${at("central/stores/embedded.js")};
import { defaultSavingsConfig } from ${at("central/savings/config.js")};
import { reportSites } from ${at("central/savings/report.js")};
import { hourlyHistory } from ${at("simulators/facility/model.js")};
const FROM = new Date("2024-12-31T21:00:00Z"), MID = new Date("2025-09-30T21:00:00Z"), TO = new Date("2025-12-31T21:00:00Z");
const periods = { baselineFromMs: +FROM, baselineToMs: +MID, reportingFromMs: +MID, reportingToMs: +TO };
const facilities = [
  { id: "H1", name: "H1", kind: "hospital", site: "s1", timezone: null },
  { id: "S2", name: "S2", kind: "school", site: "s2", timezone: null },
];
const store = openEmbeddedStore({ path: ${JSON.stringify(join(tmp, "report.sqlite"))} });
const points = [];
for (const [i, f] of facilities.entries())
  for (const r of hourlyHistory({ kind: f.kind, from: FROM, to: TO, seed: i + 1 })) {
    const ts = Date.parse(r.timestamp);
    points.push({ measurement: "meter", tags: { site: f.site, asset: f.id }, fields: { interval_energy_kwh: r.kwh }, ts });
    points.push({ measurement: "weather", tags: { site: f.site }, fields: { temp_c: r.temp_c }, ts });
  }
if ((await store.write(points)).kind !== "success") throw new Error("write failed");
const args = { store, facilities, periods, model: "auto", config: defaultSavingsConfig() };
const inWorkers = [], here = [];
const r = await reportSites({ ...args, workers: 2 }, inWorkers, { mainThread: false });
await reportSites({ ...args, workers: 0 }, here);
const byId = (a) => JSON.stringify([...a].sort((x, y) => x.id.localeCompare(y.id)).map((f) => [f.id, f.avoided_kwh, f.model]));
console.log(JSON.stringify({ result: r, same: byId(inWorkers) === byId(here), facilities: inWorkers.length }));
await store.close();
`,
    );
    const { stdout } = await run(process.execPath, ["--enable-source-maps", script], {
      cwd: tmp,
      env: env(),
    });
    expect(JSON.parse(stdout)).toEqual({
      result: { kind: "success", value: { byWorkers: 2 } },
      same: true,
      facilities: 2,
    });
  });
});
