// The `grid` key of central's config: defaults, and errors that name the key.
import { describe, expect, it } from "vitest";
import { checkCentralConfig } from "../config.ts";

describe("grid config", () => {
  it("fills the defaults and takes overrides", () => {
    const r = checkCentralConfig({
      grid: { routeFactor: 1.3, basemapUrl: "https://tiles.example/{z}/{x}/{y}.png" },
    });
    if (!r.ok) throw new Error(r.error);
    expect(r.config.grid.routeFactor).toBe(1.3);
    expect(r.config.grid.powerFactor).toBe(0.9);
    expect(r.config.grid.voltageClasses.map((c) => c.label)).toEqual([
      "0.4 kV",
      "6–10 kV",
      "35 kV",
      "110 kV",
      "220 kV+",
    ]);
    expect(r.config.grid.rateLimit).toEqual({ max: 120, timeWindowMs: 60_000 });
  });

  it("names the key of a bad value", () => {
    const cls = {
      label: "x",
      min_kv: 3,
      max_kv: 20,
      max_line_km: 10,
      line_rub_per_km: 1,
      bay_rub: 1,
      transformer_rub_per_mva: 1,
    };
    const cases: [unknown, string][] = [
      [{ grid: { powerFactor: 1.5 } }, "grid.powerFactor: expected number to be less or equal to 1"],
      [{ grid: { tiles: "x" } }, "grid.tiles: unknown key"],
      [{ grid: { basemapUrl: "file:///x" } }, "grid.basemapUrl: expected string to match"],
      [
        {
          grid: {
            voltageClasses: [
              { ...cls, max_mw: 10 },
              { ...cls, max_mw: 5, min_kv: 27, max_kv: 35 },
            ],
          },
        },
        "grid.voltageClasses[1].max_mw: must be greater than the previous class's",
      ],
      [
        { grid: { voltageClasses: [cls, { ...cls, min_kv: 27, max_kv: 35 }] } },
        "grid.voltageClasses[0].max_mw: only the last class may omit it",
      ],
    ];
    for (const [input, message] of cases) {
      const r = checkCentralConfig(input);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toContain(message);
    }
  });
});
