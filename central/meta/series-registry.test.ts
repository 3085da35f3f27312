// The per-site series count in the metadata database (SQLite file, and
// PostgreSQL where installed): the cap, commit or not, and two replicas
// (two connections to one database) sharing the count.
import { describe, expect, it } from "vitest";
import { freshMetadata, metadataKinds } from "../../test/helpers/metadata.ts";
import { seriesKeyOf } from "../lib/series-key.ts";
import { SeriesRegistry } from "./series-registry.ts";

describe.each(metadataKinds())("series registry (%s)", (kind) => {
  const md = freshMetadata(kind);
  const open = async () => new SeriesRegistry((await md.open()).db);

  it("names a series by measurement and tag set, whatever the tags' order", async () => {
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

  it("refuses the new series past the cap, records nothing without commit or with any refused", async () => {
    const r = await open();
    expect(await r.admit("wf1", ["a", "b"], 3, false)).toEqual(new Set());
    expect(await r.seriesOf("wf1")).toBe(0);
    expect(await r.admit("wf1", ["a", "b"], 3, true)).toEqual(new Set());
    expect(await r.seriesOf("wf1")).toBe(2);
    expect(await r.admit("wf1", ["a", "c", "d", "e"], 3, true)).toEqual(new Set(["d", "e"]));
    expect(await r.seriesOf("wf1")).toBe(2);
    expect(await r.admit("wf1", ["c"], 3, true)).toEqual(new Set());
    expect(await r.admit("wf1", ["a", "b", "c"], 3, true)).toEqual(new Set());
    expect(await r.admit("wf1", ["z"], 3, true)).toEqual(new Set(["z"]));
    expect(await r.admit("wf2", ["z"], 3, true)).toEqual(new Set());
  });

  it("two replicas on one file share the count, and each admits what the other recorded", async () => {
    const a = await open();
    const b = await open();
    expect(await a.admit("wf1", ["s1", "s2"], 3, true)).toEqual(new Set());
    expect(await b.admit("wf1", ["s3"], 3, true)).toEqual(new Set());
    expect(await a.admit("wf1", ["s4"], 3, true)).toEqual(new Set(["s4"]));
    // b recorded s3: a accepts it at the cap.
    expect(await a.admit("wf1", ["s3", "s1"], 3, true)).toEqual(new Set());
    expect(await b.seriesOf("wf1")).toBe(3);
  });
});
