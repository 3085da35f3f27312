import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { FIXTURE_FLEET } from "../test/helpers/central-fixture.ts";
import { runCentral } from "./cli.ts";
import { parseCentralConfig } from "./config.ts";
import { startCentral } from "./server.ts";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-server-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("startCentral", () => {
  it("listens on a free port, creates the first admin token once, and serves over real HTTP", async () => {
    const dataDir = tempDir();
    const config = parseCentralConfig({ server: { port: 0 }, dataDir, ...FIXTURE_FLEET });
    const first = await startCentral(config);
    let adminToken: string;
    try {
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(first.adminToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      adminToken = first.adminToken!;
      const health = await fetch(`${first.url}/healthz`);
      expect(health.status).toBe(200);
      const assets = await fetch(`${first.url}/api/v1/assets`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(assets.status).toBe(200);
      expect(((await assets.json()) as { assets: unknown[] }).assets).toHaveLength(4);
      const ingest = await fetch(`${first.url}/api/v1/ingest`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({
          batchId: "admin-import-1",
          agent: "importer",
          site: "fac-h01",
          sentAt: Date.now(),
          points: [
            {
              measurement: "meter",
              tags: { site: "fac-h01", asset: "H01" },
              fields: { energy_kwh: 12.5 },
              ts: Date.now() - 1000,
            },
          ],
        }),
      });
      expect(ingest.status).toBe(200);
    } finally {
      await first.close();
    }
    // Same data dir: the admin token still works and no new one is made; the point is still there.
    const second = await startCentral(config);
    try {
      expect(second.adminToken).toBeUndefined();
      const health = await fetch(`${second.url}/api/v1/assets/H01/health`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(((await health.json()) as { meter: { fields: Record<string, number> } }).meter.fields).toEqual({
        energy_kwh: 12.5,
      });
    } finally {
      await second.close();
    }
  });
});

describe("vetra central (CLI)", () => {
  it("exits 2 with one line naming the key on a bad config", async () => {
    const dir = tempDir();
    const path = join(dir, "central.yaml");
    writeFileSync(path, "server:\n  port: eighty\n");
    const errors: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => {
      errors.push(String(line));
    });
    try {
      expect(await runCentral(["--config", path])).toBe(2);
      expect(await runCentral([])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(errors[0]).toBe("vetra central: server.port: expected integer");
    expect(errors[0]).not.toContain("\n");
    expect(errors[1]).toMatch(/--config FILE is required/);
  });

  it("runs until SIGTERM and then shuts down cleanly", async () => {
    const dir = tempDir();
    const path = join(dir, "central.json");
    writeFileSync(
      path,
      JSON.stringify({ server: { port: 0 }, dataDir: join(dir, "data"), ...FIXTURE_FLEET }),
    );
    const child = spawn(process.execPath, [resolve("bin/vetra.js"), "central", "--config", path], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LOG_LEVEL: "warn" },
    });
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    try {
      let out = "";
      const url = await new Promise<string>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no URL printed: ${out}`)), 30_000);
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            done(m[1]!);
          }
        });
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/admin token \(shown once, keep it safe\): [A-Za-z0-9_-]{43}/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    }
  });
});
