import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import modbusSerial from "modbus-serial";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runSim } from "./cli.ts";

const ModbusRTU = modbusSerial as unknown as typeof modbusSerial.default;
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * `vetra sim argv` run in process until `signal` hands it a signal, as the
 * command waits for one; `exit` is its exit code, `lines` what it logged.
 */
async function simRunning(
  argv: string[],
): Promise<{ lines: string[]; signal(name: string): void; exit: Promise<number> }> {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(line));
  let release: (name: string) => void = () => {};
  let listening: () => void = () => {};
  const started = new Promise<void>((r) => {
    listening = r;
  });
  const exit = runSim(argv, () => {
    listening();
    return new Promise((r) => {
      release = r;
    });
  });
  await started;
  return { lines, signal: (name) => release(name), exit };
}

describe("vetra sim: bad arguments", () => {
  it.each([
    [[], /which device/],
    [["boat"], /unknown device 'boat'/],
    [["turbine"], /--asset is required/],
    [["turbine", "--asset", "T01", "--fault", "main_bearing:rust:0.5"], /--fault .*fault 'rust'/],
    [["turbine", "--asset", "T01", "--modbus-port", "99999"], /--modbus-port '99999'/],
    [["turbine", "--asset", "T01", "--colour", "red"], /colour/],
    [["facility", "--asset", "H01", "--kind", "prison"], /--kind 'prison'/],
    [["facility", "--asset", "H01", "--kind", "school", "--saving", "0.1"], /go together/],
    [
      ["facility", "--asset", "H01", "--kind", "school", "--measure-from", "soon", "--saving", "0.1"],
      /--measure-from/,
    ],
    [
      ["facility", "--asset", "H01", "--kind", "school", "--measure-from", "2026-01-01", "--saving", "2"],
      /--saving '2'/,
    ],
    [["facility", "--asset", "H01", "--kind", "school", "--modbus-fault", "melt"], /--modbus-fault 'melt'/],
    [["facility", "--asset", "H01", "--kind", "school", "--modbus-fault", "delay"], /delay in ms/],
    [["turbine", "--asset", "T01", "--outage-cycle", "10"], /--outage-cycle '10': expected ON\/OFF/],
    [["turbine", "--asset", "T01", "--opcua-restart-every", "0"], /--opcua-restart-every '0'/],
  ])("%j → exit 2 with one line on stderr", async (argv, message) => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => errors.push(line));
    const code = await runSim(argv as string[], () => Promise.reject(new Error("must not start")));
    expect(code).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(errors[0]).not.toContain("\n");
  });
});

describe("vetra sim turbine", () => {
  it("prints where it listens, serves Modbus, and stops cleanly on the signal", async () => {
    const { lines, signal, exit } = await simRunning([
      "turbine",
      "--asset",
      "T09",
      "--fault",
      "generator_de:imbalance:0.6",
      "--seed",
      "3",
    ]);
    try {
      // node-opcua logs its own warnings on stdout; find ours.
      const line = lines.find((l) => typeof l === "string" && l.startsWith("turbine T09:")) ?? "";
      const m = /Modbus TCP 127\.0\.0\.1:(\d+).*OPC UA (opc\.tcp:\/\/127\.0\.0\.1:\d+\/\S+),/.exec(line);
      expect(m).not.toBeNull();
      expect(line).toContain("generator_de:imbalance:0.6");
      const client = new ModbusRTU();
      await client.connectTCP("127.0.0.1", { port: Number(m?.[1]) });
      client.setID(1);
      client.setTimeout(2000);
      const { data } = await client.readHoldingRegisters(100, 1);
      expect([0, 1]).toContain(data[0]);
      await new Promise<void>((r) => client.close(() => r()));
    } finally {
      signal("SIGTERM");
    }
    expect(await exit).toBe(0);
  });
});

describe("vetra sim facility (real process)", () => {
  it("runs until SIGTERM and exits 0", async () => {
    const child = spawn(
      process.execPath,
      [
        "bin/vetra.js",
        "sim",
        "facility",
        "--asset",
        "S01",
        "--kind",
        "school",
        "--measure-from",
        "2026-01-01",
        "--saving",
        "0.15",
      ],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stderr.on("data", (d) => {
      err += String(d);
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${err}`)), 30_000);
      child.stdout.on("data", (d) => {
        out += String(d);
        const m = /127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.once("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const client = new ModbusRTU();
    await client.connectTCP("127.0.0.1", { port });
    client.setID(2);
    client.setTimeout(2000);
    const { data } = await client.readInputRegisters(0, 2);
    expect(data).toHaveLength(2);
    await new Promise<void>((r) => client.close(() => r()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(out).toContain("facility S01 (school)");
  });
});

describe("vetra sim facility --modbus-fault", () => {
  it("answers unit 2 with the injected exception and unit 1 normally", async () => {
    const { lines, signal, exit } = await simRunning([
      "facility",
      "--asset",
      "H02",
      "--kind",
      "clinic",
      "--modbus-fault",
      "exception:6@2",
    ]);
    try {
      const line = lines.find((l) => typeof l === "string" && l.startsWith("facility H02")) ?? "";
      expect(line).toContain("injecting modbus exception:6@2");
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
      const client = new ModbusRTU();
      await client.connectTCP("127.0.0.1", { port });
      client.setTimeout(2000);
      client.setID(2);
      await expect(client.readInputRegisters(0, 2)).rejects.toMatchObject({ modbusCode: 6 });
      client.setID(1);
      const { data } = await client.readInputRegisters(0x46, 2); // frequency, float32
      const buf = Buffer.alloc(4);
      buf.writeUInt16BE(data[0]!, 0);
      buf.writeUInt16BE(data[1]!, 2);
      expect(Math.abs(buf.readFloatBE(0) - 50)).toBeLessThan(0.1);
      await new Promise<void>((r) => client.close(() => r()));
    } finally {
      signal("SIGTERM");
    }
    expect(await exit).toBe(0);
  });
});
