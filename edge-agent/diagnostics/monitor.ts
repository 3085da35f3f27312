// The agent's diagnostics per measuring point: each waveform block runs the
// diagnostic chain once (`diagnoseBlock`, here in `onBlock` or on a worker of
// the analysis pool, pool.ts, whose result comes back to `accept`), becomes one `vibration` point
// (features and ISO zone), feeds the point's alarm state machine and
// baseline, and yields `diagnosis` points (on raise, severity change and
// clear, and a re-confirmation of active ones) and a spectrum snapshot
// (on a schedule and whenever a diagnosis changes; once, flagged `baseline`,
// with the mean spectra of the blocks a new baseline was learnt from). Time is the blocks'
// timestamps; the only I/O is the baseline file of each point.
import { Value } from "@sinclair/typebox/value";
import { isoZoneToNumber, VibrationFields } from "../../common/names.ts";
import {
  MAX_DETAIL_TEXT,
  MAX_MARKERS,
  MAX_SNAPSHOT_DIAGNOSES,
  MAX_SPECTRUM_VALUES,
  MAX_WAVEFORM_GROUPS,
  type SnapshotDiagnosis,
  type SnapshotReason,
  type SpectrumUpload,
  SpectrumUploadSchema,
} from "../../common/spectrum.ts";
import type { Point } from "../../common/wire.ts";
import type { DiagnosticsConfig, MachineConfig } from "../config.ts";
import type { FftBackend } from "../dsp/fft.ts";
import type { WaveformBlock } from "../sources/source.ts";
import { activeDiagnosesPath, loadActiveDiagnoses, saveActiveDiagnoses } from "./active-diagnoses.ts";
import { type ActiveDiagnosis, BaselineLearner, PointAlarmState, type Transition } from "./alarm-state.ts";
import { BaselineSpectrumLearner } from "./baseline-spectrum.ts";
import { baselinePath, loadBaseline, saveBaseline } from "./baselines.ts";
import { diagnoseBlock } from "./pipeline.ts";
import type {
  Evidence,
  MachineContext,
  PointBaseline,
  PointDiagnosis,
  SpectrumSnapshot,
  WaveformTrace,
  ZoneTable,
} from "./types.ts";
import { DEFAULT_ZONE_TABLE, zoneTableWithOverrides } from "./zones.ts";

/** Features of the chain that go into the `vibration` point (names and units in common/names.ts). */
const VIBRATION_FIELD_NAMES = Object.keys(VibrationFields).filter(
  (f) => f !== "iso_zone" && f !== "speed_rpm" && f !== "speed_end_rpm",
);

/** A waveform block without its samples: what the alarm state machine and the points need of it. */
export type BlockInfo = Omit<WaveformBlock, "samples">;

export interface BlockResult {
  /** The `vibration` point, then any `diagnosis` points. */
  readonly points: Point[];
  /** A snapshot to send to central, when one is due. */
  readonly snapshot: SpectrumUpload | null;
  /** The point's baseline spectra, on the block that completed a new baseline. */
  readonly baseline: SpectrumUpload | null;
  /** What changed with this block (for the log). */
  readonly transitions: readonly Transition[];
}

interface PointState {
  readonly ctx: Omit<MachineContext, "speedRpm" | "speedRpmEnd" | "baseline">;
  readonly alarms: PointAlarmState;
  baseline: PointBaseline | undefined;
  learner: BaselineLearner | null;
  /** The mean spectra of the blocks the learner takes, while it learns. */
  spectra: BaselineSpectrumLearner | null;
  readonly baselineFile: string;
  /** Where the point's active diagnoses are kept across restarts. */
  readonly activeFile: string;
  lastSnapshotTs: number | null;
  /** When each active fault was last sent to central, block ts. */
  readonly lastSent: Map<string, number>;
}

export interface DiagnosticsMonitorOptions {
  readonly site: string;
  readonly config: DiagnosticsConfig;
  /** The agent's data folder (`queue.dir`): baselines go to `<dir>/baselines/`. */
  readonly dataDir: string;
  readonly log: (line: string) => void;
  /** The FFT the chain runs on (the agent passes the one `loadFastestFft` picked); default fft.js. */
  readonly fft?: FftBackend;
}

const parseUtc = (text: string | undefined): number | undefined =>
  text === undefined ? undefined : Date.parse(text);

