// A grid of simulated bearing blocks whose truth is known, for the
// diagnosis's detection and false-call rates over conditions it was not
// tuned on: sampling rate, bearing geometry, shaft speed, the resonance the
// impacts ring, noise, slip of the rolling elements, the error of the
// stated speed, fault type and severity. Configurations are drawn from the
// grid with a seeded generator (a full factorial is tens of thousands of
// blocks), each block as the agent receives it: 65 536 samples.
import { diagnoseBlock } from "../../edge-agent/diagnostics/pipeline.ts";
import type { BearingGeometry } from "../../edge-agent/diagnostics/types.ts";
import type { FftBackend } from "../../edge-agent/dsp/fft.ts";
import {
  type BearingSlip,
  type InjectableFault,
  mulberry32,
  type PointModel,
  synthesizeBlock,
  TURBINE_POINTS,
} from "../../simulators/turbine/physics.ts";

/** Bearings of the grid: the public test rigs' and a wind-turbine generator's (data-sheet geometry). */
export const GRID_BEARINGS: Record<string, BearingGeometry> = {
  // SKF 6205-2RS JEM, CWRU drive end.
  "6205 (CWRU DE)": { balls: 9, ballDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0 },
  // SKF 6203-2RS JEM, CWRU fan end: BSF is 1.994× the shaft, its lines next to the shaft's harmonics.
  "6203 (CWRU FE)": { balls: 9, ballDiameterMm: 6.746, pitchDiameterMm: 28.5, contactAngleDeg: 0 },
  // MFPT rig: 8 rollers, 0.235 in on a 1.245 in pitch.
  "MFPT rig": { balls: 8, ballDiameterMm: 5.969, pitchDiameterMm: 31.623, contactAngleDeg: 0 },
  // The simulated turbine's generator drive-end bearing.
  "generator DE": { balls: 9, ballDiameterMm: 38.1, pitchDiameterMm: 215, contactAngleDeg: 0 },
};

export const GRID = {
  sampleRateHz: [12_800, 25_600, 48_000],
  bearing: Object.keys(GRID_BEARINGS),
  shaftHz: [10, 25, 50],
  resonanceHz: [1_500, 3_000, 5_000],
  /** Broadband noise, g RMS (the impact train of severity 1 is 1.2 g RMS at the resonance). */
  noiseG: [0.2, 0.5, 1],
  slip: [
    { jitter: 0.005, lag: 0 },
    { jitter: 0.01, lag: 0.01 },
    { jitter: 0.02, lag: 0.02 },
  ] satisfies BearingSlip[],
  /** Error of the speed the diagnosis is told, relative. */
  speedError: [-0.02, 0, 0.02],
  fault: ["bearing_outer_race", "bearing_inner_race", "bearing_rolling_element", null] as const,
  severity: [0.3, 0.6, 1],
} as const;

export type GridFault = (typeof GRID.fault)[number];

export interface GridCase {
  readonly sampleRateHz: number;
  readonly bearing: string;
  readonly shaftHz: number;
  readonly resonanceHz: number;
  readonly noiseG: number;
  readonly slip: BearingSlip;
  readonly speedError: number;
  readonly fault: GridFault;
  readonly severity: number;
}

export interface GridResult extends GridCase {
  /** The bearing faults named, first the strongest. */
  readonly named: readonly { fault: string; severity: string }[];
  /** Fault blocks: the injected fault is named first. Healthy blocks: nothing is named. */
  readonly right: boolean;
  /** Another bearing fault named as an alarm (fault blocks), or any call (healthy blocks). */
  readonly wrongCall: boolean;
}

/** `count` configurations drawn from GRID with a seeded generator; a quarter of them healthy. */
export function drawGridCases(count: number, seed: number): GridCase[] {
  const rng = mulberry32(seed);
  const pick = <T>(levels: readonly T[]): T => levels[Math.floor(rng() * levels.length)]!;
  const cases: GridCase[] = [];
  for (let i = 0; i < count; i++) {
    const sampleRateHz = pick(GRID.sampleRateHz);
    // The resonance must lie in the band the converter passes (below 0.4 of the rate).
    const resonances = GRID.resonanceHz.filter((r) => r < 0.4 * sampleRateHz);
    cases.push({
      sampleRateHz,
      bearing: pick(GRID.bearing),
      shaftHz: pick(GRID.shaftHz),
      resonanceHz: pick(resonances),
      noiseG: pick(GRID.noiseG),
      slip: pick(GRID.slip),
      speedError: pick(GRID.speedError),
      fault: pick(GRID.fault),
      severity: pick(GRID.severity),
    });
  }
  return cases;
}

