// Where the diagnostic chain of a waveform block runs. Acquisition, the
// queue and the alarm state machine stay on the agent's main thread; the
// chain (`diagnoseBlock`, some milliseconds of CPU per 65536-sample block,
// far more on a slow gateway) runs on a pool of worker threads, so a burst
// of blocks never holds up a Modbus poll or an OPC UA subscription.
//
// - The samples travel to the worker by transfer (the block's ArrayBuffer
//   moves, nothing is copied), with the machine context of the block (plain
//   data); the worker answers with the chain's result (features, zones,
//   findings, snapshot) and the time it took.
// - Blocks of one measuring point are analysed one at a time and in order
//   (the point's alarm state machine counts blocks in sequence); different
//   points spread over the workers, taken in the order they became ready.
// - Backpressure: each point keeps at most `backlogPerPoint` blocks waiting;
//   when analysis falls behind, the oldest waiting block of that point is
//   dropped and counted, so memory stays bounded whatever the sources send.
// - A worker that dies (an uncaught error, an exit, a block running past
//   the time limit) costs the block it held, which is counted as dropped;
//   the worker is replaced. Workers that cannot start at all (three in a
//   row) leave the analysis to the main thread, said once in the log,
//   rather than leaving the points undiagnosed.
// - `workers: 0` analyses each block on the main thread as it arrives (tiny
//   gateways with one core; the benchmark's baseline): analyser.ts. The
//   messages and the worker's entry module: pool-protocol.ts.
//
// Built on worker_threads directly rather than piscina or tinypool: measured
// on the same worker code, their per-block cost on the main thread and the
// loop's delay under a flood were no lower (within the noise of a shared
// machine), while the per-point order, the drop-oldest backlog and the time
// limit would still be ours; and both start a worker script of their own
// from their package folder, which the gateway bundle (one esbuild file)
// does not carry.
import { Worker } from "node:worker_threads";
import type { FftBackend } from "../dsp/fft.ts";
import type { WaveformBlock } from "../sources/source.ts";
import {
  type AnalysisCallbacks,
  type AnalysisStats,
  type BlockAnalyser,
  type DropReason,
  infoOf,
  MainThreadAnalyser,
} from "./analyser.ts";
import type { BlockInfo } from "./monitor.ts";
import {
  type AnalysisReply,
  type AnalysisRequest,
  analysisWorkerEntry,
  unpackDiagnosis,
  type WorkerEntry,
} from "./pool-protocol.ts";
import type { MachineContext } from "./types.ts";

export type { AnalysisCallbacks, AnalysisStats, BlockAnalyser, DropReason } from "./analyser.ts";
export { analysisWorkerEntry, type WorkerEntry } from "./pool-protocol.ts";

/**
 * Blocks a point may have waiting for analysis: 4 blocks are 10 s of signal
 * at 25.6 kHz and 65536 samples, and a few MiB over 30 points.
 */
export const BACKLOG_PER_POINT = 4;
/** A block still running after this long means a stuck worker: it is ended and replaced. */
export const ANALYSIS_TIMEOUT_MS = 30_000;
/** Workers that die before they are ready, in a row, before the main thread takes over the analysis. */
const START_FAILURES_BEFORE_FALLBACK = 3;

export interface AnalyserOptions {
  /** Worker threads; 0 = the main thread. */
  readonly workers: number;
  readonly callbacks: AnalysisCallbacks;
  /** The FFT of main-thread analysis (workers load their own, once each). */
  readonly fft?: FftBackend;
  readonly backlogPerPoint?: number;
  readonly timeoutMs?: number;
  /** The worker's entry module (tests start a worker that fails on purpose); default `analysisWorkerEntry()`. */
  readonly workerEntry?: WorkerEntry;
}

export function createBlockAnalyser(o: AnalyserOptions): BlockAnalyser {
  return o.workers <= 0 ? new MainThreadAnalyser(o.callbacks, o.fft) : new WorkerPoolAnalyser(o);
}

interface Task {
  readonly id: number;
  readonly key: string;
  readonly info: BlockInfo;
  samples: Float32Array | Float64Array;
}

interface PointBacklog {
  readonly waiting: Task[];
  running: boolean;
  /** In the ready list (has waiting blocks and none running). */
  listed: boolean;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  task: Task | null;
  timer: NodeJS.Timeout | null;
  /** Why it is being ended (a stuck block), for the log. */
  ending: string | null;
  lastError: string | null;
}

