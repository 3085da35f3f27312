// The reports' catalogues: each language's table takes its side of every
// entry, through nested objects and lists, and keeps what has no language
// (symbols, formulas, flags) as it is.
import { describe, expect, it } from "vitest";
import { both, byLanguage } from "./catalogue.ts";

describe("byLanguage", () => {
  const CATALOGUE = {
    title: both("Отчёт", "Report"),
    page: both(
      (n: number, of: number) => `Стр. ${n} из ${of}`,
      (n, of) => `Page ${n} of ${of}`,
    ),
    symbol: "R²",
    sections: [
      {
        heading: both("Протокол", "Protocol"),
        paragraphs: [both("Абзац", "Paragraph"), { formula: "E = mc²" }],
      },
      { heading: both("Деньги", "Money"), paragraphs: [], thresholds: true },
    ],
    nested: { yes: both("да", "yes") },
  };
  const TEXT = byLanguage(CATALOGUE);

  it("takes each language's side of every entry, however deep", () => {
    expect(TEXT.ru.title).toBe("Отчёт");
    expect(TEXT.en.title).toBe("Report");
    expect(TEXT.ru.nested.yes).toBe("да");
    expect(TEXT.en.nested.yes).toBe("yes");
    expect(TEXT.ru.sections.map((s) => s.heading)).toEqual(["Протокол", "Деньги"]);
    expect(TEXT.en.sections[0]?.paragraphs).toEqual(["Paragraph", { formula: "E = mc²" }]);
  });

  it("calls the function of the language asked for", () => {
    expect(TEXT.ru.page(2, 5)).toBe("Стр. 2 из 5");
    expect(TEXT.en.page(2, 5)).toBe("Page 2 of 5");
  });

  it("keeps entries without a language as they are in both tables", () => {
    for (const t of [TEXT.ru, TEXT.en]) {
      expect(t.symbol).toBe("R²");
      expect(t.sections[1]?.thresholds).toBe(true);
      expect(t.sections[0]?.thresholds).toBeUndefined();
    }
  });

  it("refuses an entry without its English side at compile time", () => {
    // @ts-expect-error: both languages are required.
    const missing = both("только по-русски");
    expect(missing.en).toBeUndefined();
    // @ts-expect-error: the English side has the Russian side's type.
    const mismatched = both("строка", 1);
    expect(mismatched.en).toBe(1);
  });
});
