// What a 4–20 mA / Modbus vibration transmitter on a measuring point reports
// for one block: velocity RMS in the ISO 10816-21 band 10–1000 Hz (by
// integrating acceleration in the frequency domain, v = a / (2πf)), and the
// acceleration RMS and peak of the block.
import FFT from "fft.js";
import { STANDARD_GRAVITY_M_S2 } from "../../common/names.ts";

export interface TransmitterValues {
  v_rms_mm_s: number;
  a_rms_g: number;
  a_peak_g: number;
}

const plans = new Map<number, FFT>();

/** Block length must be a power of two ≥ 4 (fft.js). */
export function transmitterValues(
  accelG: Float32Array,
  sampleRateHz: number,
  bandHz = { lo: 10, hi: 1000 },
): TransmitterValues {
  const n = accelG.length;
  let plan = plans.get(n);
  if (!plan) {
    plan = new FFT(n);
    plans.set(n, plan);
  }
  let mean = 0;
  for (const a of accelG) mean += a;
  mean /= n;
  const input = new Array<number>(n);
  let sumSquares = 0;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const a = (accelG[i] ?? 0) - mean;
    input[i] = a;
    sumSquares += a * a;
    peak = Math.max(peak, Math.abs(a));
  }
  const spectrum = plan.createComplexArray() as number[];
  plan.realTransform(spectrum, input);
  const gMmS2 = STANDARD_GRAVITY_M_S2 * 1000;
  let velocitySquares = 0;
  for (let k = 1; k < n / 2; k++) {
    const f = (k * sampleRateHz) / n;
    if (f < bandHz.lo || f > bandHz.hi) continue;
    const power = (spectrum[2 * k] ?? 0) ** 2 + (spectrum[2 * k + 1] ?? 0) ** 2;
    velocitySquares += power * (gMmS2 / (2 * Math.PI * f)) ** 2;
  }
  // Parseval, one-sided: mean square = 2/N² Σ|X_k|² over 0 < k < N/2.
  return {
    v_rms_mm_s: Math.sqrt((2 * velocitySquares) / (n * n)),
    a_rms_g: Math.sqrt(sumSquares / n),
    a_peak_g: peak,
  };
}
