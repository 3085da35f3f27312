// The snapshot folder (real files) and its uplink against a local HTTP
// receiver that is down at first.
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import type { SnapshotReason, SpectrumIngest, SpectrumUpload } from "../../common/spectrum.ts";
import { createSnapshotUplink, SNAPSHOTS_DIR, SnapshotOutbox } from "./snapshots.ts";
import { createSnapshotTransport } from "./transport.ts";

const T0 = Date.UTC(2026, 4, 1, 8, 0, 0);
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "vetra-snapshots-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const upload = (i: number, reason: SnapshotReason, values = 100): SpectrumUpload => ({
  asset: "T01",
  point: "main_bearing",
  ts: T0 + i * 1000,
  reason,
  snapshot: {
    speedRpm: 12,
    sampleRateHz: 25_600,
    samples: 65_536,
    spectrum: { df_hz: 0.39, unit: "mm/s", values: Array.from({ length: values }, (_, k) => k / 1000) },
    envelope: { df_hz: 0.39, unit: "g2", values: [0, 1, 2], band_hz: [1000, 3000] },
    markers: [{ label: "BPFO", kind: "bpfo", harmonic: 1, frequency_hz: 2.3, spectrum: "envelope" }],
  },
  diagnoses: [],
});

describe("snapshot folder", () => {
  it("keeps snapshots in block order across a reopen and deletes only what was acknowledged", () => {
    const dir = tempDir();
    const box = new SnapshotOutbox({ dir, maxFiles: 100, maxBytes: 10_000_000 });
    box.put(upload(2, "scheduled"));
    box.put(upload(1, "diagnosis_changed"));
    // A write a crash interrupted leaves a temporary file: it is not a snapshot.
    writeFileSync(join(dir, SNAPSHOTS_DIR, "000000000000000-x-s.json.1.2.3.tmp"), "{");
    const reopened = new SnapshotOutbox({ dir, maxFiles: 100, maxBytes: 10_000_000 });
    expect(reopened.stats().pending).toBe(2);
    expect(readdirSync(join(dir, SNAPSHOTS_DIR)).some((n) => n.endsWith(".tmp"))).toBe(false);
    const first = reopened.peek();
    expect(first?.uploads.map((u) => u.ts)).toEqual([T0 + 1000, T0 + 2000]);
    expect(first?.uploads[0]).toEqual(upload(1, "diagnosis_changed"));
    reopened.remove(first!.names.slice(0, 1));
    expect(new SnapshotOutbox({ dir, maxFiles: 100, maxBytes: 10_000_000 }).peek()?.uploads).toEqual([
      upload(2, "scheduled"),
    ]);
  });

  it("at its cap drops the oldest scheduled snapshots first, and counts them", () => {
    const dir = tempDir();
    const box = new SnapshotOutbox({ dir, maxFiles: 3, maxBytes: 10_000_000 });
    box.put(upload(1, "diagnosis_changed"));
    box.put(upload(2, "scheduled"));
    box.put(upload(3, "scheduled"));
    expect(box.put(upload(4, "diagnosis_changed")).dropped).toBe(1);
    expect(box.put(upload(5, "scheduled")).dropped).toBe(1);
    const kept = box.peek()!.uploads.map((u) => [u.ts - T0, u.reason]);
    expect(kept).toEqual([
      [1000, "diagnosis_changed"],
      [4000, "diagnosis_changed"],
      [5000, "scheduled"],
    ]);
    expect(box.stats()).toMatchObject({ pending: 3, dropped: 2 });
    // With only diagnosis changes left, the oldest of them goes.
    box.put(upload(6, "diagnosis_changed"));
    box.put(upload(7, "diagnosis_changed"));
    expect(box.peek()!.uploads.map((u) => u.ts - T0)).toEqual([4000, 6000, 7000]);
  });

  it("caps bytes too", () => {
    const dir = tempDir();
    const one = Buffer.byteLength(JSON.stringify(upload(0, "scheduled", 2000)));
    const box = new SnapshotOutbox({ dir, maxFiles: 100, maxBytes: Math.floor(2.5 * one) });
    for (let i = 0; i < 5; i++) box.put(upload(i, "scheduled", 2000));
    expect(box.stats().pending).toBe(2);
    expect(box.stats().bytes).toBeLessThanOrEqual(2.5 * one);
  });
});

