// Full disks. A write that fails for lack of space (SQLite's SQLITE_FULL,
// the file system's ENOSPC or EDQUOT) is a condition of the machine, not of
// the request: central answers 503 STORAGE_FULL with Retry-After (an agent
// keeps the batch queued and re-sends it; stores key points by measurement +
// tags + field + ts, so the re-send is stored once), background work (the
// alarm evaluator, the notifier) skips its round, and /readyz says not ready
// until the data folders have room again.
import { statfsSync } from "node:fs";
import { basename } from "node:path";

/** Seconds a client is asked to wait after STORAGE_FULL. */
export const STORAGE_FULL_RETRY_S = 30;
/** Below this much free space in a data folder central is not ready even before a write fails. */
export const MIN_FREE_BYTES = 1024 * 1024;
/**
 * After a write failed for lack of space, the free space that makes central
 * ready again: room for the largest batch (16 MiB of JSON), so readiness
 * does not flap on the first freed megabyte.
 */
export const RECOVERED_FREE_BYTES = 16 * 1024 * 1024;

const FULL_CODES = new Set(["ENOSPC", "EDQUOT", "SQLITE_FULL", "SQLITE_IOERR_SHMSIZE"]);

/** True when an error (better-sqlite3's SqliteError, a Node fs error, or its cause) says the disk is full. */
export function isStorageFull(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && FULL_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export interface StorageProblem {
  /** The file (base name) or folder whose write failed. */
  where: string;
  message: string;
}

export interface StorageLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Free bytes for an unprivileged writer in the file system holding `dir`. */
export type FreeBytes = (dir: string) => number;
const statfsFree: FreeBytes = (dir) => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

/**
 * Whether central can write: failures are noted where they happen, and
 * readiness asks `problem()`, which also looks at the free space of each
 * data folder (statfs, no write needed).
 */
export class StorageHealth {
  private full: (StorageProblem & { sinceMs: number }) | null = null;

  constructor(
    private readonly dirs: readonly string[],
    private readonly log: StorageLog | null = null,
    private readonly freeBytes: FreeBytes = statfsFree,
  ) {}

  /** A write to `file` failed for lack of space (logged once, until space returns). */
  noteFull(file: string, error: unknown): void {
    if (this.full) return;
    const where = basename(file);
    const message = error instanceof Error ? error.message : String(error);
    this.full = { where, message, sinceMs: Date.now() };
    this.log?.warn({ file, code: (error as { code?: unknown })?.code }, `storage full: cannot write ${file}`);
  }

  /** Null when writes can go ahead; else which folder or file lacks space. */
  problem(): StorageProblem | null {
    const needed = this.full ? RECOVERED_FREE_BYTES : MIN_FREE_BYTES;
    for (const dir of this.dirs) {
      let free: number;
      try {
        free = this.freeBytes(dir);
      } catch {
        continue; // a folder that cannot be looked at is not known to be full
      }
      if (free < needed) {
        const where = this.full?.where ?? basename(dir);
        return {
          where,
          message: `${Math.floor(free / 1024)} KiB free, ${Math.floor(needed / 1024)} KiB needed`,
        };
      }
    }
    if (this.full) {
      this.log?.info({ where: this.full.where }, "storage writable again");
      this.full = null;
    }
    return null;
  }
}

/**
 * For background loops that fail the same way every round (a full disk
 * fails the evaluator every few seconds): true the first time a message is
 * seen and again once `windowMs` has passed, so the log gets one line per
 * minute instead of a flood.
 */
export function onceInAWhile(windowMs = 60_000, now: () => number = Date.now): (message: string) => boolean {
  const last = new Map<string, number>();
  return (message) => {
    const t = now();
    const seen = last.get(message);
    if (seen !== undefined && t - seen < windowMs) return false;
    if (last.size > 100) last.clear();
    last.set(message, t);
    return true;
  };
}
