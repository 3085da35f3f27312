// The PDF savings report: formatting by hand-worked cases, and the rendered
// document read back with poppler's pdftotext — the figures of a report
// built from the facility simulator (savings of known size), in Russian and
// English, checked against values this test formats itself (Intl) and sums
// itself; sections, names, notes and page numbers present; no two words on
// a page overlapping (wrapped table headers once collided with the rows).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FacilityKind, hourlyHistory } from "../../simulators/facility/model.ts";
import { pdftotextNumber } from "../../test/helpers/pdftotext.ts";
import { hasPdfToText } from "../../test/helpers/service-files.ts";
import {
  formatDate,
  formatNumber,
  formatPercent,
  formatPeriod,
  type Lang,
  zoneLabel,
  zoneOffsetMs,
  zoneOfPeriodStart,
} from "../lib/format.ts";
import { ruPlural } from "../lib/plural.ts";
import { defaultSavingsConfig } from "./config.ts";
import { withContexts } from "./intensity.ts";
import { renderPdf } from "./pdf.ts";
import { dailySeries, type FacilityReport, type SavingsReport } from "./report.ts";
import { aggregatePortfolio, computeSavings } from "./savings.ts";
import { fixedOffset, HOUR_MS } from "./series.ts";

describe("PDF number and date formatting (hand-worked)", () => {
  it("groups digits the Russian way (thin no-break space, decimal comma, true minus) and the English way", () => {
    expect(formatNumber(5_155_670.4, 0, "ru")).toBe("5\u202f155\u202f670");
    expect(formatNumber(5_155_670.4, 0, "en")).toBe("5,155,670");
    expect(formatNumber(-1234.56, 1, "ru")).toBe("\u22121\u202f234,6");
    expect(formatNumber(-1234.56, 1, "en")).toBe("\u22121,234.6");
    expect(formatNumber(999.5, 0, "ru")).toBe("1\u202f000");
    expect(formatNumber(123, 2, "en")).toBe("123.00");
    expect(formatNumber(-0.004, 2, "ru")).toBe("0,00");
    expect(formatNumber(0.35, 3, "ru")).toBe("0,350");
    expect(formatNumber(Number.NaN, 0, "ru")).toBe("—");
    expect(formatNumber(null, 0, "en")).toBe("—");
    expect(formatPercent(12.345, 1, "ru")).toBe("12,3\u00a0%");
    expect(formatPercent(12.345, 1, "en")).toBe("12.3%");
    expect(formatPercent(null, 1, "en")).toBe("—");
  });

  it("shows periods as whole local days when they start and end at local midnight", () => {
    const from = Date.UTC(2024, 11, 31, 21); // 2025-01-01 00:00 in UTC+3
    const to = Date.UTC(2025, 11, 31, 21);
    expect(zoneOfPeriodStart(from)).toBe("Etc/GMT-3");
    expect(zoneLabel("Etc/GMT-3")).toBe("UTC+3");
    expect(zoneLabel("Etc/GMT+5")).toBe("UTC−5");
    expect(zoneOfPeriodStart(Date.UTC(2025, 0, 1))).toBe("UTC");
    expect(zoneOffsetMs(from, "Etc/GMT-3")).toBe(3 * HOUR_MS);
    expect(zoneOffsetMs(Date.UTC(2025, 6, 1), "Europe/Berlin")).toBe(2 * HOUR_MS);
    expect(formatPeriod(from, to, "ru", "Etc/GMT-3")).toBe("01.01.2025 — 31.12.2025");
    expect(formatPeriod(from, to, "en", "Europe/Moscow")).toBe("2025-01-01 — 2025-12-31");
    expect(formatPeriod(from, to, "ru", "UTC")).toBe("31.12.2024 21:00 — 31.12.2025 21:00");
    expect(formatDate(Date.UTC(2026, 1, 3), "en")).toBe("2026-02-03");
  });

  it("declines Russian counts", () => {
    const f = (n: number) => ruPlural(n, "объект", "объекта", "объектов");
    expect([1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111].map(f)).toEqual([
      "объект",
      "объекта",
      "объекта",
      "объектов",
      "объектов",
      "объектов",
      "объектов",
      "объект",
      "объекта",
      "объектов",
      "объект",
      "объектов",
    ]);
  });
});

const hasPoppler = hasPdfToText;