export class DiagnosticsMonitor {
  private readonly points = new Map<string, PointState>();
  private readonly machines = new Map<string, MachineConfig>();
  private readonly tables = new Map<string, ZoneTable>();
  private readonly baseTable: ZoneTable;
  private learnt = 0;

  constructor(private readonly options: DiagnosticsMonitorOptions) {
    const d = options.config;
    for (const m of d.machines) this.machines.set(`${m.asset}\n${m.point}`, m);
    this.baseTable = zoneTableWithOverrides(DEFAULT_ZONE_TABLE, d.zones);
    for (const [type, t] of Object.entries(d.turbineTypes))
      this.tables.set(type, zoneTableWithOverrides(this.baseTable, t.zones));
  }

  /** Baselines learnt since start. */
  get baselinesLearnt(): number {
    return this.learnt;
  }

  /** Active diagnoses of all points. */
  activeCount(): number {
    let n = 0;
    for (const s of this.points.values()) n += s.alarms.active().length;
    return n;
  }

  private stateOf(block: BlockInfo): PointState {
    const key = `${block.asset}\n${block.point}`;
    let state = this.points.get(key);
    if (state) return state;
    const d = this.options.config;
    const m = this.machines.get(key);
    const baselineFile = baselinePath(this.options.dataDir, block.asset, block.point);
    const notBefore = Math.max(
      parseUtc(d.baselineNotBefore) ?? Number.NEGATIVE_INFINITY,
      parseUtc(m?.baselineNotBefore) ?? Number.NEGATIVE_INFINITY,
    );
    const loaded = loadBaseline(baselineFile, Number.isFinite(notBefore) ? notBefore : undefined);
    if (loaded.kind !== "success")
      this.options.log(
        `diagnostics: ${block.asset} ${block.point}: ${loaded.message}; learning a new baseline`,
      );
    const baseline = loaded.kind === "success" ? loaded.value?.baseline : undefined;
    const alarms = new PointAlarmState(d.persistence);
    const activeFile = activeDiagnosesPath(this.options.dataDir, block.asset, block.point);
    const kept = loadActiveDiagnoses(activeFile);
    if (kept.kind === "success") alarms.restore(kept.value);
    else
      this.options.log(
        `diagnostics: ${block.asset} ${block.point}: ${kept.message}; starting with none active`,
      );
    state = {
      ctx: {
        component: block.component,
        ...(m?.bearing ? { bearing: m.bearing } : {}),
        ...(m?.gearTeeth === undefined ? {} : { gearTeeth: m.gearTeeth }),
        zones: (m?.turbineType === undefined ? undefined : this.tables.get(m.turbineType)) ?? this.baseTable,
      },
      alarms,
      baseline,
      learner: baseline ? null : new BaselineLearner(d.baselineBlocks),
      spectra: baseline ? null : new BaselineSpectrumLearner(),
      baselineFile,
      activeFile,
      lastSnapshotTs: null,
      lastSent: new Map(),
    };
    this.points.set(key, state);
    return state;
  }

  /**
   * What the chain needs to know of the machine for this block: the point's
   * machine data, the block's speeds and the baseline learnt so far. Plain
   * data, so it can travel to an analysis worker with the samples.
   */
  contextFor(block: BlockInfo): MachineContext {
    const state = this.stateOf(block);
    const speedRpmEnd = block.speedRpmEnd ?? null;
    return {
      ...state.ctx,
      speedRpm: block.speedRpm,
      ...(speedRpmEnd === null ? {} : { speedRpmEnd }),
      ...(state.baseline ? { baseline: state.baseline } : {}),
    };
  }

  /** One block of one point, analysed here. Throws only for a bug or a block the chain cannot take (too short). */
  onBlock(block: WaveformBlock): BlockResult {
    const diagnosis = diagnoseBlock(
      { samples: block.samples, sampleRateHz: block.sampleRateHz, unit: block.unit },
      this.contextFor(block),
      this.options.fft === undefined ? {} : { fft: this.options.fft },
    );
    return this.accept(block, diagnosis);
  }

