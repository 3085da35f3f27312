// Recommended action and its urgency for a condition, in the advisory style
// of ISO 13374-1:2003 (condition monitoring data processing, the "advisory
// generation" block: what to do about a diagnosed state, and by when) and
// ISO 17359:2018 ("determine maintenance action" from the diagnosis and the
// estimated time to failure). The rows follow what the zones and faults mean:
// ISO 10816-21:2015 zone C ("not normally considered suitable for long-term
// continuous operation"; operate for a limited period until a suitable
// opportunity for remedial action) and zone D ("severe enough to cause
// damage"); for bearing, shaft and gear faults the common practice of
// planning an inspection at a warning and the repair at an alarm. The
// urgencies are this product's defaults, not figures of the standards: a
// service contract may set its own.
import type { Severity } from "../../common/names.ts";
import type { Lang } from "../lib/format.ts";

export const Urgencies = ["immediate", "urgent", "soon", "planned", "routine"] as const;
export type Urgency = (typeof Urgencies)[number];

/**
 * Each urgency: within how many days the action should be done (null: no
 * deadline, routine monitoring) beside its words, which say the same days.
 */
const URGENCY: Readonly<Record<Urgency, { withinDays: number | null; ru: string; en: string }>> = {
  immediate: { withinDays: 1, ru: "немедленно (в течение суток)", en: "immediate (within 24 h)" },
  urgent: { withinDays: 3, ru: "срочно (в течение 3 суток)", en: "urgent (within 3 days)" },
  soon: { withinDays: 7, ru: "в ближайшее время (в течение 7 суток)", en: "soon (within 7 days)" },
  planned: { withinDays: 30, ru: "планово (в течение 30 суток)", en: "planned (within 30 days)" },
  routine: { withinDays: null, ru: "в рабочем порядке", en: "routine" },
};

/** What each urgency is called in reports, Russian and English. */
export const UrgencyNames: Readonly<Record<Urgency, { ru: string; en: string }>> = URGENCY;

export interface Advice {
  /** A stable name of the action (for software reading the report). */
  code: string;
  urgency: Urgency;
  withinDays: number | null;
  ru: string;
  en: string;
}

type Row = { code: string; urgency: Urgency; ru: string; en: string };
const row = (code: string, urgency: Urgency, ru: string, en: string): Row => ({ code, urgency, ru, en });
/** Facility anomalies: one action whatever the severity. */
const same = (r: Row): readonly [Row, Row] => [r, r];

const BEARING_WARNING = row(
  "plan_bearing_inspection",
  "planned",
  "Подтвердить по тренду огибающей; запланировать осмотр подшипника (эндоскоп, анализ смазки) и заказать запасные части.",
  "Confirm with the envelope trend; plan a bearing inspection (borescope, grease analysis) and order spares.",
);
const BEARING_ALARM = row(
  "plan_bearing_replacement",
  "soon",
  "Запланировать замену подшипника; контроль ежедневно, при росте — снизить нагрузку.",
  "Plan the bearing replacement; check daily, reduce the load if it keeps rising.",
);

