// Schedule templates per facility kind, with the exception calendar a
// facility of that kind keeps: the public holidays of the Russian Federation
// (Labour Code, article 112) and, for schools, the school vacations. A
// template is a starting point the energy manager edits and assigns; it only
// names points the facility's agent declared, never a critical one, and
// keeps every value within the point's limits.
import type { ControlPointDecl, Schedule, ScheduleEntry } from "../../common/control.ts";
import type { AssetKind } from "../../common/names.ts";

type FacilityKind = Exclude<AssetKind, "turbine">;
type Exception = Schedule["exceptions"][number];

const pad = (n: number) => String(n).padStart(2, "0");
const ymd = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;
/** ISO weekday of a date (1 Monday … 7 Sunday). */
const weekday = (y: number, m: number, d: number) =>
  ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7) + 1;
const addDays = (y: number, m: number, d: number, n: number): string =>
  new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);

/**
 * Non-working public holidays of a year (Labour Code of the Russian
 * Federation, art. 112 part 1): 1–6 and 8 January (New Year holidays),
 * 7 January (Christmas), 23 February, 8 March, 1 May, 9 May, 12 June,
 * 4 November. A holiday on a Saturday or Sunday moves to the next working
 * day (part 2; not the January ones). The government's yearly decree may
 * move more days (weekend transfers): those are added by hand.
 */
export function russianPublicHolidays(year: number): Exception[] {
  const out: Exception[] = [
    {
      from: ymd(year, 1, 1),
      to: ymd(year, 1, 8),
      name: "Новогодние каникулы и Рождество / New Year holidays",
    },
  ];
  const single: [number, number, string][] = [
    [2, 23, "День защитника Отечества / Defender of the Fatherland Day"],
    [3, 8, "Международный женский день / International Women's Day"],
    [5, 1, "Праздник Весны и Труда / Spring and Labour Day"],
    [5, 9, "День Победы / Victory Day"],
    [6, 12, "День России / Russia Day"],
    [11, 4, "День народного единства / Unity Day"],
  ];
  for (const [m, d, name] of single) {
    const wd = weekday(year, m, d);
    // Saturday → the Monday after; Sunday → the Monday after.
    const to = wd === 6 ? addDays(year, m, d, 2) : wd === 7 ? addDays(year, m, d, 1) : ymd(year, m, d);
    out.push({ from: ymd(year, m, d), to, name });
  }
  return out;
}

/**
 * School vacations as most regions set them (the school's own order governs:
 * edit these): autumn from the last week of October to 4 November, winter
 * over the New Year, spring the last week of March, summer June to August.
 */
export function schoolVacations(year: number): Exception[] {
  return [
    { from: ymd(year, 1, 1), to: ymd(year, 1, 11), name: "Зимние каникулы / Winter vacation" },
    { from: ymd(year, 3, 23), to: ymd(year, 3, 31), name: "Весенние каникулы / Spring vacation" },
    { from: ymd(year, 6, 1), to: ymd(year, 8, 31), name: "Летние каникулы / Summer vacation" },
    { from: ymd(year, 10, 26), to: ymd(year, 11, 4), name: "Осенние каникулы / Autumn vacation" },
    { from: ymd(year, 12, 29), to: ymd(year, 12, 31), name: "Зимние каникулы / Winter vacation" },
  ];
}

const WEEKDAYS = [1, 2, 3, 4, 5];

/** `value` in the weekdays' hours and Saturday's, `otherwise` outside them. */
const weekAndSaturday = (
  weekdays: [string, string],
  saturday: [string, string],
  value: number,
  otherwise: number,
) => ({
  entries: [
    { days: WEEKDAYS, from: weekdays[0], to: weekdays[1], value },
    { days: [6], from: saturday[0], to: saturday[1], value },
  ],
  otherwise,
});

type PointPlan = { entries: ScheduleEntry[]; otherwise: number };

/** The heating set-point follows `heating`; lighting and ventilation follow `occupancy` (1 on, 0 off). */
const heatingAndOccupancy =
  (heating: PointPlan, occupancy: PointPlan) =>
  (point: string): PointPlan | null =>
    point === "heating_setpoint_c"
      ? heating
      : point === "lighting" || point === "ventilation"
        ? occupancy
        : null;

/** Occupied hours and values of each kind, per point name. */
const TEMPLATES: Record<FacilityKind, { entries: (point: string) => PointPlan | null; school: boolean }> = {
  // Lessons and after-school hours on weekdays, Saturday mornings; 21 °C in
  // the band SanPiN 1.2.3685-21 sets for classrooms (18–24 °C), set back to 16 °C.
  school: {
    school: true,
    entries: heatingAndOccupancy(
      weekAndSaturday(["06:30", "18:00"], ["07:30", "14:00"], 21, 16),
      weekAndSaturday(["07:00", "18:00"], ["08:00", "14:00"], 1, 0),
    ),
  },
  // An outpatient clinic: weekdays 07:00–20:00, Saturday 08:00–14:00.
  clinic: {
    school: false,
    entries: heatingAndOccupancy(
      weekAndSaturday(["06:30", "20:00"], ["07:30", "14:00"], 21, 17),
      weekAndSaturday(["07:00", "20:00"], ["08:00", "14:00"], 1, 0),
    ),
  },
  // In-patient care never sets back heating; only the administrative zones' lighting follows office hours.
  hospital: {
    school: false,
    entries: (point) =>
      point === "lighting"
        ? { entries: [{ days: WEEKDAYS, from: "08:00", to: "18:00", value: 1 }], otherwise: 0 }
        : null,
  },
};

const clamp = (d: ControlPointDecl, v: number) => Math.min(d.max, Math.max(d.min, v));

/** The template of a facility kind for its declared points, with the exceptions of `years`. */
export function scheduleTemplate(
  kind: AssetKind,
  declarations: readonly ControlPointDecl[],
  timeZone: string,
  years: readonly number[],
): Schedule | null {
  if (kind === "turbine") return null;
  const t = TEMPLATES[kind];
  const points: Schedule["points"] = [];
  for (const d of declarations) {
    if (d.critical || d.states) continue;
    const e = t.entries(d.point);
    if (!e) continue;
    points.push({
      point: d.point,
      entries: e.entries.map((x) => ({ ...x, value: clamp(d, x.value) })),
      otherwise: clamp(d, e.otherwise),
    });
  }
  const exceptions = years.flatMap((y) => [
    ...russianPublicHolidays(y),
    ...(t.school ? schoolVacations(y) : []),
  ]);
  return { timeZone, template: kind, points, exceptions };
}
