// ISO 10816-21 / VDI 3834-1 zones: band RMS of analytic signals, boundaries, overrides, the finding.
import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import { welchPowerSpectrum } from "../dsp/welch.ts";
import type { PowerSpectrum, ZoneEvaluation } from "./types.ts";
import {
  DEFAULT_ZONE_TABLE,
  evaluateIsoZone,
  evaluateZones,
  overallVibrationFinding,
  velocityRow,
  worstZone,
  ZONE_BOUNDARY_RATIO,
  ZoneTableConfigSchema,
  zoneOf,
  zoneOverridesError,
  zoneTableWithOverrides,
} from "./zones.ts";

const FS = 25_600;
const N = 65_536;

/** Spectrum of a sum of sines (m/s²), mean removed, one Hann segment over the block as the pipeline takes it. */
function spectrumOf(
  tones: readonly { hz: number; amplitude: number }[],
  sampleRateHz = FS,
  n = N,
): PowerSpectrum {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const t of tones) v += t.amplitude * Math.sin((2 * Math.PI * t.hz * i) / sampleRateHz + 0.3);
    x[i] = v;
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  for (let i = 0; i < n; i++) x[i]! -= mean;
  return welchPowerSpectrum(x, n, sampleRateHz, n);
}

const find = (zones: readonly ZoneEvaluation[], quantity: string, band: readonly [number, number]) =>
  zones.find((z) => z.quantity === quantity && z.bandHz[0] === band[0] && z.bandHz[1] === band[1]);

describe("band RMS of a sine", () => {
  it("acceleration RMS is A/√2 and velocity RMS is A/(√2·ω)", () => {
    const amplitude = 2.5; // m/s²
    const hz = 123.4;
    const zones = evaluateZones(spectrumOf([{ hz, amplitude }]), "gearbox");
    const a = find(zones, "acceleration", [10, 2000])!;
    const v = find(zones, "velocity", [10, 1000])!;
    expect(a.unit).toBe("m/s2");
    expect(v.unit).toBe("mm/s");
    expect(a.rms / (amplitude / Math.SQRT2)).toBeCloseTo(1, 2);
    expect(v.rms / ((amplitude / Math.SQRT2 / (2 * Math.PI * hz)) * 1000)).toBeCloseTo(1, 2);
  });

  it("the band's edges cut: a tone below 10 Hz or above the band adds nothing (no integration drift)", () => {
    const inBand = spectrumOf([{ hz: 300, amplitude: 1 }]);
    const withOutside = spectrumOf([
      { hz: 300, amplitude: 1 },
      { hz: 2, amplitude: 5 }, // would dominate a time-domain integral
      { hz: 3000, amplitude: 5 }, // above the gearbox's 2000 Hz acceleration band
    ]);
    const a = evaluateZones(inBand, "gearbox");
    const b = evaluateZones(withOutside, "gearbox");
    for (const band of [
      ["velocity", [10, 1000]],
      ["acceleration", [10, 2000]],
    ] as const) {
      expect(find(b, band[0], band[1])!.rms / find(a, band[0], band[1])!.rms).toBeCloseTo(1, 2);
    }
    // The generator's acceleration band reaches 5000 Hz and does see the 3000 Hz tone.
    const gen = find(evaluateZones(withOutside, "generator"), "acceleration", [10, 5000])!;
    expect(gen.rms).toBeCloseTo(Math.sqrt(0.5 + 12.5), 1);
  });

  it("nacelle 0.1–10 Hz: a 1 Hz tower sway from a 2.56 s block is rated roughly, from a 25.6 s record well", () => {
    const vExpected = (0.4 / Math.SQRT2 / (2 * Math.PI)) * 1000; // 45 mm/s
    const short = evaluateZones(spectrumOf([{ hz: 1.0, amplitude: 0.4 }]), "nacelle");
    // 2.56 cycles: the window spreads the tone over the 0.39–1.95 Hz bins, whose 1/ω² differ, and leaks a
    // little into the DC bin, which no band counts.
    expect(Math.abs(find(short, "acceleration", [0.1, 10])!.rms / (0.4 / Math.SQRT2) - 1)).toBeLessThan(0.01);
    expect(Math.abs(find(short, "velocity", [0.1, 10])!.rms / vExpected - 1)).toBeLessThan(0.1);
    const long = evaluateZones(spectrumOf([{ hz: 1.0, amplitude: 0.4 }], 2560, 65_536), "nacelle");
    const a = find(long, "acceleration", [0.1, 10])!;
    const v = find(long, "velocity", [0.1, 10])!;
    expect(Math.abs(a.rms / (0.4 / Math.SQRT2) - 1)).toBeLessThan(0.005);
    expect(Math.abs(v.rms / vExpected - 1)).toBeLessThan(0.005);
    expect(a.zone).toBe("B"); // 0.283 m/s²: between A/B 0.1875 and B/C 0.3
    expect(v.zone).toBe("B"); // 45 mm/s: between A/B 37.5 and B/C 60
  });

  it("leaves out a band the sample rate cannot reach", () => {
    const zones = evaluateZones(spectrumOf([{ hz: 100, amplitude: 1 }], 4096, 16_384), "generator");
    expect(find(zones, "acceleration", [10, 5000])).toBeUndefined();
    expect(find(zones, "velocity", [10, 1000])).toBeDefined();
  });
});

