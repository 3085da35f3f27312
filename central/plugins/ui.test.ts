// How the console's files are served: the page, its module scripts (the
// entry and every module it imports) and stylesheet, the names module and
// uPlot from this origin (no CDN), with cache validation and a content
// security policy that lets the modules run.
// The console's behaviour in a browser: ../ui/console.test.ts.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlEventSchema } from "../../common/control.ts";
import { Diagnoses, DiagnosisNames, TurbinePoints } from "../../common/names.ts";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import { DocumentStatuses, DocumentTypes } from "../documents/register.ts";
import { ConditionKinds } from "../maintenance/alarm-filter.ts";
import { FaultsOfKind, faultName, pointName } from "../maintenance/names.ts";
import { FacilityFaults } from "../savings/alarms.ts";

describe("console files (/ and /ui/*)", () => {
  let f: CentralFixture;
  beforeAll(async () => {
    f = await makeCentralFixture();
  });
  afterAll(async () => f.close());

  it("serves the page with the module script, the stylesheets and a policy that allows them", async () => {
    const res = await f.app.inject({ url: "/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.body).toContain('<script type="module" src="/ui/console.js"></script>');
    expect(res.body).toContain('href="/ui/assets/uPlot.min.css"');
    expect(res.body).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).toMatch(/connect-src 'self'/);
    expect(res.headers["cache-control"]).toBe("no-cache");
  });

  it("revalidates by ETag: 304 for the same version", async () => {
    const first = await f.app.inject({ url: "/ui/console.js" });
    expect(first.statusCode).toBe(200);
    expect(first.headers["content-type"]).toBe("application/javascript; charset=utf-8");
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await f.app.inject({ url: "/ui/console.js", headers: { "if-none-match": etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
    const other = await f.app.inject({ url: "/ui/console.js", headers: { "if-none-match": '"old"' } });
    expect(other.statusCode).toBe(200);
    expect(other.body).toBe(readFileSync(join(import.meta.dirname, "..", "ui", "console.js"), "utf8"));
  });

  it("serves every script and stylesheet of the console's folder as it is on disk", async () => {
    const dir = join(import.meta.dirname, "..", "ui");
    const own = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((name) =>
      /\.(js|css)$/.test(name),
    );
    expect(own.length).toBeGreaterThan(2);
    for (const name of own) {
      const url = `/ui/${name.split(sep).join("/")}`;
      const res = await f.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"], url).toBe(
        name.endsWith(".js") ? "application/javascript; charset=utf-8" : "text/css; charset=utf-8",
      );
      expect(res.headers["cache-control"], url).toBe("no-cache");
      expect(res.body, url).toBe(readFileSync(join(dir, name), "utf8"));
    }
  });

  it("every module the console imports is served, and no module imports itself back", async () => {
    // Static import statements: `import x, { a, b as c } from "…";` or `import "…";`.
    const imports = (source: string) =>
      [...source.matchAll(/^import\s+(?:[\w$\s{},*]+?\s+from\s+)?"([^"]+)";/gm)].map((m) => m[1]!);
    const graph = new Map<string, string[]>();
    const visit = async (url: string) => {
      if (graph.has(url)) return;
      const res = await f.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"], url).toBe("application/javascript; charset=utf-8");
      const deps = imports(res.body).map((spec) => new URL(spec, `http://console${url}`).pathname);
      graph.set(url, deps);
      for (const dep of deps) await visit(dep);
    };
    await visit("/ui/console.js");
    // The entry, the libraries, one module per page, the names and uPlot.
    expect(graph.size).toBeGreaterThan(10);
    const cycle = (url: string, path: string[]): string[] | null => {
      if (path.includes(url)) return [...path, url];
      for (const dep of graph.get(url) ?? []) {
        const found = cycle(dep, [...path, url]);
        if (found) return found;
      }
      return null;
    };
    expect(cycle("/ui/console.js", [])).toBeNull();
  });

  it("serves uPlot from node_modules, cached for a day", async () => {
    const dist = join(createRequire(import.meta.url).resolve("uplot/dist/uPlot.esm.js"), "..");
    for (const [file, type] of [
      ["uPlot.esm.js", "application/javascript; charset=utf-8"],
      ["uPlot.min.css", "text/css; charset=utf-8"],
    ] as const) {
      const res = await f.app.inject({ url: `/ui/assets/${file}` });
      expect(res.statusCode, file).toBe(200);
      expect(res.headers["content-type"]).toBe(type);
      expect(res.headers["cache-control"]).toBe("public, max-age=86400");
      expect(res.body).toBe(readFileSync(join(dist, file), "utf8"));
    }
  });

  it("serves the point names and every fault and control event in Russian and English as a module", async () => {
    const res = await f.app.inject({ url: "/ui/names.js" });
    expect(res.statusCode).toBe(200);
    const table = (name: string): Record<string, { ru: string; en: string }> =>
      JSON.parse(new RegExp(`export const ${name} = (.*);`).exec(res.body)![1]!);
    expect(table("POINTS").main_bearing).toEqual({
      ru: TurbinePoints.main_bearing.ru,
      en: TurbinePoints.main_bearing.en,
    });
    // The facility's points its alarms name (comfort's room air), as messages name them.
    expect(table("POINTS").indoor_temp_c).toEqual({
      ru: pointName("indoor_temp_c", "ru"),
      en: pointName("indoor_temp_c", "en"),
    });
    expect(pointName("indoor_temp_c", "en")).toBe("indoor temperature");
    const faults = table("FAULTS");
    expect(faults).toMatchObject(DiagnosisNames);
    const named = (what: string, words: { ru: string; en: string } | undefined) => {
      expect(words, what).toBeDefined();
      for (const lang of ["ru", "en"] as const) {
        expect(words![lang].trim().length, `${what} ${lang}`).toBeGreaterThan(0);
        // Words, not the raw name (`write_failed`); a one-word name may read as itself (`imbalance`).
        expect(words![lang], `${what} ${lang}`).not.toMatch(/_/);
      }
      // Russian is not the English text again (e.g. a name added in one language only).
      expect(words!.ru, what).not.toBe(words!.en);
      expect(words!.ru, what).toMatch(/[а-яё]/i);
    };
    // Every fault of every kind of condition the evaluator raises (the turbines' and the facilities').
    let faultsSeen = 0;
    for (const kind of ConditionKinds) {
      expect(FaultsOfKind[kind].length, kind).toBeGreaterThan(0);
      for (const fault of FaultsOfKind[kind]) {
        named(`fault ${kind}/${fault}`, faults[fault]);
        // Messages, work orders and reports name it as the console does.
        for (const lang of ["ru", "en"] as const) expect(faultName(fault, lang)).toBe(faults[fault]![lang]);
        faultsSeen++;
      }
    }
    expect(faultsSeen).toBeGreaterThanOrEqual(Diagnoses.length + FacilityFaults.length + 2);
    expect(faults.comfort!.en).toBe("room temperature out of its band");
    // Every kind of event the edge's control reports, the interlock's among them.
    const events = table("CONTROL_EVENTS");
    const kinds = ControlEventSchema.properties.kind.anyOf.map((l) => l.const as string);
    expect(kinds).toContain("interlock");
    for (const kind of kinds) named(`event ${kind}`, events[kind]);
    expect(Object.keys(events).sort()).toEqual([...kinds].sort());
  });

  it("serves the register's document types and statuses and the shared zone-parts module", async () => {
    const res = await f.app.inject({ url: "/ui/names.js" });
    const list = (name: string): string[] =>
      JSON.parse(new RegExp(`export const ${name} = (.*);`).exec(res.body)![1]!);
    expect(list("DOCUMENT_TYPES")).toEqual([...DocumentTypes]);
    expect(list("DOCUMENT_STATUSES")).toEqual([...DocumentStatuses]);
    const zone = await f.app.inject({ url: "/ui/zone-parts.js" });
    expect(zone.statusCode).toBe(200);
    expect(zone.headers["content-type"]).toBe("application/javascript; charset=utf-8");
    expect(zone.body).toBe(
      readFileSync(join(import.meta.dirname, "..", "..", "common", "zone-parts.js"), "utf8"),
    );
  });

  it("answers 404 for anything else under /ui/, and needs no token for the files", async () => {
    for (const url of [
      "/ui/",
      "/ui/missing.js",
      "/ui/../package.json",
      "/ui/assets/uPlot.cjs.js",
      "/ui/lib/",
      "/ui/console.test.ts",
      "/ui/index.html",
    ]) {
      const res = await f.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe("NOT_FOUND");
    }
  });
});
