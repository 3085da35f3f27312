// Measuring points, faults and control events in words, for the console,
// messages, work orders and reports: from the shared tables (common/names.ts,
// the facility anomalies of savings/alarms.ts, control's faults), so the
// console, e-mails and PDFs call a fault the same.
import type { ControlEvent } from "../../common/control.ts";
import { Diagnoses, DiagnosisNames, TurbinePoints } from "../../common/names.ts";
import type { Lang } from "../lib/format.ts";
import { FacilityFaultNames, FacilityFaults } from "../savings/alarms.ts";
import type { ConditionKind } from "./alarm-filter.ts";
import { COMFORT_FAULT } from "./comfort.ts";
import { ControlFaultNames, WRITE_FAILED_FAULT } from "./control-conditions.ts";

type Named = { readonly ru: string; readonly en: string };

/** Every fault an alarm may carry, by the kind of condition that raises it (the evaluator's sources). */
export const FaultsOfKind: Readonly<Record<ConditionKind, readonly string[]>> = {
  zone: ["overall_vibration"], // ISO 10816-21 zone of a turbine's point (conditions.ts)
  diagnosis: Diagnoses,
  facility: FacilityFaults,
  comfort: [COMFORT_FAULT],
  control: [WRITE_FAILED_FAULT],
};

/** Every fault in words: what the console loads as `/ui/names.js` and messages and reports use. */
export const FaultNames: Readonly<Record<string, Named>> = {
  ...DiagnosisNames,
  ...FacilityFaultNames,
  ...ControlFaultNames,
};

/** What the edge's control events are called (an interlock holding or releasing its point, a shed, a write failure…). */
export const ControlEventNames: Readonly<Record<ControlEvent["kind"], Named>> = {
  transition: { ru: "переход по расписанию", en: "schedule transition" },
  shed: { ru: "отключение нагрузки", en: "load shed" },
  restore: { ru: "возврат нагрузки", en: "load restored" },
  manual_override: { ru: "ручное изменение на месте", en: "manual change at the device" },
  write_failed: ControlFaultNames[WRITE_FAILED_FAULT]!,
  refused: { ru: "команда отклонена", en: "command refused" },
  interlock: { ru: "блокировка безопасности", en: "safety interlock" },
  write_restored: { ru: "запись восстановлена", en: "write restored" },
};

/** A facility's points that alarms name: the meter (anomalies) and the room's air (comfort). */
export const FacilityPointNames: Readonly<Record<string, Named>> = {
  meter: { ru: "счётчик электроэнергии", en: "energy meter" },
  indoor_temp_c: { ru: "температура в помещении", en: "indoor temperature" },
};

/** A measuring point in words; an unknown id as it is. */
export function pointName(point: string, lang: Lang): string {
  // Own keys only: a point or fault named `constructor` or `__proto__` (they come from the edge) is unknown.
  if (Object.hasOwn(FacilityPointNames, point)) return FacilityPointNames[point]![lang];
  return Object.hasOwn(TurbinePoints, point)
    ? TurbinePoints[point as keyof typeof TurbinePoints][lang]
    : point;
}

/** A fault in words; an unknown name as it is. */
export function faultName(fault: string, lang: Lang): string {
  return Object.hasOwn(FaultNames, fault) ? FaultNames[fault]![lang] : fault;
}
