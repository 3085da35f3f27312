// Wording of the grid answer's PDF (answer-pdf.ts), Russian and English. The
// explanations of N-1, headroom after connection and the cost are those of
// the /map page (central/ui/map/texts.js), so the paper and the screen say
// the same.
import type { Lang } from "../lib/format.ts";
import type { OptionStatus } from "./check.ts";
import type { Kind } from "./model.ts";

export interface AnswerText {
  title: string;
  subtitle: string;
  illustrative: string;
  site: string;
  north: string;
  south: string;
  east: string;
  west: string;
  nearest: string;
  nearestValue: (name: string, km: string) => string;
  nearestNone: string;
  size: string;
  mw: string;
  kv: string;
  kind: Record<Kind, string>;
  voltageClass: string;
  generated: string;
  data: string;
  answer: string;
  noOptions: string;
  noneSuitable: string;
  bestSentence: (name: string, status: string, kv: string, km: string, after: string, mln: string) => string;
  mapNote: string;
  compare: string;
  col: Record<"name" | "status" | "voltage" | "distance" | "line" | "headroom" | "after" | "cost", string>;
  status: Record<OptionStatus, string>;
  reasons: string;
  explainTitle: string;
  glossary: [string, string][];
  assumptionsTitle: string;
  values: (cosPhi: string, route: string, cls: string) => string;
  classValues: (cls: string, lineMln: string, bayMln: string, mvaMln: string, maxKm: string) => string;
  notBinding: string;
  page: (n: number, of: number) => string;
}

const ru: AnswerText = {
  title: "Предварительная оценка технологического присоединения",
  subtitle: "По данным карты свободной мощности Vetra",
  illustrative:
    "Условные (иллюстративные) данные: расположение и мощности придуманы для демонстрации, это не данные сетевой организации.",
  site: "Площадка",
  north: "с. ш.",
  south: "ю. ш.",
  east: "в. д.",
  west: "з. д.",
  nearest: "Ближайший населённый пункт",
  nearestValue: (name, km) => `${name}, ${km} км`,
  nearestNone: "нет в пределах 50 км",
  size: "Мощность и вид",
  mw: "МВт",
  kv: "кВ",
  kind: { generation: "генерация (выдача мощности в сеть)", demand: "потребление" },
  voltageClass: "Нужный класс напряжения",
  generated: "Сформировано",
  data: "Данные о сети",
  answer: "Ответ",
  noOptions:
    "Поблизости нет центров питания нужного класса напряжения: площадка вне района, для которого есть данные о сети.",
  noneSuitable:
    "Подходящего варианта нет: ни один центр питания поблизости не может принять эту мощность без новых решений (причины — ниже).",
  bestSentence: (name, status, kv, km, after, mln) =>
    `Лучший вариант — ${name} (${status}): присоединение на ${kv} кВ, ${km} км по прямой; свободная мощность после присоединения ${after} МВт; ориентировочная стоимость ${mln} млн руб.`,
  mapNote:
    "Площадка — белый круг; варианты пронумерованы, линии — расстояние по прямой (сплошная: доступно; пунктир: нужно усиление или недоступно).",
  compare: "Сравнение вариантов",
  col: {
    name: "Центр питания",
    status: "Статус",
    voltage: "Напряжение, кВ",
    distance: "Расстояние, км",
    line: "Длина ЛЭП ≈, км",
    headroom: "Свободно сейчас, МВт",
    after: "После присоединения, МВт",
    cost: "Стоимость ≈, млн руб.",
  },
  status: { available: "доступно", needs_reinforcement: "нужно усиление", unavailable: "недоступно" },
  reasons: "Причины по вариантам",
  explainTitle: "Что означают цифры",
  glossary: [
    [
      "Критерий N-1",
      "Подстанция должна выдержать отключение одного (наибольшего) трансформатора: оставшиеся трансформаторы несут всю нагрузку. Поэтому свободная мощность считается без наибольшего трансформатора — это «надёжная» мощность.",
    ],
    [
      "Свободная мощность и «после присоединения»",
      "Свободно — сколько мегаватт центр питания может принять сейчас (по данным сетевой организации или по критерию N-1). После присоединения — что останется, если подключить вашу площадку. Отрицательное число — нехватка: нужно усиление.",
    ],
    [
      "Ориентировочная стоимость",
      "Строительство линии (длина по прямой × коэффициент обходов × цена за км для класса напряжения) + ячейка на подстанции + усиление трансформаторов при нехватке мощности. Это порядок затрат для сравнения вариантов, не сметная стоимость и не плата за присоединение.",
    ],
    [
      "Статус",
      "Доступно — мощности хватает; нужно усиление — не хватает, нужна реконструкция; недоступно — нет шины нужного напряжения, линия слишком длинная или мощность неизвестна.",
    ],
  ],
  assumptionsTitle: "Допущения",
  values: (cosPhi, route, cls) =>
    `Значения в расчёте: cos φ = ${cosPhi}; коэффициент обходов трассы ${route}. ${cls}`,
  classValues: (cls, line, bay, mva, maxKm) =>
    `Класс ${cls}: ЛЭП ${line} млн руб./км, ячейка ${bay} млн руб., усиление ${mva} млн руб./МВА, линия не длиннее ${maxKm} км.`,
  notBinding:
    "Оценка предварительная и не заменяет технические условия сетевой организации (Правила технологического присоединения, ПП РФ № 861).",
  page: (n, of) => `Стр. ${n} из ${of}`,
};

