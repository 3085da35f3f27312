// The analysis threads run at a lower priority than the agent's main thread
// (pool-worker.ts), so that where the cores are short acquisition and the
// queue run first. Linux only: it reads the threads' niceness from /proc.
import { readdirSync, readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { until } from "../../test/helpers/until.ts";
import { type BlockAnalyser, createBlockAnalyser } from "./pool.ts";

/** Niceness of each thread of this process (field 19 of /proc/<pid>/task/<tid>/stat). */
const threadNiceness = (): Map<number, number> => {
  const out = new Map<number, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    } catch {
      continue; // the thread ended meanwhile
    }
    // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    out.set(Number(tid), Number(fields[16]));
  }
  return out;
};

describe.runIf(process.platform === "linux")("analysis pool: thread priority", () => {
  let analyser: BlockAnalyser | null = null;
  afterAll(async () => {
    await analyser?.close();
  });

  it("runs its workers at nice 10 and leaves the main thread as it was", async () => {
    const before = threadNiceness();
    const lines: string[] = [];
    analyser = createBlockAnalyser({
      workers: 1,
      callbacks: {
        context: () => {
          throw new Error("no blocks in this test");
        },
        result: () => {},
        failed: () => {},
        dropped: () => {},
        workerCrashed: () => {},
        log: (l) => lines.push(l),
      },
    });
    analyser.start();
    // The worker lowers its own priority first thing, before it loads the FFT and says it is ready.
    await until("a thread of the process at nice 10", () =>
      analyser!.stats().workers === 1 && [...threadNiceness().values()].includes(10) ? true : undefined,
    );
    const after = threadNiceness();
    const lowered = [...after].filter(([tid, nice]) => nice === 10 && before.get(tid) !== 10);
    expect(lowered).toHaveLength(1);
    expect(getPriority(process.pid)).toBe(before.get(process.pid));
    expect(after.get(process.pid)).toBe(before.get(process.pid));
  });
});
