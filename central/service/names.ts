// Measuring points and faults in words, for messages, work orders and
// reports: from the shared tables (common/names.ts, the facility anomalies
// of savings/alarms.ts), so the console, e-mails and PDFs call a fault the
// same.
import { Diagnoses, type Diagnosis, DiagnosisNames, TurbinePoints } from "../../common/names.ts";
import type { Lang } from "../lib/format.ts";
import { type FacilityFault, FacilityFaultNames } from "../savings/alarms.ts";
import { ControlFaultNames } from "./control-conditions.ts";

/** A measuring point in words; an unknown id as it is. */
export function pointName(point: string, lang: Lang): string {
  if (point === "meter") return lang === "ru" ? "счётчик электроэнергии" : "energy meter";
  // Own keys only: a point or fault named `constructor` or `__proto__` (they come from the edge) is unknown.
  return Object.hasOwn(TurbinePoints, point)
    ? TurbinePoints[point as keyof typeof TurbinePoints][lang]
    : point;
}

/** A fault in words; an unknown name as it is. */
export function faultName(fault: string, lang: Lang): string {
  if ((Diagnoses as readonly string[]).includes(fault)) return DiagnosisNames[fault as Diagnosis][lang];
  if (Object.hasOwn(ControlFaultNames, fault)) return ControlFaultNames[fault]![lang];
  return Object.hasOwn(FacilityFaultNames, fault) ? FacilityFaultNames[fault as FacilityFault][lang] : fault;
}
