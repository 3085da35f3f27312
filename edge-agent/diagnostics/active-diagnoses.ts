// The diagnoses active at a measuring point, on disk
// (`<queue.dir>/diagnoses/<asset>/<point>.json`, replaced atomically on
// every raise, severity change and clear), so that a restarted agent goes on
// with them — same severity, same `since` — instead of raising them anew
// three blocks later with the restart as their start.
import { Type } from "@sinclair/typebox";
import { readJsonFile, writeFileAtomic } from "../../common/files.ts";
import { Diagnoses, Severities } from "../../common/names.ts";
import { failure, type IoResult, success } from "../../common/result.ts";
import type { ActiveDiagnosis } from "./alarm-state.ts";
import { PointFileKeys, pointFilePath } from "./baselines.ts";

export const ACTIVE_DIAGNOSES_DIR = "diagnoses";

const StoredActiveSchema = Type.Object({
  ...PointFileKeys,
  /** When the file was written, UTC ms (block time). */
  at: Type.Integer(),
  active: Type.Array(
    Type.Object({
      fault: Type.Union(Diagnoses.map((d) => Type.Literal(d))),
      severity: Type.Union(Severities.map((s) => Type.Literal(s))),
      confidence: Type.Number({ minimum: 0, maximum: 1 }),
      since: Type.Integer(),
      // Evidence as the detectors made it; checked for its numeric core only.
      evidence: Type.Object(
        {
          spectrum: Type.String(),
          frequency_hz: Type.Number(),
          amplitude: Type.Number(),
          amplitude_unit: Type.String(),
          snr_db: Type.Number(),
          harmonics: Type.Number(),
        },
        { additionalProperties: true },
      ),
    }),
  ),
});

export const activeDiagnosesPath = (dataDir: string, asset: string, point: string): string =>
  pointFilePath(dataDir, ACTIVE_DIAGNOSES_DIR, asset, point);

/** The active diagnoses kept for a point; none when there is no file; a failure for a file that is not one. */
export function loadActiveDiagnoses(path: string): IoResult<ActiveDiagnosis[]> {
  const read = readJsonFile(path, StoredActiveSchema, "a diagnoses file");
  if (read.kind !== "success") return read;
  return success((read.value?.active ?? []) as unknown as ActiveDiagnosis[]);
}

export function saveActiveDiagnoses(
  path: string,
  stored: { asset: string; point: string; at: number; active: readonly ActiveDiagnosis[] },
): IoResult<void> {
  try {
    writeFileAtomic(path, `${JSON.stringify({ version: 1, ...stored })}\n`);
    return success(undefined);
  } catch (e) {
    return failure("INTERNAL", `cannot write ${path}: ${(e as Error).message}`);
  }
}
