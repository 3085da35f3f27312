// The console speaks the reader's language and names what it shows, in real
// Chromium against a listening central (the fixture fleet; sc-north holds T01
// on "Wind farm 1"): central's refusals in the page's own words per error
// code, the notes central writes into an alarm's history, the alarm page
// naming the site as the list does, the zone alarm's evidence as the zone's
// own (band RMS, boundaries, standard — no demodulation band, no
// confidence), and every chart an image with a localised accessible name.
// The zone evidence is the edge's own (overallVibrationFinding on the default
// ISO 10816-21 table). README screenshots of the console: UPDATE_SCREENSHOTS=1.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SpectrumUpload } from "../../common/spectrum.ts";
import type { WirePoint } from "../../common/wire.ts";
import { overallVibrationFinding, velocityRow, zoneOf } from "../../edge-agent/diagnostics/zones.ts";
import { browserRequired, signInToConsole } from "../../test/helpers/browser.ts";
import {
  type ConsoleCentral,
  startConsoleCentral,
  t01MainBearingBlock,
} from "../../test/helpers/console-central.ts";
import { horizontalOverflow, VIEWPORTS } from "../../test/helpers/page-checks.ts";
import { docsScreenshot } from "../../test/helpers/screenshots.ts";
import { ERROR_TEXT } from "./lib/server-texts.js";

const MINUTE = 60_000;
const ROW = velocityRow("main_bearing");
/** Zone D: a fifth over the C/D boundary of the main bearing's velocity band. */
const RMS_MM_S = ROW.cd * 1.2;

function zoneSnapshot(ts: number): SpectrumUpload {
  const finding = overallVibrationFinding(
    [{ quantity: "velocity", bandHz: ROW.bandHz, rms: RMS_MM_S, unit: "mm/s", zone: zoneOf(RMS_MM_S, ROW) }],
    "main_bearing",
  );
  if (!finding) throw new Error("zone D gave no finding");
  const df = 0.25;
  const spectrum = Array.from({ length: 4000 }, (_, k) => (k * df < 10 ? 0 : 0.05 + (k % 7) / 100));
  spectrum[Math.round(30 / df)] = RMS_MM_S;
  return {
    asset: "T01",
    point: "main_bearing",
    ts,
    reason: "diagnosis_changed",
    snapshot: {
      speedRpm: 15.6,
      sampleRateHz: 25_600,
      samples: 65_536,
      spectrum: { df_hz: df, unit: "mm/s", values: spectrum },
      envelope: {
        df_hz: df,
        unit: "g2",
        values: Array.from({ length: 4000 }, () => 1e-5),
        band_hz: [300, 600],
      },
      markers: [{ label: "1×", kind: "shaft", harmonic: 1, frequency_hz: 0.26, spectrum: "spectrum" }],
      waveform: {
        unit: "g",
        dt_s: 32 / 25_600,
        min: Array.from({ length: 512 }, () => -0.3),
        max: Array.from({ length: 512 }, () => 0.3),
      },
    },
    diagnoses: [
      {
        fault: finding.fault,
        severity: finding.severity,
        confidence: finding.confidence,
        since: ts - 30 * MINUTE,
        evidence: { ...finding.evidence, detail: { ...finding.evidence.detail } } as never,
      },
    ],
  };
}

