// Wording of the site check's reasons (check.ts), Russian and English: one
// entry per reason code, each taking its figures already written with the
// units below. The words for N-1, headroom and the operator's figure are
// those of the /map page (central/ui/map/texts.js) and the answer's PDF
// (answer-text.ts).
import type { Lang } from "../lib/format.ts";

export interface CheckText {
  /**
   * A figure to `digits` decimals, without digit grouping. Russian: decimal
   * comma and a true minus sign (U+2212).
   */
  number: (n: number, digits: number) => string;
  kv: string;
  mw: string;
  km: string;
  /** A voltage-class label of the configuration ("110 kV") in the language. */
  classLabel: (label: string) => string;
  /** What a site of `mw` needs: part of voltage_too_low. */
  size: (mw: string, classLabel: string) => string;
  /** Where a headroom figure comes from. */
  basisOperator: string;
  basisQueue: (queueMw: string) => string;
  basisContracted: (contractedMw: string) => string;
  voltageUnknown: string;
  voltageTooLow: (topKv: string, size: string) => string;
  higherVoltage: (classLabel: string, kv: string) => string;
  capacityUnknown: string;
  headroomOk: (headroomMw: string, basis: string, afterMw: string) => string;
  headroomShort: (headroomMw: string, basis: string, siteMw: string, shortfallMw: string) => string;
  reinforcementPlanned: (year: number) => string;
  singleTransformer: string;
  tooFar: (lineKm: string, maxKm: string, kv: string) => string;
}

const ru: CheckText = {
  number: (n, digits) => n.toFixed(digits).replace(".", ",").replace("-", "−"),
  kv: "кВ",
  mw: "МВт",
  km: "км",
  classLabel: (label) => label.replace("kV", "кВ"),
  size: (mw, cls) => `для ${mw} нужен класс ${cls}`,
  basisOperator: "по данным сетевой организации",
  basisQueue: (queue) => `N-1, с учётом очереди ${queue}`,
  basisContracted: (contracted) => `N-1, с учётом заявленной нагрузки ${contracted}`,
  voltageUnknown: "напряжения подстанции неизвестны",
  voltageTooLow: (top, size) => `высшее напряжение ${top} ниже нужного: ${size}`,
  higherVoltage: (cls, kv) => `шин класса ${cls} нет, присоединение на ${kv}`,
  capacityUnknown: "мощность неизвестна: нет данных о трансформаторах и нагрузке",
  headroomOk: (headroom, basis, after) =>
    `свободная мощность ${headroom} (${basis}), после присоединения ${after}`,
  headroomShort: (headroom, basis, site, shortfall) =>
    `свободная мощность ${headroom} (${basis}) меньше ${site}: не хватает ${shortfall}`,
  reinforcementPlanned: (year) => `реконструкция запланирована на ${year} г.`,
  singleTransformer: "один трансформатор: резерва по N-1 нет",
  tooFar: (line, max, kv) => `слишком далеко: линия ≈ ${line} при практическом пределе ${max} для ${kv}`,
};

const en: CheckText = {
  number: (n, digits) => n.toFixed(digits),
  kv: "kV",
  mw: "MW",
  km: "km",
  classLabel: (label) => label,
  size: (mw, cls) => `${mw} needs the ${cls} class`,
  basisOperator: "operator's figure",
  basisQueue: (queue) => `N-1, after a queue of ${queue}`,
  basisContracted: (contracted) => `N-1, after contracted demand of ${contracted}`,
  voltageUnknown: "the point's voltages are unknown",
  voltageTooLow: (top, size) => `highest voltage ${top} is too low: ${size}`,
  higherVoltage: (cls, kv) => `no ${cls} bus, connection at ${kv}`,
  capacityUnknown: "capacity unknown: no transformer or load data",
  headroomOk: (headroom, basis, after) => `headroom ${headroom} (${basis}), ${after} left after connection`,
  headroomShort: (headroom, basis, site, shortfall) =>
    `headroom ${headroom} (${basis}) is less than ${site}: ${shortfall} short`,
  reinforcementPlanned: (year) => `reinforcement planned for ${year}`,
  singleTransformer: "one transformer: no N-1 reserve",
  tooFar: (line, max, kv) => `too far: a line of ≈ ${line} exceeds the practical ${max} at ${kv}`,
};

export const CHECK_TEXT: Record<Lang, CheckText> = { ru, en };
