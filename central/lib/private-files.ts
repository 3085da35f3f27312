// What central keeps on disk is its owner's only: files 0600, the folders it
// creates 0700 (metadata with token hashes, the audit log and notification
// rules, time series, grid data, the secrets key). A file that exists with
// wider access — written by an older version — is narrowed at start.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates the folder (and its parents) 0700 where missing; an existing folder keeps its mode. */
export function privateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Creates the file empty and 0600 where missing, and takes group and other access away from an existing one. */
export function privateFile(path: string): void {
  privateDir(dirname(path));
  closeSync(openSync(path, "a", PRIVATE_FILE_MODE));
  chmodSync(path, PRIVATE_FILE_MODE);
}

/**
 * A SQLite database file, made private before SQLite opens it: SQLite
 * creates the -wal, -shm and -journal files with the database file's mode
 * (os_unix.c, findCreateFileMode), and existing ones are narrowed here.
 */
export function privateDatabase(path: string): void {
  privateFile(path);
  for (const suffix of ["-wal", "-shm", "-journal"]) {
    if (existsSync(path + suffix)) chmodSync(path + suffix, PRIVATE_FILE_MODE);
  }
}
