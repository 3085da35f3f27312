// Vibration DSP (issue 3, "Speed"): in one run on one machine,
// - the full diagnostic pipeline (`diagnoseBlock`) on a simulated faulty
//   gearbox block, as channel-seconds of signal per CPU-second (goal ≥ 600);
//   on the FFT `loadFastestFft` picks (PFFFT in WebAssembly), and on fft.js;
// - the same pipeline on fft-js (the original design's FFT) in place of
//   the chosen FFT, on fewer blocks, and the ratio (goal ≥ 200×);
// - the FFT backends alone (65536-point real forward and complex inverse,
//   copies in and out of WebAssembly memory included, error against fft.js)
//   against FFTW (a tiny C program built here when a C compiler and fftw3.h
//   are present; goal ≤ 4× for the chosen FFT), else `n/a`;
// - the FFT micro-benchmarks of fft.bench.ts (tinybench).
// CPU time is process.cpuUsage() (user + system of the whole process), so a
// busy neighbour on a shared machine does not count against us.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fftJs from "fft-js";
import type { TurbinePointId } from "../common/names.ts";
import { diagnoseBlock } from "../edge-agent/diagnostics/pipeline.ts";
import type { BlockSamples, MachineContext } from "../edge-agent/diagnostics/types.ts";
import {
  type FftBackend,
  type FftPlan,
  fftJsBackend,
  loadFastestFft,
  relativeError,
} from "../edge-agent/dsp/fft.ts";
import { loadPffftBackend } from "../edge-agent/dsp/fft-pffft.ts";
import {
  bearingDataSheet,
  mulberry32,
  synthesizeBlock,
  TURBINE_POINTS,
} from "../simulators/turbine/physics.ts";
import { type BenchFigure, BLOCK, runFftBench, SAMPLE_RATE_HZ } from "./fft.bench.ts";
import type { BenchSection } from "./section.ts";

const BLOCK_SECONDS = BLOCK / SAMPLE_RATE_HZ;
const POINT: TurbinePointId = "gearbox_hss";
const GENERATOR_RPM = 1500;

/** fft-js behind the `FftBackend` interface: plain arrays of [re, im] pairs, no plan. */
export const fftJsBaselineBackend: FftBackend = {
  name: "fft-js",
  plan(size: number): FftPlan {
    const toPairs = (input: Float64Array): [number, number][] => {
      const pairs: [number, number][] = new Array(size);
      for (let k = 0; k < size; k++) pairs[k] = [input[2 * k]!, input[2 * k + 1]!];
      return pairs;
    };
    const fromPairs = (pairs: [number, number][], out: Float64Array, count: number): void => {
      for (let k = 0; k < count; k++) {
        out[2 * k] = pairs[k]![0];
        out[2 * k + 1] = pairs[k]![1];
      }
    };
    return {
      size,
      realForward: (input, out) =>
        fromPairs(fftJs.fft(Array.from(input.subarray(0, size))), out, size / 2 + 1),
      forward: (input, out) => fromPairs(fftJs.fft(toPairs(input)), out, size),
      inverse: (input, out) => fromPairs(fftJs.ifft(toPairs(input)), out, size),
    };
  },
};

/** Simulated gearbox HSS blocks (g) with an outer-race defect and gear-mesh wear, as the agent receives them. */
export function faultyGearboxBlocks(count: number): BlockSamples[] {
  const point = TURBINE_POINTS[POINT];
  const blocks: BlockSamples[] = [];
  for (let i = 0; i < count; i++) {
    const out = new Float32Array(BLOCK);
    synthesizeBlock({
      point,
      shaftHz: GENERATOR_RPM / 60,
      faults: [
        { point: POINT, fault: "bearing_outer_race", severity: 0.6 },
        { point: POINT, fault: "gear_mesh", severity: 0.4 },
      ],
      sampleRateHz: SAMPLE_RATE_HZ,
      rng: mulberry32(100 + i),
      out,
    });
    blocks.push({ samples: out, sampleRateHz: SAMPLE_RATE_HZ, unit: "g" });
  }
  return blocks;
}

export function gearboxContext(): MachineContext {
  const point = TURBINE_POINTS[POINT];
  return {
    component: point.component,
    speedRpm: GENERATOR_RPM,
    bearing: bearingDataSheet(point),
    ...(point.gearTeeth !== undefined ? { gearTeeth: point.gearTeeth } : {}),
  };
}

const cpuSeconds = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

