// The console's control page (#/control) in real Chromium against a real
// central, at a phone's 390 px: an energy manager signs in, sees its
// facility's points with their limits and holders, sends a command, assigns
// the template's schedule and a demand limit — in Russian and in English,
// with no CSP violation and no script error; its alarm list names the
// facility's alarms and links each to the facility's control page (it has no
// asset page); the ministry reads without forms.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserRequired, launchChromium, signInToConsole } from "./helpers/browser.ts";
import { startTestCentral, type TestCentral } from "./helpers/central.ts";
import { facilityPoints, TestControlAgent } from "./helpers/control-agent.ts";
import { watchPage } from "./helpers/page-watch.ts";

describe.skipIf(!browserRequired())("control page in the console", () => {
  let c: TestCentral;
  let browser: Browser;
  let agent: TestControlAgent;
  beforeAll(async () => {
    c = await startTestCentral();
    agent = new TestControlAgent(
      c.url,
      await c.meta.tokens.create({ role: "agent", site: "fac-h01", label: "edge h01" }),
      facilityPoints("H01", ["hvac_mode"]),
    );
    await agent.sync({
      states: [
        {
          asset: "H01",
          point: "heating_setpoint_c",
          effective: { value: 21, holder: "schedule", priority: "schedule" },
          actual: 20.6,
          at: Date.now(),
        },
      ],
    });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  const watched = async (): Promise<{ page: Page; problems: string[] }> => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const problems: string[] = [];
    await watchPage(page, problems, /status of 40[0134]/);
    return { page, problems };
  };
  const noSidewaysScroll = (page: Page) =>
    page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

  it("lets the energy manager command a point, assign the template's schedule and a demand limit, in Russian then English", async () => {
    const { page, problems } = await watched();
    try {
      await signInToConsole(page, c.url, c.tokens.energy);
      await page.waitForSelector("#controlPoints tr[data-point]");
      expect(page.url()).toContain("#/control");
      // Its navigation is control only; its facility alone.
      expect(await page.locator("#nav a").allTextContents()).toEqual(["Тревоги", "Управление"]);
      expect(await page.locator("#controlFacility option").allTextContents()).toEqual(["Hospital 1 (H01)"]);
      expect(await page.locator("#controlPoints tr[data-point]").count()).toBe(3);
      const heating = page.locator('#controlPoints tr[data-point="heating_setpoint_c"]');
      expect(await heating.textContent()).toContain("12 °C … 26 °C");
      expect(await heating.textContent()).toContain("расписание (schedule)");
      expect(await heating.textContent()).toContain("20,6 °C");
      expect(await page.locator('#controlPoints tr[data-point="hvac_mode"]').textContent()).toContain(
        "критическая",
      );

      await page.selectOption('#commandForm select[name="point"]', "heating_setpoint_c");
      await page.fill('#commandForm input[name="value"]', "19");
      await page.fill('#commandForm input[name="reason"]', "ночное снижение");
      await page.click("#commandForm button.primary");
      await page.waitForSelector("#controlHistory tr[data-command]");
      expect(await page.locator("#controlHistory tr[data-command]").first().textContent()).toContain(
        "запрошена",
      );
      // Out of range: the API's refusal is shown beside the form.
      await page.fill('#commandForm input[name="value"]', "40");
      await page.fill('#commandForm input[name="reason"]', "x");
      await page.click("#commandForm button.primary");
      await page.waitForSelector("#commandForm .error:text-matches('outside')");

      await page.click("#scheduleFromTemplate");
      await page.click("#scheduleSave");
      await page.waitForSelector("text=Изменено");
      await page.fill('#limitForm input[name="limitKw"]', "250");
      await page.fill('#limitForm input[name="sheds"]', "lighting:0");
      await page.click("#limitForm button.primary");
      await page.waitForSelector("text=250 kW / 15 мин");
      expect(await noSidewaysScroll(page)).toBe(true);

      await page.click("#langSwitch");
      await page.waitForSelector("#nav a >> text=Control");
      await page.waitForSelector("#controlPoints tr[data-point]");
      expect(await page.locator("#app h1").first().textContent()).toBe("Control");
      expect(await page.locator("#controlHistory").textContent()).toContain("requested");
      expect(await noSidewaysScroll(page)).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
    // What the page sent is what the agent gets.
    const desired = (await agent.sync()).body;
    expect(desired.commands.map((x) => [x.point, x.value])).toEqual([["heating_setpoint_c", 19]]);
    expect(desired.schedules.H01?.template).toBe("hospital");
    expect(desired.limits.H01?.sheds).toEqual([{ point: "lighting", shedValue: 0 }]);
  });

  it("shows the energy manager its facility's comfort alarm by name, live, in Russian then English, and no turbine's", async () => {
    const { page, problems } = await watched();
    try {
      await signInToConsole(page, c.url, c.tokens.energy, "#/alarms");
      await page.waitForSelector("#alarmRows");
      // Raised while the page is open: the live feed brings it (the evaluator has nothing of its own here).
      const now = Date.now();
      const routeOf = (asset: string) => {
        const a = c.config.assets.find((x) => x.id === asset);
        return a ? { company: a.tenant, site: a.site, responseTimeMs: 3_600_000 } : null;
      };
      await c.central.app.service.book.reconcile(
        [
          {
            asset: "H01",
            point: "indoor_temp_c",
            fault: "comfort",
            severity: "warning",
            sinceMs: now - 60_000,
            isoZone: null,
            kind: "comfort",
          },
          {
            asset: "T01",
            point: "main_bearing",
            fault: "overall_vibration",
            severity: "alarm",
            sinceMs: now - 60_000,
            isoZone: "D",
          },
        ],
        now,
        { clearAfterMs: 24 * 3_600_000, routeOf },
      );
      const row = page.locator("#alarmRows tr[data-id]");
      await row.first().waitFor();
      expect(await row.count()).toBe(1);
      expect(await row.first().textContent()).toContain("температура в помещении вне нормы");
      expect(await row.first().textContent()).not.toContain("comfort");
      expect(await row.first().textContent()).toContain("температура в помещении");
      expect(await row.first().textContent()).not.toContain("indoor_temp_c");
      // Reading only: no acknowledge or assign for it.
      expect(await page.locator("#alarmRows [data-action]").count()).toBe(0);
      await page.click("#langSwitch");
      await page.waitForSelector("#alarmRows tr[data-id] >> text=room temperature out of its band");
      expect(await page.locator("#alarmRows tr[data-id]").count()).toBe(1);
      expect(await noSidewaysScroll(page)).toBe(true);
      // The facility's name opens what an energy manager may open: the facility's control page.
      const facility = page.locator("#alarmRows tr[data-id] td:nth-child(2) a");
      expect(await facility.getAttribute("href")).toBe("#/control/H01");
      await facility.click();
      await page.waitForSelector("#controlPoints tr[data-point]");
      expect(page.url()).toMatch(/#\/control\/H01$/);
      expect(await page.locator("#controlFacility").inputValue()).toBe("H01");
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("shows the ministry the same state without any form", async () => {
    const { page, problems } = await watched();
    try {
      await signInToConsole(page, c.url, c.tokens.ministry, "#/control/H01");
      await page.waitForSelector("#controlPoints tr[data-point]");
      expect(await page.locator("#commandForm, #scheduleForm, #limitForm, [data-relinquish]").count()).toBe(
        0,
      );
      expect(await page.locator("#controlHistory tr[data-command]").count()).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
