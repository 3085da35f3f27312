// The grid answer's PDF (POST /api/v1/grid/check/pdf) and the map's basemap
// routes through a real central on the demo's illustrative grid: what a
// developer files with an application (read back with pdftotext), what a
// hurried or hostile caller sends, the shared public rate limit, and the
// operator's PMTiles file served in byte ranges.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipPdfText } from "../../test/helpers/service-files.ts";
import { parseCentralConfig } from "../config.ts";
import { installDemoGrid } from "../grid/demo-set.ts";
import { type RunningCentral, startCentral } from "../server.ts";
import { byteRange } from "./grid.ts";

const IZBERBASH = { lat: 42.56, lon: 47.87 };

describe("byteRange", () => {
  it("reads the one range forms a PMTiles reader sends and refuses the rest", () => {
    expect(byteRange("bytes=0-126", 1000)).toEqual({ start: 0, end: 126 });
    expect(byteRange("bytes=900-", 1000)).toEqual({ start: 900, end: 999 });
    expect(byteRange("bytes=-100", 1000)).toEqual({ start: 900, end: 999 });
    expect(byteRange("bytes=990-5000", 1000)).toEqual({ start: 990, end: 999 });
    for (const bad of [
      "bytes=1000-1001",
      "bytes=5-1",
      "bytes=-",
      "bytes=0-1,5-6",
      "items=0-1",
      "bytes=a-b",
      "",
    ])
      expect(byteRange(bad, 1000), bad).toBeNull();
    expect(byteRange(`bytes=0-${"9".repeat(40)}`, 1000)).toBeNull();
  });
});

