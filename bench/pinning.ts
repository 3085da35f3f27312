// CPU pinning for the ingest benchmark (issue 15's restated ingest goal):
// central on one core, InfluxDB and the load generator on the other, set
// with util-linux `taskset` (sched_setaffinity(2)); and a process's own CPU
// time from /proc/<pid>/stat (proc(5): utime and stime, fields 14 and 15,
// in clock ticks).
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";

/** Throws, naming the package, when `taskset` is missing or the machine has fewer than 2 cores. */
export function requireTaskset(): void {
  const probe = spawnSync("taskset", ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : probe.stderr.trim();
    throw new Error(
      `ingest bench: the pinned mode needs \`taskset\` (Debian/Ubuntu package util-linux), not usable here: ${why}`,
    );
  }
  if (cpus().length < 2) {
    throw new Error(
      `ingest bench: the pinned mode needs 2 cores (central on one, InfluxDB on the other); this machine has ${cpus().length}`,
    );
  }
}

/** The CPU list a process (every thread of it, `-a`) may run on, e.g. "0,1" or "0-3". */
export function affinityOf(pid: number): string {
  const out = execFileSync("taskset", ["-cp", String(pid)], { encoding: "utf8" });
  const list = /:\s*(\S+)\s*$/.exec(out.trim())?.[1];
  if (!list) throw new Error(`taskset -cp ${pid}: unexpected output ${JSON.stringify(out)}`);
  return list;
}

/** Sets the CPU list of every thread of `pid`; threads and children it starts later inherit it. */
export function pin(pid: number, cpuList: string): void {
  execFileSync("taskset", ["-acp", cpuList, String(pid)], { stdio: "ignore" });
}

const TICKS_PER_S = (() => {
  const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const n = Number(out.stdout?.trim());
  // 100 on every Linux architecture Node supports (USER_HZ); getconf is only a check.
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** User + system CPU seconds `pid` has used so far (all its threads). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ")".
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state), so utime (field 14) is rest[11] and stime (field 15) rest[12].
  return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_S;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
