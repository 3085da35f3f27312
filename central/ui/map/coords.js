// @ts-check
// Coordinates as people type them, to WGS 84 decimal degrees: decimal with a
// point or a comma ("43.5, 45.2", "43,5 45,2", "43.5;45.2"), degrees and
// minutes or degrees, minutes and seconds with ° ′ ″ (or ' " and their
// typographic look-alikes, or plain spaces), hemisphere letters before or
// after each value in Latin or Russian (N/S/E/W, С/Ю/В/З, "с.ш."/"в.д."),
// and a sign. Latitude comes first unless the letters say otherwise. Anything
// else — a third number, minutes of 60 or more, a value out of range, two
// latitudes — is refused (null), never guessed. Shared by the /map page and
// central's tests; no DOM.

/** @typedef {{ lat: number, lon: number }} LatLon */

const MAX_INPUT = 120;

/** Letters of a hemisphere → axis and sign. Cyrillic С/Ю/В/З are the Russian N/S/E/W. */
/** @type {Record<string, { axis: "lat" | "lon", sign: 1 | -1 }>} */
const HEMISPHERES = {
  N: { axis: "lat", sign: 1 },
  S: { axis: "lat", sign: -1 },
  E: { axis: "lon", sign: 1 },
  W: { axis: "lon", sign: -1 },
  С: { axis: "lat", sign: 1 },
  Ю: { axis: "lat", sign: -1 },
  В: { axis: "lon", sign: 1 },
  З: { axis: "lon", sign: -1 },
};

/**
 * One form: trimmed, upper case, one kind of each mark; Russian phrases
 * ("северной широты", "с. ш.", "в.д.") become their letter.
 * @param {string} text
 */
