// The /map page in real Chromium against a real central with the demo's
// illustrative grid: it loads with no internet (every non-loopback request
// is refused and must not happen), shows the points and lines, and a click
// on the map plus a check draws the options. A screenshot is kept in
// reports/ as a test artifact.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCentralConfig } from "../central/config.ts";
import { demoGridSet, installDemoGrid } from "../central/grid/demo-set.ts";
import { type RunningCentral, startCentral } from "../central/server.ts";
import { browserRequired, launchChromium } from "./helpers/browser.ts";

const repoRoot = join(import.meta.dirname, "..");
const DEMO_POINTS = demoGridSet().points.length;

describe.skipIf(!browserRequired())("grid-connection map (/map)", () => {
  let dir: string;
  let central: RunningCentral;
  let browser: Browser;
  let token: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-map-"));
    installDemoGrid(dir);
    central = await startCentral(
      parseCentralConfig({
        server: { port: 0 },
        dataDir: dir,
        tenants: [{ id: "t", name: "T" }],
        sites: [
          { id: "wf", name: "ВЭС «Каспийская»", kind: "wind_farm", lat: 42.35, lon: 47.8 },
          { id: "h", name: "Больница", kind: "facility", lat: 42.98, lon: 47.5 },
        ],
        assets: [
          { id: "T1", name: "Turbine 1", kind: "turbine", site: "wf", tenant: "t" },
          { id: "H1", name: "Hospital 1", kind: "hospital", site: "h", tenant: "t" },
        ],
      }),
    );
    token = central.meta.createToken({ role: "ministry", label: "map test" });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await central?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const offlinePage = async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const outside: string[] = [];
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1" || url.protocol === "data:" || url.protocol === "blob:")
        return route.continue();
      outside.push(url.href);
      return route.abort();
    });
    return { page, outside };
  };

  it("loads offline, shows points, lines and monitored sites; a click and a check draw the options", async () => {
    const { page, outside } = await offlinePage();
    try {
      await page.goto(`${central.url}/map`);
      await page.waitForSelector(`body[data-points-loaded="${DEMO_POINTS}"]`);
      // Anonymous: the public layers only. Signed in through the side panel's form: the monitored sites too.
      expect(await page.locator(".site-icon").count()).toBe(0);
      await page.fill("#token", token);
      await page.click("#signInBtn");
      await page.waitForSelector('body[data-sites-loaded="2"]');
      expect(page.url()).toBe(`${central.url}/map`);
      expect(await page.isVisible("#signedIn")).toBe(true);
      expect(await page.locator("path.cp-point").count()).toBe(DEMO_POINTS);
      expect(await page.locator("path.grid-line").count()).toBe(demoGridSet().lines.length);
      expect(await page.locator(".site-icon").count()).toBe(2);
      expect(await page.isVisible("#illustrative")).toBe(true);
      expect(await page.textContent("#illustrative")).toContain("Условные (иллюстративные) данные");
      expect(await page.textContent(".legend")).toContain("Центры питания");

      // Click in the middle of the map, ask for 25 MW of generation.
      const box = (await page.locator("#map").boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForFunction(() => document.getElementById("site")!.textContent !== "—");
      await page.fill("#mw", "25");
      await page.click("#checkBtn");
      await page.waitForSelector("body[data-options]");
      const shown = Number(await page.getAttribute("body", "data-options"));
      expect(shown).toBeGreaterThan(0);
      expect(await page.locator("path.opt-line").count()).toBe(shown);
      expect(await page.locator("#options > li").count()).toBe(shown);
      expect(await page.textContent("#voltageClass")).toContain("35 кВ");
      expect(await page.textContent("#options")).toMatch(/МВт/);
      mkdirSync(join(repoRoot, "reports"), { recursive: true });
      await page.screenshot({ path: join(repoRoot, "reports", "grid-map.png") });
      expect(outside).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("switches to English and finds a point by name", async () => {
    const { page, outside } = await offlinePage();
    try {
      await page.goto(`${central.url}/map?lang=en`);
      await page.waitForSelector(`body[data-points-loaded="${DEMO_POINTS}"]`);
      expect(await page.textContent("h1")).toBe("Vetra — grid-connection capacity map");
      expect(await page.textContent("#illustrative")).toContain("Illustrative data");
      await page.fill("#search", "ПС 110 кВ Избербаш (усл.)");
      await page.dispatchEvent("#search", "change");
      await page.waitForSelector(".leaflet-popup-content");
      expect(await page.textContent(".leaflet-popup-content")).toContain("Избербаш");
      expect(outside).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
