import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Point } from "../../common/wire.ts";
import { describeStoreConformance } from "../../test/conformance/store.ts";
import { openEmbeddedStore } from "./embedded.ts";

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

describe("embedded store rollups", () => {
  const T0 = 1_700_000_040_000;
  const TEN_MIN = 600_000;
  const DAY = 86_400_000;
  /** A pseudo-random walk of 30 days at 1 per 10 min, with re-sent and overwritten blocks. */
  const batches = () => {
    let seed = 11;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const out: Point[][] = [];
    let batch: Point[] = [];
    for (let i = 0; i < 30 * 144; i++) {
      const ts = T0 + i * TEN_MIN;
      batch.push({
        measurement: "vibration",
        tags: { site: "wf1", asset: "T01", point: "main_bearing" },
        fields: { v_rms_mm_s: Math.round(next() * 400) / 4, kurtosis: 3 + Math.round(next() * 8) / 8 },
        ts,
      });
      // A block sent twice in one batch, the second time with another value: new samples and an
      // overwrite in the same windows of one write.
      if (batch.length === 250) batch.push({ ...batch[100]!, fields: { kurtosis: 42 } });
      if (batch.length === 500) {
        out.push(batch);
        // Now and then a batch arrives twice, and a block is sent again with another value.
        if (next() < 0.3) out.push(batch);
        const j = Math.floor(next() * batch.length);
        out.push([{ ...batch[j]!, fields: { v_rms_mm_s: 999 } }]);
        batch = [];
      }
    }
    out.push(batch);
    return out;
  };
  const year = (everyMs: number) => ({
    measurement: "vibration" as const,
    fields: ["v_rms_mm_s", "kurtosis"],
    tags: { asset: "T01" },
    fromMs: T0 - 3 * DAY + 12_345,
    toMs: T0 + 40 * DAY - 777,
    everyMs,
  });

  it("answers from rollups exactly what grouping the samples answers, after overwrites and a rebuild", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vetra-embedded-"));
    const withRollups = openEmbeddedStore({ path: join(dir, "a.sqlite") });
    const without = openEmbeddedStore({ path: join(dir, "b.sqlite"), rollups: false });
    try {
      for (const b of batches()) {
        expect((await withRollups.write(b)).kind).toBe("success");
        expect((await without.write(b)).kind).toBe("success");
      }
      for (const everyMs of [TEN_MIN, 3_600_000, 6 * 3_600_000, DAY, 7 * DAY, 7 * 60_000]) {
        const a = await withRollups.bucketed(year(everyMs));
        expect(a.kind).toBe("success");
        expect(a, `every ${everyMs} ms`).toEqual(await without.bucketed(year(everyMs)));
      }
      // The rollups hold one row per window and level: 30 days → 4320, 720 and 30 (or 31) rows.
      const db = new Database(join(dir, "a.sqlite"), { readonly: true });
      const rows = db
        .prepare("SELECT level_ms, COUNT(*) AS n FROM rollup WHERE field = 'v_rms_mm_s' GROUP BY level_ms")
        .all() as { level_ms: number; n: number }[];
      db.close();
      expect(rows.map((r) => r.level_ms)).toEqual([600_000, 3_600_000, 86_400_000]);
      expect(rows[0]!.n).toBe(4320);
      expect(rows[1]!.n).toBeGreaterThanOrEqual(720);
      expect(rows[1]!.n).toBeLessThanOrEqual(721);
      expect(rows[2]!.n).toBeGreaterThanOrEqual(30);
      expect(rows[2]!.n).toBeLessThanOrEqual(31);
      // The file written without rollups, opened with them: rebuilt from its samples, same answers.
      await without.close();
      const rebuilt = openEmbeddedStore({ path: join(dir, "b.sqlite") });
      for (const everyMs of [3_600_000, DAY])
        expect(await rebuilt.bucketed(year(everyMs))).toEqual(await withRollups.bucketed(year(everyMs)));
      await rebuilt.close();
    } finally {
      await withRollups.close();
      await without.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
