// The console against the running demo (`vetra demo` as a separate process,
// the way a person starts it) in real Chromium: each service company sees
// its own turbines only; sc-kavkaz finds T02's main-bearing alarm, confirms
// it in the spectrum view — the BPFO cursor at the BPFO of the simulator's
// bearing at the speed of the snapshot, with the envelope peak there — and
// acknowledges it; sc-step sees T05's imbalance and nothing of T02.
// Screenshots go to artifacts/console/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defectFrequenciesHz, TURBINE_POINTS } from "../simulators/turbine/physics.ts";
import { browserRequired, launchChromium } from "./helpers/browser.ts";
import { pixelOf, readCursor } from "./helpers/console.ts";
import { type DemoProcess, startDemoProcess } from "./helpers/demo.ts";

const SHOTS = join(import.meta.dirname, "..", "artifacts", "console");

interface Alarm {
  id: string;
  asset: string;
  point: string;
  fault: string;
  state: string;
  ackComment: string | null;
}

describe.skipIf(!browserRequired())("console on the demo (sc-kavkaz, sc-step)", () => {
  let demo: DemoProcess;
  let browser: Browser;

  const api = async <T>(path: string, token: string): Promise<T> => {
    const res = await fetch(`${demo.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  /** Polls the API until `found` holds (the edge needs a few blocks to name a fault). */
  const until = async <T>(read: () => Promise<T>, found: (v: T) => boolean, what: string, ms = 150_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (found(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const signIn = async (page: Page, token: string) => {
    await page.goto(`${demo.url}/#/fleet`);
    await page.waitForSelector("#login:not([hidden])");
    await page.fill("#token", token);
    await page.click("#loginButton");
    await page.waitForSelector("#nav:not([hidden])");
  };
  const tiles = (page: Page) =>
    page.$$eval(".tile[data-asset]", (els) => els.map((e) => (e as HTMLElement).dataset.asset!).sort());
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    demo = await startDemoProcess("embedded");
    browser = await launchChromium();
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    demo?.kill();
  });

  it("sc-kavkaz: T01–T03 only; T02's main-bearing alarm, its BPFO cursor at the simulator's BPFO; acknowledged in the page", {
    timeout: 240_000,
  }, async () => {
    const token = demo.tokens["sc-kavkaz"]!;
    const open = await until(
      () => api<{ alarms: Alarm[] }>("/api/v1/alarms?asset=T02&fault=bearing_outer_race", token),
      (r) => r.alarms.some((a) => a.point === "main_bearing"),
      "T02's outer-race alarm",
    );
    const alarm = open.alarms.find((a) => a.point === "main_bearing")!;
    await until(
      () =>
        api<{ snapshots: { diagnoses: { fault: string }[] }[] }>(
          "/api/v1/assets/T02/spectrum?point=main_bearing",
          token,
        ),
      (r) => r.snapshots[0]?.diagnoses.some((d) => d.fault === "bearing_outer_race") ?? false,
      "a T02 snapshot with the diagnosis",
    );

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await signIn(page, token);
      expect(await page.textContent("#who")).toBe("ООО «Кавказ Ветросервис»");
      await page.waitForSelector('.tile[data-asset="T02"]');
      expect(await tiles(page)).toEqual(["T01", "T02", "T03"]);
      // The faulty turbine is coloured by its open alarm (warning or alarm, as the edge rates it now),
      // the healthy ones are not.
      const worst = (id: string) => page.getAttribute(`.tile[data-asset="${id}"]`, "data-worst");
      expect(["warning", "alarm"]).toContain(await worst("T02"));
      expect([await worst("T01"), await worst("T03")]).toEqual(["ok", "ok"]);
      await shot(page, "demo-kavkaz-fleet");

      await page.click('#nav a[href="#/alarms"]');
      const row = `#alarmRows tr[data-id="${alarm.id}"]`;
      await page.waitForSelector(row);
      expect(
        await page.$$eval("#alarmRows tr[data-id]", (trs) =>
          trs.every((tr) => /^T0[123]:/.test((tr as HTMLElement).dataset.id!)),
        ),
      ).toBe(true);
      await shot(page, "demo-kavkaz-alarms");

      // From the alarm to its evidence, the way an analyst goes.
      await page.click(`${row} a[href^="#/alarm/"]`);
      await page.waitForSelector("#alarmDetail");
      await page.click('#alarmDetail a[href="#/spectrum/T02/main_bearing"]');
      const cursor = '#envelopeChart .cursor[data-marker="BPFO"][data-harmonic="1"]';
      await page.waitForSelector(cursor);
      const seen = await readCursor(page, cursor, "envelope");
      // BPFO from the simulator's bearing geometry at the speed the snapshot was taken at.
      const bpfo = defectFrequenciesHz(TURBINE_POINTS.main_bearing.bearing, seen.rpm! / 60).bpfo;
      expect(Math.abs(seen.hz - bpfo)).toBeLessThanOrEqual(seen.dfHz);
      expect(Math.abs(seen.left - pixelOf(seen))).toBeLessThan(1.5);
      // The chart the analyst sees peaks there: the largest value within ±3 bins of BPFO stands well
      // above the trough (the lowest value) between it and its second harmonic.
      const bin = (hz: number) => Math.round(hz / seen.dfHz);
      const near = Math.max(...seen.values.slice(Math.max(1, bin(bpfo) - 3), bin(bpfo) + 4));
      const between = seen.values.slice(bin(1.3 * bpfo), bin(1.7 * bpfo) + 1).sort((a, b) => a - b);
      expect(near).toBeGreaterThan(10 * between[0]!);
      await shot(page, "demo-kavkaz-T02-spectrum");

      await page.click('#nav a[href="#/alarms"]');
      await page.waitForSelector(`${row} button[data-action="ack"]`);
      await page.click(`${row} button[data-action="ack"]`);
      await page.fill('form[data-form="ack"] input[name="comment"]', "Подтверждено по спектру огибающей");
      await page.click('form[data-form="ack"] button[type="submit"]');
      await page.waitForSelector(`${row}[data-state="acknowledged"]`);
      await shot(page, "demo-kavkaz-acknowledged");
    } finally {
      await page.close();
    }
    const after = await api<{ alarm: Alarm }>(`/api/v1/alarms/${encodeURIComponent(alarm.id)}`, token);
    expect(after.alarm).toMatchObject({
      state: "acknowledged",
      ackComment: "Подтверждено по спектру огибающей",
    });
  });

  it("sc-step: T04–T06 only, T05's imbalance, and no T02 anywhere", { timeout: 180_000 }, async () => {
    const token = demo.tokens["sc-step"]!;
    const imbalance = await until(
      () => api<{ alarms: Alarm[] }>("/api/v1/alarms?asset=T05&fault=imbalance", token),
      (r) => r.alarms.length > 0,
      "T05's imbalance alarm",
    );
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await signIn(page, token);
      expect(await page.textContent("#who")).toBe("АО «Степной Энергосервис»");
      await page.waitForSelector('.tile[data-asset="T05"]');
      expect(await tiles(page)).toEqual(["T04", "T05", "T06"]);
      await shot(page, "demo-step-fleet");

      await page.click('#nav a[href="#/alarms"]');
      await page.waitForSelector(`#alarmRows tr[data-id="${imbalance.alarms[0]!.id}"]`);
      await page.selectOption("#alarmState", "all");
      await page.waitForSelector('th[data-sort="severity"]');
      await page.waitForSelector(`#alarmRows tr[data-id="${imbalance.alarms[0]!.id}"]`);
      const ids = await page.$$eval("#alarmRows tr[data-id]", (trs) =>
        trs.map((tr) => (tr as HTMLElement).dataset.id!),
      );
      expect(ids.every((id) => /^T0[456]:/.test(id))).toBe(true);
      expect(await page.textContent("#app")).not.toContain("T02");
      await shot(page, "demo-step-alarms");

      // Another company's turbine does not exist for this one, not even by its address.
      await page.goto(`${demo.url}/#/asset/T02`);
      await page.waitForSelector("#app .error");
      expect(await page.$("#assetHead")).toBeNull();
      // The spectrum view answers as for a turbine that does not exist (not "no spectrum yet").
      await page.goto(`${demo.url}/#/spectrum/T02/main_bearing`);
      await page.waitForSelector("#app p.error");
      expect(await page.$("#noSpectrum")).toBeNull();
      expect(await page.$("#envelopeChart")).toBeNull();
    } finally {
      await page.close();
    }
  });
});
