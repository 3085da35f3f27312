// The comfort condition: a facility's room out of its band of indoor air
// temperature while the facility is occupied. Control must save energy
// without leaving a classroom or a ward too cold (or too warm): a schedule
// whose setback reaches into the occupied hours, a pre-heat that starts too
// late, a plant that cannot keep up, all show here.
//
// - The reading: the newest `scada.indoor_temp_c` of each facility and room
//   (tag `point`; none: the facility's one reading). One older than
//   `comfort.staleAfterMs` is not judged: a sensor that stopped is not a room
//   that cooled.
// - The band: the room's type (`comfort.rooms`, else the facility kind's
//   `comfort.roomTypeOfKind`) in `comfort.bands` (SanPiN 1.2.3685-21 by
//   default; central/control/comfort-config.ts).
// - Occupied: the facility's control schedule has a weekly entry holding now
//   (common/control-schedule.ts isOccupied), in its time zone; no schedule,
//   an exception day or the hours of `otherwise` — nothing is watched.
// - Level: out of band, `warning`; `alarmBeyondK` or more out, `alarm`. The
//   distance is given to the alarm filter as a ratio over the band's width
//   (1 + kelvin out ÷ width), so `deadbandPct` of the kind is a percent of
//   the band's width: with 10 % a classroom that fell below 18 °C must come
//   back above 18.6 °C before the level is left.
// The condition goes through the same filter as every other kind
// (kind `comfort`: on-delay 30 min by default), then into the alarm book.
import { isOccupied } from "../../common/control-schedule.ts";
import { type IoResult, success } from "../../common/result.ts";
import type { ComfortConfig } from "../control/comfort-config.ts";
import type { ControlRepository } from "../control/repository.ts";
import type { MetaStore } from "../meta/meta.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import { alarmKey, type Condition } from "./alarm-book.ts";
import type { BoundaryRatio, Rank } from "./alarm-filter.ts";

export const COMFORT_FAULT = "comfort";
/** The condition's point when the reading names no room. */
export const FACILITY_ROOM_POINT = "indoor_temp_c";

const FACILITY_KINDS = new Set(["school", "clinic", "hospital"]);

/** Ratio of a reading to a band: ≥ 1 at or past one of its edges, growing by 1 per band width outside. */
export function bandRatio(tempC: number, minC: number, maxC: number): number {
  const width = maxC - minC;
  if (tempC < minC) return 1 + (minC - tempC) / width;
  if (tempC > maxC) return 1 + (tempC - maxC) / width;
  // Inside: 1 at an edge, falling by 1 per band width toward the other side (0.5 in the middle).
  return 1 - Math.min(tempC - minC, maxC - tempC) / width;
}

/** The comfort level of a reading: the warning band as given, the alarm band `beyondK` wider on each side. */
export function comfortRatio(
  tempC: number,
  band: { minC: number; maxC: number },
  beyondK: number,
): BoundaryRatio {
  return {
    warning: bandRatio(tempC, band.minC, band.maxC),
    alarm: bandRatio(tempC, band.minC - beyondK, band.maxC + beyondK),
  };
}

export interface ComfortDeps {
  store: TimeSeriesStore;
  meta: MetaStore;
  control: ControlRepository;
  config: ComfortConfig;
  /** The region's zone: a site without its own. */
  timeZone: string;
}

/**
 * The comfort conditions observed now: one per facility room out of its band
 * during occupied hours, and, while the book follows one that came back
 * inside, the reading with its ratio (only the deadband may hold it).
 */
export async function deriveComfortConditions(
  deps: ComfortDeps,
  nowMs: number,
  known: (key: string) => { rawRank: Rank } | undefined = () => undefined,
): Promise<IoResult<Condition[]>> {
  const fleet = await deps.meta.fleet.current();
  const latest = await deps.store.latest({ measurement: "scada", groupBy: ["asset", "point"] });
  if (latest.kind !== "success") return latest;
  const { config } = deps;
  const out: Condition[] = [];
  const schedules = new Map<string, Awaited<ReturnType<ControlRepository["getSchedule"]>>>();
  for (const row of latest.value) {
    const tempC = row.fields.indoor_temp_c;
    const asset = row.tags.asset ? fleet.assetById.get(row.tags.asset) : undefined;
    if (tempC === undefined || !asset || !FACILITY_KINDS.has(asset.kind)) continue;
    if (nowMs - row.ts > config.staleAfterMs) continue;
    const room = row.tags.point;
    const point = room ?? FACILITY_ROOM_POINT;
    const roomType =
      config.rooms.find((r) => r.asset === asset.id && r.point === room)?.roomType ??
      config.roomTypeOfKind[asset.kind as keyof ComfortConfig["roomTypeOfKind"]];
    const band = config.bands[roomType];
    if (!band) continue;
    if (!schedules.has(asset.id)) schedules.set(asset.id, await deps.control.getSchedule(asset.id));
    const schedule = schedules.get(asset.id)?.schedule;
    const zone = fleet.siteById.get(asset.site)?.timezone ?? deps.timeZone;
    if (!schedule || !isOccupied(schedule, nowMs, zone)) continue;
    const ratio = comfortRatio(tempC, band, config.alarmBeyondK);
    const severity = ratio.alarm >= 1 ? "alarm" : ratio.warning >= 1 ? "warning" : null;
    const key = alarmKey(asset.id, point, COMFORT_FAULT);
    if (!severity && !((known(key)?.rawRank ?? 0) > 0)) continue;
    out.push({
      asset: asset.id,
      point,
      fault: COMFORT_FAULT,
      severity,
      // Held since the reading: the on-delay counts what central sees, not what it guesses.
      sinceMs: Math.min(row.ts, nowMs),
      isoZone: null,
      kind: "comfort",
      ratio,
    });
  }
  return success(out);
}
