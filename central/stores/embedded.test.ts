import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openEmbeddedStore } from "./embedded.ts";
import { describeStoreConformance } from "./store.conformance.ts";

describeStoreConformance("embedded (SQLite)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-embedded-"));
  return {
    store: openEmbeddedStore({ path: join(dir, "ts.sqlite") }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe("embedded store file", () => {
  it("keeps points across a close and reopen", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vetra-embedded-"));
    try {
      const path = join(dir, "nested", "ts.sqlite");
      const first = openEmbeddedStore({ path });
      const ts = 1_700_000_000_000;
      await first.write([
        { measurement: "meter", tags: { site: "f1", asset: "H01" }, fields: { power_kw: 42.5 }, ts },
      ]);
      await first.close();
      expect(await first.ping()).toMatchObject({ kind: "failure", code: "STORE_UNAVAILABLE" });
      const second = openEmbeddedStore({ path });
      expect(await second.latest({ measurement: "meter", groupBy: ["asset"] })).toEqual({
        kind: "success",
        value: [{ tags: { asset: "H01" }, ts, fields: { power_kw: 42.5 } }],
      });
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("embedded store reads", () => {
  it("reads a latest row by primary key (SQLite's plan: a search, never a scan of the table)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vetra-embedded-"));
    const store = openEmbeddedStore({ path: join(dir, "ts.sqlite") });
    try {
      const cost = await store.latestCost({ measurement: "vibration", tags: { asset: "T01" }, groupBy: [] });
      expect(cost).toMatchObject({ kind: "success", value: { series: 0 } });
      if (cost.kind !== "success") return;
      expect(cost.value.plan).toEqual([
        expect.stringMatching(/^SEARCH latest USING INTEGER PRIMARY KEY \(rowid=\?\)$/),
      ]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
