// The comfort level of a reading against a classroom's band (18–24 °C,
// SanPiN 1.2.3685-21 table 5.34), and what the alarm filter's deadband makes
// of it: a percent of the band's width, so with 10 % a room that fell below
// 18 °C leaves the level only above 18.6 °C.
import { describe, expect, it } from "vitest";
import { rawRankOf } from "./alarm-filter.ts";
import { comfortRatio } from "./comfort.ts";
import { faultName } from "./names.ts";

const CLASSROOM = { minC: 18, maxC: 24 };
const obs = (tempC: number) => {
  const ratio = comfortRatio(tempC, CLASSROOM, 2);
  const rank = ratio.alarm >= 1 ? 2 : ratio.warning >= 1 ? 1 : 0;
  return { rank: rank as 0 | 1 | 2, sinceMs: 0, ratio, isoZone: null };
};

describe("comfort level", () => {
  it("rates out of band a warning, 2 K out an alarm, either side; in band nothing", () => {
    expect([21, 18.01, 23.99].map((t) => obs(t).rank)).toEqual([0, 0, 0]);
    expect([17.9, 24.1, 16.1, 25.9].map((t) => obs(t).rank)).toEqual([1, 1, 1, 1]);
    expect([16, 15, 26, 30].map((t) => obs(t).rank)).toEqual([2, 2, 2, 2]);
  });

  it("holds a level within the deadband, a percent of the band's width", () => {
    expect(rawRankOf(obs(18.5), 1, 10)).toBe(1);
    expect(rawRankOf(obs(18.7), 1, 10)).toBe(0);
    expect(rawRankOf(obs(18.5), 0, 10)).toBe(0);
    // The alarm level's band is 2 K wider each side (16–26 °C, 10 K): back from 15 °C, held until above 17 °C.
    expect(rawRankOf(obs(16.9), 2, 10)).toBe(2);
    expect(rawRankOf(obs(17.1), 2, 10)).toBe(1);
  });

  it("names the faults in both languages", () => {
    expect(faultName("comfort", "ru")).toBe("температура в помещении вне нормы");
    expect(faultName("write_failed", "en")).toBe("write to the device failed");
  });
});
