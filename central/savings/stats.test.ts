// Statistics, degree days, tariffs and aggregation against hand-worked values.
import { describe, expect, it } from "vitest";
import { dailyMeanRate, defaultSavingsConfig, rateAt } from "./config.ts";
import { cdd, hdd, toDaily } from "./degreedays.ts";
import { mergeBins, temperatureFeatures } from "./hourly.ts";
import {
  aggregatePortfolio,
  checkSufficiency,
  intervalsCsv,
  localHourOf,
  packedIntervalsOf,
  withLazyIntervals,
} from "./savings.ts";
import { fixedOffset, HOUR_MS, hourOfWeek } from "./series.ts";
import {
  ashrae14Pass,
  fitStats,
  lag1Autocorrelation,
  lagBlock,
  normalQuantile,
  savingsUncertainty,
  selectKth,
  studentTQuantile,
  sumCorrelationRho,
} from "./stats.ts";

describe("fit statistics (ASHRAE Guideline 14 definitions)", () => {
  it("R², adjusted R², CV(RMSE), NMBE and ρ of a four-point case", () => {
    // y = 1,2,3,4; ŷ = 1.5,1.5,3.5,3.5; residuals −.5,.5,−.5,.5
    // SSE = 1, SST = 5, ȳ = 2.5, n − p = 3 with p = 1.
    const s = fitStats([1, 2, 3, 4], [1.5, 1.5, 3.5, 3.5], 1);
    expect(s.r2).toBeCloseTo(0.8, 12);
    expect(s.adjR2).toBeCloseTo(1 - (0.2 * 3) / 2, 12);
    expect(s.cvRmse).toBeCloseTo(Math.sqrt(1 / 3) / 2.5, 12);
    expect(s.nmbe).toBeCloseTo(0, 12);
    // Σ lagged products = −0.75, Σ squares = 1.
    expect(s.rho).toBeCloseTo(-0.75, 12);
  });

  it("NMBE carries the sign of the bias: Σ(y − ŷ)/((n − p)·ȳ)", () => {
    expect(fitStats([2, 4], [1, 3], 0).nmbe).toBeCloseTo(2 / (2 * 3), 12);
    expect(fitStats([2, 4], [3, 5], 0).nmbe).toBeCloseTo(-2 / (2 * 3), 12);
  });

  it("lag-1 autocorrelation of a constant-sign-alternating and a trending series", () => {
    expect(lag1Autocorrelation([1, -1, 1, -1])).toBeCloseTo(-0.75, 12);
    // 1,2,3 − mean 2 → −1,0,1: lagged 0·(−1) + 1·0 = 0.
    expect(lag1Autocorrelation([1, 2, 3])).toBeCloseTo(0, 12);
  });

  it("ASHRAE 14 thresholds: hourly 30 % / ±10 %, daily and monthly 15 % / ±5 %", () => {
    expect(ashrae14Pass({ cvRmse: 0.29, nmbe: 0.09 }, "hourly")).toBe(true);
    expect(ashrae14Pass({ cvRmse: 0.31, nmbe: 0 }, "hourly")).toBe(false);
    expect(ashrae14Pass({ cvRmse: 0.1, nmbe: -0.11 }, "hourly")).toBe(false);
    expect(ashrae14Pass({ cvRmse: 0.15, nmbe: -0.05 }, "monthly")).toBe(true);
    expect(ashrae14Pass({ cvRmse: 0.16, nmbe: 0 }, "daily")).toBe(false);
  });
});

describe("quantiles", () => {
  it("normal and Student-t quantiles match the tables", () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 5);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
    // t tables: t(0.95; 10) = 1.8125, t(0.95; 30) = 1.6973, t(0.975; 5) = 2.5706.
    expect(studentTQuantile(0.95, 10)).toBeCloseTo(1.8125, 3);
    expect(studentTQuantile(0.95, 30)).toBeCloseTo(1.6973, 3);
    expect(studentTQuantile(0.975, 5)).toBeCloseTo(2.5706, 2);
  });
});