describe("zone boundaries", () => {
  it("uses the standard's B/C and C/D boundaries and A/B = B/C ÷ 1.6; a value on a boundary is in the worse zone", () => {
    expect(evaluateIsoZone(0, "main_bearing")).toBe("A");
    expect(evaluateIsoZone(1.24, "main_bearing")).toBe("A"); // A/B = 2.0/1.6 = 1.25
    expect(evaluateIsoZone(1.25, "main_bearing")).toBe("B");
    expect(evaluateIsoZone(1.99, "main_bearing")).toBe("B");
    expect(evaluateIsoZone(2.0, "main_bearing")).toBe("C");
    expect(evaluateIsoZone(3.2, "main_bearing")).toBe("D");
    expect(evaluateIsoZone(3.4, "gearbox")).toBe("B");
    expect(evaluateIsoZone(5.6, "gearbox")).toBe("D");
    expect(evaluateIsoZone(9.9, "generator")).toBe("C");
    expect(evaluateIsoZone(10, "generator")).toBe("D");
    expect(evaluateIsoZone(37.4, "nacelle")).toBe("A"); // 60/1.6 = 37.5
    expect(evaluateIsoZone(100, "nacelle")).toBe("D");
    expect(() => evaluateIsoZone(Number.NaN, "gearbox")).toThrow(/finite/);
  });

  it("has the acceleration boundaries of the standard's table, each row citing its source", () => {
    const row = (c: keyof typeof DEFAULT_ZONE_TABLE, q: string) =>
      DEFAULT_ZONE_TABLE[c].find((r) => r.quantity === q)!;
    expect([row("nacelle", "acceleration").bc, row("nacelle", "acceleration").cd]).toEqual([0.3, 0.5]);
    expect([row("gearbox", "acceleration").bc, row("gearbox", "acceleration").cd]).toEqual([7.5, 12]);
    expect([row("generator", "acceleration").bc, row("generator", "acceleration").cd]).toEqual([10, 16]);
    expect(row("generator", "acceleration").bandHz).toEqual([10, 5000]);
    for (const rows of Object.values(DEFAULT_ZONE_TABLE)) {
      for (const r of rows) {
        expect(r.source).toMatch(/ISO 10816-21:2015.*VDI 3834-1/);
        expect(r.ab).toBeCloseTo(r.bc / ZONE_BOUNDARY_RATIO, 12);
      }
    }
  });

  it("zoneOf puts boundary values in the worse zone", () => {
    const r = { ab: 1, bc: 2, cd: 3 };
    expect([0.999, 1, 1.999, 2, 2.999, 3].map((v) => zoneOf(v, r))).toEqual(["A", "B", "B", "C", "C", "D"]);
  });

  it("worstZone takes the worst band and is null when nothing was rated", () => {
    const z = (zone: ZoneEvaluation["zone"]): ZoneEvaluation => ({
      quantity: "velocity",
      bandHz: [10, 1000],
      rms: 1,
      unit: "mm/s",
      zone,
    });
    expect(worstZone([z("B"), z("D"), z("A")])).toBe("D");
    expect(worstZone([])).toBeNull();
  });
});

