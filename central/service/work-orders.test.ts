// Work orders on a real metadata SQLite file with a controllable clock: the
// lifecycle and its history, the transitions refused (nothing backwards,
// done is final), the alarm's history noting the order in the same
// transaction, photos checked by their bytes, monthly counts, and two
// replicas numbering orders on one file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MetaStore } from "../meta/meta.ts";
import { AlarmBook, type AlarmRecord } from "./alarm-book.ts";
import { greyJpeg, solidPng } from "./test-helpers.ts";
import {
  canTransition,
  detectImageType,
  MAX_PHOTOS_PER_ORDER,
  WorkOrderConflict,
  type WorkOrderState,
  WorkOrders,
} from "./work-orders.ts";

const MIN = 60_000;
const T0 = Date.parse("2026-03-10T07:00:00Z");

describe("work orders", () => {
  let dir: string;
  let meta: MetaStore;
  let now: number;
  let book: AlarmBook;
  let orders: WorkOrders;
  let alarm: AlarmRecord;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vetra-wo-"));
    meta = new MetaStore(join(dir, "metadata.sqlite"));
    now = T0;
    book = new AlarmBook(meta.sqlite, () => now);
    orders = new WorkOrders(meta.sqlite, () => now);
    book.reconcile(
      [
        {
          asset: "T02",
          point: "main_bearing",
          fault: "bearing_outer_race",
          severity: "alarm",
          sinceMs: T0 - 30 * MIN,
          isoZone: null,
        },
      ],
      now,
      { clearAfterMs: 5 * MIN, routeOf: () => ({ company: "sc-a", site: "wf1", responseTimeMs: 60 * MIN }) },
    );
    alarm = book.list().alarms[0]!;
  });
  afterEach(() => {
    meta.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (extra: { assignee?: string } = {}) =>
    orders.create({
      alarm,
      title: "Replace main bearing",
      description: "Inspect first",
      actor: "anna",
      ...extra,
    });

  it("opens an order for an alarm with a readable number, routed to the alarm's company, and a history", () => {
    const a = open({ assignee: "Ivanov" });
    now += MIN;
    const b = open();
    expect([a.id, b.id]).toEqual(["WO-1", "WO-2"]);
    expect(a).toMatchObject({
      alarm: alarm.id,
      asset: "T02",
      company: "sc-a",
      state: "open",
      title: "Replace main bearing",
      description: "Inspect first",
      assignee: "Ivanov",
      createdBy: "anna",
      createdAt: new Date(T0).toISOString(),
      startedAt: null,
      doneAt: null,
      findings: null,
      parts: [],
    });
    expect(orders.events("WO-1").map((e) => [e.kind, e.actor, e.from, e.to])).toEqual([
      ["created", "anna", null, "open"],
      ["assigned", "anna", null, "Ivanov"],
    ]);
    expect(orders.get("WO-3")).toBeNull();
  });

  it("notes the order in the alarm's history in the same transaction: both or neither", () => {
    const order = orders.create({ alarm, title: "t", actor: "anna" }, (o) =>
      book.comment(alarm.id, "anna", `work order ${o.id} created`),
    );
    const comments = book.events({ alarm: alarm.id }).filter((e) => e.kind === "comment");
    expect(comments.map((e) => [e.actor, e.comment])).toEqual([["anna", `work order ${order.id} created`]]);
    expect(() =>
      orders.create({ alarm, title: "t", actor: "anna" }, () => {
        throw new Error("history unavailable");
      }),
    ).toThrow("history unavailable");
    expect(orders.list().map((o) => o.id)).toEqual(["WO-1"]);
  });

  it("moves open → in_progress → done with the clock's times, recording every change with its actor", () => {
    open();
    now += 10 * MIN;
    const started = orders.update("WO-1", { state: "in_progress", assignee: "Petrov" }, "boris");
    expect(started).toMatchObject({
      state: "in_progress",
      assignee: "Petrov",
      startedAt: new Date(now).toISOString(),
    });
    now += 50 * MIN;
    const parts = [
      { name: " Main bearing SKF 240/600 ", partNumber: "240/600 ECA/W33", quantity: 1 },
      { name: "Grease", partNumber: "  ", quantity: 2.5 },
    ];
    const done = orders.update(
      "WO-1",
      { state: "done", findings: "Outer race spalling; bearing replaced", parts },
      "boris",
    );
    expect(done).toMatchObject({
      state: "done",
      doneAt: new Date(now).toISOString(),
      findings: "Outer race spalling; bearing replaced",
      // Names trimmed, blank part numbers dropped.
      parts: [
        { name: "Main bearing SKF 240/600", partNumber: "240/600 ECA/W33", quantity: 1 },
        { name: "Grease", quantity: 2.5 },
      ],
      updatedAt: new Date(now).toISOString(),
    });
    const history = orders.events("WO-1").map((e) => [e.kind, e.actor, e.from, e.to, e.at]);
    const t1 = new Date(T0 + 10 * MIN).toISOString();
    const t2 = new Date(T0 + 60 * MIN).toISOString();
    expect(history).toEqual([
      ["created", "anna", null, "open", new Date(T0).toISOString()],
      ["state", "boris", "open", "in_progress", t1],
      ["assigned", "boris", null, "Petrov", t1],
      ["state", "boris", "in_progress", "done", t2],
      ["findings", "boris", null, "Outer race spalling; bearing replaced", t2],
      ["parts", "boris", "[]", JSON.stringify(done!.parts), t2],
    ]);
  });

  it("allows open → done (a job done in one visit), leaving started empty", () => {
    open();
    now += 5 * MIN;
    expect(orders.update("WO-1", { state: "done" }, "anna")).toMatchObject({
      state: "done",
      startedAt: null,
      doneAt: new Date(now).toISOString(),
    });
  });

  it("refuses going backwards and any change to a done order; the same value again is no change", () => {
    const states: WorkOrderState[] = ["open", "in_progress", "done"];
    const allowed = states.flatMap((from) =>
      states.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed).toEqual(["open→in_progress", "open→done", "in_progress→done"]);

    open();
    orders.update("WO-1", { state: "in_progress" }, "anna");
    expect(() => orders.update("WO-1", { state: "open" }, "anna")).toThrow(WorkOrderConflict);
    const before = orders.events("WO-1").length;
    // Same state and same assignee: nothing to record.
    expect(orders.update("WO-1", { state: "in_progress", assignee: null }, "anna")?.state).toBe(
      "in_progress",
    );
    expect(orders.events("WO-1").length).toBe(before);

    orders.update("WO-1", { state: "done" }, "anna");
    const closed = orders.get("WO-1");
    for (const change of [
      { state: "in_progress" as const },
      { state: "open" as const },
      { findings: "later" },
      { assignee: "someone" },
      { parts: [{ name: "bolt", quantity: 4 }] },
    ]) {
      expect(() => orders.update("WO-1", change, "anna"), JSON.stringify(change)).toThrow(/done is final/);
    }
    expect(() => orders.addPhoto("WO-1", solidPng(2, 2, [0, 0, 0]), "anna")).toThrow(/done is final/);
    expect(orders.get("WO-1")).toEqual(closed);
    // Closing again is no change, not an error (a retried request).
    expect(orders.update("WO-1", { state: "done" }, "anna")).toEqual(closed);
    expect(orders.update("WO-9", { state: "done" }, "anna")).toBeNull();
  });

  it("knows images by their first bytes, stores photos with a history entry, and keeps them per order", () => {
    const png = solidPng(4, 3, [200, 30, 30]);
    const jpeg = greyJpeg();
    expect(detectImageType(png)).toBe("image/png");
    expect(detectImageType(jpeg)).toBe("image/jpeg");
    expect(detectImageType(Buffer.from("GIF89a"))).toBeNull();
    expect(detectImageType(Buffer.from([0xff, 0xd8]))).toBeNull();
    expect(detectImageType(png.subarray(0, 7))).toBeNull();

    open();
    open();
    now += MIN;
    const p1 = orders.addPhoto("WO-1", png, "boris")!;
    const p2 = orders.addPhoto("WO-1", jpeg, "boris")!;
    expect(p1).toMatchObject({
      workOrder: "WO-1",
      contentType: "image/png",
      sizeBytes: png.length,
      by: "boris",
    });
    expect(p2.contentType).toBe("image/jpeg");
    expect(orders.photos("WO-1").map((p) => p.id)).toEqual([p1.id, p2.id]);
    expect(orders.photo("WO-1", p1.id)?.bytes.equals(png)).toBe(true);
    expect(orders.photo("WO-2", p1.id)).toBeNull();
    expect(
      orders
        .events("WO-1")
        .filter((e) => e.kind === "photo")
        .map((e) => e.to),
    ).toEqual([String(p1.id), String(p2.id)]);
    expect(orders.get("WO-1")?.updatedAt).toBe(new Date(now).toISOString());
    expect(() => orders.addPhoto("WO-2", Buffer.from("not an image"), "boris")).toThrow(RangeError);
    expect(orders.addPhoto("WO-7", png, "boris")).toBeNull();
    for (let i = orders.photos("WO-2").length; i < MAX_PHOTOS_PER_ORDER; i++)
      orders.addPhoto("WO-2", png, "b");
    expect(() => orders.addPhoto("WO-2", png, "b")).toThrow(WorkOrderConflict);
  });

  it("lists by asset, state, company and alarm, newest first, and counts a month's orders per asset", () => {
    const other = { ...alarm, id: "T05:generator_de:imbalance:1", asset: "T05", company: "sc-b" };
    const monthStart = Date.parse("2026-03-01T00:00:00Z");
    const monthEnd = Date.parse("2026-04-01T00:00:00Z");
    now = monthStart - MIN; // February: opened before the month, done in it
    orders.create({ alarm, title: "a", actor: "x" });
    now = monthStart + MIN;
    orders.update("WO-1", { state: "done" }, "x");
    orders.create({ alarm, title: "b", actor: "x" });
    orders.create({ alarm: other, title: "c", actor: "y" });
    now = monthEnd; // April: outside
    orders.create({ alarm, title: "d", actor: "x" });

    expect(orders.list().map((o) => o.id)).toEqual(["WO-4", "WO-3", "WO-2", "WO-1"]);
    expect(orders.list({ company: "sc-b" }).map((o) => o.id)).toEqual(["WO-3"]);
    expect(orders.list({ asset: "T02", state: "open" }).map((o) => o.id)).toEqual(["WO-4", "WO-2"]);
    expect(orders.list({ alarm: other.id }).map((o) => o.id)).toEqual(["WO-3"]);
    expect(orders.list({ limit: 1 }).map((o) => o.id)).toEqual(["WO-4"]);

    expect(orders.countsByAsset("sc-a", monthStart, monthEnd)).toEqual(
      new Map([["T02", { opened: 1, done: 1 }]]),
    );
    expect(orders.countsByAsset("sc-b", monthStart, monthEnd)).toEqual(
      new Map([["T05", { opened: 1, done: 0 }]]),
    );
  });

  it("numbers orders without gaps or clashes when two replicas share the file", () => {
    const meta2 = new MetaStore(join(dir, "metadata.sqlite"));
    try {
      const replica = new WorkOrders(meta2.sqlite, () => now);
      const ids = [open().id, replica.create({ alarm, title: "r", actor: "r" }).id, open().id];
      expect(ids).toEqual(["WO-1", "WO-2", "WO-3"]);
      replica.update("WO-3", { state: "in_progress" }, "r");
      expect(() => orders.update("WO-3", { state: "open" }, "anna")).toThrow(WorkOrderConflict);
    } finally {
      meta2.close();
    }
  });
});
