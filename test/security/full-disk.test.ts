// Issue 13, finding 3: a full disk. With central's data dir on a full file
// system a batch got 500 although its points were stored, /api/v1/alarms
// answered 500 while /readyz said ready, the alarm evaluator threw an
// uncaught SQLITE_FULL and the process exited, and it could not start
// again. Here the real `vetra central` process runs with its data dir on a
// small tmpfs that a ballast file fills (root, as under `.ci/run`), on the
// embedded store and on a throwaway influxd (whose own files are elsewhere,
// so there the metadata file is the one that cannot grow).
//
// Asserted: while full, writes answer 503 STORAGE_FULL with Retry-After and
// never 500, reads answer without a 500, /readyz is not ready, and the
// process survives rounds of the evaluator and the notifier; start-up on
// the full disk fails with one line naming the file and the cause; once
// space returns /readyz is ready, the agent's re-sent batch is stored
// exactly once, the alarm its diagnosis raises is raised and its webhook
// delivered — nothing lost, nothing doubled.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { META_FILE, sha256Hex } from "../../central/meta/meta.ts";
import { EMBEDDED_STORE_FILE } from "../../central/stores/registry.ts";
import { FIXTURE_FLEET, wf1Batch } from "../helpers/central-fixture.ts";
import { type InfluxRef, onEachStore, type StoreKind } from "../helpers/each-store.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/notify-receivers.ts";
import { freePort } from "../helpers/ports.ts";
import { mountSmallFs, type SmallFs, smallFsAvailable } from "../helpers/small-fs.ts";
import { until } from "../helpers/until.ts";

const root = join(import.meta.dirname, "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Central {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
}

function spawnCentral(configPath: string): Promise<Central> {
  const child = spawn(process.execPath, [join(root, "bin", "vetra.js"), "central", "--config", configPath], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LOG_LEVEL: "warn", VETRA_DEBUG: "" },
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += String(d);
  });
  child.stderr?.on("data", (d) => {
    err += String(d);
  });
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve({ child, url: m[1]!, stdout: () => out, stderr: () => err });
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(timer);
      reject(Object.assign(new Error(`central exited ${code}`), { code, stderr: err, stdout: out }));
    });
  });
}

async function stopCentral(c: Central): Promise<number | null> {
  if (c.child.exitCode !== null) return c.child.exitCode;
  const exited = new Promise<number | null>((r) => c.child.once("exit", (code) => r(code)));
  c.child.kill("SIGTERM");
  return exited;
}

/**
 * Empties a SQLite file's write-ahead log from another connection (as a
 * replica's checkpoint may), so the next write must grow it: on a full disk
 * it then fails at once instead of reusing room the log already had.
 */
