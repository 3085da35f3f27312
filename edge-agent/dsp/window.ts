// Window functions, cached per size (a Hann window of 65536 samples is
// recomputed otherwise for every block).
const hannCache = new Map<number, Float64Array>();

/** Periodic Hann window (the DFT-even form, Harris 1978, Proc. IEEE 66(1) eq. 27a). */
export function hannWindow(size: number): Float64Array {
  let w = hannCache.get(size);
  if (w === undefined) {
    w = new Float64Array(size);
    for (let i = 0; i < size; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
    hannCache.set(size, w);
  }
  return w;
}

/** Σ w² — the energy of a window; dividing by it makes Parseval sums window-independent. */
export function windowEnergy(w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i]! * w[i]!;
  return s;
}