describe.skipIf(!browserRequired())("console in the reader's language, charts named (Chromium)", () => {
  let world: ConsoleCentral;
  const now = Date.now();
  const errors: string[] = [];

  const zoneAlarm = async () =>
    (
      await world.call<{ alarms: { id: string; point: string; site: string }[] }>(
        "/api/v1/alarms?fault=overall_vibration&asset=T01",
        world.f.tokens.north,
      )
    ).alarms.find((a) => a.point === "main_bearing")!;

  const open = async (hash: string, lang: "ru" | "en", width = 1400, height = 1000): Promise<Page> => {
    const page = await world.browser.newPage({ viewport: { width, height } });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" && !/status of 40[134]/.test(m.text())) errors.push(`console: ${m.text()}`);
    });
    await signInToConsole(page, world.url, world.f.tokens.north, lang === "en" ? "?lang=en" : "");
    await page.evaluate((h) => {
      location.hash = h;
    }, hash);
    return page;
  };

  beforeAll(async () => {
    world = await startConsoleCentral();
    const { ingest } = world;
    // An hour of blocks: T01's main bearing in zone D for its last 40 minutes.
    const points: WirePoint[] = [];
    for (let i = 60; i >= 1; i--) {
      const late = i <= 40;
      const v = late ? RMS_MM_S : ROW.ab * 0.8;
      points.push(t01MainBearingBlock(now - i * MINUTE, v, { kurtosis: 3.1, iso_zone: late ? 4 : 1 }));
    }
    /** 20 minutes of one point at a steady level in zone C, the newest `minutesAgo` old. */
    const steadyZoneC = (
      site: string,
      asset: string,
      point: string,
      v: number,
      minutesAgo: number,
    ): WirePoint[] =>
      Array.from({ length: 20 }, (_, i) => ({
        measurement: "vibration",
        tags: { site, asset, point },
        fields: { v_rms_mm_s: v, iso_zone: 3 },
        ts: now - (i + minutesAgo) * MINUTE,
      }));
    await ingest("wf1", `language-${now}`, points);
    // The rest of the company's fleet as a screenshot shows it: T01's gearbox and T03 in zone C.
    await ingest("wf1", `language-gearbox-${now}`, steadyZoneC("wf1", "T01", "gearbox_hss", 5.2, 1));
    await ingest("wf2", `language-wf2-${now}`, steadyZoneC("wf2", "T03", "main_bearing", 4.8, 3));
    await world.uploadSpectra([zoneSnapshot(now - MINUTE)]);
    await world.f.app.service.evaluator.evaluate();
  });

  afterAll(async () => world?.close());

  it("an unknown asset: central's NOT_FOUND in the page's own words, in Russian and in English", async () => {
    // What central answers: its code and an English message.
    const res = await fetch(`${world.url}/api/v1/assets/T04/health`, {
      headers: world.f.auth(world.f.tokens.north),
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.message).toMatch(/^[^А-Яа-яЁё]*$/);
    for (const [lang, want] of [
      ["ru", `Ошибка: ${ERROR_TEXT.NOT_FOUND![0]}: «T04»`],
      ["en", `Error: ${ERROR_TEXT.NOT_FOUND![1]}: “T04”`],
    ] as const) {
      const page = await open("#/asset/T04", lang);
      try {
        const box = page.locator('#app p.error[data-code="NOT_FOUND"]');
        await box.waitFor();
        expect(await box.textContent()).toBe(want);
        // Central's own message stays at hand as the tooltip.
        expect(await box.getAttribute("title")).toBe(body.error.message);
      } finally {
        await page.close();
      }
    }
  });

  it("a work order's note in the alarm's history reads in the page's language", async () => {
    const alarm = await zoneAlarm();
    const { workOrder } = await world.call<{ workOrder: { id: string } }>(
      `/api/v1/alarms/${encodeURIComponent(alarm.id)}/work-orders`,
      world.f.tokens.north,
      { title: "Проверить подшипник" },
    );
    for (const [lang, want] of [
      ["ru", `создан наряд ${workOrder.id}`],
      ["en", `work order ${workOrder.id} created`],
    ] as const) {
      const page = await open(`#/alarm/${encodeURIComponent(alarm.id)}`, lang);
      try {
        await page.waitForSelector('#alarmDetail ~ section tr[data-kind="comment"]');
        const comments = await page.$$eval('tr[data-kind="comment"]', (trs) =>
          trs.map((tr) => tr.textContent),
        );
        expect(comments.some((c) => c?.includes(want))).toBe(true);
      } finally {
        await page.close();
      }
    }
  });

  it("the alarm page names the site and the asset as the list does; a zone alarm shows the zone's own evidence", async () => {
    const alarm = await zoneAlarm();
    expect(alarm.site).toBe("wf1");
    for (const lang of ["ru", "en"] as const) {
      const page = await open(`#/alarm/${encodeURIComponent(alarm.id)}`, lang);
      try {
        await page.waitForSelector("#alarmEvidence dl");
        expect(await page.textContent("#alarmSite")).toBe("Wind farm 1");
        expect(await page.textContent("#alarmDetail h1")).toContain("Turbine 1");
        // The asset page the alarm links to names the site too.
        await page.click("#alarmDetail h1 a");
        await page.waitForSelector("#assetHead h1");
        expect(await page.textContent("#assetHead h1")).toContain("Wind farm 1");
        await page.goBack();
        await page.waitForSelector("#alarmEvidence dl");
        const evidence = (await page.textContent("#alarmEvidence"))!;
        const ru = lang === "ru";
        // The zone's own: its value, the boundary it crossed, all boundaries, the standard.
        expect(evidence).toContain(ru ? "СКЗ в полосе" : "RMS in the band");
        expect(evidence).toContain(ru ? "Превышена граница" : "Boundary exceeded");
        expect(evidence).toContain("C/D");
        expect(evidence).toContain("ISO 10816-21");
        const value = RMS_MM_S.toLocaleString(ru ? "ru-RU" : "en-GB", { maximumFractionDigits: 2 });
        expect(evidence).toContain(`${value} ${ru ? "мм/с" : "mm/s"}`);
        // Nothing of an envelope detection.
        for (const word of ru
          ? ["демодуляции", "Достоверность", "Гармоники", "Сигнал/шум"]
          : ["Demodulation", "Confidence", "Harmonics", "SNR"])
          expect(evidence).not.toContain(word);
      } finally {
        await page.close();
      }
    }
  });

  it("every chart is an image with a name in the page's language saying what it shows", async () => {
    for (const lang of ["ru", "en"] as const) {
      const ru = lang === "ru";
      const page = await open("#/spectrum/T01/main_bearing", lang);
      try {
        await page.waitForSelector("canvas[role=img]");
        // Velocity, envelope and the waveform of the snapshot.
        await page.waitForFunction(() => document.querySelectorAll("canvas[role=img]").length >= 3);
        const labels = await page.$$eval("canvas[role=img]", (cs) =>
          cs.map((c) => c.getAttribute("aria-label")),
        );
        expect(labels.every((l) => (l ?? "").length > 10)).toBe(true);
        const velocity = labels.find((l) =>
          l!.startsWith(ru ? "Спектр виброскорости" : "Velocity spectrum"),
        )!;
        expect(velocity).toBeDefined();
        expect(velocity).toContain(ru ? "Гц" : "Hz");
        expect(velocity).toContain(ru ? "Маркеры" : "Markers");
        expect(labels.some((l) => l!.startsWith(ru ? "Временная реализация" : "Time waveform"))).toBe(true);
      } finally {
        await page.close();
      }
      const trends = await open("#/trends/T01/main_bearing", lang);
      try {
        await trends.waitForSelector('#trendCharts [data-trend="v_rms_mm_s"] canvas[role=img]');
        const label = (await trends.getAttribute(
          '#trendCharts [data-trend="v_rms_mm_s"] canvas[role=img]',
          "aria-label",
        ))!;
        expect(label).toContain(ru ? "СКЗ виброскорости, мм/с" : "Velocity RMS, mm/s");
        // The span of the values, highest first seen in the data: the zone D level.
        expect(label).toContain(
          RMS_MM_S.toLocaleString(ru ? "ru-RU" : "en-GB", { maximumFractionDigits: 4 }),
        );
      } finally {
        await trends.close();
      }
      const waterfall = await open("#/waterfall/T01/main_bearing", lang);
      try {
        await waterfall.waitForSelector("#waterfallCanvas[role=img]");
        const label = (await waterfall.getAttribute("#waterfallCanvas", "aria-label"))!;
        expect(label).toContain(ru ? "Каскад спектров" : "Waterfall");
        expect(label).toContain(ru ? "Снимков: 1" : "Snapshots: 1");
      } finally {
        await waterfall.close();
      }
    }
  });

  it("README screenshots of the console (written with UPDATE_SCREENSHOTS=1 only)", async () => {
    for (const vp of VIEWPORTS)
      for (const lang of ["ru", "en"] as const) {
        const page = await open("#/alarms", lang, vp.width, vp.height);
        try {
          await page.waitForSelector("#alarmRows tr[data-id]");
          expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
          await docsScreenshot(page, `console-${vp.name}-${lang}`);
        } finally {
          await page.close();
        }
      }
  });

  it("raised no script errors", () => {
    expect(errors).toEqual([]);
  });
});
