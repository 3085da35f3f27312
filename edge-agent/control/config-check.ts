// What the schema cannot say about the `control` section: limits that
// agree with each other, write targets that name a source of their kind and
// fit its registers. Every error names the key path (config-error.ts).
import type { Static, TSchema } from "@sinclair/typebox";
import { physicalRangeOf } from "../../common/names.ts";
import { ConfigError } from "../config-error.ts";
import type { SourceConfig } from "../config-sources.ts";
import { type ControlConfig, type ControlPointConfig, WriteTargetSchemas } from "./schema.ts";

const TYPE_RANGE: Record<string, [number, number]> = {
  uint16: [0, 0xffff],
  int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffffffff],
  int32: [-0x80000000, 0x7fffffff],
  float32: [-3.4e38, 3.4e38],
};

export function checkControl(
  c: ControlConfig,
  sources: readonly SourceConfig[],
  validate: <T extends TSchema>(schema: T, input: unknown, prefix: string) => Static<T>,
): ControlConfig {
  const seen = new Set<string>();
  const points = c.points.map((raw, i): ControlPointConfig => {
    const at = `control.points[${i}]`;
    const p = raw as ControlPointConfig;
    if (!(p.min < p.max))
      throw new ConfigError(`${at}.max`, `must be greater than min (${p.min}), got ${p.max}`);
    if (p.failSafe < p.min || p.failSafe > p.max)
      throw new ConfigError(`${at}.failSafe`, `must lie within [${p.min}, ${p.max}], got ${p.failSafe}`);
    if (p.states) {
      for (const k of Object.keys(p.states))
        if (Number(k) < p.min || Number(k) > p.max)
          throw new ConfigError(`${at}.states.${k}`, `state value outside [${p.min}, ${p.max}]`);
      if (!Object.hasOwn(p.states, String(p.failSafe)))
        throw new ConfigError(
          `${at}.failSafe`,
          `must be one of the states (${Object.keys(p.states).join("|")})`,
        );
    } else if (p.maxRatePerMinute === undefined)
      throw new ConfigError(
        `${at}.maxRatePerMinute`,
        "required key is missing (only enumerated points may omit it)",
      );
    const key = `${p.asset}\n${p.point}`;
    if (seen.has(key))
      throw new ConfigError(`${at}.point`, `asset "${p.asset}" point "${p.point}" is declared twice`);
    seen.add(key);
    const w = p.write as unknown;
    if (typeof w !== "object" || w === null || Array.isArray(w))
      throw new ConfigError(`${at}.write`, "expected a mapping (object)");
    const kind = (w as { kind?: unknown }).kind;
    if (kind === undefined) throw new ConfigError(`${at}.write.kind`, "required key is missing");
    if (typeof kind !== "string" || !(kind in WriteTargetSchemas))
      throw new ConfigError(`${at}.write.kind`, "expected one of modbus|opcua");
    const target = validate(
      WriteTargetSchemas[kind as "modbus" | "opcua"],
      w,
      `${at}.write`,
    ) as ControlPointConfig["write"];
    const source = sources.find((s) => s.id === target.source);
    if (!source || source.kind !== target.kind)
      throw new ConfigError(
        `${at}.write.source`,
        `"${target.source}" is not the id of a ${target.kind} source`,
      );
    if (target.kind === "modbus") {
      const coil = target.function === 5 || target.function === 15;
      if (coil && (p.min < 0 || p.max > 1))
        throw new ConfigError(
          `${at}.write.function`,
          "a coil holds 0 or 1: min and max must lie within [0, 1]",
        );
      if (target.function === 6 && wordsOf16(target.type) !== 1)
        throw new ConfigError(
          `${at}.write.type`,
          "function 6 writes one register: expected uint16|int16 (or use function 16)",
        );
      if (!coil) {
        const [lo, hi] = TYPE_RANGE[target.type] ?? [0, 0];
        const raws = [p.min / target.scale, p.max / target.scale];
        if (raws.some((r) => r < lo || r > hi))
          throw new ConfigError(`${at}.write.scale`, `min/max over scale leave the range of ${target.type}`);
      }
    }
    return { ...p, write: target };
  });
  checkInterlocks(c, points);
  return { ...c, points };
}

/** Interlocks that can act: one condition each, a field that exists, a declared point, a value it may take. */
function checkInterlocks(c: ControlConfig, points: readonly ControlPointConfig[]): void {
  const ids = new Set<string>();
  for (const [i, il] of (c.interlocks ?? []).entries()) {
    const at = `control.interlocks[${i}]`;
    if (ids.has(il.id)) throw new ConfigError(`${at}.id`, `"${il.id}" is declared twice`);
    ids.add(il.id);
    const conditions = (["above", "below", "equals"] as const).filter((k) => il.when[k] !== undefined);
    if (conditions.length !== 1)
      throw new ConfigError(`${at}.when`, "expected exactly one of above|below|equals");
    if (physicalRangeOf(il.when.measurement, il.when.field) === null)
      throw new ConfigError(
        `${at}.when.field`,
        `"${il.when.field}" is not a field a source stores in measurement "${il.when.measurement}"`,
      );
    const p = points.find((x) => x.asset === il.force.asset && x.point === il.force.point);
    if (!p)
      throw new ConfigError(
        `${at}.force.point`,
        `asset "${il.force.asset}" point "${il.force.point}" is not in control.points`,
      );
    const v = il.force.value;
    if (v < p.min || v > p.max || (p.states && !Object.hasOwn(p.states, String(v))))
      throw new ConfigError(
        `${at}.force.value`,
        p.states
          ? `must be one of the point's states (${Object.keys(p.states).join("|")})`
          : `must lie within [${p.min}, ${p.max}], got ${v}`,
      );
  }
}
const wordsOf16 = (type: string): number => (type === "uint16" || type === "int16" ? 1 : 2);
