import { describe, expect, it } from "vitest";
import { SeriesTrie } from "./series-trie.ts";

describe("SeriesTrie", () => {
  it("gives each measurement and tag set its own slot, a series whose tags begin another's included", () => {
    const trie = new SeriesTrie<string>();
    const series = [
      ["scada", { site: "wf1" }],
      ["scada", { site: "wf1", asset: "T01" }],
      ["scada", { site: "wf1", asset: "T02" }],
      ["meter", { site: "wf1" }],
      ["scada", { site: "wf1", point: "T01" }],
      ["scada", { site: "wf1", asset: "" }],
    ] as const;
    series.forEach(([measurement, tags], i) => {
      const slot = trie.slot(measurement, tags);
      expect(slot.value).toBeUndefined();
      slot.value = `s${i}`;
    });
    series.forEach(([measurement, tags], i) => {
      expect(trie.slot(measurement, { ...tags }).value).toBe(`s${i}`);
    });
  });

  it("keeps names an object would treat specially as plain keys", () => {
    const trie = new SeriesTrie<number>();
    const hostile = JSON.parse('{"__proto__":"x","constructor":"y","toString":"z"}') as Record<
      string,
      string
    >;
    trie.slot("__proto__", hostile).value = 1;
    expect(trie.slot("__proto__", { ...hostile }).value).toBe(1);
    expect(trie.slot("__proto__", {}).value).toBeUndefined();
    expect(trie.slot("constructor", { constructor: "y" }).value).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
