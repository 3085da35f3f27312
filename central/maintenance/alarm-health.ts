// Alarm-system health from the alarm book, the figures of EEMUA 191 (3rd
// ed., 2013, §6.2 and Table 10) and ANSI/ISA-18.2-2016 §16.5 (monitoring):
// - annunciations: an alarm raised, or an open one rising to `alarm` (a
//   re-annunciation); per operator position — a service company's console —
//   and per turbine, on average and at the peak per 10 minutes (fixed
//   10-minute intervals from the period's start);
// - chattering alarms: three or more annunciations of one condition (asset +
//   point + fault, across occurrences) within any 60 seconds;
// - stale alarms: open (active or acknowledged) for more than 24 hours at
//   the period's end;
// - the top ten bad actors: the conditions with the most annunciations (ties:
//   the most state events: raised, severity, reactivated, cleared), and
//   their share of all annunciations.
// Plain SQL over `alarm` and `alarm_event` (PostgreSQL runs it too); the
// windows are counted here.

import type { Severity } from "../../common/names.ts";
import type { SqlParam, SqlRunner } from "../db/types.ts";
import type { AlarmState } from "./alarm-book.ts";

export const TEN_MINUTES_MS = 600_000;
export const CHATTER_WINDOW_MS = 60_000;
export const CHATTER_ACTIVATIONS = 3;
export const STALE_AFTER_MS = 24 * 3_600_000;
export const BAD_ACTORS = 10;

/**
 * What the standards call acceptable, to read the figures against: EEMUA 191
 * Table 10 ("very likely to be acceptable": ≤ 1 alarm per 10 minutes on
 * average; peak: ≤ 10 per 10 minutes) and ISA-18.2 §16.5 (chattering and
 * stale alarms: none).
 */
export const HEALTH_TARGETS = {
  averagePer10Min: 1,
  peakPer10Min: 10,
  chattering: 0,
  stale: 0,
} as const;

export interface HealthFigures {
  annunciations: number;
  averagePer10Min: number;
  peakPer10Min: number;
  /** Start of the (first) 10-minute interval with the peak, ISO UTC; null without annunciations. */
  peakAt: string | null;
  chattering: number;
  stale: number;
}

/** Which alarm: its key and where it stands. */
export interface AlarmPlace {
  key: string;
  asset: string;
  point: string;
  fault: string;
  company: string;
}

export interface ChatteringAlarm extends AlarmPlace {
  annunciations: number;
  /** Most annunciations within any 60 s. */
  maxPerMinute: number;
}

export interface StaleAlarm extends AlarmPlace {
  id: string;
  severity: Severity;
  state: AlarmState;
  raisedAt: string;
  openHours: number;
}

export interface BadActor extends AlarmPlace {
  annunciations: number;
  events: number;
  /** Share of all annunciations of the period, %. */
  sharePct: number;
}

export interface AlarmHealth {
  from: string;
  to: string;
  totals: HealthFigures;
  /** Per operator position: each service company's console. */
  companies: (HealthFigures & { company: string })[];
  assets: (HealthFigures & { asset: string; company: string })[];
  chattering: ChatteringAlarm[];
  stale: StaleAlarm[];
  badActors: BadActor[];
  targets: typeof HEALTH_TARGETS;
}

interface AnnunciationRow extends AlarmPlace {
  at: number;
}

const inList = (column: string, values: readonly string[]) =>
  `${column} IN (${values.map(() => "?").join(", ")})`;

/** Most events of `times` (ascending) within any window of `windowMs`. */
function maxInWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

