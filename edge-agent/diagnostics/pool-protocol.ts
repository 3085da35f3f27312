// The analysis worker's side of the pool (pool.ts ↔ pool-worker.ts): the
// messages, the result packed to cross threads, and where the worker's entry
// module is.
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import type { WaveformBlock } from "../sources/source.ts";
import type { MachineContext, PointDiagnosis, SpectrumTrace } from "./types.ts";

/** Main thread → worker: one block. */
export interface AnalysisRequest {
  readonly id: number;
  readonly samples: Float32Array | Float64Array;
  readonly sampleRateHz: number;
  readonly unit: WaveformBlock["unit"];
  readonly ctx: MachineContext;
}

/** Worker → main thread. */
export type AnalysisReply =
  | { readonly type: "ready"; readonly fft: string }
  | { readonly type: "log"; readonly line: string }
  | { readonly type: "done"; readonly id: number; readonly diagnosis: PackedDiagnosis; readonly ms: number }
  | { readonly type: "failed"; readonly id: number; readonly message: string };

type PackedTrace = Omit<SpectrumTrace, "values"> & { readonly values: Float64Array };

/** The chain's result as it crosses threads: the snapshot's two traces as typed arrays, transferred. */
export type PackedDiagnosis = Omit<PointDiagnosis, "snapshot"> & {
  readonly snapshot: Omit<PointDiagnosis["snapshot"], "spectrum" | "envelope"> & {
    readonly spectrum: PackedTrace;
    readonly envelope: PackedTrace & { readonly band_hz: readonly [number, number] };
  };
};

/**
 * Packs a result for the main thread (in the worker). Cloning a few
 * thousand numbers of plain arrays costs the receiving thread about a
 * millisecond per block (measured: v8 deserialize of a 65536-sample
 * block's result 1.2 ms, 0.03 ms without the traces), the event loop's time;
 * typed arrays move instead, and only a block whose snapshot is sent
 * turns them back into arrays (unpackDiagnosis).
 */
export function packDiagnosis(d: PointDiagnosis): { diagnosis: PackedDiagnosis; transfer: ArrayBuffer[] } {
  const spectrum = Float64Array.from(d.snapshot.spectrum.values);
  const envelope = Float64Array.from(d.snapshot.envelope.values);
  return {
    diagnosis: {
      ...d,
      snapshot: {
        ...d.snapshot,
        spectrum: { ...d.snapshot.spectrum, values: spectrum },
        envelope: { ...d.snapshot.envelope, values: envelope },
      },
    },
    transfer: [spectrum.buffer, envelope.buffer],
  };
}

/** A trace whose `values` become an array when first read. */
function lazyTrace<T extends PackedTrace>(t: T): Omit<T, "values"> & SpectrumTrace {
  let values: number[] | undefined;
  const out = { ...t } as unknown as Omit<T, "values"> & SpectrumTrace;
  Object.defineProperty(out, "values", {
    enumerable: true,
    get: () => {
      values ??= Array.from(t.values);
      return values;
    },
  });
  return out;
}

/** The result as the chain gave it (on the main thread). */
export function unpackDiagnosis(p: PackedDiagnosis): PointDiagnosis {
  return {
    ...p,
    snapshot: {
      ...p.snapshot,
      spectrum: lazyTrace(p.snapshot.spectrum),
      envelope: lazyTrace(p.snapshot.envelope),
    },
  };
}

export interface WorkerEntry {
  readonly url: URL;
  /** Node options of the worker thread; undefined = the process's own. */
  readonly execArgv: string[] | undefined;
}

/**
 * The worker's entry module: `pool-worker` beside this module, with this
 * module's own extension, found from `import.meta.url` — `pool-worker.ts`
 * when the agent runs from source through tsx, `pool-worker.js` in a build
 * compiled to JavaScript (the two files stay side by side), `pool-worker.mjs`
 * beside the gateway bundle's `lib/agent.mjs` (deploy/edge/build.ts emits it
 * as a second entry point). Node 20 does not carry the main thread's module
 * hooks into a worker thread, so from source the worker is started with
 * `--import` of bin/register-ts.js, which registers tsx's loader in that
 * thread before the entry is loaded; compiled or bundled, no loader is
 * needed and the worker gets the process's own options.
 */
export function analysisWorkerEntry(moduleUrl: string = import.meta.url): WorkerEntry {
  const ext = extname(fileURLToPath(moduleUrl));
  const url = new URL(`./pool-worker${ext}`, moduleUrl);
  if (ext !== ".ts") return { url, execArgv: undefined };
  const register = new URL("../../bin/register-ts.js", moduleUrl).href;
  return { url, execArgv: [...process.execArgv, "--import", register] };
}
