import { describe, expect, it } from "vitest";
import { Where } from "./where.ts";

describe("Where", () => {
  it("adds a condition and its argument only for the fields given, in order", () => {
    const w = new Where().equal({ company: "c1", status: undefined, site: "s1" }).when("id > ?", 7);
    expect(w.clause()).toBe("WHERE company = ? AND site = ? AND id > ?");
    expect(w.args).toEqual(["c1", "s1", 7]);
  });

  it("is no clause at all without a condition", () => {
    const w = new Where().equal({ company: undefined }).when("id > ?", undefined);
    expect(w.clause()).toBe("");
    expect(w.args).toEqual([]);
  });

  it("matches no row for an empty IN list, and one placeholder per value otherwise", () => {
    expect(new Where().in("asset", []).clause()).toBe("WHERE 1 = 0");
    const w = new Where().in("asset", ["a", "b"]);
    expect(w.clause()).toBe("WHERE asset IN (?, ?)");
    expect(w.args).toEqual(["a", "b"]);
  });

  it("keeps a value that would read as false (0, empty text): only undefined leaves a field out", () => {
    const w = new Where().when("id > ?", 0).equal({ site: "" });
    expect(w.args).toEqual([0, ""]);
  });

  it("a copy takes more conditions without changing the original", () => {
    const w = new Where().add("a = ?", 1);
    const page = w.copy().add("b > ?", 2);
    expect(w.clause()).toBe("WHERE a = ?");
    expect(page.clause()).toBe("WHERE a = ? AND b > ?");
    expect(page.args).toEqual([1, 2]);
  });
});