describe("per-turbine-type overrides", () => {
  it("replaces the named boundaries; A/B follows a new B/C; other rows and components keep the defaults", () => {
    const table = zoneTableWithOverrides(DEFAULT_ZONE_TABLE, {
      main_bearing: [{ quantity: "velocity", bandHz: [10, 1000], bc: 3 }],
    });
    const r = velocityRow("main_bearing", table);
    expect(r.bc).toBe(3);
    expect(r.ab).toBeCloseTo(3 / 1.6, 12);
    expect(r.cd).toBe(3.2);
    expect(r.source).toMatch(/override of bc/);
    expect(evaluateIsoZone(2.5, "main_bearing", table)).toBe("B");
    expect(evaluateIsoZone(2.5, "main_bearing")).toBe("C");
    expect(table.gearbox).toEqual(DEFAULT_ZONE_TABLE.gearbox);
  });

  it("stacks: a turbine type's overrides on the config's", () => {
    const site = zoneTableWithOverrides(DEFAULT_ZONE_TABLE, {
      gearbox: [{ quantity: "velocity", bandHz: [10, 1000], cd: 8 }],
    });
    const type = zoneTableWithOverrides(site, {
      gearbox: [
        { quantity: "velocity", bandHz: [10, 1000], bc: 4.5, ab: 2.5, source: "manufacturer letter 2024-03" },
      ],
    });
    expect(velocityRow("gearbox", type)).toMatchObject({
      ab: 2.5,
      bc: 4.5,
      cd: 8,
      source: "manufacturer letter 2024-03",
    });
  });

  it("adds a band not in the defaults when it has B/C and C/D", () => {
    const table = zoneTableWithOverrides(DEFAULT_ZONE_TABLE, {
      main_bearing: [{ quantity: "acceleration", bandHz: [0.1, 10], bc: 0.3, cd: 0.5 }],
    });
    expect(table.main_bearing).toHaveLength(2);
    const zones = evaluateZones(spectrumOf([{ hz: 5, amplitude: 1 }]), "main_bearing", table);
    expect(find(zones, "acceleration", [0.1, 10])!.zone).toBe("D");
  });

  it("reports bad overrides with the key path", () => {
    expect(
      zoneOverridesError(DEFAULT_ZONE_TABLE, {
        gearbox: [{ quantity: "acceleration", bandHz: [10, 3000], bc: 7.5 }],
      }),
    ).toMatch(/^gearbox\[0\]: .*needs bc and cd/);
    expect(
      zoneOverridesError(DEFAULT_ZONE_TABLE, {
        generator: [
          { quantity: "velocity", bandHz: [10, 1000], bc: 6 },
          { quantity: "velocity", bandHz: [10, 1000], bc: 12 },
        ],
      }),
    ).toMatch(/^generator\[1\]: boundaries must rise/);
    expect(
      zoneOverridesError(DEFAULT_ZONE_TABLE, {
        nacelle: [{ quantity: "velocity", bandHz: [10, 1], bc: 1, cd: 2 }],
      }),
    ).toMatch(/^nacelle\[0\]\.bandHz/);
    expect(() =>
      zoneTableWithOverrides(DEFAULT_ZONE_TABLE, {
        gearbox: [{ quantity: "velocity", bandHz: [10, 1000], bc: 9 }],
      }),
    ).toThrow(/gearbox\[0\]/);
    expect(zoneOverridesError(DEFAULT_ZONE_TABLE, undefined)).toBeNull();
  });

  it("the config schema takes a partial table and rejects unknown keys", () => {
    expect(
      Value.Check(ZoneTableConfigSchema, { gearbox: [{ quantity: "velocity", bandHz: [10, 1000], bc: 4 }] }),
    ).toBe(true);
    expect(Value.Check(ZoneTableConfigSchema, {})).toBe(true);
    expect(Value.Check(ZoneTableConfigSchema, { tower: [] })).toBe(false);
    expect(
      Value.Check(ZoneTableConfigSchema, {
        gearbox: [{ quantity: "velocity", bandHz: [10, 1000], bc: 4, bd: 1 }],
      }),
    ).toBe(false);
    expect(
      Value.Check(ZoneTableConfigSchema, { gearbox: [{ quantity: "velocity", bandHz: [10, 1000], bc: -1 }] }),
    ).toBe(false);
  });
});