describe.skipIf(skipPdfText)("grid answer PDF and basemap routes", () => {
  let dir: string;
  let central: RunningCentral;
  let pmtiles: string;
  const pdf = (body: unknown, type = "application/json") =>
    fetch(`${central.url}/api/v1/grid/check/pdf`, {
      method: "POST",
      headers: { "content-type": type },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const text = async (res: Response, name: string) => {
    const file = join(dir, name);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).replace(
      /[\u00a0\u202f]/g,
      " ",
    );
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-grid-answer-"));
    installDemoGrid(dir);
    pmtiles = join(dir, "region.pmtiles");
    writeFileSync(pmtiles, Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256)));
    central = await startCentral(
      parseCentralConfig({
        server: { port: 0 },
        dataDir: dir,
        timeZone: "Europe/Moscow",
        grid: { rateLimit: { max: 40, timeWindowMs: 60_000 }, basemapPmtilesFile: pmtiles },
      }),
    );
  });
  afterAll(async () => {
    await central?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const lang of ["ru", "en"] as const) {
    it(`${lang}: the site, the best option, the options side by side, what the figures mean, the assumptions`, async () => {
      const check = (await (
        await fetch(`${central.url}/api/v1/grid/check`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ...IZBERBASH, mw: 25, kind: "generation", lang }),
        })
      ).json()) as { options: { name: string; status: string }[] };
      const res = await pdf({ ...IZBERBASH, mw: 25, kind: "generation", lang });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/pdf");
      expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="grid-answer-.*\.pdf"$/);
      const t = await text(res, `answer-${lang}.pdf`);
      const ru = lang === "ru";
      expect(t).toContain(
        ru
          ? "Предварительная оценка технологического присоединения"
          : "Preliminary grid-connection assessment",
      );
      expect(t).toContain(ru ? "42,56000, 47,87000" : "42.56000, 47.87000");
      expect(t).toContain(ru ? "42°33′36″ с. ш." : "42°33′36″ N");
      expect(t).toContain(ru ? "Избербаш" : "Izberbash"); // the nearest settlement, from the shipped basemap
      expect(t).toContain(ru ? "Условные (иллюстративные) данные" : "Illustrative data");
      expect(t).toContain(ru ? "35 кВ" : "35 kV");
      expect(t).toContain("UTC+3");
      // Every option of the check is in the PDF, the best one named in the answer.
      const best = check.options[0]!;
      expect(t).toContain(ru ? `Лучший вариант — ${best.name}` : `Best option: ${best.name}`);
      for (const o of check.options) expect(t.replace(/\s+/g, " ")).toContain(o.name);
      for (const term of ru
        ? ["Критерий N-1", "После присоединения", "Ориентировочная стоимость", "Допущения", "cos φ = 0,90"]
        : ["N-1 criterion", "After connection", "Indicative cost", "Assumptions", "cos φ = 0.90"])
        expect(t).toContain(term);
    });
  }

  it("a site outside the data's area: no connection point nearby, not a list of far points", async () => {
    const res = await pdf({ lat: 55.75, lon: 37.62, mw: 5, kind: "demand", lang: "en" });
    expect(res.status).toBe(200);
    const t = await text(res, "far.pdf");
    expect(t).toContain("No connection point of the needed voltage class nearby");
    expect(t).not.toContain("Options side by side");
    expect(t).toContain("none within 50 km");
  });

  it("refuses hostile bodies with a clear 4xx, and stays up", async () => {
    const cases: [unknown, string?][] = [
      [{ ...IZBERBASH, mw: 1e9, kind: "generation" }],
      [{ ...IZBERBASH, mw: 0, kind: "generation" }],
      [{ ...IZBERBASH, mw: -5, kind: "generation" }],
      [{ ...IZBERBASH, mw: "NaN", kind: "generation" }],
      [{ ...IZBERBASH, mw: null, kind: "generation" }],
      ['{"lat": 42.5, "lon": 47.8, "mw": NaN, "kind": "generation"}'],
      [{ lat: 91, lon: 47.8, mw: 5, kind: "generation" }],
      [{ lat: 42.5, lon: 181, mw: 5, kind: "generation" }],
      [{ lat: "42°33′N", lon: 47.8, mw: 5, kind: "generation" }],
      [{ ...IZBERBASH, mw: 5, kind: "wind" }],
      [{ ...IZBERBASH, mw: 5, kind: "generation", lang: "de" }],
      [{ ...IZBERBASH, mw: 5, kind: "generation", limit: 1000 }],
      [{ ...IZBERBASH, mw: 5, kind: "generation", extra: "<script>" }],
      [{}],
      [[]],
      ["lat=42&lon=47", "application/x-www-form-urlencoded"],
      ["not json"],
    ];
    for (const [body, type] of cases) {
      const res = await pdf(body, type);
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(body)).toBeLessThan(500);
      const err = (await res.json()) as { error: { code: string; message: string } };
      expect(err.error.code, JSON.stringify(body)).toMatch(/^[A-Z_]+$/);
    }
    expect((await pdf({ ...IZBERBASH, mw: 10_000, kind: "demand" })).status).toBe(200);
  });

  it("serves the shipped basemap to anyone, with its sources", async () => {
    const res = await fetch(`${central.url}/map/basemap.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("max-age");
    const body = (await res.json()) as {
      vetra: { attribution: string };
      features: { properties: { layer: string; name_ru?: string } }[];
    };
    expect(body.vetra.attribution).toContain("GeoNames");
    const layers = new Set(body.features.map((f) => f.properties.layer));
    for (const l of ["land", "coast", "border", "settlement", "region"]) expect(layers.has(l), l).toBe(true);
    const names = body.features
      .filter((f) => f.properties.layer === "settlement")
      .map((f) => f.properties.name_ru);
    for (const n of ["Махачкала", "Дербент", "Каспийск", "Избербаш", "Хасавюрт"]) expect(names).toContain(n);
  });

  it("serves the operator's PMTiles file in byte ranges", async () => {
    const whole = await fetch(`${central.url}/map/basemap.pmtiles`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect((await whole.arrayBuffer()).byteLength).toBe(1000);
    const part = await fetch(`${central.url}/map/basemap.pmtiles`, { headers: { range: "bytes=256-511" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 256-511/1000");
    const bytes = new Uint8Array(await part.arrayBuffer());
    expect(bytes.length).toBe(256);
    expect(bytes[0]).toBe(0);
    expect(bytes[255]).toBe(255);
    const outside = await fetch(`${central.url}/map/basemap.pmtiles`, {
      headers: { range: "bytes=5000-6000" },
    });
    expect(outside.status).toBe(416);
    expect(outside.headers.get("content-range")).toBe("bytes */1000");
    const page = await (await fetch(`${central.url}/map`)).text();
    expect(page).toContain('<script src="/map/assets/protomaps-leaflet.js"></script>');
    const lib = await fetch(`${central.url}/map/assets/protomaps-leaflet.js`);
    expect(lib.status).toBe(200);
    expect(lib.headers.get("content-type")).toContain("javascript");
  });
});

describe("no PMTiles file configured", () => {
  let dir: string;
  let central: RunningCentral;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-grid-nopm-"));
    central = await startCentral(
      parseCentralConfig({
        server: { port: 0 },
        dataDir: dir,
        grid: { basemapPmtilesFile: join(dir, "gone.pmtiles") },
      }),
    );
  });
  afterAll(async () => {
    await central?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a configured file that is not there answers 404, and the page still loads", async () => {
    expect((await fetch(`${central.url}/map/basemap.pmtiles`)).status).toBe(404);
    expect((await fetch(`${central.url}/map`)).status).toBe(200);
  });

  it("refuses an unknown region time zone at start, naming the key", () => {
    expect(() => parseCentralConfig({ timeZone: "Mars/Olympus" })).toThrow(/timeZone: unknown time zone/);
  });
});
