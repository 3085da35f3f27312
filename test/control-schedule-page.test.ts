// The control page's weekly schedule editor in real Chromium against a real
// central, at a phone's 390 px: the energy manager marks occupied hours on
// the days × hours grid by dragging and clicking, sets the value of the
// marked hours and the setback, adds a holiday, and saves; central holds
// exactly that schedule. In Russian, then English; no CSP violation, no
// script error, no sideways scroll.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserRequired, launchChromium, signInToConsole } from "./helpers/browser.ts";
import { startTestCentral, type TestCentral } from "./helpers/central.ts";
import { facilityPoints, TestControlAgent } from "./helpers/control-agent.ts";
import { watchPage } from "./helpers/page-watch.ts";

describe.skipIf(!browserRequired())("control page: the graphical weekly schedule", () => {
  let c: TestCentral;
  let browser: Browser;
  beforeAll(async () => {
    c = await startTestCentral();
    const agent = new TestControlAgent(
      c.url,
      await c.meta.tokens.create({ role: "agent", site: "fac-h01", label: "edge h01" }),
      facilityPoints("H01", ["hvac_mode"]),
    );
    await agent.sync();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  const cell = (page: Page, day: number, hour: number) =>
    page.locator(`#scheduleGrid [data-day="${day}"][data-hour="${hour}"]`);
  const centre = async (page: Page, day: number, hour: number) => {
    const box = (await cell(page, day, hour).boundingBox())!;
    return { x: box.x + box.width / 2, y: box.y + box.height / 2, width: box.width };
  };

  it("marks hours by dragging and clicking, with a setback and a holiday, and saves them through the API", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const problems: string[] = [];
    await watchPage(page, problems, /status of 40[0134]/);
    try {
      await signInToConsole(page, c.url, c.tokens.energy);
      await page.waitForSelector("#scheduleGrid .schedule-cell");
      // The critical point is not schedulable; the others are.
      expect(await page.locator("#schedulePoint option").allTextContents()).toEqual([
        "lighting",
        "heating_setpoint_c",
      ]);
      await page.selectOption("#schedulePoint", "heating_setpoint_c");
      expect(await page.locator("#scheduleGrid .schedule-cell").count()).toBe(7 * 24);
      expect(await page.locator('#scheduleGrid [aria-pressed="true"]').count()).toBe(0);
      expect(await page.locator("#scheduleEditor").textContent()).toContain("Отметьте часы присутствия");
      // Usable on a phone: 24 hours across 390 px, each a target of its own.
      const first = await centre(page, 1, 0);
      expect(first.width).toBeGreaterThanOrEqual(9);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(
        true,
      );

      await page.fill("#scheduleBrush", "20");
      await page.fill("#scheduleOtherwise", "16");
      // Monday 08:00–11:00 by dragging across three hours (on screen first: the mouse goes where the page is).
      await page.locator("#scheduleGrid").scrollIntoViewIfNeeded();
      const from = await centre(page, 1, 8);
      const to = await centre(page, 1, 10);
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, { steps: 10 });
      await page.mouse.up();
      // Tuesday 09:00 by a click; Monday 11:00 marked, then cleared again by a click on it.
      await cell(page, 2, 9).click();
      await cell(page, 1, 11).click();
      expect(await cell(page, 1, 11).getAttribute("aria-pressed")).toBe("true");
      await cell(page, 1, 11).click();
      // Saturday morning at a lower value.
      await page.fill("#scheduleBrush", "18");
      const sat = await centre(page, 6, 9);
      const satEnd = await centre(page, 6, 10);
      await page.mouse.move(sat.x, sat.y);
      await page.mouse.down();
      await page.mouse.move(satEnd.x, satEnd.y, { steps: 5 });
      await page.mouse.up();
      const pressed = await page
        .locator('#scheduleGrid [aria-pressed="true"]')
        .evaluateAll((els) =>
          els.map((e) => `${(e as HTMLElement).dataset.day}/${(e as HTMLElement).dataset.hour}`),
        );
      expect(pressed).toEqual(["1/8", "1/9", "1/10", "2/9", "6/9", "6/10"]);

      const before = await page.locator("#scheduleExceptions [data-exception]").count();
      await page.click("#addException");
      const added = page.locator("#scheduleExceptions [data-exception]").last();
      await added.locator('input[type="date"]').first().fill("2027-01-07");
      await added.locator('input[type="date"]').last().fill("2027-01-08");
      await added.locator('input[type="text"]').fill("Рождество");
      expect(await page.locator("#scheduleExceptions [data-exception]").count()).toBe(before + 1);

      await page.click("#scheduleSave");
      await page.waitForSelector("text=Изменено");

      const saved = await fetch(`${c.url}/api/v1/control/schedules/H01`, { headers: c.auth(c.tokens.admin) });
      // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
      const { schedule } = (await saved.json()) as any;
      const heating = schedule.points.find((p: { point: string }) => p.point === "heating_setpoint_c");
      expect(heating).toEqual({
        point: "heating_setpoint_c",
        entries: [
          { days: [1], from: "08:00", to: "11:00", value: 20 },
          { days: [2], from: "09:00", to: "10:00", value: 20 },
          { days: [6], from: "09:00", to: "11:00", value: 18 },
        ],
        otherwise: 16,
      });
      // The template's lighting is kept as it was; the holiday is among the template's.
      expect(schedule.points.find((p: { point: string }) => p.point === "lighting").entries).toEqual([
        { days: [1, 2, 3, 4, 5], from: "08:00", to: "18:00", value: 1 },
      ]);
      expect(schedule.exceptions).toContainEqual({ from: "2027-01-07", to: "2027-01-08", name: "Рождество" });
      expect(schedule.exceptions).toHaveLength(before + 1);

      // In English, the saved schedule is what the grid shows; the keyboard marks an hour too.
      await page.click("#langSwitch");
      await page.waitForSelector("#scheduleGrid .schedule-cell");
      expect(await page.locator("#scheduleEditor").textContent()).toContain("Mark the occupied hours");
      await page.selectOption("#schedulePoint", "heating_setpoint_c");
      expect(await page.locator('#scheduleGrid [aria-pressed="true"]').count()).toBe(6);
      expect(await page.inputValue("#scheduleOtherwise")).toBe("16");
      await cell(page, 3, 10).focus();
      await page.keyboard.press("Enter");
      expect(await cell(page, 3, 10).getAttribute("aria-pressed")).toBe("true");
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(
        true,
      );
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);
});
