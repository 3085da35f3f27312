// Central replicas as separate processes (`vetra central --config FILE`,
// each its own data dir, as deploy/k8s runs them) for the ingest
// benchmark: one with its metadata in SQLite (the baseline), one and three
// on one PostgreSQL database, all writing to the same InfluxDB. An agent
// token is given to each by its hash in the config, so the benchmark needs
// no access to their databases.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURE_FLEET } from "../test/helpers/central-fixture.ts";
import { freePort } from "../test/helpers/ports.ts";

export interface ReplicaSet {
  urls: string[];
  token: string;
  /** Process ids of the replicas, in the order of `urls` (for their CPU time in /proc). */
  pids: number[];
  close(): Promise<void>;
}

const ROOT = join(import.meta.dirname, "..");

/** Starts `n` central processes on the same metadata (and store); resolves once every one is ready. */
export async function startReplicas(
  dir: string,
  n: number,
  config: {
    metadata: object;
    store: object;
    secretsKeyFile: string;
    /** Started under `taskset -c <cpuList>` (bench/pinning.ts), e.g. "0": every thread on that core. */
    cpuList?: string;
    /** Options for node before the entry point, e.g. ["--cpu-prof"] to see where central's time goes. */
    nodeArgs?: string[];
  },
): Promise<ReplicaSet> {
  const token = randomBytes(24).toString("base64url");
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  const close = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
    );
  };
  try {
    for (let i = 0; i < n; i++) {
      const dataDir = join(dir, `replica-${i}`);
      mkdirSync(dataDir, { recursive: true });
      const port = await freePort();
      const file = join(dataDir, "central.json");
      writeFileSync(
        file,
        JSON.stringify({
          server: { host: "127.0.0.1", port },
          dataDir,
          metadata: config.metadata,
          store: config.store,
          ...FIXTURE_FLEET,
          tokens: [
            {
              sha256: createHash("sha256").update(token, "utf8").digest("hex"),
              role: "agent",
              site: "wf1",
              label: "bench",
            },
          ],
          // One key for every replica of a database (as a Secret gives it); none is needed by ingest.
          secretsKeyFile: config.secretsKeyFile,
        }),
      );
      const args = [...(config.nodeArgs ?? []), join(ROOT, "bin", "vetra.js"), "central", "--config", file];
      // taskset execs the command: the child's pid is central's own.
      const child = config.cpuList
        ? spawn("taskset", ["-c", config.cpuList, process.execPath, ...args], {
            stdio: ["ignore", "ignore", "pipe"],
            env: { ...process.env, LOG_LEVEL: "warn" },
          })
        : spawn(process.execPath, args, {
            stdio: ["ignore", "ignore", "pipe"],
            env: { ...process.env, LOG_LEVEL: "warn" },
          });
      let stderr = "";
      child.stderr?.on("data", (c: Buffer) => {
        stderr = (stderr + c.toString()).slice(-4000);
      });
      children.push(child);
      urls.push(`http://127.0.0.1:${port}`);
      // Started one after the other: the first applies the migrations, the others find them done.
      const deadline = Date.now() + 120_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`replica ${i} exited: ${stderr}`);
        const ok = await fetch(`${urls[i]}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`replica ${i} not ready in 120 s: ${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { urls, token, pids: children.map((c) => c.pid!), close };
}
