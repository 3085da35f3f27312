// TypeBox shorthands the wire schemas of common/ share: a union of string
// literals (an enumeration) and an object that refuses keys it does not name
// (deny by default where data enters).
import { type ObjectOptions, type TProperties, Type } from "@sinclair/typebox";

/** One of `values`, as a union of literals (JSON Schema `anyOf` of `const`s). */
export const literals = <T extends string>(values: readonly T[], options: object = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );

/** An object with exactly these keys: `additionalProperties: false`. */
export const closedObject = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { ...options, additionalProperties: false });
