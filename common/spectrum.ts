// The wire format of spectrum snapshots, edge → central
// (`POST /api/v1/ingest/spectrum`), and the snapshot central serves at
// `GET /api/v1/assets/:id/spectrum`. A snapshot is the velocity spectrum and
// the squared-envelope spectrum of one block with the fault frequencies
// marked, and the diagnoses active at that block. Sizes are capped so one
// request stays well under central's body limit.
import { type Static, Type } from "@sinclair/typebox";
import { Diagnoses, Severities } from "./names.ts";
import { closedObject, literals } from "./schema.ts";
import { MAX_STORABLE_TIMESTAMP_MS, MIN_TIMESTAMP_MS, TagValueSchema } from "./wire.ts";

/** Values per decimated spectrum (16384 bins: 0–1000 Hz at 0.06 Hz). */
export const MAX_SPECTRUM_VALUES = 16_384;
export const MAX_MARKERS = 512;
/** Groups of a snapshot's peak-held time waveform (min and max each). */
export const MAX_WAVEFORM_GROUPS = 2048;
export const MAX_SNAPSHOT_DIAGNOSES = 32;
/** Characters of a text value in an evidence's `detail` (e.g. where zone boundaries come from). */
export const MAX_DETAIL_TEXT = 512;
/** Snapshots per request: an agent catching up after an outage sends a few at a time. */
export const MAX_SNAPSHOTS_PER_REQUEST = 8;

/**
 * Why a snapshot was taken: on schedule, because a diagnosis changed, or
 * `baseline`: the point's learnt healthy reference (the mean spectra of the
 * blocks its baseline was learnt from), which central keeps apart from the
 * newest snapshots and overlays on them.
 */
export const SnapshotReasons = ["scheduled", "diagnosis_changed", "baseline"] as const;
export type SnapshotReason = (typeof SnapshotReasons)[number];

/**
 * Bounds of the numbers a snapshot carries, wide enough for any vibration
 * measurement (sampling at up to 10 MHz, shafts up to 100,000 rpm) and
 * narrow enough that every value renders, sums and converts: a time of
 * 1e17 ms has no Date, so it is refused here rather than failing every
 * later read of the asset's spectrum.
 */
export const SPECTRUM_LIMITS = {
  maxFrequencyHz: 10_000_000,
  maxSpeedRpm: 100_000,
  maxSamples: 2 ** 31,
  /** Amplitudes, SNRs, ratios: any unit a spectrum is drawn in stays far below this. */
  maxMagnitude: 1e12,
} as const;

const TagValue = TagValueSchema;
const ShortText = Type.String({ maxLength: 64 });
const Hz = Type.Number({ minimum: 0, maximum: SPECTRUM_LIMITS.maxFrequencyHz });
const Band = Type.Tuple([Hz, Hz]);
const Magnitude = Type.Number({
  minimum: -SPECTRUM_LIMITS.maxMagnitude,
  maximum: SPECTRUM_LIMITS.maxMagnitude,
});
/** UTC ms, from 2000 to the last time a store can hold. */
const Time = Type.Integer({ minimum: MIN_TIMESTAMP_MS, maximum: MAX_STORABLE_TIMESTAMP_MS });

export const SpectrumTraceSchema = closedObject({
  df_hz: Type.Number({
    exclusiveMinimum: 0,
    maximum: SPECTRUM_LIMITS.maxFrequencyHz,
    description: "bin spacing: values[k] is at k·df_hz",
  }),
  unit: ShortText,
  values: Type.Array(Magnitude, { maxItems: MAX_SPECTRUM_VALUES }),
});

export const SpectrumMarkerSchema = closedObject({
  label: ShortText,
  kind: literals(["shaft", "bpfo", "bpfi", "bsf", "ftf", "gmf", "sideband"] as const),
  harmonic: Type.Integer({ minimum: 1, maximum: 1000 }),
  frequency_hz: Hz,
  spectrum: literals(["spectrum", "envelope"] as const),
});

