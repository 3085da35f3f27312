// The analyst's views of the console in real Chromium against a listening
// central (the fixture fleet; sc-north holds T01): trends with the ISO zone
// boundaries and the alarm markers where uPlot puts their values, the
// waterfall of a point's snapshots, the baseline overlay, the order axis,
// the spectrum's opening range and labels that never overlap — on a desktop
// and at 390 px, without script errors. Data is ingested as an agent sends
// it; the alarm comes from the real evaluator. Screenshots go to
// artifacts/console/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SpectrumUpload } from "../../common/spectrum.ts";
import type { WirePoint } from "../../common/wire.ts";
import { browserRequired } from "../../test/helpers/browser.ts";
import {
  type ConsoleCentral,
  startConsoleCentral,
  t01MainBearingBlock,
} from "../../test/helpers/console-central.ts";
import { watchPage } from "../../test/helpers/page-watch.ts";

const SHOTS = join(import.meta.dirname, "..", "..", "artifacts", "console");
const MIN = 60_000;
const SPEED_RPM = 15.6;
const SHAFT_HZ = SPEED_RPM / 60;
const BPFO_ORDER = 8.93;
const DF = 0.05;
const BINS = 4000;
/** Velocity lines of every snapshot: 30 Hz at 1 mm/s; a 120 Hz line that grows snapshot by snapshot. */
const LINE_HZ = 30;
const GROWING_HZ = 120;
const SNAPSHOTS = 6;
const growing = (i: number) => 0.1 * (i + 1);

let seed = 3;
const noise = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};

function snapshot(i: number, ts: number, reason: SpectrumUpload["reason"] = "scheduled"): SpectrumUpload {
  // Zero below the velocity band's high-pass (10 Hz), a noise floor, and the two lines.
  const spectrum = Array.from({ length: BINS }, (_, k) => (k * DF < 10 ? 0 : 0.01 * (1 + noise())));
  spectrum[Math.round(LINE_HZ / DF)] = 1;
  spectrum[Math.round(GROWING_HZ / DF)] = growing(i);
  const envelope = Array.from({ length: BINS }, () => 1e-5 * (1 + noise()));
  const bpfoHz = SHAFT_HZ * BPFO_ORDER;
  for (let h = 1; h <= 8; h++) envelope[Math.round((h * bpfoHz) / DF)] = 2e-3 / h;
  // A crowded comb: BPFO's harmonics with BPFI, BSF, FTF and sidebands among them.
  const marker = (kind: "bpfo" | "bpfi" | "bsf" | "ftf" | "sideband", order: number, harmonic: number) => ({
    label: `${harmonic === 1 ? "" : `${harmonic}×`}${kind.toUpperCase()}`,
    kind,
    harmonic,
    frequency_hz: Number((harmonic * order * SHAFT_HZ).toFixed(3)),
    spectrum: "envelope" as const,
  });
  return {
    asset: "T01",
    point: "main_bearing",
    ts,
    reason,
    snapshot: {
      speedRpm: SPEED_RPM,
      sampleRateHz: 25_600,
      samples: 65_536,
      spectrum: {
        df_hz: DF,
        unit: "mm/s",
        values: reason === "baseline" ? spectrum.map((v) => v / 2) : spectrum,
      },
      envelope: { df_hz: DF, unit: "g2", values: envelope, band_hz: [300, 600] },
      markers: [
        ...[1, 2, 3, 4, 5, 6, 7, 8].map((h) => marker("bpfo", BPFO_ORDER, h)),
        ...[1, 2, 3, 4].map((h) => marker("bpfi", 11.07, h)),
        ...[1, 2, 3].map((h) => marker("bsf", 3.95, h)),
        ...[1, 2].map((h) => marker("ftf", 0.4, h)),
        ...[1, 2, 3].map((h) => ({
          label: `${h}×`,
          kind: "shaft" as const,
          harmonic: h,
          frequency_hz: h * SHAFT_HZ,
          spectrum: "spectrum" as const,
        })),
      ],
      ...(reason === "baseline"
        ? {}
        : {
            waveform: {
              unit: "g" as const,
              dt_s: 32 / 25_600,
              min: Array.from({ length: 2048 }, (_, k) => -0.2 - (k === 1000 ? 2 : 0)),
              max: Array.from({ length: 2048 }, (_, k) => 0.2 + (k === 1000 ? 3 : 0)),
            },
          }),
    },
    diagnoses: [],
  };
}

