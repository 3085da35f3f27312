// The grid check as it was before the current one, kept verbatim as the
// grid benchmark's baseline (bench/grid.bench.ts times both on the same
// sites and checks they give the same options). Its evaluatePoint built
// every option by spreading a base object and gave each reason getters of
// its own: most of its time and garbage.
import { around, distance } from "geokdbush";
import KDBush from "kdbush";
import {
  type CheckRequest,
  classIndexForKv,
  classIndexForMw,
  connectionCostRub,
  type GridOption,
  type Lang,
  type OptionStatus,
  type Reason,
  rankOptions,
} from "../../central/grid/check.ts";
import type { GridConfig, VoltageClass } from "../../central/grid/config.ts";
import { headroom } from "../../central/grid/headroom.ts";
import type { ConnectionPoint } from "../../central/grid/model.ts";

const fmtText = (n: number, lang: Lang, digits = 1): string => {
  const s = n.toFixed(digits);
  return lang === "ru" ? s.replace(".", ",").replace("-", "−") : s;
};
const kvText = (kv: number, lang: Lang) =>
  `${fmtText(kv, lang, kv < 1 ? 1 : 0)} ${lang === "ru" ? "кВ" : "kV"}`;
const mwText = (mw: number, lang: Lang) => `${fmtText(mw, lang)} ${lang === "ru" ? "МВт" : "MW"}`;
const kmText = (km: number, lang: Lang) => `${fmtText(km, lang)} ${lang === "ru" ? "км" : "km"}`;
/** Texts are made only when read: a check evaluates many candidates but words only the options it returns. */
const reason = (code: string, text: (lang: Lang) => string): Reason => ({
  code,
  get ru() {
    return text("ru");
  },
  get en() {
    return text("en");
  },
});

/** One option for one point (pure; the unit of the ranking). */
function previousEvaluatePoint(
  point: ConnectionPoint,
  request: CheckRequest,
  config: Pick<GridConfig, "voltageClasses" | "powerFactor" | "routeFactor">,
): GridOption {
  const classes = config.voltageClasses;
  const needed = classIndexForMw(request.mw, classes);
  const neededClass = classes[needed]!;
  const distance_km = distance(request.lon, request.lat, point.lon, point.lat);
  const line_km = distance_km * config.routeFactor;
  const h = headroom(point, request.kind, config.powerFactor);
  const base = {
    connection_point_id: point.id,
    name: point.name,
    operator: point.operator,
    lat: point.lat,
    lon: point.lon,
    distance_km,
    line_km,
    headroom_mw: h.mw,
    headroom_after_mw: h.mw === null ? null : h.mw - request.mw,
    headroom_source: h.source,
    reinforcement_year: point.reinforcement_year,
  };
  const reasons: Reason[] = [];
  const sizeText = (lang: Lang) =>
    lang === "ru"
      ? `для ${mwText(request.mw, lang)} нужен класс ${neededClass.label.replace("kV", "кВ")}`
      : `${mwText(request.mw, lang)} needs the ${neededClass.label} class`;

  // Voltage: the lowest bus at the point that is in the needed class or above.
  const eligible = point.voltages_kv.filter((kv) => classIndexForKv(kv, classes) >= needed);
  if (eligible.length === 0) {
    if (point.voltages_kv.length === 0) {
      reasons.push(
        reason("voltage_unknown", (l) =>
          l === "ru" ? "напряжения подстанции неизвестны" : "the point's voltages are unknown",
        ),
      );
    } else {
      const top = Math.max(...point.voltages_kv);
      reasons.push(
        reason("voltage_too_low", (l) =>
          l === "ru"
            ? `высшее напряжение ${kvText(top, l)} ниже нужного: ${sizeText(l)}`
            : `highest voltage ${kvText(top, l)} is too low: ${sizeText(l)}`,
        ),
      );
    }
    return {
      ...base,
      voltage_kv: null,
      voltage_class: null,
      cost_rub: null,
      cost_breakdown: null,
      status: "unavailable",
      reasons,
    };
  }
  const voltage_kv = Math.min(...eligible);
  const clsIndex = classIndexForKv(voltage_kv, classes);
  const cls = classes[clsIndex]!;
  if (clsIndex > needed) {
    reasons.push(
      reason("higher_voltage", (l) =>
        l === "ru"
          ? `шин класса ${neededClass.label.replace("kV", "кВ")} нет, присоединение на ${kvText(voltage_kv, l)}`
          : `no ${neededClass.label} bus, connection at ${kvText(voltage_kv, l)}`,
      ),
    );
  }

  let status: OptionStatus = "available";
  let shortfallMw = 0;
  if (h.mw === null) {
    status = "unavailable";
    reasons.push(
      reason("capacity_unknown", (l) =>
        l === "ru"
          ? "мощность неизвестна: нет данных о трансформаторах и нагрузке"
          : "capacity unknown: no transformer or load data",
      ),
    );
  } else {
    const after = h.mw - request.mw;
    const basis = (l: Lang) =>
      h.source === "operator"
        ? l === "ru"
          ? "по данным сетевой организации"
          : "operator's figure"
        : request.kind === "generation"
          ? l === "ru"
            ? `N-1, с учётом очереди ${mwText(point.generation_queue_mw, l)}`
            : `N-1, after a queue of ${mwText(point.generation_queue_mw, l)}`
          : l === "ru"
            ? `N-1, с учётом заявленной нагрузки ${mwText(point.contracted_demand_mw, l)}`
            : `N-1, after contracted demand of ${mwText(point.contracted_demand_mw, l)}`;
    if (after >= 0) {
      reasons.push(
        reason("headroom_ok", (l) =>
          l === "ru"
            ? `свободная мощность ${mwText(h.mw!, l)} (${basis(l)}), после присоединения ${mwText(after, l)}`
            : `headroom ${mwText(h.mw!, l)} (${basis(l)}), ${mwText(after, l)} left after connection`,
        ),
      );
    } else {
      status = "needs_reinforcement";
      shortfallMw = request.mw - Math.max(0, h.mw);
      reasons.push(
        reason("headroom_short", (l) =>
          l === "ru"
            ? `свободная мощность ${mwText(h.mw!, l)} (${basis(l)}) меньше ${mwText(request.mw, l)}: не хватает ${mwText(shortfallMw, l)}`
            : `headroom ${mwText(h.mw!, l)} (${basis(l)}) is less than ${mwText(request.mw, l)}: ${mwText(shortfallMw, l)} short`,
        ),
      );
      if (point.reinforcement_year !== null) {
        const year = point.reinforcement_year;
        reasons.push(
          reason("reinforcement_planned", (l) =>
            l === "ru" ? `реконструкция запланирована на ${year} г.` : `reinforcement planned for ${year}`,
          ),
        );
      }
    }
    if (h.source === "n-1" && point.transformer_mva.length === 1) {
      reasons.push(
        reason("single_transformer", (l) =>
          l === "ru" ? "один трансформатор: резерва по N-1 нет" : "one transformer: no N-1 reserve",
        ),
      );
    }
  }
  if (line_km > cls.max_line_km) {
    status = "unavailable";
    reasons.push(
      reason("too_far", (l) =>
        l === "ru"
          ? `слишком далеко: линия ≈ ${kmText(line_km, l)} при практическом пределе ${kmText(cls.max_line_km, l)} для ${kvText(voltage_kv, l)}`
          : `too far: a line of ≈ ${kmText(line_km, l)} exceeds the practical ${kmText(cls.max_line_km, l)} at ${kvText(voltage_kv, l)}`,
      ),
    );
  }
  const cost = connectionCostRub(cls, line_km, shortfallMw / config.powerFactor);
  return {
    ...base,
    voltage_kv,
    voltage_class: cls.label,
    cost_rub: cost.total,
    cost_breakdown: {
      line_rub: cost.line_rub,
      bay_rub: cost.bay_rub,
      reinforcement_rub: cost.reinforcement_rub,
    },
    status,
    reasons,
  };
}