function figures(
  times: readonly number[],
  fromMs: number,
  toMs: number,
  chattering: number,
  stale: number,
): HealthFigures {
  const counts = new Map<number, number>();
  for (const t of times) {
    const i = Math.floor((t - fromMs) / TEN_MINUTES_MS);
    counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  let peak = 0;
  let peakIndex = -1;
  for (const [i, n] of counts)
    if (n > peak || (n === peak && i < peakIndex)) {
      peak = n;
      peakIndex = i;
    }
  return {
    annunciations: times.length,
    averagePer10Min: times.length === 0 ? 0 : times.length / ((toMs - fromMs) / TEN_MINUTES_MS),
    peakPer10Min: peak,
    peakAt: peakIndex < 0 ? null : new Date(fromMs + peakIndex * TEN_MINUTES_MS).toISOString(),
    chattering,
    stale,
  };
}

/**
 * The health of the alarms routed to `companies` (all when absent) over
 * [fromMs, toMs). `toMs` past `nowMs` is cut to now: a period still running
 * counts the time that has passed.
 */
export async function alarmHealth(
  db: SqlRunner,
  q: {
    companies?: readonly string[];
    assets?: readonly string[];
    fromMs: number;
    toMs: number;
    nowMs: number;
  },
): Promise<AlarmHealth> {
  const fromMs = q.fromMs;
  const toMs = Math.max(fromMs, Math.min(q.toMs, q.nowMs));
  const where: string[] = ["e.at >= ?", "e.at < ?"];
  const args: SqlParam[] = [fromMs, toMs];
  const openWhere: string[] = [];
  const openArgs: SqlParam[] = [];
  if (q.companies) {
    where.push(inList("e.company", q.companies));
    args.push(...q.companies);
    openWhere.push(inList("company", q.companies));
    openArgs.push(...q.companies);
  }
  if (q.assets) {
    where.push(inList("e.asset", q.assets));
    args.push(...q.assets);
    openWhere.push(inList("asset", q.assets));
    openArgs.push(...q.assets);
  }
  const none = (q.companies && q.companies.length === 0) || (q.assets && q.assets.length === 0);
  const annunciations = none
    ? []
    : await db.all<AnnunciationRow>(
        `SELECT a.key, a.asset, a.point, a.fault, e.company, e.at FROM alarm_event e JOIN alarm a ON a.id = e.alarm
           WHERE ${where.join(" AND ")}
             AND (e.kind = 'raised' OR (e.kind = 'severity' AND e.to_value = 'alarm'))
           ORDER BY e.at, e.id`,
        args,
      );
  const eventCounts = none
    ? []
    : await db.all<{ key: string; n: number }>(
        `SELECT a.key, COUNT(*) AS n FROM alarm_event e JOIN alarm a ON a.id = e.alarm
           WHERE ${where.join(" AND ")} AND e.kind IN ('raised', 'severity', 'reactivated', 'cleared')
           GROUP BY a.key`,
        args,
      );
  // Open at the period's end, raised more than 24 h before it.
  const staleRows = none
    ? []
    : await db.all<Omit<StaleAlarm, "raisedAt" | "openHours"> & { raised_at: number }>(
        `SELECT id, key, asset, point, fault, company, severity, state, raised_at FROM alarm
           WHERE raised_at <= ? AND (cleared_at IS NULL OR cleared_at > ?)
             ${openWhere.length > 0 ? `AND ${openWhere.join(" AND ")}` : ""}
           ORDER BY raised_at, id`,
        [toMs - STALE_AFTER_MS, toMs, ...openArgs],
      );

  const byKey = new Map<string, AnnunciationRow[]>();
  for (const r of annunciations) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  const chattering: ChatteringAlarm[] = [];
  for (const [key, rows] of byKey) {
    const most = maxInWindow(
      rows.map((r) => r.at),
      CHATTER_WINDOW_MS,
    );
    if (most < CHATTER_ACTIVATIONS) continue;
    const r = rows[0]!;
    chattering.push({
      key,
      asset: r.asset,
      point: r.point,
      fault: r.fault,
      company: r.company,
      annunciations: rows.length,
      maxPerMinute: most,
    });
  }
  chattering.sort((a, b) => b.maxPerMinute - a.maxPerMinute || a.key.localeCompare(b.key));
  const stale: StaleAlarm[] = staleRows.map((r) => ({
    id: r.id,
    key: r.key,
    asset: r.asset,
    point: r.point,
    fault: r.fault,
    company: r.company,
    severity: r.severity,
    state: r.state,
    raisedAt: new Date(r.raised_at).toISOString(),
    openHours: (toMs - r.raised_at) / 3_600_000,
  }));

  const events = new Map(eventCounts.map((r) => [r.key, r.n]));
  const badActors: BadActor[] = [...byKey]
    .map(([key, rows]) => ({
      key,
      asset: rows[0]!.asset,
      point: rows[0]!.point,
      fault: rows[0]!.fault,
      company: rows[0]!.company,
      annunciations: rows.length,
      events: events.get(key) ?? rows.length,
      sharePct: (100 * rows.length) / annunciations.length,
    }))
    .sort((a, b) => b.annunciations - a.annunciations || b.events - a.events || a.key.localeCompare(b.key))
    .slice(0, BAD_ACTORS);

  const group = (field: "company" | "asset") => {
    const out = new Map<string, { company: string; times: number[]; chattering: number; stale: number }>();
    const entry = (name: string, company: string) => {
      let e = out.get(name);
      if (!e) {
        e = { company, times: [], chattering: 0, stale: 0 };
        out.set(name, e);
      }
      return e;
    };
    for (const r of annunciations) entry(r[field], r.company).times.push(r.at);
    for (const c of chattering) entry(c[field], c.company).chattering++;
    for (const s of stale) entry(s[field], s.company).stale++;
    return [...out]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, e]) => ({
        name,
        company: e.company,
        ...figures(e.times, fromMs, toMs, e.chattering, e.stale),
      }));
  };
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    totals: figures(
      annunciations.map((r) => r.at),
      fromMs,
      toMs,
      chattering.length,
      stale.length,
    ),
    companies: group("company").map(({ name, company: _c, ...f }) => ({ company: name, ...f })),
    assets: group("asset").map(({ name, company, ...f }) => ({ asset: name, company, ...f })),
    chattering,
    stale,
    badActors,
    targets: HEALTH_TARGETS,
  };
}