interface PipelineFigure {
  readonly backend: string;
  readonly blocks: number;
  readonly rounds: number;
  readonly cpuS: number;
  /** CPU per block of the fastest round (the machine is shared: the others carry its noise). */
  readonly msPerBlock: number;
  /** CPU per block of the median round. */
  readonly medianMsPerBlock: number;
  /** Channel-seconds of signal per CPU-second. */
  readonly realtimeFactor: number;
  readonly findings: string;
}

/**
 * `rounds` rounds of `perRound` blocks after a warm-up; the figure is the
 * fastest round (as for the FFTs below: on a shared machine the slower
 * rounds measure the neighbours), the median round is shown beside it.
 */
function runPipeline(
  fft: FftBackend,
  blocks: BlockSamples[],
  rounds: number,
  perRound: number,
  warmup: number,
): PipelineFigure {
  const ctx = gearboxContext();
  let sink = 0;
  for (let i = 0; i < warmup; i++)
    sink += diagnoseBlock(blocks[i % blocks.length]!, ctx, { fft }).features.v_rms_mm_s;
  let last = diagnoseBlock(blocks[0]!, ctx, { fft });
  const roundMs: number[] = [];
  let cpuS = 0;
  for (let r = 0; r < rounds; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < perRound; i++) {
      last = diagnoseBlock(blocks[(r * perRound + i) % blocks.length]!, ctx, { fft });
      sink += last.features.v_rms_mm_s;
    }
    const s = cpuSeconds(start);
    cpuS += s;
    roundMs.push((1000 * s) / perRound);
  }
  if (!Number.isFinite(sink)) throw new Error("pipeline benchmark produced a non-finite value");
  roundMs.sort((a, b) => a - b);
  const best = roundMs[0]!;
  return {
    backend: fft.name,
    blocks: rounds * perRound,
    rounds,
    cpuS,
    msPerBlock: best,
    medianMsPerBlock: roundMs[Math.floor(rounds / 2)]!,
    realtimeFactor: BLOCK_SECONDS / (best / 1000),
    findings: last.findings.map((f) => `${f.fault} (${f.severity})`).join(", ") || "none",
  };
}

const FFTW_PROGRAM = String.raw`
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef VETRA_SINGLE
#define X(name) fftwf_##name
typedef float real;
#else
#define X(name) fftw_##name
typedef double real;
#endif
static double cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}
/* Size-N r2c forward and c2c backward transforms after FFTW_MEASURE plans: CPU ns per transform,
   the best of 5 rounds of reps/5 (a busy neighbour only ever slows a round down). */
int main(int argc, char **argv) {
  int n = atoi(argv[1]), reps = atoi(argv[2]) / 5;
  real *in = X(alloc_real)(n);
  X(complex) *out = X(alloc_complex)(n / 2 + 1);
  X(complex) *zin = X(alloc_complex)(n), *zout = X(alloc_complex)(n);
  X(plan) p = X(plan_dft_r2c_1d)(n, in, out, FFTW_MEASURE);
  X(plan) q = X(plan_dft_1d)(n, zin, zout, FFTW_BACKWARD, FFTW_MEASURE);
  unsigned seed = 12345;
  for (int i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    in[i] = (real)(seed / 4294967296.0 - 0.5);
    zin[i][0] = in[i];
    zin[i][1] = -in[i];
  }
  double sink = 0, best_r2c = 1e300, best_c2c = 1e300;
  for (int i = 0; i < 10; i++) { X(execute)(p); X(execute)(q); }
  for (int round = 0; round < 5; round++) {
    double a = cpu_ns();
    for (int r = 0; r < reps; r++) { X(execute)(p); sink += out[1][0]; }
    double b = cpu_ns();
    for (int r = 0; r < reps; r++) { X(execute)(q); sink += zout[1][0]; }
    double c = cpu_ns();
    if ((b - a) / reps < best_r2c) best_r2c = (b - a) / reps;
    if ((c - b) / reps < best_c2c) best_c2c = (c - b) / reps;
  }
  printf("ns_per_transform=%.1f ns_per_inverse=%.1f sink=%g\n", best_r2c, best_c2c, sink);
  X(destroy_plan)(p); X(destroy_plan)(q); X(free)(in); X(free)(out); X(free)(zin); X(free)(zout);
  return 0;
}
`;

type FftwResult =
  | { readonly nsPerTransform: number; readonly nsPerInverse: number; readonly compiler: string }
  | { readonly na: string };

/**
 * Builds and runs the FFTW program in double (libfftw3) or single precision
 * (libfftw3f); `na` with the reason when no compiler or no FFTW is found.
 */
