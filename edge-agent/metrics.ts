// The agent's own health as Prometheus text on /metrics (prom-client with a
// registry of its own, so several agents in one process — the demo — never
// share counters).
//
// Latency figures (event-loop delay, Modbus poll time) are percentiles of
// Node's HDR histograms (node:perf_hooks) over the interval since the
// previous scrape: each scrape reads them and starts a new interval, as
// prom-client's own `nodejs_eventloop_lag_*` do. Block analysis time is a
// Prometheus histogram (rates and sums aggregate over agents).
import { createHistogram, monitorEventLoopDelay, type RecordableHistogram } from "node:perf_hooks";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export interface QueueGaugeSource {
  depth(): number;
  bytes(): number;
  lagSeconds(): number;
}

/** Gauges of the diagnostics (read when scraped). */
export interface DiagnosticsGaugeSource {
  activeDiagnoses(): number;
  pendingSnapshots(): number;
}

/** Gauges of the block analysis (diagnostics/pool.ts), read when scraped. */
export interface AnalysisGaugeSource {
  /** Blocks waiting for analysis. */
  backlog(): number;
  /** Blocks being analysed now. */
  running(): number;
  /** Analysis worker threads alive (0: analysis on the main thread). */
  workers(): number;
}

/** Event-loop delay sampling period, ms (prom-client's default). */
const LOOP_DELAY_RESOLUTION_MS = 10;
/** Block analysis time buckets, s: from a fast core's 65536-sample block to a slow gateway's. */
const ANALYSIS_BUCKETS_S = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

export interface AgentMetrics {
  readonly registry: Registry;
  /** One Modbus poll took this long (first request to the last answer, as seen by the agent), ms. */
  observePollMs(ms: number): void;
  readonly blocksAnalysed: Counter;
  readonly blocksDropped: Counter<"reason">;
  readonly analysisFailures: Counter;
  readonly analysisWorkerCrashes: Counter;
  readonly analysisSeconds: Histogram;
  /** Stops sampling the event loop. */
  stop(): void;
  readonly snapshotsSent: Counter;
  readonly snapshotsDropped: Counter;
  readonly snapshotsRejected: Counter;
  readonly acquired: Counter;
  readonly acked: Counter;
  readonly dropped: Counter;
  readonly deadLettered: Counter;
  readonly sourceErrors: Counter<"source" | "code">;
  readonly refused: Counter<"source" | "code">;
  /** Outages per source (a device not answering), their total length and the polls they cost. */
  readonly sourceOutages: Counter<"source">;
  readonly sourceOutageSeconds: Counter<"source">;
  readonly sourceMissedPolls: Counter<"source">;
  /** 1 while a source's device does not answer. */
  readonly sourceDown: Gauge<"source">;
  /** Values outside their field's physical range (common/names.ts), per source. */
  readonly implausibleValues: Counter<"source">;
}

/**
 * Sets `quantile` 0.5, 0.99 and 1 (the maximum) of `gauge` from a histogram
 * in ns less `offsetNs`, then starts a new interval.
 */
function setQuantilesAndReset(
  gauge: Gauge<"quantile">,
  h: { count: number; percentile(p: number): number; max: number; reset(): void },
  offsetNs = 0,
): void {
  const s = (ns: number) => (h.count > 0 ? Math.max(0, ns - offsetNs) / 1e9 : 0);
  gauge.set({ quantile: "0.5" }, s(h.percentile(50)));
  gauge.set({ quantile: "0.99" }, s(h.percentile(99)));
  gauge.set({ quantile: "1" }, s(h.max));
  h.reset();
}