interface Chart {
  scales: { x: { min: number; max: number }; y: { min: number; max: number } };
  over: HTMLElement;
  series: unknown[];
  valToPos(v: number, scale: string): number;
}

describe.skipIf(!browserRequired())("analyst views in Chromium", () => {
  let world: ConsoleCentral;
  let batch = 0;
  const now = Date.now();
  const snapshotTimes = Array.from({ length: SNAPSHOTS }, (_, i) => now - (SNAPSHOTS - i) * 10 * MIN);
  const errors: string[] = [];

  /** Signs in through the login form (no token in the address), then goes to `hash`. */
  const open = async (hash: string, width = 1440, timezoneId?: string, token?: string): Promise<Page> => {
    const page = await world.browser.newPage({
      viewport: { width, height: 1000 },
      ...(timezoneId ? { timezoneId } : {}),
    });
    await watchPage(page, errors);
    await page.goto(`${world.url}/`);
    await page.waitForSelector("#login:not([hidden])");
    await page.fill("#token", token ?? world.f.tokens.north);
    await page.click("#loginButton");
    await page.waitForSelector("#nav:not([hidden])");
    await page.evaluate((h) => {
      location.hash = h;
    }, hash);
    return page;
  };
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    world = await startConsoleCentral();
    // Three days of blocks every 10 min; the main bearing ends in zone D (≥ 3.2 mm/s) for its last hour.
    const points: WirePoint[] = [];
    const blocks = 3 * 144;
    for (let i = 0; i < blocks; i++) {
      const ts = now - (blocks - i) * 10 * MIN;
      const late = i >= blocks - 6;
      const v = late ? 4.5 : 1.2 + 0.4 * Math.sin(i / 10);
      points.push(
        t01MainBearingBlock(ts, v, {
          kurtosis: 3 + (i % 5) / 10,
          env_bpfo_g2: late ? 2e-3 : 1e-5,
          iso_zone: late ? 4 : 2,
        }),
      );
    }
    for (let i = 0; i < points.length; i += 200)
      await world.ingest("wf1", `views-ui-${++batch}-${now}`, points.slice(i, i + 200));
    const uploads = snapshotTimes.map((ts, i) => snapshot(i, ts));
    uploads.push(snapshot(0, snapshotTimes[0]! - MIN, "baseline"));
    for (let i = 0; i < uploads.length; i += 4) await world.uploadSpectra(uploads.slice(i, i + 4));
    await world.f.app.service.evaluator.evaluate();
  });

  afterAll(async () => world?.close());

  it("trends: the C/D boundary is drawn at its value and the alarm marker at the alarm's time", async () => {
    const api = await world.call(
      `/api/v1/assets/T01/trends?point=main_bearing&fields=v_rms_mm_s&from=${new Date(now - 7 * 24 * 60 * MIN).toISOString()}&to=${new Date(now).toISOString()}`,
      world.f.tokens.north,
    );
    const cd = api.zones.find((z: { field: string }) => z.field === "v_rms_mm_s").cd;
    expect(cd).toBe(3.2);
    const alarm = api.alarms.find((a: { fault: string }) => a.fault === "overall_vibration");
    expect(alarm).toBeDefined();
    const page = await open("#/trends/T01/main_bearing");
    try {
      const box = '#trendCharts [data-trend="v_rms_mm_s"]';
      await page.waitForSelector(`${box} canvas`);
      await page.waitForSelector(`${box} .alarm-marker`);
      const drawn = await page.$eval(
        box,
        (el, since) => {
          const u = (window as unknown as { vetraTrendCharts: Record<string, Chart> }).vetraTrendCharts
            .v_rms_mm_s!;
          const over = u.over.getBoundingClientRect();
          const line = el.querySelector<HTMLElement>('.zone-line[data-zone="cd"]')!;
          const marker = el.querySelector<HTMLElement>(".alarm-marker")!;
          return {
            lineValue: Number(line.dataset.value),
            lineTop: line.getBoundingClientRect().top - over.top,
            linePx: u.valToPos(Number(line.dataset.value), "y"),
            markerSince: marker.dataset.since,
            markerLeft: marker.getBoundingClientRect().left - over.left,
            markerPx: u.valToPos(Date.parse(since) / 1000, "x"),
            yMax: u.scales.y.max,
            windows: Number(el.getAttribute("data-windows")),
          };
        },
        alarm.since as string,
      );
      expect(drawn.lineValue).toBe(cd);
      expect(drawn.yMax).toBeGreaterThanOrEqual(cd);
      expect(Math.abs(drawn.lineTop - drawn.linePx)).toBeLessThan(1.5);
      expect(drawn.markerSince).toBe(alarm.since);
      expect(Math.abs(drawn.markerLeft - drawn.markerPx)).toBeLessThan(1.5);
      expect(drawn.windows).toBeGreaterThan(0);
      // Every default group's parameters with data have their chart; the fault lines are there.
      await page.waitForSelector('#trendCharts [data-trend="env_bpfo_g2"] canvas');
      await shot(page, "trends-T01-main_bearing");
      // Another range asks central again and draws it.
      await page.click('#trendRange button[data-range="h24"]');
      await page.waitForFunction(
        () => document.querySelector("#trendStatus")?.getAttribute("data-every-ms") === "300000",
      );
    } finally {
      await page.close();
    }
  });

  it("waterfall: one row per snapshot, oldest at the bottom, the growing line brighter row by row", async () => {
    const page = await open("#/waterfall/T01/main_bearing");
    try {
      await page.waitForSelector(`#waterfall[data-rows="${SNAPSHOTS}"]`);
      const drawn = await page.evaluate(
        ({ hz, line, rows }) => {
          const w = (
            window as unknown as {
              vetraWaterfall: {
                rows: string[];
                dfHz: number;
                pixelOf(i: number, hz: number): { x: number; y: number };
              };
            }
          ).vetraWaterfall;
          const canvas = document.querySelector<HTMLCanvasElement>("#waterfallCanvas")!;
          const g = canvas.getContext("2d")!;
          const scale = canvas.width / canvas.getBoundingClientRect().width;
          const at = (i: number, f: number) => {
            const k = Math.round(f / w.dfHz);
            // The device pixel that contains the CSS point (pixelOf gives a pixel's centre).
            const p = w.pixelOf(i, k * w.dfHz);
            return Array.from(
              g.getImageData(Math.floor(p.x * scale), Math.floor(p.y * scale), 1, 1).data.slice(0, 3),
            );
          };
          return {
            rows: w.rows,
            dfHz: w.dfHz,
            growing: Array.from({ length: rows }, (_, i) => at(i, hz)),
            line: Array.from({ length: rows }, (_, i) => at(i, line)),
          };
        },
        { hz: GROWING_HZ, line: LINE_HZ, rows: SNAPSHOTS },
      );
      expect(drawn.rows).toEqual(snapshotTimes.map((ts) => new Date(ts).toISOString()));
      // The colour scale: 60 dB below the loudest line (1 mm/s at 30 Hz) to it, after viridis.
      const stops = [
        [68, 1, 84],
        [59, 82, 139],
        [33, 145, 140],
        [94, 201, 98],
        [253, 231, 37],
      ];
      const colour = (db: number) => {
        const x = Math.min(1, Math.max(0, 1 + db / 60)) * 4;
        const i = Math.min(3, Math.floor(x));
        return stops[i]!.map((c, k) => Math.round(c + (stops[i + 1]![k]! - c) * (x - i)));
      };
      const near = (got: number[], want: number[]) =>
        got.every((c, k) => Math.abs(c - want[k]!) <= 3) || `${got} vs ${want}`;
      for (const rgb of drawn.line) expect(near(rgb, colour(0))).toBe(true);
      for (const [i, rgb] of drawn.growing.entries())
        expect(near(rgb, colour(20 * Math.log10(growing(i))))).toBe(true);
      await shot(page, "waterfall-T01-main_bearing");
      await page.click('#waterfallMode button[data-value="lines"]');
      await page.waitForSelector('#waterfall[data-mode="lines"]');
      await page.click('#waterfallTrace button[data-value="envelope"]');
      await page.waitForSelector('#waterfall[data-trace="envelope"]');
      expect(await page.getAttribute("#waterfall", "data-rows")).toBe(String(SNAPSHOTS));
      await shot(page, "waterfall-T01-main_bearing-lines");
    } finally {
      await page.close();
    }
  });

  it("spectrum: opens on the useful range, overlays the baseline, and puts 1× at order 1 on the order axis", async () => {
    const page = await open("#/spectrum/T01/main_bearing");
    try {
      await page.waitForSelector("#velocityChart .cursor");
      const scale = () =>
        page.evaluate(() => {
          const c = (window as unknown as { vetraCharts: Record<string, Chart> }).vetraCharts;
          return {
            velocity: { ...c.velocity!.scales.x, series: c.velocity!.series.length },
            envelope: { ...c.envelope!.scales.x, series: c.envelope!.series.length },
          };
        });
      // The velocity band starts at 10 Hz and the lines are at 30 and 120 Hz: the view holds them.
      const opened = await scale();
      expect(opened.velocity.max).toBeGreaterThan(GROWING_HZ);
      expect(opened.velocity.max).toBeLessThan(BINS * DF);
      // The envelope view holds the marked BPFO comb.
      expect(opened.envelope.max).toBeGreaterThanOrEqual(8 * BPFO_ORDER * SHAFT_HZ);
      // …and not the noise floor far beyond it (the trace reaches 200 Hz, the comb ends below 19 Hz).
      expect(opened.envelope.max).toBeLessThan(2 * 8 * BPFO_ORDER * SHAFT_HZ);
      // Both open at 0 Hz, so the velocity trace's high-pass edge stays in view.
      expect(opened.velocity.min).toBe(0);

      // Baseline overlay: a second trace on both charts, and off again.
      expect(await page.isEnabled("#baselineOverlay")).toBe(true);
      await page.check("#baselineOverlay");
      await page.waitForSelector('#velocityChart[data-overlay="baseline"]');
      expect((await scale()).velocity.series).toBe(3);
      expect((await scale()).envelope.series).toBe(3);
      await shot(page, "spectrum-overlay");
      await page.uncheck("#baselineOverlay");
      await page.waitForSelector('#velocityChart[data-overlay=""]');
      expect((await scale()).velocity.series).toBe(2);

      // Order axis: 1× of the shaft at order 1, BPFO at its order, where uPlot puts them.
      await page.click("#axisOrders");
      await page.waitForSelector('#velocityChart[data-axis="order"]');
      const place = (chart: string, selector: string) =>
        page.$eval(
          `#${chart}Chart ${selector}`,
          (el, which) => {
            const u = (window as unknown as { vetraCharts: Record<string, Chart> }).vetraCharts[which]!;
            const x = Number((el as HTMLElement).dataset.x);
            return {
              x,
              left: el.getBoundingClientRect().left - u.over.getBoundingClientRect().left,
              px: u.valToPos(x, "x"),
            };
          },
          chart,
        );
      const one = await place("velocity", '.cursor[data-kind="shaft"][data-harmonic="1"]');
      expect(one.x).toBeCloseTo(1, 9);
      expect(Math.abs(one.left - one.px)).toBeLessThan(1.5);
      const bpfo = await place("envelope", '.cursor[data-kind="bpfo"][data-harmonic="1"]');
      expect(bpfo.x).toBeCloseTo(BPFO_ORDER, 2);
      expect(Math.abs(bpfo.left - bpfo.px)).toBeLessThan(1.5);
      await shot(page, "spectrum-orders");
      await page.click("#axisHz");
      await page.waitForSelector('#velocityChart[data-axis="hz"]');

      // The block's waveform, every peak-held group.
      expect(await page.getAttribute("#waveformChart", "data-groups")).toBe("2048");
    } finally {
      await page.close();
    }
  });

  for (const width of [1440, 390]) {
    it(`spectrum at ${width} px: no two marker labels overlap, and the page fits`, async () => {
      const page = await open("#/spectrum/T01/main_bearing", width);
      try {
        await page.waitForSelector("#envelopeChart .cursor .label");
        const boxes = await page.$$eval(".u-over .cursor", (els) =>
          els
            .map((el) => el.querySelector<HTMLElement>(".label")!)
            .filter(
              (l) =>
                !l.hidden &&
                l.offsetParent !== null &&
                getComputedStyle(l.parentElement!).visibility !== "hidden",
            )
            .map((l) => {
              const r = l.getBoundingClientRect();
              return {
                chart: l.closest(".chart")!.id,
                text: l.textContent,
                left: r.left,
                right: r.right,
                top: r.top,
                bottom: r.bottom,
              };
            }),
        );
        const envelope = boxes.filter((b) => b.chart === "envelopeChart");
        expect(envelope.length).toBeGreaterThanOrEqual(3);
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i]!;
            const b = boxes[j]!;
            const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
            expect(overlap, `${a.text} and ${b.text} in ${a.chart}: ${JSON.stringify([a, b])}`).toBe(false);
          }
        // The page is as wide as the screen: nothing pushes it sideways.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await shot(page, `spectrum-labels-${width}`);
      } finally {
        await page.close();
      }
    });
  }

  it("trends and waterfall fit a 390 px screen, in English too", async () => {
    const page = await open("#/trends/T01/main_bearing", 390);
    try {
      await page.waitForSelector('#trendCharts [data-trend="v_rms_mm_s"] canvas');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot(page, "trends-390");
      await page.click("#langSwitch");
      await page.waitForFunction(() =>
        document.querySelector("#trendsHead h1")?.textContent?.startsWith("Trends"),
      );
      await page.waitForSelector('#trendCharts [data-trend="v_rms_mm_s"] canvas');
      expect(await page.textContent('#trendCharts [data-trend="v_rms_mm_s"] h3')).toBe("Velocity RMS, mm/s");
      await page.evaluate(() => {
        location.hash = "#/waterfall/T01/main_bearing";
      });
      await page.waitForSelector(`#waterfall[data-rows="${SNAPSHOTS}"]`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot(page, "waterfall-390");
      await page.click("#langSwitch");
    } finally {
      await page.close();
    }
  });

  it("trends: the reader's range is local time, sent to central as UTC", async () => {
    // Kamchatka is UTC+12 all year (no summer time), so the offset is known whatever the date.
    const page = await open("#/trends/T01/main_bearing", 1440, "Asia/Kamchatka");
    try {
      await page.waitForSelector('#trendCharts [data-trend="v_rms_mm_s"] canvas');
      // The preset range's ends are shown in local time.
      const shown = await page.inputValue("#trendTo");
      const utcNow = new Date(Date.now() + 12 * 60 * MIN).toISOString().slice(0, 16);
      expect(Math.abs(Date.parse(`${shown}Z`) - Date.parse(`${utcNow}Z`))).toBeLessThanOrEqual(2 * MIN);
      await page.click('#trendRange button[data-range="custom"]');
      const day = new Date(now - 24 * 60 * MIN).toISOString().slice(0, 10);
      const next = new Date(now).toISOString().slice(0, 10);
      await page.fill("#trendFrom", `${day}T00:00`);
      await page.fill("#trendTo", `${next}T00:00`);
      const asked = page.waitForRequest((r) => r.url().includes("/trends?"));
      await page.click("#trendApply");
      const q = new URL((await asked).url()).searchParams;
      // Local midnight at UTC+12 is noon of the day before in UTC.
      expect(q.get("from")).toBe(new Date(Date.parse(`${day}T00:00:00Z`) - 12 * 60 * MIN).toISOString());
      expect(q.get("to")).toBe(new Date(Date.parse(`${next}T00:00:00Z`) - 12 * 60 * MIN).toISOString());
      // The chart's time axis starts at the range's start: local midnight (uPlot labels it in local time).
      await page.waitForFunction(
        (from) =>
          (window as unknown as { vetraTrendCharts?: Record<string, Chart> }).vetraTrendCharts?.v_rms_mm_s
            ?.scales.x.min ===
          Date.parse(from) / 1000,
        q.get("from")!,
      );
    } finally {
      await page.close();
    }
  });

  it("another service company's engineer gets no trend, waterfall or spectrum of T01", async () => {
    for (const view of ["trends", "waterfall", "spectrum"]) {
      const page = await open(`#/${view}/T01/main_bearing`, 1440, undefined, world.f.tokens.south);
      try {
        // The router's 404, not "no spectrum yet": nothing says whether T01 exists or has data.
        await page.waitForSelector("#app p.error");
        // Central's 404 in the page's language (Russian by default); its own message as the tooltip.
        expect(await page.getAttribute("#app p.error", "data-code")).toBe("NOT_FOUND");
        expect(await page.textContent("#app p.error")).toBe("Ошибка: Не найдено: «T01»");
        expect(await page.getAttribute("#app p.error", "title")).toBe('No asset "T01"');
        expect(await page.$$("#noSpectrum")).toHaveLength(0);
        expect(await page.$$("#app canvas")).toHaveLength(0);
      } finally {
        await page.close();
      }
    }
  });

  it("raised no script error and no CSP violation on any page", () => {
    expect(errors).toEqual([]);
  });
});
