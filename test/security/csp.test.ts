// Issue 13, finding 9: a content security policy without 'unsafe-inline'.
// Against a real central in real Chromium: the console (/), /reports and
// /map — signed in, with their data drawn — load with no CSP violation and
// no script error, every page's policy allows scripts and styles from this
// origin only, and an injected inline script or style attribute is refused
// (so the policy is in force, and the violation listener hears it).
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installDemoGrid } from "../../central/grid/demo-set.ts";
import { historyPoints, writeAll } from "../../central/savings/backfill.ts";
import { hourlyHistory } from "../../simulators/facility/model.ts";
import { browserRequired, launchChromium, signInToConsole } from "../helpers/browser.ts";
import { startTestCentral, type TestCentral } from "../helpers/central.ts";
import { watchPage } from "../helpers/page-watch.ts";

const FROM = new Date("2024-12-31T21:00:00Z");
const MEASURE = new Date("2025-12-31T21:00:00Z");
const TO = new Date("2026-02-28T21:00:00Z");

interface Watched {
  page: Page;
  problems: string[];
}

describe.skipIf(!browserRequired())("finding 9: CSP without 'unsafe-inline'", () => {
  let c: TestCentral;
  let browser: Browser;
  beforeAll(async () => {
    c = await startTestCentral({
      config: {
        sites: [
          { id: "wf1", name: "Wind farm 1", kind: "wind_farm", lat: 42.4, lon: 47.7 },
          { id: "wf2", name: "Wind farm 2", kind: "wind_farm" },
          { id: "fac-h01", name: "Hospital 1", kind: "facility", tenant: "region", lat: 42.9, lon: 47.5 },
        ],
      },
      beforeStart: (dataDir) => installDemoGrid(dataDir),
    });
    // A year of a hospital's meter and two months after a measure, so /reports draws its chart.
    const rows = hourlyHistory({
      kind: "hospital",
      from: FROM,
      to: TO,
      seed: 3,
      measure: { from: MEASURE, savingFraction: 0.1 },
    });
    expect((await writeAll(c.central.store, historyPoints("H01", "fac-h01", rows))).kind).toBe("success");
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  /** A page that records CSP violations (the DOM event), script errors and console errors. */
  const watched = async (): Promise<Watched> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    await watchPage(page, problems);
    return { page, problems };
  };

  const policyOf = async (path: string) =>
    (await fetch(`${c.url}${path}`)).headers.get("content-security-policy") ?? "";

  it("sends a policy with scripts and styles from this origin only, on every page and the API", async () => {
    for (const path of ["/", "/reports", "/map", "/docs", "/healthz", "/api/v1/assets", "/ui/console.js"]) {
      const policy = await policyOf(path);
      expect(policy, path).toContain("script-src 'self'");
      expect(policy, path).toContain("style-src 'self'");
      expect(policy, path).not.toContain("unsafe-inline");
      expect(policy, path).not.toContain("unsafe-eval");
      expect(policy, path).toContain("frame-ancestors 'none'");
    }
  });

  it("the console loads, signs in and draws its pages with no violation and no script error", async () => {
    const { page, problems } = await watched();
    try {
      await signInToConsole(page, c.url, c.tokens.admin, "#/fleet");
      await page.waitForSelector(".tile[data-asset]");
      for (const hash of [
        "#/alarms",
        "#/work-orders",
        "#/reports",
        "#/documents",
        "#/control",
        "#/admin",
        "#/asset/T01",
      ]) {
        await page.goto(`${c.url}/${hash}`);
        // The page has replaced its "loading" line with what it shows (the live feed keeps the network busy).
        await page.waitForSelector("#app > :not(p.muted)");
      }
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("/reports loads, signs in and draws the report with no violation and no script error", async () => {
    const { page, problems } = await watched();
    try {
      await page.goto(`${c.url}/reports`);
      await page.fill("#token", c.tokens.ministry);
      await page.click("#tokenForm button");
      await page.waitForSelector("#login[hidden]", { state: "attached" });
      await page.fill("#from", MEASURE.toISOString().slice(0, 10));
      await page.fill("#to", TO.toISOString().slice(0, 10));
      await page.selectOption("#facility", "H01");
      await page.click("#show");
      await page.waitForSelector("#facilities tr >> text=H01");
      expect(await page.locator("#summary tr").count()).toBeGreaterThan(5);
      expect(await page.locator("#chart path.baseline").count()).toBe(1);
      // The legend's colours come from the stylesheet (no style attribute).
      expect(await page.$eval(".key-baseline", (el) => getComputedStyle(el).color)).toBe("rgb(31, 95, 191)");
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("/map loads, signs in and draws points, lines, sites and a check with no violation and no script error", async () => {
    const { page, problems } = await watched();
    try {
      await page.goto(`${c.url}/map`);
      await page.waitForSelector("body[data-points-loaded]");
      await page.fill("#token", c.tokens.admin);
      await page.click("#signInBtn");
      await page.waitForSelector('body[data-sites-loaded="2"]');
      // Site markers and legend swatches are coloured by classes of the stylesheet.
      const boxes = await page.$$eval(".site-box", (els) =>
        els.map((el) => ({
          state: el.className.replace(/.*state-/, ""),
          colour: getComputedStyle(el).backgroundColor,
        })),
      );
      const STATE_RGB: Record<string, string> = {
        ok: "rgb(46, 157, 58)",
        warning: "rgb(224, 155, 0)",
        alarm: "rgb(192, 57, 43)",
      };
      expect(boxes).toHaveLength(2);
      for (const b of boxes) expect(b.colour, b.state).toBe(STATE_RGB[b.state]);
      expect(await page.$eval(".legend i.level-open", (el) => getComputedStyle(el).backgroundColor)).toBe(
        "rgb(46, 157, 58)",
      );
      const box = (await page.locator("#map").boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.click("#checkBtn");
      await page.waitForSelector("body[data-options]");
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("refuses an injected inline script and style attribute (the policy is in force and heard)", async () => {
    const { page, problems } = await watched();
    try {
      await page.goto(`${c.url}/map`);
      await page.waitForSelector("body[data-points-loaded]");
      const ran = await page.evaluate(async () => {
        const script = document.createElement("script");
        script.textContent = "window.injectedRan = true";
        document.head.append(script);
        document.body.insertAdjacentHTML("beforeend", '<p id="injected" style="color: rgb(1, 2, 3)">x</p>');
        await new Promise((r) => setTimeout(r, 200));
        return {
          script: (window as unknown as { injectedRan?: boolean }).injectedRan === true,
          colour: getComputedStyle(document.getElementById("injected")!).color,
        };
      });
      expect(ran.script).toBe(false);
      expect(ran.colour).not.toBe("rgb(1, 2, 3)");
      await expect.poll(() => problems.filter((p) => p.startsWith("csp: script-src")).length).toBe(1);
      expect(problems.some((p) => p.startsWith("csp: style-src"))).toBe(true);
    } finally {
      await page.close();
    }
  });
});