export function createAgentMetrics(
  queue: QueueGaugeSource,
  diag?: DiagnosticsGaugeSource,
  analysis?: AnalysisGaugeSource,
): AgentMetrics {
  const registry = new Registry();
  const counter = <L extends string = string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  /** A gauge read from `read` when scraped. */
  const reading = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  // How late the event loop ran its timers: what a blocked loop costs every poll and subscription.
  // The histogram holds the time between two ticks of a timer of period LOOP_DELAY_RESOLUTION_MS
  // (an idle loop reads 10 ms); the delay is what exceeds the period.
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();
  new Gauge({
    name: "vetra_agent_event_loop_delay_seconds",
    help: "How late the event loop ran a timer, since the previous scrape: quantile 0.5, 0.99 and 1 (the maximum), s",
    labelNames: ["quantile"] as const,
    registers: [registry],
    collect() {
      setQuantilesAndReset(this, loopDelay, LOOP_DELAY_RESOLUTION_MS * 1e6);
    },
  });
  const polls: RecordableHistogram = createHistogram();
  new Gauge({
    name: "vetra_agent_modbus_poll_seconds",
    help: "Time of one Modbus poll (first request to the last answer) since the previous scrape: quantile 0.5, 0.99 and 1, s",
    labelNames: ["quantile"] as const,
    registers: [registry],
    collect() {
      setQuantilesAndReset(this, polls);
    },
  });
  const blocksAnalysed = counter(
    "vetra_agent_blocks_analysed_total",
    "Waveform blocks the diagnostic chain analysed",
  );
  const blocksDropped = counter(
    "vetra_agent_blocks_dropped_total",
    "Waveform blocks not analysed: backlog (the oldest waiting block of a point behind its cap), worker_crashed, stopped",
    ["reason"],
  );
  const analysisFailures = counter(
    "vetra_agent_analysis_failures_total",
    "Waveform blocks the diagnostic chain refused (too short, no sample rate)",
  );
  const analysisWorkerCrashes = counter(
    "vetra_agent_analysis_worker_crashes_total",
    "Analysis worker threads that died or were ended for a stuck block (each is replaced)",
  );
  const analysisSeconds = new Histogram({
    name: "vetra_agent_block_analysis_seconds",
    help: "Time the diagnostic chain took for one waveform block, s",
    buckets: ANALYSIS_BUCKETS_S,
    registers: [registry],
  });
  if (analysis) {
    reading("vetra_agent_analysis_backlog_blocks", "Waveform blocks waiting for analysis", () =>
      analysis.backlog(),
    );
    reading("vetra_agent_analysis_running_blocks", "Waveform blocks being analysed now", () =>
      analysis.running(),
    );
    reading(
      "vetra_agent_analysis_workers",
      "Analysis worker threads alive (0: blocks are analysed on the main thread)",
      () => analysis.workers(),
    );
  }
  const snapshotsSent = counter(
    "vetra_agent_snapshots_sent_total",
    "Spectrum snapshots acknowledged by central",
  );
  const snapshotsDropped = counter(
    "vetra_agent_snapshots_dropped_total",
    "Spectrum snapshots dropped to stay under the snapshot folder's cap (oldest scheduled first)",
  );
  const snapshotsRejected = counter(
    "vetra_agent_snapshots_rejected_total",
    "Spectrum snapshots central rejected (kept in snapshots/rejected)",
  );
  if (diag) {
    reading("vetra_agent_snapshots_pending", "Spectrum snapshots waiting for central", () =>
      diag.pendingSnapshots(),
    );
    reading("vetra_agent_diagnoses_active", "Diagnoses active over all measuring points", () =>
      diag.activeDiagnoses(),
    );
  }
  const acquired = counter(
    "vetra_agent_points_acquired_total",
    "Points acquired from sources (and features computed from waveforms)",
  );
  const acked = counter("vetra_agent_points_acked_total", "Points acknowledged by central (durably stored)");
  const dropped = counter(
    "vetra_agent_points_dropped_total",
    "Points dropped from the queue (byte cap or age)",
  );
  const deadLettered = counter(
    "vetra_agent_points_dead_lettered_total",
    "Points central rejected, moved to the dead-letter table",
  );
  const refused = counter(
    "vetra_agent_points_refused_total",
    "Points refused before sending because central's catalog does not accept them (kept as dead letters), by source and error code",
    ["source", "code"],
  );
  const sourceErrors = counter("vetra_agent_source_errors_total", "Source errors by source and error code", [
    "source",
    "code",
  ]);
  const sourceOutages = counter(
    "vetra_agent_source_outages_total",
    "Outages per source: periods in which its device did not answer",
    ["source"],
  );
  const sourceOutageSeconds = counter(
    "vetra_agent_source_outage_seconds_total",
    "Length of the ended outages per source, s",
    ["source"],
  );
  const sourceMissedPolls = counter(
    "vetra_agent_source_missed_polls_total",
    "Polls (or publishing intervals) that brought nothing because of an outage, per source",
    ["source"],
  );
  const sourceDown = new Gauge({
    name: "vetra_agent_source_down",
    help: "1 while the source's device does not answer (an outage is on), else 0",
    labelNames: ["source"] as const,
    registers: [registry],
  });
  const implausibleValues = counter(
    "vetra_agent_implausible_values_total",
    "Values outside their field's physical range (a mapping mistake: word order, scale, address), per source",
    ["source"],
  );
  reading("vetra_agent_queue_depth", "Points waiting in the queue", () => queue.depth());
  reading("vetra_agent_queue_bytes", "Bytes of points waiting in the queue", () => queue.bytes());
  reading("vetra_agent_lag_seconds", "Age of the oldest queued point, s", () => queue.lagSeconds());
  return {
    registry,
    // In ns, as the event-loop histogram (it takes whole numbers ≥ 1).
    observePollMs: (ms) => polls.record(Math.max(1, Math.round(ms * 1e6))),
    blocksAnalysed,
    blocksDropped,
    analysisFailures,
    analysisWorkerCrashes,
    analysisSeconds,
    stop: () => loopDelay.disable(),
    acquired,
    acked,
    dropped,
    deadLettered,
    sourceErrors,
    refused,
    sourceOutages,
    sourceOutageSeconds,
    sourceMissedPolls,
    sourceDown,
    implausibleValues,
    snapshotsSent,
    snapshotsDropped,
    snapshotsRejected,
  };
}
