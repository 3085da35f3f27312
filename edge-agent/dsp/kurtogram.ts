// Demodulation band by spectral kurtosis: the fast kurtogram (J. Antoni,
// "Fast computation of the kurtogram for the detection of transient
// faults", MSSP 21 (2007) 108–124). The band 0…fs/2 is split on a
// 1/3-binary tree — levels 0, 1, 1.6, 2, 2.6, … with 2^k and 3·2^(k−1)
// bands — and in each band the kurtosis of the complex envelope,
// E|z|⁴/(E|z|²)² − 2, is computed; impacts that excite a resonance make it
// large there, stationary noise and tones keep it near 0 or below.
//
// Antoni builds the tree from quasi-analytic FIR filters and decimation;
// here each band is cut from the block's FFT with ideal (rectangular)
// edges and inverse-transformed at its critical rate (envelope.ts), which
// is the same decomposition with perfect filters at the same O(N log N)
// cost per level: the bands of a level tile the spectrum without sharing a
// bin, a binary level's bands take transforms of exactly their width, and
// a 1/3 level's (N/(3·2^k) bins) take 3·2^m points by a radix-3 step.

import { bandKurtosis } from "./band-kurtosis.ts";
import { bandBins, type SignalSpectrum } from "./envelope.ts";
import { type FftBackend, fftJsBackend } from "./fft.ts";

export interface KurtogramBand {
  /** Level in the 1/3-binary tree (0, 1, 1.6, 2, 2.6, …). */
  readonly level: number;
  readonly lowHz: number;
  readonly highHz: number;
  readonly centreHz: number;
  readonly bandwidthHz: number;
  /** Spectral kurtosis of the band (kurtosis of the complex envelope − 2; 0 for Gaussian noise). */
  readonly kurtosis: number;
}

export interface KurtogramOptions {
  /** Narrowest band considered, Hz: a few × the highest defect-frequency harmonic looked at, so its lines and sidebands fit. */
  readonly minBandwidthHz: number;
  /** Deepest level (default 8: 256 bands). */
  readonly maxLevel?: number;
  /**
   * Levels evaluated, the narrowest ones allowed by `minBandwidthHz` first (default 4). Each level
   * costs about one FFT of the block; the impacts' resonance is rarely best seen in a band more
   * than ~5 times wider than the narrowest useful one, where the noise of the rest dilutes it.
   */
  readonly maxRows?: number;
  /** Bands whose lower edge is below this are not chosen (default 0). */
  readonly minLowHz?: number;
  /**
   * Bands reaching above this fraction of the Nyquist frequency are not chosen (default 0.9): the
   * converter's anti-alias roll-off and its artefacts live there, and a few glitches in a narrow band
   * give an enormous kurtosis that says nothing about the machine.
   */
  readonly maxHighFraction?: number;
  /**
   * When no band reaches this kurtosis there are no impacts to find (default 0.5): the widest band
   * evaluated is taken instead (its best), where a modulation of noise — a cage's, at FTF — has the
   * most samples behind it and the lowest noise floor in the envelope spectrum.
   */
  readonly impulsiveKurtosis?: number;
}

export interface Kurtogram {
  readonly best: KurtogramBand;
  /** Every band evaluated, by level: the kurtogram itself. */
  readonly levels: readonly { readonly level: number; readonly kurtosis: readonly number[] }[];
}

/** Levels of the 1/3-binary tree and their band counts, down to `maxLevel`. */
export function kurtogramLevels(maxLevel: number): { level: number; bands: number }[] {
  const out = [{ level: 0, bands: 1 }];
  for (let k = 1; k <= maxLevel; k++) {
    out.push({ level: k, bands: 2 ** k });
    if (k < maxLevel) out.push({ level: k + 0.6, bands: 3 * 2 ** (k - 1) });
  }
  return out;
}

/**
 * Kurtogram of a block from its FFT; the band with the largest spectral
 * kurtosis among those at least `minBandwidthHz` wide (the whole band when
 * none is), so there is always an answer.
 */
export function fastKurtogram(
  spec: SignalSpectrum,
  opts: KurtogramOptions,
  fft: FftBackend = fftJsBackend,
): Kurtogram {
  const nyquist = spec.sampleRateHz / 2;
  const levels: { level: number; kurtosis: number[] }[] = [];
  let best: KurtogramBand | null = null;
  let widest: KurtogramBand | null = null;
  const maxHighHz = (opts.maxHighFraction ?? 0.9) * nyquist + 1e-9;
  const all = kurtogramLevels(opts.maxLevel ?? 8).filter(
    ({ level, bands }) => level === 0 || nyquist / bands >= opts.minBandwidthHz,
  );
  const rows = all.slice(Math.max(0, all.length - (opts.maxRows ?? 4)));
  for (const { level, bands } of rows) {
    const bw = nyquist / bands;
    const row: number[] = [];
    for (let i = 0; i < bands; i++) {
      const lowHz = i * bw;
      const highHz = (i + 1) * bw;
      const [first, last] = bandBins(spec, lowHz, highHz);
      // Bands that may not be chosen are not computed (NaN in the map).
      if (last - first < 3 || (level > 0 && (lowHz < (opts.minLowHz ?? 0) || highHz > maxHighHz))) {
        row.push(Number.NaN);
        continue;
      }
      const k = bandKurtosis(spec, first, last, fft);
      row.push(k);
      const band = { level, lowHz, highHz, centreHz: (lowHz + highHz) / 2, bandwidthHz: bw, kurtosis: k };
      if (best === null || k > best.kurtosis) best = band;
      if (widest === null || bw > widest.bandwidthHz || (bw === widest.bandwidthHz && k > widest.kurtosis))
        widest = band;
    }
    levels.push({ level, kurtosis: row });
  }
  if (best !== null && widest !== null && best.kurtosis < (opts.impulsiveKurtosis ?? 0.5)) best = widest;
  if (best === null) {
    // Nothing narrow enough fits (a very short block or a high minimum): the whole band.
    const [first, last] = bandBins(spec, 0, nyquist);
    const k = bandKurtosis(spec, first, last, fft);
    best = { level: 0, lowHz: 0, highHz: nyquist, centreHz: nyquist / 2, bandwidthHz: nyquist, kurtosis: k };
  }
  return { best, levels };
}
