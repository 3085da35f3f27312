// StorageHealth on a file system whose free space the test sets: not ready
// below 1 MiB, and after a write failed for lack of space not ready again
// until 16 MiB are free (no flapping on the first freed megabyte).
import { describe, expect, it } from "vitest";
import {
  isStorageFull,
  MIN_FREE_BYTES,
  onceInAWhile,
  RECOVERED_FREE_BYTES,
  StorageHealth,
} from "./storage.ts";

describe("StorageHealth", () => {
  it("follows free space with hysteresis after a failed write", () => {
    let free = 100 * 1024 * 1024;
    const health = new StorageHealth(["/data"], null, () => free);
    expect(health.problem()).toBeNull();
    free = MIN_FREE_BYTES - 1;
    expect(health.problem()).toMatchObject({ where: "data" });
    free = 2 * MIN_FREE_BYTES;
    expect(health.problem()).toBeNull();
    health.noteFull(
      "/data/metadata.sqlite",
      Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }),
    );
    expect(health.problem()).toMatchObject({ where: "metadata.sqlite" });
    free = RECOVERED_FREE_BYTES;
    expect(health.problem()).toBeNull();
    expect(health.problem()).toBeNull();
  });

  it("knows a full disk by SQLite's and the file system's codes, also as a cause", () => {
    expect(isStorageFull(Object.assign(new Error("x"), { code: "SQLITE_FULL" }))).toBe(true);
    expect(isStorageFull(Object.assign(new Error("x"), { code: "ENOSPC" }))).toBe(true);
    expect(
      isStorageFull(new Error("wrapped", { cause: Object.assign(new Error("x"), { code: "EDQUOT" }) })),
    ).toBe(true);
    expect(isStorageFull(Object.assign(new Error("x"), { code: "SQLITE_BUSY" }))).toBe(false);
    expect(isStorageFull(null)).toBe(false);
  });

  it("lets a repeated message through once a minute", () => {
    let t = 0;
    const once = onceInAWhile(60_000, () => t);
    expect(once("a")).toBe(true);
    expect(once("a")).toBe(false);
    expect(once("b")).toBe(true);
    t = 60_000;
    expect(once("a")).toBe(true);
  });
});
