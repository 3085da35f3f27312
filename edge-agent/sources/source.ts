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
  /** The device's block counter (detects missed blocks), or the acquisition time (ms) where it has none. */
  readonly sequence: number;
  /** When the block was acquired, UTC ms: the device's time where it gives one, else when the edge read it. */
  readonly ts: number;
}

export interface SourceSink {
  points(points: Point[]): void;
  waveform(block: WaveformBlock): void;
  /** A counted failure; the message names the register or node it concerns. */
  error(code: ErrorCode, message: string): void;
  /**
   * Whether the device is reachable and answering (true) or not (false):
   * the agent logs each outage's start and end and counts them. Said on
   * every poll or connection attempt; only changes matter.
   */
  link?(up: boolean): void;
}

/** One configured value as `vetra edge check` shows it. */
export interface ProbeRow {
  readonly source: string;
  /** `measurement.field` (`@point` when it has one), or the waveform point. */
  readonly point: string;
  /** Where it is read: `unit 1 fn 4 @52+2`, or the node id. */
  readonly at: string;
  /** What the device sent (register words in hex, or the raw value). */
  readonly raw: string;
  readonly value: number | null;
  readonly unit: string;
  readonly verdict: "ok" | "implausible" | "error";
  /** Why, and what to try. */
  readonly note: string;
}

/** The nominal period of a source, ms (missed polls during an outage are counted against it). */
export const nominalIntervalMs = (config: {
  kind: string;
  intervalMs?: number;
  publishingIntervalMs?: number;
}): number => config.intervalMs ?? config.publishingIntervalMs ?? 1000;

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
  /** The agent's data folder (block cursors live under `<dataDir>/sources/`); absent: kept in memory only. */
  readonly dataDir?: string;
  /** The latest value another source of this agent delivered (a waveform's speedFrom), if any. */
  readonly latest?: (
    asset: string,
    measurement: string,
    field: string,
    point: string | undefined,
  ) => { value: number; at: number } | null;
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
