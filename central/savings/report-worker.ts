// A report worker thread (report.ts, reportSites): opens the embedded
// store's SQLite file read-only, takes sites through the shared cursor until
// none is left, and answers each with its facilities' reports, packed as
// typed arrays that are transferred rather than copied.
import { parentPort, workerData } from "node:worker_threads";
import { failure } from "../../common/result.ts";
import { openEmbeddedStore } from "../stores/embedded.ts";
import {
  type FacilityReport,
  facilityReport,
  packFacilityReport,
  type ReportWorkerData,
  type ReportWorkerMessage,
} from "./report.ts";
import { forEachHourlyColumns } from "./report-read.ts";

const port = parentPort;
if (!port) throw new Error("report-worker.ts runs only as a worker thread");
const data = workerData as ReportWorkerData;
const next = new Int32Array(data.cursor);
const send = (message: ReportWorkerMessage, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

const store = openEmbeddedStore({ path: data.file, readOnly: true });
try {
  const p = data.periods;
  for (let task = Atomics.add(next, 0, 1); task < data.tasks.length; task = Atomics.add(next, 0, 1)) {
    const reports: FacilityReport[] = [];
    try {
      const r = await forEachHourlyColumns(
        store,
        data.tasks[task]!,
        p.baselineFromMs,
        p.reportingToMs,
        (f, d) => reports.push(facilityReport(f, d, p, data.model, data.config)),
      );
      if (r.kind !== "success") {
        send({ type: "failed", task, result: r });
        continue;
      }
    } catch (error) {
      send({ type: "failed", task, result: failure("INTERNAL", `report worker: ${String(error)}`) });
      continue;
    }
    const packed = reports.map(packFacilityReport);
    send(
      { type: "done", task, reports: packed },
      packed.flatMap((x) => [x.intervals.buffer as ArrayBuffer, x.daily.buffer as ArrayBuffer]),
    );
  }
} finally {
  await store.close();
}
send({ type: "finished" });