// Baseline 2025 and reporting January–April 2026 in local days of UTC+3
// (the simulator's default zone).
const FROM = Date.UTC(2024, 11, 31, 21);
const MEASURE = Date.UTC(2025, 11, 31, 21);
const TO = Date.UTC(2026, 3, 30, 21);
const TARIFF = 8;
const FACTOR = 0.5;

interface Spec {
  id: string;
  name: string;
  kind: FacilityKind;
  seed: number;
  saving: number;
  /** Baseline hours [from, to) left without meter data. */
  gap?: [number, number];
  noData?: boolean;
}

const SPECS: Spec[] = [
  { id: "H01", name: "Городская больница № 1", kind: "hospital", seed: 5, saving: 0.12 },
  { id: "C02", name: "Поликлиника «Северная»", kind: "clinic", seed: 7, saving: 0.05 },
  // 1,500 of 8,760 baseline hours missing: coverage 82.9 %, below CalTRACK's 90 %.
  { id: "S03", name: "Школа № 14", kind: "school", seed: 9, saving: 0, gap: [2000, 3500] },
  { id: "B04", name: "Котельная", kind: "school", seed: 3, saving: 0, noData: true },
];

function facilityReport(s: Spec): { report: FacilityReport; trueAvoided: number } {
  const config = { ...defaultSavingsConfig(), tariff: { rubPerKwh: TARIFF, timeOfDay: [] } };
  config.emissionFactorKgCo2PerKwh = FACTOR;
  const rows = hourlyHistory({
    kind: s.kind,
    from: new Date(FROM),
    to: new Date(TO),
    seed: s.seed,
    measure: { from: new Date(MEASURE), savingFraction: s.saving },
  });
  const counterfactual = hourlyHistory({
    kind: s.kind,
    from: new Date(MEASURE),
    to: new Date(TO),
    seed: s.seed,
  });
  const split = (MEASURE - FROM) / HOUR_MS;
  const kwh = Float64Array.from(rows, (r) => (s.noData ? Number.NaN : r.kwh));
  const tempC = Float64Array.from(rows, (r) => r.temp_c);
  if (s.gap) kwh.fill(Number.NaN, s.gap[0], s.gap[1]);
  const r = computeSavings({
    baseline: { startMs: FROM, kwh: kwh.subarray(0, split), tempC: tempC.subarray(0, split) },
    reporting: { startMs: MEASURE, kwh: kwh.subarray(split), tempC: tempC.subarray(split) },
    offsetOf: fixedOffset(3),
    model: "auto",
    config,
  });
  const trueAvoided =
    counterfactual.reduce((a, c) => a + c.kwh, 0) - rows.slice(split).reduce((a, c) => a + c.kwh, 0);
  return {
    report: {
      id: s.id,
      name: s.name,
      kind: s.kind,
      site: `site-${s.id}`,
      ...r,
      daily: dailySeries(r.intervals),
    },
    trueAvoided,
  };
}

const reportOf = (scope: "facility" | "portfolio", facilities: FacilityReport[]): SavingsReport => ({
  scope,
  generated_at: "2026-05-04T07:30:00.000Z",
  baseline_from: new Date(FROM).toISOString(),
  baseline_to: new Date(MEASURE).toISOString(),
  reporting_from: new Date(MEASURE).toISOString(),
  reporting_to: new Date(TO).toISOString(),
  tariff_rub_per_kwh: TARIFF,
  emission_factor_kg_co2_per_kwh: FACTOR,
  facilities,
  portfolio: aggregatePortfolio(facilities),
});

/** The test's own formatting (Intl), in pdftotext's spelling. */
const intl = pdftotextNumber;

