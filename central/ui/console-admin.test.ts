// The console in real Chromium, continued (console.test.ts has the sign-in,
// fleet, alarm list, live alarms, spectrum, asset and alarm pages): language,
// administration, reports, work orders and alarm health, on a world set up
// the same way (test/helpers/console-fleet.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { browserRequired } from "../../test/helpers/browser.ts";
import { alarmsOf, call, errors, f, open, shot, useConsoleFleet } from "../../test/helpers/console-fleet.ts";

describe.skipIf(!browserRequired())(
  "console (/) in Chromium: language, administration, reports, work orders, alarm health",
  () => {
    useConsoleFleet();

    it("switches to English and remembers it across reloads", async () => {
      const page = await open("#/alarms", f.tokens.north);
      try {
        await page.waitForSelector("#alarmRows tr[data-id]");
        expect(await page.textContent('#nav a[href="#/alarms"]')).toBe("Тревоги");
        await page.click("#langSwitch");
        await page.waitForSelector('th[data-sort="severity"] button:text("Severity")');
        expect(await page.textContent('#nav a[href="#/alarms"]')).toBe("Alarms");
        expect(await page.textContent("#alarmRows")).toContain("bearing outer race");
        await page.reload();
        await page.waitForSelector("#alarmRows tr[data-id]");
        expect(await page.textContent('#nav a[href="#/fleet"]')).toBe("Fleet");
        expect(await page.textContent("#langSwitch")).toBe("Русский");
        await shot(page, "alarms-en");
        await page.click("#langSwitch");
        await page.waitForSelector('th[data-sort="severity"] button:text("Уровень")');
      } finally {
        await page.close();
      }
    });

    it("admin: connects a company and contracts a turbine to it through the forms", async () => {
      const page = await open("#/admin", f.tokens.admin);
      try {
        await page.waitForSelector("#companyForm");
        await page.fill('#companyForm input[name="id"]', "sc-west");
        await page.fill('#companyForm input[name="name"]', "West Wind Service");
        await page.fill('#companyForm input[name="email"]', "ops@west.example");
        await page.click('#companyForm button[class="primary"]');
        await page.waitForSelector('#adminCompanies tr[data-id="sc-west"]');
        await page.selectOption('#contractForm select[name="company"]', "sc-west");
        await page.check('#contractForm input[name="assets"][value="T03"]');
        await page.fill('#contractForm input[name="from"]', "2020-01-01");
        await page.fill('#contractForm input[name="to"]', "2020-12-31");
        await page.click('#contractForm button[class="primary"]');
        await page.waitForSelector('#adminContracts td:text("T03")');
        await shot(page, "admin");
      } finally {
        await page.close();
      }
      const { companies } = await call<{ companies: { id: string; email: string }[] }>(
        "/api/v1/companies",
        f.tokens.admin,
      );
      expect(companies.find((c) => c.id === "sc-west")?.email).toBe("ops@west.example");
      const { contracts } = await call<{ contracts: { company: string; assets: string[] }[] }>(
        "/api/v1/contracts?company=sc-west",
        f.tokens.admin,
      );
      expect(contracts).toMatchObject([{ company: "sc-west", assets: ["T03"] }]);
    });

    it("reports: downloads the monthly service report of the picked month", async () => {
      const page = await open("#/reports", f.tokens.north);
      try {
        await page.waitForSelector("#reportMonth");
        const month = new Date().toISOString().slice(0, 7);
        await page.fill("#reportMonth", month);
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page.click('button[data-format="json"]'),
        ]);
        expect(download.suggestedFilename()).toBe(`service-report-sc-north-${month}.json`);
        const path = await download.path();
        const report = JSON.parse(readFileSync(path, "utf8")) as { company: { id: string }; month: string };
        expect(report.company.id).toBe("sc-north");
        expect(report.month).toBe(month);
        // The preview: T01's zone D on its main bearing makes its recommendation immediate.
        await page.click("#reportShow");
        const urgent = await page.waitForSelector('#reportPreview tr[data-urgency="immediate"]');
        expect(await urgent.textContent()).toMatch(/Turbine 1 \(T01\)тревога — Зона D по ISO 10816-21/);
      } finally {
        await page.close();
      }
    });

    it("opens a work order from the alarm page and moves it along on the work-orders page", async () => {
      const target = (await alarmsOf(f.tokens.north, "?fault=bearing_outer_race"))[0]!;
      const page = await open(`#/alarm/${encodeURIComponent(target.id)}`, f.tokens.north);
      try {
        await page.click('#alarmActions button[data-action="work-order"]');
        await page.fill('form[data-form="work-order"] input[name="title"]', "Заменить главный подшипник");
        await page.fill('form[data-form="work-order"] input[name="assignee"]', "Петров П. П.");
        await page.click('form[data-form="work-order"] button.primary');
        const created = await page.waitForSelector('#workOrderTable tr[data-state="open"]');
        const id = (await created.getAttribute("data-id"))!;
        await page.click('#nav a[href="#/work-orders"]');
        const row = `#workOrderTable tr[data-id="${id}"]`;
        await page.waitForSelector(row);
        await page.click(`${row} button[data-action="in_progress"]`);
        await page.waitForSelector(`${row}[data-state="in_progress"]`);
        await page.fill(`${row} input`, "Износ наружного кольца подтверждён");
        await page.click(`${row} button[data-action="done"]`);
        await page.waitForSelector(`${row}[data-state="done"]`);
        const [pdf] = await Promise.all([
          page.waitForEvent("download"),
          page.click(`${row} button[data-format="pdf"]`),
        ]);
        expect(pdf.suggestedFilename()).toBe(`work-order-${id}.pdf`);
        expect(readFileSync(await pdf.path(), "latin1").startsWith("%PDF-")).toBe(true);
        await shot(page, "work-orders");
        const { workOrder } = await call<{
          workOrder: { alarm: string; state: string; title: string; assignee: string; findings: string };
        }>(`/api/v1/work-orders/${id}`, f.tokens.north);
        expect(workOrder).toMatchObject({
          alarm: target.id,
          state: "done",
          title: "Заменить главный подшипник",
          assignee: "Петров П. П.",
          findings: "Износ наружного кольца подтверждён",
        });
      } finally {
        await page.close();
      }
    });

    it("alarm health: the figures against their targets, per company and turbine, the bad actors, at 390 px, in both languages", async () => {
      // A chattering alarm straight into the book (as an alarm system without delays would have it): T03's
      // looseness raised and cleared three times within a second, cleared at the end.
      const { book, evaluator } = f.app.service;
      const policy = { clearAfterMs: 0, routeOf: await evaluator.routes() };
      const looseness = {
        asset: "T03",
        point: "main_bearing",
        fault: "looseness",
        severity: "warning" as const,
        isoZone: null,
      };
      const t = Date.now();
      for (let i = 0; i < 6; i++)
        expect(
          (await book.reconcile(i % 2 === 0 ? [{ ...looseness, sinceMs: t }] : [], t + i, policy)).applied,
        ).toBe(true);
      const api = await call<{
        totals: { annunciations: number; chattering: number; averagePer10Min: number };
        assets: { asset: string; annunciations: number }[];
        badActors: { key: string; annunciations: number }[];
      }>("/api/v1/alarms/health", f.tokens.north);
      expect(api.totals.chattering).toBe(1);
      expect(api.badActors[0]).toMatchObject({ key: "T03:main_bearing:looseness", annunciations: 3 });

      const page = await open("#/alarm-health", f.tokens.north);
      try {
        await page.waitForSelector("#healthFigures .tile");
        expect(await page.textContent("#app h1")).toBe("Качество сигнализации");
        const figures = await page.$$eval("#healthFigures .tile", (els) =>
          els.map((e) => [(e as HTMLElement).dataset.figure, (e as HTMLElement).dataset.over]),
        );
        expect(figures).toEqual([
          ["average", String(api.totals.averagePer10Min > 1)],
          ["peak", "false"],
          ["chattering", "true"],
          ["stale", "false"],
        ]);
        expect(await page.textContent('#healthFigures [data-figure="chattering"] .figure')).toBe("1");
        // A service company sees no per-company table: it is the one operator.
        expect(await page.$("#healthCompanies")).toBeNull();
        const assets = await page.$$eval("#healthAssets tbody tr", (trs) =>
          trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent]),
        );
        expect(assets).toEqual(api.assets.map((a) => [a.asset, String(a.annunciations)]));
        expect(await page.getAttribute("#healthBadActors tbody tr", "data-key")).toBe(
          "T03:main_bearing:looseness",
        );
        expect(await page.textContent("#healthChattering")).toContain("T03");
        await shot(page, "alarm-health");
        // Usable on a phone: nothing wider than the screen but the tables' own scrolling.
        await page.setViewportSize({ width: 390, height: 844 });
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        await shot(page, "alarm-health-390");
        await page.click("#langSwitch");
        await page.waitForSelector('#app h1:text("Alarm system health")');
        expect(await page.textContent('#nav a[href="#/alarm-health"]')).toBe("Alarm health");
      } finally {
        await page.close();
      }
      // Admin and the ministry see each company as an operator.
      const admin = await open("#/alarm-health", f.tokens.ministry);
      try {
        await admin.waitForSelector("#healthCompanies tbody tr");
        expect(await admin.textContent("#healthCompanies")).toContain("North Wind Service");
      } finally {
        await admin.close();
      }
    });

    it("raised no script errors on any page", () => {
      expect(errors).toEqual([]);
    });
  },
);
