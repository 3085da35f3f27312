// The monthly service report from real parts: a metadata SQLite file with a
// small fleet and one contract moving a turbine between companies for part
// of the month, alarms raised, acknowledged, escalated and cleared through
// the alarm book on a controllable clock, work orders, and measurements in a
// real embedded store on chosen local days. Every expected figure is worked
// out by hand below from those inputs (not by the report's own code), in the
// company's zone (Europe/Moscow, UTC+3 all year): March 2026 runs from
// 2026-02-28T21:00Z to 2026-03-31T21:00Z.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Point } from "../../common/wire.ts";
import { type AlarmParts, openAlarmParts } from "../../test/helpers/alarm-parts.ts";
import { pdfText, skipPdfText } from "../../test/helpers/service-files.ts";
import { readCsv } from "../lib/csv.ts";
import type { MetaStore } from "../meta/meta.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import type { AlarmBook, Condition } from "./alarm-book.ts";
import { Contracts } from "./contracts.ts";
import {
  buildServiceReport,
  durationStats,
  localMidnightMs,
  monthDays,
  type ServiceReport,
  serviceReportCsv,
} from "./service-report.ts";
import { formatHoursMinutes, renderServiceReportPdf } from "./service-report-pdf.ts";
import { WorkOrders } from "./work-orders.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
/** An instant in Moscow local time ("2026-03-03T10:00" → epoch ms). */
const msk = (local: string): number => Date.parse(`${local}:00+03:00`);

describe("month and duration arithmetic (hand-worked)", () => {
  it("finds local midnights, also across a daylight-saving change", async () => {
    expect(localMidnightMs(2026, 2, 1, "Europe/Moscow")).toBe(Date.parse("2026-02-28T21:00:00Z"));
    const berlin = monthDays("2026-03", "Europe/Berlin");
    expect(berlin.starts.length).toBe(31);
    // CET (UTC+1) until 29 March 02:00, CEST (UTC+2) after.
    expect(berlin.starts[0]).toBe(Date.parse("2026-02-28T23:00:00Z"));
    expect(berlin.starts[28]).toBe(Date.parse("2026-03-28T23:00:00Z"));
    expect(berlin.starts[29]).toBe(Date.parse("2026-03-29T22:00:00Z"));
    expect(berlin.endMs).toBe(Date.parse("2026-03-31T22:00:00Z"));
    expect(monthDays("2028-02", "UTC").starts.length).toBe(29);
    expect(() => monthDays("2026-3", "UTC")).toThrow(RangeError);
  });

  it("takes the median as the middle (mean of two), the 90th percentile by nearest rank", async () => {
    expect(durationStats([])).toEqual({ count: 0, medianMin: null, p90Min: null, maxMin: null });
    expect(durationStats([5 * MIN])).toEqual({ count: 1, medianMin: 5, p90Min: 5, maxMin: 5 });
    // Sorted 1..10 min: median (5 + 6) / 2, 90 % rank ceil(9) = 9th value.
    const ten = [7, 3, 10, 1, 5, 9, 2, 8, 6, 4].map((m) => m * MIN);
    expect(durationStats(ten)).toEqual({ count: 10, medianMin: 5.5, p90Min: 9, maxMin: 10 });
    // Eleven values: rank ceil(9.9) = 10th.
    expect(durationStats([...ten, 11 * MIN]).p90Min).toBe(10);
    expect([0, 0.4, 59.6, 185, null].map(formatHoursMinutes)).toEqual(["0:00", "0:00", "1:00", "3:05", "—"]);
  });
});

