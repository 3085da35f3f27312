import { describe, expect, it } from "vitest";
import { browserRequired } from "../../test/helpers/browser.ts";
import { pixelOf, readCursor } from "../../test/helpers/console.ts";
import {
  type Alarm,
  alarmsOf,
  call,
  diagnosis,
  errors,
  f,
  hexToRgb,
  ingest,
  open,
  rowsOf,
  shot,
  url,
  useConsoleFleet,
} from "../../test/helpers/console-fleet.ts";
import { horizontalOverflow, isClickable, VIEWPORTS } from "../../test/helpers/page-checks.ts";

describe.skipIf(!browserRequired())("console (/) in Chromium", () => {
  useConsoleFleet();

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

  it("raised no script errors on any page", () => {
    expect(errors).toEqual([]);
  });
});
