// The site check: for a site (lat, lon), a size (MW) and a kind
// (generation | demand), the connection options at nearby points — voltage
// class suited to the size, distance, headroom before and after, an
// indicative cost, a status and the reasons in plain words (ru/en).

import { distance } from "geokdbush";
import KDBush from "kdbush";
import type { Lang } from "../lib/format.ts";
import { CHECK_TEXT } from "./check-text.ts";
import type { GridConfig, VoltageClass } from "./config.ts";
import { type HeadroomSource, headroom } from "./headroom.ts";
import type { ConnectionPoint, GridSet, Kind } from "./model.ts";
import { kmFromHaverSin, NearestSearch } from "./search.ts";

export type OptionStatus = "available" | "needs_reinforcement" | "unavailable";
export type { Lang };

export interface CheckRequest {
  lat: number;
  lon: number;
  mw: number;
  kind: Kind;
}

export interface Reason {
  code: string;
  ru: string;
  en: string;
}

export interface GridOption {
  connection_point_id: string;
  name: string;
  operator: string | null;
  lat: number;
  lon: number;
  /** The bus voltage the site would connect at; null when the point's voltages are unknown. */
  voltage_kv: number | null;
  voltage_class: string | null;
  /** Great-circle distance, km. */
  distance_km: number;
  /** Estimated line route length (distance × route factor), km. */
  line_km: number;
  /** Headroom for this kind before the site, MW (null: unknown). */
  headroom_mw: number | null;
  /** … and after it. */
  headroom_after_mw: number | null;
  headroom_source: HeadroomSource;
  /** Line + bay + reinforcement, RUB; null when no voltage to price at. */
  cost_rub: number | null;
  cost_breakdown: { line_rub: number; bay_rub: number; reinforcement_rub: number } | null;
  status: OptionStatus;
  reinforcement_year: number | null;
  reasons: Reason[];
}

/** The class a site of `mw` needs: the first whose max_mw it does not exceed. */
export function classIndexForMw(mw: number, classes: readonly VoltageClass[]): number {
  const i = classes.findIndex((c) => c.max_mw === undefined || mw <= c.max_mw);
  return i >= 0 ? i : classes.length - 1;
}

/** The class a bus voltage belongs to: the last whose min_kv it reaches (−1 below all). */
export function classIndexForKv(kv: number, classes: readonly VoltageClass[]): number {
  let found = -1;
  for (const [i, c] of classes.entries()) if (kv >= c.min_kv) found = i;
  return found;
}

/** Indicative cost of connecting at a voltage class over a route of `lineKm`. */
export function connectionCostRub(
  cls: VoltageClass,
  lineKm: number,
  reinforcementMva: number,
): { line_rub: number; bay_rub: number; reinforcement_rub: number; total: number } {
  const line_rub = lineKm * cls.line_rub_per_km;
  const reinforcement_rub = Math.max(0, reinforcementMva) * cls.transformer_rub_per_mva;
  return {
    line_rub,
    bay_rub: cls.bay_rub,
    reinforcement_rub,
    total: line_rub + cls.bay_rub + reinforcement_rub,
  };
}

const kvText = (kv: number, l: Lang) => `${CHECK_TEXT[l].number(kv, kv < 1 ? 1 : 0)} ${CHECK_TEXT[l].kv}`;
const mwText = (mw: number, l: Lang) => `${CHECK_TEXT[l].number(mw, 1)} ${CHECK_TEXT[l].mw}`;
const kmText = (km: number, l: Lang) => `${CHECK_TEXT[l].number(km, 1)} ${CHECK_TEXT[l].km}`;
const classText = (cls: VoltageClass, l: Lang) => CHECK_TEXT[l].classLabel(cls.label);
// The words below are module-level functions and the texts inline arrows:
// tsx and the build (deploy/build.ts) run esbuild with keepNames
// (https://esbuild.github.io/api/#keep-names), which wraps a named function
// made inside a call in __name(), a defineProperty and its garbage per
// candidate, per check.
const sizeText = (l: Lang, mw: number, neededClass: VoltageClass) =>
  CHECK_TEXT[l].size(mwText(mw, l), classText(neededClass, l));