function runFftw(n: number, reps: number, precision: "double" | "single"): FftwResult {
  const compiler = ["cc", "gcc"].find((c) => spawnSync(c, ["--version"], { encoding: "utf8" }).status === 0);
  if (compiler === undefined) return { na: "no C compiler (cc/gcc) on PATH" };
  const dir = mkdtempSync(join(tmpdir(), "vetra-fftw-"));
  try {
    const src = join(dir, "fftw_r2c.c");
    const bin = join(dir, "fftw_r2c");
    writeFileSync(src, FFTW_PROGRAM);
    const flags = precision === "single" ? ["-DVETRA_SINGLE", "-lfftw3f"] : ["-lfftw3"];
    const build = spawnSync(compiler, ["-O2", src, "-o", bin, ...flags, "-lm"], { encoding: "utf8" });
    if (build.status !== 0)
      return { na: `FFTW not found (${compiler}: ${build.stderr.split("\n")[0]?.trim()})` };
    const run = spawnSync(bin, [String(n), String(reps)], { encoding: "utf8" });
    const m = /ns_per_transform=([\d.]+) ns_per_inverse=([\d.]+)/.exec(run.stdout);
    if (run.status !== 0 || m === null)
      return { na: `FFTW program failed: ${run.stderr.trim() || run.stdout.trim()}` };
    const version =
      spawnSync(compiler, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0]?.trim() ?? compiler;
    return { nsPerTransform: Number(m[1]), nsPerInverse: Number(m[2]), compiler: version };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The C program's input: the same LCG, so every backend transforms the same numbers. */
function lcgSignal(n: number): Float64Array {
  const x = new Float64Array(n);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    x[i] = seed / 4294967296 - 0.5;
  }
  return x;
}

/** CPU ns per call of `fn`, measured as the C program measures FFTW: warm-up, then the best of 5 rounds. */
function nsPerCall(fn: () => void, reps: number): number {
  const perRound = Math.max(1, Math.floor(reps / 5));
  for (let i = 0; i < Math.min(50, perRound); i++) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    for (let r = 0; r < perRound; r++) fn();
    best = Math.min(best, (cpuSeconds(start) * 1e9) / perRound);
  }
  return best;
}

interface BackendFigure {
  readonly backend: string;
  /** npm package and version, or the C library. */
  readonly source: string;
  readonly licence: string;
  readonly precision: "float32" | "float64";
  readonly realNs: number;
  readonly inverseNs: number;
  /** Against fft.js (float64) on the same input; null for FFTW, which runs in its own program. */
  readonly realError: number | null;
  readonly inverseError: number | null;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const packageVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string })
    .version;

/**
 * One backend's size-N real forward and complex inverse through its FftPlan
 * (so a WebAssembly backend's copies in and out are counted), and its error
 * against fft.js on the LCG signal (the complex input: x − i·x, as in C).
 */
function measureBackend(
  fft: FftBackend,
  meta: Pick<BackendFigure, "source" | "licence" | "precision">,
  n: number,
  reps: number,
): BackendFigure {
  const x = lcgSignal(n);
  const z = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    z[2 * i] = x[i]!;
    z[2 * i + 1] = -x[i]!;
  }
  const out = new Float64Array(2 * n);
  const ref = new Float64Array(2 * n);
  const plan = fft.plan(n);
  const refPlan = fftJsBackend.plan(n);
  plan.realForward(x, out);
  refPlan.realForward(x, ref);
  const realError = relativeError(out, ref, n + 2);
  plan.inverse(z, out);
  refPlan.inverse(z, ref);
  const inverseError = relativeError(out, ref, 2 * n);
  let sink = 0;
  const realNs = nsPerCall(() => {
    plan.realForward(x, out);
    sink += out[2]!;
  }, reps);
  const inverseNs = nsPerCall(() => {
    plan.inverse(z, out);
    sink += out[2]!;
  }, reps);
  if (!Number.isFinite(sink)) throw new Error("FFT benchmark produced a non-finite value");
  return { backend: fft.name, ...meta, realNs, inverseNs, realError, inverseError };
}

const fmt = (n: number, digits = 3): string => (n >= 100 ? n.toFixed(1) : n.toPrecision(digits));

