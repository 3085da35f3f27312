// What runs the diagnostic chain of each waveform block, as the agent sees
// it (one interface, two implementations): the worker pool (pool.ts) and
// the main thread (`diagnostics.workers: 0`, and the pool's fallback when
// its workers cannot start), which analyses each block as it arrives.
import type { FftBackend } from "../dsp/fft.ts";
import type { WaveformBlock } from "../sources/source.ts";
import type { BlockInfo } from "./monitor.ts";
import { diagnoseBlock } from "./pipeline.ts";
import type { MachineContext, PointDiagnosis } from "./types.ts";

/** Why a block was not analysed. */
export type DropReason = "backlog" | "worker_crashed" | "stopped";

export interface AnalysisCallbacks {
  /** The machine context of a block, asked for when its analysis starts (the baseline may have been learnt since it arrived). */
  context(block: BlockInfo): MachineContext;
  /** The chain's result of a block, in each point's block order. */
  result(block: BlockInfo, diagnosis: PointDiagnosis, analysisMs: number): void;
  /** The chain refused the block (too short, no sample rate): the block's fault, not the worker's. */
  failed(block: BlockInfo, message: string): void;
  dropped(block: BlockInfo, why: DropReason): void;
  /** A worker died or was ended (it is replaced); the pool has logged why. */
  workerCrashed(): void;
  log(line: string): void;
}

export interface AnalysisStats {
  /** Blocks waiting (not yet handed to a worker). */
  readonly backlog: number;
  /** Blocks being analysed now. */
  readonly running: number;
  readonly analysed: number;
  /** Blocks the chain refused. */
  readonly failed: number;
  readonly dropped: Readonly<Record<DropReason, number>>;
  /** Workers that died and were replaced (or given up on). */
  readonly workerCrashes: number;
  /** Workers alive now (0 on the main thread). */
  readonly workers: number;
}

/** Runs the chain of each waveform block somewhere and reports through the callbacks. */
export interface BlockAnalyser {
  /** Starts the workers now rather than with the first block (an agent with waveform points, at start-up). */
  start(): void;
  /** Takes the block (and its samples: the caller must not use them afterwards). */
  submit(block: WaveformBlock): void;
  stats(): AnalysisStats;
  /** Resolves when nothing is waiting or running, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
  /** Ends the workers; blocks still waiting are dropped (`stopped`). */
  close(): Promise<void>;
}

/** A block without its samples. */
export const infoOf = (block: WaveformBlock): BlockInfo => {
  const { samples: _samples, ...info } = block;
  return info;
};

/** The chain on the calling thread, one block at a time as it arrives. */
export class MainThreadAnalyser implements BlockAnalyser {
  private analysed = 0;
  private failed = 0;

  constructor(
    private readonly cb: AnalysisCallbacks,
    private readonly fft: FftBackend | undefined,
  ) {}

  start(): void {}

  submit(block: WaveformBlock): void {
    const info = infoOf(block);
    const started = performance.now();
    let diagnosis: PointDiagnosis;
    try {
      diagnosis = diagnoseBlock(
        { samples: block.samples, sampleRateHz: block.sampleRateHz, unit: block.unit },
        this.cb.context(info),
        this.fft === undefined ? {} : { fft: this.fft },
      );
    } catch (e) {
      this.failed++;
      this.cb.failed(info, (e as Error).message);
      return;
    }
    this.analysed++;
    this.cb.result(info, diagnosis, performance.now() - started);
  }

  stats(): AnalysisStats {
    return {
      backlog: 0,
      running: 0,
      analysed: this.analysed,
      failed: this.failed,
      dropped: { backlog: 0, worker_crashed: 0, stopped: 0 },
      workerCrashes: 0,
      workers: 0,
    };
  }

  async drain(): Promise<void> {}
  async close(): Promise<void> {}
}