/** A block's own buffer, to transfer; a copy when the samples are a view on a bigger or shared buffer. */
function transferable(samples: Float32Array | Float64Array): Float32Array | Float64Array {
  const own =
    samples.byteOffset === 0 &&
    samples.byteLength === samples.buffer.byteLength &&
    !(samples.buffer instanceof SharedArrayBuffer);
  return own ? samples : samples.slice();
}

class WorkerPoolAnalyser implements BlockAnalyser {
  private readonly cb: AnalysisCallbacks;
  private readonly size: number;
  private readonly backlogPerPoint: number;
  private readonly timeoutMs: number;
  private readonly entry: WorkerEntry;
  private readonly points = new Map<string, PointBacklog>();
  /** Keys of points with a block waiting and none running, oldest first. */
  private readonly readyPoints: string[] = [];
  private readonly slots = new Set<Slot>();
  private nextId = 1;
  private analysed = 0;
  private failed = 0;
  private readonly dropped: Record<DropReason, number> = { backlog: 0, worker_crashed: 0, stopped: 0 };
  private crashes = 0;
  private startFailures = 0;
  private closed = false;
  /** Set when workers could not start: the rest runs here. */
  private fallback: MainThreadAnalyser | null = null;
  private readonly drainWaiters: (() => void)[] = [];

  constructor(private readonly o: AnalyserOptions) {
    this.cb = o.callbacks;
    this.size = o.workers;
    this.backlogPerPoint = Math.max(1, o.backlogPerPoint ?? BACKLOG_PER_POINT);
    this.timeoutMs = o.timeoutMs ?? ANALYSIS_TIMEOUT_MS;
    this.entry = o.workerEntry ?? analysisWorkerEntry();
  }

  start(): void {
    if (this.closed || this.fallback) return;
    while (this.slots.size < this.size) this.spawn();
  }

  submit(block: WaveformBlock): void {
    if (this.closed) return;
    if (this.fallback) {
      this.fallback.submit(block);
      return;
    }
    // Workers start with the first block unless start() came first: an agent without waveform
    // points never starts one.
    this.start();
    const key = `${block.asset}\n${block.point}`;
    let backlog = this.points.get(key);
    if (!backlog) {
      backlog = { waiting: [], running: false, listed: false };
      this.points.set(key, backlog);
    }
    backlog.waiting.push({ id: this.nextId++, key, info: infoOf(block), samples: block.samples });
    while (backlog.waiting.length > this.backlogPerPoint) {
      const oldest = backlog.waiting.shift()!;
      this.dropped.backlog++;
      this.cb.dropped(oldest.info, "backlog");
    }
    if (!backlog.running && !backlog.listed) {
      backlog.listed = true;
      this.readyPoints.push(key);
    }
    this.dispatch();
  }

  stats(): AnalysisStats {
    let backlog = 0;
    for (const p of this.points.values()) backlog += p.waiting.length;
    let running = 0;
    let workers = 0;
    for (const s of this.slots) {
      if (s.task) running++;
      workers++;
    }
    const f = this.fallback?.stats();
    return {
      backlog,
      running,
      analysed: this.analysed + (f?.analysed ?? 0),
      failed: this.failed + (f?.failed ?? 0),
      dropped: { ...this.dropped },
      workerCrashes: this.crashes,
      workers,
    };
  }

