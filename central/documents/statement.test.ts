// The monthly statement on a month worked out by hand. Every expected
// amount below is computed in the comments from the inputs (contract
// terms, monitored days, the alarms), not by the code under test: fees per
// turbine-day and per turbine-month (pro rata, with a contract that starts
// mid-month), SLA credits with the alarms that earned them (and the alarms
// that earn none: not escalated, raised before the contract, under a
// contract without terms), a credit cap per contract, VAT once on the net,
// and rounding to the kopeck (half a kopeck up).
import { describe, expect, it } from "vitest";
import type { ContractTerms } from "../config.ts";
import type { AlarmRecord } from "../maintenance/alarm-book.ts";
import type { Contract } from "../maintenance/contracts.ts";
import type { ServiceReport, ServiceReportRow } from "../maintenance/service-report.ts";
import {
  divRoundHalfUp,
  formatRate,
  formatRub,
  kopecksToDecimal,
  percentToBasisPoints,
  rubToKopecks,
} from "./money.ts";
import { buildStatement, statementCsv } from "./statement.ts";

/** Moscow local time (UTC+3 all year) → epoch ms. */
const msk = (local: string): number => Date.parse(`${local}:00+03:00`);

const row = (asset: string, daysMonitored: number): ServiceReportRow =>
  ({
    asset,
    name: `Turbine ${asset}`,
    kind: "wind_turbine",
    site: "wf1",
    siteName: "Wind farm 1",
    daysUnderContract: daysMonitored,
    daysMonitored,
  }) as ServiceReportRow;

const report = (month: string, from: string, to: string, days: number, rows: ServiceReportRow[]) =>
  ({
    company: { id: "sc-north", name: "North Wind Service" },
    month,
    timeZone: "Europe/Moscow",
    from,
    to,
    daysInMonth: days,
    generatedAt: "2026-03-01T09:00:00.000Z",
    generatedBy: "test",
    assets: rows,
    totals: {} as ServiceReport["totals"],
  }) as ServiceReport;

const contract = (
  id: string,
  assets: string[],
  fromMs: number,
  toMs: number | null,
  terms: ContractTerms | null,
): Contract => ({
  id,
  company: "sc-north",
  assets,
  fromMs,
  toMs,
  responseTimeMs: 30 * 60_000,
  terms,
  source: "config",
});

/** An alarm routed to sc-north, raised at `raised` (Moscow time); escalated or not. */
const alarm = (id: string, asset: string, raised: string, escalated: boolean): AlarmRecord =>
  ({
    id,
    asset,
    point: "main_bearing",
    fault: "bearing_outer_race",
    severity: "alarm",
    maxSeverity: "alarm",
    state: "cleared",
    company: "sc-north",
    site: "wf1",
    raisedAt: new Date(msk(raised)).toISOString(),
    responseDueAt: new Date(msk(raised) + 30 * 60_000).toISOString(),
    acknowledgedAt: escalated ? null : new Date(msk(raised) + 10 * 60_000).toISOString(),
    escalatedAt: escalated ? new Date(msk(raised) + 30 * 60_000).toISOString() : null,
  }) as AlarmRecord;

describe("money in kopecks", () => {
  it("parses decimal roubles exactly and refuses what is not an amount", () => {
    // 0.1 is no binary fraction here: 0 roubles and 10 kopecks.
    expect(rubToKopecks("0.1")).toBe(10);
    expect(rubToKopecks("1500.5")).toBe(150_050);
    expect(rubToKopecks("1234.56")).toBe(123_456);
    expect(rubToKopecks("999999999999.99")).toBe(99_999_999_999_999);
    for (const bad of ["1e3", "-1", "1.005", "", "1,50", " 1", "0x10", "１"])
      expect(() => rubToKopecks(bad), bad).toThrow(RangeError);
    expect(percentToBasisPoints("22")).toBe(2200);
    expect(percentToBasisPoints("10.5")).toBe(1050);
    expect(() => percentToBasisPoints("22%")).toThrow(RangeError);
  });

  it("rounds a half kopeck away from zero, anything less down", () => {
    expect(divRoundHalfUp(5, 10)).toBe(1); // 0.5 → 1
    expect(divRoundHalfUp(4, 10)).toBe(0); // 0.4 → 0
    expect(divRoundHalfUp(15, 10)).toBe(2); // 1.5 → 2
    expect(divRoundHalfUp(-15, 10)).toBe(-2);
    expect(divRoundHalfUp(25, 10)).toBe(3); // not banker's rounding (which gives 2)
    expect(() => divRoundHalfUp(1, 0)).toThrow(RangeError);
  });

  it("formats for the reader in both languages", () => {
    // Thin no-break space between thousands, comma before kopecks, no-break space before ₽.
    expect(formatRub(9_171_256, "ru")).toBe("91\u202F712,56\u00A0₽");
    expect(formatRub(9_171_256, "en")).toBe("RUB\u00A091,712.56");
    expect(formatRub(-740_031, "ru")).toBe("\u22127\u202F400,31\u00A0₽");
    expect(kopecksToDecimal(5)).toBe("0.05");
    expect(kopecksToDecimal(-740_031)).toBe("-7400.31");
    expect(formatRate(2200, "ru")).toBe("22\u00A0%");
    expect(formatRate(1050, "en")).toBe("10.5%");
  });
});

