// Learnt baselines on disk: one small JSON file per measuring point in the
// agent's data folder (`<queue.dir>/baselines/<asset>/<point>.json`),
// replaced atomically, so a restart keeps what the point learnt. Relearning
// (after maintenance): delete the file while the agent is stopped, or set
// `diagnostics.baselineNotBefore` — a baseline learnt before that time is
// ignored and learnt afresh.
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { readJsonFile, writeFileAtomic } from "../../common/files.ts";
import { failure, type IoResult, success } from "../../common/result.ts";
import type { PointBaseline } from "./types.ts";

export const BASELINES_DIR = "baselines";

/** The keys every per-point file starts with: its format version and whose it is. */
export const PointFileKeys = {
  version: Type.Literal(1),
  asset: Type.String(),
  point: Type.String(),
};

const StoredBaselineSchema = Type.Object({
  ...PointFileKeys,
  /** When the baseline was complete, UTC ms. */
  learntAt: Type.Integer(),
  baseline: Type.Object({
    blocks: Type.Integer({ minimum: 1 }),
    features: Type.Record(Type.String(), Type.Number()),
  }),
});

export interface StoredBaseline {
  readonly asset: string;
  readonly point: string;
  readonly learntAt: number;
  readonly baseline: PointBaseline;
}

/** A path segment from a tag value: nothing that walks out of the folder ("/", ".."). */
const segment = (s: string): string => encodeURIComponent(s).replace(/\./g, "%2E");

/** `<dataDir>/<folder>/<asset>/<point>.json`, safe for any tag values. */
export const pointFilePath = (dataDir: string, folder: string, asset: string, point: string): string =>
  join(dataDir, folder, segment(asset), `${segment(point)}.json`);

export const baselinePath = (dataDir: string, asset: string, point: string): string =>
  pointFilePath(dataDir, BASELINES_DIR, asset, point);

/**
 * The stored baseline of a point, or null when there is none or it was
 * learnt before `notBeforeMs`. A file that cannot be read as a baseline is a
 * failure (the caller logs it and learns afresh).
 */
export function loadBaseline(path: string, notBeforeMs?: number): IoResult<StoredBaseline | null> {
  const read = readJsonFile(path, StoredBaselineSchema, "a baseline");
  if (read.kind !== "success" || read.value === null) return read;
  if (notBeforeMs !== undefined && read.value.learntAt < notBeforeMs) return success(null);
  return read;
}

export function saveBaseline(path: string, stored: StoredBaseline): IoResult<void> {
  try {
    writeFileAtomic(path, `${JSON.stringify({ version: 1, ...stored })}\n`);
    return success(undefined);
  } catch (e) {
    return failure("INTERNAL", `cannot write ${path}: ${(e as Error).message}`);
  }
}
