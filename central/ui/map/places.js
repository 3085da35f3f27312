// @ts-check
// Finding a place by name on the /map page: settlements of the shipped
// basemap and connection points of the grid data, in Russian or English,
// whatever the case, with ё or е, in Cyrillic or in Latin letters
// ("Махачкала", "махачкала", "Makhachkala", "mahachkala"). Every word typed
// must begin a word of the name (in any order): "пс избербаш" finds
// "ПС 110 кВ Избербаш". Shared by the page and central's build script and
// tests; no DOM.

/** @typedef {{ kind: "settlement" | "substation", id: string, name_ru: string, name_en: string, lat: number, lon: number, population?: number }} Place */

/** Cyrillic → Latin, BGN/PCGN-like (the romanisation GeoNames' English names of Russian places mostly follow). */
/** @type {Record<string, string>} */
const CYR = {
  а: "a",
  б: "b",
  в: "v",
  г: "g",
  д: "d",
  е: "e",
  ё: "e",
  ж: "zh",
  з: "z",
  и: "i",
  й: "y",
  к: "k",
  л: "l",
  м: "m",
  н: "n",
  о: "o",
  п: "p",
  р: "r",
  с: "s",
  т: "t",
  у: "u",
  ф: "f",
  х: "kh",
  ц: "ts",
  ч: "ch",
  ш: "sh",
  щ: "shch",
  ъ: "",
  ы: "y",
  ь: "",
  э: "e",
  ю: "yu",
  я: "ya",
  // The palochka of the Caucasian alphabets (Ӏ, often typed as I or 1) carries no Latin letter.
  ӏ: "",
};

/**
 * Lower case, ё as е, quotes, brackets and punctuation as spaces, one space between words.
 * @param {string} s
 */
export function normaliseName(s) {
  return s
    .normalize("NFC")
    .toLowerCase()
    .replace(/ё/g, "е")
    .replace(/[«»"'’`()[\]{}.,;:!?/\\|–—-]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Latin letters for a (normalised) name; Latin input passes unchanged.
 * @param {string} s
 */
export function transliterate(s) {
  let out = "";
  let prev = " ";
  for (const c of s) {
    // е is "ye" at the start of a word and after a vowel or a hard or soft sign (BGN/PCGN): Ессентуки, Yessentuki.
    out += c === "е" && /[\sаеёиоуыэюяъь]/.test(prev) ? "ye" : (CYR[c] ?? c);
    prev = c;
  }
  return out;
}

/**
 * A looser Latin form, so that common spellings meet: kh/h, y/i/j, ts/c,
 * doubled letters, e/ye.
 * @param {string} s
 */
export function looseLatin(s) {
  return s
    .replace(/kh/g, "h")
    .replace(/ye/g, "e")
    .replace(/[yj]/g, "i")
    .replace(/ts/g, "c")
    .replace(/(.)\1+/g, "$1");
}

const hasCyrillic = (/** @type {string} */ s) => /[а-я]/.test(s);

/**
 * How well the words of a query begin words of a name: 0 the whole name, 1
 * every word begins one, 2 some word only occurs inside one; -1 no match.
 * @param {string[]} nameWords
 * @param {string[]} queryWords
 */
function wordScore(nameWords, queryWords) {
  if (queryWords.length === 0) return -1;
  if (nameWords.join(" ") === queryWords.join(" ")) return 0;
  let score = 1;
  for (const q of queryWords) {
    if (nameWords.some((w) => w.startsWith(q))) continue;
    if (q.length >= 3 && nameWords.some((w) => w.includes(q))) score = 2;
    else return -1;
  }
  return score;
}

/**
 * The searchable forms of a place's names: Russian, English, the Russian
 * name in Latin letters, and the loose forms of the Latin ones.
 * @param {Place} p
 * @returns {string[][]}
 */
function formsOf(p) {
  const ru = normaliseName(p.name_ru);
  const en = normaliseName(p.name_en);
  const forms = new Set([ru, en, transliterate(ru), looseLatin(transliterate(ru)), looseLatin(en)]);
  return [...forms].filter(Boolean).map((f) => f.split(" "));
}

/**
 * Places whose name matches the query, best first: by how the words match,
 * then settlements by population, then substations, then by name.
 * @param {readonly Place[]} places
 * @param {unknown} query
 * @param {number} [limit]
 * @returns {Place[]}
 */
export function searchPlaces(places, query, limit = 10) {
  if (typeof query !== "string" || query.length > 100) return [];
  const q = normaliseName(query);
  if (q.length < 2) return [];
  const queries = hasCyrillic(q) ? [q, transliterate(q), looseLatin(transliterate(q))] : [q, looseLatin(q)];
  /** @type {{ p: Place, score: number }[]} */
  const found = [];
  for (const p of places) {
    let best = -1;
    for (const form of formsOf(p)) {
      for (const qq of queries) {
        const s = wordScore(form, qq.split(" "));
        if (s >= 0 && (best < 0 || s < best)) best = s;
      }
    }
    if (best >= 0) found.push({ p, score: best });
  }
  found.sort(
    (a, b) =>
      a.score - b.score ||
      (a.p.kind === b.p.kind ? 0 : a.p.kind === "settlement" ? -1 : 1) ||
      (b.p.population ?? 0) - (a.p.population ?? 0) ||
      a.p.name_ru.localeCompare(b.p.name_ru, "ru"),
  );
  return found.slice(0, Math.max(0, limit)).map((x) => x.p);
}
