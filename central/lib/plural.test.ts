import { describe, expect, it } from "vitest";
import { enPlural } from "./plural.ts";

describe("enPlural (CLDR: `one` for exactly 1)", () => {
  it("uses the singular for 1 only", () => {
    expect([0, 1, 2, 11, 21, 1.5].map((n) => enPlural(n, "facility", "facilities"))).toEqual([
      "facilities",
      "facility",
      "facilities",
      "facilities",
      "facilities",
      "facilities",
    ]);
  });
});
