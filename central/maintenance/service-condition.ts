// The condition part of the monthly service report: per asset the company
// maintains at the end of the period (or now, for a month still running),
// - its condition then: the worst severity of the alarms routed to the
//   company and open at that time (`normal` without one, `unknown` without
//   any measurement in the month), each measuring point's last ISO zone and
//   velocity RMS;
// - the open alarms with their evidence (the edge's last diagnosis point:
//   confidence, frequency, amplitude, SNR, harmonics; for a zone the
//   velocity RMS against its boundary) and the recommended action;
// - the trend of its worst point over the month: the point whose highest
//   velocity RMS came nearest to (or went furthest past) its C/D boundary,
//   as 6-hour means and maxima of `vibration.v_rms_mm_s`;
// - the recommendation: the most urgent action of its open alarms
//   (./advisory.ts).
// A handful of store queries for the whole fleet (last and maximum per
// point, the diagnoses' evidence) and two per turbine for its trend.
import { ISO_10816_21_BOUNDARIES } from "../../common/iso-zones.ts";
import { type ComponentClass, type IsoZone, isoZoneFromNumber, type Severity } from "../../common/names.ts";
import { type IoResult, success } from "../../common/result.ts";
import type { MetaStore } from "../meta/meta.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import { type Advice, adviceFor, mostUrgent } from "./advisory.ts";
import type { AlarmBook, AlarmState } from "./alarm-book.ts";

export const TREND_WINDOW_MS = 6 * 3_600_000;

export interface PointCondition {
  point: string;
  component: ComponentClass | null;
  isoZone: IsoZone | null;
  vRmsMmS: number | null;
}

export interface DiagnosisEvidence {
  confidence?: number;
  frequencyHz?: number;
  amplitude?: number;
  snrDb?: number;
  harmonics?: number;
  isoZone?: IsoZone;
  vRmsMmS?: number;
  /** The boundary of the zone the alarm is in (B/C for a warning, C/D for an alarm), mm/s. */
  boundaryMmS?: number;
}

export interface ActiveDiagnosis {
  alarm: string;
  fault: string;
  point: string;
  severity: Severity;
  state: AlarmState;
  since: string;
  evidence: DiagnosisEvidence | null;
  advice: Advice;
}

export interface WorstPointTrend {
  point: string;
  component: ComponentClass | null;
  /** Velocity boundaries of its component class, mm/s (ISO 10816-21 Table A.1). */
  boundaries: { bc: number; cd: number } | null;
  maxVRmsMmS: number;
  everyMs: number;
  points: { ts: number; mean: number; max: number }[];
}

export type ConditionLevel = "alarm" | "warning" | "normal" | "unknown";

export interface AssetCondition {
  condition: ConditionLevel;
  points: PointCondition[];
  diagnoses: ActiveDiagnosis[];
  worstPoint: WorstPointTrend | null;
  recommendation: Advice;
}

const EVIDENCE_FIELDS = {
  confidence: "confidence",
  frequencyHz: "frequency_hz",
  amplitude: "amplitude",
  snrDb: "snr_db",
  harmonics: "harmonics",
} as const;

const velocityRow = (component: ComponentClass | null) =>
  component ? (ISO_10816_21_BOUNDARIES[component].find((r) => r.field === "v_rms_mm_s") ?? null) : null;

/** Per group (tag values joined by "\n"), the value of one field aggregated over [fromMs, toMs). */
async function perGroup(
  store: TimeSeriesStore,
  measurement: "vibration" | "diagnosis",
  field: string,
  groupBy: string[],
  fromMs: number,
  toMs: number,
  aggregate: "last" | "max",
  assets: readonly string[],
): Promise<IoResult<Map<string, { ts: number; value: number }>>> {
  const r = await store.query({ measurement, field, fromMs, toMs, aggregate, groupBy });
  if (r.kind !== "success") return r;
  const wanted = new Set(assets);
  const out = new Map<string, { ts: number; value: number }>();
  for (const s of r.value) {
    if (!wanted.has(s.tags.asset ?? "")) continue;
    const p = s.points[s.points.length - 1];
    if (p) out.set(groupBy.map((k) => s.tags[k] ?? "").join("\n"), p);
  }
  return success(out);
}

/**
 * The condition of each of `assets` as of `asOfMs` (exclusive), from the
 * month [fromMs, asOfMs) in the store and the company's alarms in the book.
 */
