// A small file system of its own for full-disk tests: a tmpfs of a fixed
// size mounted on a temp dir, which a ballast file fills to the last byte
// (writes then fail with ENOSPC, SQLite's with SQLITE_FULL) and deleting the
// ballast frees again. Mounting needs root (CAP_SYS_ADMIN), as under
// `.ci/run`; elsewhere the suites skip with a message, except under CI=true
// where a missing mount fails them.
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SmallFs {
  /** The mount point, empty at first. */
  dir: string;
  /** Fills every free byte with a ballast file. */
  fill(): void;
  /** Deletes the ballast. */
  free(): void;
  /** Unmounts (lazily, so an open file cannot keep it) and removes the mount point. */
  dispose(): void;
}

/** Mounts a tmpfs of `sizeBytes`; throws when it cannot (not root, no mount(8)). */
export function mountSmallFs(sizeBytes: number): SmallFs {
  const dir = mkdtempSync(join(tmpdir(), "vetra-smallfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes},mode=0755`, "tmpfs", dir], {
      stdio: "pipe",
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs (needs root): ${(error as Error).message.split("\n")[0]}`);
  }
  const ballast = join(dir, "ballast");
  return {
    dir,
    fill() {
      const fd = openSync(ballast, "a");
      const block = Buffer.alloc(64 * 1024, 1);
      try {
        for (let size = block.length; size >= 1; size = Math.floor(size / 2)) {
          try {
            for (;;) writeSync(fd, block, 0, size);
          } catch (error) {
            if ((error as { code?: string }).code !== "ENOSPC") throw error;
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free() {
      unlinkSync(ballast);
    },
    dispose() {
      try {
        execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Whether the full-disk suites can run here (root); under CI=true they must. */
export function smallFsAvailable(): boolean {
  if (process.getuid?.() === 0) return true;
  if (process.env.CI === "true") throw new Error("full-disk tests need root to mount a tmpfs, and CI=true");
  console.warn("not root: skipping the full-disk suites (they mount a tmpfs)");
  return false;
}