/** Samples per block, as the agent acquires them. */
export const GRID_BLOCK = 65_536;

/** Synthesises and diagnoses one case (a block of `blockSamples`, by default the agent's). */
export function runGridCase(
  c: GridCase,
  seed: number,
  fft?: FftBackend,
  blockSamples: number = GRID_BLOCK,
): GridResult {
  const g = GRID_BEARINGS[c.bearing]!;
  const point: PointModel = {
    ...TURBINE_POINTS.generator_de,
    bearing: {
      rollingElements: g.balls,
      rollingElementDiameterMm: g.ballDiameterMm,
      pitchDiameterMm: g.pitchDiameterMm,
      contactAngleDeg: g.contactAngleDeg,
    },
    resonanceHz: c.resonanceHz,
    noiseRmsG: c.noiseG,
  };
  const out = new Float32Array(blockSamples);
  const faults =
    c.fault === null ? [] : [{ point: point.id, fault: c.fault as InjectableFault, severity: c.severity }];
  synthesizeBlock({
    point,
    shaftHz: c.shaftHz,
    faults,
    sampleRateHz: c.sampleRateHz,
    rng: mulberry32(seed),
    out,
    slip: c.slip,
  });
  const d = diagnoseBlock(
    { samples: out, sampleRateHz: c.sampleRateHz, unit: "g" },
    { component: "generator", speedRpm: c.shaftHz * 60 * (1 + c.speedError), bearing: g },
    fft === undefined ? {} : { fft },
  );
  const named = d.findings
    .filter((f) => f.fault.startsWith("bearing_"))
    .map((f) => ({ fault: f.fault, severity: f.severity }));
  const right = c.fault === null ? named.length === 0 : named[0]?.fault === c.fault;
  const wrongCall =
    c.fault === null ? named.length > 0 : named.some((f) => f.fault !== c.fault && f.severity === "alarm");
  return { ...c, named, right, wrongCall };
}

/** Wilson score interval of k successes in n at 95 % (E. B. Wilson, JASA 22 (1927) 209–212). */
export function wilson95(k: number, n: number): [number, number] {
  if (n === 0) return [0, 1];
  const z = 1.96;
  const p = k / n;
  const den = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / den;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / den;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Rate with its interval, as text: "93.1 % (90.2–95.2)". */
export function rateText(k: number, n: number): string {
  const [lo, hi] = wilson95(k, n);
  return `${((100 * k) / n).toFixed(1)} % (${(100 * lo).toFixed(1)}–${(100 * hi).toFixed(1)}), ${k}/${n}`;
}

/** Detection of the faults by each level of each factor: the spread of the rate over the grid. */
export function byFactor(results: readonly GridResult[]): string[] {
  const faulty = results.filter((r) => r.fault !== null);
  const lines: string[] = [];
  const factors: [string, (r: GridResult) => string][] = [
    ["rate", (r) => `${r.sampleRateHz / 1000} kHz`],
    ["bearing", (r) => r.bearing],
    ["shaft", (r) => `${r.shaftHz} Hz`],
    ["resonance", (r) => `${r.resonanceHz / 1000} kHz`],
    ["noise", (r) => `${r.noiseG} g`],
    ["slip", (r) => `jitter ${100 * r.slip.jitter} %, lag ${100 * r.slip.lag} %`],
    ["speed error", (r) => `${r.speedError > 0 ? "+" : ""}${100 * r.speedError} %`],
    ["fault", (r) => r.fault ?? "none"],
    ["severity", (r) => String(r.severity)],
  ];
  for (const [name, key] of factors) {
    const groups = new Map<string, { k: number; n: number }>();
    for (const r of faulty) {
      const g = groups.get(key(r)) ?? { k: 0, n: 0 };
      g.n++;
      if (r.right) g.k++;
      groups.set(key(r), g);
    }
    for (const [level, g] of [...groups].sort()) lines.push(`| ${name} | ${level} | ${rateText(g.k, g.n)} |`);
  }
  return lines;
}
