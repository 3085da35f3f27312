// The one table of store kinds: config names a kind, this opens it.
import { join } from "node:path";
import { openEmbeddedStore } from "./embedded.ts";
import { type InfluxStoreOptions, openInfluxStore } from "./influx.ts";
import type { TimeSeriesStore } from "./types.ts";

export type StoreConfig =
  | { kind: "embedded"; path?: string }
  // The config never asks central to create the database: its operator does (createDatabase is for benchmarks).
  | ({ kind: "influx" } & Omit<InfluxStoreOptions, "createDatabase">);

/** File name of the embedded store inside the data dir. */
export const EMBEDDED_STORE_FILE = "timeseries.sqlite";

const stores: {
  [K in StoreConfig["kind"]]: (config: Extract<StoreConfig, { kind: K }>, dataDir: string) => TimeSeriesStore;
} = {
  embedded: (config, dataDir) =>
    openEmbeddedStore({ path: config.path ?? join(dataDir, EMBEDDED_STORE_FILE) }),
  influx: (config) => openInfluxStore(config),
};

/**
 * Opens the store the config names. Opening never waits for a remote server:
 * an unreachable InfluxDB shows up in `ping()` (and /readyz), not here.
 */
export function createStore(config: StoreConfig, dataDir = ".vetra"): TimeSeriesStore {
  const open = stores[config.kind] as (c: StoreConfig, d: string) => TimeSeriesStore;
  return open(config, dataDir);
}
