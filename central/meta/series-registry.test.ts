// The per-site series count on the metadata file: the cap, commit or not,
// and two replicas (two connections to one file) sharing the count.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SeriesRegistry, seriesKeyOf } from "./series-registry.ts";

describe("series registry", () => {
  let dir: string;
  let dbs: Database.Database[];
  const open = () => {
    const db = new Database(join(dir, "metadata.sqlite"));
    db.pragma("journal_mode = WAL");
    dbs.push(db);
    return new SeriesRegistry(db);
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vetra-series-"));
    dbs = [];
  });
  afterEach(() => {
    for (const db of dbs) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("names a series by measurement and tag set, whatever the tags' order", () => {
    const a = seriesKeyOf({
      measurement: "scada",
      tags: { site: "wf1", asset: "T01" },
      fields: { power_kw: 1 },
      ts: 1,
    });
    const b = seriesKeyOf({
      measurement: "scada",
      tags: { asset: "T01", site: "wf1" },
      fields: { power_kw: 2 },
      ts: 2,
    });
    expect(a).toBe(b);
    expect(a).not.toBe(
      seriesKeyOf({ measurement: "meter", tags: { asset: "T01", site: "wf1" }, fields: {}, ts: 1 }),
    );
  });

  it("refuses the new series past the cap, records nothing without commit or with any refused", () => {
    const r = open();
    expect(r.admit("wf1", ["a", "b"], 3, false)).toEqual(new Set());
    expect(r.seriesOf("wf1")).toBe(0);
    expect(r.admit("wf1", ["a", "b"], 3, true)).toEqual(new Set());
    expect(r.seriesOf("wf1")).toBe(2);
    expect(r.admit("wf1", ["a", "c", "d", "e"], 3, true)).toEqual(new Set(["d", "e"]));
    expect(r.seriesOf("wf1")).toBe(2);
    expect(r.admit("wf1", ["c"], 3, true)).toEqual(new Set());
    expect(r.admit("wf1", ["a", "b", "c"], 3, true)).toEqual(new Set());
    expect(r.admit("wf1", ["z"], 3, true)).toEqual(new Set(["z"]));
    expect(r.admit("wf2", ["z"], 3, true)).toEqual(new Set());
  });

  it("two replicas on one file share the count, and each admits what the other recorded", () => {
    const a = open();
    const b = open();
    expect(a.admit("wf1", ["s1", "s2"], 3, true)).toEqual(new Set());
    expect(b.admit("wf1", ["s3"], 3, true)).toEqual(new Set());
    expect(a.admit("wf1", ["s4"], 3, true)).toEqual(new Set(["s4"]));
    // b recorded s3: a accepts it at the cap.
    expect(a.admit("wf1", ["s3", "s1"], 3, true)).toEqual(new Set());
    expect(b.seriesOf("wf1")).toBe(3);
  });
});
