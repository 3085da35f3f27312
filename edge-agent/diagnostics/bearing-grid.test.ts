// The bearing diagnosis over a grid of simulated conditions it was not tuned
// on (test/helpers/bearing-grid.ts): sampling rate 12.8/25.6/48 kHz, four
// bearing geometries (CWRU drive and fan end, MFPT, a turbine generator),
// shaft 10–50 Hz, resonance 1.5–5 kHz, noise, slip of the rolling elements
// (jitter 0.5–2 %, mean lag 0–2 %), the stated speed ±2 % off, outer race,
// inner race, rolling element and healthy, severities 0.3–1. Prints the
// detection rate by each factor's level with its 95 % interval (the spread
// docs/diagnostics.md reports). VETRA_GRID_BLOCKS sets the number of blocks
// (default 400; the figures in the docs come from 2000). The blocks run on the
// FFT the agent loads at start-up (PFFFT where it loads), as the agent would.
import { beforeAll, describe, expect, it } from "vitest";
import {
  byFactor,
  drawGridCases,
  GRID,
  type GridCase,
  rateText,
  runGridCase,
} from "../../test/helpers/bearing-grid.ts";
import { type FftBackend, loadFastestFft } from "../dsp/fft.ts";

const BLOCKS = Number(process.env.VETRA_GRID_BLOCKS ?? 400);
const SEED = 16;

describe("bearing diagnosis over a grid of simulated machines", () => {
  let fft: FftBackend;
  beforeAll(async () => {
    fft = await loadFastestFft();
  });

  it(`${BLOCKS} blocks: faults named first, wrong-fault alarms and false calls on healthy blocks`, {
    timeout: 60_000 + 300 * BLOCKS,
  }, () => {
    const results = drawGridCases(BLOCKS, SEED).map((c, i) => runGridCase(c, 1000 + i, fft));
    const faulty = results.filter((r) => r.fault !== null);
    const healthy = results.filter((r) => r.fault === null);
    const named = faulty.filter((r) => r.right).length;
    const wrongAlarms = faulty.filter((r) => r.wrongCall).length;
    const falseCalls = healthy.filter((r) => r.wrongCall).length;
    console.log(
      [
        `FFT: ${fft.name}`,
        `faults named first: ${rateText(named, faulty.length)}`,
        `another bearing fault named as an alarm: ${rateText(wrongAlarms, faulty.length)}`,
        `healthy blocks with a bearing call: ${rateText(falseCalls, healthy.length)}`,
        "| factor | level | faults named first (95 % interval) |",
        "| --- | --- | --- |",
        ...byFactor(results),
      ].join("\n"),
    );
    expect(healthy.length).toBeGreaterThan(0.15 * BLOCKS);
    // A false call in at most 1 % of healthy blocks (the alarm state machine then needs 3 of 5), and a
    // wrong fault as an alarm in at most 1 % of faulty ones (one block allowed where 1 % is less).
    expect(falseCalls).toBeLessThanOrEqual(Math.max(1, Math.floor(0.01 * healthy.length)));
    expect(wrongAlarms).toBeLessThanOrEqual(Math.max(1, Math.floor(0.01 * faulty.length)));
    // Detection: at least 85 % of the fault blocks are named first — the grid's low severities in
    // 1 g of noise and 2 % slip are harder than any of the public recordings.
    expect(named / faulty.length).toBeGreaterThanOrEqual(0.85);
  });

  // The hold-out's weakest group was the CWRU fan-end sensor, most of its misses ball faults: the
  // 6203's BSF is 1.994× the shaft, so its lines sit beside the shaft's harmonics. Stand-in: that
  // bearing's rolling-element faults as the CWRU records are taken — 10 s at 12 kHz, the four motor
  // loads' speeds (1797–1730 rpm) — over the grid's resonances, noise, slip and severities that
  // fit, and healthy blocks beside.
  it("CWRU fan-end bearing (6203), 10 s at 12 kHz, 1730–1797 rpm: rolling-element faults named, healthy ones not", {
    timeout: 180_000,
  }, () => {
    const cases: GridCase[] = [];
    for (const rpm of [1797, 1772, 1750, 1730])
      for (const resonanceHz of [1_500, 3_000])
        for (const noiseG of [0.2, 1])
          for (const slip of GRID.slip.slice(1))
            for (const fault of ["bearing_rolling_element", null] as const)
              for (const severity of fault === null ? [0] : [0.3, 1])
                cases.push({
                  sampleRateHz: 12_000,
                  bearing: "6203 (CWRU FE)",
                  shaftHz: rpm / 60,
                  resonanceHz,
                  noiseG,
                  slip,
                  speedError: 0,
                  fault,
                  severity,
                });
    const results = cases.map((c, i) => runGridCase(c, 5000 + i, fft, 120_000));
    const faulty = results.filter((r) => r.fault !== null);
    const healthy = results.filter((r) => r.fault === null);
    const named = faulty.filter((r) => r.right).length;
    const missed = faulty
      .filter((r) => !r.right)
      .map(
        (r) =>
          `${Math.round(r.shaftHz * 60)} rpm, ${r.resonanceHz} Hz, ${r.noiseG} g, severity ${r.severity}: ${r.named.map((f) => `${f.fault}:${f.severity}`).join(" ") || "nothing"}`,
      );
    console.log(
      [
        `fan end, rolling element named first: ${rateText(named, faulty.length)}`,
        `fan end, healthy blocks with a bearing call: ${healthy.filter((r) => r.wrongCall).length}/${healthy.length}`,
        ...missed,
      ].join("\n"),
    );
    expect(healthy.filter((r) => r.wrongCall)).toEqual([]);
    expect(faulty.filter((r) => r.wrongCall)).toEqual([]);
    // The issue's goal for the hold-out's fan-end and 48 kHz group: at least 45 of 58 (78 %).
    expect(named / faulty.length).toBeGreaterThanOrEqual(45 / 58);
  });
});
