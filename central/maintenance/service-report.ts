// The monthly service report of one company, the basis on which the region
// bills: per asset it maintained in the month, the days it maintained it
// (its contracts, or as the owner where no contract covers the time), the
// days the asset was monitored, the alarms routed to the company and raised
// in the month by severity, how fast they were acknowledged and closed,
// escalations (response times missed) and work orders. Asset-days monitored
// are the billing quantity.
//
// The month is a calendar month in the company's time zone; a day is a
// local calendar day. A monitored day is a day the company maintained the
// asset on which central holds at least one measurement of it: a vibration
// velocity RMS (`vibration.v_rms_mm_s`, any measuring point) for a turbine,
// an energy register reading (`meter.energy_kwh`) for a facility. Alarm
// figures are about the alarms raised in the month, with what is known of
// them when the report is made (an alarm raised on the 31st and cleared on
// the 2nd counts with its close time). A month still running counts the days
// that have begun, not the whole month.
//
// It is a condition report as well (results first): per asset the company
// maintains at the month's end — or now, for a month still running — its
// condition, open alarms with their evidence, the trend of its worst point and
// the recommended action with its urgency (./service-condition.ts,
// ./advisory.ts), and the alarm-system health of the company's alarms in the
// month (./alarm-health.ts). JSON and CSV here; the PDF is in
// service-report-pdf.ts.
import { type IoResult, success } from "../../common/result.ts";
import { writeCsv } from "../lib/csv.ts";
import { type Lang, zoneOffsetMs } from "../lib/format.ts";
import type { MetaStore } from "../meta/meta.ts";
import type { SeriesQuery, TimeSeriesStore } from "../stores/types.ts";
import type { AlarmBook, AlarmRecord } from "./alarm-book.ts";
import type { AlarmHealth } from "./alarm-health.ts";
import type { Company, Contracts } from "./contracts.ts";
import { type AssetCondition, assetConditions } from "./service-condition.ts";
import type { WorkOrders } from "./work-orders.ts";

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** Median, 90th percentile and maximum of durations, minutes; null when there are none. */
export interface DurationStats {
  count: number;
  medianMin: number | null;
  p90Min: number | null;
  maxMin: number | null;
}

export interface ServiceFigures {
  daysUnderContract: number;
  daysMonitored: number;
  alarms: { warning: number; alarm: number; total: number };
  /** Raised in the month and not (yet) acknowledged by anyone. */
  unacknowledged: number;
  timeToAcknowledge: DurationStats;
  timeToClose: DurationStats;
  /** Alarms raised in the month that were not acknowledged within the contract's response time. */
  escalations: number;
  workOrders: { opened: number; done: number };
}

export interface ServiceReportRow extends ServiceFigures {
  asset: string;
  name: string;
  kind: string;
  site: string;
  siteName: string;
  /** Its condition at `asOf`; null when the company no longer maintained it then. */
  condition: AssetCondition | null;
}

export interface ServiceReport {
  company: { id: string; name: string };
  /** YYYY-MM */
  month: string;
  timeZone: string;
  /** The month's first and the next month's first local midnight, ISO UTC. */
  from: string;
  to: string;
  daysInMonth: number;
  /** Days of the month that have begun when the report is made (all of them for a past month). */
  daysElapsed: number;
  /** When the condition is given: the month's end, or the report's time for a month still running. */
  asOf: string;
  generatedAt: string;
  generatedBy: string;
  assets: ServiceReportRow[];
  /** Sums over the assets; duration statistics over all the month's alarms. */
  totals: ServiceFigures & { assets: number };
  /** The alarm-system health of the company's alarms in the month, up to `asOf`. */
  health: AlarmHealth;
}

/** Local midnight of a calendar date in a zone, epoch ms (DST-safe: the offset is re-read at the result). */
export function localMidnightMs(year: number, monthIndex: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, monthIndex, day);
  const first = wall - zoneOffsetMs(wall, timeZone);
  const second = wall - zoneOffsetMs(first, timeZone);
  return second;
}

