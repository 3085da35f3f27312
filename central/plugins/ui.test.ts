// How the console's files are served: the page, its module script and
// stylesheet, the names module and uPlot from this origin (no CDN), with
// cache validation and a content security policy that lets the module run.
// The console's behaviour in a browser: ../ui/console.test.ts.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiagnosisNames, TurbinePoints } from "../../common/names.ts";
import { type CentralFixture, makeCentralFixture } from "../test-fixture.ts";

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

  it("serves the point and diagnosis names of common/names.ts as a module", async () => {
    const res = await f.app.inject({ url: "/ui/names.js" });
    expect(res.statusCode).toBe(200);
    const points = /export const POINTS = (.*);/.exec(res.body)?.[1];
    const faults = /export const FAULTS = (.*);/.exec(res.body)?.[1];
    expect(JSON.parse(points!).main_bearing).toEqual({
      ru: TurbinePoints.main_bearing.ru,
      en: TurbinePoints.main_bearing.en,
    });
    expect(JSON.parse(faults!)).toEqual(DiagnosisNames);
  });

  it("answers 404 for anything else under /ui/, and needs no token for the files", async () => {
    for (const url of ["/ui/", "/ui/missing.js", "/ui/../package.json", "/ui/assets/uPlot.cjs.js"]) {
      const res = await f.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe("NOT_FOUND");
    }
  });
});
