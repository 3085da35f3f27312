// Cepstral pre-whitening (Sawalhi & Randall; P. Borghesani, P. Pennacchi,
// R. B. Randall, N. Sawalhi, R. Ricci, "Application of cepstrum
// pre-whitening for the diagnosis of bearing faults under variable speed
// conditions", MSSP 36 (2013) 370–384): setting the real cepstrum to zero
// except at quefrency 0 is, in the frequency domain, X_k / |X_k| — every
// bin keeps its phase and gets the same magnitude. Discrete lines (gears,
// shaft harmonics) and resonances lose their dominance, impulsive content
// keeps its phase alignment, so the squared envelope of the whole band
// shows the impact rate without choosing a band.
import type { SignalSpectrum } from "./envelope.ts";

/**
 * Writes the pre-whitened spectrum of `spec` into `out` (same length as
 * `spec.bins`) and returns it as a spectrum. The common magnitude is the
 * RMS of the original bins, so the whitened block has the same mean square
 * as the original (amplitudes stay in the signal's units, SNRs are unchanged
 * by the choice). DC is set to zero.
 */
export function cepstralPrewhiten(spec: SignalSpectrum, out: Float64Array): SignalSpectrum {
  const half = spec.size / 2;
  const level = Math.sqrt(binPowerSum(spec.bins, half) / half);
  out[0] = 0;
  out[1] = 0;
  equaliseMagnitudes(spec.bins, out, half, level);
  return { bins: out, size: spec.size, count: spec.count, sampleRateHz: spec.sampleRateHz };
}

// Each long loop ends its own function (see envelope.ts: V8's on-stack replacement otherwise leaves
// the code after a long loop in its baseline tier).

/** Σ |X_k|² over bins 1…half (interleaved complex). */
function binPowerSum(x: Float64Array, half: number): number {
  let sum = 0;
  for (let k = 1; k <= half; k++) sum += x[2 * k]! * x[2 * k]! + x[2 * k + 1]! * x[2 * k + 1]!;
  return sum;
}

/** out_k = x_k · level / |x_k| for bins 1…half (0 where |x_k| is 0). */
function equaliseMagnitudes(x: Float64Array, out: Float64Array, half: number, level: number): void {
  for (let k = 1; k <= half; k++) {
    const re = x[2 * k]!;
    const im = x[2 * k + 1]!;
    const p = re * re + im * im;
    const g = p > 0 ? level / Math.sqrt(p) : 0;
    out[2 * k] = re * g;
    out[2 * k + 1] = im * g;
  }
}
