// The /map page in real Chromium against a real central with the demo's
// illustrative grid, at phone (390×844) and desktop (1440×900) size, in
// Russian and English: no request leaves the server (every other host is
// refused and recorded), nothing scrolls sideways, the place field and the
// Check button are on the first screen and reachable, typed coordinates and
// a settlement's name each give an answer with its distance lines, and the
// monitored sites appear for a signed-in caller. The screenshots in
// docs/screenshots/ (shown in the README) are made here with UPDATE_SCREENSHOTS=1.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCentralConfig } from "../central/config.ts";
import { demoGridSet, installDemoGrid } from "../central/grid/demo-set.ts";
import { type RunningCentral, startCentral } from "../central/server.ts";
import { browserRequired, launchChromium } from "./helpers/browser.ts";
import { horizontalOverflow, isClickable, offlinePage, VIEWPORTS } from "./helpers/page-checks.ts";
import { docsScreenshot } from "./helpers/screenshots.ts";

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
    token = await central.meta.tokens.create({ role: "ministry", label: "map test" });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await central?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (viewport: { width: number; height: number }, lang: "ru" | "en") => {
    const { page, outside } = await offlinePage(browser, viewport, central.url);
    await page.goto(`${central.url}/map${lang === "en" ? "?lang=en" : ""}`);
    await page.waitForSelector(`body[data-points-loaded="${DEMO_POINTS}"]`);
    await page.waitForSelector("body[data-basemap=own]");
    return { page, outside };
  };

  /** Types a place, takes the settlement it names (a list when several match), checks, waits for the answer. */
  const checkAt = async (page: Page, place: string, pick?: string) => {
    await page.fill("#place", place);
    await page.click("#placeBtn");
    if (pick) await page.locator("#placeResults button", { hasText: pick }).first().click();
    await page.waitForFunction(() => document.getElementById("site")!.textContent !== "—");
    await page.evaluate(() => {
      delete document.body.dataset.options;
    });
    await page.click("#checkBtn");
    await page.waitForSelector("body[data-options]");
    return Number(await page.getAttribute("body", "data-options"));
  };

  for (const vp of VIEWPORTS) {
    for (const lang of ["ru", "en"] as const) {
      it(`${vp.name} ${vp.width}×${vp.height}, ${lang}: fits, the main action is reachable, coordinates and a settlement give an answer offline`, async () => {
        const { page, outside } = await open(vp, lang);
        try {
          expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
          // The place field and the Check button are on the first screen, each the element under its centre.
          expect(await isClickable(page, "#place")).toBe(true);
          expect(await isClickable(page, "#checkBtn")).toBe(true);
          expect(await page.textContent("h1")).toBe(
            lang === "ru"
              ? "Vetra — карта свободной мощности для технологического присоединения"
              : "Vetra — grid-connection capacity map",
          );
          // The basemap: land drawn, settlement labels shown, its sources attributed.
          expect(await page.locator(".place-label").count()).toBeGreaterThan(3);
          expect(await page.textContent(".leaflet-control-attribution")).toContain("GeoNames");

          // Typed coordinates, degrees-minutes-seconds with the page language's hemisphere letters.
          const dms = lang === "ru" ? "42°34′ с.ш. 47°52′ в.д." : "42°34′N 47°52′E";
          const shown = await checkAt(page, dms);
          expect(await page.textContent("#site")).toBe(
            lang === "ru" ? "42,56667, 47,86667" : "42.56667, 47.86667",
          );
          expect(shown).toBeGreaterThan(0);
          expect(await page.locator("path.opt-line").count()).toBe(shown);
          expect(await page.locator("#options > li").count()).toBe(shown);
          expect(await page.textContent("#voltageClass")).toContain(lang === "ru" ? "35 кВ" : "35 kV");
          // Side by side, explained: the comparison's columns are the options, its terms have titles.
          expect(await page.locator("#compare thead th").count()).toBe(Math.min(shown, 4) + 1);
          expect(await page.getAttribute("#compare tbody th[title] >> nth=0", "title")).toBeTruthy();
          expect(await page.textContent("#explain")).toContain(
            lang === "ru" ? "Критерий N-1" : "N-1 criterion",
          );
          expect(await page.textContent("#bestLine")).toMatch(
            lang === "ru" ? /Лучший вариант|Подходящего/ : /Best option|No suitable/,
          );
          expect(await isClickable(page, "#pdfBtn", true)).toBe(true);
          expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
          await page.evaluate(() => window.scrollTo(0, 0));
          await docsScreenshot(page, `map-${vp.name}-${lang}`);

          // A settlement by name, in the other script and another case: "дербент" / "DERBENT".
          const derbent = await checkAt(page, lang === "ru" ? "дербент" : "DERBENT");
          expect(await page.textContent("#siteName")).toBe(lang === "ru" ? "Дербент" : "Derbent");
          expect(derbent).toBeGreaterThan(0);
          // Several matches: a list to pick from (the town Каякент and the substation named after it).
          const several = await checkAt(page, lang === "ru" ? "кая" : "kaya", "ПС 110 кВ Каякент");
          expect(several).toBeGreaterThan(0);
          expect(await page.textContent("#siteName")).toBe("ПС 110 кВ Каякент (усл.)");
          expect(outside).toEqual([]);
        } finally {
          await page.close();
        }
      });
    }
  }

  it("a name nobody knows and coordinates out of range say so; a click still picks a site", async () => {
    const { page, outside } = await open({ width: 1440, height: 900 }, "ru");
    try {
      await page.fill("#place", "Атлантида");
      await page.click("#placeBtn");
      expect(await page.textContent("#placeResults")).toContain("Не найдено");
      await page.fill("#place", "95, 47");
      await page.click("#placeBtn");
      expect(await page.textContent("#site")).toBe("—");
      const box = (await page.locator("#map").boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForFunction(() => document.getElementById("site")!.textContent !== "—");
      expect(outside).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("signed in through the panel's form, shows the monitored sites too", async () => {
    const { page, outside } = await open({ width: 1440, height: 900 }, "ru");
    try {
      expect(await page.locator(".site-icon").count()).toBe(0);
      await page.fill("#token", token);
      await page.click("#signInBtn");
      await page.waitForSelector('body[data-sites-loaded="2"]');
      expect(page.url()).toBe(`${central.url}/map`);
      expect(await page.locator("path.cp-point").count()).toBe(DEMO_POINTS);
      expect(await page.locator("path.grid-line").count()).toBe(demoGridSet().lines.length);
      expect(await page.locator(".site-icon").count()).toBe(2);
      expect(await page.textContent("#illustrative")).toContain("Условные (иллюстративные) данные");
      expect(outside).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
