// The spectra of a point's healthy baseline: while the point learns its
// baseline (the first healthy blocks, alarm-state.ts BaselineLearner), their
// snapshot spectra are averaged here, so central can overlay the current
// spectrum on the healthy one — the comparison ISO 13373-3 (§6, "comparison
// with reference data") and every analyst's console make first.
//
// The velocity spectrum is averaged in power (the RMS of the amplitudes, so
// a line keeps its level and the noise floor its mean square); the squared
// envelope is a power already and is averaged as it is. Traces are averaged
// only with traces of the same bin spacing and length as the first one (the
// envelope's spacing follows the band the kurtogram picks, which may move
// from block to block); the others are left out of the mean.
import type { SpectrumSnapshot } from "./types.ts";

interface Sum {
  readonly dfHz: number;
  readonly unit: string;
  readonly sum: Float64Array;
  n: number;
}

const sumOf = (values: readonly number[], dfHz: number, unit: string, square: boolean): Sum => {
  const sum = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) sum[i] = square ? values[i]! ** 2 : values[i]!;
  return { dfHz, unit, sum, n: 1 };
};

const addTo = (s: Sum, values: readonly number[], dfHz: number, square: boolean): void => {
  if (dfHz !== s.dfHz || values.length !== s.sum.length) return;
  for (let i = 0; i < values.length; i++) s.sum[i]! += square ? values[i]! ** 2 : values[i]!;
  s.n++;
};

const meanOf = (s: Sum, root: boolean): number[] =>
  Array.from(s.sum, (v) => (root ? Math.sqrt(v / s.n) : v / s.n));

export class BaselineSpectrumLearner {
  private velocity: Sum | null = null;
  private envelope: (Sum & { band: readonly [number, number] }) | null = null;
  private speedSum = 0;
  private speedBlocks = 0;
  private blocks = 0;

  /** One healthy block's snapshot (its traces are read now, not kept). */
  add(s: SpectrumSnapshot): void {
    this.blocks++;
    if (s.speedRpm !== null) {
      this.speedSum += s.speedRpm;
      this.speedBlocks++;
    }
    if (this.velocity === null)
      this.velocity = sumOf(s.spectrum.values, s.spectrum.df_hz, s.spectrum.unit, true);
    else addTo(this.velocity, s.spectrum.values, s.spectrum.df_hz, true);
    if (this.envelope === null)
      this.envelope = {
        ...sumOf(s.envelope.values, s.envelope.df_hz, s.envelope.unit, false),
        band: s.envelope.band_hz,
      };
    else addTo(this.envelope, s.envelope.values, s.envelope.df_hz, false);
  }

  /** Blocks added so far. */
  get count(): number {
    return this.blocks;
  }

  /**
   * The baseline's spectra as a snapshot: the mean traces, the mean speed,
   * the markers of `last` (the block that completed the baseline); null
   * before any block. No waveform: a mean of waveforms means nothing.
   */
  snapshot(last: SpectrumSnapshot): SpectrumSnapshot | null {
    if (this.velocity === null || this.envelope === null) return null;
    return {
      speedRpm: this.speedBlocks > 0 ? this.speedSum / this.speedBlocks : null,
      sampleRateHz: last.sampleRateHz,
      samples: last.samples,
      spectrum: { df_hz: this.velocity.dfHz, unit: this.velocity.unit, values: meanOf(this.velocity, true) },
      envelope: {
        df_hz: this.envelope.dfHz,
        unit: this.envelope.unit,
        values: meanOf(this.envelope, false),
        band_hz: this.envelope.band,
      },
      markers: last.markers,
    };
  }
}
