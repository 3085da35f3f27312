// A point's priority array (ASHRAE 135 clause 19.2, BACnet's command
// prioritization, with our six levels): each level holds a value or is
// empty; the effective value is that of the strongest level holding the
// point, and with none it is the relinquish default (the point's fail-safe).
// Pure data: the controller decides who writes which level.
import { ControlPriorities, type ControlPriority, priorityRank } from "../../common/control.ts";

export interface LevelHold {
  readonly value: number;
  /** Who holds it: a command id, `schedule:<template>`, `demand_limit`, `device`, `safety:<rule>`. */
  readonly holder: string;
  /** Epoch ms the hold lapses by itself (a command's `until`, the manual hold time). */
  readonly until?: number;
}

export interface Effective {
  readonly value: number;
  readonly holder: string;
  readonly priority: ControlPriority;
}

export class PriorityArray {
  private readonly levels = new Map<ControlPriority, LevelHold>();

  constructor(readonly relinquishDefault: number) {}

  set(level: ControlPriority, hold: LevelHold): void {
    if (level === "default") throw new Error("the default level is the relinquish default, not a hold");
    this.levels.set(level, hold);
  }

  /** Empties a level; returns what it held. */
  relinquish(level: ControlPriority): LevelHold | undefined {
    const held = this.levels.get(level);
    this.levels.delete(level);
    return held;
  }

  get(level: ControlPriority): LevelHold | undefined {
    return this.levels.get(level);
  }

  /** Empties every level whose `until` has passed; returns the levels emptied. */
  expire(now: number): ControlPriority[] {
    const out: ControlPriority[] = [];
    for (const [level, hold] of this.levels)
      if (hold.until !== undefined && hold.until <= now) {
        this.levels.delete(level);
        out.push(level);
      }
    return out;
  }

  effective(): Effective {
    for (const level of ControlPriorities) {
      const hold = this.levels.get(level);
      if (hold) return { value: hold.value, holder: hold.holder, priority: level };
    }
    return { value: this.relinquishDefault, holder: "default", priority: "default" };
  }

  /** Whether `level` would act now (nothing stronger holds the point). */
  acts(level: ControlPriority): boolean {
    return priorityRank(this.effective().priority) >= priorityRank(level);
  }

  snapshot(): Partial<Record<ControlPriority, LevelHold>> {
    return Object.fromEntries(this.levels);
  }
}
