// What the app's plugins are given: the two stores and the validated config.
import type { CentralConfig } from "./config.ts";
import type { MetaStore } from "./meta/meta.ts";
import type { TimeSeriesStore } from "./stores/types.ts";

export type Config = CentralConfig;

export interface CentralDeps {
  store: TimeSeriesStore;
  meta: MetaStore;
  config: CentralConfig;
}
