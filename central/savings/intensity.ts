// What a report says about each facility beyond its saving: the measure
// (from the config) and the energy per square metre of floor area, the
// reporting period's actual and adjusted-baseline consumption annualised,
// compared with the report's other facilities of the same kind whose floor
// area is known (the median of the group and the facility's place in it,
// lowest first). Facilities without a model or an area get no figures.
import type { FacilityInfoConfig } from "./config.ts";
import type { FacilityReport, SavingsReport } from "./report.ts";

export interface FacilityContext {
  floor_area_m2: number | null;
  measure: { from: string; description: { ru: string; en?: string } } | null;
  /** Actual consumption of the reporting period per m², annualised, kWh/(m²·year). */
  actual_kwh_per_m2_year: number | null;
  /** The adjusted baseline of the same period per m², annualised: the consumption without the measure. */
  baseline_kwh_per_m2_year: number | null;
  /** The facilities of the same kind with a known area (this one included), when there are two or more. */
  peers: { kind: string; count: number; median_kwh_per_m2_year: number; rank: number } | null;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Each facility's context, by id. */
export function facilityContexts(
  report: Pick<SavingsReport, "reporting_from" | "reporting_to" | "facilities">,
  info: Readonly<Record<string, FacilityInfoConfig>>,
): Map<string, FacilityContext> {
  const years = (Date.parse(report.reporting_to) - Date.parse(report.reporting_from)) / (365 * 86_400_000);
  const out = new Map<string, FacilityContext>();
  const perM2 = (f: FacilityReport, kwh: number): number | null => {
    const area = info[f.id]?.floorAreaM2;
    return area && f.model !== null && years > 0 && Number.isFinite(kwh) ? kwh / area / years : null;
  };
  for (const f of report.facilities) {
    const i = info[f.id];
    out.set(f.id, {
      floor_area_m2: i?.floorAreaM2 ?? null,
      measure: i?.measure ?? null,
      actual_kwh_per_m2_year: perM2(f, f.actual_kwh),
      baseline_kwh_per_m2_year: perM2(f, f.baseline_kwh),
      peers: null,
    });
  }
  const byKind = new Map<string, { id: string; v: number }[]>();
  for (const f of report.facilities) {
    const v = out.get(f.id)!.actual_kwh_per_m2_year;
    if (v === null) continue;
    const group = byKind.get(f.kind) ?? [];
    group.push({ id: f.id, v });
    byKind.set(f.kind, group);
  }
  for (const [kind, group] of byKind) {
    if (group.length < 2) continue;
    const m = median(group.map((g) => g.v));
    const sorted = [...group].sort((a, b) => a.v - b.v);
    for (const g of group)
      out.get(g.id)!.peers = {
        kind,
        count: group.length,
        median_kwh_per_m2_year: m,
        rank: sorted.findIndex((s) => s.id === g.id) + 1,
      };
  }
  return out;
}

/** The report with each facility's context as fields of its own (for the JSON answer and the PDF). */
export function withContexts<R extends Pick<SavingsReport, "reporting_from" | "reporting_to" | "facilities">>(
  report: R,
  info: Readonly<Record<string, FacilityInfoConfig>>,
): R {
  const contexts = facilityContexts(report, info);
  for (const f of report.facilities) Object.assign(f, contexts.get(f.id));
  return report;
}