/** The local days of a month: their starts, and the end of the last. */
export function monthDays(month: string, timeZone: string): { starts: number[]; endMs: number } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) throw new RangeError(`month: expected YYYY-MM, got "${month}"`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  const count = new Date(Date.UTC(year, index + 1, 0)).getUTCDate();
  const starts = Array.from({ length: count }, (_, d) => localMidnightMs(year, index, d + 1, timeZone));
  return { starts, endMs: localMidnightMs(year, index + 1, 1, timeZone) };
}

/** The day (index into `starts`) an instant falls on; -1 outside. */
const dayOf = (starts: readonly number[], endMs: number, ms: number): number => {
  if (ms < starts[0]! || ms >= endMs) return -1;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
};

/** Median (mean of the middle two for an even count) of ascending values. */
const median = (sorted: readonly number[]): number => {
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
};

/** Nearest-rank percentile of ascending values: the smallest value with at least p % at or below it. */
const nearestRank = (sorted: readonly number[], p: number): number =>
  sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;

export function durationStats(durationsMs: readonly number[]): DurationStats {
  if (durationsMs.length === 0) return { count: 0, medianMin: null, p90Min: null, maxMin: null };
  const sorted = [...durationsMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    medianMin: median(sorted) / MINUTE_MS,
    p90Min: nearestRank(sorted, 90) / MINUTE_MS,
    maxMin: sorted[sorted.length - 1]! / MINUTE_MS,
  };
}

/** Figures of a set of alarms (raised in the month); days and work orders filled in by the caller. */
function alarmFigures(
  alarms: readonly AlarmRecord[],
): Omit<ServiceFigures, "daysUnderContract" | "daysMonitored" | "workOrders"> {
  const ack: number[] = [];
  const close: number[] = [];
  let warning = 0;
  let alarm = 0;
  let escalations = 0;
  for (const a of alarms) {
    const raised = Date.parse(a.raisedAt);
    if (a.maxSeverity === "alarm") alarm++;
    else warning++;
    if (a.acknowledgedAt !== null) ack.push(Date.parse(a.acknowledgedAt) - raised);
    if (a.clearedAt !== null) close.push(Date.parse(a.clearedAt) - raised);
    if (a.escalatedAt !== null) escalations++;
  }
  return {
    alarms: { warning, alarm, total: warning + alarm },
    unacknowledged: alarms.length - ack.length,
    timeToAcknowledge: durationStats(ack),
    timeToClose: durationStats(close),
    escalations,
  };
}

const FACILITY_KINDS = new Set(["hospital", "clinic", "school"]);

/** What counts as a measurement of an asset for "monitored". */
const monitoredSeries = (kind: string): Pick<SeriesQuery, "measurement" | "field"> =>
  FACILITY_KINDS.has(kind)
    ? { measurement: "meter", field: "energy_kwh" }
    : { measurement: "vibration", field: "v_rms_mm_s" };

