// What the app's plugins are given: the two stores, the validated config and
// optionally a clock.
import type { CentralConfig } from "./config.ts";
import type { MetaStore } from "./meta/meta.ts";
import type { TimeSeriesStore } from "./stores/types.ts";

export type Config = CentralConfig;

export interface CentralDeps {
  store: TimeSeriesStore;
  meta: MetaStore;
  config: CentralConfig;
  /** The service model's clock (alarm times, escalation, notifications); tests pass a controllable one. */
  clock?: () => number;
}
