// Safety interlocks of the agent's config (`control.interlocks`): each
// watches one acquired value (a frost thermostat, a fire panel's contact, a
// room temperature) and, while its condition holds, forces a point at the
// `safety` level, the strongest of the priority array (ASHRAE 135 clause
// 19.2 gives life safety the top slots). The edge is the authority: no
// command, schedule or shed from central can outrank it, and it acts with
// central unreachable. A value never seen (after a start, before the first
// poll) activates nothing; the last value seen holds until a newer one.
import type { Point } from "../../common/wire.ts";
import type { InterlockConfig } from "./schema.ts";

export interface InterlockChange {
  readonly interlock: InterlockConfig;
  readonly active: boolean;
  readonly value: number;
}

const keyOf = (asset: string, measurement: string, field: string, point: string | undefined): string =>
  `${asset}\n${measurement}\n${field}\n${point ?? ""}`;

export class Interlocks {
  private readonly latest = new Map<string, number>();
  private readonly active = new Set<string>();
  private readonly watched: Set<string>;

  constructor(private readonly list: readonly InterlockConfig[]) {
    this.watched = new Set(
      list.map((il) => keyOf(il.when.asset, il.when.measurement, il.when.field, il.when.point)),
    );
  }

  /** Keeps the newest value of each watched field from what the sources acquired. */
  observe(points: readonly Point[]): void {
    if (this.watched.size === 0) return;
    for (const p of points) {
      const asset = p.tags.asset;
      if (!asset) continue;
      for (const [field, value] of Object.entries(p.fields)) {
        if (typeof value !== "number" || !Number.isFinite(value)) continue;
        const key = keyOf(asset, p.measurement, field, p.tags.point);
        if (this.watched.has(key)) this.latest.set(key, value);
      }
    }
  }

  /**
   * Re-evaluates every interlock: returns those that started or stopped
   * acting, and for each point an interlock forces, the first active one (config order).
   */
  evaluate(): { changes: InterlockChange[]; holds: Map<string, InterlockConfig> } {
    const changes: InterlockChange[] = [];
    const holds = new Map<string, InterlockConfig>();
    for (const il of this.list) {
      const w = il.when;
      const v = this.latest.get(keyOf(w.asset, w.measurement, w.field, w.point));
      const was = this.active.has(il.id);
      let is = was;
      if (v !== undefined) {
        if (w.equals !== undefined) is = v === w.equals;
        else if (w.above !== undefined) is = was ? v > w.above - w.deadband : v > w.above;
        else if (w.below !== undefined) is = was ? v < w.below + w.deadband : v < w.below;
      }
      if (is !== was) {
        if (is) this.active.add(il.id);
        else this.active.delete(il.id);
        changes.push({ interlock: il, active: is, value: v! });
      }
      const target = `${il.force.asset}\n${il.force.point}`;
      if (is && !holds.has(target)) holds.set(target, il);
    }
    return { changes, holds };
  }
}

/** The condition in words, for events and the log. */
export function describeCondition(il: InterlockConfig): string {
  const w = il.when;
  const what = `${w.measurement}.${w.field}${w.point ? `[${w.point}]` : ""}`;
  if (w.equals !== undefined) return `${what} = ${w.equals}`;
  return w.above !== undefined ? `${what} > ${w.above}` : `${what} < ${w.below}`;
}
