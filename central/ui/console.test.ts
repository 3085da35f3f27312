// The console in real Chromium against a real listening central (the
// fixture fleet: sc-north has T01 on wf1 and T03 on wf2, sc-south has T02)
// with data ingested the way an edge agent sends it, alarms from the real
// evaluator, and live events from the real stream. Screenshots go to
// artifacts/console/.
import { mkdirSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SpectrumUpload } from "../../common/spectrum.ts";
import type { WirePoint } from "../../common/wire.ts";
import { browserRequired, launchChromium, signInToConsole } from "../../test/helpers/browser.ts";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import { pixelOf, readCursor } from "../../test/helpers/console.ts";
import { horizontalOverflow, isClickable, VIEWPORTS } from "../../test/helpers/page-checks.ts";

const SHOTS = join(import.meta.dirname, "..", "..", "artifacts", "console");
const MINUTE = 60_000;

interface Alarm {
  id: string;
  asset: string;
  point: string;
  fault: string;
  severity: string;
  state: string;
  ackComment: string | null;
  acknowledgedBy: string | null;
  assignee: string | null;
}

/** A snapshot of T01's main bearing with an outer-race defect: envelope lines at BPFO and its harmonics. */
function outerRaceSnapshot(ts: number): SpectrumUpload {
  const speedRpm = 15.6;
  const shaftHz = speedRpm / 60;
  const bpfoHz = Number((shaftHz * 8.93).toFixed(3));
  const dfHz = 0.05;
  let seed = 7;
  const noise = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const envelope = Array.from({ length: 4000 }, () => 1e-5 * (1 + noise()));
  for (const h of [1, 2, 3]) envelope[Math.round((h * bpfoHz) / dfHz)] = 2e-3 / h;
  const spectrum = Array.from({ length: 4000 }, () => 0.01 * (1 + noise()));
  for (const h of [1, 2, 3]) spectrum[Math.round((h * shaftHz) / dfHz)] = 0.4 / h;
  return {
    asset: "T01",
    point: "main_bearing",
    ts,
    reason: "diagnosis_changed",
    snapshot: {
      speedRpm,
      sampleRateHz: 25_600,
      samples: 65_536,
      spectrum: { df_hz: dfHz, unit: "mm/s", values: spectrum },
      envelope: { df_hz: dfHz, unit: "g²", values: envelope, band_hz: [300, 600] },
      markers: [
        ...[1, 2, 3].map((h) => ({
          label: h === 1 ? "BPFO" : `${h}×BPFO`,
          kind: "bpfo" as const,
          harmonic: h,
          frequency_hz: Number((h * bpfoHz).toFixed(3)),
          spectrum: "envelope" as const,
        })),
        {
          label: "BPFI",
          kind: "bpfi",
          harmonic: 1,
          frequency_hz: Number((shaftHz * 11.07).toFixed(3)),
          spectrum: "envelope",
        },
        ...[1, 2, 3].map((h) => ({
          label: `${h}×`,
          kind: "shaft" as const,
          harmonic: h,
          frequency_hz: h * shaftHz,
          spectrum: "spectrum" as const,
        })),
      ],
    },
    diagnoses: [
      {
        fault: "bearing_outer_race",
        severity: "alarm",
        confidence: 0.92,
        since: ts - 5 * MINUTE,
        evidence: {
          spectrum: "envelope",
          frequency_hz: bpfoHz,
          expected_hz: bpfoHz,
          amplitude: 2e-3,
          amplitude_unit: "g²",
          snr_db: 22.5,
          harmonics: 3,
          harmonics_searched: 5,
          band_hz: [300, 600],
        },
      },
    ],
  };
}