export async function assetConditions(
  deps: { store: TimeSeriesStore; meta: MetaStore; book: AlarmBook },
  args: { company: string; assets: readonly string[]; fromMs: number; asOfMs: number },
): Promise<IoResult<Map<string, AssetCondition>>> {
  const { store } = deps;
  const { fromMs, asOfMs, assets } = args;
  const out = new Map<string, AssetCondition>();
  if (assets.length === 0 || !(asOfMs > fromMs)) return success(out);
  const index = await deps.meta.fleet.current();
  const byPoint = ["asset", "point"];
  const lastZone = await perGroup(store, "vibration", "iso_zone", byPoint, fromMs, asOfMs, "last", assets);
  if (lastZone.kind !== "success") return lastZone;
  const lastV = await perGroup(store, "vibration", "v_rms_mm_s", byPoint, fromMs, asOfMs, "last", assets);
  if (lastV.kind !== "success") return lastV;
  const maxV = await perGroup(store, "vibration", "v_rms_mm_s", byPoint, fromMs, asOfMs, "max", assets);
  if (maxV.kind !== "success") return maxV;
  const evidence = new Map<string, Map<string, { ts: number; value: number }>>();
  for (const [key, field] of Object.entries(EVIDENCE_FIELDS)) {
    const r = await perGroup(
      store,
      "diagnosis",
      field,
      [...byPoint, "fault"],
      fromMs,
      asOfMs,
      "last",
      assets,
    );
    if (r.kind !== "success") return r;
    evidence.set(key, r.value);
  }
  // A facility has no vibration points: any energy reading in the month makes its condition known.
  const meter = await store.query({
    measurement: "meter",
    field: "energy_kwh",
    fromMs,
    toMs: asOfMs,
    aggregate: "count",
    groupBy: ["asset"],
  });
  if (meter.kind !== "success") return meter;
  const hasMeter = new Set(meter.value.filter((s) => (s.points[0]?.value ?? 0) > 0).map((s) => s.tags.asset));
  const open = await deps.book.openAt([args.company], asOfMs);

  for (const asset of assets) {
    const record = index.assetById.get(asset);
    const componentOf = (point: string): ComponentClass | null =>
      record?.points.find((p) => p.id === point)?.component ?? null;
    const pointIds = new Set<string>();
    for (const key of lastV.value.keys())
      if (key.startsWith(`${asset}\n`)) pointIds.add(key.slice(asset.length + 1));
    for (const key of lastZone.value.keys())
      if (key.startsWith(`${asset}\n`)) pointIds.add(key.slice(asset.length + 1));
    const points: PointCondition[] = [...pointIds].sort().map((point) => {
      const key = `${asset}\n${point}`;
      const z = lastZone.value.get(key);
      const v = lastV.value.get(key);
      return {
        point,
        component: componentOf(point),
        isoZone: z ? isoZoneFromNumber(z.value) : null,
        vRmsMmS: v ? v.value : null,
      };
    });
    const diagnoses: ActiveDiagnosis[] = open
      .filter((a) => a.asset === asset)
      .map((a) => {
        const key = `${asset}\n${a.point}\n${a.fault}`;
        const e: DiagnosisEvidence = {};
        for (const name of Object.keys(EVIDENCE_FIELDS) as (keyof typeof EVIDENCE_FIELDS)[]) {
          const v = evidence.get(name)!.get(key);
          if (v) e[name] = v.value;
        }
        if (a.fault === "overall_vibration") {
          const p = points.find((x) => x.point === a.point);
          const row = velocityRow(p?.component ?? null);
          if (p?.isoZone) e.isoZone = p.isoZone;
          if (p?.vRmsMmS != null) e.vRmsMmS = p.vRmsMmS;
          if (row) e.boundaryMmS = a.severity === "alarm" ? row.cd : row.bc;
        }
        return {
          alarm: a.id,
          fault: a.fault,
          point: a.point,
          severity: a.severity,
          state: a.state,
          since: a.since,
          evidence: Object.keys(e).length > 0 ? e : null,
          advice: adviceFor(a.fault, a.severity),
        };
      });
    // The worst point: the highest velocity RMS of the month relative to its C/D boundary.
    let worst: { point: string; ratio: number; max: number } | null = null;
    for (const point of pointIds) {
      const m = maxV.value.get(`${asset}\n${point}`);
      if (!m) continue;
      const row = velocityRow(componentOf(point));
      const ratio = row ? m.value / row.cd : m.value;
      if (!worst || ratio > worst.ratio) worst = { point, ratio, max: m.value };
    }
    let worstPoint: WorstPointTrend | null = null;
    if (worst) {
      const trend = await pointTrend(store, asset, worst.point, fromMs, asOfMs);
      if (trend.kind !== "success") return trend;
      const component = componentOf(worst.point);
      const row = velocityRow(component);
      worstPoint = {
        point: worst.point,
        component,
        boundaries: row ? { bc: row.bc, cd: row.cd } : null,
        maxVRmsMmS: worst.max,
        everyMs: TREND_WINDOW_MS,
        points: trend.value,
      };
    }
    const level: ConditionLevel = diagnoses.some((d) => d.severity === "alarm")
      ? "alarm"
      : diagnoses.length > 0
        ? "warning"
        : points.length > 0 || hasMeter.has(asset)
          ? "normal"
          : "unknown";
    out.set(asset, {
      condition: level,
      points,
      diagnoses,
      worstPoint,
      recommendation: mostUrgent(diagnoses.map((d) => d.advice)),
    });
  }
  return success(out);
}

/** 6-hour mean and maximum of a point's velocity RMS. */
async function pointTrend(
  store: TimeSeriesStore,
  asset: string,
  point: string,
  fromMs: number,
  toMs: number,
): Promise<IoResult<{ ts: number; mean: number; max: number }[]>> {
  const q = {
    measurement: "vibration" as const,
    field: "v_rms_mm_s",
    tags: { asset, point },
    fromMs,
    toMs,
    everyMs: TREND_WINDOW_MS,
  };
  const mean = await store.query({ ...q, aggregate: "mean" });
  if (mean.kind !== "success") return mean;
  const max = await store.query({ ...q, aggregate: "max" });
  if (max.kind !== "success") return max;
  const maxAt = new Map((max.value[0]?.points ?? []).map((p) => [p.ts, p.value]));
  return success(
    (mean.value[0]?.points ?? []).map((p) => ({ ts: p.ts, mean: p.value, max: maxAt.get(p.ts) ?? p.value })),
  );
}
