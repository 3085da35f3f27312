// kill -9 in a loop: a child process writes batches into the disk queue and
// is killed with SIGKILL at a random moment (mid-write more often than
// not). After every kill the queue must open, pass SQLite's integrity
// check, hold every batch the child was told was committed, hold no part
// of a batch (a batch is one transaction), and keep sequences consecutive.
// Both durability modes: a process killed is not a power cut, so the mode
// that syncs the WAL only at an interval must lose nothing here either
// (SQLite: "Transactions are durable across application crashes regardless
// of the synchronous setting", https://www.sqlite.org/pragma.html#pragma_synchronous).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { QUEUE_FILE } from "./sqlite.ts";

const root = join(import.meta.dirname, "..", "..");
const CRASH_BATCH = 50;
const ROUNDS = Number(process.env.VETRA_CRASH_ROUNDS ?? 5);

function writeAndKill(dir: string, killAfterMs: number, syncIntervalMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, "bin", "run-ts.js"),
        join(root, "edge-agent/queue/crash-writer.ts"),
        dir,
        String(CRASH_BATCH),
        String(syncIntervalMs),
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let committed = 0;
    let buffered = "";
    let stderr = "";
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const l of lines) {
        const m = /^committed (\d+)$/.exec(l);
        if (m) committed = Number(m[1]);
      }
      // Start the clock once writing has begun, so every round kills a writer at work.
      if (committed > 0 && timer === null) timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== "SIGKILL") reject(new Error(`writer exited ${code}: ${stderr}`));
      else resolve(committed);
    });
  });
}

describe.each([
  { mode: "every commit synced", syncIntervalMs: 0 },
  { mode: "synced every 200 ms off the event loop", syncIntervalMs: 200 },
])("disk queue under kill -9 ($mode)", ({ syncIntervalMs }) => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-crash-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps every committed batch and no partial one across ${ROUNDS} SIGKILLs`, {
    timeout: 120_000,
  }, async () => {
    let lastCommitted = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const committed = await writeAndKill(dir, 20 + Math.floor(Math.random() * 200), syncIntervalMs);
      expect(committed).toBeGreaterThan(lastCommitted);
      const db = new Database(join(dir, QUEUE_FILE));
      try {
        expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
        const { n, lo, hi } = db
          .prepare("SELECT COUNT(*) AS n, MIN(seq) AS lo, MAX(seq) AS hi FROM points")
          .get() as {
          n: number;
          lo: number;
          hi: number;
        };
        // Everything the writer was told is durable is there; at most the batch in flight besides.
        expect(n).toBeGreaterThanOrEqual(committed);
        expect(n).toBeLessThanOrEqual(committed + CRASH_BATCH);
        expect(n % CRASH_BATCH).toBe(0);
        expect(hi - lo + 1).toBe(n);
        // The values are 0..n-1 in order: nothing lost in the middle, nothing doubled.
        const values = (db.prepare("SELECT body FROM points ORDER BY seq").all() as { body: string }[]).map(
          (r) => (JSON.parse(r.body) as { fields: { power_kw: number } }).fields.power_kw,
        );
        expect(values.every((v, i) => v === i)).toBe(true);
        lastCommitted = n;
      } finally {
        db.close();
      }
    }
  });
});
