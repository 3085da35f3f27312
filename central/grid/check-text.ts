// Wording of the site check's reasons (check.ts), Russian and English side
// by side: one entry per reason code, each taking its figures already
// written with the units below. The words for N-1, headroom and the
// operator's figure are those of the /map page (central/ui/map/texts.js) and
// the answer's PDF (answer-text.ts).
import { both, byLanguage, type InLanguage } from "../lib/catalogue.ts";

const CATALOGUE = {
  /**
   * A figure to `digits` decimals, without digit grouping. Russian: decimal
   * comma and a true minus sign (U+2212).
   */
  number: both(
    (n: number, digits: number) => n.toFixed(digits).replace(".", ",").replace("-", "−"),
    (n, digits) => n.toFixed(digits),
  ),
  kv: both("кВ", "kV"),
  mw: both("МВт", "MW"),
  km: both("км", "km"),
  /** A voltage-class label of the configuration ("110 kV") in the language. */
  classLabel: both(
    (label: string) => label.replace("kV", "кВ"),
    (label) => label,
  ),
  /** What a site of `mw` needs: part of voltage_too_low. */
  size: both(
    (mw: string, cls: string) => `для ${mw} нужен класс ${cls}`,
    (mw, cls) => `${mw} needs the ${cls} class`,
  ),
  /** Where a headroom figure comes from. */
  basisOperator: both("по данным сетевой организации", "operator's figure"),
  basisQueue: both(
    (queue: string) => `N-1, с учётом очереди ${queue}`,
    (queue) => `N-1, after a queue of ${queue}`,
  ),
  basisContracted: both(
    (contracted: string) => `N-1, с учётом заявленной нагрузки ${contracted}`,
    (contracted) => `N-1, after contracted demand of ${contracted}`,
  ),
  voltageUnknown: both("напряжения подстанции неизвестны", "the point's voltages are unknown"),
  voltageTooLow: both(
    (top: string, size: string) => `высшее напряжение ${top} ниже нужного: ${size}`,
    (top, size) => `highest voltage ${top} is too low: ${size}`,
  ),
  higherVoltage: both(
    (cls: string, kv: string) => `шин класса ${cls} нет, присоединение на ${kv}`,
    (cls, kv) => `no ${cls} bus, connection at ${kv}`,
  ),
  capacityUnknown: both(
    "мощность неизвестна: нет данных о трансформаторах и нагрузке",
    "capacity unknown: no transformer or load data",
  ),
  headroomOk: both(
    (headroom: string, basis: string, after: string) =>
      `свободная мощность ${headroom} (${basis}), после присоединения ${after}`,
    (headroom, basis, after) => `headroom ${headroom} (${basis}), ${after} left after connection`,
  ),
  headroomShort: both(
    (headroom: string, basis: string, site: string, shortfall: string) =>
      `свободная мощность ${headroom} (${basis}) меньше ${site}: не хватает ${shortfall}`,
    (headroom, basis, site, shortfall) =>
      `headroom ${headroom} (${basis}) is less than ${site}: ${shortfall} short`,
  ),
  reinforcementPlanned: both(
    (year: number) => `реконструкция запланирована на ${year} г.`,
    (year) => `reinforcement planned for ${year}`,
  ),
  singleTransformer: both("один трансформатор: резерва по N-1 нет", "one transformer: no N-1 reserve"),
  tooFar: both(
    (line: string, max: string, kv: string) =>
      `слишком далеко: линия ≈ ${line} при практическом пределе ${max} для ${kv}`,
    (line, max, kv) => `too far: a line of ≈ ${line} exceeds the practical ${max} at ${kv}`,
  ),
};

export type CheckText = InLanguage<typeof CATALOGUE>;

export const CHECK_TEXT = byLanguage(CATALOGUE);