describe("statement of February 2026 for sc-north (worked by hand)", () => {
  // February 2026 in Moscow: 28 days, 2026-01-31T21:00Z .. 2026-02-28T21:00Z.
  const feb = report("2026-02", "2026-01-31T21:00:00.000Z", "2026-02-28T21:00:00.000Z", 28, [
    row("T01", 28),
    row("T02", 25),
    // C2 covers T03 from 11 February: 18 days under contract, monitored on 16 of them.
    row("T03", 16),
    row("T04", 20),
  ]);
  const contracts = [
    // C1: 1 234.56 ₽ per monitored turbine-day; 5 000 ₽ per breach, credits capped at 10 % of its fee.
    contract("C1", ["T01", "T02"], msk("2026-01-01T00:00"), null, {
      fee: { per: "turbine_day", rub: "1234.56" },
      creditPerBreachRub: "5000",
      creditCapPercent: "10",
    }),
    // C2 starts mid-month: 30 000 ₽ per turbine-month pro rata; 2 500.50 ₽ per breach, cap 5 %.
    contract("C2", ["T03"], msk("2026-02-11T00:00"), null, {
      fee: { per: "turbine_month", rub: "30000.00" },
      creditPerBreachRub: "2500.50",
      creditCapPercent: "5",
    }),
    // C3: no terms, not billed (and earns no credits).
    contract("C3", ["T04"], msk("2026-01-01T00:00"), null, null),
  ];
  const alarms = [
    alarm("A1", "T01", "2026-02-03T10:00", true), // C1: credit
    alarm("A2", "T02", "2026-02-14T22:30", true), // C1: credit
    alarm("A3", "T01", "2026-02-20T08:00", false), // acknowledged in time: no credit
    alarm("A4", "T03", "2026-02-05T12:00", true), // before C2 began: under no contract with terms
    alarm("A5", "T03", "2026-02-15T03:00", true), // C2: credit
    alarm("A6", "T04", "2026-02-16T09:00", true), // C3 has no terms
  ];
  const s = buildStatement({
    report: feb,
    region: { id: "region", name: "Region" },
    contracts,
    alarms,
    defaultVatRatePercent: "22",
    nowMs: Date.parse("2026-03-01T09:00:00Z"),
  });

  it("prices each turbine by its contract: per day, and per month pro rata with the month's days", () => {
    expect(s.lines.map((l) => [l.asset, l.contract, l.per, l.unitFeeKopecks, l.amountKopecks])).toEqual([
      // T01: 28 days × 1 234.56 ₽ = 34 567.68 ₽ = 3 456 768 kop.
      ["T01", "C1", "turbine_day", 123_456, 3_456_768],
      // T02: 25 days × 1 234.56 ₽ = 30 864.00 ₽ = 3 086 400 kop.
      ["T02", "C1", "turbine_day", 123_456, 3_086_400],
      // T03: 30 000 ₽ × 16 / 28 = 17 142.857 14… ₽ → 17 142.86 ₽ = 1 714 286 kop.
      ["T03", "C2", "turbine_month", 3_000_000, 1_714_286],
      // T04: no terms, 0.
      ["T04", null, null, 0, 0],
    ]);
    // 3 456 768 + 3 086 400 + 1 714 286 = 8 257 454 kop.
    expect(s.totals.feeKopecks).toBe(8_257_454);
  });

  it("credits the escalated alarms under a contract with terms, each with its alarm", () => {
    expect(s.credits.map((c) => [c.alarm, c.asset, c.contract, c.creditKopecks])).toEqual([
      ["A1", "T01", "C1", 500_000],
      ["A2", "T02", "C1", 500_000],
      ["A5", "T03", "C2", 250_050],
    ]);
    const a5 = s.credits.find((c) => c.alarm === "A5")!;
    expect(a5.raisedAt).toBe("2026-02-15T00:00:00.000Z");
    expect(a5.escalatedAt).toBe("2026-02-15T00:30:00.000Z");
    expect(a5.acknowledgedAt).toBeNull();
    // Claimed: 5 000 + 5 000 + 2 500.50 = 12 500.50 ₽.
    expect(s.totals.creditsClaimedKopecks).toBe(1_250_050);
  });

  it("caps each contract's credits at its share of that contract's fee, then charges VAT once on the net", () => {
    // C1: fee 6 543 168 kop, cap 10 % = 654 316.8 → 654 317 kop < claimed 1 000 000 → 654 317.
    // C2: fee 1 714 286 kop, cap 5 % = 85 714.3 → 85 714 kop < claimed 250 050 → 85 714.
    // Credits 654 317 + 85 714 = 740 031 kop = 7 400.31 ₽.
    expect(s.totals.creditsKopecks).toBe(740_031);
    // Net 8 257 454 − 740 031 = 7 517 423 kop.
    expect(s.totals.netKopecks).toBe(7_517_423);
    // VAT 22 %: 7 517 423 × 0.22 = 1 653 833.06 → 1 653 833 kop.
    expect(s.vatRateBasisPoints).toBe(2200);
    expect(s.totals.vatKopecks).toBe(1_653_833);
    // Gross 7 517 423 + 1 653 833 = 9 171 256 kop = 91 712.56 ₽.
    expect(s.totals.grossKopecks).toBe(9_171_256);
  });

  it("writes the same figures as decimal roubles in the CSV", () => {
    const csv = statementCsv(s).trim().split("\r\n");
    expect(csv[0]).toBe(
      "kind,asset_or_alarm,name,contract,per,unit_fee_rub,days_monitored,days_in_month,amount_rub",
    );
    expect(csv).toContain("fee,T03,Turbine T03,C2,turbine_month,30000.00,16,28,17142.86");
    expect(csv).toContain("credit,A5,T03,C2,,,,,-2500.50");
    expect(csv.slice(-5)).toEqual([
      "total_fee,,,,,,,,82574.54",
      "total_credits,,,,,,,,-7400.31",
      "net,,,,,,,,75174.23",
      "vat_22pct,,,,,,,,16538.33",
      "gross,,,,,,,,91712.56",
    ]);
  });
});

