// What the diagnostics engine takes and gives. Detectors are pure: they see
// a block of samples and what is known of the machine (speed, bearing
// geometry, gear teeth, the point's learnt baseline), never a connection.
// The agent, `vetra diagnose` and the benchmarks all call `diagnoseBlock`
// (pipeline.ts) with these types; central stores and serves the snapshot.
import type { ZoneRow, ZoneTable } from "../../common/iso-zones.ts";
import type { ComponentClass, Diagnosis, IsoZone, Severity } from "../../common/names.ts";

export type { ZoneRow, ZoneTable };

import type { AccelerationUnit } from "../dsp/features.ts";
import type { FftBackend } from "../dsp/fft.ts";

// The spectrum's type lives with its producer (dsp/welch.ts): the DSP room is below this one.
export type { PowerSpectrum } from "../dsp/welch.ts";

/** Rolling-element bearing geometry (manufacturer's data sheet). */
export interface BearingGeometry {
  readonly balls: number;
  readonly ballDiameterMm: number;
  readonly pitchDiameterMm: number;
  /** Contact angle, degrees (0 for deep-groove ball and cylindrical roller bearings). */
  readonly contactAngleDeg: number;
}

/** Bearing defect frequencies as multiples of shaft speed (orders), stationary outer race. */
export interface DefectOrders {
  readonly bpfo: number;
  readonly bpfi: number;
  readonly bsf: number;
  readonly ftf: number;
}

/** What is known of the machine at a measuring point, for one block. */
export interface MachineContext {
  readonly component: ComponentClass;
  /** Shaft speed at the start of the block (or the mean when only one value is known), rpm; null when unknown. */
  readonly speedRpm: number | null;
  /** Shaft speed at the end of the block when the speed ramps within it (linear ramp assumed), rpm. */
  readonly speedRpmEnd?: number | null;
  /** The bearing at this point; no bearing → no bearing-fault scoring. */
  readonly bearing?: BearingGeometry;
  /** Teeth of the gear on this point's shaft (gear mesh = teeth × shaft speed). */
  readonly gearTeeth?: number;
  /** Zone boundaries in force (config table with per-turbine-type overrides applied); defaults when absent. */
  readonly zones?: ZoneTable;
  /** The point's learnt healthy baseline; thresholds of shaft-related faults are relative to it when present. */
  readonly baseline?: PointBaseline;
}

export interface ZoneEvaluation {
  readonly quantity: "velocity" | "acceleration";
  readonly bandHz: readonly [number, number];
  /** RMS in the band: mm/s for velocity, m/s² for acceleration. */
  readonly rms: number;
  readonly unit: "mm/s" | "m/s2";
  readonly zone: IsoZone;
}

/** A healthy point's reference levels, learnt from its first healthy blocks (mean of the features). */
export interface PointBaseline {
  /** Blocks the baseline was learnt from. */
  readonly blocks: number;
  /** Mean of each numeric feature over those blocks (keys as in `DiagnosticFeatures`). */
  readonly features: Readonly<Record<string, number>>;
}

/** The evidence a call rests on; what an analyst checks in the spectrum. */
export interface Evidence {
  /** The spectrum the call was made in. */
  readonly spectrum: "envelope" | "velocity" | "acceleration" | "order";
  /** Frequency of the fundamental as found (slip included), Hz. */
  readonly frequency_hz: number;
  /** Expected frequency from speed and geometry, Hz. */
  readonly expected_hz?: number;
  /** Amplitude at `frequency_hz` in `amplitude_unit`. */
  readonly amplitude: number;
  readonly amplitude_unit: string;
  /** Peak over the local background (median of neighbouring bins), dB. */
  readonly snr_db: number;
  /** Harmonics of the fundamental found above the detection threshold (1 = only the fundamental). */
  readonly harmonics: number;
  readonly harmonics_searched?: number;
  /** Sidebands found around the harmonics, and their spacing (1× for inner race, FTF for rolling elements). */
  readonly sidebands?: { readonly spacing_hz: number; readonly found: number };
  /** Demodulation band of an envelope call, Hz. */
  readonly band_hz?: readonly [number, number];
  /** Level against the point's baseline, when one is learnt. */
  readonly baseline_ratio?: number;
  /** Anything else a detector wants to show (numbers or short strings). */
  readonly detail?: Readonly<Record<string, number | string>>;
}

/** One named diagnosis of one block, before the alarm state machine. */
export interface Finding {
  readonly fault: Diagnosis;
  readonly severity: Severity;
  /** 0..1 */
  readonly confidence: number;
  readonly evidence: Evidence;
}

/** A marked frequency on a snapshot (cursor in the spectrum view). */
export interface SpectrumMarker {
  readonly label: string;
  readonly kind: "shaft" | "bpfo" | "bpfi" | "bsf" | "ftf" | "gmf" | "sideband";
  /** Harmonic number (1 = fundamental). */
  readonly harmonic: number;
  readonly frequency_hz: number;
  readonly spectrum: "spectrum" | "envelope";
}

/** A decimated spectrum: `values[k]` at `k · df_hz`. */
export interface SpectrumTrace {
  readonly df_hz: number;
  /** Unit of the values, e.g. "mm/s" (velocity amplitude) or "g2" (squared envelope). */
  readonly unit: string;
  readonly values: readonly number[];
}

/** A block's time waveform, peak-held: group k spans [k·dt_s, (k+1)·dt_s) and holds its lowest and highest sample. */
export interface WaveformTrace {
  readonly unit: "g";
  readonly dt_s: number;
  readonly min: Float64Array;
  readonly max: Float64Array;
}

/** What central keeps and serves at `GET /api/v1/assets/:id/spectrum`. */
export interface SpectrumSnapshot {
  readonly speedRpm: number | null;
  readonly sampleRateHz: number;
  readonly samples: number;
  /** Velocity amplitude spectrum over the component's analysis range. */
  readonly spectrum: SpectrumTrace;
  /** Squared-envelope spectrum of the demodulation band. */
  readonly envelope: SpectrumTrace & { readonly band_hz: readonly [number, number] };
  readonly markers: readonly SpectrumMarker[];
  /** The block's acceleration waveform, peak-held (absent where a producer does not keep it). */
  readonly waveform?: WaveformTrace;
}

/** Features of one block: the `vibration` fields plus what the detectors derive. */
export interface DiagnosticFeatures {
  readonly v_rms_mm_s: number;
  readonly a_rms_g: number;
  readonly a_rms_m_s2: number;
  readonly a_peak_g: number;
  readonly crest_factor: number;
  readonly kurtosis: number;
  /** Further numeric features (1×/2×/3× amplitudes, gear mesh, envelope band and kurtosis, …). */
  readonly [name: string]: number;
}

export interface PointDiagnosis {
  readonly features: DiagnosticFeatures;
  /** Worst zone over the evaluated bands. */
  readonly isoZone: IsoZone;
  readonly zones: readonly ZoneEvaluation[];
  readonly findings: readonly Finding[];
  readonly snapshot: SpectrumSnapshot;
}

export interface BlockSamples {
  readonly samples: ArrayLike<number>;
  readonly sampleRateHz: number;
  readonly unit: AccelerationUnit;
}

export interface DiagnoseOptions {
  /** FFT backend (default fft.js); the benchmark runs the same pipeline on another. */
  readonly fft?: FftBackend;
}
