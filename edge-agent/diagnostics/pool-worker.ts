// An analysis worker thread of the pool (pool.ts): loads the FFT once (PFFFT
// in WebAssembly, fft.js where it cannot load), says it is ready, then runs
// the diagnostic chain on each block it is sent and answers with the result
// (its spectrum traces as typed arrays, transferred: see packDiagnosis).
// It keeps no state between blocks but the FFT plans and the chain's
// workspaces per size; the alarm state and baselines stay on the main thread.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { loadFastestFft } from "../dsp/fft.ts";
import { diagnoseBlock } from "./pipeline.ts";
import { type AnalysisReply, type AnalysisRequest, packDiagnosis } from "./pool-protocol.ts";

const port = parentPort;
if (!port) throw new Error("pool-worker runs only as a worker thread of the analysis pool");
const reply = (m: AnalysisReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

/**
 * Niceness of an analysis thread: where the cores are short, the main thread
 * (acquisition, Modbus polls, the queue) runs first and analysis waits (its
 * backlog is capped and counted, pool.ts). Under Linux's CFS a thread at nice
 * 10 weighs about a tenth of one at 0 (sched_prio_to_weight: 110 vs 1024).
 */
const ANALYSIS_NICE = 10;
// Linux names the calling thread in /proc/thread-self (→ "<pid>/task/<tid>"), and setpriority(2) on a
// thread id sets that thread alone. Elsewhere, or where it is refused, the thread keeps the process's.
try {
  const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, ANALYSIS_NICE);
} catch {
  // Not Linux, or not allowed: analysis runs at the process's priority.
}

const fft = await loadFastestFft((line) => reply({ type: "log", line }));

port.on("message", (m: AnalysisRequest) => {
  const started = performance.now();
  try {
    const { diagnosis, transfer } = packDiagnosis(
      diagnoseBlock({ samples: m.samples, sampleRateHz: m.sampleRateHz, unit: m.unit }, m.ctx, { fft }),
    );
    reply({ type: "done", id: m.id, diagnosis, ms: performance.now() - started }, transfer);
  } catch (e) {
    reply({ type: "failed", id: m.id, message: (e as Error).message });
  }
});
reply({ type: "ready", fft: fft.name });