const basis = (l: Lang, source: HeadroomSource, kind: Kind, point: ConnectionPoint) =>
  source === "operator"
    ? CHECK_TEXT[l].basisOperator
    : kind === "generation"
      ? CHECK_TEXT[l].basisQueue(mwText(point.generation_queue_mw, l))
      : CHECK_TEXT[l].basisContracted(mwText(point.contracted_demand_mw, l));

/**
 * A reason whose texts are made only when read (a batch reads one language
 * of its best option's only). The getters live on the class's prototype,
 * shared by every reason: getters on each reason object
 * (bench/baselines/grid-check.ts) were most of that check's time and garbage
 * in bench/grid.bench.ts, which also counts the server's full garbage
 * collections.
 */
class LazyReason implements Reason {
  readonly code: string;
  readonly #text: (lang: Lang) => string;
  constructor(code: string, text: (lang: Lang) => string) {
    this.code = code;
    this.#text = text;
  }
  get ru(): string {
    return this.#text("ru");
  }
  get en(): string {
    return this.#text("en");
  }
  toJSON(): Reason {
    return { code: this.code, ru: this.ru, en: this.en };
  }
}
const reason = (code: string, text: (lang: Lang) => string): Reason => new LazyReason(code, text);

/** One option for one point (pure; the unit of the ranking). */
export function evaluatePoint(
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
  // One object literal with every field, filled in below: an option spread
  // from a base object (bench/baselines/grid-check.ts) took ~15× the time of
  // the rest of the evaluation and made most of a check's garbage
  // (bench/grid.bench.ts).
  const option: GridOption = {
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
    voltage_kv: null,
    voltage_class: null,
    cost_rub: null,
    cost_breakdown: null,
    status: "unavailable",
    reasons: [],
  };
  const reasons = option.reasons;

  // Voltage: the lowest bus at the point that is in the needed class or above.
  const eligible = point.voltages_kv.filter((kv) => classIndexForKv(kv, classes) >= needed);
  if (eligible.length === 0) {
    if (point.voltages_kv.length === 0) {
      reasons.push(reason("voltage_unknown", (l) => CHECK_TEXT[l].voltageUnknown));
    } else {
      const top = point.voltages_kv.reduce((a, b) => Math.max(a, b));
      reasons.push(
        reason("voltage_too_low", (l) =>
          CHECK_TEXT[l].voltageTooLow(kvText(top, l), sizeText(l, request.mw, neededClass)),
        ),
      );
    }
    return option;
  }
  const voltage_kv = eligible.reduce((a, b) => Math.min(a, b));
  const clsIndex = classIndexForKv(voltage_kv, classes);
  const cls = classes[clsIndex]!;
  if (clsIndex > needed) {
    reasons.push(
      reason("higher_voltage", (l) =>
        CHECK_TEXT[l].higherVoltage(classText(neededClass, l), kvText(voltage_kv, l)),
      ),
    );
  }

  let status: OptionStatus = "available";
  let shortfallMw = 0;
  if (h.mw === null) {
    status = "unavailable";
    reasons.push(reason("capacity_unknown", (l) => CHECK_TEXT[l].capacityUnknown));
  } else {
    const after = h.mw - request.mw;
    const source = h.source;
    if (after >= 0) {
      reasons.push(
        reason("headroom_ok", (l) =>
          CHECK_TEXT[l].headroomOk(mwText(h.mw!, l), basis(l, source, request.kind, point), mwText(after, l)),
        ),
      );
    } else {
      status = "needs_reinforcement";
      shortfallMw = request.mw - Math.max(0, h.mw);
      reasons.push(
        reason("headroom_short", (l) =>
          CHECK_TEXT[l].headroomShort(
            mwText(h.mw!, l),
            basis(l, source, request.kind, point),
            mwText(request.mw, l),
            mwText(shortfallMw, l),
          ),
        ),
      );
      if (point.reinforcement_year !== null) {
        const year = point.reinforcement_year;
        reasons.push(reason("reinforcement_planned", (l) => CHECK_TEXT[l].reinforcementPlanned(year)));
      }
    }
    if (h.source === "n-1" && point.transformer_mva.length === 1) {
      reasons.push(reason("single_transformer", (l) => CHECK_TEXT[l].singleTransformer));
    }
  }
  if (line_km > cls.max_line_km) {
    status = "unavailable";
    reasons.push(
      reason("too_far", (l) =>
        CHECK_TEXT[l].tooFar(kmText(line_km, l), kmText(cls.max_line_km, l), kvText(voltage_kv, l)),
      ),
    );
  }
  const cost = connectionCostRub(cls, line_km, shortfallMw / config.powerFactor);
  option.voltage_kv = voltage_kv;
  option.voltage_class = cls.label;
  option.cost_rub = cost.total;
  option.cost_breakdown = {
    line_rub: cost.line_rub,
    bay_rub: cost.bay_rub,
    reinforcement_rub: cost.reinforcement_rub,
  };
  option.status = status;
  return option;
}

