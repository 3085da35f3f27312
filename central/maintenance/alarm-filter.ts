// Alarm quality: what an alarm shows is the condition its source reports,
// filtered by on-delay, off-delay and a deadband on analog boundaries
// (ANSI/ISA-18.2-2016 §10.4 "alarm deadband and delay", IEC 62682:2014
// §11.5, EEMUA 191 3rd ed. §6.3 "chattering alarms"). Whatever derives a
// condition — ISO zones at central, the edge's diagnoses, facility anomalies,
// any later kind — passes through this one filter in the alarm book's
// transaction; its state is a row per condition in `alarm_filter` (SQL, so
// every replica sees the same).
//
// Per condition there are two levels, warning (1) and alarm (2):
// - raw level: what the source rates now, except that a level reached on
//   an analog value holds until the value falls below the boundary by the
//   deadband (ISO zone D is left below 0.9 × C/D with 10 %);
// - for each level, when the raw level last crossed it (up or down);
// - shown level: rises to a level once the raw level has held it for the
//   on-delay, falls below a level once the raw level has been below it for
//   the off-delay. Falling to nothing then lets the book clear the alarm
//   after `clearAfterMs`.
//
// Time held counts from the data where the source can prove it (the start of
// an unbroken run of zone D in the store, the block that raised an edge
// diagnosis), but never from before central last saw the level absent; what
// central only sees from now on waits the on-delay on the evaluator's clock.
import type { IsoZone, Severity } from "../../common/names.ts";

export const ConditionKinds = ["zone", "diagnosis", "facility", "comfort", "control"] as const;
/** Where a condition comes from; the filter's delays and deadband may differ per kind. */
export type ConditionKind = (typeof ConditionKinds)[number];

export interface AlarmFilterParams {
  onDelayMs: number;
  offDelayMs: number;
  /** Percent of a boundary a value must fall below it before the level is left. */
  deadbandPct: number;
}

/** No filtering: a level shows as soon as it is seen and falls as soon as it is gone. */
export const NO_FILTER: AlarmFilterParams = { onDelayMs: 0, offDelayMs: 0, deadbandPct: 0 };

/** The key of a condition, and of its alarm's occurrences: `<asset>:<point>:<fault>`. */
export const alarmKey = (asset: string, point: string, fault: string): string => `${asset}:${point}:${fault}`;

export type Rank = 0 | 1 | 2;
export const RANK: Readonly<Record<Severity, 1 | 2>> = { warning: 1, alarm: 2 };
export const SEVERITY_OF_RANK: readonly (Severity | null)[] = [null, "warning", "alarm"];

/**
 * How far an analog value has gone toward each level's boundary: value ÷
 * boundary for an upper limit (boundary ÷ value for a lower one), so ≥ 1
 * means at or past it. For an ISO zone: the worst band's RMS over its B/C
 * (warning) and C/D (alarm) boundary.
 */
export interface BoundaryRatio {
  warning: number;
  alarm: number;
}

/** One observation of a condition by the evaluator. */
export interface FilterObservation {
  /** The level the source rates now (without deadband); 0: below every boundary. */
  rank: Rank;
  /** Since when the data shows it at this level or above (as far as known); clamped to now. */
  sinceMs: number;
  ratio?: BoundaryRatio;
  isoZone: IsoZone | null;
}

export interface FilterState {
  /** The source's level with the deadband applied, as last observed. */
  rawRank: Rank;
  /** [warning, alarm]: when the raw level last crossed that level, epoch ms. */
  changedAt: [number, number];
  /** The level the alarm shows (0: none). */
  shownRank: Rank;
  /** When the condition began (its raw level last rose from nothing): the alarm's `since`. */
  sinceMs: number;
  isoZone: IsoZone | null;
}

/** The raw level of an observation, holding a level the previous raw level had while within the deadband. */
export function rawRankOf(obs: FilterObservation | null, previous: Rank, deadbandPct: number): Rank {
  if (!obs) return 0;
  let rank = obs.rank;
  if (obs.ratio) {
    const back = 1 - deadbandPct / 100;
    const ratios = [obs.ratio.warning, obs.ratio.alarm];
    for (const level of [1, 2] as const) {
      const r = ratios[level - 1]!;
      if (!Number.isFinite(r)) continue;
      if (r >= 1 || (previous >= level && r >= back)) rank = Math.max(rank, level) as Rank;
    }
  }
  return rank;
}

/**
 * One evaluation of one condition: the new state, or null when there is
 * nothing left to remember (no raw level, nothing shown).
 */
export function stepFilter(
  prev: FilterState | null,
  obs: FilterObservation | null,
  nowMs: number,
  params: AlarmFilterParams,
): FilterState | null {
  const previousRaw: Rank = prev?.rawRank ?? 0;
  const raw = rawRankOf(obs, previousRaw, params.deadbandPct);
  const changedAt: [number, number] = prev ? [...prev.changedAt] : [nowMs, nowMs];
  for (const level of [1, 2] as const) {
    const was = previousRaw >= level;
    const is = raw >= level;
    if (was === is) continue;
    if (is) {
      // Credit the time the data shows the level held, but not across an absence central saw.
      const floor = prev ? prev.changedAt[level - 1]! : Number.NEGATIVE_INFINITY;
      const attested = obs && obs.rank >= level ? obs.sinceMs : nowMs;
      changedAt[level - 1] = Math.min(nowMs, Math.max(floor, attested));
    } else changedAt[level - 1] = nowMs;
  }
  let shown: Rank = prev?.shownRank ?? 0;
  let rose = false;
  for (const level of [2, 1] as const) {
    if (level <= shown) break;
    if (raw >= level && nowMs - changedAt[level - 1]! >= params.onDelayMs) {
      shown = level;
      rose = true;
      break;
    }
  }
  if (!rose)
    while (shown > 0 && raw < shown && nowMs - changedAt[shown - 1]! >= params.offDelayMs)
      shown = (shown - 1) as Rank;
  if (raw === 0 && shown === 0) return null;
  const began = previousRaw === 0 && raw > 0 && (prev?.shownRank ?? 0) === 0;
  return {
    rawRank: raw,
    changedAt,
    shownRank: shown,
    sinceMs: began || !prev ? changedAt[0] : prev.sinceMs,
    isoZone: obs ? obs.isoZone : (prev?.isoZone ?? null),
  };
}

/** The parameters of a kind: the defaults with the kind's own keys over them. */
export function filterParamsOf(
  config: AlarmFilterParams & { byKind: Partial<Record<ConditionKind, Partial<AlarmFilterParams>>> },
  kind: ConditionKind | undefined,
): AlarmFilterParams {
  const own = kind ? config.byKind[kind] : undefined;
  return {
    onDelayMs: own?.onDelayMs ?? config.onDelayMs,
    offDelayMs: own?.offDelayMs ?? config.offDelayMs,
    deadbandPct: own?.deadbandPct ?? config.deadbandPct,
  };
}
