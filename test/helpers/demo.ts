// `vetra demo` as a separate process, the way a person starts it: a free
// port, a temp data dir, optionally a throwaway InfluxDB as the store. Waits
// for the URL it prints and reads the credentials it writes.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunningInfluxd } from "./influxd.ts";

const vetra = join(import.meta.dirname, "..", "..", "bin", "vetra.js");

export interface DemoProcess {
  /** Base URL of central, e.g. `http://127.0.0.1:40123`. */
  url: string;
  tokens: Record<string, string>;
  dataDir: string;
  child: ChildProcessWithoutNullStreams;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGKILL if still running, then remove the data dir. */
  kill(): void;
}

export async function startDemoProcess(
  store: "embedded" | "influx",
  influx?: RunningInfluxd,
  startTimeoutMs = 90_000,
): Promise<DemoProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), "vetra-demo-"));
  const child = spawn(
    process.execPath,
    [vetra, "demo", "--port", "0", "--data-dir", dataDir, "--store", store],
    {
      env: { ...process.env, ...(influx ? { INFLUX_URL: influx.url, INFLUX_DB: influx.database } : {}) },
    },
  );
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  const kill = () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output}`)), startTimeoutMs);
      const check = () => {
        const m = /Vetra is running: (http:\/\/[^/\s]+)/.exec(output);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout.on("data", check);
      child.on("exit", (code) => reject(new Error(`demo exited with ${code}:\n${output}`)));
    });
    const { tokens } = JSON.parse(readFileSync(join(dataDir, "demo-credentials.json"), "utf8")) as {
      tokens: Record<string, string>;
    };
    return { url, tokens, dataDir, child, output: () => output, kill };
  } catch (error) {
    kill();
    throw error;
  }
}