  /**
   * The chain's result of one block (analysed here or by a worker of the
   * analysis pool) through the point's alarm state machine and baseline:
   * the points to queue, the snapshot due, the transitions. Blocks of one
   * point must come in their order (the pool keeps it).
   */
  accept(block: BlockInfo, diagnosis: PointDiagnosis): BlockResult {
    const { site, config } = this.options;
    const state = this.stateOf(block);
    const speedRpmEnd = block.speedRpmEnd ?? null;
    const tags = { site, asset: block.asset, point: block.point };
    const fields: Record<string, number> = { iso_zone: isoZoneToNumber(diagnosis.isoZone) };
    for (const name of VIBRATION_FIELD_NAMES) {
      const v = diagnosis.features[name];
      if (v !== undefined && Number.isFinite(v)) fields[name] = v;
    }
    if (block.speedRpm !== null) fields.speed_rpm = block.speedRpm;
    if (speedRpmEnd !== null) fields.speed_end_rpm = speedRpmEnd;
    const points: Point[] = [{ measurement: "vibration", tags, fields, ts: block.ts }];
    if (!config.enabled) return { points, snapshot: null, baseline: null, transitions: [] };

    const outcome = state.alarms.update(block.ts, diagnosis.findings);
    if (outcome.transitions.length > 0) {
      const saved = saveActiveDiagnoses(state.activeFile, {
        asset: block.asset,
        point: block.point,
        at: block.ts,
        active: outcome.active,
      });
      if (saved.kind !== "success") this.options.log(`diagnostics: ${saved.message}`);
    }
    const learnt = this.learnBaseline(block, state, diagnosis);

    // Diagnosis points: every transition, and active ones not sent for reconfirmIntervalMs.
    const changed = new Set(outcome.transitions.map((t) => t.fault));
    for (const t of outcome.transitions) {
      if (t.kind !== "cleared") continue;
      points.push(diagnosisPoint(tags, block.ts, { ...t.last, severity: t.severity }, 0));
      state.lastSent.delete(t.fault);
    }
    for (const a of outcome.active) {
      const due =
        (state.lastSent.get(a.fault) ?? Number.NEGATIVE_INFINITY) + config.reconfirmIntervalMs <= block.ts;
      if (!changed.has(a.fault) && !due) continue;
      points.push(diagnosisPoint(tags, block.ts, a, 1));
      state.lastSent.set(a.fault, block.ts);
    }

    let reason: SnapshotReason | null = null;
    if (outcome.transitions.length > 0) reason = "diagnosis_changed";
    else if (state.lastSnapshotTs === null || block.ts - state.lastSnapshotTs >= config.snapshotIntervalMs)
      reason = "scheduled";
    let snapshot: SpectrumUpload | null = null;
    if (reason !== null) {
      snapshot = this.upload(block, reason, diagnosis.snapshot, outcome.active);
      if (snapshot) state.lastSnapshotTs = block.ts;
    }
    const baseline = learnt === null ? null : this.upload(block, "baseline", learnt, []);
    return { points, snapshot, baseline, transitions: outcome.transitions };
  }

  /** Feeds the block to the point's baseline learner; the baseline's spectra when this block completed it. */
  private learnBaseline(
    block: BlockInfo,
    state: PointState,
    diagnosis: PointDiagnosis,
  ): SpectrumSnapshot | null {
    if (!state.learner) return null;
    const { features, findings } = diagnosis;
    // The learner takes healthy blocks only (BaselineLearner.add): the spectra follow the same rule.
    if (findings.length === 0) state.spectra?.add(diagnosis.snapshot);
    const learnt = state.learner.add(features, findings);
    if (!learnt) return null;
    const spectra = state.spectra?.snapshot(diagnosis.snapshot) ?? null;
    state.spectra = null;
    state.learner = null;
    state.baseline = learnt;
    this.learnt++;
    const saved = saveBaseline(state.baselineFile, {
      asset: block.asset,
      point: block.point,
      learntAt: block.ts,
      baseline: learnt,
    });
    this.options.log(
      saved.kind === "success"
        ? `diagnostics: ${block.asset} ${block.point}: baseline learnt from ${learnt.blocks} healthy blocks`
        : `diagnostics: ${block.asset} ${block.point}: baseline learnt but not saved (${saved.message})`,
    );
    return spectra;
  }

