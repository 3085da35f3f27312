// FFT on typed arrays. The agent runs on PFFFT compiled to WebAssembly
// (fft-pffft.ts), loaded once at start-up by `loadFastestFft`; fft.js
// (radix-4, table-driven, float64) is the synchronous fallback and the
// default of DSP functions called without a backend. BENCHMARKS.md compares
// them with fft-js (the original design's choice) and FFTW. Plans (the
// twiddle tables) cost as much as a transform to build, so one plan per size
// is made once and cached; callers pass output buffers so a block of 65536
// samples allocates nothing per transform. DSP code takes an `FftBackend` so
// the same pipeline can be measured on another FFT without a global switch.
import FFT from "fft.js";

/**
 * One plan: transforms of a fixed size (a power of two). Buffers are
 * interleaved complex (re, im, …). Transforms never change their input:
 * DSP code passes views of a spectrum it reads again afterwards.
 */
export interface FftPlan {
  readonly size: number;
  /** Real input (length N) → bins 0…N/2 of `out` (length 2N); the upper half is not filled. */
  realForward(input: Float64Array, out: Float64Array): void;
  /** Complex forward transform, `input` and `out` both length 2N (not the same array). */
  forward(input: Float64Array, out: Float64Array): void;
  /** Complex inverse transform scaled by 1/N, `input` and `out` both length 2N (not the same array). */
  inverse(input: Float64Array, out: Float64Array): void;
}

export interface FftBackend {
  readonly name: string;
  /** The plan for a size; implementations cache plans per size. */
  plan(size: number): FftPlan;
}

export const isPowerOfTwo = (n: number): boolean => Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
export const nextPowerOfTwo = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(4, n)));

const plans = new Map<number, FFT>();

/** The cached fft.js plan for a size (power of two ≥ 4, as fft.js requires). */
export function fftPlan(size: number): FFT {
  let plan = plans.get(size);
  if (plan === undefined) {
    if (!isPowerOfTwo(size) || size < 4) throw new Error(`FFT size must be a power of two ≥ 4, got ${size}`);
    plan = new FFT(size);
    plans.set(size, plan);
  }
  return plan;
}

const fftJsPlans = new Map<number, FftPlan>();

/** fft.js: float64, synchronous; the fallback where PFFFT's WebAssembly cannot load. */
export const fftJsBackend: FftBackend = {
  name: "fft.js",
  plan(size: number): FftPlan {
    let p = fftJsPlans.get(size);
    if (p === undefined) {
      const f = fftPlan(size);
      p = {
        size,
        realForward: (input, out) => f.realTransform(out, input),
        forward: (input, out) => f.transform(out, input),
        // fft.js's inverseTransform already divides by N.
        inverse: (input, out) => f.inverseTransform(out, input),
      };
      fftJsPlans.set(size, p);
    }
    return p;
  },
};

let fastest: FftBackend = fftJsBackend;
let loading: Promise<FftBackend> | undefined;

/** The FFT `loadFastestFft` picked; fft.js until it has run (or where nothing faster loads). */
export const fastestFft = (): FftBackend => fastest;

/**
 * Loads the fastest FFT this Node runs, once (later calls get the same
 * promise): PFFFT in WebAssembly with SIMD, else its scalar build, else
 * fft.js. Never rejects; `log` hears why a faster backend was passed over.
 */
export function loadFastestFft(log?: (line: string) => void): Promise<FftBackend> {
  loading ??= (async () => {
    // Imported here, not at the top: fft-pffft.ts builds on this module, and code that never asks
    // for the fast FFT never loads the WebAssembly.
    const { loadPffftBackend } = await import("./fft-pffft.ts");
    for (const build of ["simd", "scalar"] as const) {
      try {
        fastest = await loadPffftBackend(build);
        return fastest;
      } catch (e) {
        log?.(`FFT: ${e instanceof Error ? e.message : String(e)}; trying the next backend`);
      }
    }
    log?.(`FFT: running on ${fftJsBackend.name}`);
    return fastest;
  })();
  return loading;
}

/** Interleaved complex buffer (re, im, re, im, …) of length 2·size for `realFft`. */
export const complexBuffer = (size: number): Float64Array => new Float64Array(2 * size);

/**
 * Real-input FFT of `input` (length N, power of two) into `out` (interleaved
 * complex, length 2N). Only bins 0…N/2 are filled: the rest mirror them for
 * real input and nothing here reads them.
 */
export function realFft(input: Float64Array, out: Float64Array, backend: FftBackend = fftJsBackend): void {
  const n = input.length;
  if (out.length < 2 * n) throw new Error(`FFT output buffer needs ${2 * n} values, got ${out.length}`);
  backend.plan(n).realForward(input, out);
}

/**
 * Largest |got − want| over the first `count` values, relative to the
 * largest |want|: how far a transform is from the one expected (the
 * backends' conformance test and the benchmark's error column).
 */
export function relativeError(got: Float64Array, want: Float64Array, count: number): number {
  let err = 0;
  let peak = 0;
  for (let i = 0; i < count; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    peak = Math.max(peak, Math.abs(want[i]!));
  }
  return err / peak;
}

/** Squared magnitude of bins 0…N/2 of an interleaved spectrum, into `power` (length N/2+1). */
export function binPower(spectrum: Float64Array, power: Float64Array): void {
  for (let k = 0; k < power.length; k++) {
    const re = spectrum[2 * k]!;
    const im = spectrum[2 * k + 1]!;
    power[k] = re * re + im * im;
  }
}
