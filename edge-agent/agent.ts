// The edge agent: sources → (diagnostics) → durable queue → uplink → central.
// Points are queued the moment they are acquired; the uplink deletes only
// what central acknowledged. Each waveform block runs the diagnostic chain
// once (features, ISO zone, named diagnoses through the alarm state
// machine); the chain itself runs on a pool of worker threads
// (diagnostics/pool.ts), so acquisition never waits for it; spectrum snapshots wait in a folder of their own and go to
// central by a second uplink. The agent's own health goes out the same way
// (measurement `agent`) and on /metrics.
//
// What central accepts (its catalog: the site's assets and measuring points,
// each measurement's fields, the faults) is fetched at start and kept fresh;
// a point it would refuse is refused here, before it is queued, with one log
// line per source and reason, and kept as a dead letter for
// `vetra edge dead-letters` to send again once central's configuration is
// fixed. Points central refuses anyway are set aside one by one; their
// neighbours in the batch are sent again at once.
import type { ErrorCode } from "../common/errors.ts";
import { serveMetrics } from "../common/metrics-server.ts";
import { isPlausible, type PhysicalRange, physicalRangeOf } from "../common/names.ts";
import type { SpectrumUpload } from "../common/spectrum.ts";
import type { Point } from "../common/wire.ts";
import { createClockMonitor } from "./clock.ts";
import { type AgentConfig, type OpcuaSourceConfig, pkiDirOf, plausibleRangeOf } from "./config.ts";
import { type RunningControl, startControl } from "./control/index.ts";
import type { Transition } from "./diagnostics/alarm-state.ts";
import { type BlockInfo, DiagnosticsMonitor } from "./diagnostics/monitor.ts";
import { createBlockAnalyser, type DropReason, type WorkerEntry } from "./diagnostics/pool.ts";
import { loadFastestFft } from "./dsp/fft.ts";
import { createAgentMetrics } from "./metrics.ts";
import type { PointQueue } from "./queue/queue.ts";
import { openQueue } from "./queue/registry.ts";
import { OutageLog, type OutageState } from "./sources/outages.ts";
import { createSource } from "./sources/registry.ts";
import { nominalIntervalMs, type Source, type SourceSink } from "./sources/source.ts";
import { type CatalogFetch, CentralCatalog, createHttpCatalogFetch } from "./uplink/catalog.ts";
import { createReadyProbe } from "./uplink/recovery.ts";
import { LocalRefusals } from "./uplink/refusals.ts";
import { createSnapshotUplink, SnapshotOutbox } from "./uplink/snapshots.ts";
import {
  createHttpTransport,
  createSnapshotTransport,
  type SnapshotTransport,
  type UplinkTransport,
} from "./uplink/transport.ts";
import { createUplink, type RecoveryProbing } from "./uplink/uplink.ts";

/** How long stop() waits for the blocks received to be analysed, ms. */
const STOP_DRAIN_MS = 10_000;

export interface AgentStats {
  /** Points from the sources (features, SCADA, meters). */
  acquired: number;
  /** The agent's own `agent` health points, queued beside them. */
  healthPoints: number;
  acked: number;
  dropped: number;
  /** Points set aside as dead letters: refused by central, or here before sending (`refused`). */
  deadLettered: number;
  /** Points refused before sending, as central's catalog says central would (also in deadLettered). */
  refused: number;
  sourceErrors: number;
  /** Errors by source id and code. */
  sourceErrorsBySource: Record<string, Partial<Record<ErrorCode, number>>>;
  /** Outages by source id: whether one is on now, how many so far. */
  sourceOutages: Record<string, OutageState>;
  /** Values outside their field's physical range. */
  implausibleValues: number;
  /** Waveform blocks received from the sources. */
  waveformBlocks: number;
  /** Blocks the diagnostic chain analysed; blocks dropped unanalysed (backlog cap, worker crash, stop). */
  blocksAnalysed: number;
  blocksDropped: number;
  /** Blocks waiting for analysis, and being analysed now. */
  analysisBacklog: number;
  analysisRunning: number;
  analysisWorkerCrashes: number;
  /** `diagnosis` points queued (raised, changed, cleared, re-confirmed). */
  diagnosisPoints: number;
  /** Diagnoses active now, over all points. */
  activeDiagnoses: number;
  baselinesLearnt: number;
  /** Spectrum snapshots: kept for sending, acknowledged by central, dropped at the cap, rejected by central, waiting. */
  snapshotsQueued: number;
  snapshotsSent: number;
  snapshotsDropped: number;
  snapshotsRejected: number;
  snapshotsPending: number;
  /** Steps of the system clock seen (wall clock against the monotonic clock). */
  clockJumps: number;
  queueDepth: number;
  queueBytes: number;
  lagSeconds: number;
}

