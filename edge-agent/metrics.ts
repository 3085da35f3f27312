// The agent's own health as Prometheus text on /metrics (prom-client with a
// registry of its own, so several agents in one process — the demo — never
// share counters).
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry } from "prom-client";

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

export interface AgentMetrics {
  readonly registry: Registry;
  readonly snapshotsSent: Counter;
  readonly snapshotsDropped: Counter;
  readonly snapshotsRejected: Counter;
  readonly acquired: Counter;
  readonly acked: Counter;
  readonly dropped: Counter;
  readonly deadLettered: Counter;
  readonly sourceErrors: Counter<"source" | "code">;
  /** Outages per source (a device not answering), their total length and the polls they cost. */
  readonly sourceOutages: Counter<"source">;
  readonly sourceOutageSeconds: Counter<"source">;
  readonly sourceMissedPolls: Counter<"source">;
  /** 1 while a source's device does not answer. */
  readonly sourceDown: Gauge<"source">;
  /** Values outside their field's physical range (common/names.ts), per source. */
  readonly implausibleValues: Counter<"source">;
}

export function createAgentMetrics(queue: QueueGaugeSource, diag?: DiagnosticsGaugeSource): AgentMetrics {
  const registry = new Registry();
  const snapshotsSent = new Counter({
    name: "vetra_agent_snapshots_sent_total",
    help: "Spectrum snapshots acknowledged by central",
    registers: [registry],
  });
  const snapshotsDropped = new Counter({
    name: "vetra_agent_snapshots_dropped_total",
    help: "Spectrum snapshots dropped to stay under the snapshot folder's cap (oldest scheduled first)",
    registers: [registry],
  });
  const snapshotsRejected = new Counter({
    name: "vetra_agent_snapshots_rejected_total",
    help: "Spectrum snapshots central rejected (kept in snapshots/rejected)",
    registers: [registry],
  });
  if (diag) {
    new Gauge({
      name: "vetra_agent_snapshots_pending",
      help: "Spectrum snapshots waiting for central",
      registers: [registry],
      collect() {
        this.set(diag.pendingSnapshots());
      },
    });
    new Gauge({
      name: "vetra_agent_diagnoses_active",
      help: "Diagnoses active over all measuring points",
      registers: [registry],
      collect() {
        this.set(diag.activeDiagnoses());
      },
    });
  }
  const acquired = new Counter({
    name: "vetra_agent_points_acquired_total",
    help: "Points acquired from sources (and features computed from waveforms)",
    registers: [registry],
  });
  const acked = new Counter({
    name: "vetra_agent_points_acked_total",
    help: "Points acknowledged by central (durably stored)",
    registers: [registry],
  });
  const dropped = new Counter({
    name: "vetra_agent_points_dropped_total",
    help: "Points dropped from the queue (byte cap or age)",
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: "vetra_agent_points_dead_lettered_total",
    help: "Points central rejected, moved to the dead-letter table",
    registers: [registry],
  });
  const sourceErrors = new Counter({
    name: "vetra_agent_source_errors_total",
    help: "Source errors by source and error code",
    labelNames: ["source", "code"] as const,
    registers: [registry],
  });
  const sourceOutages = new Counter({
    name: "vetra_agent_source_outages_total",
    help: "Outages per source: periods in which its device did not answer",
    labelNames: ["source"] as const,
    registers: [registry],
  });
  const sourceOutageSeconds = new Counter({
    name: "vetra_agent_source_outage_seconds_total",
    help: "Length of the ended outages per source, s",
    labelNames: ["source"] as const,
    registers: [registry],
  });
  const sourceMissedPolls = new Counter({
    name: "vetra_agent_source_missed_polls_total",
    help: "Polls (or publishing intervals) that brought nothing because of an outage, per source",
    labelNames: ["source"] as const,
    registers: [registry],
  });
  const sourceDown = new Gauge({
    name: "vetra_agent_source_down",
    help: "1 while the source's device does not answer (an outage is on), else 0",
    labelNames: ["source"] as const,
    registers: [registry],
  });
  const implausibleValues = new Counter({
    name: "vetra_agent_implausible_values_total",
    help: "Values outside their field's physical range (a mapping mistake: word order, scale, address), per source",
    labelNames: ["source"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "vetra_agent_queue_depth",
    help: "Points waiting in the queue",
    registers: [registry],
    collect() {
      this.set(queue.depth());
    },
  });
  new Gauge({
    name: "vetra_agent_queue_bytes",
    help: "Bytes of points waiting in the queue",
    registers: [registry],
    collect() {
      this.set(queue.bytes());
    },
  });
  new Gauge({
    name: "vetra_agent_lag_seconds",
    help: "Age of the oldest queued point, s",
    registers: [registry],
    collect() {
      this.set(queue.lagSeconds());
    },
  });
  return {
    registry,
    acquired,
    acked,
    dropped,
    deadLettered,
    sourceErrors,
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

/** Serves `GET /metrics`; port 0 = a free port. */
export async function serveMetrics(
  registry: Registry,
  host: string,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method === "GET" && (req.url === "/metrics" || req.url?.startsWith("/metrics?"))) {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(text);
        })
        .catch((e: Error) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(e.message);
        });
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found; try /metrics\n");
  });
  server.listen(port, host);
  await once(server, "listening");
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