  drain(timeoutMs: number): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.drainWaiters.push(done);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.points.values())
      for (const t of p.waiting.splice(0)) {
        this.dropped.stopped++;
        this.cb.dropped(t.info, "stopped");
      }
    this.readyPoints.length = 0;
    const slots = this.releaseSlots("stopped");
    await Promise.all(slots.map((s) => s.worker.terminate().catch(() => undefined)));
    this.notifyDrained();
  }

  private idle(): boolean {
    if (this.readyPoints.length > 0) return false;
    for (const s of this.slots) if (s.task) return false;
    return true;
  }

  private notifyDrained(): void {
    if (!this.idle() && !this.closed) return;
    for (const w of this.drainWaiters.splice(0)) w();
  }

  private spawn(): void {
    const worker = new Worker(this.entry.url, {
      ...(this.entry.execArgv ? { execArgv: this.entry.execArgv } : {}),
      // Its stdout and stderr go to the process's; nothing else of the worker's is shared.
    });
    const slot: Slot = { worker, ready: false, task: null, timer: null, ending: null, lastError: null };
    this.slots.add(slot);
    worker.on("message", (m: AnalysisReply) => this.onReply(slot, m));
    worker.on("error", (e) => {
      slot.lastError = e.message;
    });
    worker.on("exit", (code) => this.onExit(slot, code));
  }

  private onReply(slot: Slot, m: AnalysisReply): void {
    if (m.type === "log") {
      this.cb.log(m.line);
      return;
    }
    if (m.type === "ready") {
      slot.ready = true;
      this.startFailures = 0;
      this.dispatch();
      return;
    }
    const task = slot.task;
    if (!task || task.id !== m.id) return;
    this.finish(slot);
    if (m.type === "done") {
      this.analysed++;
      this.cb.result(task.info, unpackDiagnosis(m.diagnosis), m.ms);
    } else {
      this.failed++;
      this.cb.failed(task.info, m.message);
    }
    this.pointDone(task.key);
    this.dispatch();
  }

  private onExit(slot: Slot, code: number): void {
    if (!this.slots.delete(slot)) return; // ended by close()
    const task = slot.task;
    this.finish(slot);
    this.crashes++;
    this.cb.workerCrashed();
    const why = slot.ending ?? slot.lastError ?? `exit code ${code}`;
    if (task) {
      this.dropped.worker_crashed++;
      this.cb.dropped(task.info, "worker_crashed");
      this.pointDone(task.key);
    }
    if (!slot.ready) this.startFailures++;
    if (this.startFailures >= START_FAILURES_BEFORE_FALLBACK) {
      this.cb.log(
        `diagnostics: analysis workers cannot start (${why}); analysing on the main thread from now on`,
      );
      this.fallBackToMainThread();
      return;
    }
    this.cb.log(
      `diagnostics: an analysis worker ended (${why})${task ? `, its block of ${task.info.asset} ${task.info.point} is dropped` : ""}; starting another`,
    );
    if (!this.closed) this.spawn();
    this.dispatch();
  }

  private fallBackToMainThread(): void {
    const main = new MainThreadAnalyser(this.cb, this.o.fft);
    this.fallback = main;
    const slots = this.releaseSlots("worker_crashed", (task) => this.pointDone(task.key));
    for (const s of slots) void s.worker.terminate().catch(() => undefined);
    // What waits is analysed now, oldest point first, each point's blocks in order.
    const keys = this.readyPoints.splice(0);
    for (const key of keys) {
      const p = this.points.get(key)!;
      p.listed = false;
      for (const t of p.waiting.splice(0)) main.submit({ ...t.info, samples: t.samples });
    }
    this.notifyDrained();
  }

  /**
   * Takes every slot out of service; the block each was analysing is dropped
   * (counted under `reason`) and handed to `afterDrop`. Returns the slots,
   * whose workers the caller ends.
   */
  private releaseSlots(reason: DropReason, afterDrop: (task: Task) => void = () => {}): Slot[] {
    const slots = [...this.slots];
    this.slots.clear();
    for (const s of slots) {
      if (s.task) {
        this.dropped[reason]++;
        this.cb.dropped(s.task.info, reason);
        afterDrop(s.task);
      }
      this.finish(s);
    }
    return slots;
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
  }

  private pointDone(key: string): void {
    const p = this.points.get(key);
    if (!p) return;
    p.running = false;
    if (p.waiting.length > 0 && !p.listed) {
      p.listed = true;
      this.readyPoints.push(key);
    } else if (p.waiting.length === 0) this.points.delete(key);
    this.notifyDrained();
  }

  private dispatch(): void {
    if (this.closed || this.fallback) return;
    while (this.readyPoints.length > 0) {
      const slot = this.freeSlot();
      if (!slot) return;
      const key = this.readyPoints.shift()!;
      const p = this.points.get(key)!;
      p.listed = false;
      const task = p.waiting.shift()!;
      p.running = true;
      this.run(slot, task);
    }
  }

  private freeSlot(): Slot | null {
    for (const slot of this.slots) if (slot.ready && !slot.task) return slot;
    return null;
  }

  private run(slot: Slot, task: Task): void {
    slot.task = task;
    let ctx: MachineContext;
    try {
      ctx = this.cb.context(task.info);
    } catch (e) {
      this.finish(slot);
      this.failed++;
      this.cb.failed(task.info, (e as Error).message);
      this.pointDone(task.key);
      return;
    }
    const samples = transferable(task.samples);
    task.samples = new Float32Array(0); // moved to the worker
    const request: AnalysisRequest = {
      id: task.id,
      samples,
      sampleRateHz: task.info.sampleRateHz,
      unit: task.info.unit,
      ctx,
    };
    slot.worker.postMessage(request, [samples.buffer as ArrayBuffer]);
    slot.timer = setTimeout(() => {
      slot.ending = `a block of ${task.info.asset} ${task.info.point} ran past ${this.timeoutMs} ms`;
      void slot.worker.terminate();
    }, this.timeoutMs);
  }
}
