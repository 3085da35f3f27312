// The import graph of the production sources against ARCHITECTURE.md: the
// "may import" columns of its room tables are read from the document itself,
// so the document and the code cannot drift apart. A production module is a
// .ts or .js file of common/, central/, edge-agent/, cli/ or simulators/ that
// the build compiles (deploy/build.ts TEST_ONLY: not a test, conformance
// suite, fixture or benchmark). Specifiers are read with a regex over the
// source (static import/export … from, side-effect imports, import("…")).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TEST_ONLY } from "../deploy/build.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PRODUCTION_FOLDERS = ["common", "central", "edge-agent", "cli", "simulators"] as const;
/** ARCHITECTURE.md, "A file over ~400 lines is probably two ideas; never let one pass 600 lines". */
const MAX_LINES = 600;
/** Central's own modules every room may import: its config, HTTP errors, wiring types and metrics. */
const CENTRAL_KERNEL = ["central/config.ts", "central/http.ts", "central/deps.ts", "central/metrics.ts"];

const tracked = (...paths: string[]): string[] =>
  execFileSync("git", ["ls-files", "--", ...paths], { cwd: REPO, encoding: "utf8" })
    .split("\n")
    .filter((f) => f !== "");

const SPECIFIER =
  /(?:^|[^\w$.])(?:import|export)\s+(?:type\s+)?(?:[\w$*{}\s,]+?\s+from\s+)?["']([^"'\n]+)["']|\bimport\(\s*["']([^"'\n]+)["']\s*\)/g;

/** The specifiers a module imports or re-exports from. */
function specifiersOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(SPECIFIER)].map((m) => (m[1] ?? m[2])!);
}

interface Edge {
  from: string;
  /** Repository-relative path for a relative specifier, the package name for a bare one. */
  to: string;
  relative: boolean;
}

const production = tracked(...PRODUCTION_FOLDERS).filter(
  (f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith(".d.ts") && !TEST_ONLY.test(f),
);
const builtins = new Set(builtinModules);
const edges: Edge[] = production.flatMap((from) =>
  specifiersOf(readFileSync(join(REPO, from), "utf8")).flatMap((spec): Edge[] => {
    if (spec.startsWith("."))
      return [{ from, to: relative(REPO, resolve(REPO, dirname(from), spec)), relative: true }];
    if (spec.startsWith("node:") || builtins.has(spec) || spec.startsWith("/")) return [];
    const name = spec
      .split("/")
      .slice(0, spec.startsWith("@") ? 2 : 1)
      .join("/");
    return [{ from, to: name, relative: false }];
  }),
);
const internal = edges.filter((e) => e.relative);

/** Top-level folder of a path. */
const topOf = (path: string): string => path.split("/")[0]!;
/** central/<room> or edge-agent/<folder> of a path; its top-level folder for a file directly in one. */
const roomOf = (path: string): string => {
  const parts = path.split("/");
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]!;
};

/** Backticked folder names in a cell (`common/`, `lib/`), without the slash. */
const foldersIn = (cell: string): string[] => [...cell.matchAll(/`([\w-]+)\/`/g)].map((m) => m[1]!);

/** Rows of the markdown table under `heading` whose first cell is a backticked folder: folder → cells. */
function tableRows(doc: string, heading: string): Map<string, string[]> {
  const at = doc.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`ARCHITECTURE.md has no heading "${heading}"`);
  const rows = new Map<string, string[]>();
  const lines = doc.slice(at + heading.length + 2).split("\n");
  let inTable = false;
  for (const line of lines) {
    if (!line.startsWith("|")) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const cells = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    const folder = /^`([\w-]+)\/`$/.exec(cells[0] ?? "")?.[1];
    if (folder) rows.set(folder, cells);
  }
  return rows;
}

const ARCHITECTURE = readFileSync(join(REPO, "ARCHITECTURE.md"), "utf8");

