// What the app's plugins are given: the two stores, the validated config and
// optionally a clock and the metrics.
import type { CentralConfig } from "./config.ts";
import type { MetaStore } from "./meta/meta.ts";
import type { CentralMetrics } from "./metrics.ts";
import type { TimeSeriesStore } from "./stores/types.ts";

export type Config = CentralConfig;

export interface CentralDeps {
  store: TimeSeriesStore;
  meta: MetaStore;
  config: CentralConfig;
  /** The service model's clock (alarm times, escalation, notifications); tests pass a controllable one. */
  clock?: () => number;
  /** Prometheus metrics of this instance (central/metrics.ts); none are kept without it. */
  metrics?: CentralMetrics;
}