const en: AnswerText = {
  title: "Preliminary grid-connection assessment",
  subtitle: "From the Vetra grid-connection capacity map",
  illustrative:
    "Illustrative data: positions and capacities are invented for the demo; these are not an operator's figures.",
  site: "Site",
  north: "N",
  south: "S",
  east: "E",
  west: "W",
  nearest: "Nearest settlement",
  nearestValue: (name, km) => `${name}, ${km} km`,
  nearestNone: "none within 50 km",
  size: "Size and kind",
  mw: "MW",
  kv: "kV",
  kind: { generation: "generation (export to the grid)", demand: "demand" },
  voltageClass: "Voltage class needed",
  generated: "Generated",
  data: "Grid data",
  answer: "Answer",
  noOptions:
    "No connection point of the needed voltage class nearby: the site is outside the area the grid data cover.",
  noneSuitable:
    "No suitable option: no connection point nearby can take this size without new works (reasons below).",
  bestSentence: (name, status, kv, km, after, mln) =>
    `Best option: ${name} (${status}): connection at ${kv} kV, ${km} km in a straight line; headroom after connection ${after} MW; indicative cost ${mln} M RUB.`,
  mapNote:
    "The site is the white circle; options are numbered, lines are straight distances (solid: available; dashed: needs reinforcement or unavailable).",
  compare: "Options side by side",
  col: {
    name: "Connection point",
    status: "Status",
    voltage: "Voltage, kV",
    distance: "Distance, km",
    line: "Line ≈, km",
    headroom: "Headroom now, MW",
    after: "After connection, MW",
    cost: "Cost ≈, M RUB",
  },
  status: { available: "available", needs_reinforcement: "needs reinforcement", unavailable: "unavailable" },
  reasons: "Reasons by option",
  explainTitle: "What the figures mean",
  glossary: [
    [
      "N-1 criterion",
      "A substation must withstand the loss of one (the largest) transformer: the remaining ones carry the whole load. Headroom is therefore counted without the largest transformer — the firm capacity.",
    ],
    [
      "Headroom, and headroom after connection",
      "Headroom: how many megawatts the connection point can take now (the operator's figure or the N-1 criterion). After connection: what is left once your site is connected. A negative figure is a shortfall: reinforcement is needed.",
    ],
    [
      "Indicative cost",
      "Building the line (straight distance × detour allowance × cost per km of the voltage class) + a line bay at the substation + transformer reinforcement where capacity falls short. An order of magnitude for comparing options, not an estimate of works nor the connection fee.",
    ],
    [
      "Status",
      "Available: capacity suffices; needs reinforcement: it does not, works are needed; unavailable: no bus of the needed voltage, the line would be too long, or the capacity is unknown.",
    ],
  ],
  assumptionsTitle: "Assumptions",
  values: (cosPhi, route, cls) => `Values used: cos φ = ${cosPhi}; route detour factor ${route}. ${cls}`,
  classValues: (cls, line, bay, mva, maxKm) =>
    `Class ${cls}: line ${line} M RUB/km, bay ${bay} M RUB, reinforcement ${mva} M RUB/MVA, line at most ${maxKm} km.`,
  notBinding:
    "A preliminary assessment; it does not replace the grid operator's technical conditions (Russian connection rules, Government Decree No. 861).",
  page: (n, of) => `Page ${n} of ${of}`,
};

export const ANSWER_TEXT: Record<Lang, AnswerText> = { ru, en };
