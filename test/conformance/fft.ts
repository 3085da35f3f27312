// What every FftBackend must do, as a vitest suite any implementation runs
// (edge-agent/dsp/fft.conformance.test.ts runs it on fft.js and PFFFT): analytic signals
// whose transforms are known exactly, so nothing is compared with another
// backend. Errors are measured relative to the largest value expected and
// must stay under the backend's `tolerance` (its precision: ~1e-12 for
// float64, ~1e-6 for float32).
import { beforeAll, describe, expect, it } from "vitest";
import { type FftBackend, relativeError } from "../../edge-agent/dsp/fft.ts";
import { gaussian, mulberry32 } from "../../simulators/turbine/physics.ts";

export interface ConformanceOptions {
  /** Largest error allowed, relative to the largest expected magnitude. */
  readonly tolerance: number;
  /** Sizes to check (powers of two); the default spans small sizes and the agent's 65536. */
  readonly sizes?: readonly number[];
}

/** 2π·k·i/N reduced exactly first: cos and sin of a phase in the tens of thousands of radians lose ~1e-11. */
const phase = (k: number, i: number, n: number): number => (2 * Math.PI * ((k * i) % n)) / n;

const noise = (length: number, seed: number): Float64Array => {
  const rng = mulberry32(seed);
  return Float64Array.from({ length }, () => gaussian(rng));
};

export function describeFftBackend(
  label: string,
  load: () => FftBackend | Promise<FftBackend>,
  opts: ConformanceOptions,
): void {
  const sizes = opts.sizes ?? [8, 64, 4096, 65_536];
  const tol = opts.tolerance;

  describe(`FftBackend conformance: ${label}`, () => {
    let fft: FftBackend;
    beforeAll(async () => {
      fft = await load();
    });

    it("caches one plan per size and refuses sizes that are not powers of two", () => {
      expect(fft.plan(64)).toBe(fft.plan(64));
      expect(fft.plan(64).size).toBe(64);
      expect(() => fft.plan(1000)).toThrow(/power of two/);
    });

    for (const n of sizes) {
      describe(`N = ${n}`, () => {
        it("real forward: DC, a cosine and the Nyquist line land in their bins with their amplitude and phase", () => {
          // x = c + A·cos(2π·k0·n/N + φ) + b·(−1)^n  ⇒  X[0] = c·N, X[k0] = (A·N/2)·e^{iφ}, X[N/2] = b·N, else 0.
          const [c, a, phi, b] = [0.25, 1.5, 0.7, -0.4];
          const k0 = n / 8 + 1;
          const x = Float64Array.from(
            { length: n },
            (_, i) => c + a * Math.cos(phase(k0, i, n) + phi) + b * (i % 2 === 0 ? 1 : -1),
          );
          const want = new Float64Array(n + 2);
          want[0] = c * n;
          want[2 * k0] = ((a * n) / 2) * Math.cos(phi);
          want[2 * k0 + 1] = ((a * n) / 2) * Math.sin(phi);
          want[n] = b * n;
          const out = new Float64Array(2 * n);
          const before = x.slice();
          fft.plan(n).realForward(x, out);
          expect(relativeError(out, want, n + 2)).toBeLessThan(tol);
          expect(relativeError(x, before, n), "the input was changed").toBe(0);
        });

        it("complex forward is Σ x·e^{−2πi·kn/N}: e^{2πi·k1·n/N} gives N at bin k1 and nothing elsewhere", () => {
          const k1 = n / 4 + 1;
          const x = new Float64Array(2 * n);
          for (let i = 0; i < n; i++) {
            x[2 * i] = Math.cos(phase(k1, i, n));
            x[2 * i + 1] = Math.sin(phase(k1, i, n));
          }
          const want = new Float64Array(2 * n);
          want[2 * k1] = n;
          const out = new Float64Array(2 * n);
          fft.plan(n).forward(x, out);
          expect(relativeError(out, want, 2 * n)).toBeLessThan(tol);
        });

        it("inverse is scaled by 1/N: a bin of N at k1 gives e^{2πi·k1·n/N}", () => {
          const k1 = n / 2 - 1;
          const spectrum = new Float64Array(2 * n);
          spectrum[2 * k1] = n;
          const want = new Float64Array(2 * n);
          for (let i = 0; i < n; i++) {
            want[2 * i] = Math.cos(phase(k1, i, n));
            want[2 * i + 1] = Math.sin(phase(k1, i, n));
          }
          const out = new Float64Array(2 * n);
          fft.plan(n).inverse(spectrum, out);
          expect(relativeError(out, want, 2 * n)).toBeLessThan(tol);
        });

        it("Parseval: Σ x² = (1/N)·(|X0|² + |X_{N/2}|² + 2·Σ_{0<k<N/2} |Xk|²) on Gaussian noise", () => {
          const x = noise(n, 11);
          const out = new Float64Array(2 * n);
          fft.plan(n).realForward(x, out);
          let energy = 0;
          for (const v of x) energy += v * v;
          let spectral = out[0]! ** 2 + out[n]! ** 2;
          for (let k = 1; k < n / 2; k++) spectral += 2 * (out[2 * k]! ** 2 + out[2 * k + 1]! ** 2);
          expect(Math.abs(spectral / n - energy) / energy).toBeLessThan(tol);
        });

        it("inverse(forward(x)) = x on complex Gaussian noise", () => {
          const x = noise(2 * n, 12);
          const spectrum = new Float64Array(2 * n);
          const back = new Float64Array(2 * n);
          fft.plan(n).forward(x, spectrum);
          fft.plan(n).inverse(spectrum, back);
          expect(relativeError(back, x, 2 * n)).toBeLessThan(tol);
        });

        it("real and complex forward agree on bins 0…N/2 of a real signal", () => {
          const x = noise(n, 13);
          const asComplex = new Float64Array(2 * n);
          for (let i = 0; i < n; i++) asComplex[2 * i] = x[i]!;
          const real = new Float64Array(2 * n);
          const complex = new Float64Array(2 * n);
          fft.plan(n).realForward(x, real);
          fft.plan(n).forward(asComplex, complex);
          expect(relativeError(real, complex, n + 2)).toBeLessThan(tol);
        });
      });
    }
  });
}
