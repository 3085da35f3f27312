// Reading central's PDFs back with poppler's pdftotext, as a reader's tools
// would: whether it is installed, and numbers as the test itself formats
// them (Intl) in pdftotext's spelling, to find a report's figures in its text.
import { execFileSync } from "node:child_process";

export const hasPdftotext = (() => {
  try {
    execFileSync("pdftotext", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

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
