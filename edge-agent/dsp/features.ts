// Vibration features of one acceleration block (ISO 10816-21 / VDI 3834-1
// quantities plus the statistics a diagnostics engine starts from).
//
// Velocity is obtained by integrating in the frequency domain (divide each
// bin by jω) rather than by a running time-domain sum: integration in time
// turns any DC offset and low-frequency noise into drift, while in the
// frequency domain the band limits (10–1000 Hz for the drive train) cut
// that off exactly. The RMS follows from Parseval's theorem with the window
// energy correction Σw² (Heinzel, Rüdiger & Schilling 2002, "Spectrum and
// spectral density estimation by the DFT", §9: "normalisation for noise"),
// which keeps broadband RMS right regardless of where tones fall on bins.
import { type ComponentClass, STANDARD_GRAVITY_M_S2 } from "../../common/names.ts";
import { DEFAULT_VELOCITY_ZONES } from "../diagnostics/iso-zones.ts";
import { binPower, complexBuffer, realFft } from "./fft.ts";
import { hannWindow, windowEnergy } from "./window.ts";

export type AccelerationUnit = "g" | "m/s2";

export interface BandHz {
  readonly lowHz: number;
  readonly highHz: number;
}

/**
 * Acceleration bands per component class, VDI 3834-1:2009 Table 1 (the
 * higher band where the guideline gives two): the a_rms field is the RMS
 * of this band.
 */
export const ACCELERATION_BANDS: Readonly<Record<ComponentClass, BandHz>> = {
  nacelle: { lowHz: 0.1, highHz: 10 },
  main_bearing: { lowHz: 0.1, highHz: 10 },
  gearbox: { lowHz: 10, highHz: 2000 },
  generator: { lowHz: 10, highHz: 5000 },
};

/** Velocity band per component class: the band the ISO zone boundaries apply to. */
export const velocityBand = (component: ComponentClass): BandHz => {
  const [lowHz, highHz] = DEFAULT_VELOCITY_ZONES[component].bandHz;
  return { lowHz, highHz };
};

export interface BlockFeatures {
  /** Velocity RMS in the component's velocity band (10–1000 Hz for the drive train), mm/s. */
  v_rms_mm_s: number;
  /** Acceleration RMS in the component's acceleration band, g. */
  a_rms_g: number;
  a_rms_m_s2: number;
  /** Largest absolute acceleration after removing the mean, g. */
  a_peak_g: number;
  /** a_peak / broadband RMS of acceleration (√2 for a sine). */
  crest_factor: number;
  /** Fourth standardised moment (1.5 for a sine, 3 for Gaussian noise). */
  kurtosis: number;
}

export interface BlockInput {
  readonly samples: ArrayLike<number>;
  readonly sampleRateHz: number;
  readonly unit: AccelerationUnit;
  readonly component: ComponentClass;
}

interface Workspace {
  readonly size: number;
  readonly windowed: Float64Array;
  readonly spectrum: Float64Array;
  readonly power: Float64Array;
}
const workspaces = new Map<number, Workspace>();
function workspace(size: number): Workspace {
  let ws = workspaces.get(size);
  if (ws === undefined) {
    ws = {
      size,
      windowed: new Float64Array(size),
      spectrum: complexBuffer(size),
      power: new Float64Array(size / 2 + 1),
    };
    workspaces.set(size, ws);
  }
  return ws;
}

const nextPowerOfTwo = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(4, n)));

/**
 * RMS of the one-sided spectrum in a band, optionally divided by ω (velocity).
 * rms² = 2 / (M·Σw²) · Σ_band |X_k|² / ω_k^p, with M the transform size
 * (Heinzel et al. 2002, eq. 21/24 with the factor 2 for one-sided sums).
 */
function bandRms(
  power: Float64Array,
  transformSize: number,
  sampleRateHz: number,
  sumW2: number,
  band: BandHz,
  integrate: boolean,
): number {
  const df = sampleRateHz / transformSize;
  const nyquistBin = transformSize / 2;
  const kLow = Math.max(1, Math.ceil(band.lowHz / df));
  const kHigh = Math.min(nyquistBin - 1, Math.floor(band.highHz / df));
  let sum = 0;
  for (let k = kLow; k <= kHigh; k++) {
    const p = power[k]!;
    if (integrate) {
      const omega = 2 * Math.PI * k * df;
      sum += p / (omega * omega);
    } else sum += p;
  }
  return Math.sqrt((2 * sum) / (transformSize * sumW2));
}

/** Features of one block. Pure: reads `input.samples`, allocates only per new block size. */
export function computeFeatures(input: BlockInput): BlockFeatures {
  const { samples, sampleRateHz, unit, component } = input;
  const n = samples.length;
  if (n < 4) throw new Error(`a block needs at least 4 samples, got ${n}`);
  if (!(sampleRateHz > 0)) throw new Error(`sample rate must be > 0, got ${sampleRateHz}`);
  const toMs2 = unit === "g" ? STANDARD_GRAVITY_M_S2 : 1;

  let mean = 0;
  for (let i = 0; i < n; i++) mean += samples[i]!;
  mean /= n;

  // Time-domain statistics of the mean-free signal, in m/s².
  let m2 = 0;
  let m4 = 0;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const x = (samples[i]! - mean) * toMs2;
    const x2 = x * x;
    m2 += x2;
    m4 += x2 * x2;
    const ax = Math.abs(x);
    if (ax > peak) peak = ax;
  }
  m2 /= n;
  m4 /= n;
  const rmsBroad = Math.sqrt(m2);

  // Spectrum: mean removed, Hann window over the n samples, zero-padded to a power of two.
  const size = nextPowerOfTwo(n);
  const ws = workspace(size);
  const w = hannWindow(n);
  const sumW2 = windowEnergy(w);
  ws.windowed.fill(0);
  for (let i = 0; i < n; i++) ws.windowed[i] = (samples[i]! - mean) * toMs2 * w[i]!;
  realFft(ws.windowed, ws.spectrum);
  binPower(ws.spectrum, ws.power);

  const vRms = bandRms(ws.power, size, sampleRateHz, sumW2, velocityBand(component), true);
  const aRms = bandRms(ws.power, size, sampleRateHz, sumW2, ACCELERATION_BANDS[component], false);

  return {
    v_rms_mm_s: vRms * 1000,
    a_rms_g: aRms / STANDARD_GRAVITY_M_S2,
    a_rms_m_s2: aRms,
    a_peak_g: peak / STANDARD_GRAVITY_M_S2,
    crest_factor: rmsBroad > 0 ? peak / rmsBroad : 0,
    kurtosis: m2 > 0 ? m4 / (m2 * m2) : 0,
  };
}
