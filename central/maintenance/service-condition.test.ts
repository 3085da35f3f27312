// The monthly service report as a condition report, from real parts (a
// metadata SQLite file, the alarm book on a controllable clock, a real
// embedded store): a month seven days old, a turbine whose main bearing
// climbs through zones C and D with an outer-race diagnosis, a healthy one
// with a chattering alarm earlier in the month, and a school. The figures
// are worked out by hand from those inputs; the PDF is read back with
// pdftotext. Company zone Europe/Moscow (UTC+3): March 2026 starts at
// 2026-02-28T21:00Z.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Point } from "../../common/wire.ts";
import { type AlarmParts, openAlarmParts } from "../../test/helpers/alarm-parts.ts";
import { BEARING_AND_GEARBOX_POINTS } from "../../test/helpers/central-fixture.ts";
import { pdfText, skipPdfText } from "../../test/helpers/service-files.ts";
import { readCsv } from "../lib/csv.ts";
import type { MetaStore } from "../meta/meta.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import type { Condition, ReconcilePolicy } from "./alarm-book.ts";
import { Contracts } from "./contracts.ts";
import { buildServiceReport, type ServiceReport, serviceReportCsv } from "./service-report.ts";
import { renderServiceReportPdf } from "./service-report-pdf.ts";
import { WorkOrders } from "./work-orders.ts";

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const msk = (local: string): number => Date.parse(`${local}:00+03:00`);
const MONTH_START = msk("2026-03-01T00:00");
const NOW = msk("2026-03-07T12:00");
/** T01's main-bearing velocity RMS: 1.5 mm/s on 1 March, +0.35 mm/s a day (zone C from day 2.4, D from 5.9). */
const t01MainBearing = (ts: number) => 1.5 + (0.35 * (ts - MONTH_START)) / (24 * HOUR);
const zoneOf = (v: number, bc: number, cd: number) => (v >= cd ? 4 : v >= bc ? 3 : v >= bc / 1.6 ? 2 : 1);