describe("overall_vibration", () => {
  const velocityOf = (vRmsMmS: number, hz = 200) =>
    // Amplitude of the acceleration sine whose velocity RMS is vRmsMmS.
    spectrumOf([{ hz, amplitude: (vRmsMmS / 1000) * Math.SQRT2 * 2 * Math.PI * hz }]);

  it("is nothing in zones A and B", () => {
    const zones = evaluateZones(velocityOf(3.0), "gearbox");
    expect(find(zones, "velocity", [10, 1000])!.zone).toBe("B");
    expect(overallVibrationFinding(zones, "gearbox")).toBeNull();
  });

  it("is a warning in zone C and an alarm in zone D, with the band's evidence", () => {
    const spectrum = velocityOf(4.2);
    const c = overallVibrationFinding(
      evaluateZones(spectrum, "gearbox"),
      "gearbox",
      DEFAULT_ZONE_TABLE,
      spectrum,
    )!;
    expect(c.fault).toBe("overall_vibration");
    expect(c.severity).toBe("warning");
    expect(c.evidence.amplitude).toBeCloseTo(4.2, 1);
    expect(c.evidence.amplitude_unit).toBe("mm/s");
    expect(c.evidence.band_hz).toEqual([10, 1000]);
    expect(Math.abs(c.evidence.frequency_hz - 200)).toBeLessThan(2);
    expect(c.evidence.snr_db).toBeCloseTo(20 * Math.log10(4.2 / (3.5 / 1.6)), 0);
    expect(c.confidence).toBeGreaterThan(0.5);
    expect(c.confidence).toBeLessThan(1);

    const d = overallVibrationFinding(evaluateZones(velocityOf(9), "gearbox"), "gearbox")!;
    expect(d.severity).toBe("alarm");
    expect(d.confidence).toBe(1); // 9 mm/s is more than 1.6 × the C/D boundary 5.6
    expect(d.evidence.detail?.zone).toBe("D");
  });

  it("an acceleration band in zone D is an alarm even when velocity is fine", () => {
    // 3 kHz carries little velocity but 12 m/s² RMS in the generator's 10–5000 Hz band.
    const spectrum = spectrumOf([{ hz: 3000, amplitude: 17 * Math.SQRT2 }]);
    const zones = evaluateZones(spectrum, "generator");
    expect(find(zones, "velocity", [10, 1000])!.zone).toBe("A");
    const f = overallVibrationFinding(zones, "generator", DEFAULT_ZONE_TABLE, spectrum)!;
    expect(f.severity).toBe("alarm");
    expect(f.evidence.amplitude_unit).toBe("m/s2");
    expect(f.evidence.band_hz).toEqual([10, 5000]);
    expect(Math.abs(f.evidence.frequency_hz - 3000)).toBeLessThan(5);
  });
});
