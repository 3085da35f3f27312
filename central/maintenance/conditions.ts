// Alarm conditions, derived from what the edge reports per measuring point:
// - the ISO 10816-21 zone: zone C → warning, zone D → alarm (ISO 10816-21:2015,
//   evaluation zones; C = "not suitable for long-term operation", D =
//   "severe enough to cause damage");
// - the edge's active diagnoses (measurement `diagnosis`, one alarm per
//   asset + point + fault, severity as the edge gives it, `since` when the
//   edge raised it); a diagnosis the edge cleared, or did not re-confirm
//   within DIAGNOSIS_ACTIVE_MS, raises none.
//
// `since` is the start of the newest unbroken run of one-minute windows
// whose *minimum* zone is at least the current severity's zone, looking
// back at most SINCE_LOOKBACK_MS from the latest block; so it is exact to
// a minute, an empty minute (no data) ends the run, and an episode longer
// than the look-back reports the look-back's start. When the latest minute
// itself is mixed, `since` is the latest block's time. It is looked up only
// where the level rises above what the alarm book already follows (a new
// condition, warning → alarm): it is the time the on-delay credits.
//
// Each zone condition carries how far the block's values are toward the
// B/C and C/D boundaries (common/iso-zones.ts, the point's component class
// from the fleet), so the alarm book can hold a level within its deadband;
// below zone C a point is still reported while the book follows it. The
// boundaries are those in force for the asset (the defaults with central's
// `zones` overrides on top), so a deadband of 10 % holds zone D down to
// 0.9 × the overridden C/D, not 0.9 × the default one. Where the edge's
// zone and that table still disagree (an edge configured with other
// boundaries than central), no ratio is sent and the edge's zone alone counts.
import { ISO_10816_21_BOUNDARIES, type ZoneBoundaryRow, zoneBoundaryRatio } from "../../common/iso-zones.ts";
import {
  type ComponentClass,
  type Diagnosis,
  type IsoZone,
  IsoZones,
  isoZoneFromNumber,
  type Severity,
} from "../../common/names.ts";
import { type IoResult, success } from "../../common/result.ts";
import { DIAGNOSIS_ACTIVE_MS } from "../../common/wire.ts";
import type { MetaStore } from "../meta/meta.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import { alarmKey, type Condition } from "./alarm-book.ts";
import { type BoundaryRatio, RANK, type Rank } from "./alarm-filter.ts";

export const SINCE_WINDOW_MS = 60_000;
export const SINCE_LOOKBACK_MS = 6 * 3_600_000;

const severityOf = (zone: IsoZone): Severity | null =>
  zone === "D" ? "alarm" : zone === "C" ? "warning" : null;

/** The zone boundaries central judges an asset's blocks against (`zoneBoundaryRows` of its table in force). */
export type ZoneBoundariesOf = (
  asset: string,
) => Readonly<Record<ComponentClass, readonly ZoneBoundaryRow[]>>;

/** The ratio to the boundaries when it rates the block as the edge did, else undefined. */
const consistentRatio = (
  fields: Readonly<Record<string, number | undefined>>,
  component: ComponentClass | undefined,
  severity: Severity | null,
  rows: ReturnType<ZoneBoundariesOf>,
): BoundaryRatio | undefined => {
  if (!component) return undefined;
  const ratio = zoneBoundaryRatio(fields, component, rows);
  if (!ratio) return undefined;
  const rank = ratio.alarm >= 1 ? 2 : ratio.warning >= 1 ? 1 : 0;
  return rank === (severity ? RANK[severity] : 0) ? ratio : undefined;
};

/** What the alarm book follows of a condition (see AlarmBook.knownConditions). */
export type KnownCondition = (key: string) => { rawRank: Rank; sinceMs: number } | undefined;

