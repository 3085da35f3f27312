// Refusals before queueing, on a real (in-memory) queue and a catalog built
// the way central builds it.
import { describe, expect, it } from "vitest";
import { buildCatalog, type CatalogIndex, indexCatalog } from "../../common/catalog.ts";
import type { Point } from "../../common/wire.ts";
import { openMemoryQueue } from "../queue/memory.ts";
import { LocalRefusals } from "./refusals.ts";

const index = indexCatalog(
  buildCatalog("wf1", 1, [{ id: "T01", kind: "turbine", points: [{ id: "main_bearing" }] }]),
);
const scada = (asset: string, i: number): Point => ({
  measurement: "scada",
  tags: { site: "wf1", asset },
  fields: { power_kw: i },
  ts: 1_700_000_000_000 + i,
});

const setup = (current: CatalogIndex | null) => {
  const queue = openMemoryQueue({ dir: "", maxBytes: 1 << 20, maxAgeHours: 1 });
  const lines: string[] = [];
  const counted: [string, string, number][] = [];
  let catalog = current;
  const refusals = new LocalRefusals({
    catalog: { current: () => catalog },
    queue,
    log: (l) => lines.push(l),
    onRefused: (origin, code, n) => counted.push([origin, code, n]),
  });
  return { queue, lines, counted, refusals, set: (c: CatalogIndex | null) => (catalog = c) };
};

describe("refusals before queueing", () => {
  it("keeps what the catalog accepts, makes dead letters of the rest, one log line per source and reason", () => {
    const { queue, lines, counted, refusals } = setup(index);
    for (let poll = 0; poll < 5; poll++) {
      const kept = refusals.admit([scada("T01", poll), scada("TO1", poll), scada("TO1", 100 + poll)], "plc");
      expect(kept.map((p) => p.tags.asset)).toEqual(["T01"]);
    }
    expect(lines).toEqual([
      'source plc: scada of TO1: UNKNOWN_ASSET tags.asset: "TO1" is not an asset of site "wf1" in central\'s configuration; central does not accept it, so it is not sent (kept as dead letters: vetra edge dead-letters list)',
    ]);
    expect(counted).toHaveLength(5);
    expect(counted[0]).toEqual(["plc", "UNKNOWN_ASSET", 2]);
    // Alike refusals share a letter.
    expect(queue.listDeadLetters()).toEqual([
      expect.objectContaining({ origin: "local:plc", code: "UNKNOWN_ASSET", points: 10 }),
    ]);
    // Another source with the same mistake is its own line.
    refusals.admit([scada("TO1", 1)], "plc-2");
    expect(lines).toHaveLength(2);
    // After a catalog change a reason still refused is logged once more.
    refusals.catalogChanged();
    refusals.admit([scada("TO1", 2)], "plc");
    expect(lines).toHaveLength(3);
  });

  it("refuses nothing without a catalog, and hands back the very array when nothing is refused", () => {
    const { queue, refusals, set } = setup(null);
    const points = [scada("TO1", 1)];
    expect(refusals.admit(points, "plc")).toBe(points);
    set(index);
    const good = [scada("T01", 1)];
    expect(refusals.admit(good, "plc")).toBe(good);
    expect(queue.listDeadLetters()).toEqual([]);
  });

  it("refuses a snapshot of a point central does not have, sharing the line of its features", () => {
    const { lines, counted, refusals } = setup(index);
    const upload = { asset: "T01", point: "tower_top" } as Parameters<LocalRefusals["refusesSnapshot"]>[0];
    expect(refusals.refusesSnapshot(upload, "cms")).toBe(true);
    expect(refusals.refusesSnapshot({ ...upload, point: "main_bearing" }, "cms")).toBe(false);
    refusals.admit(
      [
        {
          measurement: "vibration",
          tags: { site: "wf1", asset: "T01", point: "tower_top" },
          fields: { v_rms_mm_s: 1 },
          ts: 1,
        },
      ],
      "cms",
    );
    expect(lines).toHaveLength(1);
    expect(counted).toEqual([
      ["cms", "UNKNOWN_POINT", 0],
      ["cms", "UNKNOWN_POINT", 1],
    ]);
  });
});