/** Runs `task` over `items`, at most `limit` at a time, stopping at the first failure. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<IoResult<void>>,
): Promise<IoResult<void>> {
  let next = 0;
  let failed: IoResult<void> | null = null;
  const worker = async () => {
    while (failed === null && next < items.length) {
      const r = await task(items[next++]!);
      if (r.kind !== "success") failed = r;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return failed ?? success(undefined);
}

export interface ServiceReportDeps {
  store: TimeSeriesStore;
  meta: MetaStore;
  book: AlarmBook;
  contracts: Contracts;
  workOrders: WorkOrders;
}

export async function buildServiceReport(
  deps: ServiceReportDeps,
  args: { company: Company; month: string; generatedBy: string; nowMs: number },
): Promise<IoResult<ServiceReport>> {
  const { company, month } = args;
  const tz = company.timezone;
  const { starts, endMs } = monthDays(month, tz);
  const fromMs = starts[0]!;
  const asOfMs = Math.max(fromMs, Math.min(endMs, args.nowMs));
  // A day counts once it has begun: a month still running is billed for its days so far.
  const begun = starts.filter((start) => start < args.nowMs).length;
  const coverage = await deps.contracts.coverage(company.id, fromMs, endMs);
  const { alarms } = await deps.book.list({
    companies: [company.id],
    raisedFromMs: fromMs,
    raisedToMs: endMs,
    sort: "raisedAt",
    order: "asc",
    limit: 1_000_000,
  });
  const orders = await deps.workOrders.countsByAsset(company.id, fromMs, endMs);
  const ids = new Set([...coverage.keys(), ...alarms.map((a) => a.asset), ...orders.keys()]);
  const index = await deps.meta.fleet.current();

  // Days under contract: local days, begun by now, any part of which the company maintained the asset.
  const covered = new Map<string, boolean[]>();
  for (const id of ids) {
    const days = starts.map((start, d) => {
      const end = starts[d + 1] ?? endMs;
      return d < begun && (coverage.get(id) ?? []).some(([a, b]) => a < end && start < b);
    });
    covered.set(id, days);
  }
  // The condition of the assets the company still maintains at the end (or now).
  const atEnd = [...ids].filter((id) =>
    (coverage.get(id) ?? []).some(([a, b]) => a < asOfMs && asOfMs - 1 < b),
  );
  const conditions = await assetConditions(deps, { company: company.id, assets: atEnd, fromMs, asOfMs });
  if (conditions.kind !== "success") return conditions;

  // Monitored: windows that divide local days (whole hours, or quarter hours for zones off the hour).
  const offHour = [fromMs, endMs].some((t) => zoneOffsetMs(t, tz) % HOUR_MS !== 0);
  const windowMs = offHour ? HOUR_MS / 4 : HOUR_MS;
  const monitored = new Map<string, boolean[]>();
  const queried = await eachLimited([...ids], 4, async (id) => {
    const days = new Array<boolean>(starts.length).fill(false);
    monitored.set(id, days);
    if (!covered.get(id)!.some(Boolean)) return success(undefined);
    const kind = index.assetById.get(id)?.kind ?? "turbine";
    const r = await deps.store.query({
      ...monitoredSeries(kind),
      tags: { asset: id },
      fromMs,
      toMs: endMs,
      everyMs: windowMs,
      aggregate: "count",
    });
    if (r.kind !== "success") return r;
    for (const series of r.value)
      for (const p of series.points) {
        if (!(p.value > 0)) continue;
        const d = dayOf(starts, endMs, Math.max(p.ts, fromMs));
        if (d >= 0) days[d] = true;
      }
    return success(undefined);
  });
  if (queried.kind !== "success") return queried;

  const byAsset = new Map<string, AlarmRecord[]>();
  for (const a of alarms) byAsset.set(a.asset, [...(byAsset.get(a.asset) ?? []), a]);
  const rows: ServiceReportRow[] = [...ids].sort().map((id) => {
    const asset = index.assetById.get(id);
    const site = asset ? index.siteById.get(asset.site) : undefined;
    const under = covered.get(id)!;
    const seen = monitored.get(id)!;
    return {
      asset: id,
      name: asset?.name ?? id,
      kind: asset?.kind ?? "",
      site: asset?.site ?? byAsset.get(id)?.[0]?.site ?? "",
      siteName: site?.name ?? asset?.site ?? "",
      daysUnderContract: under.filter(Boolean).length,
      daysMonitored: under.filter((u, d) => u && seen[d]).length,
      ...alarmFigures(byAsset.get(id) ?? []),
      workOrders: orders.get(id) ?? { opened: 0, done: 0 },
      condition: conditions.value.get(id) ?? null,
    };
  });
  const sum = (f: (r: ServiceReportRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  return success({
    company: { id: company.id, name: company.name },
    month,
    timeZone: tz,
    from: new Date(fromMs).toISOString(),
    to: new Date(endMs).toISOString(),
    daysInMonth: starts.length,
    daysElapsed: begun,
    asOf: new Date(asOfMs).toISOString(),
    generatedAt: new Date(args.nowMs).toISOString(),
    generatedBy: args.generatedBy,
    assets: rows,
    totals: {
      assets: rows.length,
      daysUnderContract: sum((r) => r.daysUnderContract),
      daysMonitored: sum((r) => r.daysMonitored),
      ...alarmFigures(alarms),
      workOrders: { opened: sum((r) => r.workOrders.opened), done: sum((r) => r.workOrders.done) },
    },
    health: await deps.book.health({ companies: [company.id], fromMs, toMs: endMs, nowMs: args.nowMs }),
  });
}

export const SERVICE_CSV_COLUMNS = [
  "asset",
  "name",
  "site",
  "days_under_contract",
  "days_monitored",
  "alarms_warning",
  "alarms_alarm",
  "alarms_total",
  "unacknowledged",
  "ack_median_min",
  "ack_p90_min",
  "ack_max_min",
  "close_median_min",
  "close_p90_min",
  "close_max_min",
  "escalations",
  "work_orders_opened",
  "work_orders_done",
  "condition",
  "worst_point",
  "worst_point_zone",
  "worst_point_max_v_rms_mm_s",
  "open_alarms",
  "action_code",
  "action",
  "urgency",
  "within_days",
  "annunciations",
  "chattering_alarms",
  "stale_alarms",
] as const;

const minutes = (v: number | null): string => (v === null ? "" : v.toFixed(1));

const figureCells = (f: ServiceFigures): (string | number)[] => [
  f.daysUnderContract,
  f.daysMonitored,
  f.alarms.warning,
  f.alarms.alarm,
  f.alarms.total,
  f.unacknowledged,
  minutes(f.timeToAcknowledge.medianMin),
  minutes(f.timeToAcknowledge.p90Min),
  minutes(f.timeToAcknowledge.maxMin),
  minutes(f.timeToClose.medianMin),
  minutes(f.timeToClose.p90Min),
  minutes(f.timeToClose.maxMin),
  f.escalations,
  f.workOrders.opened,
  f.workOrders.done,
];

/** The condition columns of an asset: empty where the company no longer maintained it at the end. */
const conditionCells = (c: AssetCondition | null, lang: Lang): (string | number)[] => {
  if (!c) return ["", "", "", "", "", "", "", "", ""];
  const worst = c.worstPoint;
  const zone = worst ? (c.points.find((p) => p.point === worst.point)?.isoZone ?? "") : "";
  return [
    c.condition,
    worst?.point ?? "",
    zone,
    worst ? worst.maxVRmsMmS.toFixed(2) : "",
    c.diagnoses.map((d) => `${d.fault}@${d.point}:${d.severity}`).join(";"),
    c.recommendation.code,
    c.recommendation[lang],
    c.recommendation.urgency,
    c.recommendation.withinDays ?? "",
  ];
};

const healthCells = (f: { annunciations: number; chattering: number; stale: number } | undefined) => [
  f?.annunciations ?? 0,
  f?.chattering ?? 0,
  f?.stale ?? 0,
];

/**
 * One row per asset and a TOTAL row; durations in minutes with one decimal, empty where there were
 * none; the recommended action in `lang`. Names come from the fleet and companies: formula prefixes
 * are neutralised (lib/csv.ts).
 */
export function serviceReportCsv(report: ServiceReport, lang: Lang = "ru"): string {
  const health = new Map(report.health.assets.map((a) => [a.asset, a]));
  return writeCsv([
    SERVICE_CSV_COLUMNS,
    ...report.assets.map((r) => [
      r.asset,
      r.name,
      r.site,
      ...figureCells(r),
      ...conditionCells(r.condition, lang),
      ...healthCells(health.get(r.asset)),
    ]),
    [
      "TOTAL",
      "",
      "",
      ...figureCells(report.totals),
      ...conditionCells(null, lang),
      ...healthCells(report.health.totals),
    ],
  ]);
}
