// What a point's config allows, as pure functions of it: the commands the
// edge refuses whatever central checked (the agent's config is the
// authority), and how close a read-back must be to confirm a write.
import type { ControlCommand, ControlPointDecl } from "../../common/control.ts";
import type { ControlPointConfig } from "./schema.ts";

/** Why the edge refuses a command, or null. */
export function refusalOf(c: ControlCommand, cfg: ControlPointConfig | undefined): string | null {
  if (!cfg) return `${c.asset}/${c.point} is not declared writable on this agent`;
  if (!Number.isFinite(c.value) || c.value < cfg.min || c.value > cfg.max)
    return `value ${c.value} outside [${cfg.min}, ${cfg.max}] ${cfg.unit}`;
  if (cfg.states && !Object.hasOwn(cfg.states, String(c.value)))
    return `value ${c.value} is not one of the states ${Object.keys(cfg.states).join("|")}`;
  if (cfg.critical && c.override !== true) return "critical point: a command needs override";
  return null;
}

/** Half a raw step of the register, or 1e-4 relative for floats: what a read-back may differ by. */
export function toleranceOf(cfg: ControlPointConfig): number {
  if (cfg.tolerance !== undefined) return cfg.tolerance;
  const w = cfg.write;
  if (w.kind === "modbus" && w.type !== "float32") return Math.abs(w.scale) / 2;
  return 1e-4 * Math.max(1, Math.abs(cfg.max), Math.abs(cfg.min));
}

/** What the agent tells central of a point: its limits, never its address. */
export function declarationOf(cfg: ControlPointConfig): ControlPointDecl {
  return {
    asset: cfg.asset,
    point: cfg.point,
    unit: cfg.unit,
    min: cfg.min,
    max: cfg.max,
    ...(cfg.states ? { states: cfg.states } : {}),
    ...(cfg.maxRatePerMinute !== undefined ? { maxRatePerMinute: cfg.maxRatePerMinute } : {}),
    failSafe: cfg.failSafe,
    critical: cfg.critical,
  };
}
