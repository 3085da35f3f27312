// The one error of config load: a key path and why (`sources[2].scalars[0].nodeId: …`).
// Beside it the few TypeBox helpers the config schemas share.
import { type TSchema, Type } from "@sinclair/typebox";

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID" as const;
  constructor(
    readonly keyPath: string,
    readonly reason: string,
  ) {
    super(keyPath ? `${keyPath}: ${reason}` : reason);
    this.name = "ConfigError";
  }
}

/** Description and examples of a key, as `docs/edge-config.md` shows them. */
export const doc = (description: string, examples?: readonly unknown[]) =>
  examples ? { description, examples: [...examples] } : { description };

// A union of string literals, typed as the literal union (TypeBox infers
// `string` from a mapped array); the schema stays a plain `anyOf` of consts.
export const Enum = <T extends string>(
  values: readonly T[],
  options: { default?: NoInfer<T>; description?: string; examples?: unknown[] } = {},
) =>
  Type.Unsafe<T>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      options,
    ),
  );

export const Name = (o: { description?: string; examples?: unknown[] } = {}) =>
  Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z][a-z0-9_]*$", ...o });
export const TagValue = (o: { description?: string; examples?: unknown[] } = {}) =>
  Type.String({ minLength: 1, maxLength: 128, pattern: "^[^\\n\\r]*$", ...o });
export const Port = (o: { description?: string; examples?: unknown[] } = {}) =>
  Type.Integer({ minimum: 0, maximum: 65535, ...o });
export const Millis = (def: number, minimum: number, description: string) =>
  Type.Integer({ minimum, default: def, description });

/** The literal values of a union schema (for "expected one of …" messages), or null. */
export function literalsOf(schema: TSchema): unknown[] | null {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!Array.isArray(anyOf)) return null;
  const values = anyOf.map((s) => (s as { const?: unknown }).const);
  return values.every((v) => v !== undefined) ? values : null;
}
