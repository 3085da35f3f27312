// The conditions control adds to the alarm book: rooms out of their comfort
// band (./comfort.ts, kind `comfort`) and points the edge cannot write
// (kind `control`, fault `write_failed`).
//
// A point's writes fail from the agent's `write_failed` event (the device
// answered with an exception, did not answer, or read back another value)
// until its `write_restored` event (a write read back equal again): the
// newer of the point's last two decides, read by the events' key per point
// (ControlRepository.lastWriteOutcomes), not from a window of the asset's
// newest events, so a failure stays raised however many events follow it.
// One condition per point, severity `warning` — the building keeps running on
// what the device holds; the operator must look, nothing is unsafe yet (an
// interlock, not an alarm, is what protects). The on-delay of kind `control`
// is 0: the edge already decided the write failed.
import { type IoResult, success } from "../../common/result.ts";
import type { ControlRepository } from "../control/repository.ts";
import type { MetaStore } from "../meta/meta.ts";
import type { Condition } from "./alarm-book.ts";
import type { Rank } from "./alarm-filter.ts";
import { type ComfortDeps, deriveComfortConditions } from "./comfort.ts";

export const WRITE_FAILED_FAULT = "write_failed";

/** What control's faults are called in messages, work orders and reports, Russian and English. */
export const ControlFaultNames: Readonly<Record<string, { readonly ru: string; readonly en: string }>> = {
  comfort: { ru: "температура в помещении вне нормы", en: "room temperature out of its band" },
  write_failed: { ru: "запись в устройство не выполнена", en: "write to the device failed" },
};
const FACILITY_KINDS = new Set(["school", "clinic", "hospital"]);

/** Points whose last write outcome is a failure, with the failure's time. */
export async function deriveWriteFailures(meta: MetaStore, control: ControlRepository): Promise<Condition[]> {
  const fleet = await meta.fleet.current();
  const out: Condition[] = [];
  for (const asset of fleet.assets) {
    if (!FACILITY_KINDS.has(asset.kind)) continue;
    for (const w of await control.lastWriteOutcomes(asset.id)) {
      if (w.failedAt === null || (w.restoredAt !== null && w.restoredAt >= w.failedAt)) continue;
      out.push({
        asset: asset.id,
        point: w.point,
        fault: WRITE_FAILED_FAULT,
        severity: "warning",
        sinceMs: w.failedAt,
        isoZone: null,
        kind: "control",
      });
    }
  }
  return out;
}

/** Comfort and write failures, for the evaluator. */
export async function deriveControlConditions(
  deps: ComfortDeps,
  nowMs: number,
  known: (key: string) => { rawRank: Rank } | undefined,
): Promise<IoResult<Condition[]>> {
  const comfort = await deriveComfortConditions(deps, nowMs, known);
  if (comfort.kind !== "success") return comfort;
  return success([...comfort.value, ...(await deriveWriteFailures(deps.meta, deps.control))]);
}