/** The table: fault → [warning, alarm]. */
export const ADVISORY: Readonly<Record<string, readonly [Row, Row]>> = {
  overall_vibration: [
    row(
      "inspect_at_next_service",
      "planned",
      "Зона C по ISO 10816-21: осмотреть узел при ближайшем обслуживании, следить за трендом еженедельно.",
      "ISO 10816-21 zone C: inspect the component at the next service, follow the trend weekly.",
    ),
    row(
      "reduce_load_and_inspect",
      "immediate",
      "Зона D по ISO 10816-21: снизить нагрузку или остановить установку, осмотреть до дальнейшей работы.",
      "ISO 10816-21 zone D: reduce the load or stop the turbine, inspect before further operation.",
    ),
  ],
  bearing_outer_race: [BEARING_WARNING, BEARING_ALARM],
  bearing_inner_race: [BEARING_WARNING, BEARING_ALARM],
  bearing_rolling_element: [BEARING_WARNING, BEARING_ALARM],
  bearing_cage: [
    BEARING_WARNING,
    row(
      "replace_bearing_cage_fault",
      "urgent",
      "Дефект сепаратора развивается быстро: заменить подшипник в течение 3 суток, до того — сниженная нагрузка.",
      "A cage defect progresses fast: replace the bearing within 3 days, at reduced load until then.",
    ),
  ],
  imbalance: [
    row(
      "plan_balancing",
      "planned",
      "Проверить массу и состояние лопастей и ротора (обледенение, повреждения), запланировать балансировку.",
      "Check the blades and rotor (ice, damage) and plan a balancing.",
    ),
    row(
      "balance_now",
      "soon",
      "Отбалансировать ротор или генератор, проверить муфту.",
      "Balance the rotor or generator and check the coupling.",
    ),
  ],
  misalignment: [
    row(
      "check_alignment",
      "planned",
      "Проверить центровку валов при ближайшем обслуживании.",
      "Check the shaft alignment at the next service.",
    ),
    row(
      "realign",
      "soon",
      "Выполнить лазерную центровку, проверить муфту и опоры.",
      "Re-align the shafts (laser alignment), check the coupling and the mounts.",
    ),
  ],
  looseness: [
    row(
      "check_mounting",
      "planned",
      "Проверить моменты затяжки и крепление узла.",
      "Check the bolt torques and the mounting of the component.",
    ),
    row(
      "fix_mounting",
      "urgent",
      "Подтянуть крепления и опоры, осмотреть на трещины.",
      "Tighten the mountings and supports, inspect for cracks.",
    ),
  ],
  gear_mesh: [
    row(
      "oil_analysis_gear_inspection",
      "planned",
      "Анализ масла (частицы износа), эндоскопический осмотр зубьев.",
      "Oil analysis (wear particles), borescope inspection of the teeth.",
    ),
    row(
      "gearbox_repair",
      "soon",
      "Осмотреть редуктор и запланировать ремонт, снизить нагрузку.",
      "Inspect the gearbox and plan its repair, reduce the load.",
    ),
  ],
  meter_missing: same(
    row(
      "check_meter_link",
      "urgent",
      "Проверить счётчик и канал связи с ним.",
      "Check the meter and its communication link.",
    ),
  ),
  meter_frozen: same(
    row(
      "check_meter",
      "urgent",
      "Проверить счётчик: регистр энергии не меняется при нагрузке.",
      "Check the meter: its energy register does not move under load.",
    ),
  ),
  demand_above_contract: same(
    row(
      "reduce_demand",
      "soon",
      "Снизить потребляемую мощность или пересмотреть договорную.",
      "Reduce the demand or review the contracted peak.",
    ),
  ),
  after_hours_load: same(
    row(
      "check_schedules",
      "planned",
      "Проверить расписания отопления, вентиляции и освещения в нерабочее время.",
      "Check the heating, ventilation and lighting schedules out of hours.",
    ),
  ),
  consumption_jump: same(
    row(
      "investigate_consumption",
      "planned",
      "Выяснить причину роста потребления, не объяснимого погодой.",
      "Find the cause of the increase the weather does not explain.",
    ),
  ),
};

const ROUTINE = row(
  "routine_monitoring",
  "routine",
  "Продолжать плановый мониторинг.",
  "Continue routine monitoring.",
);
const UNKNOWN = row(
  "inspect_unknown",
  "planned",
  "Состояние не распознано: осмотреть узел при ближайшем обслуживании.",
  "Condition not recognised: inspect the component at the next service.",
);

const advice = (r: Row): Advice => ({ ...r, withinDays: URGENCY[r.urgency].withinDays });

/** The advice for a fault at a severity (an unknown fault: an inspection at the next service). */
export function adviceFor(fault: string, severity: Severity): Advice {
  const rows = ADVISORY[fault];
  return advice(rows ? rows[severity === "alarm" ? 1 : 0] : UNKNOWN);
}

/** Nothing open: routine monitoring. */
export const routineAdvice = (): Advice => advice(ROUTINE);

/** The most urgent of several (routine when none). */
export function mostUrgent(advices: readonly Advice[]): Advice {
  let best = routineAdvice();
  for (const a of advices) if (Urgencies.indexOf(a.urgency) < Urgencies.indexOf(best.urgency)) best = a;
  return best;
}

export const adviceText = (a: Advice, lang: Lang): string => a[lang];
