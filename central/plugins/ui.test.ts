// The console page in a real browser against a real listening central.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserRequired, launchChromium } from "../../test/helpers/browser.ts";
import { parseCentralConfig } from "../config.ts";
import { type RunningCentral, startCentral } from "../server.ts";
import { FIXTURE_FLEET } from "../test-fixture.ts";

describe.skipIf(!browserRequired())("console page (/)", () => {
  let dir: string;
  let central: RunningCentral;
  let browser: Browser;
  let token: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-ui-"));
    central = await startCentral(parseCentralConfig({ server: { port: 0 }, dataDir: dir, ...FIXTURE_FLEET }));
    token = central.meta.createToken({ role: "service_company", tenant: "sc-north", label: "ui test" });
    const ts = Date.now() - 60_000;
    const written = await central.store.write([
      {
        measurement: "vibration",
        tags: { site: "wf1", asset: "T01", point: "main_bearing" },
        fields: { v_rms_mm_s: 7.25, iso_zone: 4 },
        ts,
      },
      {
        measurement: "scada",
        tags: { site: "wf1", asset: "T01" },
        fields: { power_kw: 1234, wind_speed_m_s: 10 },
        ts,
      },
    ]);
    expect(written.kind).toBe("success");
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await central?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows the caller's assets with zones and values, in English on request", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${central.url}/?lang=en&token=${encodeURIComponent(token)}`);
      await page.waitForSelector("#assets tr");
      const assets = await page.textContent("#assets");
      expect(assets).toContain("Turbine 1");
      expect(assets).toContain("Turbine 3");
      expect(assets).not.toContain("Turbine 2"); // another tenant's
      expect(assets).toContain("7.25 mm/s");
      expect(assets).toContain("1234.0 kW");
      expect(await page.textContent("#assets .zD")).toBe("D");
      expect(await page.textContent("#alarms")).toContain("alarm");
      // The zone's alarm is named as the standard's overall vibration, not a bearing or shaft fault.
      expect(await page.textContent("#alarms")).toContain("overall vibration");
      expect(await page.textContent("h1")).toBe("Vetra — asset condition");
    } finally {
      await page.close();
    }
  });

  it("speaks Russian by default: point names, units and kinds", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${central.url}/?token=${encodeURIComponent(token)}`);
      await page.waitForSelector("#assets tr");
      const assets = await page.textContent("#assets");
      expect(assets).toContain("Главный подшипник");
      expect(assets).toContain("7.25 мм/с");
      expect(assets).toContain("1234.0 кВт");
      expect(assets).toContain("ветроустановка");
      expect(await page.textContent("#alarms")).toContain("авария");
      expect(await page.textContent("#alarms")).toContain("общий уровень вибрации");
    } finally {
      await page.close();
    }
  });

  it("asks for a token when none is known, in Russian by default", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${central.url}/`);
      await page.waitForSelector("#login:not([hidden])");
      expect(await page.textContent("label[for=token]")).toBe("Токен доступа");
    } finally {
      await page.close();
    }
  });
});
