// A TimeSeriesStore that times every call of the store it wraps and counts
// the points it accepted, so every store kind is measured the same way
// without a line of measuring code inside any of them. Answers are passed on
// unchanged (a store's own error stays its error).
import type { Counter, Histogram } from "prom-client";
import type { IoResult } from "../../common/result.ts";
import { shareEmbeddedStoreFile } from "./embedded.ts";
import type { TimeSeriesStore } from "./types.ts";

export interface StoreMetrics {
  storeDuration: Histogram<"store" | "operation" | "result">;
  storePointsWritten: Counter<"store">;
}

export function instrumentStore(inner: TimeSeriesStore, metrics: StoreMetrics): TimeSeriesStore {
  const store = inner.kind;
  const timed = async <T>(operation: string, call: () => Promise<IoResult<T>>): Promise<IoResult<T>> => {
    const end = metrics.storeDuration.startTimer({ store, operation });
    try {
      const result = await call();
      end({ result: result.kind });
      return result;
    } catch (error) {
      end({ result: "error" });
      throw error;
    }
  };
  const outer: TimeSeriesStore = {
    kind: inner.kind,
    ping: () => timed("ping", () => inner.ping()),
    async write(points) {
      const result = await timed("write", () => inner.write(points));
      if (result.kind === "success") metrics.storePointsWritten.inc({ store }, result.value.written);
      return result;
    },
    query: (q) => timed("query", () => inner.query(q)),
    bucketed: (q) => timed("bucketed", () => inner.bucketed(q)),
    latest: (q) => timed("latest", () => inner.latest(q)),
    latestCost: (q) => inner.latestCost(q),
    close: () => inner.close(),
  };
  // Only where the store has them: columns.ts and write-columns.ts fall back to `query` and `write`.
  if (inner.writeColumns) {
    const writeColumns = inner.writeColumns.bind(inner);
    outer.writeColumns = async (series) => {
      const result = await timed("write", () => writeColumns(series));
      if (result.kind === "success") metrics.storePointsWritten.inc({ store }, result.value.written);
      return result;
    };
  }
  if (inner.queryColumns) {
    const queryColumns = inner.queryColumns.bind(inner);
    outer.queryColumns = (q) => timed("query_columns", () => queryColumns(q));
  }
  // Report workers open an embedded store's file again: the wrapper names the same file.
  shareEmbeddedStoreFile(inner, outer);
  return outer;
}
