// fft-js ships no type declarations; the benchmarks use only `fft`.
declare module "fft-js" {
  /** Recursive radix-2 FFT of a real (or [re, im]) vector; returns [re, im] pairs. */
  export function fft(vector: number[]): [number, number][];
}
