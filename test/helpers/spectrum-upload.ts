// A spectrum snapshot as an edge agent uploads it (common/spectrum.ts) for
// the spectrum tests: turbine T01's outer-race bearing fault, its BPFO line
// in the envelope spectrum, diagnosed 10 s before the snapshot.
import type { SpectrumUpload } from "../../common/spectrum.ts";

export const bearingSnapshot = (point: string, ts: number, bpfoHz = 2.34): SpectrumUpload => ({
  asset: "T01",
  point,
  ts,
  reason: "diagnosis_changed",
  snapshot: {
    speedRpm: 12.1,
    sampleRateHz: 25_600,
    samples: 65_536,
    spectrum: { df_hz: 0.390625, unit: "mm/s", values: [0, 0.1, 0.25, 0.05] },
    envelope: { df_hz: 0.390625, unit: "g2", values: [0, 0.001, 0.02, 0.001], band_hz: [300, 600] },
    markers: [{ label: "BPFO", kind: "bpfo", harmonic: 1, frequency_hz: bpfoHz, spectrum: "envelope" }],
  },
  diagnoses: [
    {
      fault: "bearing_outer_race",
      severity: "alarm",
      confidence: 0.9,
      since: ts - 10_000,
      evidence: {
        spectrum: "envelope",
        frequency_hz: bpfoHz,
        amplitude: 0.02,
        amplitude_unit: "g2",
        snr_db: 18,
        harmonics: 3,
        band_hz: [300, 600],
        detail: { slip: 0.01 },
      },
    },
  ],
});