interface Word {
  text: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

describe.skipIf(!hasPoppler && process.env.CI !== "true")("PDF report read back with pdftotext", () => {
  let dir: string;
  const facilities: FacilityReport[] = [];
  const truth = new Map<string, number>();
  const files = new Map<string, string>();

  /** Writes the PDF; returns its text (-layout, spaces normalised) and page count. */
  const render = async (name: string, report: SavingsReport, lang: Lang) => {
    const file = join(dir, `${name}.pdf`);
    writeFileSync(file, await renderPdf(report, lang));
    files.set(name, file);
    const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).replace(
      /[\u00a0\u202f]/g,
      " ",
    );
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [file], { encoding: "utf8" }))?.[1]);
    return { text, pages, file };
  };

  /** Words per page with their boxes (pdftotext -bbox). */
  const words = (file: string): Word[][] => {
    const html = execFileSync("pdftotext", ["-bbox", file, "-"], { encoding: "utf8", maxBuffer: 64 << 20 });
    return html
      .split("<page ")
      .slice(1)
      .map((page) =>
        [
          ...page.matchAll(
            /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g,
          ),
        ].map((m) => ({ x0: +m[1]!, y0: +m[2]!, x1: +m[3]!, y1: +m[4]!, text: m[5]! })),
      );
  };

  /** Pairs of words on one page whose boxes overlap by more than a sliver. */
  const overlaps = (file: string): string[] => {
    const found: string[] = [];
    words(file).forEach((ws, p) => {
      for (let i = 0; i < ws.length; i++)
        for (let j = i + 1; j < ws.length; j++) {
          const a = ws[i]!;
          const b = ws[j]!;
          const dx = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
          const dy = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
          if (dx > 0.5 && dy > 1.5) found.push(`page ${p + 1}: "${a.text}" × "${b.text}"`);
        }
    });
    return found;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vetra-pdf-"));
    for (const s of SPECS) {
      const { report, trueAvoided } = facilityReport(s);
      facilities.push(report);
      truth.set(s.id, trueAvoided);
    }
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the report it renders recovers the simulator's savings (so the figures below mean something)", () => {
    const [h01, c02, s03, b04] = facilities;
    for (const f of [h01!, c02!]) {
      expect(Math.abs(f.avoided_kwh - truth.get(f.id)!)).toBeLessThanOrEqual(0.01 * f.baseline_kwh);
      expect(f.significant).toBe(true);
    }
    expect(s03!.sufficiency.ok).toBe(false);
    expect(s03!.sufficiency.notes).toContain("baseline_coverage_below_90pct");
    expect(b04!.model).toBeNull();
  });

  for (const lang of ["ru", "en"] as const) {
    it(`${lang}: portfolio — figures per facility and in total, names, notes, sections, page numbers`, async () => {
      const report = reportOf("portfolio", facilities);
      const { text, pages, file } = await render(`portfolio-${lang}`, report, lang);
      const ru = lang === "ru";
      expect(text).toContain(ru ? "Отчёт об экономии энергии" : "Energy savings report");
      expect(text).toContain(ru ? "Портфель: 4 объекта" : "Portfolio of 4 facilities");
      expect(text).toContain(
        ru ? "01.01.2025 — 31.12.2025 (365 сут.)" : "2025-01-01 — 2025-12-31 (365 days)",
      );
      expect(text).toContain(
        ru ? "01.01.2026 — 30.04.2026 (120 сут.)" : "2026-01-01 — 2026-04-30 (120 days)",
      );
      expect(text).toContain(ru ? "04.05.2026 10:30" : "2026-05-04 10:30");
      expect(text).toContain("UTC+3");
      for (const s of [
        ru ? "Методика" : "Method",
        "IPMVP",
        "CalTRACK",
        "ASHRAE Guideline 14",
        ru ? "Пороги ASHRAE Guideline 14" : "ASHRAE Guideline 14 thresholds",
        ru ? "Результаты по объектам" : "Results by facility",
        ru ? "Статистика моделей" : "Model statistics",
        ru ? "Качество данных" : "Data quality",
        ru ? "Сэкономленная энергия по объектам" : "Avoided energy by facility",
        ru ? "по месяцам" : "by month",
        ru ? "по суткам" : "by day",
      ])
        expect(text).toContain(s);
      // Per facility: name, avoided, band, %, money (= avoided × tariff), CO2 (= avoided × factor).
      for (const f of facilities.filter((x) => x.model !== null)) {
        expect(text).toContain(`${f.name} (${f.id})`);
        expect(text).toContain(`${intl(f.avoided_kwh, 0, lang)} ± ${intl(f.uncertainty_kwh, 0, lang)}`);
        expect(text).toContain(intl(f.avoided_kwh * TARIFF, 0, lang));
        expect(text).toContain(intl((f.avoided_kwh * FACTOR) / 1000, 1, lang)); // tonnes

        expect(text).toContain(intl(f.baseline_kwh, 0, lang));
        expect(text).toContain(intl(f.actual_kwh, 0, lang));
        expect(text).toContain(intl(f.savings_pct, 1, lang));
        expect(text).toContain(intl(100 * f.cv_rmse, 1, lang));
        expect(text).toContain(intl(f.r2, 3, lang));
      }
      // Portfolio: sums and root-sum-square band over the facilities with a model.
      const with_ = facilities.filter((f) => f.model !== null);
      const avoided = with_.reduce((s, f) => s + f.avoided_kwh, 0);
      const band = Math.sqrt(with_.reduce((s, f) => s + f.uncertainty_kwh ** 2, 0));
      const baseline = with_.reduce((s, f) => s + f.baseline_kwh, 0);
      expect(text).toContain(`${intl(avoided, 0, lang)} ± ${intl(band, 0, lang)} (90${ru ? " %" : "%"})`);
      expect(text).toContain(`${intl((100 * avoided) / baseline, 1, lang)}${ru ? " %" : "%"}`);
      expect(text).toContain(intl(avoided * TARIFF, 0, lang));
      // A sentence may wrap: compare with the line breaks taken out.
      expect(text.replace(/\s+/g, " ")).toContain(
        ru
          ? `от ${intl(avoided - band, 0, lang)} до ${intl(avoided + band, 0, lang)} кВт·ч`
          : `from ${intl(avoided - band, 0, lang)} to ${intl(avoided + band, 0, lang)} kWh`,
      );
      expect(text).toContain(ru ? "В итоге учтено объектов: 3 из 4" : "Facilities in the totals: 3 of 4");
      expect(text).toContain(ru ? "Котельная (B04)" : "Котельная (B04)");
      expect(text).toContain(ru ? "модель не построена" : "no model: not enough data");
      // Data quality: the gap facility's coverage and the requirement it fails.
      expect(text).toContain(intl(100 * (1 - 1500 / 8760), 1, lang));
      expect(text).toContain(
        ru ? "Требования к достаточности данных выполнены для 2 из 4" : "met for 2 of 4",
      );
      expect(text).toMatch(ru ? /покрывают менее 90 % часов/ : /cover less than 90 % of baseline/);
      // Page numbers on every page.
      expect(pages).toBeGreaterThan(6);
      expect(text).toContain(ru ? `Стр. 1 из ${pages}` : `Page 1 of ${pages}`);
      expect(text).toContain(ru ? `Стр. ${pages} из ${pages}` : `Page ${pages} of ${pages}`);
      expect(
        text.split(ru ? "Vetra · Отчёт об экономии энергии" : "Vetra · Energy savings report").length - 1,
      ).toBe(pages);
      expect(overlaps(file)).toEqual([]);

      // Results first: page 1 is the executive summary with the saving in kWh, roubles and tonnes of
      // CO2, each with its uncertainty, and what it means; the method comes after the results.
      const first = execFileSync("pdftotext", ["-layout", "-f", "1", "-l", "1", file, "-"], {
        encoding: "utf8",
      }).replace(/[\u00a0\u202f]/g, " ");
      const share = band / avoided;
      expect(first).toContain(intl(avoided, 0, lang));
      expect(first).toContain(`± ${intl(band, 0, lang)} (90${ru ? " %" : "%"})`);
      expect(first).toContain(intl(avoided * TARIFF, 0, lang));
      expect(first).toContain(`± ${intl(avoided * TARIFF * share, 0, lang)}`);
      expect(first).toContain(intl((avoided * FACTOR) / 1000, 1, lang));
      expect(first).toContain(`± ${intl((avoided * FACTOR * share) / 1000, 1, lang)}`);
      for (const label of ru ? ["Снижение выбросов", "CO₂, т"] : ["CO₂ avoided, t"])
        expect(first).toContain(label);
      expect(first).toContain(ru ? "Что это значит" : "What it means");
      expect(first.replace(/\s+/g, " ")).toContain(
        ru
          ? `между ${intl(avoided - band, 0, lang)} и ${intl(avoided + band, 0, lang)} кВт·ч`
          : `between ${intl(avoided - band, 0, lang)} and ${intl(avoided + band, 0, lang)} kWh`,
      );
      for (const role of ru
        ? ["Подготовил", "Проверил", "Утвердил"]
        : ["Prepared by", "Checked by", "Approved by"])
        expect(first).toContain(role);
      expect(first).not.toContain(ru ? "Протокол" : "Protocol");
      const methodAt = text.indexOf(
        ru ? "Модель базовой линии (CalTRACK 2.0)" : "Baseline model (CalTRACK 2.0)",
      );
      expect(methodAt).toBeGreaterThan(text.indexOf(ru ? "Результаты по объектам" : "Results by facility"));
      expect(methodAt).toBeGreaterThan(text.indexOf(ru ? "Качество данных" : "Data quality"));
    });
  }

  it("per facility: the measure and its date, energy per m², the comparison with the same kind, the configured sign-off", async () => {
    // A second hospital (H01's figures on a larger floor) to compare H01 with; C02 has no area.
    const h09 = { ...facilities[0]!, id: "H09", name: "Hospital 9" };
    const report = reportOf("portfolio", [...facilities, h09]);
    const info = {
      H01: {
        floorAreaM2: 12_000,
        measure: { from: "2026-01-01", description: { ru: "Светодиодное освещение", en: "LED lighting" } },
      },
      H09: { floorAreaM2: 15_000 },
    };
    withContexts(report, info);
    const h01 = report.facilities.find((f) => f.id === "H01")!;
    const years = (Date.parse(report.reporting_to) - Date.parse(report.reporting_from)) / (365 * 86_400_000);
    expect(h01.actual_kwh_per_m2_year).toBeCloseTo(h01.actual_kwh / 12_000 / years, 9);
    expect(h01.baseline_kwh_per_m2_year).toBeCloseTo(h01.baseline_kwh / 12_000 / years, 9);
    const file = join(dir, "context.pdf");
    writeFileSync(
      file,
      await renderPdf(report, "en", {
        signOff: [{ role: { ru: "Министр", en: "Minister" }, name: "A. B. Ivanov" }],
      }),
    );
    const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).replace(
      /[\u00a0\u202f]/g,
      " ",
    );
    const flat = text.replace(/\s+/g, " ");
    expect(flat).toContain("LED lighting (in effect since 2026-01-01)");
    expect(flat).toContain(
      `${intl(h01.actual_kwh_per_m2_year!, 1, "en")} actual; ${intl(h01.baseline_kwh_per_m2_year!, 1, "en")} without the measure`,
    );
    expect(flat).toContain("floor area not given in the configuration");
    // Same kWh on more floor: H09 uses less per m², H01 is second of the two hospitals.
    const median =
      (h01.actual_kwh_per_m2_year! + report.facilities.find((f) => f.id === "H09")!.actual_kwh_per_m2_year!) /
      2;
    expect(h01.peers).toEqual({ kind: "hospital", count: 2, median_kwh_per_m2_year: median, rank: 2 });
    expect(flat).toContain(
      `2 of 2 (hospital, lowest intensity first); median of the group ${intl(median, 1, "en")}`,
    );
    expect(text).toContain("Minister");
    expect(text).toContain("A. B. Ivanov");
    expect(text).not.toContain("Approved by");
  });

  it("facility scope in English: the facility's figures, no portfolio total", async () => {
    const f = facilities[0]!;
    const { text, pages, file } = await render("facility-en", reportOf("facility", [f]), "en");
    expect(text).toContain("Городская больница № 1 (H01)");
    expect(text).toContain(`${intl(f.avoided_kwh, 0, "en")} ± ${intl(f.uncertainty_kwh, 0, "en")} (90%)`);
    expect(text).toContain(`${intl(f.savings_pct, 1, "en")}%`);
    expect(text).toContain("The saving is statistically significant");
    expect(text).not.toContain("Portfolio total");
    expect(text).toContain(`Page ${pages} of ${pages}`);
    expect(overlaps(file)).toEqual([]);
  });

  it("a saving of 0 % is reported as not significant", async () => {
    const zero = facilityReport({ id: "Z05", name: "School 5", kind: "school", seed: 21, saving: 0 }).report;
    const { text } = await render("zero-ru", reportOf("facility", [zero]), "ru");
    expect(zero.significant).toBe(false);
    expect(text).toContain("Экономия статистически не значима");
  });

  it("a long portfolio: the table continues on further pages with its header, nothing overlaps", async () => {
    const many = Array.from({ length: 45 }, (_, i) => ({
      ...facilities[i % 2]!,
      id: `F${String(i + 1).padStart(3, "0")}`,
      name: `Учреждение здравоохранения № ${i + 1}`,
    }));
    const { text, file } = await render("many-ru", reportOf("portfolio", many), "ru");
    expect(text).toContain("Результаты по объектам (продолжение)");
    expect(text).toContain("Сэкономленная энергия по объектам (продолжение)");
    for (const f of many) expect(text).toContain(`(${f.id})`);
    expect(text).toContain("Итого по портфелю (45)");
    expect(overlaps(file)).toEqual([]);
  }, 30_000);
});
