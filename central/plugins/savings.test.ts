// The savings report route and the /reports page against a real embedded
// store holding simulator history with a measure of known size.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hourlyHistory } from "../../simulators/facility/model.ts";
import { browserRequired, launchChromium } from "../../test/helpers/browser.ts";
import { FIXTURE_FLEET } from "../../test/helpers/central-fixture.ts";
import { horizontalOverflow, isClickable, offlinePage, VIEWPORTS } from "../../test/helpers/page-checks.ts";
import { pdftotextNumber } from "../../test/helpers/pdftotext.ts";
import { docsScreenshot } from "../../test/helpers/screenshots.ts";
import { skipPdfText } from "../../test/helpers/service-files.ts";
import { parseCentralConfig } from "../config.ts";
import { historyPoints, writeAll } from "../savings/backfill.ts";
import { type RunningCentral, startCentral } from "../server.ts";

// H01 is a hospital on site fac-h01 (Europe/Moscow, UTC+3) in the fixture.
const FROM = new Date("2024-12-31T21:00:00Z");
const MEASURE = new Date("2025-12-31T21:00:00Z");
const TO = new Date("2026-10-31T21:00:00Z");
const SAVING = 0.12;
const SEED = 5;

describe("savings report (GET /api/v1/savings/report, /reports)", () => {
  let dir: string;
  let central: RunningCentral;
  let tokens: { admin: string; ministry: string; north: string };
  let trueAvoided: number;
  const get = (path: string, token: string) =>
    fetch(`${central.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const q = `from=${MEASURE.toISOString()}&to=${TO.toISOString()}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-savings-"));
    central = await startCentral(
      parseCentralConfig({
        server: { port: 0 },
        dataDir: dir,
        ...FIXTURE_FLEET,
        savings: { tariff: { rubPerKwh: 8 }, emissionFactorKgCo2PerKwh: 0.5 },
      }),
    );
    tokens = {
      admin: await central.meta.tokens.create({ role: "admin", label: "a" }),
      ministry: await central.meta.tokens.create({ role: "ministry", label: "m" }),
      north: await central.meta.tokens.create({ role: "service_company", tenant: "sc-north", label: "n" }),
    };
    const rows = hourlyHistory({
      kind: "hospital",
      from: FROM,
      to: TO,
      seed: SEED,
      measure: { from: MEASURE, savingFraction: SAVING },
    });
    const w = await writeAll(central.store, historyPoints("H01", "fac-h01", rows));
    expect(w.kind).toBe("success");
    const counterfactual = hourlyHistory({ kind: "hospital", from: MEASURE, to: TO, seed: SEED }).reduce(
      (s, r) => s + r.kwh,
      0,
    );
    const actual = rows
      .filter((r) => Date.parse(r.timestamp) >= MEASURE.getTime())
      .reduce((s, r) => s + r.kwh, 0);
    trueAvoided = counterfactual - actual;
  }, 60_000);
  afterAll(async () => {
    await central?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("recovers the simulator's 12 % saving for the ministry, with money and CO2 from the config", async () => {
    const res = await get(`/api/v1/savings/report?facility=H01&${q}`, tokens.ministry);
    expect(res.status).toBe(200);
    const r = (await res.json()) as { [k: string]: number & boolean & string } & {
      avoided_kwh: number;
      baseline_kwh: number;
      uncertainty_kwh: number;
      savings_pct: number;
      co2_kg: number;
      money_rub: number;
    };
    expect(r.scope).toBe("facility");
    expect(r.model).toBe("hourly");
    // The Guideline 14 band covers the random error of the model; with the
    // simulator's small noise it is narrower than the TOWT form's own
    // misfit of the simulated hospital (cooling that scales with a continuous
    // occupancy), which stays below 0.5 % of the baseline.
    expect(Math.abs(r.avoided_kwh - trueAvoided)).toBeLessThanOrEqual(
      Math.max(r.uncertainty_kwh, 0.005 * r.baseline_kwh),
    );
    expect(r.savings_pct).toBeCloseTo(12, 0);
    expect(r.co2_kg).toBeCloseTo(r.avoided_kwh * 0.5, 6);
    expect(r.money_rub).toBeCloseTo(r.avoided_kwh * 8, 3);
    expect(r.ashrae14_pass).toBe(true);
    expect(r.baseline_from).toBe(FROM.toISOString());
  });

  it("portfolio without facility; service companies get 403; unknown facility 404; bad time 400", async () => {
    const p = (await (await get(`/api/v1/savings/report?${q}`, tokens.admin)).json()) as {
      scope: string;
      facilities: unknown[];
      portfolio: { facilities: number; savings_pct: number };
    };
    expect(p.scope).toBe("portfolio");
    expect(p.portfolio.facilities).toBe(1);
    expect(p.portfolio.savings_pct).toBeCloseTo(12, 0);
    expect((await get(`/api/v1/savings/report?${q}`, tokens.north)).status).toBe(403);
    expect((await get(`/api/v1/savings/report?facility=NOPE&${q}`, tokens.admin)).status).toBe(404);
    expect((await get("/api/v1/savings/report?from=yesterday", tokens.admin)).status).toBe(400);
    expect((await get("/api/v1/savings/report?format=xml", tokens.admin)).status).toBe(400);
  });

  it("CSV: one row per reporting hour, timestamp,actual_kwh,baseline_kwh, summing to the JSON figures", async () => {
    const csv = await (await get(`/api/v1/savings/report?facility=H01&format=csv&${q}`, tokens.admin)).text();
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toBe("timestamp,actual_kwh,baseline_kwh");
    const hours = (TO.getTime() - MEASURE.getTime()) / 3_600_000;
    expect(lines.length - 1).toBe(hours);
    const avoided = lines.slice(1).reduce((s, l) => {
      const [, a, b] = l.split(",");
      return s + Number(b) - Number(a);
    }, 0);
    expect(Math.abs(avoided - trueAvoided) / trueAvoided).toBeLessThan(0.01);
  });

  describe.skipIf(skipPdfText)("PDF", () => {
    for (const lang of ["ru", "en"] as const) {
      it(`${lang}: the text carries the title and the report's figures`, async () => {
        const json = (await (
          await get(`/api/v1/savings/report?facility=H01&${q}`, tokens.admin)
        ).json()) as Record<string, number>;
        const res = await get(
          `/api/v1/savings/report?facility=H01&format=pdf&lang=${lang}&${q}`,
          tokens.admin,
        );
        expect(res.headers.get("content-type")).toBe("application/pdf");
        const file = join(dir, `r-${lang}.pdf`);
        writeFileSync(file, Buffer.from(await res.arrayBuffer()));
        const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
        expect(text).toContain(lang === "ru" ? "Отчёт об экономии энергии" : "Energy savings report");
        expect(text).toContain(lang === "ru" ? "Сэкономлено, кВт·ч" : "Avoided energy, kWh");
        // Numbers grouped the report's way (ru: 5 155 670,5; en: 5,155,670.5), spaces as pdftotext gives them.
        const n = (v: number, digits: number) => pdftotextNumber(v, digits, lang);
        const plain = text.replace(/[\u00a0\u202f]/g, " ");
        expect(plain).toContain(`${n(json.avoided_kwh!, 0)} ± ${n(json.uncertainty_kwh!, 0)}`);
        expect(plain).toContain(n(json.savings_pct!, 1));
        expect(plain).toContain(n(json.avoided_kwh! * 8, 0)); // RUB at the configured 8 RUB/kWh
        expect(plain).toContain(n((json.avoided_kwh! * 0.5) / 1000, 1)); // tonnes of CO2 at 0.5 kg/kWh
        // Page 1 is the executive summary: the saving with its uncertainty, before the method.
        const first = execFileSync("pdftotext", ["-layout", "-f", "1", "-l", "1", file, "-"], {
          encoding: "utf8",
        }).replace(/[\u00a0\u202f]/g, " ");
        expect(first).toContain(n(json.avoided_kwh!, 0));
        expect(first).toContain(`± ${n(json.uncertainty_kwh!, 0)}`);
        expect(first).toContain(lang === "ru" ? "Что это значит" : "What it means");
        expect(first).toContain("Europe/Moscow (UTC+3)");
        expect(plain).toContain(n(100 * json.cv_rmse!, 1));
        expect(plain).toContain(lang === "ru" ? "01.01.2026 — 31.10.2026" : "2026-01-01 — 2026-10-31");
        expect(text).toContain("Hospital 1 (H01)");
      });
    }
  });

  describe("page in Chromium", { skip: !browserRequired() }, () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => browser?.close());

    /** Opens /reports signed in, the four dates typed as a person would (local dates, inclusive). */
    const open = async (viewport: { width: number; height: number }, lang: "ru" | "en") => {
      const { page, outside } = await offlinePage(browser, viewport, central.url);
      await page.goto(`${central.url}/reports${lang === "en" ? "?lang=en" : ""}`);
      await page.fill("#token", tokens.ministry);
      await page.click("#tokenForm button");
      await page.waitForSelector("#login[hidden]", { state: "attached" });
      await page.waitForSelector("#facility option[value=H01]", { state: "attached" });
      return { page, outside };
    };
    const setPeriods = async (page: Page, p: { from: string; to: string; bFrom: string; bTo: string }) => {
      await page.fill("#from", p.from);
      await page.fill("#to", p.to);
      await page.fill("#baselineFrom", p.bFrom);
      await page.fill("#baselineTo", p.bTo);
    };
    const PERIODS = { from: "2026-01-01", to: "2026-10-31", bFrom: "2025-01-01", bTo: "2025-12-31" };
    const show = async (page: Page) => {
      await page.evaluate(() => {
        delete document.body.dataset.state;
      });
      await page.click("#show");
      await page.waitForSelector("body[data-state]");
      return page.getAttribute("body", "data-state");
    };

    for (const vp of VIEWPORTS) {
      for (const lang of ["ru", "en"] as const) {
        it(`${vp.name} ${vp.width}×${vp.height}, ${lang}: fits, Show is reachable, states its periods, the saving and its chart`, async () => {
          const { page, outside } = await open(vp, lang);
          try {
            const ru = lang === "ru";
            expect(await page.textContent("h1")).toBe(
              ru ? "Vetra — экономия энергии" : "Vetra — energy savings",
            );
            // The defaults are filled in and explained, in the region's zone.
            expect(await page.inputValue("#from")).toMatch(/^\d{4}-01-01$/);
            expect(await page.textContent("#periodsNote")).toContain("Europe/Moscow");
            await setPeriods(page, PERIODS);
            await page.selectOption("#facility", "H01");
            expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
            // The facility select does not cover the Show button: the button is what is under its centre.
            expect(await isClickable(page, "#show")).toBe(true);
            expect(await show(page)).toBe("shown");
            expect(await page.textContent("#periodsShown")).toContain(
              ru ? "01.01.2025 — 31.12.2025" : "2025-01-01 — 2025-12-31",
            );
            expect(await page.textContent("#periodsShown")).toContain(
              ru ? "01.01.2026 — 31.10.2026" : "2026-01-01 — 2026-10-31",
            );
            expect(await page.textContent("#facilities")).toContain(ru ? "соответствует" : "pass");
            // The model central chose, in the page's language (central sends "hourly" / "daily").
            expect(await page.textContent("#facilities tr td:nth-child(2)")).toMatch(
              ru ? /^(почасовая|суточная)$/ : /^(hourly|daily)$/,
            );
            expect(await page.textContent("#summary")).toContain(ru ? "CO₂, т" : "CO₂ avoided, t");
            expect(await page.textContent("#meaning")).toMatch(
              ru ? /С вероятностью 90 %/ : /With 90 % confidence/,
            );
            expect(await page.locator("#baselineLine").count()).toBe(1);
            expect(await page.locator("#actualLine").count()).toBe(1);
            // The chart at its own pixel size (text not stretched), with several labels on each axis.
            const box = await page.locator("#chart").boundingBox();
            expect(Number(await page.getAttribute("#chart", "width"))).toBeCloseTo(box!.width, 0);
            expect(await page.locator("#chart text.y").count()).toBeGreaterThanOrEqual(4);
            expect(await page.locator("#chart text.x").count()).toBeGreaterThanOrEqual(
              vp.name === "phone" ? 3 : 6,
            );
            expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
            await page.evaluate(() => window.scrollTo(0, 0));
            await docsScreenshot(page, `reports-${vp.name}-${lang}`, { fullPage: vp.name === "desktop" });
            expect(outside).toEqual([]);
          } finally {
            await page.close();
          }
        });
      }
    }

    it("a period in the future is an empty state, a reversed one a message in the page's language", async () => {
      for (const lang of ["ru", "en"] as const) {
        const { page } = await open({ width: 390, height: 844 }, lang);
        try {
          const year = new Date().getUTCFullYear();
          await setPeriods(page, {
            from: `${year + 2}-01-01`,
            to: `${year + 2}-03-31`,
            bFrom: `${year + 1}-01-01`,
            bTo: `${year + 1}-12-31`,
          });
          expect(await show(page)).toBe("empty");
          expect(await page.textContent("#emptyText")).toContain(
            lang === "ru" ? "Отчётный период ещё не начался" : "The reporting period has not started yet",
          );
          expect(await page.isVisible("#summary")).toBe(false);
          expect(await page.locator(".fail:visible").count()).toBe(0);
          await setPeriods(page, { ...PERIODS, from: "2026-10-31", to: "2026-01-01" });
          expect(await show(page)).toBe("invalid");
          expect(await page.textContent("#formError")).toBe(
            lang === "ru"
              ? "Конец периода раньше его начала: проверьте даты."
              : "A period ends before it starts: check the dates.",
          );
          await setPeriods(page, { ...PERIODS, bTo: "2026-02-01" });
          expect(await show(page)).toBe("invalid");
          expect(await page.textContent("#formError")).toBe(
            lang === "ru"
              ? "Базовый период должен закончиться до начала отчётного."
              : "The baseline must end before the reporting period starts.",
          );
        } finally {
          await page.close();
        }
      }
    });

    it("downloads the CSV of the chosen facility", async () => {
      const { page } = await open({ width: 1440, height: 900 }, "ru");
      try {
        await setPeriods(page, PERIODS);
        await page.selectOption("#facility", "H01");
        const download = page.waitForEvent("download");
        await page.click("[data-format=csv]");
        expect((await download).suggestedFilename()).toMatch(/^savings-H01-.*\.csv$/);
      } finally {
        await page.close();
      }
    });
  });
});