describe("fractional savings uncertainty (ASHRAE 14 Annex B)", () => {
  it("uncorrelated residuals: n′ = n", () => {
    // 1.26 · t(0.95; 98) · 0.1 · 1000 · sqrt(1 · (1 + 2/100) / 25)
    // t(0.95; 98) = 1.66055 → 1.26 · 1.66055 · 100 · 0.201990 = 42.26
    const u = savingsUncertainty({ cvRmse: 0.1, n: 100, p: 2, rho: 0, m: 25, baselineKwh: 1000 });
    expect(u.nPrime).toBe(100);
    expect(u.t).toBeCloseTo(1.66055, 3);
    expect(u.uncertaintyKwh).toBeCloseTo(42.26, 1);
  });

  it("autocorrelation shrinks the effective sample: n′ = n(1 − ρ)/(1 + ρ)", () => {
    // ρ = 0.5: n′ = 100 · 0.5 / 1.5 = 33.33; df = 31.33, t ≈ 1.6944;
    // sqrt(3 · (1 + 0.06) / 25) = 0.356651 → 1.26 · 1.6944 · 100 · 0.356651 = 76.14
    const u = savingsUncertainty({ cvRmse: 0.1, n: 100, p: 2, rho: 0.5, m: 25, baselineKwh: 1000 });
    expect(u.nPrime).toBeCloseTo(100 / 3, 9);
    expect(u.uncertaintyKwh).toBeCloseTo(76.14, 0);
  });
});

describe("degree days and days", () => {
  it("HDD and CDD from the daily mean", () => {
    expect(hdd(10, 15)).toBe(5);
    expect(hdd(16, 15)).toBe(0);
    expect(cdd(25, 22)).toBe(3);
    expect(cdd(20, 22)).toBe(0);
  });

  it("sums complete local days and averages their temperature", () => {
    // 48 hours from local midnight at UTC+3 (21:00 UTC): day 1 all 1 kWh at 5 °C,
    // day 2 misses one hour of energy → NaN energy, temperature still 9 °C.
    const start = Date.UTC(2025, 0, 1, 21);
    const kwh = new Float64Array(48).fill(1);
    kwh[30] = Number.NaN;
    const temp = new Float64Array(48).map((_, i) => (i < 24 ? 5 : 9));
    const d = toDaily({ startMs: start, kwh, tempC: temp }, fixedOffset(3));
    expect(d.dayStartMs).toEqual([start, start + 24 * HOUR_MS]);
    expect(d.kwh[0]).toBe(24);
    expect(Number.isNaN(d.kwh[1]!)).toBe(true);
    expect(d.tempC[1]).toBe(9);
  });

  it("hour of week counts from local Monday midnight", () => {
    // 2025-01-06 is a Monday; 00:00 at UTC+3 is 2025-01-05T21:00Z.
    expect(hourOfWeek(Date.UTC(2025, 0, 5, 21), fixedOffset(3))).toBe(0);
    expect(hourOfWeek(Date.UTC(2025, 0, 12, 20), fixedOffset(3))).toBe(167);
    expect(hourOfWeek(Date.UTC(2025, 0, 7, 9), fixedOffset(0))).toBe(33);
  });
});

describe("temperature bins", () => {
  it("piecewise-linear features sum back to the temperature", () => {
    const f = new Float64Array(3);
    temperatureFeatures(15, [0, 10], f);
    expect([...f]).toEqual([0, 10, 5]);
    temperatureFeatures(-4, [0, 10], f);
    expect([...f]).toEqual([-4, 0, 0]);
  });

  it("merges thin bins until each has 20 hours", () => {
    // 25 hours at 0 °C and 25 at 10 °C: only the 7.2 °C (45 °F) endpoint separates them.
    const temps = [...new Array(25).fill(0), ...new Array(25).fill(10)];
    const e = mergeBins(
      temps,
      [30, 45, 55, 65, 75, 90].map((f) => ((f - 32) * 5) / 9),
    );
    expect(e).toHaveLength(1);
    expect(e[0]).toBeCloseTo(7.2222, 3);
  });
});