/**
 * The previous check, kept as the baseline: geokdbush's `around` (a
 * best-first search with a priority queue of objects and a predicate
 * closure) for the needed-class candidates and again for the nearest three,
 * every candidate evaluated into an option object, all of them ranked.
 */
export class PreviousGridIndex {
  private readonly kd: KDBush;
  private readonly topClass: Int8Array;

  constructor(
    private readonly points: readonly ConnectionPoint[],
    classes: readonly VoltageClass[],
  ) {
    this.topClass = new Int8Array(points.length);
    const kd = new KDBush(points.length);
    for (const [i, p] of points.entries()) {
      kd.add(p.lon, p.lat);
      this.topClass[i] =
        p.voltages_kv.length === 0 ? -1 : classIndexForKv(Math.max(...p.voltages_kv), classes);
    }
    this.kd = kd.finish();
  }

  check(request: CheckRequest, config: GridConfig, limit: number): GridOption[] {
    const classes = config.voltageClasses;
    const needed = classIndexForMw(request.mw, classes);
    const radiusKm = Math.max(...classes.slice(needed).map((c) => c.max_line_km)) / config.routeFactor;
    const topClass = this.topClass;
    const near = around(
      this.kd,
      request.lon,
      request.lat,
      config.maxCandidates,
      radiusKm,
      (i) => topClass[i]! >= needed,
    );
    const context = around(this.kd, request.lon, request.lat, 3, radiusKm);
    const ids = [...new Set([...near, ...context])];
    return rankOptions(ids.map((i) => previousEvaluatePoint(this.points[i]!, request, config))).slice(
      0,
      limit,
    );
  }

  /** What the previous batch did per row: all options up to maxCandidates, the first and a count. */
  best(request: CheckRequest, config: GridConfig, limit: number) {
    const options = this.check(request, config, limit);
    return { best: options[0] ?? null, available: options.filter((o) => o.status === "available").length };
  }
}
