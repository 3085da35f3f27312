// What every acquisition source (Modbus, OPC UA, …) looks like to the agent:
// it is started with a sink and reports through it only — points, raw
// waveform blocks, and errors (counted per source and code in the metrics).
import type { ErrorCode } from "../../common/errors.ts";
import type { ComponentClass } from "../../common/names.ts";
import type { Point } from "../../common/wire.ts";
import type { AccelerationUnit } from "../dsp/features.ts";

/** One block of acceleration samples from a measuring point, as acquired. */
export interface WaveformBlock {
  readonly sourceId: string;
  readonly asset: string;
  readonly point: string;
  readonly component: ComponentClass;
  readonly samples: Float32Array | Float64Array;
  readonly sampleRateHz: number;
  readonly unit: AccelerationUnit;
  /** Shaft speed during the block (at its start when it ramps), rpm (null when the device gives none). */
  readonly speedRpm: number | null;
  /** Shaft speed at the end of the block, rpm, when the device gives it (a linear ramp in between). */
  readonly speedRpmEnd?: number | null;
  /** The device's block counter (detects missed blocks). */
  readonly sequence: number;
  /** When the edge received the block, UTC ms. */
  readonly ts: number;
}

export interface SourceSink {
  points(points: Point[]): void;
  waveform(block: WaveformBlock): void;
  error(code: ErrorCode, message: string): void;
}

export interface Source {
  readonly id: string;
  start(sink: SourceSink): Promise<void>;
  stop(): Promise<void>;
}

/** What a source knows about the agent it runs in. */
export interface SourceContext {
  readonly site: string;
  readonly agentId: string;
  /** Folder for the source's own files (OPC UA PKI). */
  readonly pkiDir: string;
  readonly log: (line: string) => void;
}

/**
 * A sleep that `cancel()` ends early, and that stays over once cancelled
 * (so stop() never waits out a poll interval, even one started after it).
 */
export function cancellableSleep(): { sleep(ms: number): Promise<void>; cancel(): void } {
  let pending: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  let cancelled = false;
  return {
    sleep(ms) {
      return new Promise((resolve) => {
        if (cancelled) {
          resolve();
          return;
        }
        const timer = setTimeout(() => {
          pending = null;
          resolve();
        }, ms);
        pending = { timer, resolve };
      });
    },
    cancel() {
      cancelled = true;
      if (pending) {
        clearTimeout(pending.timer);
        pending.resolve();
        pending = null;
      }
    },
  };
}

/**
 * Reconnect backoff: doubling from `baseMs` up to `maxMs`, with ±25 % jitter.
 * The ceiling is low on purpose: a device that returns must deliver data
 * again within 10 s, and a connect attempt to one device on a site network
 * costs next to nothing.
 */
export const RECONNECT_MAX_MS = 5000;
export const reconnectDelayMs = (attempt: number, baseMs: number, maxMs = RECONNECT_MAX_MS): number =>
  Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20)) * (0.75 + Math.random() * 0.5);
