// One conformance suite, run against every queue implementation in the
// registry, and against the SQLite queue in both of its durability modes
// (synced by every commit, and synced off the event loop at an interval).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Measurement } from "../../common/names.ts";
import type { Point } from "../../common/wire.ts";
import { type PointQueue, Priorities, pointBytes, type QueueOptions } from "./queue.ts";
import { type QueueKind, queueImplementations } from "./registry.ts";

const T0 = Date.UTC(2025, 0, 1);
const pt = (i: number, measurement: Measurement = "scada", ts = T0 + i * 1000): Point => ({
  measurement,
  tags: { site: "wf1", asset: "T01" },
  fields: { rotor_speed_rpm: i },
  ts,
});
const ids = (points: Point[]): number[] => points.map((p) => p.fields.rotor_speed_rpm!);

const variants: { kind: QueueKind; name: string; options: Partial<QueueOptions> }[] = [
  ...(Object.keys(queueImplementations) as QueueKind[]).map((kind) => ({ kind, name: kind, options: {} })),
  { kind: "sqlite", name: "sqlite, synced every 50 ms", options: { syncIntervalMs: 50 } },
];

for (const { kind, name, options } of variants) {
  describe(`queue conformance: ${name}`, () => {
    let dir: string;
    let opened: PointQueue[];
    const open = (over: Partial<QueueOptions> = {}): PointQueue => {
      const q = queueImplementations[kind]({ dir, maxBytes: 1 << 30, maxAgeHours: 720, ...options, ...over });
      opened.push(q);
      return q;
    };
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "vetra-queue-"));
      opened = [];
    });
    afterEach(() => {
      for (const q of opened) q.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("peeks in enqueue order without removing, acks remove the batch", () => {
      const q = open();
      q.enqueue([pt(1), pt(2), pt(3)]);
      q.enqueue([pt(4), pt(5)]);
      const b1 = q.peek(3)!;
      expect(ids(b1.points)).toEqual([1, 2, 3]);
      expect(ids(q.peek(3)!.points)).toEqual([1, 2, 3]); // peek does not consume
      expect(q.stats().depth).toBe(5);
      expect(q.ack(b1)).toBe(3);
      expect(ids(q.peek(10)!.points)).toEqual([4, 5]);
      expect(q.stats().depth).toBe(2);
    });

    it("the same rows give the same batch id; other rows another id", () => {
      const q = open();
      q.enqueue([pt(1), pt(2), pt(3)]);
      const a = q.peek(2)!;
      const b = q.peek(2)!;
      expect(a.batchId).toBe(b.batchId);
      expect(a.batchId).toMatch(/^[A-Za-z0-9_.:-]{8,128}$/);
      expect(q.peek(3)!.batchId).not.toBe(a.batchId);
      q.ack(a);
      expect(q.peek(2)!.batchId).not.toBe(a.batchId);
    });

    it("peek(max, untilSeq) returns the same rows as before even when more arrived", () => {
      const q = open();
      q.enqueue([pt(1), pt(2)]);
      const a = q.peek(10)!;
      q.enqueue([pt(3)]);
      const again = q.peek(10, a.lastSeq)!;
      expect(again.batchId).toBe(a.batchId);
      expect(ids(again.points)).toEqual([1, 2]);
    });

    it("ack deletes only what was acked: points enqueued after the peek stay", () => {
      const q = open();
      q.enqueue([pt(1), pt(2)]);
      const b = q.peek(100)!;
      q.enqueue([pt(3)]);
      expect(q.ack(b)).toBe(2);
      expect(ids(q.peek(100)!.points)).toEqual([3]);
      expect(q.ack(b)).toBe(0); // a second ack of the same batch is harmless
      expect(q.stats().depth).toBe(1);
    });

    it("dead-letters a batch: it leaves the queue and is counted", () => {
      const q = open();
      q.enqueue([pt(1), pt(2), pt(3)]);
      const b = q.peek(2)!;
      expect(q.deadLetter(b, "UPLINK_REJECTED", "bad")).toBe(2);
      expect(ids(q.peek(10)!.points)).toEqual([3]);
      expect(q.stats().deadLettered).toBe(2);
    });

    it("dead-letters the refused rows of a batch by index, one letter per reason; the others stay queued", () => {
      const q = open();
      q.enqueue([pt(1), pt(2), pt(3), pt(4), pt(5)]);
      const b = q.peek(4)!;
      const moved = q.deadLetterRows(b, [
        { index: 1, code: "UNKNOWN_POINT", message: 'points[1].tags.point: "x" is not a measuring point' },
        { index: 3, code: "UNKNOWN_POINT", message: 'points[3].tags.point: "x" is not a measuring point' },
        { index: 2, code: "UNKNOWN_FIELD", message: "points[2].fields.humidity_pct: not a field of scada" },
        { index: 9, code: "UNKNOWN_FIELD", message: "points[9]: not in the batch" },
      ]);
      expect(moved).toBe(3);
      expect(ids(q.peek(10)!.points)).toEqual([1, 5]);
      expect(q.stats()).toMatchObject({ depth: 2, deadLettered: 3 });
      expect(q.listDeadLetters()).toEqual([
        expect.objectContaining({
          origin: b.batchId,
          code: "UNKNOWN_POINT",
          message: 'tags.point: "x" is not a measuring point',
          points: 2,
        }),
        expect.objectContaining({
          code: "UNKNOWN_FIELD",
          message: "fields.humidity_pct: not a field of scada",
          points: 1,
        }),
      ]);
    });

    it("keeps points refused before sending as dead letters, alike ones in one letter", () => {
      const q = open();
      q.refuse([pt(1), pt(2)], "local:plc", "UNKNOWN_ASSET", "tags.asset: no such asset");
      q.refuse([pt(3)], "local:plc", "UNKNOWN_ASSET", "tags.asset: no such asset");
      q.refuse([pt(4)], "local:cms", "UNKNOWN_ASSET", "tags.asset: no such asset");
      expect(q.stats()).toMatchObject({ depth: 0, deadLettered: 4 });
      expect(q.listDeadLetters().map((d) => [d.origin, d.points])).toEqual([
        ["local:plc", 3],
        ["local:cms", 1],
      ]);
    });

    it("moves dead letters back into the queue, by id or all, behind what is queued", () => {
      const q = open();
      q.enqueue([pt(1), pt(2), pt(3)]);
      q.deadLetter(q.peek(1)!, "UPLINK_REJECTED", "first");
      q.refuse([pt(8), pt(9)], "local:plc", "UNKNOWN_ASSET", "second");
      const [first, second] = q.listDeadLetters();
      expect(q.resendDeadLetters([second!.id])).toEqual({ letters: 1, points: 2 });
      expect(ids(q.peek(10)!.points)).toEqual([2, 3, 8, 9]);
      expect(q.listDeadLetters().map((d) => d.id)).toEqual([first!.id]);
      expect(q.resendDeadLetters([12345])).toEqual({ letters: 0, points: 0 });
      expect(q.resendDeadLetters("all")).toEqual({ letters: 1, points: 1 });
      expect(ids(q.peek(10)!.points)).toEqual([2, 3, 8, 9, 1]);
      expect(q.stats().depth).toBe(5);
      expect(q.listDeadLetters()).toEqual([]);
    });

    it("keeps dead letters under a quarter of the byte cap, dropping the oldest letters (counted)", () => {
      const one = pointBytes(pt(1));
      const q = open({ maxBytes: one * 40 });
      for (let i = 0; i < 30; i++) q.refuse([pt(i)], `local:s${i}`, "UNKNOWN_ASSET", "no such asset");
      const left = q.listDeadLetters();
      expect(left.length).toBeGreaterThan(0);
      expect(left.length).toBeLessThanOrEqual(10);
      expect(left.at(-1)!.origin).toBe("local:s29");
      expect(q.stats().dropped).toBe(30 - left.length);
    });

    it("tracks bytes and the oldest timestamp", () => {
      const q = open();
      expect(q.stats()).toMatchObject({ depth: 0, bytes: 0, oldestTs: null });
      const points = [pt(1), pt(2)];
      q.enqueue(points);
      expect(q.stats().bytes).toBe(points.reduce((s, p) => s + pointBytes(p), 0));
      expect(q.stats().oldestTs).toBe(T0 + 1000);
    });

    it("byte cap drops the oldest of the lowest priority first and counts them", () => {
      const one = pointBytes(pt(10));
      const q = open({ maxBytes: one * 4 + 10 });
      q.enqueue([pt(10, "diagnosis"), pt(11, "agent")]); // health: kept longest
      q.enqueue([pt(12), pt(13)]); // telemetry
      q.enqueue([pt(14)], Priorities.raw_waveform); // lowest: goes first
      expect(q.stats().dropped).toBe(1);
      expect(ids(q.peek(10)!.points)).toEqual([10, 11, 12, 13]);
      const r = q.enqueue([pt(15), pt(16)]);
      // Telemetry 12 and 13 are the oldest of the lowest priority left.
      expect(r.dropped).toBe(2);
      expect(ids(q.peek(10)!.points)).toEqual([10, 11, 15, 16]);
      expect(q.stats().dropped).toBe(3);
      expect(q.stats().bytes).toBeLessThanOrEqual(one * 4 + 10);
    });

    it("drops points older than maxAgeHours and counts them", () => {
      const q = open({ maxAgeHours: 1 });
      const now = T0 + 10 * 3_600_000;
      q.enqueue([pt(1, "scada", now - 2 * 3_600_000), pt(2, "scada", now - 60_000)]);
      expect(q.pruneExpired(now)).toBe(1);
      expect(ids(q.peek(10)!.points)).toEqual([2]);
      expect(q.stats().dropped).toBe(1);
    });

    it("survives close and reopen when it declares itself durable", () => {
      const q = open();
      if (!q.capabilities.durable) {
        // Only the in-memory queue may say so.
        expect(kind).toBe("memory");
        return;
      }
      q.enqueue([pt(1), pt(2), pt(3)]);
      const b = q.peek(1)!;
      q.ack(b);
      const before = q.peek(10)!;
      q.close();
      const again = open();
      const after = again.peek(10)!;
      expect(ids(after.points)).toEqual([2, 3]);
      expect(after.batchId).toBe(before.batchId); // re-send after a restart keeps the id
      expect(again.stats()).toMatchObject({ depth: 2 });
      again.enqueue([pt(4)]);
      expect(ids(again.peek(10)!.points)).toEqual([2, 3, 4]);
    });
  });
}

describe("disk queue: dead letters re-sent from another connection", () => {
  it("the open queue's totals follow rows another connection moved back into it", () => {
    const dir = mkdtempSync(join(tmpdir(), "vetra-queue-"));
    const options = { dir, maxBytes: 1 << 30, maxAgeHours: 720 };
    const agent = queueImplementations.sqlite(options);
    const operator = queueImplementations.sqlite(options);
    try {
      agent.enqueue([pt(1)]);
      agent.refuse([pt(2), pt(3)], "local:plc", "UNKNOWN_ASSET", "tags.asset: no such asset");
      expect(agent.stats().depth).toBe(1);
      expect(operator.listDeadLetters()).toHaveLength(1);
      expect(operator.resendDeadLetters("all")).toEqual({ letters: 1, points: 2 });
      expect(agent.stats()).toMatchObject({
        depth: 3,
        bytes: [pt(1), pt(2), pt(3)].reduce((n, p) => n + pointBytes(p), 0),
      });
      expect(ids(agent.peek(10)!.points)).toEqual([1, 2, 3]);
      expect(agent.listDeadLetters()).toEqual([]);
    } finally {
      agent.close();
      operator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
