import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { runEdge } from "./cli.ts";

describe("vetra edge", () => {
  let dir: string;
  let lines: string[];
  const stderr = (l: string) => {
    lines.push(l);
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vetra-cli-"));
    lines = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = (over: Record<string, unknown> = {}) => ({
    agent: { id: "a1", site: "s1" },
    central: { url: "http://127.0.0.1:9", token: "t" },
    queue: { dir: join(dir, "q"), kind: "memory" },
    sources: [],
    ...over,
  });

  it("bad config: one line naming the key on stderr, exit 2", async () => {
    const file = join(dir, "agent.yaml");
    writeFileSync(
      file,
      stringify(config({ central: { url: "http://127.0.0.1:9", token: "t", batchSize: 3 } })),
    );
    expect(await runEdge(["--config", file], { stderr })).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("central.batchSize: unknown key");
  });

  it("missing --config or a bad --metrics-port: exit 2", async () => {
    expect(await runEdge([], { stderr })).toBe(2);
    expect(await runEdge(["--config", "x.yaml", "--metrics-port", "http"], { stderr })).toBe(2);
    expect(await runEdge(["--bogus"], { stderr })).toBe(2);
    expect(lines).toHaveLength(3);
  });

  it("runs until stopped, serves metrics on --metrics-port, exits 0", async () => {
    const file = join(dir, "agent.json");
    writeFileSync(file, JSON.stringify(config()));
    const ac = new AbortController();
    let metricsUrl: string | undefined;
    const done = runEdge(["edge", "--config", file, "--metrics-port", "0"], {
      stderr,
      signal: ac.signal,
      onStarted: (info) => {
        metricsUrl = info.metricsUrl;
      },
    });
    await expect.poll(() => metricsUrl, { timeout: 5000 }).toBeDefined();
    const text = await (await fetch(metricsUrl!)).text();
    expect(text).toContain("vetra_agent_points_acquired_total 0");
    ac.abort();
    expect(await done).toBe(0);
  });
});