function truncateWal(file: string): void {
  const db = new Database(file);
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

const T0 = Date.now() - 3_600_000;
/** An active alarm-severity diagnosis of T01 (maintained by sc-north), a minute old. */
const diagnosis = (fault: string) => ({
  measurement: "diagnosis",
  tags: { site: "wf1", asset: "T01", point: "main_bearing", fault },
  fields: { severity: 2, active: 1, confidence: 0.9, raised_at_ms: Date.now() - 60_000 },
  ts: Date.now() - 60_000,
});

/** A batch large enough that no spare room in a log could hold it, and a diagnosis that raises an alarm. */
function batchB(): object {
  const points: object[] = [];
  for (let i = 0; i < 3000; i++)
    points.push({
      measurement: "scada",
      tags: { site: "wf1", asset: "T01" },
      fields: { power_kw: 1000 + i, wind_speed_m_s: 5 + (i % 10) },
      ts: T0 + i * 1000,
    });
  points.push(diagnosis("bearing_outer_race"));
  return wf1Batch(`full-disk-b-${T0}`, points);
}

function fullDiskSuite(kind: StoreKind, influx: InfluxRef): void {
  describe(`${kind} store`, () => {
    let fs: SmallFs;
    let receiver: WebhookReceiver;
    let central: Central | null = null;
    let configPath: string;
    const tokens = {
      admin: randomBytes(24).toString("base64url"),
      agent: randomBytes(24).toString("base64url"),
      north: randomBytes(24).toString("base64url"),
    };
    const dataDir = () => join(fs.dir, "data");

    beforeAll(async () => {
      fs = mountSmallFs(48 * 1024 * 1024);
      receiver = await startWebhookReceiver();
      const port = await freePort();
      configPath = join(fs.dir, "central.json");
      mkdirSync(dataDir(), { recursive: true });
      writeFileSync(
        configPath,
        JSON.stringify({
          server: { host: "127.0.0.1", port },
          dataDir: dataDir(),
          store:
            kind === "influx"
              ? { kind: "influx", url: influx()!.url, database: `full_disk_${process.pid}` }
              : { kind: "embedded" },
          ...FIXTURE_FLEET,
          tokens: [
            { sha256: sha256Hex(tokens.admin), role: "admin", label: "admin" },
            { sha256: sha256Hex(tokens.agent), role: "agent", site: "wf1", label: "edge wf1" },
            { sha256: sha256Hex(tokens.north), role: "service_company", tenant: "sc-north", label: "north" },
          ],
          alarms: { evaluateEveryMs: 300, debounceMs: 50, onDelayMs: 0, offDelayMs: 0 },
          notifications: { pumpEveryMs: 200, retryBaseMs: 500, webhookAllowList: ["127.0.0.1"] },
        }),
      );
    });
    afterAll(async () => {
      if (central) await stopCentral(central);
      await receiver?.close();
      fs?.dispose();
    });

    const call = async (path: string, init: RequestInit & { token?: string; json?: unknown } = {}) => {
      const { token, json, ...rest } = init;
      return fetch(`${central!.url}${path}`, {
        ...rest,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(json !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    };
    const storedPower = async (): Promise<number> => {
      const res = await call(
        `/api/v1/series?asset=T01&measurement=scada&field=power_kw&from=${T0}&to=${T0 + 3_000_000}&agg=count`,
        { token: tokens.admin },
      );
      expect(res.status).toBe(200);
      const body = (await res.json()) as { series: { points: [number, number][] }[] };
      return body.series.reduce((n, s) => n + s.points.reduce((m, p) => m + p[1], 0), 0);
    };

    it("while full: 503 with Retry-After for writes, no 500 for reads, not ready, the process stays up", {
      timeout: 180_000,
    }, async () => {
      central = await spawnCentral(configPath);
      expect((await call("/readyz")).status).toBe(200);
      const rules = await call("/api/v1/companies/sc-north/notification-rules", {
        method: "PUT",
        token: tokens.north,
        json: {
          rules: [
            {
              channel: "webhook",
              target: receiver.url("/alarms"),
              secret: "a-long-webhook-secret-42",
              events: ["raised"],
            },
          ],
        },
      });
      expect(rules.status).toBe(200);
      // An alarm whose webhook the receiver refuses for now: its delivery is retried while the disk fills.
      receiver.script("/alarms", [{ status: 503 }, { status: 503 }, { status: 503 }]);
      const before = await call("/api/v1/ingest", {
        method: "POST",
        token: tokens.agent,
        json: wf1Batch(`full-disk-a-${T0}`, [diagnosis("imbalance")]),
      });
      expect(before.status).toBe(200);
      await until("the first, refused, webhook attempt", () =>
        receiver.at("/alarms").length > 0 ? true : undefined,
      );

      truncateWal(join(dataDir(), META_FILE));
      if (kind === "embedded") truncateWal(join(dataDir(), EMBEDDED_STORE_FILE));
      fs.fill();

      const ready = await call("/readyz");
      expect(ready.status).toBe(503);
      expect(Number(ready.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(((await ready.json()) as { error: { code: string } }).error.code).toBe("STORAGE_FULL");

      // batchB starts series the site has not had: they cannot be counted against its cap while the
      // metadata is full, so nothing is stored with either store; the edge re-sends after Retry-After.
      const ingest = await call("/api/v1/ingest", { method: "POST", token: tokens.agent, json: batchB() });
      expect(ingest.status).toBe(503);
      expect(Number(ingest.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(((await ingest.json()) as { error: { code: string } }).error.code).toBe("STORAGE_FULL");
      // A batch of known series only: InfluxDB (its disk is not full) stores it, only its id is not remembered.
      const known = await call("/api/v1/ingest", {
        method: "POST",
        token: tokens.agent,
        json: wf1Batch(`full-disk-known-${T0}`, [diagnosis("imbalance")]),
      });
      expect(known.status).toBe(kind === "embedded" ? 503 : 200);

      // Writes to the metadata: 503 with Retry-After, never 500.
      const token = await call("/api/v1/tokens", {
        method: "POST",
        token: tokens.admin,
        json: { role: "ministry", label: "reports" },
      });
      expect(token.status).toBe(503);
      expect(Number(token.headers.get("retry-after"))).toBeGreaterThan(0);

      // Reads: never 500 (the alarm list waits for an evaluation that cannot write, and answers).
      for (const path of ["/api/v1/alarms", "/api/v1/assets", "/api/v1/assets/T01/health", "/api/v1/fleet"]) {
        const res = await call(path, { token: tokens.admin });
        expect(res.status, path).not.toBe(500);
        expect([200, 503], path).toContain(res.status);
      }
      // Rounds of the evaluator (every 300 ms) and the notifier (every 200 ms) on the full disk.
      await sleep(3000);
      expect(central.child.exitCode, central.stderr()).toBeNull();
      expect((await call("/healthz")).status).toBe(200);
      expect((await call("/readyz")).status).toBe(503);
      expect(central.stdout() + central.stderr()).not.toMatch(/uncaught|unhandled/i);
      // Both background loops really met the full disk (and went on).
      expect(central.stdout()).toMatch(/alarm evaluation skipped: database or disk is full/);
      expect(central.stdout()).toMatch(/notification pump failed/);
    });

    it("start-up on the full disk fails with one line naming the file and the cause", {
      timeout: 120_000,
    }, async () => {
      expect(await stopCentral(central!)).toBe(0);
      central = null;
      let failure: { code?: number; stderr?: string } | null = null;
      try {
        central = await spawnCentral(configPath);
      } catch (error) {
        failure = error as { code?: number; stderr?: string };
      }
      expect(failure, "central started on a full disk").not.toBeNull();
      expect(failure!.code).toBe(1);
      const lines = failure!.stderr!.split("\n").filter((l) => l.trim() !== "");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^vetra central: cannot write .*metadata\.sqlite: the disk is full \(SQLITE_FULL\)/,
      );
    });

    it("once space returns: ready again, the re-sent batch stored exactly once, the alarm raised and delivered", {
      timeout: 180_000,
    }, async () => {
      fs.free();
      central = await spawnCentral(configPath);
      expect((await call("/readyz")).status).toBe(200);
      // The agent re-sends the batch it still holds (the same id), then, having lost the answer, again.
      const first = await call("/api/v1/ingest", { method: "POST", token: tokens.agent, json: batchB() });
      expect(first.status).toBe(200);
      const again = await call("/api/v1/ingest", { method: "POST", token: tokens.agent, json: batchB() });
      expect(again.status).toBe(200);
      expect(((await again.json()) as { duplicate: boolean }).duplicate).toBe(true);
      expect(await storedPower()).toBe(3000);
      const alarms = await until("the alarm of the diagnosis", async () => {
        const res = await call("/api/v1/alarms", { token: tokens.north });
        const body = (await res.json()) as { alarms: { asset: string; fault: string }[] };
        return body.alarms.some((a) => a.asset === "T01" && a.fault === "bearing_outer_race")
          ? body
          : undefined;
      });
      expect(alarms.alarms.filter((a) => a.fault === "bearing_outer_race")).toHaveLength(1);
      // Both alarms' webhooks arrive — the one retried across the full disk too — each as one delivery.
      const deliveriesOf = (fault: string) =>
        new Set(
          receiver
            .at("/alarms")
            .filter((w) => {
              const b = JSON.parse(w.raw.toString("utf8")) as { type: string; alarms: { fault: string }[] };
              return b.type === "alarm.raised" && b.alarms.some((a) => a.fault === fault);
            })
            .map((w) => String(w.headers["x-vetra-delivery"])),
        );
      await until(
        "both webhooks delivered",
        async () => {
          const res = await call("/api/v1/notifications", { token: tokens.north });
          const list = ((await res.json()) as { notifications: { status: string }[] }).notifications;
          return list.length === 2 && list.every((d) => d.status === "sent") ? true : undefined;
        },
        60_000,
      );
      expect(deliveriesOf("imbalance").size).toBe(1);
      expect(deliveriesOf("bearing_outer_race").size).toBe(1);
      expect(await stopCentral(central)).toBe(0);
      central = null;
    });
  });
}

describe.skipIf(!smallFsAvailable())("finding 3: a full disk", () => {
  onEachStore(fullDiskSuite);
});
