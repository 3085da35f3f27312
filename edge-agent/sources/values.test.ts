import { describe, expect, it } from "vitest";
import { decimalsOf, roundTo, shortestFloat32, storedValue } from "./values.ts";

describe("stored values", () => {
  it("leave no float noise from decimal scale factors (786 × 0.1 = 78.6)", () => {
    expect(786 * 0.1).not.toBe(78.6); // what the double product is
    expect(storedValue(786, { scale: 0.1, offset: 0 })).toBe(78.6);
    expect(storedValue(12345, { scale: 0.001, offset: 0 })).toBe(12.345);
    expect(storedValue(3, { scale: 0.1, offset: 0 })).toBe(0.3);
  });

  it("keep every digit the device sent: the exact decimal product, not a rounded one", () => {
    // Random integers × decimal scales: the stored value equals the decimal product computed in strings.
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      const raw = (next() % 2_000_000) - 1_000_000;
      const exp = next() % 5;
      const scale = Number(`1e-${exp}`); // as a config file writes it (10 ** -4 is 0.00009999999999999999)
      const expected = Number(`${raw}e-${exp}`);
      expect(storedValue(raw, { scale, offset: 0 })).toBe(expected);
    }
  });

  it("take a float32 register at its shortest decimal (231.2, not 231.1999969482422)", () => {
    const f = Math.fround(231.2);
    expect(f).not.toBe(231.2);
    expect(shortestFloat32(f)).toBe(231.2);
    expect(storedValue(f, { scale: 1, offset: 0 }, true)).toBe(231.2);
    expect(storedValue(Math.fround(1234.5), { scale: 0.001, offset: 0 }, true)).toBe(1.2345);
    // Every float32 round-trips.
    for (const x of [1e-30, 3.4e38, -0.1, 123456.789, Math.PI])
      expect(Math.fround(shortestFloat32(Math.fround(x)))).toBe(Math.fround(x));
  });

  it("apply an offset (4–20 mA: 4000..20000 counts → −40..60 °C) and declared decimals", () => {
    const s = { scale: 100 / 16000, offset: -65 };
    expect(storedValue(4000, s)).toBeCloseTo(-40, 12);
    expect(storedValue(20000, s)).toBeCloseTo(60, 12);
    expect(storedValue(12345, { ...s, decimals: 2 })).toBe(12.16);
  });

  it("count decimals the way numbers are written", () => {
    expect(decimalsOf(0.125)).toBe(3);
    expect(decimalsOf(1e-7)).toBe(7);
    expect(decimalsOf(1.5e-7)).toBe(8);
    expect(decimalsOf(42)).toBe(0);
    expect(roundTo(-0.0000001, 3)).toBe(0);
  });
});