export interface RunningAgent {
  /** `http://host:port/metrics` when metrics are served. */
  metricsUrl?: string;
  stats(): AgentStats;
  stop(): Promise<void>;
}

export interface AgentOptions {
  log?: (line: string) => void;
  /** Replaces the HTTP transport (tests, other uplinks). */
  transport?: UplinkTransport;
  /** Replaces the HTTP transport of spectrum snapshots. */
  snapshotTransport?: SnapshotTransport;
  /** Replaces the analysis workers' entry module (tests start one that fails on purpose). */
  analysisWorker?: WorkerEntry;
  /** Replaces the HTTP fetch of central's catalog. */
  catalogFetch?: CatalogFetch;
  /** How often central's catalog is fetched again (conditional GET), ms. */
  catalogRefreshMs?: number;
}

/** Default period of the catalog's conditional re-fetch: a fleet change reaches agents within it. */
export const CATALOG_REFRESH_MS = 5 * 60_000;
/** Longest wait for the first catalog before the sources start (acquisition never waits longer). */
const FIRST_CATALOG_WAIT_MS = 3000;

export async function startAgent(config: AgentConfig, opts: AgentOptions = {}): Promise<RunningAgent> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const site = config.agent.site;
  const queue: PointQueue = openQueue(config.queue.kind, {
    dir: config.queue.dir,
    maxBytes: config.queue.maxBytes,
    maxAgeHours: config.queue.maxAgeHours,
    syncIntervalMs: config.queue.syncIntervalMs,
    onSyncError: (message) => log(message),
  });
  const lagSeconds = (): number => {
    const oldest = queue.stats().oldestTs;
    return oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000);
  };
  // The WebAssembly FFT is instantiated once, here; it falls back to fft.js (and says why) where it cannot load.
  const fft = await loadFastestFft(log);
  const monitor = new DiagnosticsMonitor({
    site,
    config: config.diagnostics,
    dataDir: config.queue.dir,
    log,
    fft,
  });
  const outbox = new SnapshotOutbox({
    dir: config.queue.dir,
    maxFiles: config.diagnostics.snapshotQueue.maxFiles,
    maxBytes: config.diagnostics.snapshotQueue.maxBytes,
  });
  const metrics = createAgentMetrics(
    {
      depth: () => queue.stats().depth,
      bytes: () => queue.stats().bytes,
      lagSeconds,
    },
    { activeDiagnoses: () => monitor.activeCount(), pendingSnapshots: () => outbox.stats().pending },
    {
      backlog: () => analyser.stats().backlog,
      running: () => analyser.stats().running,
      workers: () => analyser.stats().workers,
    },
  );
  const counts = {
    acquired: 0,
    healthPoints: 0,
    acked: 0,
    dropped: 0,
    deadLettered: 0,
    refused: 0,
    sourceErrors: 0,
    waveformBlocks: 0,
    clockJumps: 0,
    diagnosisPoints: 0,
    snapshotsQueued: 0,
    snapshotsSent: 0,
    snapshotsRejected: 0,
    implausibleValues: 0,
  };
  /** Adds n to one of the agent's own counts and to the unlabelled metric of the same name. */
  const tally = (
    name: "acked" | "acquired" | "deadLettered" | "dropped" | "snapshotsRejected" | "snapshotsSent",
    n: number,
  ): void => {
    counts[name] += n;
    metrics[name].inc(n);
  };
  const clock = createClockMonitor();
  let lastClockStepS = 0;
  const errorsBySource: Record<string, Partial<Record<ErrorCode, number>>> = {};
  const outageLogs = new Map<string, OutageLog>();
  for (const sc of config.sources) {
    const source = sc.id;
    metrics.sourceDown.set({ source }, 0);
    outageLogs.set(
      source,
      new OutageLog({
        sourceId: source,
        intervalMs: nominalIntervalMs(sc),
        log,
        onOutageStart: () => {
          metrics.sourceOutages.inc({ source });
          metrics.sourceDown.set({ source }, 1);
        },
        onOutageEnd: (o) => {
          metrics.sourceDown.set({ source }, 0);
          metrics.sourceOutageSeconds.inc({ source }, o.durationMs / 1000);
          metrics.sourceMissedPolls.inc({ source }, o.missedPolls);
        },
      }),
    );
  }
  /** The latest value of every field acquired (a waveform's speed may come from another source). */
  const latest = new Map<string, { value: number; at: number }>();
  const latestKey = (asset: string, measurement: string, field: string, point: string | undefined) =>
    `${asset}\n${measurement}\n${field}\n${point ?? ""}`;
  /** Points whose value left its physical range (warned once each). */
  const implausible = new Set<string>();
  /** Ranges a config declares for its own values (`plausible`), by source, measurement, field and point. */
  const declared = new Map<string, PhysicalRange>();
  for (const sc of config.sources)
    for (const r of sc.kind === "modbus" ? sc.registers : sc.scalars) {
      const range = r.plausible ? plausibleRangeOf(r) : null;
      if (range) declared.set(`${sc.id}\n${r.measurement}\n${r.field}\n${r.point ?? ""}`, range);
    }
  const checkPlausible = (sourceId: string, points: Point[]): void => {
    for (const p of points)
      for (const [field, value] of Object.entries(p.fields)) {
        latest.set(latestKey(p.tags.asset ?? "", p.measurement, field, p.tags.point), {
          value,
          at: Date.now(),
        });
        const range =
          declared.get(`${sourceId}\n${p.measurement}\n${field}\n${p.tags.point ?? ""}`) ??
          physicalRangeOf(p.measurement, field);
        if (!range || isPlausible(value, range)) continue;
        counts.implausibleValues++;
        metrics.implausibleValues.inc({ source: sourceId });
        const key = `${sourceId}\n${p.tags.asset}\n${p.measurement}\n${field}\n${p.tags.point ?? ""}`;
        if (implausible.has(key)) continue;
        implausible.add(key);
        log(
          `source ${sourceId}: ${p.tags.asset} ${p.measurement}.${field}${p.tags.point ? `@${p.tags.point}` : ""} = ${value} ${range.unit} is outside its physical range ${range.min}…${range.max} ${range.unit}: check word order, scale and address (\`vetra edge check\`); said once per point`,
        );
      }
  };

  const centralHttp = {
    url: config.central.url,
    token: config.central.token,
    timeoutMs: config.central.timeoutMs,
    gzip: config.central.gzip,
  };
  // What central's catalog refuses is kept as dead letters before it is queued (uplink/refusals.ts).
  const refusals = new LocalRefusals({
    catalog: { current: () => catalog.current() },
    queue,
    log,
    onRefused: (origin, code, n) => {
      if (n === 0) {
        counts.snapshotsRejected++;
        metrics.snapshotsRejected.inc();
        return;
      }
      counts.refused += n;
      counts.deadLettered += n;
      metrics.refused.inc({ source: origin, code }, n);
      metrics.deadLettered.inc(n);
    },
  });
  const catalog = new CentralCatalog(opts.catalogFetch ?? createHttpCatalogFetch(centralHttp), {
    refreshMs: opts.catalogRefreshMs ?? CATALOG_REFRESH_MS,
    log,
    onChange: () => refusals.catalogChanged(),
  });
  const admitted = (points: Point[], origin: string): Point[] => refusals.admit(points, origin);

  // While backing off, both uplinks watch central's /readyz to notice its return within seconds.
  const recovery = (what: string): RecoveryProbing => ({
    readyProbeMs: config.central.readyProbeMs,
    readyProbeMaxMs: Math.max(config.central.readyProbeMs, config.central.readyProbeMaxMs),
    probe: createReadyProbe(config.central.url, Math.min(config.central.timeoutMs, 5000)),
    onRecovered: (o) =>
      log(
        `uplink: ${what}: central is ready again (after ${Math.round(o.waitedMs)} ms of back-off, ${o.probes} probes); sending`,
      ),
  });
  const uplink = createUplink(queue, opts.transport ?? createHttpTransport(centralHttp, catalog), {
    agentId: config.agent.id,
    site,
    batchMaxPoints: config.central.batchMaxPoints,
    flushIntervalMs: config.central.flushIntervalMs,
    backoffMaxMs: config.central.backoffMaxMs,
    recovery: recovery("points"),
    maxPointsPerSecond: config.central.catchUpPointsPerS,
    onAcked: (n) => tally("acked", n),
    onDeadLettered: (n, code, message) => {
      tally("deadLettered", n);
      log(`uplink: ${n} points dead-lettered (${code}): ${message}`);
    },
    onRefused: () => catalog.refreshSoon(),
    onRetry: (code, message, waitMs) => {
      if (uplink.failures <= 1 || uplink.failures % 10 === 0)
        log(`uplink: ${code} ${message}; retry in ${Math.round(waitMs)} ms`);
    },
  });

  const snapshotUplink = createSnapshotUplink(
    outbox,
    opts.snapshotTransport ?? createSnapshotTransport(centralHttp),
    {
      agentId: config.agent.id,
      site,
      idleMs: Math.max(1000, config.central.flushIntervalMs),
      backoffMaxMs: config.central.backoffMaxMs,
      recovery: recovery("spectrum snapshots"),
      onSent: (n) => tally("snapshotsSent", n),
      onRejected: (n, code, message) => {
        tally("snapshotsRejected", n);
        log(`uplink: ${n} spectrum snapshots rejected (${code}), kept in snapshots/rejected: ${message}`);
        catalog.refreshSoon();
      },
      onRetry: (code, message, waitMs, failures) => {
        if (failures <= 1 || failures % 10 === 0)
          log(`uplink: spectrum snapshots: ${code} ${message}; retry in ${Math.round(waitMs)} ms`);
      },
    },
  );
  const keepSnapshot = (upload: SpectrumUpload, origin: string): void => {
    if (refusals.refusesSnapshot(upload, origin)) return;
    try {
      const { dropped } = outbox.put(upload);
      counts.snapshotsQueued++;
      if (dropped > 0) {
        metrics.snapshotsDropped.inc(dropped);
        log(`diagnostics: ${dropped} older spectrum snapshots dropped (snapshot folder at its cap)`);
      }
      snapshotUplink.nudge();
    } catch (e) {
      metrics.snapshotsDropped.inc();
      log(
        `diagnostics: spectrum snapshot of ${upload.asset} ${upload.point} not kept: ${(e as Error).message}`,
      );
    }
  };

  // One log line when dropping starts, one when it ends (the queue back under 90 % of its cap).
  let dropping = false;
  const noteDropped = (n: number, why: string): void => {
    tally("dropped", n);
    if (!dropping) {
      dropping = true;
      const q = queue.stats();
      log(
        `queue: dropping points (${why}; ${q.bytes} of ${config.queue.maxBytes} bytes, ${q.depth} queued): oldest of the lowest priority first`,
      );
    }
  };
  const enqueue = (points: Point[]): void => {
    if (points.length === 0) return;
    const { dropped } = queue.enqueue(points);
    if (dropped > 0) noteDropped(dropped, "byte cap reached");
    else if (dropping && queue.stats().bytes < 0.9 * config.queue.maxBytes) {
      dropping = false;
      log(`queue: dropping stopped; ${counts.dropped} points dropped so far`);
    }
    if (queue.stats().depth >= config.central.batchMaxPoints) uplink.nudge();
  };
  const acquired = (points: Point[], origin: string): void => {
    tally("acquired", points.length);
    enqueue(admitted(points, origin));
  };

  const sourceError = (sourceId: string, code: ErrorCode, message: string): void => {
    counts.sourceErrors++;
    const per = errorsBySource[sourceId] ?? {};
    per[code] = (per[code] ?? 0) + 1;
    errorsBySource[sourceId] = per;
    metrics.sourceErrors.inc({ source: sourceId, code });
    // Outages are logged at their start and end, other errors once per message and window.
    const o = outageLogs.get(sourceId);
    if (o) o.error(code, message);
    else log(`source ${sourceId}: ${code} ${message}`);
  };

  // Blocks dropped because analysis fell behind: a line for the first and then every hundredth.
  let backlogDrops = 0;
  const blockDropped = (block: BlockInfo, why: DropReason): void => {
    metrics.blocksDropped.inc({ reason: why });
    if (why !== "backlog") return;
    backlogDrops++;
    if (backlogDrops === 1 || backlogDrops % 100 === 0)
      log(
        `diagnostics: analysis is behind; ${backlogDrops} waveform blocks dropped unanalysed so far, the oldest waiting of their point (latest: ${block.asset} ${block.point})`,
      );
  };
  const analyser = createBlockAnalyser({
    workers: config.diagnostics.workers,
    fft,
    ...(opts.analysisWorker ? { workerEntry: opts.analysisWorker } : {}),
    callbacks: {
      context: (block) => monitor.contextFor(block),
      result: (block, diagnosis, ms) => {
        metrics.blocksAnalysed.inc();
        metrics.analysisSeconds.observe(ms / 1000);
        try {
          const r = monitor.accept(block, diagnosis);
          counts.diagnosisPoints += r.points.length - 1;
          acquired(r.points, block.sourceId);
          for (const t of r.transitions)
            log(`diagnostics: ${block.asset} ${block.point}: ${describeTransition(t)}`);
          if (r.snapshot) keepSnapshot(r.snapshot, block.sourceId);
          if (r.baseline) keepSnapshot(r.baseline, block.sourceId);
        } catch (e) {
          sourceError(block.sourceId, "INTERNAL", `diagnostics of ${block.point}: ${(e as Error).message}`);
        }
      },
      failed: (block, message) => {
        metrics.analysisFailures.inc();
        sourceError(block.sourceId, "INTERNAL", `diagnostics of ${block.point}: ${message}`);
      },
      dropped: blockDropped,
      workerCrashed: () => metrics.analysisWorkerCrashes.inc(),
      log,
    },
  });

  // With waveform points configured, the workers start now, while the sources connect: a worker
  // loads its modules and the FFT before its first block, not while that block waits.
  if (config.sources.some((s) => "waveforms" in s && s.waveforms.length > 0)) analyser.start();

  const sinkFor = (sourceId: string, kind: string): SourceSink => ({
    points: (points) => {
      // A Modbus poll stamps its points when it starts (sources/modbus.ts) and hands them over when
      // its last answer is in: the difference is the poll's time as the agent saw it, event loop included.
      if (kind === "modbus" && points.length > 0) metrics.observePollMs(Date.now() - points[0]!.ts);
      checkPlausible(sourceId, points);
      acquired(points, sourceId);
      control?.observe(points);
    },
    waveform: (block) => {
      counts.waveformBlocks++;
      analyser.submit(block);
    },
    error: (code, message) => sourceError(sourceId, code, message),
    link: (up) => outageLogs.get(sourceId)?.link(up),
  });

  const healthPoint = (): Point => {
    const q = queue.stats();
    return {
      measurement: "agent",
      tags: { site, asset: site, agent: config.agent.id },
      fields: {
        acquired: counts.acquired,
        acked: counts.acked,
        dropped: counts.dropped,
        queue_depth: q.depth,
        queue_bytes: q.bytes,
        source_errors: counts.sourceErrors,
        lag_s: lagSeconds(),
        clock_jumps: counts.clockJumps,
        clock_step_s: lastClockStepS,
      },
      ts: Date.now(),
    };
  };
  const healthTimer = setInterval(() => {
    const expired = queue.pruneExpired();
    if (expired > 0) noteDropped(expired, `older than ${config.queue.maxAgeHours} h`);
    const step = clock.check();
    if (step !== 0) {
      counts.clockJumps++;
      lastClockStepS = step / 1000;
      log(
        `clock: the system clock stepped ${step > 0 ? "forward" : "back"} by ${(Math.abs(step) / 1000).toFixed(1)} s (NTP step?); timestamps before and after are not comparable`,
      );
    }
    counts.healthPoints++;
    enqueue(admitted([healthPoint()], "agent"));
  }, config.healthIntervalMs);

  let metricsServer: { url: string; close(): Promise<void> } | null = null;
  const sources: Source[] = [];
  let control: RunningControl | null = null;
  try {
    if (config.metrics) {
      metricsServer = await serveMetrics(metrics.registry, config.metrics.host, config.metrics.port);
      log(`agent ${config.agent.id}: metrics on ${metricsServer.url}`);
    }
    // What central accepts, before the first point is acquired (a bounded wait: acquisition never waits for central).
    await Promise.race([
      catalog.start(),
      new Promise((resolve) => setTimeout(resolve, FIRST_CATALOG_WAIT_MS).unref()),
    ]);
    for (const sc of config.sources) {
      const pkiDir = sc.kind === "opcua" ? pkiDirOf(config, sc as OpcuaSourceConfig) : config.queue.dir;
      const source = await createSource(sc, {
        site,
        agentId: config.agent.id,
        pkiDir,
        dataDir: config.queue.dir,
        log,
        latest: (asset, measurement, field, point) =>
          latest.get(latestKey(asset, measurement, field, point)) ?? null,
      });
      sources.push(source);
      await source.start(sinkFor(source.id, sc.kind));
    }
    // Writable points: control at the edge (edge-agent/control), off unless the config declares some.
    control = await startControl(config, { log, emit: (points) => enqueue(admitted(points, "control")) });
  } catch (e) {
    clearInterval(healthTimer);
    await catalog.stop();
    await Promise.all(sources.map((s) => s.stop()));
    await analyser.close();
    metrics.stop();
    await metricsServer?.close();
    queue.close();
    throw e;
  }
  uplink.start();
  snapshotUplink.start();
  log(`agent ${config.agent.id}: ${sources.length} sources, sending to ${config.central.url}`);

  let stopped = false;
  // After stop the queue is closed: stats keep answering with the final figures.
  let finalStats: AgentStats | undefined;
  const currentStats = (): AgentStats => {
    if (finalStats) return structuredClone(finalStats);
    const q = queue.stats();
    const a = analyser.stats();
    return {
      ...counts,
      blocksAnalysed: a.analysed,
      blocksDropped: a.dropped.backlog + a.dropped.worker_crashed + a.dropped.stopped,
      analysisBacklog: a.backlog,
      analysisRunning: a.running,
      analysisWorkerCrashes: a.workerCrashes,
      sourceErrorsBySource: structuredClone(errorsBySource),
      sourceOutages: Object.fromEntries([...outageLogs].map(([id, o]) => [id, o.state()])),
      queueDepth: q.depth,
      queueBytes: q.bytes,
      lagSeconds: lagSeconds(),
      activeDiagnoses: monitor.activeCount(),
      baselinesLearnt: monitor.baselinesLearnt,
      snapshotsDropped: outbox.stats().dropped,
      snapshotsPending: outbox.stats().pending,
    };
  };
  return {
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    stats: currentStats,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(healthTimer);
      await catalog.stop();
      await control?.stop();
      await Promise.all(sources.map((s) => s.stop()));
      // Blocks already received are analysed before the last send (a bounded wait: a stuck chain is
      // ended by the pool's time limit anyway).
      await analyser.drain(STOP_DRAIN_MS);
      await analyser.close();
      metrics.stop();
      counts.healthPoints++;
      enqueue(admitted([healthPoint()], "agent"));
      // One last send so a clean shutdown leaves as little queued as possible.
      await uplink.stop();
      await snapshotUplink.stop();
      if (uplink.failures === 0) {
        await uplink.flushOnce().catch(() => undefined);
        // Snapshots still waiting (a handful at most): a few requests, stopping at the first that fails.
        for (let i = 0; i < 8 && outbox.stats().pending > 0; i++)
          if ((await snapshotUplink.flushOnce().catch(() => "failed")) !== "sent") break;
      }
      await metricsServer?.close();
      finalStats = currentStats();
      queue.close();
      log(`agent ${config.agent.id}: stopped`);
    },
  };
}

const describeTransition = (t: Transition): string =>
  t.kind === "raised"
    ? `${t.fault} raised (${t.severity})`
    : t.kind === "severity_changed"
      ? `${t.fault} ${t.previous} → ${t.severity}`
      : `${t.fault} cleared`;
