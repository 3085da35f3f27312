// Per measuring point: from the findings of each block to the diagnoses the
// agent reports, and the point's healthy baseline. Pure: no timers, no I/O;
// time comes in as block timestamps.
//
// Persistence and hysteresis (the "n of m" / "k consecutive" rules of alarm
// management, IEC 62682:2014 §11.5 "alarm on-delay / off-delay" and
// ISO 13379-1:2012 §6, confirming a condition before it is reported):
// - a fault is raised once it was found in `raiseAfter` of the last `ofLast`
//   blocks; its severity is `alarm` when `alarm` was found in that many of
//   them too, `warning` otherwise;
// - an active warning escalates to alarm by the same n-of-m rule; an alarm
//   falls back to warning only after `clearAfter` consecutive blocks without
//   an `alarm` finding;
// - it clears only after `clearAfter` consecutive blocks without it.
// So one noisy block neither raises nor clears anything.
import type { Diagnosis, Severity } from "../../common/names.ts";
import type { Evidence, Finding, PointBaseline } from "./types.ts";

export interface PersistenceConfig {
  /** Blocks with the finding, among the last `ofLast`, that raise (or escalate) it. */
  readonly raiseAfter: number;
  readonly ofLast: number;
  /** Consecutive blocks without it that clear it (or without `alarm` that de-escalate it). */
  readonly clearAfter: number;
}

export const DEFAULT_PERSISTENCE: PersistenceConfig = { raiseAfter: 3, ofLast: 5, clearAfter: 5 };

/** A diagnosis the point reports as active. */
export interface ActiveDiagnosis {
  readonly fault: Diagnosis;
  readonly severity: Severity;
  /** Mean confidence of the supporting blocks (those of the last `ofLast` that found it; the last such while none is left). */
  readonly confidence: number;
  /** Evidence of the latest supporting block. */
  readonly evidence: Evidence;
  /** Timestamp of the block that raised it, UTC ms. */
  readonly since: number;
}

export type Transition =
  | { readonly kind: "raised"; readonly fault: Diagnosis; readonly severity: Severity }
  | {
      readonly kind: "severity_changed";
      readonly fault: Diagnosis;
      readonly severity: Severity;
      readonly previous: Severity;
    }
  | {
      readonly kind: "cleared";
      readonly fault: Diagnosis;
      readonly severity: Severity;
      /** The diagnosis as it was last active. */
      readonly last: ActiveDiagnosis;
    };

export interface BlockOutcome {
  /** Active diagnoses after this block, in the order faults were first seen. */
  readonly active: readonly ActiveDiagnosis[];
  /** What changed with this block. */
  readonly transitions: readonly Transition[];
}

interface FaultTrack {
  /** The last `ofLast` blocks, oldest first: the finding of that block or null. */
  readonly window: (Finding | null)[];
  /** Consecutive blocks, up to now, without the finding. */
  absentRun: number;
  /** Consecutive blocks, up to now, without an `alarm` finding. */
  notAlarmRun: number;
  active: { severity: Severity; since: number; evidence: Evidence; confidence: number } | null;
}

/** Validates a persistence rule (throws for a bug: config validation catches it first). */
export function checkPersistence(p: PersistenceConfig): void {
  const ok =
    Number.isInteger(p.raiseAfter) &&
    Number.isInteger(p.ofLast) &&
    Number.isInteger(p.clearAfter) &&
    p.raiseAfter >= 1 &&
    p.raiseAfter <= p.ofLast &&
    p.clearAfter >= 1;
  if (!ok)
    throw new Error(`persistence: need 1 ≤ raiseAfter ≤ ofLast and clearAfter ≥ 1, got ${JSON.stringify(p)}`);
}

/** The alarm state of one measuring point. */
export class PointAlarmState {
  private readonly tracks = new Map<Diagnosis, FaultTrack>();

  constructor(private readonly persistence: PersistenceConfig = DEFAULT_PERSISTENCE) {
    checkPersistence(persistence);
  }