describe("tariff, portfolio, sufficiency, CSV", () => {
  it("time-of-day bands, wrapping midnight, else the flat rate", () => {
    const tariff = {
      rubPerKwh: 6,
      timeOfDay: [
        { fromHour: 7, toHour: 23, rubPerKwh: 8 },
        { fromHour: 23, toHour: 7, rubPerKwh: 3 },
      ],
    };
    expect(rateAt(tariff, 12)).toBe(8);
    expect(rateAt(tariff, 23)).toBe(3);
    expect(rateAt(tariff, 2)).toBe(3);
    expect(dailyMeanRate(tariff)).toBeCloseTo((16 * 8 + 8 * 3) / 24, 12);
    expect(rateAt(defaultSavingsConfig().tariff, 5)).toBe(7);
  });

  it("portfolio sums savings and adds uncertainties in quadrature", () => {
    const p = aggregatePortfolio([
      {
        model: "hourly",
        baseline_kwh: 1000,
        actual_kwh: 900,
        avoided_kwh: 100,
        uncertainty_kwh: 30,
        money_rub: 700,
        co2_kg: 35,
      },
      {
        model: "daily",
        baseline_kwh: 2000,
        actual_kwh: 1960,
        avoided_kwh: 40,
        uncertainty_kwh: 40,
        money_rub: 280,
        co2_kg: 14,
      },
      {
        model: null,
        baseline_kwh: 0,
        actual_kwh: 0,
        avoided_kwh: 0,
        uncertainty_kwh: Number.NaN,
        money_rub: 0,
        co2_kg: 0,
      },
    ]);
    expect(p.facilities).toBe(2);
    expect(p.avoided_kwh).toBe(140);
    expect(p.uncertainty_kwh).toBeCloseTo(50, 12);
    expect(p.savings_pct).toBeCloseTo((100 * 140) / 3000, 12);
    expect(p.fsu_pct).toBeCloseTo((100 * 50) / 140, 12);
    expect(p.significant).toBe(true);
    expect(p.money_rub).toBe(980);
  });

  it("flags short baselines, gaps and zeros", () => {
    const n = 24 * 200;
    const kwh = new Float64Array(n).fill(2);
    const temp = new Float64Array(n).fill(10);
    for (let i = 0; i < n * 0.2; i++) kwh[i] = Number.NaN; // 80 % coverage
    kwh[n - 1] = 0;
    const s = checkSufficiency(
      { startMs: 0, kwh, tempC: temp },
      { startMs: n * HOUR_MS, kwh: new Float64Array(24).fill(1), tempC: new Float64Array(24).fill(1) },
    );
    expect(s.baseline_days).toBe(200);
    expect(s.baseline_coverage).toBeCloseTo(0.8, 12);
    expect(s.temperature_coverage).toBe(1);
    expect(s.zero_hours).toBe(1);
    expect(s.notes).toEqual([
      "baseline_shorter_than_year",
      "baseline_coverage_below_90pct",
      "zero_readings",
      "outliers",
    ]);
    expect(s.ok).toBe(false);
  });

  it("CSV rows are timestamp,actual_kwh,baseline_kwh", () => {
    expect(intervalsCsv([{ ts: Date.UTC(2026, 0, 1), actual_kwh: 1.5, baseline_kwh: 2 }])).toBe(
      "timestamp,actual_kwh,baseline_kwh\r\n2026-01-01T00:00:00.000Z,1.5000,2.0000\r\n",
    );
  });
});

describe("savings config in the central config", () => {
  it("fills defaults and names an unknown key", async () => {
    const { checkCentralConfig } = await import("../config.ts");
    const ok = checkCentralConfig({ savings: { tariff: { rubPerKwh: 5.5 } } });
    expect(ok.ok && ok.config.savings.tariff.rubPerKwh).toBe(5.5);
    expect(ok.ok && ok.config.savings.emissionFactorKgCo2PerKwh).toBe(0.35);
    const bad = checkCentralConfig({ savings: { tariff: { rate: 1 } } });
    expect(bad.ok ? "" : bad.error).toBe("savings.tariff.rate: unknown key");
  });
});