/** Ranking: feasible options (available or needing reinforcement) by cost, then unavailable ones by distance. */
export function rankOptions(options: GridOption[]): GridOption[] {
  const feasible = options.filter((o) => o.status !== "unavailable");
  const unavailable = options.filter((o) => o.status === "unavailable");
  feasible.sort(
    (a, b) => (a.cost_rub ?? Infinity) - (b.cost_rub ?? Infinity) || a.distance_km - b.distance_km,
  );
  unavailable.sort((a, b) => a.distance_km - b.distance_km);
  return [...feasible, ...unavailable];
}

/** Status codes of the ranking's scratch arrays. */
const AVAILABLE = 0;
const NEEDS_REINFORCEMENT = 1;
const UNAVAILABLE = 2;

/** Candidates examined besides the needed-class ones: the nearest of any class, for the "why not". */
const CONTEXT_CANDIDATES = 3;

/**
 * The connection set with its spatial index (kdbush over lon/lat) and what a
 * check needs per point, computed once when the set is loaded: the highest
 * voltage class, the headroom for each kind, and for each needed class the
 * class of the bus a site would connect at. A check then searches the index
 * without allocating (`NearestSearch`), ranks the candidates on numbers in
 * reused typed arrays with exactly the rules of `evaluatePoint` and
 * `rankOptions`, and builds option objects (with their words) only for the
 * options it returns.
 */
export class GridIndex {
  readonly set: GridSet;
  private readonly kd: KDBush | null;
  private readonly search: NearestSearch | null;
  /** Per point: the highest voltage class of its buses, −1 when voltages are unknown. */
  private readonly topClass: Int8Array;
  private readonly byId: Map<string, ConnectionPoint>;

  // Per-point evaluation tables, for one (voltage classes, power factor); rebuilt if a check brings others.
  private tablesFor: { classes: readonly VoltageClass[]; powerFactor: number } | null = null;
  /** Headroom for generation / demand, MW; NaN when unknown. */
  private headroomGeneration = new Float64Array(0);
  private headroomDemand = new Float64Array(0);
  /** [needed class × points + point]: class of the lowest bus at or above the needed class, −1 when none. */
  private busClass = new Int8Array(0);

  // Ranking scratch, reused by every check.
  private candidate = new Int32Array(0);
  private candidateKm = new Float64Array(0);
  private candidateCost = new Float64Array(0);
  private candidateStatus = new Uint8Array(0);
  private order = new Int32Array(0);

  constructor(set: GridSet, classes: readonly VoltageClass[], powerFactor?: number) {
    this.set = set;
    this.topClass = new Int8Array(set.points.length);
    this.byId = new Map();
    if (set.points.length === 0) {
      this.kd = null;
      this.search = null;
    } else {
      const kd = new KDBush(set.points.length);
      for (const [i, p] of set.points.entries()) {
        kd.add(p.lon, p.lat);
        this.topClass[i] =
          p.voltages_kv.length === 0
            ? -1
            : classIndexForKv(
                p.voltages_kv.reduce((a, b) => Math.max(a, b)),
                classes,
              );
        this.byId.set(p.id, p);
      }
      this.kd = kd.finish();
      this.search = new NearestSearch(this.kd, this.topClass);
    }
    if (powerFactor !== undefined) this.prepare(classes, powerFactor);
  }