describe("snapshot uplink", () => {
  let server: Server;
  let answer = 503;
  const received: SpectrumIngest[] = [];

  afterAll(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it("keeps snapshots through an outage, sends them after it, and sets rejected ones aside", async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(gunzipSync(Buffer.concat(chunks)).toString("utf8")) as SpectrumIngest;
      if (answer !== 200) {
        res.writeHead(answer, { "content-type": "application/json", "retry-after": "0" });
        res.end(
          JSON.stringify({
            error: { code: answer === 503 ? "STORE_UNAVAILABLE" : "UNKNOWN_ASSET", message: "no" },
          }),
        );
        return;
      }
      received.push(body);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ accepted: body.snapshots.length }));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = tempDir();
    const box = new SnapshotOutbox({ dir, maxFiles: 100, maxBytes: 10_000_000 });
    for (let i = 0; i < 11; i++) box.put(upload(i, i % 3 === 0 ? "diagnosis_changed" : "scheduled"));
    const uplink = createSnapshotUplink(
      box,
      createSnapshotTransport({ url, token: "t", timeoutMs: 2000, gzip: true }),
      { agentId: "wf1-agent", site: "wf1", idleMs: 50, backoffBaseMs: 20, backoffMaxMs: 100 },
    );
    // Down: nothing leaves the folder.
    expect(await uplink.flushOnce()).toMatchObject({ retryInMs: expect.any(Number) });
    expect(box.stats().pending).toBe(11);
    answer = 200;
    uplink.start();
    await expect.poll(() => box.stats().pending, { timeout: 5000 }).toBe(0);
    await uplink.stop();
    const sent = received.flatMap((r) => r.snapshots.map((s) => s.ts - T0));
    expect(sent).toEqual([...Array(11).keys()].map((i) => i * 1000));
    expect(Math.max(...received.map((r) => r.snapshots.length))).toBeLessThanOrEqual(8);
    expect(received.every((r) => r.agent === "wf1-agent" && r.site === "wf1")).toBe(true);

    // Refused for good (4xx): moved aside, so the next one goes.
    box.put(upload(20, "scheduled"));
    answer = 400;
    expect(await uplink.flushOnce()).toBe("rejected");
    expect(box.stats()).toMatchObject({ pending: 0, rejected: 1 });
    expect(readdirSync(join(dir, SNAPSHOTS_DIR, "rejected"))).toHaveLength(1);
  });
});

describe("snapshot uplink, a request refused in part", () => {
  let server: Server | undefined;
  afterAll(() => {
    server?.close();
  });

  it("sets aside exactly the snapshots central names and sends the others again at once", async () => {
    const received: SpectrumIngest[] = [];
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(gunzipSync(Buffer.concat(chunks)).toString("utf8")) as SpectrumIngest;
      received.push(body);
      // Central refuses snapshots of point "tower_top" (not in its configuration).
      const rejected = body.snapshots.flatMap((s, index) =>
        s.point === "tower_top"
          ? [
              {
                index,
                code: "UNKNOWN_POINT",
                message: `snapshots[${index}].point: "tower_top" is not a measuring point of T01`,
              },
            ]
          : [],
      );
      if (rejected.length > 0) {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            error: { code: "UNKNOWN_POINT", message: rejected[0]!.message, details: { rejected } },
          }),
        );
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ accepted: body.snapshots.length }));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const box = new SnapshotOutbox({ dir: tempDir(), maxFiles: 100, maxBytes: 10_000_000 });
    for (let i = 0; i < 4; i++)
      box.put({ ...upload(i, "scheduled"), point: i === 1 ? "tower_top" : "main_bearing" });
    const rejected: number[] = [];
    const uplink = createSnapshotUplink(
      box,
      createSnapshotTransport({ url, token: "t", timeoutMs: 2000, gzip: true }),
      {
        agentId: "wf1-agent",
        site: "wf1",
        idleMs: 50,
        onRejected: (n) => rejected.push(n),
      },
    );
    expect(await uplink.flushOnce()).toBe("rejected");
    expect(box.stats()).toMatchObject({ pending: 3, rejected: 1 });
    expect(await uplink.flushOnce()).toBe("sent");
    expect(received.map((r) => r.snapshots.map((s) => s.ts - T0))).toEqual([
      [0, 1000, 2000, 3000],
      [0, 2000, 3000],
    ]);
    expect(rejected).toEqual([1]);
  });
});
