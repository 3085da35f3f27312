// Band-limited resampling by a rational factor p/q (polyphase, Lanczos-windowed
// sinc, 24 zero crossings each side), for tests that ask how a diagnosis
// fares on the same vibration recorded at another rate. Down-sampling
// low-passes at 0.95 of the new Nyquist frequency; up-sampling leaves the
// band above the old one empty (a real faster converter would record the
// sensor's noise there: add it).

const ZERO_CROSSINGS = 24;

/** Greatest common divisor of two positive integers. */
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** `x` sampled at `fromHz`, resampled to `toHz` (both whole numbers of Hz). */
export function resample(x: ArrayLike<number>, fromHz: number, toHz: number): Float64Array {
  if (!Number.isInteger(fromHz) || !Number.isInteger(toHz) || fromHz <= 0 || toHz <= 0)
    throw new Error(`rates must be positive whole numbers of Hz, got ${fromHz} and ${toHz}`);
  const g = gcd(fromHz, toHz);
  const p = toHz / g;
  const q = fromHz / g;
  // Cut-off relative to the input's Nyquist frequency.
  const cutoff = 0.95 * Math.min(1, p / q);
  const half = Math.ceil(ZERO_CROSSINGS / cutoff);
  const taps = 2 * half;
  // One kernel per phase: output sample i lies at input time i·q/p = base + phase/p.
  const kernels = Array.from({ length: p }, (_, phase) =>
    Float64Array.from({ length: taps }, (_, j) => {
      const d = (phase / p + half - 1 - j) * cutoff; // distance from input sample base − half + 1 + j
      const sinc = d === 0 ? 1 : Math.sin(Math.PI * d) / (Math.PI * d);
      const u = d / ZERO_CROSSINGS;
      const window = Math.abs(u) >= 1 ? 0 : u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
      return sinc * window * cutoff;
    }),
  );
  const n = Math.floor((x.length * p) / q);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const base = Math.floor((i * q) / p);
    const k = kernels[(i * q) % p]!;
    let s = 0;
    const from = base - half + 1;
    for (let j = 0; j < taps; j++) {
      const idx = from + j;
      if (idx >= 0 && idx < x.length) s += x[idx]! * k[j]!;
    }
    out[i] = s;
  }
  return out;
}