  point(id: string): ConnectionPoint | undefined {
    return this.byId.get(id);
  }

  /** Builds the per-point evaluation tables (once per set; again only if the classes or cos φ change). */
  private prepare(classes: readonly VoltageClass[], powerFactor: number): void {
    if (this.tablesFor?.classes === classes && this.tablesFor.powerFactor === powerFactor) return;
    const points = this.set.points;
    const n = points.length;
    this.headroomGeneration = new Float64Array(n);
    this.headroomDemand = new Float64Array(n);
    this.busClass = new Int8Array(n * classes.length).fill(-1);
    for (let i = 0; i < n; i++) {
      const p = points[i]!;
      this.headroomGeneration[i] = headroom(p, "generation", powerFactor).mw ?? Number.NaN;
      this.headroomDemand[i] = headroom(p, "demand", powerFactor).mw ?? Number.NaN;
      for (let needed = 0; needed < classes.length; needed++) {
        // As in evaluatePoint: the lowest bus whose class reaches the needed one.
        let lowest = Infinity;
        for (const kv of p.voltages_kv)
          if (kv < lowest && classIndexForKv(kv, classes) >= needed) lowest = kv;
        if (lowest !== Infinity) this.busClass[needed * n + i] = classIndexForKv(lowest, classes);
      }
    }
    this.tablesFor = { classes, powerFactor };
  }

  /** The search radius: the longest practical line of the needed class or any above it, as a great-circle distance. */
  private static radiusKm(
    needed: number,
    config: Pick<GridConfig, "voltageClasses" | "routeFactor">,
  ): number {
    let longest = 0;
    for (let c = needed; c < config.voltageClasses.length; c++)
      longest = Math.max(longest, config.voltageClasses[c]!.max_line_km);
    return longest / config.routeFactor;
  }

  /**
   * Searches the candidates for a site into the scratch arrays: the nearest
   * points that reach the needed voltage class (within the longest practical
   * line of that class or above), then the few nearest points overall not
   * already among them, so a "why not" can be given when they do not reach it.
   * Returns how many.
   */
  private findCandidates(
    request: CheckRequest,
    config: Pick<GridConfig, "voltageClasses" | "routeFactor" | "maxCandidates">,
  ): number {
    const search = this.search;
    if (!search) return 0;
    const needed = classIndexForMw(request.mw, config.voltageClasses);
    const k = config.maxCandidates;
    search.search(
      request.lon,
      request.lat,
      GridIndex.radiusKm(needed, config),
      needed,
      k,
      CONTEXT_CANDIDATES,
    );
    const size = k + CONTEXT_CANDIDATES;
    if (this.candidate.length < size) {
      this.candidate = new Int32Array(size);
      this.candidateKm = new Float64Array(size);
      this.candidateCost = new Float64Array(size);
      this.candidateStatus = new Uint8Array(size);
      this.order = new Int32Array(size);
    }
    const { candidate, candidateKm } = this;
    let count = 0;
    for (let r = 0; r < search.nearCount; r++) {
      candidate[count] = search.near[r]!;
      candidateKm[count++] = kmFromHaverSin(search.nearH[r]!);
    }
    const nearCount = count;
    for (let r = 0; r < search.anyCount; r++) {
      const id = search.any[r]!;
      let seen = false;
      for (let q = 0; q < nearCount && !seen; q++) seen = candidate[q] === id;
      if (seen) continue;
      candidate[count] = id;
      candidateKm[count++] = kmFromHaverSin(search.anyH[r]!);
    }
    return count;
  }