  /** Feeds the findings of one block (the strongest per fault counts) taken at `ts`. */
  update(ts: number, findings: readonly Finding[]): BlockOutcome {
    const { raiseAfter, ofLast, clearAfter } = this.persistence;
    const byFault = new Map<Diagnosis, Finding>();
    for (const f of findings) {
      const seen = byFault.get(f.fault);
      if (!seen || rank(f) > rank(seen)) byFault.set(f.fault, f);
    }
    for (const fault of byFault.keys())
      if (!this.tracks.has(fault))
        this.tracks.set(fault, { window: [], absentRun: 0, notAlarmRun: 0, active: null });

    const transitions: Transition[] = [];
    for (const [fault, track] of this.tracks) {
      const finding = byFault.get(fault) ?? null;
      track.window.push(finding);
      if (track.window.length > ofLast) track.window.shift();
      track.absentRun = finding ? 0 : track.absentRun + 1;
      track.notAlarmRun = finding?.severity === "alarm" ? 0 : track.notAlarmRun + 1;
      const present = track.window.filter((f) => f !== null).length;
      const alarms = track.window.filter((f) => f?.severity === "alarm").length;
      const active = track.active;
      if (!active) {
        if (present >= raiseAfter && finding) {
          const severity: Severity = alarms >= raiseAfter ? "alarm" : "warning";
          track.active = {
            severity,
            since: ts,
            evidence: finding.evidence,
            confidence: meanConfidence(track),
          };
          transitions.push({ kind: "raised", fault, severity });
        }
        continue;
      }
      if (finding) active.evidence = finding.evidence;
      if (present > 0) active.confidence = meanConfidence(track);
      if (track.absentRun >= clearAfter) {
        track.active = null;
        transitions.push({ kind: "cleared", fault, severity: active.severity, last: { fault, ...active } });
        continue;
      }
      const previous = active.severity;
      if (previous === "warning" && alarms >= raiseAfter) active.severity = "alarm";
      else if (previous === "alarm" && track.notAlarmRun >= clearAfter) active.severity = "warning";
      if (active.severity !== previous)
        transitions.push({ kind: "severity_changed", fault, severity: active.severity, previous });
    }
    // A fault neither active nor seen in the window is forgotten (bounded memory).
    for (const [fault, track] of this.tracks)
      if (!track.active && track.window.every((f) => f === null)) this.tracks.delete(fault);
    return { active: this.active(), transitions };
  }

  /**
   * Takes back the diagnoses that were active when the agent stopped (kept
   * on disk): they stay active with their severity and `since` — a service
   * company's "since Tuesday" must survive a gateway restart — and clear
   * after `clearAfter` blocks without the fault, as any other. Call before
   * the first block.
   */
  restore(active: readonly ActiveDiagnosis[]): void {
    for (const { fault, ...rest } of active)
      this.tracks.set(fault, { window: [], absentRun: 0, notAlarmRun: 0, active: { ...rest } });
  }

  /** The active diagnoses now. */
  active(): ActiveDiagnosis[] {
    const out: ActiveDiagnosis[] = [];
    for (const [fault, track] of this.tracks) if (track.active) out.push({ fault, ...track.active });
    return out;
  }
}

/** Mean confidence of the blocks of the window that found the fault. */
function meanConfidence(track: FaultTrack): number {
  let sum = 0;
  let n = 0;
  for (const f of track.window) {
    if (f === null) continue;
    sum += f.confidence;
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

const rank = (f: Finding): number => (f.severity === "alarm" ? 2 : 1) + f.confidence;

/**
 * Learns a point's healthy baseline: the mean of each numeric feature over
 * the first `blocks` blocks without any finding (blocks with a finding are
 * skipped, so a machine that starts faulty never gets a baseline it would
 * then be compared with).
 */
export class BaselineLearner {
  /** Per feature: sum and how many blocks had it. */
  private readonly sums = new Map<string, { sum: number; n: number }>();
  private count = 0;

  constructor(private readonly blocks: number) {
    if (!Number.isInteger(blocks) || blocks < 1)
      throw new Error(`baseline blocks must be ≥ 1, got ${blocks}`);
  }

  /** Feeds one block; returns the baseline once it is complete (exactly once), else null. */
  add(features: Readonly<Record<string, number>>, findings: readonly Finding[]): PointBaseline | null {
    if (findings.length > 0 || this.count >= this.blocks) return null;
    for (const [name, value] of Object.entries(features)) {
      if (!Number.isFinite(value)) continue;
      const acc = this.sums.get(name) ?? { sum: 0, n: 0 };
      acc.sum += value;
      acc.n++;
      this.sums.set(name, acc);
    }
    this.count++;
    if (this.count < this.blocks) return null;
    const means: Record<string, number> = {};
    for (const [name, { sum, n }] of this.sums) means[name] = sum / n;
    return { blocks: this.count, features: means };
  }

  /** Healthy blocks collected so far. */
  get collected(): number {
    return this.count;
  }
}