async function sinceOf(
  store: TimeSeriesStore,
  asset: string,
  point: string,
  latestTs: number,
  zone: IsoZone,
): Promise<IoResult<number>> {
  const threshold = IsoZones.indexOf(zone) + 1;
  const r = await store.query({
    measurement: "vibration",
    field: "iso_zone",
    tags: { asset, point },
    fromMs: latestTs - SINCE_LOOKBACK_MS,
    toMs: latestTs + 1,
    everyMs: SINCE_WINDOW_MS,
    aggregate: "min",
  });
  if (r.kind !== "success") return r;
  const windows = r.value[0]?.points ?? [];
  let since = latestTs;
  let expected: number | null = null;
  for (let i = windows.length - 1; i >= 0; i--) {
    const w = windows[i]!;
    if (w.value < threshold) break;
    if (expected !== null && w.ts !== expected) break;
    since = w.ts;
    expected = w.ts - SINCE_WINDOW_MS;
  }
  return success(since);
}

/**
 * The alarm conditions observed now across the fleet: one per asset + point
 * for a zone C/D (or below, with its boundary ratio, while the book follows
 * it), one per active edge diagnosis. The alarm book filters them and turns
 * them into occurrences (./alarm-book.ts).
 */
export async function deriveConditions(
  store: TimeSeriesStore,
  meta: MetaStore,
  nowMs = Date.now(),
  known: KnownCondition = () => undefined,
  boundariesOf: ZoneBoundariesOf = () => ISO_10816_21_BOUNDARIES,
): Promise<IoResult<Condition[]>> {
  const fleet = (await meta.fleet.current()).assetById;
  const latest = await store.latest({ measurement: "vibration", groupBy: ["asset", "point"] });
  if (latest.kind !== "success") return latest;
  const conditions: Condition[] = [];
  const zones = new Map<string, IsoZone | null>();
  const zoned = new Set<string>();
  for (const row of latest.value) {
    const { asset, point } = row.tags;
    const record = asset ? fleet.get(asset) : undefined;
    if (!asset || !point || !record) continue;
    const zoneNumber = row.fields.iso_zone;
    const zone = zoneNumber === undefined ? null : isoZoneFromNumber(zoneNumber);
    zones.set(`${asset}\n${point}`, zone);
    if (!zone) continue;
    const severity = severityOf(zone);
    const key = alarmKey(asset, point, "overall_vibration");
    const followed = known(key);
    const component = record.points.find((p) => p.id === point)?.component ?? undefined;
    const ratio = consistentRatio(row.fields, component, severity, boundariesOf(asset));
    const base = { asset, point, fault: "overall_vibration", isoZone: zone, kind: "zone" as const };
    if (!severity) {
      // Below zone C: only the deadband may hold a level the book follows.
      if (followed && followed.rawRank > 0 && ratio)
        conditions.push({ ...base, severity: null, sinceMs: row.ts, ratio });
      continue;
    }
    let sinceMs: number;
    if (followed && followed.rawRank >= RANK[severity]) sinceMs = followed.sinceMs;
    else {
      const since = await sinceOf(store, asset, point, row.ts, zone);
      if (since.kind !== "success") return since;
      sinceMs = since.value;
    }
    conditions.push({ ...base, severity, sinceMs, ...(ratio ? { ratio } : {}) });
    zoned.add(`${asset}\n${point}`);
  }
  const diagnoses = await store.latest({ measurement: "diagnosis", groupBy: ["asset", "point", "fault"] });
  if (diagnoses.kind !== "success") return diagnoses;
  const activeSince = nowMs - DIAGNOSIS_ACTIVE_MS;
  for (const row of diagnoses.value) {
    const { asset, point, fault } = row.tags;
    if (!asset || !point || !fault || !fleet.has(asset)) continue;
    if (row.ts < activeSince || row.fields.active === 0) continue;
    const severity = row.fields.severity === 2 ? "alarm" : row.fields.severity === 1 ? "warning" : null;
    // Where the zone already raised `overall_vibration` for the point, the zone's alarm stands.
    if (!severity || (fault === "overall_vibration" && zoned.has(`${asset}\n${point}`))) continue;
    conditions.push({
      asset,
      point,
      fault: fault as Diagnosis,
      severity,
      // The edge raised it after its own persistence rule (n of m blocks): that time counts as held.
      sinceMs: row.fields.raised_at_ms ?? row.ts,
      isoZone: zones.get(`${asset}\n${point}`) ?? null,
      kind: "diagnosis",
    });
  }
  return success(conditions);
}
