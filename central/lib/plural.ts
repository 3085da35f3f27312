// Plural forms by the language's CLDR rules (Unicode CLDR, "Language Plural
// Rules"), through Intl.PluralRules: Russian counts take `one` (1, 21, 101),
// `few` (2–4, 22–24) or `many` (0, 5–20, 25–30, 111); a fraction takes
// `other`, which Russian writes as the genitive singular, the `few` form.
const RU = new Intl.PluralRules("ru");

/** The Russian word for a count: 1 объект, 2 объекта, 5 объектов, 21 объект. */
export function ruPlural(n: number, one: string, few: string, many: string): string {
  switch (RU.select(n)) {
    case "one":
      return one;
    case "many":
      return many;
    default:
      return few;
  }
}

// English counts: `one` for exactly 1, `other` for everything else.
const EN = new Intl.PluralRules("en");

/** The English word for a count: 1 facility, 2 facilities, 0 facilities. */
export function enPlural(n: number, one: string, other: string): string {
  return EN.select(n) === "one" ? one : other;
}
