// Numbers as a test formats them itself (Intl) in the spelling of poppler's
// pdftotext, to find a report's figures in the text of its PDF (whether
// pdftotext is installed: service-files.ts' hasPdfToText).

/** `v` with `digits` decimals grouped by Intl, in pdftotext's spelling: plain spaces, true minus. */
export const pdftotextNumber = (v: number, digits: number, lang: "ru" | "en"): string =>
  new Intl.NumberFormat(lang === "ru" ? "ru-RU" : "en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    useGrouping: "always",
  } as Intl.NumberFormatOptions)
    .format(v)
    .replace(/[\u00a0\u202f]/g, " ")
    .replace("-", "\u2212");