/** Cycles of a directed graph (each reported once, from its smallest node). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const nodes = [...graph.keys()].sort();
  for (const start of nodes) {
    const walk = (node: string, path: string[]) => {
      for (const next of graph.get(node) ?? []) {
        if (next === start) found.push([...path, start]);
        else if (next > start && !path.includes(next)) walk(next, [...path, next]);
      }
    };
    walk(start, [start]);
  }
  return found;
}

describe("architecture: the import graph of the production sources", () => {
  it("reads a plausible graph (the parser finds what it must)", () => {
    expect(production).toContain("central/app.ts");
    expect(production.some((f) => f.endsWith(".test.ts"))).toBe(false);
    expect(internal.some((e) => e.from === "central/app.ts" && e.to === "central/control/plugin.ts")).toBe(
      true,
    );
    expect(
      specifiersOf(
        'import type {\n  A,\n  b as c,\n} from "./x.ts";\nexport * from "y";\nawait import("./z.ts");',
      ),
    ).toEqual(["./x.ts", "y", "./z.ts"]);
    expect(specifiersOf('// import { a } from "./commented.ts";\nconst s = "import";')).toEqual([]);
  });

  it("no production module imports vitest or a devDependency", () => {
    const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const devOnly = (name: string) =>
      name === "vitest" || (name in manifest.devDependencies && !(name in manifest.dependencies));
    expect(edges.filter((e) => !e.relative && devOnly(e.to)).map((e) => `${e.from} → ${e.to}`)).toEqual([]);
    // Nor a module the build leaves out (tests, fixtures, conformance suites, benchmarks).
    expect(
      internal
        .filter((e) => TEST_ONLY.test(e.to) || ["test", "bench"].includes(topOf(e.to)))
        .map((e) => `${e.from} → ${e.to}`),
    ).toEqual([]);
  });

  it("only cli/ imports the simulators (the demo starts them); no other production module does", () => {
    expect(
      internal
        .filter((e) => topOf(e.to) === "simulators" && !["simulators", "cli"].includes(topOf(e.from)))
        .map((e) => `${e.from} → ${e.to}`),
    ).toEqual([]);
  });

  it("every arrow between the top-level rooms is one ARCHITECTURE.md's room table allows", () => {
    const rooms = tableRows(ARCHITECTURE, "## Rooms and folders");
    for (const folder of PRODUCTION_FOLDERS) expect(rooms.has(folder), folder).toBe(true);
    const allowed = (from: string, to: string): boolean => {
      const cell = rooms.get(from)!.at(-1)!;
      return cell === "everything" || foldersIn(cell).includes(to);
    };
    const wrong = internal
      .filter((e) => topOf(e.from) !== topOf(e.to) && !allowed(topOf(e.from), topOf(e.to)))
      .map((e) => `${e.from} → ${e.to}`);
    expect(wrong).toEqual([]);
  });

  it("every arrow between central's rooms is one ARCHITECTURE.md's table of central's rooms allows", () => {
    const rooms = tableRows(ARCHITECTURE, "### Central's rooms");
    const present = new Set(
      production
        .filter((f) => f.startsWith("central/") && f.split("/").length > 2)
        .map((f) => f.split("/")[1]!),
    );
    // Every room is in the table, and the table names no room that is gone.
    expect([...rooms.keys()].sort()).toEqual([...present].sort());
    const allowed = (from: string, to: string): boolean => {
      const cell = rooms.get(from)!.at(-1)!;
      return cell === "every room" || foldersIn(cell).includes(to);
    };
    const wrong: string[] = [];
    for (const e of internal) {
      if (topOf(e.from) !== "central" || topOf(e.to) !== "central") continue;
      const from = roomOf(e.from);
      const to = roomOf(e.to);
      if (from === to || from === "central") continue; // a room's own files; the wiring (app.ts, server.ts, …)
      const ok =
        to === "central"
          ? CENTRAL_KERNEL.includes(e.to)
          : to === "central/lib" || allowed(from.slice("central/".length), to.slice("central/".length));
      if (!ok) wrong.push(`${e.from} → ${e.to}`);
    }
    expect(wrong).toEqual([]);
  });

  /** The arrows between the folders of one deployable (its top-level wiring files left out). */
  const roomGraph = (top: string): Map<string, Set<string>> => {
    const graph = new Map<string, Set<string>>();
    for (const e of internal) {
      const from = roomOf(e.from);
      const to = roomOf(e.to);
      const isRoom = (r: string) => r.startsWith(`${top}/`);
      if (from === to || !isRoom(from) || !isRoom(to)) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
    return graph;
  };

  it("has no cycle between central's rooms", () => {
    const graph = roomGraph("central");
    expect(graph.size).toBeGreaterThan(5);
    expect(cycles(graph).map((c) => c.join(" → "))).toEqual([]);
  });

  it("has no cycle between the edge agent's folders (control uses sources, never the other way)", () => {
    const graph = roomGraph("edge-agent");
    expect(graph.get("edge-agent/control")?.has("edge-agent/sources")).toBe(true);
    expect(cycles(graph).map((c) => c.join(" → "))).toEqual([]);
  });

  it("the edge's DSP imports nothing of the agent outside edge-agent/dsp/ (pure functions on typed arrays)", () => {
    expect(
      internal
        .filter((e) => e.from.startsWith("edge-agent/dsp/") && e.to.startsWith("edge-agent/"))
        .filter((e) => !e.to.startsWith("edge-agent/dsp/"))
        .map((e) => `${e.from} → ${e.to}`),
    ).toEqual([]);
  });

  it(`has no source file over ${MAX_LINES} lines`, () => {
    const sources = tracked(...PRODUCTION_FOLDERS, "test", "bench", "deploy", "dashboards").filter((f) =>
      /\.(ts|js|mjs)$/.test(f),
    );
    expect(sources.length).toBeGreaterThan(100);
    const long = sources
      .map((f) => ({ f, lines: readFileSync(join(REPO, f), "utf8").split("\n").length - 1 }))
      .filter((x) => x.lines > MAX_LINES)
      .map((x) => `${x.f}: ${x.lines} lines`);
    expect(long).toEqual([]);
  });
});
