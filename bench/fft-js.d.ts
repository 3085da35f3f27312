// fft-js ships no type declarations; the benchmarks use `fft` and `ifft`.
declare module "fft-js" {
  /** Recursive radix-2 FFT of a real (or [re, im]) vector; returns [re, im] pairs. */
  export function fft(vector: number[] | [number, number][]): [number, number][];
  /** Inverse of `fft`, scaled by 1/N. */
  export function ifft(signal: [number, number][]): [number, number][];
}