function normalise(text) {
  return (
    text
      // Before NFKC, which would read the ordinal º as the letter o.
      .replace(/[\u00ba\u02da]/g, "°")
      .normalize("NFKC")
      .toUpperCase()
      .replace(/[\u2032\u2019\u2018`\u00b4\u02b9]/g, "'")
      .replace(/[\u2033\u201d\u201c\u02ba]|''/g, '"')
      .replace(/[\u2212\u2013\u2014]/g, "-")
      .replace(
        /(?<![A-ZА-ЯЁ])(?:LAT|LATITUDE|LON|LNG|LONG|LONGITUDE|ШИРОТА|ДОЛГОТА)(?![A-ZА-ЯЁ])\s*[:=]?/g,
        " ",
      )
      // "с.ш.", "с. ш.", "сш", "северной широты" and the like.
      .replace(/С(?:ЕВ(?:ЕРНОЙ)?)?\.?\s*Ш(?:ИР(?:ОТЫ)?)?\.?/g, " С ")
      .replace(/Ю(?:Ж(?:НОЙ)?)?\.?\s*Ш(?:ИР(?:ОТЫ)?)?\.?/g, " Ю ")
      .replace(/В(?:ОСТ(?:ОЧНОЙ)?)?\.?\s*Д(?:ОЛ(?:ГОТЫ)?)?\.?/g, " В ")
      .replace(/З(?:АП(?:АДНОЙ)?)?\.?\s*Д(?:ОЛ(?:ГОТЫ)?)?\.?/g, " З ")
      .trim()
  );
}

/**
 * @typedef {{ t: "num", v: number, raw: string, sign: -1 | 0 | 1 }
 *   | { t: "unit", u: "d" | "m" | "s" }
 *   | { t: "hemi", axis: "lat" | "lon", sign: 1 | -1 }
 *   | { t: "sep" }} Token
 */

/**
 * Tokens of a normalised string, or null when it holds anything else.
 * @param {string} s
 * @returns {Token[] | null}
 */
function tokenise(s) {
  /** @type {Token[]} */
  const out = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? "";
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^([+-]?)(\d{1,3}(?:[.,]\d{1,20})?)(?!\d)/.exec(s.slice(i));
    if (num && (num[2] ?? "") !== "") {
      const raw = num[2] ?? "";
      // A comma between digits may be a decimal comma ("43,5") or a separator ("43,45" of two integers);
      // tokenise reads it as decimal and `groups` splits a lone number that holds one.
      const v = Number(raw.replace(",", "."));
      if (!Number.isFinite(v)) return null;
      out.push({ t: "num", v, raw, sign: num[1] === "-" ? -1 : num[1] === "+" ? 1 : 0 });
      i += num[0].length;
      continue;
    }
    if (c === "°") out.push({ t: "unit", u: "d" });
    else if (c === "'") out.push({ t: "unit", u: "m" });
    else if (c === '"') out.push({ t: "unit", u: "s" });
    else if (c === ";" || c === "," || c === "/" || c === "|") out.push({ t: "sep" });
    else if (HEMISPHERES[c] && !/[A-ZА-ЯЁ]/.test(s[i + 1] ?? "")) {
      const h = HEMISPHERES[c];
      out.push({ t: "hemi", axis: h.axis, sign: h.sign });
    } else return null;
    i++;
  }
  return out;
}

/**
 * Degrees of one value: [degrees, minutes?, seconds?] with their units (units
 * may be left out; a unit, where given, must be in order). Only the last part
 * may have decimals; minutes and seconds are below 60.
 * @param {{ v: number, raw: string, sign: -1 | 0 | 1, unit: "d" | "m" | "s" | null }[]} parts
 * @returns {{ deg: number, sign: -1 | 0 | 1 } | null}
 */
function degreesOf(parts) {
  if (parts.length === 0 || parts.length > 3) return null;
  const order = ["d", "m", "s"];
  let deg = 0;
  for (const [k, p] of parts.entries()) {
    if (p.unit !== null && p.unit !== order[k]) return null;
    if (k > 0 && p.sign !== 0) return null;
    if (k < parts.length - 1 && /[.,]/.test(p.raw)) return null;
    if (k > 0 && p.v >= 60) return null;
    deg += p.v / 60 ** k;
  }
  return { deg, sign: parts[0]?.sign ?? 0 };
}

/**
 * Splits tokens into the two values. Hemisphere letters, where present, mark
 * the values (before or after their numbers); else a separator; else a new
 * value starts at a number marked ° or, with no marks, halfway.
 * @param {Token[]} tokens
 * @returns {{ parts: { v: number, raw: string, sign: -1 | 0 | 1, unit: "d" | "m" | "s" | null }[], hemi: { axis: "lat" | "lon", sign: 1 | -1 } | null }[] | null}
 */
function groups(tokens) {
  /** @type {{ v: number, raw: string, sign: -1 | 0 | 1, unit: "d" | "m" | "s" | null }[]} */
  let parts = [];
  /** @type {({ kind: "nums", parts: typeof parts } | { kind: "hemi", axis: "lat" | "lon", sign: 1 | -1 } | { kind: "sep" })[]} */
  const seq = [];
  const flush = () => {
    if (parts.length > 0) seq.push({ kind: "nums", parts });
    parts = [];
  };
  for (const [k, tok] of tokens.entries()) {
    if (tok.t === "num") {
      // A new value starts after seconds, and at a number marked as degrees when one is open.
      const next = tokens[k + 1];
      if (
        parts.length > 0 &&
        (parts[parts.length - 1]?.unit === "s" || (next?.t === "unit" && next.u === "d"))
      )
        flush();
      parts.push({ v: tok.v, raw: tok.raw, sign: tok.sign, unit: null });
    } else if (tok.t === "unit") {
      const last = parts[parts.length - 1];
      if (!last || last.unit !== null || tokens[k - 1]?.t !== "num") return null;
      last.unit = tok.u;
    } else if (tok.t === "hemi") {
      flush();
      seq.push({ kind: "hemi", axis: tok.axis, sign: tok.sign });
    } else {
      flush();
      seq.push({ kind: "sep" });
    }
  }
  flush();

  const hemis = seq.filter((x) => x.kind === "hemi");
  const numGroups = /** @type {{ kind: "nums", parts: typeof parts }[]} */ (
    seq.filter((x) => x.kind === "nums")
  );
  if (hemis.length > 0) {
    if (hemis.length !== 2) return null;
    // Letters before their numbers ("N 43 E 45") or after them ("43 N 45 E"), the same way for both.
    const prefix = seq[0]?.kind === "hemi";
    /** @type {{ parts: typeof parts, hemi: { axis: "lat" | "lon", sign: 1 | -1 } }[]} */
    const out = [];
    /** @type {typeof parts} */
    let pending = [];
    /** @type {{ axis: "lat" | "lon", sign: 1 | -1 } | null} */
    let open = null;
    for (const x of seq) {
      if (x.kind === "sep") continue;
      if (x.kind === "nums") {
        if (prefix && !open) return null;
        pending = pending.concat(x.parts);
        continue;
      }
      if (prefix) {
        if (open) out.push({ parts: pending, hemi: open });
        pending = [];
        open = { axis: x.axis, sign: x.sign };
      } else {
        if (pending.length === 0) return null;
        out.push({ parts: pending, hemi: { axis: x.axis, sign: x.sign } });
        pending = [];
      }
    }
    if (prefix && open) out.push({ parts: pending, hemi: open });
    else if (pending.length > 0) return null;
    return out.length === 2 ? out : null;
  }

  if (numGroups.length === 2) return numGroups.map((g) => ({ parts: g.parts, hemi: null }));
  if (numGroups.length !== 1) return null;
  const all = numGroups[0]?.parts ?? [];
  // One run of numbers: split where a second degree mark starts, else halfway.
  const secondDeg = all.findIndex((p, k) => k > 0 && p.unit === "d");
  if (secondDeg > 0)
    return [all.slice(0, secondDeg), all.slice(secondDeg)].map((p) => ({ parts: p, hemi: null }));
  if (all.length === 1) {
    // "43,45": a lone number holding a comma is two integers.
    const only = all[0];
    const m = only ? /^(\d{1,3}),(\d{1,3})$/.exec(only.raw) : null;
    if (!only || !m) return null;
    return [
      { parts: [{ v: Number(m[1]), raw: m[1] ?? "", sign: only.sign, unit: null }], hemi: null },
      { parts: [{ v: Number(m[2]), raw: m[2] ?? "", sign: 0, unit: null }], hemi: null },
    ];
  }
  if (all.length % 2 !== 0 || all.length > 6) return null;
  const half = all.length / 2;
  return [all.slice(0, half), all.slice(half)].map((p) => ({ parts: p, hemi: null }));
}

/**
 * Latitude and longitude from typed text, or null when it is not a pair of
 * coordinates in range.
 * @param {unknown} input
 * @returns {LatLon | null}
 */
export function parseCoordinates(input) {
  if (typeof input !== "string" || input.length === 0 || input.length > MAX_INPUT) return null;
  const s = normalise(input);
  if (!/\d/.test(s)) return null;
  const tokens = tokenise(s);
  if (!tokens) return null;
  const gs = groups(tokens);
  if (gs?.length !== 2) return null;
  /** @type {{ lat?: number, lon?: number }} */
  const out = {};
  for (const [k, g] of gs.entries()) {
    const d = degreesOf(g.parts);
    if (!d) return null;
    const axis = g.hemi ? g.hemi.axis : k === 0 ? "lat" : "lon";
    if (out[axis] !== undefined) return null;
    if (g.hemi && d.sign !== 0) return null; // "-43 N" says the side twice
    const sign = g.hemi ? g.hemi.sign : d.sign === -1 ? -1 : 1;
    out[axis] = sign * d.deg;
  }
  const { lat, lon } = out;
  if (lat === undefined || lon === undefined) return null;
  if (!(Math.abs(lat) <= 90) || !(Math.abs(lon) <= 180)) return null;
  return { lat: lat === 0 ? 0 : lat, lon: lon === 0 ? 0 : lon };
}
