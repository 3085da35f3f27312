// Real FFT on typed arrays with fft.js (radix-4, table-driven). Plans (the
// twiddle tables) cost as much as a transform to build, so one plan per size
// is made once and cached; callers pass output buffers so a block of 65536
// samples allocates nothing per transform.
import FFT from "fft.js";

const plans = new Map<number, FFT>();

export const isPowerOfTwo = (n: number): boolean => Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;

/** The cached plan for a size (power of two ≥ 4, as fft.js requires). */
export function fftPlan(size: number): FFT {
  let plan = plans.get(size);
  if (plan === undefined) {
    if (!isPowerOfTwo(size) || size < 4) throw new Error(`FFT size must be a power of two ≥ 4, got ${size}`);
    plan = new FFT(size);
    plans.set(size, plan);
  }
  return plan;
}

/** Interleaved complex buffer (re, im, re, im, …) of length 2·size for `realFft`. */
export const complexBuffer = (size: number): Float64Array => new Float64Array(2 * size);

/**
 * Real-input FFT of `input` (length N, power of two) into `out` (interleaved
 * complex, length 2N). Only bins 0…N/2 are filled: the rest mirror them for
 * real input and nothing here reads them.
 */
export function realFft(input: Float64Array, out: Float64Array): void {
  const n = input.length;
  if (out.length < 2 * n) throw new Error(`FFT output buffer needs ${2 * n} values, got ${out.length}`);
  fftPlan(n).realTransform(out, input);
}

/** Squared magnitude of bins 0…N/2 of an interleaved spectrum, into `power` (length N/2+1). */
export function binPower(spectrum: Float64Array, power: Float64Array): void {
  for (let k = 0; k < power.length; k++) {
    const re = spectrum[2 * k]!;
    const im = spectrum[2 * k + 1]!;
    power[k] = re * re + im * im;
  }
}
