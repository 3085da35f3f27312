// Files that are either the old or the new version, never half of one: write
// a temporary file beside the target, fsync it, rename it over the target
// (atomic on POSIX file systems, rename(2)) and fsync the folder so the
// rename itself survives a power cut.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { failure, type IoResult, success } from "./result.ts";

let tmpCounter = 0;

const fsyncPath = (path: string): void => {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

/**
 * Replaces `path` with `data` atomically and durably (throws on I/O errors).
 * The file is its owner's only (0600; folders it creates 0700): state files
 * may hold what others on the machine must not read.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.${tmpCounter++}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  fsyncPath(tmp);
  renameSync(tmp, path);
  fsyncPath(dirname(path));
}

/**
 * A small JSON state file written by `writeFileAtomic`: its content when it
 * matches `schema`, null when there is no file, a failure naming the file
 * when it cannot be read or is not what `what` says (the caller logs it and
 * starts afresh).
 */
export function readJsonFile<S extends TSchema>(
  path: string,
  schema: S,
  what: string,
): IoResult<Static<S> | null> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return success(null);
    return failure("INTERNAL", `cannot read ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return failure("INTERNAL", `${path} is not JSON: ${(e as Error).message}`);
  }
  if (!Value.Check(schema, parsed)) return failure("INTERNAL", `${path} is not ${what}`);
  return success(parsed);
}