/**
 * The block's acceleration waveform, peak-held: group k spans
 * [k·dt_s, (k+1)·dt_s) from the block's start and holds its lowest and
 * highest sample, so impacts survive the decimation.
 */
export const WaveformSchema = closedObject({
  unit: Type.Literal("g"),
  dt_s: Type.Number({ exclusiveMinimum: 0 }),
  min: Type.Array(Type.Number(), { maxItems: MAX_WAVEFORM_GROUPS }),
  max: Type.Array(Type.Number(), { maxItems: MAX_WAVEFORM_GROUPS }),
});

export const SpectrumSnapshotSchema = closedObject({
  speedRpm: Type.Union([Type.Number({ minimum: 0, maximum: SPECTRUM_LIMITS.maxSpeedRpm }), Type.Null()]),
  sampleRateHz: Type.Number({ exclusiveMinimum: 0, maximum: SPECTRUM_LIMITS.maxFrequencyHz }),
  samples: Type.Integer({ minimum: 1, maximum: SPECTRUM_LIMITS.maxSamples }),
  spectrum: SpectrumTraceSchema,
  envelope: closedObject({
    df_hz: SpectrumTraceSchema.properties.df_hz,
    unit: ShortText,
    values: SpectrumTraceSchema.properties.values,
    band_hz: Band,
  }),
  markers: Type.Array(SpectrumMarkerSchema, { maxItems: MAX_MARKERS }),
  /** Absent from agents that predate it, and from baseline snapshots. */
  waveform: Type.Optional(WaveformSchema),
});

export const EvidenceSchema = closedObject({
  spectrum: literals(["envelope", "velocity", "acceleration", "order"] as const),
  frequency_hz: Hz,
  expected_hz: Type.Optional(Hz),
  amplitude: Magnitude,
  amplitude_unit: ShortText,
  snr_db: Magnitude,
  harmonics: Type.Integer({ minimum: 0, maximum: 1000 }),
  harmonics_searched: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  sidebands: Type.Optional(
    closedObject({ spacing_hz: Hz, found: Type.Integer({ minimum: 0, maximum: 1000 }) }),
  ),
  band_hz: Type.Optional(Band),
  baseline_ratio: Type.Optional(Magnitude),
  detail: Type.Optional(
    Type.Record(
      Type.String({ maxLength: 64 }),
      Type.Union([Magnitude, Type.String({ maxLength: MAX_DETAIL_TEXT })]),
      {
        maxProperties: 32,
      },
    ),
  ),
});

/** An active diagnosis as a snapshot carries it. */
export const SnapshotDiagnosisSchema = closedObject({
  fault: literals(Diagnoses),
  severity: literals(Severities),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  /** When it was raised, UTC ms (not after the block; central checks it against its clock). */
  since: Time,
  evidence: EvidenceSchema,
});
export type SnapshotDiagnosis = Static<typeof SnapshotDiagnosisSchema>;

export const SpectrumUploadSchema = closedObject({
  asset: TagValue,
  point: TagValue,
  /** The block's timestamp, UTC ms. */
  ts: Time,
  reason: literals(SnapshotReasons),
  snapshot: SpectrumSnapshotSchema,
  diagnoses: Type.Array(SnapshotDiagnosisSchema, { maxItems: MAX_SNAPSHOT_DIAGNOSES }),
});
export type SpectrumUpload = Static<typeof SpectrumUploadSchema>;

export const SpectrumIngestSchema = closedObject({
  agent: Type.String({ minLength: 1, maxLength: 128 }),
  site: Type.String({ minLength: 1, maxLength: 128 }),
  snapshots: Type.Array(SpectrumUploadSchema, { minItems: 1, maxItems: MAX_SNAPSHOTS_PER_REQUEST }),
});
export type SpectrumIngest = Static<typeof SpectrumIngestSchema>;

export const SpectrumIngestAckSchema = Type.Object({ accepted: Type.Integer() });
export type SpectrumIngestAck = Static<typeof SpectrumIngestAckSchema>;
