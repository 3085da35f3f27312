// `vetra central --config FILE` as a child process (bin/vetra.js, the
// sources through tsx), on a fixed loopback port so that a restart comes
// back where the load balancer expects it. Killed with any signal and
// started again on the same config and data dir.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");

export interface CentralProcess {
  readonly url: string;
  readonly configPath: string;
  /** The process's stderr so far (central's warnings; its last words after a crash). */
  stderr(): string;
  /** True while the process runs. */
  running(): boolean;
  /** Starts it (again); resolves once it listens. */
  start(): Promise<void>;
  /** Sends `signal` and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Writes `config` (its `server` forced to 127.0.0.1:`port`) beside the data and returns the process, not yet started. */
export function centralProcess(
  configPath: string,
  port: number,
  config: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
): CentralProcess {
  writeFileSync(
    configPath,
    JSON.stringify({ ...config, server: { ...(config.server as object), host: "127.0.0.1", port } }),
  );
  let child: ChildProcess | null = null;
  let err = "";
  const running = () => child !== null && child.exitCode === null && child.signalCode === null;
  return {
    url: `http://127.0.0.1:${port}`,
    configPath,
    stderr: () => err,
    running,
    async start() {
      if (running()) throw new Error("already running");
      const c = spawn(process.execPath, [join(root, "bin", "vetra.js"), "central", "--config", configPath], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, LOG_LEVEL: "warn", ...env },
      });
      child = c;
      c.stderr?.on("data", (d) => {
        err = (err + String(d)).slice(-20_000);
      });
      await new Promise<void>((resolve, reject) => {
        let out = "";
        let listening = false;
        const onExit = (code: number | null, signal: string | null) =>
          reject(new Error(`central exited (${code ?? signal}) before listening: ${err}`));
        c.once("exit", onExit);
        // Read to the end (a full pipe would stall the process), kept only until it listens.
        c.stdout?.on("data", (d) => {
          if (listening) return;
          out += String(d);
          if (out.includes("listening on")) {
            listening = true;
            c.off("exit", onExit);
            resolve();
          }
        });
      });
    },
    async kill(signal) {
      const c = child;
      if (!c || !running()) return;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill(signal);
      await exited;
    },
  };
}