describe("monthly service report: condition part, partial month", () => {
  let alarms: AlarmParts;
  let meta: MetaStore;
  let store: TimeSeriesStore;
  let report: ServiceReport;
  let now = MONTH_START;

  beforeAll(async () => {
    const clock = () => now;
    alarms = await openAlarmParts(
      {
        tenants: [{ id: "sc-a", name: "Ветросервис А" }],
        sites: [
          { id: "wf1", name: "ВЭС 1", kind: "wind_farm" },
          { id: "fac1", name: "Школа", kind: "facility" },
        ],
        assets: [
          {
            id: "T01",
            name: "ВЭУ 1",
            kind: "turbine",
            site: "wf1",
            tenant: "sc-a",
            points: BEARING_AND_GEARBOX_POINTS,
          },
          {
            id: "T02",
            name: "ВЭУ 2",
            kind: "turbine",
            site: "wf1",
            tenant: "sc-a",
            points: [{ id: "main_bearing", component: "main_bearing" }],
          },
          { id: "S01", name: "Школа № 7", kind: "school", site: "fac1", tenant: "sc-a", points: [] },
        ],
      },
      clock,
    );
    ({ meta, store } = alarms);
    const { book } = alarms;
    const contracts = new Contracts(meta, clock);
    const orders = new WorkOrders(meta.db, clock);

    // Hourly blocks from the month's start to now; the school's register daily.
    const points: Point[] = [];
    for (let ts = MONTH_START; ts < NOW; ts += HOUR) {
      const v = t01MainBearing(ts);
      points.push(
        {
          measurement: "vibration",
          tags: { site: "wf1", asset: "T01", point: "main_bearing" },
          fields: { v_rms_mm_s: v, iso_zone: zoneOf(v, 2.0, 3.2) },
          ts,
        },
        {
          measurement: "vibration",
          tags: { site: "wf1", asset: "T01", point: "gearbox_hss" },
          fields: { v_rms_mm_s: 1.0, iso_zone: 1 },
          ts,
        },
        {
          measurement: "vibration",
          tags: { site: "wf1", asset: "T02", point: "main_bearing" },
          fields: { v_rms_mm_s: 1.2, iso_zone: 1 },
          ts,
        },
      );
      if ((ts - MONTH_START) % (24 * HOUR) === 9 * HOUR)
        points.push({
          measurement: "meter",
          tags: { site: "fac1", asset: "S01" },
          fields: { energy_kwh: 1000 + (ts - MONTH_START) / HOUR },
          ts,
        });
    }
    // The edge's outer-race diagnosis on T01's main bearing, raised on 5 March.
    points.push({
      measurement: "diagnosis",
      tags: { site: "wf1", asset: "T01", point: "main_bearing", fault: "bearing_outer_race" },
      fields: {
        severity: 2,
        active: 1,
        confidence: 0.91,
        frequency_hz: 2.13,
        amplitude: 0.0021,
        snr_db: 18.5,
        harmonics: 3,
        raised_at_ms: msk("2026-03-05T10:00"),
      },
      ts: msk("2026-03-05T10:00"),
    });
    expect((await store.write(points)).kind).toBe("success");

    // The alarms as the book would have them (unfiltered here: the filter has its own tests).
    const policy: ReconcilePolicy = {
      clearAfterMs: 0,
      routeOf: () => ({ company: "sc-a", site: "wf1", responseTimeMs: 4 * HOUR }),
    };
    const c = (asset: string, fault: string, severity: "warning" | "alarm", sinceMs: number): Condition => ({
      asset,
      point: "main_bearing",
      fault,
      severity,
      sinceMs,
      isoZone: null,
    });
    const zoneC = msk("2026-03-02T11:00"); // the first block in zone C: 1.5 + 0.35 × 35/24 = 2.01 mm/s
    const at = async (local: string, conditions: Condition[]) => {
      now = msk(local);
      await book.reconcile(conditions, now, policy);
    };
    // T02: looseness chatters on 3 March (raised three times within 30 s), then nothing.
    await at("2026-03-03T08:00", [c("T02", "looseness", "warning", msk("2026-03-03T08:00"))]);
    for (const present of [false, true, false, true, false]) {
      now += 7.5 * S;
      await book.reconcile(present ? [c("T02", "looseness", "warning", now)] : [], now, policy);
    }
    // T01: zone C (warning) from 3 March, the diagnosis from 5 March, zone D (alarm) from 6 March.
    await at("2026-03-03T10:00", [c("T01", "overall_vibration", "warning", zoneC)]);
    await at("2026-03-05T10:00", [
      c("T01", "overall_vibration", "warning", zoneC),
      c("T01", "bearing_outer_race", "alarm", msk("2026-03-05T10:00")),
    ]);
    await at("2026-03-06T22:00", [
      c("T01", "overall_vibration", "alarm", zoneC),
      c("T01", "bearing_outer_race", "alarm", msk("2026-03-05T10:00")),
    ]);
    now = NOW;
    const r = await buildServiceReport(
      { store, meta, book, contracts, workOrders: orders },
      {
        company: (await contracts.getCompany("sc-a"))!,
        month: "2026-03",
        generatedBy: "dispatcher",
        nowMs: NOW,
      },
    );
    if (r.kind !== "success") throw new Error(r.message);
    report = r.value;
  });
  afterAll(async () => alarms?.close());

  const row = (asset: string) => report.assets.find((a) => a.asset === asset)!;

  it("counts only the days of the month that have begun", () => {
    // 7 March 12:00: days 1…7 have begun; each asset is the owner's all month.
    expect(report).toMatchObject({ daysInMonth: 31, daysElapsed: 7, asOf: new Date(NOW).toISOString() });
    expect(report.assets.map((a) => [a.asset, a.daysUnderContract, a.daysMonitored])).toEqual([
      ["S01", 7, 7],
      ["T01", 7, 7],
      ["T02", 7, 7],
    ]);
    expect(report.totals.daysUnderContract).toBe(21);
  });

  it("gives each asset's condition now, its open alarms with evidence, and the most urgent action", () => {
    const t01 = row("T01").condition!;
    expect(t01.condition).toBe("alarm");
    // The last block before now (11:00): 1.5 + 0.35 × (6 d 11 h) mm/s, zone D.
    const last = t01MainBearing(msk("2026-03-07T11:00"));
    expect(t01.points).toEqual([
      {
        point: "gearbox_hss",
        component: "gearbox",
        isoZone: "A",
        vRmsMmS: 1.0,
      },
      {
        point: "main_bearing",
        component: "main_bearing",
        isoZone: "D",
        vRmsMmS: last,
      },
    ]);
    const byFault = new Map(t01.diagnoses.map((d) => [d.fault, d]));
    expect(byFault.get("bearing_outer_race")).toMatchObject({
      severity: "alarm",
      since: new Date(msk("2026-03-05T10:00")).toISOString(),
      evidence: { confidence: 0.91, frequencyHz: 2.13, amplitude: 0.0021, snrDb: 18.5, harmonics: 3 },
      advice: { code: "plan_bearing_replacement", urgency: "soon", withinDays: 7 },
    });
    expect(byFault.get("overall_vibration")).toMatchObject({
      severity: "alarm",
      evidence: { isoZone: "D", vRmsMmS: last, boundaryMmS: 3.2 },
      advice: { code: "reduce_load_and_inspect", urgency: "immediate", withinDays: 1 },
    });
    // Zone D comes first: reduce the load or stop, within a day.
    expect(t01.recommendation).toMatchObject({ code: "reduce_load_and_inspect", urgency: "immediate" });
    expect(row("T02").condition).toMatchObject({
      condition: "normal",
      diagnoses: [],
      recommendation: { urgency: "routine" },
    });
    expect(row("S01").condition).toMatchObject({ condition: "normal", points: [], worstPoint: null });
  });

  it("draws the worst point's month as 6-hour means and maxima with its zone boundaries", () => {
    const w = row("T01").condition!.worstPoint!;
    // The main bearing (max 1.5 + 0.35 × (6 d 11 h) over C/D 3.2) beats the gearbox (1.0 over 5.6).
    expect(w).toMatchObject({
      point: "main_bearing",
      component: "main_bearing",
      boundaries: { bc: 2.0, cd: 3.2 },
      maxVRmsMmS: t01MainBearing(msk("2026-03-07T11:00")),
      everyMs: 6 * HOUR,
    });
    // Windows at epoch multiples of 6 h: 28 Feb 18:00Z (blocks 21, 22, 23Z) … 7 March 06:00Z (06, 07, 08Z).
    expect(w.points.length).toBe(1 + 6 * 4 + 2);
    const first = [0, 1, 2].map((h) => t01MainBearing(MONTH_START + h * HOUR));
    expect(w.points[0]!.ts).toBe(Date.parse("2026-02-28T18:00:00Z"));
    expect(w.points[0]!.mean).toBeCloseTo((first[0]! + first[1]! + first[2]!) / 3, 12);
    expect(w.points[0]!.max).toBe(first[2]);
  });

  it("carries the month's alarm-system health: T02's chattering looseness is the bad actor", () => {
    const h = report.health;
    // Annunciations: T02 raised 3×; T01 raised 2× (zone C, the diagnosis) and rose to alarm once.
    expect(h.totals).toMatchObject({ annunciations: 6, chattering: 1, stale: 2 });
    expect(h.chattering.map((x) => x.key)).toEqual(["T02:main_bearing:looseness"]);
    expect(h.badActors[0]).toMatchObject({
      key: "T02:main_bearing:looseness",
      annunciations: 3,
      sharePct: 50,
    });
    // Zone C raised on 3 March 10:00 and the diagnosis on 5 March 10:00: both open for more than 24 h now.
    expect(h.stale.map((s) => [s.key, s.openHours])).toEqual([
      ["T01:main_bearing:overall_vibration", 4 * 24 + 2],
      ["T01:main_bearing:bearing_outer_race", 2 * 24 + 2],
    ]);
  });

  it("writes the condition and health columns into the CSV", () => {
    const table = readCsv(serviceReportCsv(report, "en")).rows;
    const header = table[0]!;
    const at = (asset: string, column: string) => table.find((r) => r[0] === asset)![header.indexOf(column)];
    expect(table.every((r) => r.length === header.length)).toBe(true);
    expect(at("T01", "condition")).toBe("alarm");
    expect(at("T01", "open_alarms")).toBe(
      "bearing_outer_race@main_bearing:alarm;overall_vibration@main_bearing:alarm",
    );
    expect([at("T01", "action_code"), at("T01", "urgency"), at("T01", "within_days")]).toEqual([
      "reduce_load_and_inspect",
      "immediate",
      "1",
    ]);
    expect(at("T01", "action")).toMatch(/^ISO 10816-21 zone D/);
    expect([at("T02", "annunciations"), at("T02", "chattering_alarms")]).toEqual(["3", "1"]);
    expect([at("TOTAL", "annunciations"), at("TOTAL", "stale_alarms")]).toEqual(["6", "2"]);
  });

  describe.skipIf(skipPdfText)("PDF (pdftotext)", () => {
    it("puts results before the method, in Russian and English", async () => {
      const ru = pdfText(await renderServiceReportPdf(report, "ru"));
      for (const expected of [
        "Состояние на 07.03.2026 12:00",
        "7 из 31 (месяц ещё идёт)",
        "Состояние объектов",
        "ВЭУ 1 (T01)",
        "Зона D по ISO 10816-21: снизить нагрузку или остановить установку",
        "немедленно (в течение суток)",
        "Запланировать замену подшипника",
        "частота 2,13 Гц",
        "18,5 дБ",
        "амплитуда 0,00210",
        "Тренд худшей точки: Главный подшипник",
        "граница C/D 3,2",
        "Качество сигнализации",
        "Дребезжащих тревог (≥ 3 оповещений за минуту) 1",
        "ослабление креплений",
        "Таблица рекомендаций",
        "ISO 13374-1:2003",
        "ISO 17359:2018",
      ])
        expect(ru, expected).toContain(expected);
      // Results first: the condition, the figures and the health all come before the method.
      const method = ru.indexOf("Методика");
      for (const section of ["Состояние объектов", "Обслуживание по объектам", "Качество сигнализации"])
        expect(ru.indexOf(section), section).toBeLessThan(method);

      const en = pdfText(await renderServiceReportPdf(report, "en"));
      for (const expected of [
        "Condition as of 2026-03-07 12:00",
        "7 of 31 (month still running)",
        "Condition of the assets",
        "ISO 10816-21 zone D: reduce the load or stop the turbine",
        "immediate (within 24 h)",
        "Trend of the worst point: Main bearing",
        "Alarm system health",
        "Advisory table",
      ])
        expect(en, expected).toContain(expected);
      expect(en.indexOf("Condition of the assets")).toBeLessThan(en.indexOf("Method"));
    });
  });
});
