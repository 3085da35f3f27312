// FFT and feature-extraction benchmarks: a 65536-point real FFT with
// fft.js (the edge agent's choice) against fft-js (the original design's
// choice, the named baseline) in the same run, plus the full feature
// extraction of one 65536-sample block.
import fftJs from "fft-js";
import { Bench } from "tinybench";
import { computeFeatures } from "../edge-agent/dsp/features.ts";
import { complexBuffer, fftPlan, realFft } from "../edge-agent/dsp/fft.ts";

export const BLOCK = 65_536;
export const SAMPLE_RATE_HZ = 25_600;

export interface BenchFigure {
  name: string;
  meanMs: number;
  p75Ms: number;
  p99Ms: number;
  sdMs: number;
  opsPerS: number;
  samples: number;
}

/** A block of known content: two tones and a little deterministic noise, in g. */
function testBlock(): Float64Array {
  const x = new Float64Array(BLOCK);
  let seed = 12345;
  for (let i = 0; i < BLOCK; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const t = i / SAMPLE_RATE_HZ;
    x[i] =
      0.5 * Math.sin(2 * Math.PI * 100 * t) +
      0.1 * Math.sin(2 * Math.PI * 1234 * t) +
      0.02 * (seed / 2 ** 32 - 0.5);
  }
  return x;
}

export async function runFftBench(opts: { timeMs?: number; warmupMs?: number } = {}): Promise<BenchFigure[]> {
  const block = testBlock();
  const blockArray = Array.from(block);
  const out = complexBuffer(BLOCK);
  fftPlan(BLOCK); // plans are made once and cached: the agent never pays for them per block
  let sink = 0;

  const bench = new Bench({
    time: opts.timeMs ?? 3000,
    warmupTime: opts.warmupMs ?? 500,
    warmupIterations: 3,
    iterations: 10,
  });
  bench
    .add(`fft.js realTransform, N=${BLOCK}`, () => {
      realFft(block, out);
      sink += out[2]!;
    })
    .add(`fft-js fft (baseline), N=${BLOCK}`, () => {
      const r = fftJs.fft(blockArray);
      sink += r[1]![0];
    })
    .add(`computeFeatures (mean, Hann, FFT, v/a RMS, peak, crest, kurtosis), N=${BLOCK}`, () => {
      const f = computeFeatures({
        samples: block,
        sampleRateHz: SAMPLE_RATE_HZ,
        unit: "g",
        component: "gearbox",
      });
      sink += f.v_rms_mm_s;
    });
  await bench.run();
  if (!Number.isFinite(sink)) throw new Error("benchmark produced a non-finite value");

  return bench.tasks.map((task) => {
    const r = task.result;
    if (r.state !== "completed") throw new Error(`${task.name}: ${r.state}`);
    return {
      name: task.name,
      meanMs: r.latency.mean,
      p75Ms: r.latency.p75,
      p99Ms: r.latency.p99,
      sdMs: r.latency.sd,
      opsPerS: 1000 / r.latency.mean,
      samples: r.latency.samplesCount,
    };
  });
}
