// Alarms, derived from what the edge reports per measuring point:
// - the ISO 10816-21 zone: zone C → warning, zone D → alarm (ISO 10816-21:2015,
//   evaluation zones; C = "not suitable for long-term operation", D =
//   "severe enough to cause damage");
// - the edge's active diagnoses (measurement `diagnosis`, one alarm per
//   asset + point + fault, severity as the edge gives it, `since` when the
//   edge raised it); a diagnosis the edge cleared, or did not re-confirm
//   within DIAGNOSIS_ACTIVE_MS, raises none. Where the zone already raised
//   `overall_vibration` for a point, the zone's alarm stands.
//
// `since` is the start of the newest unbroken run of one-minute windows
// whose *minimum* zone is at least the current severity's zone, looking
// back at most SINCE_LOOKBACK_MS from the latest block; so it is exact to
// a minute, an empty minute (no data) ends the run, and an episode longer
// than the look-back reports the look-back's start. When the latest minute
// itself is mixed, `since` is the latest block's time.
import { type Diagnosis, type IsoZone, IsoZones, isoZoneFromNumber, type Severity } from "../common/names.ts";
import { type IoResult, success } from "../common/result.ts";
import { DIAGNOSIS_ACTIVE_MS } from "../common/wire.ts";
import { canSeeAsset } from "./http.ts";
import type { MetaStore, Principal } from "./meta/meta.ts";
import type { TimeSeriesStore } from "./stores/types.ts";

export const SINCE_WINDOW_MS = 60_000;
export const SINCE_LOOKBACK_MS = 6 * 3_600_000;

export type AlarmState = "active" | "acknowledged" | "cleared";

export interface Alarm {
  id: string;
  asset: string;
  point: string;
  fault: Diagnosis;
  severity: Severity;
  state: AlarmState;
  /** ISO-8601 UTC. */
  since: string;
  /** The point's latest zone (null when unknown). */
  isoZone: IsoZone | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

export const alarmId = (asset: string, point: string, fault = "overall_vibration"): string =>
  `${asset}:${point}:${fault}`;

const severityOf = (zone: IsoZone): Severity | null =>
  zone === "D" ? "alarm" : zone === "C" ? "warning" : null;

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

function alarmOf(
  id: string,
  asset: string,
  point: string,
  fault: Diagnosis,
  severity: Severity,
  sinceMs: number,
  isoZone: IsoZone | null,
  ack: { by: string; atMs: number } | null,
): Alarm {
  return {
    id,
    asset,
    point,
    fault,
    severity,
    state: ack ? "acknowledged" : "active",
    since: new Date(sinceMs).toISOString(),
    isoZone,
    acknowledgedBy: ack ? ack.by : null,
    acknowledgedAt: ack ? new Date(ack.atMs).toISOString() : null,
  };
}

/** Alarms of the assets the principal may see, newest problems first within severity. */
export async function deriveAlarms(
  store: TimeSeriesStore,
  meta: MetaStore,
  principal: Principal,
): Promise<IoResult<Alarm[]>> {
  const visible = meta.listAssets().filter((a) => canSeeAsset(principal, a));
  if (visible.length === 0) return success([]);
  const visibleIds = new Set(visible.map((a) => a.id));
  const latest = await store.latest({ measurement: "vibration", groupBy: ["asset", "point"] });
  if (latest.kind !== "success") return latest;
  const acks = meta.latestAcks();
  const alarms: Alarm[] = [];
  const ackedIn = (id: string, sinceMs: number) => {
    const ack = acks.get(id);
    // An acknowledgement counts for the episode it was given in.
    return ack !== undefined && ack.atMs >= sinceMs ? ack : null;
  };
  const zones = new Map<string, IsoZone | null>();
  for (const row of latest.value) {
    const { asset, point } = row.tags;
    if (!asset || !point || !visibleIds.has(asset)) continue;
    const zoneNumber = row.fields.iso_zone;
    const zone = zoneNumber === undefined ? null : isoZoneFromNumber(zoneNumber);
    zones.set(`${asset}\n${point}`, zone);
    const severity = zone ? severityOf(zone) : null;
    if (!zone || !severity) continue;
    const since = await sinceOf(store, asset, point, row.ts, zone);
    if (since.kind !== "success") return since;
    const id = alarmId(asset, point);
    alarms.push(
      alarmOf(id, asset, point, "overall_vibration", severity, since.value, zone, ackedIn(id, since.value)),
    );
  }
  const diagnoses = await store.latest({ measurement: "diagnosis", groupBy: ["asset", "point", "fault"] });
  if (diagnoses.kind !== "success") return diagnoses;
  const activeSince = Date.now() - DIAGNOSIS_ACTIVE_MS;
  const raised = new Set(alarms.map((a) => a.id));
  for (const row of diagnoses.value) {
    const { asset, point, fault } = row.tags;
    if (!asset || !point || !fault || !visibleIds.has(asset)) continue;
    if (row.ts < activeSince || row.fields.active === 0) continue;
    const severity = row.fields.severity === 2 ? "alarm" : row.fields.severity === 1 ? "warning" : null;
    const id = alarmId(asset, point, fault);
    if (!severity || raised.has(id)) continue;
    const sinceMs = row.fields.raised_at_ms ?? row.ts;
    alarms.push(
      alarmOf(
        id,
        asset,
        point,
        fault as Diagnosis,
        severity,
        sinceMs,
        zones.get(`${asset}\n${point}`) ?? null,
        ackedIn(id, sinceMs),
      ),
    );
  }
  alarms.sort((a, b) =>
    a.severity !== b.severity ? (a.severity === "alarm" ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  return success(alarms);
}
