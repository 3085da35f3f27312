// Catalogues of the reports' words, Russian and English side by side: every
// entry is `both(ru, en)`, so a phrase is read and changed in both languages
// at once and an entry without its translation does not type-check. An entry
// may be a string, a function of the figures it names, or any other value
// (a list of paragraphs); entries nest in objects and lists. `byLanguage`
// turns the catalogue into one table per language, once, where it is
// defined; the type of that table follows from the catalogue.
import type { Lang } from "./format.ts";

/** One entry in Russian and in English. */
export class Phrase<T> {
  constructor(
    readonly ru: T,
    readonly en: T,
  ) {}
}

/**
 * The entry in both languages. The English side takes its type from the
 * Russian one, so a function's parameters are typed once.
 */
export function both<T>(ru: T, en: NoInfer<T>): Phrase<T> {
  return new Phrase(ru, en);
}

/** The catalogue with every entry replaced by one language's side. */
export type InLanguage<T> =
  T extends Phrase<infer U>
    ? U
    : T extends (...args: never[]) => unknown
      ? T
      : T extends object
        ? { readonly [K in keyof T]: InLanguage<T[K]> }
        : T;

function pick(node: unknown, lang: Lang): unknown {
  if (node instanceof Phrase) return node[lang];
  if (Array.isArray(node)) return node.map((item) => pick(item, lang));
  if (node !== null && typeof node === "object")
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, pick(value, lang)]));
  return node;
}

/** The catalogue in Russian and in English. */
export function byLanguage<T extends object>(catalogue: T): Readonly<Record<Lang, InLanguage<T>>> {
  return { ru: pick(catalogue, "ru") as InLanguage<T>, en: pick(catalogue, "en") as InLanguage<T> };
}
