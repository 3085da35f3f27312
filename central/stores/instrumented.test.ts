// The instrumenting decorator is a TimeSeriesStore like any other: it passes
// the conformance suite around the embedded store, keeps the embedded
// store's file known (report workers open it), and times each call by its
// result, a throwing store's error passed on unchanged.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeStoreConformance } from "../../test/conformance/store.ts";
import { sample } from "../../test/helpers/prometheus.ts";
import { createCentralMetrics } from "../metrics.ts";
import { embeddedStoreFile, openEmbeddedStore } from "./embedded.ts";
import { instrumentStore } from "./instrumented.ts";
import type { TimeSeriesStore } from "./types.ts";

describeStoreConformance("instrumented embedded (SQLite)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-instrumented-"));
  const metrics = createCentralMetrics({ processMetrics: false });
  return {
    store: instrumentStore(openEmbeddedStore({ path: join(dir, "ts.sqlite") }), metrics),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe("instrumentStore", () => {
  it("names the embedded store's file and times calls by result", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vetra-instrumented-"));
    const metrics = createCentralMetrics({ processMetrics: false });
    const inner = openEmbeddedStore({ path: join(dir, "ts.sqlite") });
    const store = instrumentStore(inner, metrics);
    try {
      expect(embeddedStoreFile(store)).toBe(join(dir, "ts.sqlite"));
      expect(typeof store.queryColumns).toBe("function");
      const ts = Date.UTC(2026, 0, 1);
      expect(
        await store.write([
          { measurement: "scada", tags: { site: "s", asset: "a" }, fields: { power_kw: 1 }, ts },
        ]),
      ).toMatchObject({ kind: "success", value: { written: 1 } });
      // A non-finite value: the store's failure, passed on and timed as one.
      const bad = await store.write([
        { measurement: "scada", tags: { site: "s", asset: "a" }, fields: { power_kw: Number.NaN }, ts },
      ]);
      expect(bad).toMatchObject({ kind: "failure", code: "INVALID_NUMBER" });
      await store.query({ measurement: "scada", field: "power_kw", fromMs: ts, toMs: ts + 1 });
      const text = await metrics.registry.metrics();
      const count = (operation: string, result: string) =>
        sample(text, "vetra_central_store_operation_duration_seconds_count", {
          store: "embedded",
          operation,
          result,
        });
      expect(count("write", "success")).toBe(1);
      expect(count("write", "failure")).toBe(1);
      expect(count("query", "success")).toBe(1);
      expect(sample(text, "vetra_central_store_points_written_total", { store: "embedded" })).toBe(1);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes a throwing store's error on and counts it as `error`; a store without queryColumns gets none", async () => {
    const metrics = createCentralMetrics({ processMetrics: false });
    const broken: TimeSeriesStore = {
      kind: "influx",
      ping: async () => ({ kind: "success", value: undefined }),
      write: async () => {
        throw new Error("socket hang up");
      },
      query: async () => ({ kind: "success", value: [] }),
      bucketed: async () => ({ kind: "success", value: [] }),
      latest: async () => ({ kind: "success", value: [] }),
      latestCost: async () => ({ kind: "success", value: { series: 0, plan: [] } }),
      close: async () => {},
    };
    const store = instrumentStore(broken, metrics);
    expect(store.queryColumns).toBeUndefined();
    await expect(store.write([])).rejects.toThrow("socket hang up");
    const text = await metrics.registry.metrics();
    expect(
      sample(text, "vetra_central_store_operation_duration_seconds_count", {
        store: "influx",
        operation: "write",
        result: "error",
      }),
    ).toBe(1);
  });
});
