// The UI's catalogue of central's messages against the tables it follows:
// every code of the one error table (common/errors.ts) and every reason a
// signature check gives (central/documents/verify.ts) has its Russian and
// English text, so a new code cannot reach a Russian reader in English.
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../common/errors.ts";
import { VerifyFailures } from "../documents/verify.ts";
import {
  DETAILED_CODES,
  ERROR_TEXT,
  errorBodyText,
  errorText,
  SERVER_NOTES,
  serverNote,
  VERIFY_TEXT,
  verifyText,
} from "./lib/server-texts.js";

const CYRILLIC = /[А-Яа-яЁё]/;

describe("the UI's texts of central's messages", () => {
  it("has a Russian and an English text for every error code of the table, and no code the table lacks", () => {
    const missing: string[] = [];
    for (const code of Object.keys(ErrorCodes)) {
      const pair = ERROR_TEXT[code];
      if (!pair || !CYRILLIC.test(pair[0]) || pair[1].trim() === "" || CYRILLIC.test(pair[1]))
        missing.push(code);
    }
    expect(missing, "codes without a ru/en text in central/ui/lib/server-texts.js").toEqual([]);
    expect(Object.keys(ERROR_TEXT).filter((c) => !(c in ErrorCodes))).toEqual([]);
  });

  it("has both texts for every reason a signature check fails", () => {
    for (const code of VerifyFailures) {
      expect(VERIFY_TEXT[code]?.[0], code).toMatch(CYRILLIC);
      expect(VERIFY_TEXT[code]?.[1], code).toMatch(/^[^А-Яа-яЁё]+$/);
    }
    expect(verifyText("EXPIRED", "ru")).toBe(VERIFY_TEXT.EXPIRED![0]);
    expect(verifyText("SOMETHING_NEW", "ru", "as central said")).toBe("as central said");
  });

  it("shows the code's text in the reader's language with the quoted identifiers of central's message", () => {
    expect(errorText("NOT_FOUND", "ru", 'No asset "T04"')).toBe("Не найдено: «T04»");
    expect(errorText("NOT_FOUND", "en", 'No asset "T04"')).toBe("Not found: “T04”");
    expect(errorText("FORBIDDEN", "ru", "The token may not do this")).toBe(ERROR_TEXT.FORBIDDEN![0]);
    // A code this page does not know yet (a newer central): central's message as it came.
    expect(errorText("NEW_CODE", "ru", "Something new")).toBe("Something new");
    expect(errorBodyText({ error: { code: "CONFLICT", message: "x" } }, "en")).toBe(ERROR_TEXT.CONFLICT![1]);
    expect(errorBodyText({ nothing: true }, "ru")).toBeNull();
    expect(errorBodyText(null, "ru")).toBeNull();
  });

  it("keeps the detail of a refused input (which key, which limit) after the code's text", () => {
    const detail = "value: 40 is outside setpoint's range 16…26 °C";
    expect(errorText("VALIDATION_FAILED", "ru", detail)).toBe(
      `${ERROR_TEXT.VALIDATION_FAILED![0]} (${detail})`,
    );
    expect(errorText("VALIDATION_FAILED", "en", ERROR_TEXT.VALIDATION_FAILED![1])).toBe(
      ERROR_TEXT.VALIDATION_FAILED![1],
    );
    for (const code of DETAILED_CODES) expect(code in ErrorCodes, code).toBe(true);
    expect(errorText("VALIDATION_FAILED", "ru", "x".repeat(5000)).length).toBeLessThan(400);
  });

  it("treats hostile messages as text: no markup, no runaway quoting", () => {
    const long = `No asset "${"x".repeat(5000)}"`;
    expect(errorText("NOT_FOUND", "ru", long)).toBe("Не найдено");
    expect(errorText("NOT_FOUND", "ru", 'No asset "<img src=x onerror=alert(1)>"')).toBe(
      "Не найдено: «<img src=x onerror=alert(1)>»",
    );
    expect(errorText(undefined, "ru", undefined)).toBe("");
  });

  it("translates the notes central writes into records, and leaves people's comments as written", () => {
    expect(serverNote("work order WO-17 created", "ru")).toBe("создан наряд WO-17");
    expect(serverNote("work order WO-17 created", "en")).toBe("work order WO-17 created");
    expect(serverNote("bearing replaced, work order WO-17 created later", "ru")).toBe(
      "bearing replaced, work order WO-17 created later",
    );
    for (const note of SERVER_NOTES) expect(note.pattern.source.startsWith("^")).toBe(true);
  });
});