describe("rewritten statistics against hand-worked values", () => {
  it("lagBlock: lagged products of eight lags in one pass", () => {
    // d = +1, −1, +1, … (n = 20): Σ_{i≥k} d[i]·d[i−k] = (−1)^k · (20 − k).
    const d = Float64Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 1 : -1));
    const cov = new Float64Array(20);
    lagBlock(d, 1, cov);
    expect([...cov.subarray(1, 9)]).toEqual([-19, 18, -17, 16, -15, 14, -13, 12]);
    lagBlock(d, 9, cov);
    expect([...cov.subarray(9, 17)]).toEqual([-11, 10, -9, 8, -7, 6, -5, 4]);
    // Lags past the end have no terms.
    const short = new Float64Array(12);
    lagBlock(Float64Array.of(1, 2, 3), 1, short);
    expect([...short.subarray(1, 9)]).toEqual([2 * 1 + 3 * 2, 3 * 1, 0, 0, 0, 0, 0, 0]);
  });

  it("sumCorrelationRho of a 4-periodic series: one pair of lags", () => {
    // 1,1,−1,−1 twice: mean 0, c0 = 8, c1 = 1, ρ1 = 1/8; n/4 = 2 lags, so
    // F = −1 + 2(1 + 1/8) = 1.25 and ρ = 0.25/2.25 = 1/9.
    expect(sumCorrelationRho([1, 1, -1, -1, 1, 1, -1, -1])).toBeCloseTo(1 / 9, 14);
  });

  it("sumCorrelationRho of a square wave: Geyer's pairs over two blocks of lags", () => {
    // Period 40 (20 × +1, 20 × −1), n = 80: mean 0, c0 = 80; for k ≤ 20,
    // 3k of the 80 − k lagged pairs straddle one of the 3 sign changes, so
    // c_k = 80 − 7k. Pairs (ρ0+ρ1, ρ2+ρ3, …): 153, 125, 97, 69, 41, 13, then
    // −15 (lags 12, 13) ends the sum: F = −1 + 2·498/80 = 11.45,
    // ρ = (F − 1)/(F + 1) = 10.45/12.45.
    const xs = Array.from({ length: 80 }, (_, i) => (Math.floor(i / 20) % 2 === 0 ? 1 : -1));
    expect(sumCorrelationRho(xs)).toBeCloseTo(10.45 / 12.45, 14);
  });

  it("selectKth finds every order statistic, with ties", () => {
    const sorted = [0, 1, 2, 2, 2, 3, 7, 9];
    for (let k = 0; k < sorted.length; k++) {
      const a = Float64Array.of(2, 9, 2, 1, 7, 3, 0, 2);
      expect(selectKth(a, k)).toBe(sorted[k]);
      // Partitioned around k.
      for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]!);
      for (let i = k + 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]!);
    }
    // Within a range: the smallest of a[2 … 4].
    expect(selectKth(Float64Array.of(0, 0, 5, 4, 6, 0), 2, 2, 5)).toBe(4);
  });

  it("sufficiency quartiles: Tukey fences at 3·IQR on 1 … 100 and 1000", () => {
    // 101 values: q1 = sorted[25] = 26, q3 = sorted[75] = 76, IQR 50,
    // fences −124 and 226: only 1000 is outside.
    const kwh = Float64Array.from([...Array.from({ length: 100 }, (_, i) => 100 - i), 1000]);
    const s = checkSufficiency(
      { startMs: 0, kwh, tempC: new Float64Array(101).fill(5) },
      { startMs: 101 * HOUR_MS, kwh: new Float64Array(0), tempC: new Float64Array(0) },
    );
    expect(s.outlier_hours).toBe(1);
  });

  it("local hour of the day from wall-clock ms, before 1970 too", () => {
    expect(localHourOf(Date.UTC(2026, 0, 1, 23, 30))).toBe(23);
    expect(localHourOf(Date.UTC(2026, 0, 2, 0, 0))).toBe(0);
    expect(localHourOf(-1)).toBe(23);
    expect(localHourOf(-HOUR_MS * 25)).toBe(23);
  });

  it("lazy intervals: made from the packed triples when read, not before", () => {
    const flat = Float64Array.of(0, 1.5, 2, HOUR_MS, 2.5, 3);
    const r = withLazyIntervals({ id: "F1" }, flat);
    expect(packedIntervalsOf(r)).toBe(flat);
    expect(r.intervals).toEqual([
      { ts: 0, actual_kwh: 1.5, baseline_kwh: 2 },
      { ts: HOUR_MS, actual_kwh: 2.5, baseline_kwh: 3 },
    ]);
    // Once made, the objects are the intervals.
    expect(packedIntervalsOf(r)).toBeUndefined();
  });
});