const hexToRgb = (hex: string): string => {
  const n = Number.parseInt(hex.trim().replace("#", ""), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
};

describe.skipIf(!browserRequired())("console (/) in Chromium", () => {
  let f: CentralFixture;
  let url: string;
  let browser: Browser;
  let batch = 0;
  const now = Date.now();

  const call = async <T>(path: string, token: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${url}${path}`, {
      method: init.method ?? "GET",
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await res.text();
    expect(res.status, `${path}: ${text}`).toBeLessThan(300);
    return JSON.parse(text) as T;
  };
  const ingest = (site: "wf1" | "wf2", points: WirePoint[]) =>
    call(`/api/v1/ingest`, site === "wf1" ? f.tokens.agentWf1 : f.tokens.agentWf2, {
      method: "POST",
      body: { batchId: `console-${++batch}-${now}`, agent: `edge-${site}`, site, sentAt: Date.now(), points },
    });
  const vibration = (site: string, asset: string, point: string, ts: number, zone: number, v: number) => ({
    measurement: "vibration" as const,
    tags: { site, asset, point },
    fields: { iso_zone: zone, v_rms_mm_s: v, a_rms_m_s2: v / 3, kurtosis: 3 + zone / 2, crest_factor: 3.1 },
    ts,
  });
  const diagnosis = (asset: string, point: string, fault: string, severity: number, ts: number) => ({
    measurement: "diagnosis" as const,
    tags: { site: "wf1", asset, point, fault },
    fields: { severity, confidence: 0.9, active: 1, raised_at_ms: ts - 5 * MINUTE, frequency_hz: 2.32 },
    ts,
  });
  const alarmsOf = async (token: string, query = "") =>
    (await call<{ alarms: Alarm[]; total: number }>(`/api/v1/alarms${query}`, token)).alarms;

  const errors: string[] = [];
  const open = async (hash = "", token?: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" && !/status of 40[134]/.test(m.text())) errors.push(`console: ${m.text()}`);
    });
    if (token) {
      await signInToConsole(page, url, token, hash);
    } else {
      await page.goto(`${url}/${hash}`);
    }
    return page;
  };
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const rowsOf = (page: Page) =>
    page.$$eval("#alarmRows tr[data-id]", (trs) =>
      trs.map((tr) => ({
        id: (tr as HTMLElement).dataset.id!,
        state: (tr as HTMLElement).dataset.state!,
        severity: (tr as HTMLElement).dataset.severity!,
        asset: tr.children[1]!.querySelector(".muted")!.textContent!,
        since: tr.children[6]!.textContent!,
      })),
    );

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Evaluations run when the test (and ingest, and reads) ask for them, not on a timer.
    f = await makeCentralFixture({ config: { alarms: { evaluateEveryMs: 0 } } });
    await f.app.listen({ port: 0, host: "127.0.0.1" });
    url = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
    // An hour of blocks, one per minute: T01's main bearing climbs into zone D, its gearbox sits
    // in C, T03 in C, T02 (another company's) in B.
    const points: WirePoint[] = [];
    for (let i = 60; i >= 1; i--) {
      const ts = now - i * MINUTE;
      points.push(
        vibration("wf1", "T01", "main_bearing", ts, i > 40 ? 2 : 4, i > 40 ? 2.1 : 9.5 + (40 - i) / 10),
      );
      points.push(vibration("wf1", "T01", "gearbox_hss", ts, 3, 5.2));
      points.push(vibration("wf1", "T02", "main_bearing", ts, 2, 1.8));
      points.push({
        measurement: "scada",
        tags: { site: "wf1", asset: "T01" },
        fields: { rotor_speed_rpm: 15.6, power_kw: 1800 + i, wind_speed_m_s: 9.5 },
        ts,
      });
    }
    points.push(diagnosis("T01", "main_bearing", "bearing_outer_race", 2, now - MINUTE));
    await ingest("wf1", points);
    await ingest(
      "wf2",
      Array.from({ length: 30 }, (_, i) =>
        vibration("wf2", "T03", "main_bearing", now - (i + 1) * MINUTE, 3, 4.8),
      ),
    );
    await call("/api/v1/ingest/spectrum", f.tokens.agentWf1, {
      method: "POST",
      body: { agent: "edge-wf1", site: "wf1", snapshots: [outerRaceSnapshot(now - MINUTE)] },
    });
    await f.app.service.evaluator.evaluate();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  it("asks for a token in Russian, refuses a wrong one, signs in, names the company, signs out", async () => {
    const page = await open();
    try {
      await page.waitForSelector("#login:not([hidden])");
      expect(await page.textContent("#tokenLabel")).toBe("Токен доступа");
      await page.fill("#token", "not-a-token");
      await page.click("#loginButton");
      await page.waitForSelector("#loginError:not([hidden])");
      expect(await page.textContent("#loginError")).toBe("Токен не принят");
      await page.fill("#token", f.tokens.north);
      await page.click("#loginButton");
      await page.waitForSelector("#nav:not([hidden])");
      expect(await page.textContent("#who")).toBe("North Wind Service");
      // A service company has no administration screen.
      expect(await page.$$eval("#nav a", (as) => as.map((a) => a.getAttribute("href")))).toEqual([
        "#/fleet",
        "#/alarms",
        "#/alarm-health",
        "#/work-orders",
        "#/reports",
        "#/documents",
      ]);
      // Kept for this tab only (session storage), never in the address nor in local storage.
      expect(await page.evaluate(() => sessionStorage.getItem("vetra.token"))).toBe(f.tokens.north);
      expect(await page.evaluate(() => localStorage.getItem("vetra.token"))).toBeNull();
      expect(page.url()).not.toContain(f.tokens.north);
      await page.click("#logout");
      await page.waitForSelector("#login:not([hidden])");
      expect(await page.evaluate(() => sessionStorage.getItem("vetra.token"))).toBeNull();
    } finally {
      await page.close();
    }
  });

  it("takes no token from the address; a revoked token returns to the login", async () => {
    const created = await call<{ token: string; info: { id: number } }>("/api/v1/tokens", f.tokens.admin, {
      method: "POST",
      body: { role: "service_company", tenant: "sc-north", label: "short-lived" },
    });
    const page = await open();
    try {
      // An old bookmark with ?token= signs nobody in.
      await page.goto(`${url}/?token=${encodeURIComponent(created.token)}#/alarms`);
      await page.waitForSelector("#login:not([hidden])");
      expect(await page.evaluate(() => sessionStorage.getItem("vetra.token"))).toBeNull();
      await page.fill("#token", created.token);
      await page.click("#loginButton");
      await page.waitForSelector("#alarmRows tr[data-id]");
      expect(new URL(page.url()).hash).toBe("#/alarms");
      // Revocation ends the live feed at once; its reconnect is refused and the console asks for a token.
      await call(`/api/v1/tokens/${created.info.id}`, f.tokens.admin, { method: "DELETE" });
      await page.waitForSelector("#login:not([hidden])", { timeout: 5000 });
      expect(await page.textContent("#loginError")).toContain("войдите снова");
      expect(await page.evaluate(() => sessionStorage.getItem("vetra.token"))).toBeNull();
    } finally {
      await page.close();
    }
  });

  it("fleet: the company's turbines by site, coloured by the worst open severity, with counts and filters", async () => {
    const page = await open("#/fleet", f.tokens.north);
    try {
      await page.waitForSelector(".tile[data-asset]");
      const tiles = await page.$$eval(".tile[data-asset]", (els) =>
        els.map((el) => ({
          asset: (el as HTMLElement).dataset.asset,
          worst: (el as HTMLElement).dataset.worst,
          border: getComputedStyle(el).borderLeftColor,
          site: el.closest("section")?.getAttribute("data-site"),
        })),
      );
      expect(tiles.map((x) => x.asset).sort()).toEqual(["T01", "T03"]);
      const colours = await page.evaluate(() => {
        const css = getComputedStyle(document.documentElement);
        return { alarm: css.getPropertyValue("--alarm"), warning: css.getPropertyValue("--warning") };
      });
      const t01 = tiles.find((x) => x.asset === "T01")!;
      const t03 = tiles.find((x) => x.asset === "T03")!;
      expect(t01).toMatchObject({ worst: "alarm", site: "wf1", border: hexToRgb(colours.alarm) });
      expect(t03).toMatchObject({ worst: "warning", site: "wf2", border: hexToRgb(colours.warning) });
      // T01: main bearing zone D and the outer-race diagnosis (alarms), gearbox zone C (warning).
      expect(await page.textContent('.tile[data-asset="T01"] .counts')).toMatch(/аварий 2 · предупр\. 1/);
      expect(await page.textContent("#fleetTotals")).toMatch(/2\s*объектов/);
      await shot(page, "fleet-north");
      await page.selectOption("#fleetStatus", "alarm");
      expect(
        await page.$$eval(".tile[data-asset]", (els) => els.map((e) => (e as HTMLElement).dataset.asset)),
      ).toEqual(["T01"]);
      await page.selectOption("#fleetStatus", "");
      await page.selectOption("#fleetSite", "wf2");
      expect(
        await page.$$eval(".tile[data-asset]", (els) => els.map((e) => (e as HTMLElement).dataset.asset)),
      ).toEqual(["T03"]);
    } finally {
      await page.close();
    }
    // The administrator sees every company's assets; a turbine without open alarms is green.
    const admin = await open("#/fleet", f.tokens.admin);
    try {
      await admin.waitForSelector('.tile[data-asset="T02"]');
      expect(await admin.getAttribute('.tile[data-asset="T02"]', "data-worst")).toBe("ok");
      const ok = await admin.evaluate(() =>
        getComputedStyle(document.documentElement).getPropertyValue("--ok"),
      );
      expect(await admin.$eval('.tile[data-asset="T02"]', (el) => getComputedStyle(el).borderLeftColor)).toBe(
        hexToRgb(ok),
      );
      await shot(admin, "fleet-admin");
    } finally {
      await admin.close();
    }
  });

  it("alarm list: sorts by a column on click, filters by severity, fault, site and text", async () => {
    const page = await open("#/alarms", f.tokens.north);
    try {
      await page.waitForSelector("#alarmRows tr[data-id]");
      const api = await alarmsOf(f.tokens.north);
      expect((await rowsOf(page)).map((r) => r.id).sort()).toEqual(api.map((a) => a.id).sort());
      expect(api.some((a) => a.asset === "T02")).toBe(false);

      await page.click('th[data-sort="asset"]');
      await page.waitForSelector('th[data-sort="asset"][aria-sort="ascending"]');
      await page.waitForFunction(() => document.querySelector("#alarmRows tr[data-id]"));
      let assets = (await rowsOf(page)).map((r) => r.asset);
      expect(assets).toEqual([...assets].sort());
      expect(new Set(assets)).toEqual(new Set(["T01", "T03"]));
      await page.click('th[data-sort="asset"]');
      await page.waitForSelector('th[data-sort="asset"][aria-sort="descending"]');
      await page.waitForFunction(
        () => document.querySelector("#alarmRows tr[data-id] td:nth-child(2) .muted")?.textContent === "T03",
      );
      assets = (await rowsOf(page)).map((r) => r.asset);
      expect(assets).toEqual([...assets].sort().reverse());

      await page.selectOption("#alarmSeverity", "warning");
      await page.waitForFunction(() =>
        Array.from(document.querySelectorAll<HTMLElement>("#alarmRows tr[data-id]")).every(
          (tr) => tr.dataset.severity === "warning",
        ),
      );
      const warnings = await rowsOf(page);
      expect(warnings.map((r) => r.id).sort()).toEqual(
        api
          .filter((a) => a.severity === "warning")
          .map((a) => a.id)
          .sort(),
      );
      expect(warnings.length).toBe(2);
      await shot(page, "alarms-warnings");

      await page.selectOption("#alarmSeverity", "");
      await page.selectOption("#alarmFault", "bearing_outer_race");
      await page.waitForFunction(() => document.querySelectorAll("#alarmRows tr[data-id]").length === 1);
      expect((await rowsOf(page))[0]!.id).toMatch(/^T01:main_bearing:bearing_outer_race:/);

      await page.selectOption("#alarmFault", "");
      await page.selectOption("#alarmSite", "wf2");
      await page.waitForFunction(() =>
        Array.from(document.querySelectorAll<HTMLElement>("#alarmRows tr[data-id]")).every((tr) =>
          tr.dataset.id!.startsWith("T03:"),
        ),
      );
      await page.selectOption("#alarmSite", "");
      await page.fill("#alarmText", "gearbox");
      await page.waitForFunction(() => {
        const rows = Array.from(document.querySelectorAll<HTMLElement>("#alarmRows tr[data-id]"));
        return rows.length === 1 && rows[0]!.dataset.id!.startsWith("T01:gearbox_hss:");
      });
      await page.fill("#alarmText", "");
    } finally {
      await page.close();
    }
  });

  it.each(VIEWPORTS.flatMap((v) => (["ru", "en"] as const).map((lang) => [v.name, lang, v] as const)))(
    "usable at %s size in %s: no sideways scroll, compact header, alarm's fault link and Acknowledge on screen, points table inside its card",
    async (name, lang, viewport) => {
      const page = await open("#/alarms", f.tokens.north);
      try {
        await page.setViewportSize({ width: viewport.width, height: viewport.height });
        await page.waitForSelector("#alarmRows tr[data-id]");
        if (lang === "en") {
          await page.click("#langSwitch");
          await page.waitForSelector('#nav a[href="#/alarms"]:text("Alarms")');
        }
        expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
        // The header leaves the phone's screen to the page.
        const headerPx = await page.evaluate(
          () => document.querySelector("header#top")!.getBoundingClientRect().height,
        );
        expect(headerPx).toBeLessThanOrEqual(viewport.width < 600 ? 100 : 60);
        const id = await page.$eval(
          '#alarmRows tr[data-id]:has(button[data-action="ack"])',
          (tr) => (tr as HTMLElement).dataset.id!,
        );
        const row = `#alarmRows tr[data-id="${id}"]`;
        expect(await isClickable(page, `${row} a[href^="#/alarm/"]`, true)).toBe(true);
        expect(await isClickable(page, `${row} button[data-action="ack"]`, true)).toBe(true);
        expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
        await shot(page, `alarms-${name}-${lang}`);
        // The sortable headers answer the keyboard.
        await page.focus('th[data-sort="asset"] button');
        await page.keyboard.press("Enter");
        await page.waitForSelector('th[data-sort="asset"][aria-sort="ascending"]');

        await page.goto(`${url}/#/asset/T01`);
        await page.waitForSelector("#pointTable tbody tr");
        expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
        // The table fits its card: the spectrum link is not clipped behind a scrollbar.
        const fits = await page.$eval("#pointTable", (table) => {
          const card = table.closest("section.card")!.getBoundingClientRect();
          const r = table.getBoundingClientRect();
          return {
            inside: r.right <= card.right + 0.5 && r.left >= card.left - 0.5,
            table: r.width,
            card: card.width,
          };
        });
        // On a phone the table scrolls within its card; on a desktop it fits.
        if (viewport.width >= 1000) expect(fits.inside, JSON.stringify(fits)).toBe(true);
        expect(await isClickable(page, '#pointTable a[href^="#/spectrum/"]', true)).toBe(true);
        await shot(page, `asset-${name}-${lang}`);
        // The monthly report opens on the current month (a new company has nothing in the last one).
        await page.goto(`${url}/#/reports`);
        const month = await (await page.waitForSelector("#reportMonth")).inputValue();
        const today = new Date();
        expect(month).toBe(`${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}`);
      } finally {
        await page.close();
      }
    },
    60_000,
  );

  it("acknowledges with a comment and assigns a technician in place; the API shows both", async () => {
    const target = (await alarmsOf(f.tokens.north, "?fault=bearing_outer_race"))[0]!;
    const page = await open("#/alarms", f.tokens.north);
    try {
      const row = `#alarmRows tr[data-id="${target.id}"]`;
      await page.waitForSelector(row);
      await page.click(`${row} button[data-action="ack"]`);
      await page.fill('form[data-form="ack"] input[name="comment"]', "Бригада выезжает завтра");
      await page.click('form[data-form="ack"] button[type="submit"]');
      await page.waitForSelector(`${row}[data-state="acknowledged"]`);
      expect(await page.textContent(`${row} .ack-comment`)).toBe("Бригада выезжает завтра");
      await page.click(`${row} button[data-action="assign"]`);
      await page.fill('form[data-form="assign"] input[name="assignee"]', "Иванов И. И.");
      await page.click('form[data-form="assign"] button[type="submit"]');
      await page.waitForFunction(
        (sel) => document.querySelector(`${sel} .assignee`)?.textContent === "Иванов И. И.",
        row,
      );
      await shot(page, "alarms-acknowledged");
    } finally {
      await page.close();
    }
    const { alarm } = await call<{ alarm: Alarm }>(
      `/api/v1/alarms/${encodeURIComponent(target.id)}`,
      f.tokens.admin,
    );
    expect(alarm).toMatchObject({
      state: "acknowledged",
      ackComment: "Бригада выезжает завтра",
      acknowledgedBy: "north ops",
      assignee: "Иванов И. И.",
    });
  });

  it("shows a new alarm live, without reloading, highlighted", async () => {
    const page = await open("#/alarms", f.tokens.north);
    try {
      await page.waitForSelector("#alarmRows tr[data-id]");
      await page.waitForSelector('#live[data-state="up"]');
      await page.evaluate(() => {
        (window as unknown as { notReloaded: boolean }).notReloaded = true;
      });
      expect(await page.$('#alarmRows tr[data-id^="T01:gearbox_hss:misalignment:"]')).toBeNull();
      await ingest("wf1", [diagnosis("T01", "gearbox_hss", "misalignment", 2, Date.now() - 1000)]);
      await f.app.service.evaluator.evaluate();
      const row = await page.waitForSelector('#alarmRows tr[data-id^="T01:gearbox_hss:misalignment:"]', {
        timeout: 15_000,
      });
      expect(await row.getAttribute("class")).toContain("flash");
      expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
        true,
      );
      await shot(page, "alarms-live");
    } finally {
      await page.close();
    }
  });

  it("spectrum view: the BPFO cursor sits at the snapshot's marker and at uPlot's pixel for it; zoom, log, toggles", async () => {
    const served = await call<{
      snapshots: { markers: { kind: string; harmonic: number; frequency_hz: number }[] }[];
    }>("/api/v1/assets/T01/spectrum?point=main_bearing", f.tokens.north);
    const bpfo = served.snapshots[0]!.markers.find((m) => m.kind === "bpfo" && m.harmonic === 1)!;
    const page = await open("#/spectrum/T01/main_bearing", f.tokens.north);
    try {
      const cursor = '#envelopeChart .cursor[data-marker="BPFO"][data-harmonic="1"]';
      await page.waitForSelector(cursor);
      const measure = () => readCursor(page, cursor, "envelope");
      const before = await measure();
      expect(before.hz).toBe(bpfo.frequency_hz);
      expect(before.visible).toBe(true);
      // uPlot's linear x scale: the pixel of a value inside the plotting area.
      expect(Math.abs(before.left - pixelOf(before))).toBeLessThan(1.5);
      // Every harmonic the snapshot marks has its cursor, and the snapshot's time and speed are shown.
      expect(await page.$$eval('#envelopeChart .cursor[data-kind="bpfo"]', (els) => els.length)).toBe(3);
      expect(await page.$$eval('#velocityChart .cursor[data-kind="shaft"]', (els) => els.length)).toBe(3);
      expect(await page.getAttribute("#snapshotSpeed", "data-rpm")).toBe("15.6");
      expect(await page.textContent("#snapshotTime")).not.toBe("—");
      await shot(page, "spectrum-T01-main_bearing");

      // Zoom by dragging across the envelope chart around BPFO.
      const box = (await page.$eval("#envelopeChart .u-over", (el) => {
        const r = el.getBoundingClientRect();
        return { x: r.left, y: r.top, w: r.width, h: r.height };
      }))!;
      const x0 = box.x + before.left - 40;
      const x1 = box.x + before.left + 60;
      await page.mouse.move(x0, box.y + box.h / 2);
      await page.mouse.down();
      await page.mouse.move(x1, box.y + box.h / 2, { steps: 8 });
      await page.mouse.up();
      await page.waitForFunction(
        (max) =>
          (window as unknown as { vetraCharts: { envelope: { scales: { x: { max: number } } } } }).vetraCharts
            .envelope.scales.x.max < max,
        before.max,
      );
      const zoomed = await measure();
      expect(zoomed.min).toBeGreaterThan(before.min);
      expect(zoomed.max).toBeLessThan(before.max);
      expect(zoomed.hz).toBeGreaterThan(zoomed.min);
      expect(zoomed.hz).toBeLessThan(zoomed.max);
      expect(Math.abs(zoomed.left - pixelOf(zoomed))).toBeLessThan(1.5);
      await shot(page, "spectrum-zoomed");
      await page.click("#resetZoom");
      const reset = await measure();
      expect([reset.min, reset.max]).toEqual([before.min, before.max]);

      // Log amplitude keeps the cursors; a family's toggle hides its cursors.
      await page.click("#scaleLog");
      await page.waitForSelector(cursor);
      expect(
        await page.evaluate(
          () =>
            (window as unknown as { vetraCharts: { envelope: { scales: { y: { distr: number } } } } })
              .vetraCharts.envelope.scales.y.distr,
        ),
      ).toBe(3);
      await page.uncheck('#markerToggles input[data-kind="bpfo"]');
      expect(await page.$eval(cursor, (el) => (el as HTMLElement).hidden)).toBe(true);
      await page.check('#markerToggles input[data-kind="bpfo"]');
      expect(await page.$eval(cursor, (el) => (el as HTMLElement).hidden)).toBe(false);
      await page.click("#scaleLinear");
    } finally {
      await page.close();
    }
  });

  it("asset page: trends per measuring point, diagnoses with evidence, history; range picker", async () => {
    const page = await open("#/asset/T01", f.tokens.north);
    try {
      await page.waitForSelector('#trendCharts [data-trend="v_rms"] canvas');
      expect(
        Number(await page.getAttribute('#trendCharts [data-trend="v_rms"]', "data-points")),
      ).toBeGreaterThan(0);
      // One series per measuring point in the legend.
      const legend = await page.textContent('#trendCharts [data-trend="v_rms"] .u-legend');
      expect(legend).toContain("Главный подшипник");
      expect(legend).toContain("Редуктор, быстроходный вал");
      await page.waitForSelector('#trendCharts [data-trend="rotor_speed"] canvas');
      expect(await page.textContent('#assetDiagnoses [data-fault="bearing_outer_race"]')).toContain("22,5");
      expect(await page.$$eval("#assetHistory tr[data-kind]", (trs) => trs.length)).toBeGreaterThan(0);
      await shot(page, "asset-T01");
      await page.click('#rangePicker button[data-range="h1"]');
      await page.waitForSelector('#rangePicker button[data-range="h1"].on');
      await page.waitForSelector('#trendCharts [data-trend="v_rms"] canvas');
    } finally {
      await page.close();
    }
  });

  it("alarm detail: evidence, events, and a comment added from the page", async () => {
    const target = (await alarmsOf(f.tokens.north, "?fault=bearing_outer_race"))[0]!;
    const page = await open(`#/alarm/${encodeURIComponent(target.id)}`, f.tokens.north);
    try {
      await page.waitForSelector("#alarmDetail");
      expect(await page.textContent("#alarmDetail h1")).toContain("подшипник: наружное кольцо");
      await page.click('#alarmActions button[data-action="comment"]');
      await page.fill('form[data-form="comment"] input[name="comment"]', "Смазка заменена");
      await page.click('form[data-form="comment"] button[type="submit"]');
      await page.waitForSelector('tr[data-kind="comment"]');
      expect(await page.textContent('tr[data-kind="comment"]')).toContain("Смазка заменена");
      await shot(page, "alarm-detail");
    } finally {
      await page.close();
    }
  });

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
});