describe("monthly service report", () => {
  let alarms: AlarmParts;
  let meta: MetaStore;
  let store: TimeSeriesStore;
  let now: number;
  let book: AlarmBook;
  let contracts: Contracts;
  let orders: WorkOrders;
  let north: ServiceReport;
  let south: ServiceReport;

  // The alarms, as conditions holding over [from, to) (to null: still holding at the end).
  interface Spec {
    name: string;
    condition: Omit<Condition, "severity" | "sinceMs">;
    from: number;
    to: number | null;
    /** Severity from an instant on (the first entry at `from`). */
    severity: [number, "warning" | "alarm"][];
  }
  const point = (asset: string, p: string, fault: string) => ({ asset, point: p, fault, isoZone: null });
  const A1: Spec = {
    // T01, warning, becoming an alarm after 10 min; acknowledged after 12 min; cleared after 5 h.
    name: "A1",
    condition: point("T01", "main_bearing", "bearing_outer_race"),
    from: msk("2026-03-03T10:00"),
    to: msk("2026-03-03T15:00"),
    severity: [
      [msk("2026-03-03T10:00"), "warning"],
      [msk("2026-03-03T10:10"), "alarm"],
    ],
  };
  const A2: Spec = {
    // T01, warning; acknowledged after 40 min; cleared after 2 h.
    name: "A2",
    condition: point("T01", "gearbox_hss", "gear_mesh"),
    from: msk("2026-03-05T08:00"),
    to: msk("2026-03-05T10:00"),
    severity: [[msk("2026-03-05T08:00"), "warning"]],
  };
  const A3: Spec = {
    // T03, alarm; nobody acknowledges within the 30 min response time → escalated; acknowledged after 90 min; never cleared.
    name: "A3",
    condition: point("T03", "main_bearing", "overall_vibration"),
    from: msk("2026-03-08T12:00"),
    to: null,
    severity: [[msk("2026-03-08T12:00"), "alarm"]],
  };
  const A4: Spec = {
    // T02 while under sc-north's contract; warning, never acknowledged, cleared after 3 h.
    name: "A4",
    condition: point("T02", "generator_de", "imbalance"),
    from: msk("2026-03-12T09:00"),
    to: msk("2026-03-12T12:00"),
    severity: [[msk("2026-03-12T09:00"), "warning"]],
  };
  const A5: Spec = {
    // T02 after the contract: sc-south's, so not in sc-north's report. Acknowledged after 5 min.
    name: "A5",
    condition: point("T02", "generator_de", "misalignment"),
    from: msk("2026-03-25T09:00"),
    to: msk("2026-03-25T09:30"),
    severity: [[msk("2026-03-25T09:00"), "warning"]],
  };
  const A6: Spec = {
    // T01, raised in February: not March's, though cleared in March.
    name: "A6",
    condition: point("T01", "main_bearing", "imbalance"),
    from: msk("2026-02-27T10:00"),
    to: msk("2026-03-02T10:00"),
    severity: [[msk("2026-02-27T10:00"), "warning"]],
  };
  const A7: Spec = {
    // T01, raised at 01:00 on 1 April local time (still 31 March in UTC): April's.
    name: "A7",
    condition: point("T01", "gearbox_hss", "looseness"),
    from: msk("2026-04-01T01:00"),
    to: null,
    severity: [[msk("2026-04-01T01:00"), "alarm"]],
  };
  const SPECS = [A1, A2, A3, A4, A5, A6, A7];
  const ACKS: [Spec, number][] = [
    [A1, A1.from + 12 * MIN],
    [A2, A2.from + 40 * MIN],
    [A3, A3.from + 90 * MIN],
    [A5, A5.from + 5 * MIN],
  ];

  // Measurements: local days with a vibration RMS (turbines) or an energy reading (the school).
  const vibration = (asset: string, local: string, field = "v_rms_mm_s"): Point => ({
    measurement: "vibration",
    tags: { site: "wf1", asset, point: "main_bearing" },
    fields: { [field]: 1.4 },
    ts: msk(local),
  });
  const POINTS: Point[] = [
    vibration("T01", "2026-02-28T23:30"), // 28 Feb local: before the month
    vibration("T01", "2026-03-01T01:00"), // 1 March local, still 28 Feb in UTC
    vibration("T01", "2026-03-02T08:00"),
    vibration("T01", "2026-03-02T20:00"), // the same day again
    vibration("T01", "2026-03-05T10:00", "a_rms_g"), // another field only: not a monitored day
    vibration("T01", "2026-03-15T12:00"),
    vibration("T01", "2026-03-31T23:30"), // 31 March local, 20:30 UTC
    vibration("T01", "2026-04-01T00:30"), // 1 April local, still 31 March in UTC
    vibration("T02", "2026-03-05T12:00"),
    vibration("T02", "2026-03-12T12:00"),
    vibration("T02", "2026-03-20T18:00"), // the day the contract ends at noon
    vibration("T02", "2026-03-25T12:00"),
    {
      measurement: "meter",
      tags: { site: "fac1", asset: "S01" },
      fields: { energy_kwh: 1200 },
      ts: msk("2026-03-03T09:00"),
    },
    {
      measurement: "meter",
      tags: { site: "fac1", asset: "S01" },
      fields: { energy_kwh: 1260 },
      ts: msk("2026-03-04T09:00"),
    },
  ];

  beforeAll(async () => {
    now = A6.from - HOUR;
    const clock = () => now;
    const config = {
      tenants: [
        { id: "sc-north", name: "Северный ветер" },
        { id: "sc-south", name: "Южный ветер" },
      ],
      sites: [
        { id: "wf1", name: "Ветропарк 1", kind: "wind_farm" },
        { id: "fac1", name: "Школа № 7", kind: "facility" },
      ],
      assets: [
        { id: "T01", name: "ВЭУ 1", kind: "turbine", site: "wf1", tenant: "sc-north", points: [] },
        { id: "T02", name: "ВЭУ 2", kind: "turbine", site: "wf1", tenant: "sc-south", points: [] },
        { id: "T03", name: "ВЭУ 3", kind: "turbine", site: "wf1", tenant: "sc-north", points: [] },
        { id: "S01", name: "Школа № 7", kind: "school", site: "fac1", tenant: "sc-north", points: [] },
      ],
      alarms: { evaluateEveryMs: 0, clearAfterMs: 0, defaultResponseTimeMinutes: 30 },
    };
    alarms = await openAlarmParts(config, clock);
    ({ meta, store, book } = alarms);
    contracts = new Contracts(meta, clock);
    orders = new WorkOrders(meta.db, clock);
    // T02 is sc-south's; sc-north maintains it from 10 March 00:00 to 20 March 12:00 local.
    await contracts.putContract({
      company: "sc-north",
      assets: ["T02"],
      fromMs: msk("2026-03-10T00:00"),
      toMs: msk("2026-03-20T12:00"),
      responseTimeMs: 30 * MIN,
    });
    const policy = { clearAfterMs: 0, routeOf: await alarms.evaluator.routes() };

    // Play the month: an observation at every change (and one when A3's response time has run out), acks in between.
    const conditionsAt = (t: number): Condition[] =>
      SPECS.filter((s) => s.from <= t && (s.to === null || t < s.to)).map((s) => ({
        ...s.condition,
        sinceMs: s.from,
        severity: s.severity.filter(([at]) => at <= t).at(-1)![1],
      }));
    const times = new Set<number>([A3.from + 31 * MIN]);
    for (const s of SPECS) {
      for (const [at] of s.severity) times.add(at);
      if (s.to !== null) times.add(s.to);
    }
    const steps = [
      ...[...times].map((t) => ({ t, order: 0, run: () => book.reconcile(conditionsAt(t), t, policy) })),
      ...ACKS.map(([s, t]) => ({
        t,
        order: 1,
        run: async () =>
          await book.acknowledge(
            (await book.resolve(`${s.condition.asset}:${s.condition.point}:${s.condition.fault}`))!.id,
            "dispatcher",
            null,
          ),
      })),
    ].sort((a, b) => a.t - b.t || a.order - b.order);
    for (const step of steps) {
      now = step.t;
      await step.run();
    }

    // Work orders: A6's opened in February and done on 2 March; A1's opened and done in March; A3's opened
    // on 31 March 23:00 local; A5's (sc-south) opened in March.
    const alarmOf = async (s: Spec) =>
      (await book.resolve(`${s.condition.asset}:${s.condition.point}:${s.condition.fault}`))!;
    const at = (t: number) => {
      now = t;
    };
    at(msk("2026-02-27T12:00"));
    const wo6 = await orders.create({ alarm: await alarmOf(A6), title: "A6", actor: "x" });
    at(msk("2026-03-02T11:00"));
    await orders.update(wo6.id, { state: "done" }, "x");
    at(msk("2026-03-03T11:00"));
    const wo1 = await orders.create({ alarm: await alarmOf(A1), title: "A1", actor: "x" });
    at(msk("2026-03-04T09:00"));
    await orders.update(wo1.id, { state: "in_progress" }, "x");
    await orders.update(wo1.id, { state: "done" }, "x");
    at(msk("2026-03-31T23:00"));
    await orders.create({ alarm: await alarmOf(A3), title: "A3", actor: "x" });
    at(msk("2026-03-25T10:00"));
    await orders.create({ alarm: await alarmOf(A5), title: "A5", actor: "y" });

    const written = await store.write(POINTS);
    expect(written.kind).toBe("success");

    now = msk("2026-04-02T09:00");
    const build = async (id: string) => {
      const r = await buildServiceReport(
        { store, meta, book, contracts, workOrders: orders },
        {
          company: (await contracts.getCompany(id))!,
          month: "2026-03",
          generatedBy: "ministry (ministry)",
          nowMs: now,
        },
      );
      if (r.kind !== "success") throw new Error(r.message);
      return r.value;
    };
    north = await build("sc-north");
    south = await build("sc-south");
  });
  afterAll(async () => alarms?.close());

  const row = (r: ServiceReport, asset: string) => r.assets.find((a) => a.asset === asset)!;

  it("covers the company's month in its zone and lists the assets it maintained in it", async () => {
    expect(north).toMatchObject({
      company: { id: "sc-north", name: "Северный ветер" },
      month: "2026-03",
      timeZone: "Europe/Moscow",
      from: "2026-02-28T21:00:00.000Z",
      to: "2026-03-31T21:00:00.000Z",
      daysInMonth: 31,
      generatedBy: "ministry (ministry)",
    });
    expect(north.assets.map((a) => a.asset)).toEqual(["S01", "T01", "T02", "T03"]);
    expect(row(north, "T02")).toMatchObject({ name: "ВЭУ 2", siteName: "Ветропарк 1", kind: "turbine" });
    expect(south.assets.map((a) => a.asset)).toEqual(["T02"]);
  });

  it("counts days under contract and monitored days in local days", async () => {
    // T01, T03, S01: owned by sc-north, no contract elsewhere → all 31 days.
    // T02: 10 March 00:00 to 20 March 12:00 → days 10…20 = 11 days (the 20th partly).
    const days = (r: ServiceReport) => r.assets.map((a) => [a.asset, a.daysUnderContract, a.daysMonitored]);
    expect(days(north)).toEqual([
      ["S01", 31, 2], // meter readings on 3 and 4 March
      ["T01", 31, 4], // 1, 2 (twice), 15, 31 March; not 28 Feb, not 1 April, not 5 March (no RMS)
      ["T02", 11, 2], // data on 5, 12, 20, 25 March; under contract only 12 and 20
      ["T03", 31, 0], // no data
    ]);
    expect(north.totals).toMatchObject({ assets: 4, daysUnderContract: 104, daysMonitored: 8 });
    // sc-south keeps T02 on days 1…9 and 20…31 (the 20th shared): 9 + 12 = 21; data on 5, 20, 25.
    expect(days(south)).toEqual([["T02", 21, 3]]);
    expect(south.totals).toMatchObject({ daysUnderContract: 21, daysMonitored: 3 });
  });

  it("counts the month's alarms by highest severity, with acknowledge and close times, escalations and work orders", async () => {
    // T01: A1 (alarm at its highest), A2 (warning); A6 is February's, A7 April's.
    //   ack 12 and 40 min → median 26, p90 (rank ceil(1.8) = 2) 40, max 40;
    //   close 300 and 120 min → median 210, p90 300, max 300.
    //   Work orders: A1's opened and done, A6's done → opened 1, done 2.
    expect(row(north, "T01")).toMatchObject({
      alarms: { warning: 1, alarm: 1, total: 2 },
      unacknowledged: 0,
      timeToAcknowledge: { count: 2, medianMin: 26, p90Min: 40, maxMin: 40 },
      timeToClose: { count: 2, medianMin: 210, p90Min: 300, maxMin: 300 },
      escalations: 0,
      workOrders: { opened: 1, done: 2 },
    });
    // T03: A3, escalated, acknowledged after 90 min, still open; its order opened on the 31st.
    expect(row(north, "T03")).toMatchObject({
      alarms: { warning: 0, alarm: 1, total: 1 },
      unacknowledged: 0,
      timeToAcknowledge: { count: 1, medianMin: 90, p90Min: 90, maxMin: 90 },
      timeToClose: { count: 0, medianMin: null, p90Min: null, maxMin: null },
      escalations: 1,
      workOrders: { opened: 1, done: 0 },
    });
    // T02 for sc-north: A4 only (never acknowledged, closed after 180 min); A5 went to sc-south.
    expect(row(north, "T02")).toMatchObject({
      alarms: { warning: 1, alarm: 0, total: 1 },
      unacknowledged: 1,
      timeToAcknowledge: { count: 0, medianMin: null },
      timeToClose: { count: 1, medianMin: 180, p90Min: 180, maxMin: 180 },
      workOrders: { opened: 0, done: 0 },
    });
    expect(row(north, "S01").alarms.total).toBe(0);
    // All four: ack [12, 40, 90] → median 40, p90 (rank ceil(2.7) = 3) 90; close [120, 180, 300] → median 180, p90 300.
    expect(north.totals).toMatchObject({
      alarms: { warning: 2, alarm: 2, total: 4 },
      unacknowledged: 1,
      timeToAcknowledge: { count: 3, medianMin: 40, p90Min: 90, maxMin: 90 },
      timeToClose: { count: 3, medianMin: 180, p90Min: 300, maxMin: 300 },
      escalations: 1,
      workOrders: { opened: 2, done: 2 },
    });
    // sc-south: A5 only, acknowledged after 5 min, closed after 30; its order.
    expect(south.totals).toMatchObject({
      alarms: { warning: 1, alarm: 0, total: 1 },
      timeToAcknowledge: { count: 1, medianMin: 5 },
      timeToClose: { count: 1, medianMin: 30 },
      workOrders: { opened: 1, done: 0 },
    });
  });

  it("writes the CSV: one row per asset and a total row, minutes with one decimal", async () => {
    const table = readCsv(serviceReportCsv(north)).rows;
    const header = table[0]!;
    const at = (asset: string, column: string) => table.find((r) => r[0] === asset)![header.indexOf(column)];
    expect(table.map((r) => r[0])).toEqual(["asset", "S01", "T01", "T02", "T03", "TOTAL"]);
    expect(table.every((r) => r.length === header.length)).toBe(true);
    expect(at("T01", "name")).toBe("ВЭУ 1");
    expect(at("T01", "ack_median_min")).toBe("26.0");
    expect(at("T01", "close_max_min")).toBe("300.0");
    expect(at("T02", "days_under_contract")).toBe("11");
    expect(at("T02", "unacknowledged")).toBe("1");
    expect(at("T03", "close_median_min")).toBe("");
    expect(at("T03", "escalations")).toBe("1");
    expect(at("TOTAL", "days_monitored")).toBe("8");
    expect(at("TOTAL", "alarms_total")).toBe("4");
    expect(at("TOTAL", "ack_p90_min")).toBe("90.0");
    expect(at("TOTAL", "work_orders_done")).toBe("2");
    // Condition columns: T02 was handed back before the month's end (none); T01 has data, nothing open.
    expect(at("T02", "condition")).toBe("");
    expect([at("T01", "condition"), at("T01", "worst_point"), at("T01", "urgency")]).toEqual([
      "normal",
      "main_bearing",
      "routine",
    ]);
    // A3 (zone D on T03's main bearing) is still open at the end: stop or reduce the load, at once.
    expect([
      at("T03", "condition"),
      at("T03", "open_alarms"),
      at("T03", "urgency"),
      at("T03", "within_days"),
    ]).toEqual(["alarm", "overall_vibration@main_bearing:alarm", "immediate", "1"]);
    expect(at("T03", "action")).toMatch(/^Зона D по ISO 10816-21/);
    // A name with a comma is quoted.
    const quoted = serviceReportCsv({
      ...north,
      assets: [{ ...north.assets[0]!, name: "Школа № 7, корпус 2" }],
    });
    expect(quoted).toContain('"Школа № 7, корпус 2"');
  });

  describe.skipIf(skipPdfText)("PDF (pdftotext)", () => {
    it("has the title, company, period, method, every asset and the totals, in Russian and English", async () => {
      const ru = pdfText(await renderServiceReportPdf(north, "ru"));
      for (const expected of [
        "Ежемесячный отчёт об обслуживании",
        "Северный ветер",
        "март 2026",
        "01.03.2026 — 31.03.2026",
        "02.04.2026 09:00", // generated, local time
        "ministry (ministry)",
        "Методика",
        "vibration.v_rms_mm_s",
        "meter.energy_kwh",
        "ВЭУ 1 (T01)",
        "ВЭУ 3 (T03)",
        "Школа № 7 (S01)",
        "Итого",
        "Объекто-суток мониторинга (к оплате) 8",
        "Объекто-суток по договору 104",
        // Totals: ack median 40 min, p90 90 min, max 90; close median 180, p90 300.
        "медиана 0:40, 90 % 1:30, макс. 1:30 (n = 3)",
        "медиана 3:00, 90 % 5:00, макс. 5:00 (n = 3)",
        "0:26 / 0:40 / 0:40", // T01's acknowledge cell
      ])
        expect(ru, expected).toContain(expected);
      expect(ru).not.toContain("Южный ветер");

      const en = pdfText(await renderServiceReportPdf(south, "en"));
      for (const expected of [
        "Monthly service report",
        "Южный ветер",
        "March 2026",
        "2026-03-01 — 2026-03-31",
        "ВЭУ 2 (T02)",
        "Asset-days monitored (billed) 3",
      ])
        expect(en, expected).toContain(expected);
      expect(en).not.toContain("ВЭУ 1");
    });
  });
});
