// Graceful shutdown under load: `vetra central` (a real process, embedded
// store) receives batches from eight concurrent senders (the agents' HTTP
// transport) when SIGTERM arrives. Asserted: the process exits 0; every
// batch acknowledged before the exit is in the store (read from the data
// dir while central is down); after a restart on the same data dir the
// senders finish (re-sending what was not acknowledged), and the store holds
// every point exactly once. Points are known by construction: sender s,
// batch k, index i has ts = T0 + k·N + i and value s·10⁶ + k·N + i.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../central/meta/meta.ts";
import { openEmbeddedStore } from "../central/stores/embedded.ts";
import { EMBEDDED_STORE_FILE } from "../central/stores/registry.ts";
import type { IngestBatch, Point } from "../common/wire.ts";
import { createHttpTransport } from "../edge-agent/uplink/transport.ts";
import { FIXTURE_FLEET } from "./helpers/central-fixture.ts";
import { freePort } from "./helpers/ports.ts";

const root = join(import.meta.dirname, "..");
const SENDERS = 8;
const BATCHES = 25;
const POINTS = 200;
const T0 = Date.UTC(2026, 0, 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const knownBatch = (sender: number, k: number): IngestBatch => {
  const points: Point[] = [];
  for (let i = 0; i < POINTS; i++)
    points.push({
      measurement: "scada",
      tags: { site: "wf1", asset: "T01", source: `sender${sender}` },
      fields: { power_kw: sender * 1e6 + k * POINTS + i },
      ts: T0 + k * POINTS + i,
    });
  return {
    batchId: `shutdown-s${sender}-b${k}`,
    agent: `sender${sender}`,
    site: "wf1",
    sentAt: Date.now(),
    points,
  };
};

describe("graceful shutdown of central under load", () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-shutdown-"));
  let child: ChildProcess | null = null;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("finishes in-flight writes on SIGTERM; nothing acknowledged is lost; nothing stored twice", {
    timeout: 120_000,
  }, async () => {
    const token = randomBytes(24).toString("base64url");
    const port = await freePort();
    const configPath = join(dir, "central.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        server: { host: "127.0.0.1", port },
        dataDir: join(dir, "data"),
        ...FIXTURE_FLEET,
        tokens: [{ sha256: sha256Hex(token), role: "agent", site: "wf1", label: "senders" }],
      }),
    );
    const startCentral = async (): Promise<ChildProcess> => {
      const c = spawn(process.execPath, [join(root, "bin", "vetra.js"), "central", "--config", configPath], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, LOG_LEVEL: "warn" },
      });
      let err = "";
      c.stderr?.on("data", (d) => {
        err += String(d);
      });
      await new Promise<void>((resolve, reject) => {
        let out = "";
        c.stdout?.on("data", (d) => {
          out += String(d);
          if (out.includes("listening on")) resolve();
        });
        c.once("exit", (code) => reject(new Error(`central exited ${code}: ${err}`)));
      });
      return c;
    };

    const transport = createHttpTransport({
      url: `http://127.0.0.1:${port}`,
      token,
      timeoutMs: 10_000,
      gzip: true,
    });
    /** When each batch was first acknowledged (ms), by batch id. */
    const ackedAt = new Map<string, number>();
    let retries = 0;
    let inFlight = 0;
    const sender = async (s: number): Promise<void> => {
      for (let k = 0; k < BATCHES; k++) {
        const batch = knownBatch(s, k);
        for (;;) {
          inFlight++;
          const r = await transport.send(batch).finally(() => inFlight--);
          if (r.kind === "success") {
            ackedAt.set(batch.batchId, Date.now());
            break;
          }
          if (r.kind === "failure") throw new Error(`${batch.batchId} rejected: ${r.message}`);
          retries++;
          await sleep(100); // central is going down or not up yet: at-least-once, the same batch again
        }
      }
    };

    child = await startCentral();
    const senders = Promise.all(Array.from({ length: SENDERS }, (_, s) => sender(s)));
    senders.catch(() => {}); // awaited below; a rejection must not go unhandled meanwhile
    // Let the load build up, then redeploy in the middle of it.
    await expect
      .poll(() => ackedAt.size, { timeout: 30_000, interval: 20 })
      .toBeGreaterThanOrEqual(SENDERS * 3);
    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    const inFlightAtSigterm = inFlight;
    const sigtermAt = Date.now();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const stoppedAt = Date.now();
    expect(inFlightAtSigterm).toBeGreaterThan(0);
    const ackedDuringShutdown = [...ackedAt.values()].filter((t) => t > sigtermAt && t <= stoppedAt).length;
    const ackedBeforeStop = [...ackedAt].filter(([, t]) => t <= stoppedAt).map(([id]) => id);
    expect(ackedBeforeStop.length).toBeLessThan(SENDERS * BATCHES); // the stop really came mid-flood

    // Central is down: read its data dir. Every acknowledged batch is there, in full.
    const storePath = join(dir, "data", EMBEDDED_STORE_FILE);
    const storedBySender = async (): Promise<Map<string, Map<number, number>>> => {
      const store = openEmbeddedStore({ path: storePath });
      try {
        const r = await store.query({
          measurement: "scada",
          field: "power_kw",
          tags: { asset: "T01" },
          fromMs: T0,
          toMs: T0 + BATCHES * POINTS,
          groupBy: ["source"],
        });
        if (r.kind !== "success") throw new Error(r.message);
        return new Map(
          r.value.map((s) => [s.tags.source ?? "", new Map(s.points.map((p) => [p.ts, p.value]))]),
        );
      } finally {
        await store.close();
      }
    };
    const afterStop = await storedBySender();
    for (const id of ackedBeforeStop) {
      const [, s, k] = /^shutdown-s(\d+)-b(\d+)$/.exec(id)!.map(Number) as [number, number, number];
      const stored = afterStop.get(`sender${s}`);
      for (const p of knownBatch(s, k).points) expect(stored?.get(p.ts)).toBe(p.fields.power_kw);
    }

    // Restart on the same data dir; the senders finish what they had not got acknowledged.
    child = await startCentral();
    await senders;
    const exitedAgain = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exitedAgain).toBe(0);
    child = null;

    const final = await storedBySender();
    for (let s = 0; s < SENDERS; s++) {
      const stored = final.get(`sender${s}`)!;
      // Exactly once: one value per timestamp (the store's key), all of them, each the one sent.
      expect(stored.size).toBe(BATCHES * POINTS);
      for (let k = 0; k < BATCHES; k++)
        for (let i = 0; i < POINTS; i++)
          expect(stored.get(T0 + k * POINTS + i)).toBe(s * 1e6 + k * POINTS + i);
    }
    console.log(
      `shutdown: senders=${SENDERS} batches=${SENDERS * BATCHES} in_flight_at_sigterm=${inFlightAtSigterm} acked_during_shutdown=${ackedDuringShutdown} acked_before_exit=${ackedBeforeStop.length} retries=${retries} stored=${SENDERS * BATCHES * POINTS}`,
    );
  });
});