/** A Markdown table with aligned columns: text left, numbers right. */
function table(header: string[], rows: string[][], textColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((c) => c[i]!.length)));
  const line = (c: string[]): string =>
    `| ${c.map((v, i) => (i < textColumns ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (i < textColumns ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

const tinybenchTable = (rows: BenchFigure[]): string =>
  table(
    ["benchmark", "mean, ms", "p75, ms", "p99, ms", "sd, ms", "ops/s", "samples"],
    rows.map((r) => [
      r.name,
      fmt(r.meanMs),
      fmt(r.p75Ms),
      fmt(r.p99Ms),
      fmt(r.sdMs),
      fmt(r.opsPerS),
      String(r.samples),
    ]),
  );

export async function dspSection(): Promise<BenchSection> {
  // The machine may be shared: its load when the section starts says how much to trust the absolute figures.
  const load = loadavg()[0]!;
  const notes: string[] = [];
  const chosen = await loadFastestFft((line) => notes.push(line));
  const blocks = faultyGearboxBlocks(8);
  const ours = runPipeline(chosen, blocks, 8, 50, 40);
  const onFallback = chosen === fftJsBackend ? null : runPipeline(fftJsBackend, blocks, 5, 20, 10);
  const baseline = runPipeline(fftJsBaselineBackend, blocks, 3, 1, 1);
  const vsFftJs = baseline.msPerBlock / ours.msPerBlock;

  const FFT_REPS = 1000;
  const fftw = runFftw(BLOCK, 2 * FFT_REPS, "double");
  const fftwSingle = runFftw(BLOCK, 2 * FFT_REPS, "single");
  const pffft = {
    source: `@echogarden/pffft-wasm ${packageVersion("@echogarden/pffft-wasm")}`,
    licence: "BSD-3-Clause; PFFFT: FFTPACK (BSD-style)",
    precision: "float32",
  } as const;
  const figures: BackendFigure[] = [
    measureBackend(
      fftJsBackend,
      { source: `fft.js ${packageVersion("fft.js")}`, licence: "MIT", precision: "float64" },
      BLOCK,
      FFT_REPS,
    ),
  ];
  if (chosen !== fftJsBackend) figures.push(measureBackend(chosen, pffft, BLOCK, FFT_REPS));
  if (chosen.name === "pffft-wasm (SIMD)") {
    // The fallback where WebAssembly SIMD is missing, for comparison.
    const scalar = await loadPffftBackend("scalar").catch((e: unknown) => {
      notes.push(`PFFFT scalar build not measured: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    });
    if (scalar !== null) figures.push(measureBackend(scalar, pffft, BLOCK, FFT_REPS));
  }
  const chosenFigure = figures.find((f) => f.backend === chosen.name)!;
  const vsFftw = "na" in fftw ? null : chosenFigure.realNs / fftw.nsPerTransform;

  const micro = await runFftBench();

  const line = `dsp: realtime_factor=${ours.realtimeFactor.toFixed(0)} vs_fftjs=${vsFftJs.toFixed(0)}x vs_fftw=${
    vsFftw === null ? "n/a" : `${vsFftw.toFixed(2)}x`
  }`;
  const pipelineRows = [ours, ...(onFallback === null ? [] : [onFallback]), baseline].map((p) => [
    `diagnoseBlock on ${p.backend}`,
    `${p.rounds} × ${p.blocks / p.rounds}`,
    fmt(p.cpuS),
    fmt(p.msPerBlock),
    fmt(p.medianMsPerBlock),
    fmt(p.realtimeFactor),
  ]);
  const ratio = (ns: number, c: number | undefined): string => (c === undefined ? "n/a" : `${fmt(ns / c)}×`);
  const fftwDouble = "na" in fftw ? undefined : fftw;
  const err = (e: number | null): string => (e === null ? "—" : e === 0 ? "0" : e.toExponential(1));
  const fftRows = figures.map((f) => [
    f.backend + (f.backend === chosen.name ? " (chosen)" : ""),
    f.source,
    f.licence,
    f.precision,
    fmt(f.realNs / 1e6, 4),
    ratio(f.realNs, fftwDouble?.nsPerTransform),
    fmt(f.inverseNs / 1e6, 4),
    ratio(f.inverseNs, fftwDouble?.nsPerInverse),
    err(f.realError),
    err(f.inverseError),
  ]);
  for (const [c, precision] of [
    [fftw, "float64"],
    [fftwSingle, "float32"],
  ] as const) {
    if ("na" in c) continue;
    fftRows.push([
      `FFTW r2c / c2c backward`,
      `libfftw3${precision === "float32" ? "f" : ""} (C, FFTW_MEASURE)`,
      "GPL-2.0+",
      precision,
      fmt(c.nsPerTransform / 1e6, 4),
      ratio(c.nsPerTransform, fftwDouble?.nsPerTransform),
      fmt(c.nsPerInverse / 1e6, 4),
      ratio(c.nsPerInverse, fftwDouble?.nsPerInverse),
      "—",
      "—",
    ]);
  }

  const markdown = `The full diagnostic chain of one measuring point (\`diagnoseBlock\`:
detrend, Welch spectrum, ISO 10816-21 zones and features, shaft speed from
the 1× line, two squared-envelope spectra — the fast kurtogram's band and the
cepstrally whitened band, decimated to the lines read — bearing-fault scoring
in both, shaft orders and gear mesh, snapshot) on simulated gearbox HSS blocks of ${BLOCK} samples at
${SAMPLE_RATE_HZ / 1000} kHz (${BLOCK_SECONDS} s each; ${GENERATOR_RPM} rpm, bearing geometry and 29 gear
teeth known, outer-race defect and gear-mesh wear injected; the chain
names: ${ours.findings}). It runs on the FFT the agent loads at start-up
(\`loadFastestFft\`: ${chosen.name}), then on fft.js (the synchronous
fallback) and on fft-js (the original design's FFT, through an
\`FftBackend\` adapter of plain arrays of pairs, no plan, on fewer blocks).
CPU time is \`process.cpuUsage()\` (user + system), after a warm-up, per
round of blocks; the figures use the fastest round, as the FFT table below
uses the best of its rounds (the machine is shared and noisy: slower rounds
measure the neighbours), and the median round is shown beside it.
Load average when the section started: ${load.toFixed(1)}.${
    notes.length > 0 ? `\nBackends passed over: ${notes.join("; ")}.` : ""
  }

${table(
  [
    "pipeline",
    "rounds × blocks",
    "CPU, s",
    "CPU per block, fastest round, ms",
    "median round, ms",
    "channel-s per CPU-s",
  ],
  pipelineRows,
)}

**Real-time factor ${ours.realtimeFactor.toFixed(0)}** channel-seconds of signal per CPU-second
(goal ≥ 600) in the fastest round, ${(BLOCK_SECONDS / (ours.medianMsPerBlock / 1000)).toFixed(0)} in the median
round: one core keeps up with some ${Math.floor(BLOCK_SECONDS / (ours.medianMsPerBlock / 1000))}–${Math.floor(ours.realtimeFactor)} measuring points streaming
continuously (on these shared machines the same command gave 441 to 786 within one hour: read the
ratios within one run). **The same pipeline on fft-js: ${vsFftJs.toFixed(0)}× slower** (goal ≥ 200×).

FFT backends alone, ${BLOCK}-point real forward and complex inverse (the
envelope's), CPU time per transform, the best of 5 rounds of ${FFT_REPS / 5}
(FFTW: of ${(2 * FFT_REPS) / 5}). Each JavaScript backend runs through its
\`FftPlan\`, so the WebAssembly backends' copies of float64 arrays into and
out of their float32 memory are counted, as the chain pays them. Error:
largest deviation from fft.js (float64) on the same input, relative to the
spectrum's (or signal's) largest value; float32 backends sit near 1e-7,
the resolution of a 24-bit ADC (2^-23 of full scale), so vibration data
loses nothing measurable. FFTW ${
    "na" in fftw
      ? `not measured: ${fftw.na}`
      : `is built by the benchmark with ${fftw.compiler} -O2, FFTW_MEASURE plans; the ratios are to its double-precision r2c and c2c`
  }. fft-js (about a second per transform) is in the micro-benchmarks below.

${table(
  [
    "backend",
    "package",
    "licence",
    "precision",
    "real fwd, ms",
    "× FFTW",
    "complex inv, ms",
    "× FFTW",
    "error fwd",
    "error inv",
  ],
  fftRows,
  4,
)}

**${chosen.name} vs FFTW: ${vsFftw === null ? "n/a" : `${vsFftw.toFixed(2)}× the time`}** (real forward; goal ≤ 4×).
PFFFT is chosen for its speed, a float32 error that the data cannot see, and
its BSD-style licence; FFTW compiled to WebAssembly (fftw-js) would make the
agent GPL, so it is not an option for the default.

FFT micro-benchmarks (tinybench, warm-up first, then ~3 s per task; fft-js
has no plan and takes a plain array):

${tinybenchTable(micro)}

\`${line}\`
`;
  return { title: "Vibration DSP (one 65536-sample block)", markdown, line };
}