  /**
   * Ranks the candidates into `order` (indices into the candidate arrays):
   * status and cost by the rules of `evaluatePoint`, order by those of
   * `rankOptions` (feasible by cost then distance, then the unavailable by
   * distance; ties keep the candidate order). Returns how many.
   */
  private rank(
    request: CheckRequest,
    config: Pick<GridConfig, "voltageClasses" | "routeFactor" | "maxCandidates" | "powerFactor">,
  ): number {
    const count = this.findCandidates(request, config);
    if (count === 0) return 0;
    const classes = config.voltageClasses;
    this.prepare(classes, config.powerFactor);
    const n = this.set.points.length;
    const needed = classIndexForMw(request.mw, classes);
    const headroomMw = request.kind === "generation" ? this.headroomGeneration : this.headroomDemand;
    const { candidate, candidateKm, candidateCost, candidateStatus, order, busClass } = this;
    for (let c = 0; c < count; c++) {
      const i = candidate[c]!;
      const clsIndex = busClass[needed * n + i]!;
      candidateCost[c] = Infinity;
      if (clsIndex < 0) {
        candidateStatus[c] = UNAVAILABLE;
        continue;
      }
      const cls = classes[clsIndex]!;
      const lineKm = candidateKm[c]! * config.routeFactor;
      const h = headroomMw[i]!;
      let status = AVAILABLE;
      let shortfallMw = 0;
      if (Number.isNaN(h)) status = UNAVAILABLE;
      else if (h - request.mw < 0) {
        status = NEEDS_REINFORCEMENT;
        shortfallMw = request.mw - Math.max(0, h);
      }
      if (lineKm > cls.max_line_km) status = UNAVAILABLE;
      candidateStatus[c] = status;
      // The same sum, in the same order, as connectionCostRub.
      const lineRub = lineKm * cls.line_rub_per_km;
      const reinforcementRub = Math.max(0, shortfallMw / config.powerFactor) * cls.transformer_rub_per_mva;
      candidateCost[c] = lineRub + cls.bay_rub + reinforcementRub;
    }
    // Stable insertion sort (a check has a few dozen candidates at most).
    for (let c = 0; c < count; c++) {
      const unavailable = candidateStatus[c] === UNAVAILABLE;
      const cost = candidateCost[c]!;
      const km = candidateKm[c]!;
      let p = c;
      while (p > 0) {
        const o = order[p - 1]!;
        const oUnavailable = candidateStatus[o] === UNAVAILABLE;
        const after = unavailable
          ? oUnavailable && candidateKm[o]! > km
          : oUnavailable || candidateCost[o]! > cost || (candidateCost[o] === cost && candidateKm[o]! > km);
        if (!after) break;
        order[p] = o;
        p--;
      }
      order[p] = c;
    }
    return count;
  }

  /**
   * Candidates for a site: the nearest points that reach the needed voltage
   * class (within the longest practical line of any class), plus the few
   * nearest points overall so a "why not" can be given when they do not.
   */
  candidates(
    request: CheckRequest,
    config: Pick<GridConfig, "voltageClasses" | "routeFactor" | "maxCandidates">,
  ): ConnectionPoint[] {
    const count = this.findCandidates(request, config);
    const out: ConnectionPoint[] = [];
    for (let c = 0; c < count; c++) out.push(this.set.points[this.candidate[c]!]!);
    return out;
  }

  /** The ranked options, best first, at most `limit`: the same as `rankOptions` over `evaluatePoint` of every candidate. */
  check(
    request: CheckRequest,
    config: Pick<GridConfig, "voltageClasses" | "routeFactor" | "maxCandidates" | "powerFactor">,
    limit: number,
  ): GridOption[] {
    const count = this.rank(request, config);
    const out: GridOption[] = [];
    for (let r = 0; r < count && r < limit; r++)
      out.push(evaluatePoint(this.set.points[this.candidate[this.order[r]!]!]!, request, config));
    return out;
  }

  /**
   * For batches: the best option only, and how many of the first `limit`
   * ranked options are available (as `check(…, limit)` would count them).
   */
  best(
    request: CheckRequest,
    config: Pick<GridConfig, "voltageClasses" | "routeFactor" | "maxCandidates" | "powerFactor">,
    limit: number,
  ): { best: GridOption | null; available: number } {
    const count = this.rank(request, config);
    if (count === 0 || limit < 1) return { best: null, available: 0 };
    let available = 0;
    for (let r = 0; r < count && r < limit; r++)
      if (this.candidateStatus[this.order[r]!] === AVAILABLE) available++;
    const best = evaluatePoint(this.set.points[this.candidate[this.order[0]!]!]!, request, config);
    return { best, available };
  }
}
