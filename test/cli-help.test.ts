// Every `vetra` command and subcommand as a user meets it at the prompt:
// `--help` answers on stdout with exit 0, a wrong option is ONE line on
// stderr with exit 2, and nothing a third party prints (node-opcua's
// NODE-OPCUA-W27 start-up check) reaches the user. Walks the real executable.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../cli/main.ts";

const vetra = join(import.meta.dirname, "..", "bin", "vetra.js");

const run = (
  args: string[],
  node: string[] = [vetra],
): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [...node, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });

/** The same `main` bin/vetra.js calls, in-process (one module load for all commands), its output captured. */
async function runInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const spies = [
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => {
      stdout += `${a.join(" ")}\n`;
    }),
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
      stderr += `${a.join(" ")}\n`;
    }),
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    }),
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    }),
  ];
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

// Every command and subcommand the top-level usage and the subcommand routers name.
const COMMANDS = [
  [],
  ["demo"],
  ["central"],
  ["edge"],
  ["edge", "check"],
  ["edge", "dead-letters"],
  ["edge", "dead-letters", "list"],
  ["edge", "dead-letters", "resend"],
  ["grid"],
  ["grid", "import"],
  ["sim"],
  ["sim", "turbine"],
  ["sim", "facility"],
  ["savings"],
  ["import"],
  ["import", "meter"],
  ["import", "weather"],
  ["verify"],
  ["diagnose"],
];

describe("vetra: --help and usage errors on every command", () => {
  it("the list above covers every command the top-level usage names", async () => {
    // The real executable once: exit status and streams as the shell sees them.
    const top = await run(["--help"]);
    expect(top.code).toBe(0);
    const bad = await run(["--no-such-option"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd().split("\n")).toHaveLength(1);
    const named = [...top.stdout.matchAll(/^ {2}(\w[\w-]*) /gm)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(5);
    for (const name of named) expect(COMMANDS.some((c) => c[0] === name)).toBe(true);
  });

  it.each(COMMANDS.map((c) => [c.join(" ") || "(top)", c] as const))(
    "%s --help: usage on stdout, exit 0, nothing on stderr",
    async (_label, command) => {
      const r = await runInProcess([...command, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/usage: vetra/);
      expect(r.stderr).toBe("");
    },
    60_000,
  );

  it.each(COMMANDS.map((c) => [c.join(" ") || "(top)", c] as const))(
    "%s --no-such-option: one line naming it on stderr, exit 2, nothing on stdout",
    async (_label, command) => {
      const r = await runInProcess([...command, "--no-such-option"]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^vetra.*--no-such-option.*--help\)$/);
    },
    60_000,
  );

  it("a missing required value is one line too (grid import without FILE, central without --config)", async () => {
    for (const args of [["grid", "import"], ["central"], ["import", "meter", "x.csv"]]) {
      const r = await runInProcess(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/required/);
    }
  }, 60_000);
});

describe("vetra: no third-party warning that does not concern the user", () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-cli-help-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("edge check on an OPC UA source loads node-opcua without its NODE-OPCUA-W27 PKCS#1 check output", async () => {
    // The referee: on Node 20, loading node-opcua alone prints W27 (Node 22+ skips the check).
    const major = Number(process.versions.node.split(".")[0]);
    const bare = await run(
      [],
      [
        "--input-type=module",
        "-e",
        'await import("node-opcua-client"); await new Promise((r) => setTimeout(r, 15000));',
      ],
    );
    if (major === 20) expect(bare.stdout + bare.stderr).toContain("NODE-OPCUA-W27");
    const config = join(dir, "agent.json");
    writeFileSync(
      config,
      JSON.stringify({
        agent: { id: "a1", site: "s1" },
        central: { url: "http://127.0.0.1:9", token: "t" },
        queue: { dir: join(dir, "q") },
        sources: [
          {
            kind: "opcua",
            id: "u1",
            endpoint: "opc.tcp://127.0.0.1:9/nothing",
            asset: "T01",
            timeoutMs: 500,
            scalars: [{ nodeId: "ns=1;s=x", measurement: "scada", field: "rotor_speed_rpm" }],
          },
        ],
      }),
    );
    const r = await run(["edge", "check", "--config", config]);
    expect(r.stdout).toMatch(/u1/); // it did load OPC UA and tried the source
    expect(r.stdout + r.stderr).not.toContain("NODE-OPCUA-W27");
    expect(r.stdout + r.stderr).not.toContain("security-revert");
  }, 120_000);
});