  /** The snapshot as sent: plain arrays, finite numbers, sizes within the wire caps; null (logged) if it cannot be. */
  private upload(
    block: BlockInfo,
    reason: SnapshotReason,
    s: SpectrumSnapshot,
    active: readonly ActiveDiagnosis[],
  ): SpectrumUpload | null {
    const finite = (v: number): number => (Number.isFinite(v) ? v : 0);
    const values = (xs: readonly number[]): number[] => xs.slice(0, MAX_SPECTRUM_VALUES).map(finite);
    const upload: SpectrumUpload = {
      asset: block.asset,
      point: block.point,
      ts: block.ts,
      reason,
      snapshot: {
        speedRpm: s.speedRpm,
        sampleRateHz: s.sampleRateHz,
        samples: s.samples,
        spectrum: { df_hz: s.spectrum.df_hz, unit: s.spectrum.unit, values: values(s.spectrum.values) },
        envelope: {
          df_hz: s.envelope.df_hz,
          unit: s.envelope.unit,
          values: values(s.envelope.values),
          band_hz: [s.envelope.band_hz[0], s.envelope.band_hz[1]],
        },
        markers: s.markers.slice(0, MAX_MARKERS).map((m) => ({ ...m })),
        ...(s.waveform ? { waveform: wireWaveform(s.waveform) } : {}),
      },
      diagnoses: active.slice(0, MAX_SNAPSHOT_DIAGNOSES).map(
        (a): SnapshotDiagnosis => ({
          fault: a.fault,
          severity: a.severity,
          confidence: Math.min(1, Math.max(0, a.confidence)),
          since: a.since,
          evidence: wireEvidence(a.evidence),
        }),
      ),
    };
    if (Value.Check(SpectrumUploadSchema, upload)) return upload;
    const first = Value.Errors(SpectrumUploadSchema, upload).First();
    this.options.log(
      `diagnostics: ${block.asset} ${block.point}: snapshot not sent, it does not fit the wire format (${first?.path}: ${first?.message})`,
    );
    return null;
  }
}

/** 4 significant digits: a waveform's values travel as JSON, and more say nothing on a screen. */
const fourDigits = (v: number): number => (Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(4)) : 0);

/** The peak-held waveform as the wire carries it: plain arrays of finite numbers within the cap. */
function wireWaveform(w: WaveformTrace): NonNullable<SpectrumUpload["snapshot"]["waveform"]> {
  const n = Math.min(w.min.length, w.max.length, MAX_WAVEFORM_GROUPS);
  return {
    unit: w.unit,
    dt_s: w.dt_s,
    min: Array.from(w.min.subarray(0, n), fourDigits),
    max: Array.from(w.max.subarray(0, n), fourDigits),
  };
}

/** Evidence as the wire carries it: plain arrays, integers where counts are. */
function wireEvidence(e: Evidence): SnapshotDiagnosis["evidence"] {
  const { band_hz, sidebands, detail, harmonics_searched, ...rest } = e;
  return {
    ...rest,
    harmonics: Math.round(e.harmonics),
    ...(harmonics_searched === undefined ? {} : { harmonics_searched: Math.round(harmonics_searched) }),
    ...(sidebands
      ? { sidebands: { spacing_hz: sidebands.spacing_hz, found: Math.round(sidebands.found) } }
      : {}),
    ...(band_hz ? { band_hz: [band_hz[0], band_hz[1]] } : {}),
    ...(detail
      ? {
          detail: Object.fromEntries(
            Object.entries(detail).map(([k, v]) => [
              k,
              typeof v === "string" ? v.slice(0, MAX_DETAIL_TEXT) : v,
            ]),
          ),
        }
      : {}),
  };
}

/** A `diagnosis` point (fields: common/names.ts DiagnosisFields). */
function diagnosisPoint(
  tags: { site: string; asset: string; point: string },
  ts: number,
  d: ActiveDiagnosis,
  active: 0 | 1,
): Point {
  const fields: Record<string, number> = {
    severity: d.severity === "alarm" ? 2 : 1,
    confidence: d.confidence,
    active,
    raised_at_ms: d.since,
    frequency_hz: d.evidence.frequency_hz,
    amplitude: d.evidence.amplitude,
    snr_db: d.evidence.snr_db,
    harmonics: d.evidence.harmonics,
  };
  for (const [k, v] of Object.entries(fields)) if (!Number.isFinite(v)) delete fields[k];
  return { measurement: "diagnosis", tags: { ...tags, fault: d.fault }, fields, ts };
}
