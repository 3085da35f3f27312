// Central's own health as Prometheus text: one registry per central instance
// (several in one process — the demo, the tests — never share counters).
// Every metric is defined here; they are fed from outside the code they
// describe: HTTP and ingest by hooks of plugins/metrics.ts (route, status and
// error code of each answer), the time-series store by the instrumenting
// decorator (stores/instrumented.ts), the alarm evaluator's passes and the
// notifier's attempts through diagnostics channels, and the rest (notification outbox, databases, the
// live feed) read when Prometheus scrapes. Served on a port of its own
// (`server.metrics` in the config), not on the API port: see
// common/metrics-server.ts and deploy/README.md.
import { statSync } from "node:fs";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Latency buckets, s: SQLite commits and index reads (≈0.1–10 ms) to remote stores' timeouts (10 s). */
const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A database central keeps state in, read at scrape time. SQLite offers its
 * files' sizes; a client-server database (the PostgreSQL metadata store)
 * offers its connection pool.
 */
export interface DatabaseGaugeSource {
  /** Bytes on disk by file role (`main`, `wal`). */
  fileBytes?(): Record<string, number>;
  /** Connections of the pool: open in total, idle, and requests waiting for one. */
  pool?(): { total: number; idle: number; waiting: number };
}

/** An SQLite database file and its write-ahead log. */
export const sqliteFiles = (path: string): DatabaseGaugeSource => ({
  fileBytes() {
    const size = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0; // no WAL between checkpoints, or the file is gone: nothing on disk
      }
    };
    return { main: size(path), wal: size(`${path}-wal`) };
  },
});

export interface CentralMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<"method" | "route" | "status" | "code">;
  readonly httpDuration: Histogram<"method" | "route">;
  readonly ingestBatches: Counter<"result">;
  readonly ingestPoints: Counter;
  readonly ingestRefused: Counter<"code">;
  readonly ingestPointsRefused: Counter<"code">;
  readonly storeDuration: Histogram<"store" | "operation" | "result">;
  readonly storePointsWritten: Counter<"store">;
  readonly evaluationDuration: Histogram<"result">;
  readonly liveFeedClients: Gauge;
  readonly notificationAttempts: Counter<"result">;
  /** Databases by name (`metadata`, `timeseries`), read at scrape time. */
  readonly databases: Map<string, DatabaseGaugeSource>;
  /** Notification deliveries by status, read at scrape time (set by the notifications' owner). */
  notifications: (() => Promise<Record<string, number>>) | null;
}

export function createCentralMetrics(options: { processMetrics?: boolean } = {}): CentralMetrics {
  const registry = new Registry();
  // CPU, memory, event-loop delay, GC of the process (prom-client's standard names).
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const databases = new Map<string, DatabaseGaugeSource>();
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers });
  /** Durations in seconds, in the latency buckets. */
  const latency = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Histogram<L>({ name, help, labelNames, buckets: LATENCY_BUCKETS_S, registers });
  const metrics: CentralMetrics = {
    registry,
    databases,
    notifications: null,
    httpRequests: counter(
      "vetra_central_http_requests_total",
      "HTTP answers by method, route (the route's pattern; `unmatched` for no route), status and error code (empty when none)",
      ["method", "route", "status", "code"],
    ),
    httpDuration: latency(
      "vetra_central_http_request_duration_seconds",
      "Time from receiving a request to the end of its answer, s",
      ["method", "route"],
    ),
    ingestBatches: counter(
      "vetra_central_ingest_batches_total",
      "Ingest batches stored (result `stored`) or acknowledged again without storing (`duplicate` batch id)",
      ["result"],
    ),
    ingestPoints: new Counter({
      name: "vetra_central_ingest_points_total",
      help: "Points of stored ingest batches",
      registers,
    }),
    ingestRefused: counter(
      "vetra_central_ingest_refused_total",
      "Ingest batches refused (4xx/5xx), by error code",
      ["code"],
    ),
    ingestPointsRefused: counter(
      "vetra_central_ingest_points_refused_total",
      "Points named as refused in refused ingest batches (error details.rejected), by the point's code",
      ["code"],
    ),
    storeDuration: latency(
      "vetra_central_store_operation_duration_seconds",
      "Time-series store calls by store kind, operation (write, query, latest, ping) and result (success, retryable, failure, error = threw), s",
      ["store", "operation", "result"],
    ),
    storePointsWritten: counter(
      "vetra_central_store_points_written_total",
      "Points the time-series store accepted",
      ["store"],
    ),
    evaluationDuration: latency(
      "vetra_central_alarm_evaluation_duration_seconds",
      "Alarm evaluator passes (store → conditions → alarm book) by result, s",
      ["result"],
    ),
    liveFeedClients: new Gauge({
      name: "vetra_central_live_feed_clients",
      help: "Open live alarm feeds (GET /api/v1/alarms/stream) on this replica",
      registers,
    }),
    notificationAttempts: counter(
      "vetra_central_notification_attempts_total",
      "Notification delivery attempts of this replica by outcome: sent, retried (a transient failure, tried again later), failed (refused, or out of attempts)",
      ["result"],
    ),
  };
  new Gauge({
    name: "vetra_central_notifications",
    help: "Notification deliveries by status: pending, held (quiet hours, digests) and sending are the backlog; failed ones are kept for notifications.keepDays",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      this.reset();
      let counts: Record<string, number> = {};
      try {
        counts = (await metrics.notifications?.()) ?? {};
      } catch {
        // The metadata database away: no figures this scrape (readiness says why).
      }
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: "vetra_central_database_file_bytes",
    help: "Bytes on disk of an SQLite database by file (main, wal)",
    labelNames: ["database", "file"] as const,
    registers,
    collect() {
      this.reset();
      for (const [database, source] of databases)
        for (const [file, bytes] of Object.entries(source.fileBytes?.() ?? {}))
          this.set({ database, file }, bytes);
    },
  });
  new Gauge({
    name: "vetra_central_database_pool_connections",
    help: "Connections of a database client pool by state (total, idle, waiting = requests waiting for a connection)",
    labelNames: ["database", "state"] as const,
    registers,
    collect() {
      this.reset();
      for (const [database, source] of databases) {
        const pool = source.pool?.();
        if (pool) for (const [state, n] of Object.entries(pool)) this.set({ database, state }, n);
      }
    },
  });
  return metrics;
}
