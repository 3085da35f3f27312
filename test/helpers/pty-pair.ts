// A virtual serial cable: two pseudo-terminals joined by socat (Debian
// package `socat`), `socat -d -d pty,raw,echo=0 pty,raw,echo=0`. What is
// written to one end comes out of the other, as over an RS-485 pair.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";

export const socatAvailable = (): boolean => spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0;

export interface PtyPair {
  /** One end (e.g. the device). */
  readonly a: string;
  /** The other end (e.g. the agent). */
  readonly b: string;
  stop(): Promise<void>;
}

export async function startPtyPair(): Promise<PtyPair> {
  const child: ChildProcess = spawn("socat", ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const paths = await new Promise<string[]>((resolve, reject) => {
    let text = "";
    const found: string[] = [];
    const timer = setTimeout(() => reject(new Error(`socat gave no PTYs within 5 s: ${text}`)), 5000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      for (const m of text.matchAll(/PTY is (\S+)/g)) if (!found.includes(m[1]!)) found.push(m[1]!);
      if (found.length >= 2) {
        clearTimeout(timer);
        resolve(found.slice(0, 2));
      }
    });
  });
  return {
    a: paths[0]!,
    b: paths[1]!,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