describe("statement edge cases (worked by hand)", () => {
  // June 2026: 30 days.
  const june = (rows: ServiceReportRow[]) =>
    report("2026-06", "2026-05-31T21:00:00.000Z", "2026-06-30T21:00:00.000Z", 30, rows);
  const build = (rows: ServiceReportRow[], cs: Contract[], as: AlarmRecord[] = []) =>
    buildStatement({
      report: june(rows),
      region: { id: "region", name: "Region" },
      contracts: cs,
      alarms: as,
      defaultVatRatePercent: "22",
      nowMs: 0,
    });

  it("rounds a pro-rata line's half kopeck up, and leaves credits under the cap whole", () => {
    const s = build(
      [row("T01", 15)],
      [
        contract("C1", ["T01"], msk("2026-01-01T00:00"), null, {
          fee: { per: "turbine_month", rub: "1000.01" },
          creditPerBreachRub: "100",
          creditCapPercent: "100",
          vatRatePercent: "10",
        }),
      ],
      [alarm("A1", "T01", "2026-06-10T10:00", true)],
    );
    // 100 001 kop × 15 / 30 = 50 000.5 → 50 001 kop (half up).
    expect(s.lines[0]!.amountKopecks).toBe(50_001);
    // Credit 10 000 kop under the cap of 100 % (50 001): whole.
    expect(s.totals.creditsKopecks).toBe(10_000);
    // Net 40 001; VAT 10 % (the contract's rate) = 4 000.1 → 4 000; gross 44 001.
    expect(s.vatRateBasisPoints).toBe(1000);
    expect(s.totals).toMatchObject({ netKopecks: 40_001, vatKopecks: 4_000, grossKopecks: 44_001 });
  });

  it("charges no VAT for an executor at 0 %, and a contract ended before the month bills nothing", () => {
    const s = build(
      [row("T01", 30), row("T02", 0)],
      [
        contract("C1", ["T01"], msk("2026-01-01T00:00"), null, {
          fee: { per: "turbine_day", rub: "0.01" },
          creditPerBreachRub: "0",
          creditCapPercent: "100",
          vatRatePercent: "0",
        }),
        contract("C0", ["T02"], msk("2026-01-01T00:00"), msk("2026-06-01T00:00"), {
          fee: { per: "turbine_day", rub: "9999" },
          creditPerBreachRub: "0",
          creditCapPercent: "100",
          vatRatePercent: "0",
        }),
      ],
    );
    // 30 × 1 kop = 30 kop; C0 ended at the month's start: T02 is under no contract in June.
    expect(s.lines.map((l) => [l.asset, l.contract, l.amountKopecks])).toEqual([
      ["T01", "C1", 30],
      ["T02", null, 0],
    ]);
    expect(s.totals).toMatchObject({ netKopecks: 30, vatKopecks: 0, grossKopecks: 30 });
  });

  it("refuses a month whose contracts disagree on VAT, or an asset under two contracts with different terms", () => {
    const terms = (rub: string, vat: string): ContractTerms => ({
      fee: { per: "turbine_day", rub },
      creditPerBreachRub: "0",
      creditCapPercent: "100",
      vatRatePercent: vat,
    });
    expect(() =>
      build(
        [row("T01", 30), row("T02", 30)],
        [
          contract("C1", ["T01"], msk("2026-01-01T00:00"), null, terms("1", "22")),
          contract("C2", ["T02"], msk("2026-01-01T00:00"), null, terms("1", "20")),
        ],
      ),
    ).toThrow(/different VAT rates/);
    expect(() =>
      build(
        [row("T01", 30)],
        [
          contract("C1", ["T01"], msk("2026-01-01T00:00"), msk("2026-06-15T00:00"), terms("1", "22")),
          contract("C2", ["T01"], msk("2026-06-15T00:00"), null, terms("2", "22")),
        ],
      ),
    ).toThrow(/C1, C2 with different terms/);
  });
});
