import { describe, expect, it } from "vitest";
import { inLanguage } from "./bilingual.ts";

describe("inLanguage", () => {
  const words = {
    state: { active: ["активна", "active"], cleared: ["снята", "cleared"] },
    open: ["Открыть", "Open"],
  } as const;

  it("takes the Russian of every pair, at any depth, keeping the table's keys", () => {
    expect(inLanguage(words, "ru")).toEqual({
      state: { active: "активна", cleared: "снята" },
      open: "Открыть",
    });
  });

  it("takes the English of every pair", () => {
    expect(inLanguage(words, "en")).toEqual({
      state: { active: "active", cleared: "cleared" },
      open: "Open",
    });
  });
});
