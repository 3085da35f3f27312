// Words kept as `[Russian, English]` pairs, one entry a line, so that both
// languages of a phrase are read and changed together; a table of them is
// turned into the same table in one language where it is used.
import type { Lang } from "./format.ts";

/** A word or phrase in Russian and in English. */
export type Both = readonly [ru: string, en: string];

/** A table of pairs (nested in objects) with each pair replaced by one language's string. */
export type InLanguage<T> = T extends Both ? string : { readonly [K in keyof T]: InLanguage<T[K]> };

/** The table in one language. */
export function inLanguage<T extends object>(table: T, lang: Lang): InLanguage<T> {
  const index = lang === "ru" ? 0 : 1;
  const pick = (node: unknown): unknown =>
    Array.isArray(node)
      ? node[index]
      : Object.fromEntries(Object.entries(node as object).map(([key, value]) => [key, pick(value)]));
  return pick(table) as InLanguage<T>;
}
