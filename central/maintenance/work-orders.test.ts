// Work orders on a real metadata database (SQLite file, and PostgreSQL where
// installed) with a controllable clock: the
// lifecycle and its history, the transitions refused (nothing backwards,
// done is final), the alarm's history noting the order in the same
// transaction, photos checked by their bytes, monthly counts, and two
// replicas numbering orders on one database.
import { beforeEach, describe, expect, it } from "vitest";
import { freshMetadata, metadataKinds } from "../../test/helpers/metadata.ts";
import { greyJpeg, solidPng } from "../../test/helpers/service-files.ts";
import { AlarmBook, type AlarmRecord } from "./alarm-book.ts";
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

describe.each(metadataKinds())("work orders (%s)", (kind) => {
  const md = freshMetadata(kind);
  let now: number;
  let book: AlarmBook;
  let orders: WorkOrders;
  let alarm: AlarmRecord;

  beforeEach(async () => {
    const meta = await md.open();
    now = T0;
    book = new AlarmBook(meta.db, () => now);
    orders = new WorkOrders(meta.db, () => now);
    await book.reconcile(
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
    alarm = (await book.list()).alarms[0]!;
  });

  const open = (extra: { assignee?: string } = {}) =>
    orders.create({
      alarm,
      title: "Replace main bearing",
      description: "Inspect first",
      actor: "anna",
      ...extra,
    });

  it("opens an order for an alarm with a readable number, routed to the alarm's company, and a history", async () => {
    const a = await open({ assignee: "Ivanov" });
    now += MIN;
    const b = await open();
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
    expect((await orders.events("WO-1")).map((e) => [e.kind, e.actor, e.from, e.to])).toEqual([
      ["created", "anna", null, "open"],
      ["assigned", "anna", null, "Ivanov"],
    ]);
    expect(await orders.get("WO-3")).toBeNull();
  });

  it("notes the order in the alarm's history in the same transaction: both or neither", async () => {
    const order = await orders.create({ alarm, title: "t", actor: "anna" }, (o, tx) =>
      book.commentIn(tx, alarm.id, "anna", `work order ${o.id} created`),
    );
    const comments = (await book.events({ alarm: alarm.id })).filter((e) => e.kind === "comment");
    expect(comments.map((e) => [e.actor, e.comment])).toEqual([["anna", `work order ${order.id} created`]]);
    await expect(
      orders.create({ alarm, title: "t", actor: "anna" }, async () => {
        throw new Error("history unavailable");
      }),
    ).rejects.toThrow("history unavailable");
    expect((await orders.list()).map((o) => o.id)).toEqual(["WO-1"]);
  });

  it("moves open → in_progress → done with the clock's times, recording every change with its actor", async () => {
    await open();
    now += 10 * MIN;
    const started = await orders.update("WO-1", { state: "in_progress", assignee: "Petrov" }, "boris");
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
    const done = await orders.update(
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
    const history = (await orders.events("WO-1")).map((e) => [e.kind, e.actor, e.from, e.to, e.at]);
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

  it("allows open → done (a job done in one visit), leaving started empty", async () => {
    await open();
    now += 5 * MIN;
    expect(await orders.update("WO-1", { state: "done" }, "anna")).toMatchObject({
      state: "done",
      startedAt: null,
      doneAt: new Date(now).toISOString(),
    });
  });

  it("refuses going backwards and any change to a done order; the same value again is no change", async () => {
    const states: WorkOrderState[] = ["open", "in_progress", "done"];
    const allowed = states.flatMap((from) =>
      states.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed).toEqual(["open→in_progress", "open→done", "in_progress→done"]);

    await open();
    await orders.update("WO-1", { state: "in_progress" }, "anna");
    await expect(orders.update("WO-1", { state: "open" }, "anna")).rejects.toThrow(WorkOrderConflict);
    const before = (await orders.events("WO-1")).length;
    // Same state and same assignee: nothing to record.
    expect((await orders.update("WO-1", { state: "in_progress", assignee: null }, "anna"))?.state).toBe(
      "in_progress",
    );
    expect((await orders.events("WO-1")).length).toBe(before);

    await orders.update("WO-1", { state: "done" }, "anna");
    const closed = await orders.get("WO-1");
    for (const change of [
      { state: "in_progress" as const },
      { state: "open" as const },
      { findings: "later" },
      { assignee: "someone" },
      { parts: [{ name: "bolt", quantity: 4 }] },
    ]) {
      await expect(orders.update("WO-1", change, "anna"), JSON.stringify(change)).rejects.toThrow(
        /done is final/,
      );
    }
    await expect(orders.addPhoto("WO-1", solidPng(2, 2, [0, 0, 0]), "anna")).rejects.toThrow(/done is final/);
    expect(await orders.get("WO-1")).toEqual(closed);
    // Closing again is no change, not an error (a retried request).
    expect(await orders.update("WO-1", { state: "done" }, "anna")).toEqual(closed);
    expect(await orders.update("WO-9", { state: "done" }, "anna")).toBeNull();
  });

  it("knows images by their first bytes, stores photos with a history entry, and keeps them per order", async () => {
    const png = solidPng(4, 3, [200, 30, 30]);
    const jpeg = greyJpeg();
    expect(detectImageType(png)).toBe("image/png");
    expect(detectImageType(jpeg)).toBe("image/jpeg");
    expect(detectImageType(Buffer.from("GIF89a"))).toBeNull();
    expect(detectImageType(Buffer.from([0xff, 0xd8]))).toBeNull();
    expect(detectImageType(png.subarray(0, 7))).toBeNull();

    await open();
    await open();
    now += MIN;
    const p1 = (await orders.addPhoto("WO-1", png, "boris"))!;
    const p2 = (await orders.addPhoto("WO-1", jpeg, "boris"))!;
    expect(p1).toMatchObject({
      workOrder: "WO-1",
      contentType: "image/png",
      sizeBytes: png.length,
      by: "boris",
    });
    expect(p2.contentType).toBe("image/jpeg");
    expect((await orders.photos("WO-1")).map((p) => p.id)).toEqual([p1.id, p2.id]);
    expect((await orders.photo("WO-1", p1.id))?.bytes.equals(png)).toBe(true);
    expect(await orders.photo("WO-2", p1.id)).toBeNull();
    expect((await orders.events("WO-1")).filter((e) => e.kind === "photo").map((e) => e.to)).toEqual([
      String(p1.id),
      String(p2.id),
    ]);
    expect((await orders.get("WO-1"))?.updatedAt).toBe(new Date(now).toISOString());
    await expect(orders.addPhoto("WO-2", Buffer.from("not an image"), "boris")).rejects.toThrow(RangeError);
    expect(await orders.addPhoto("WO-7", png, "boris")).toBeNull();
    for (let i = (await orders.photos("WO-2")).length; i < MAX_PHOTOS_PER_ORDER; i++)
      await orders.addPhoto("WO-2", png, "b");
    await expect(orders.addPhoto("WO-2", png, "b")).rejects.toThrow(WorkOrderConflict);
  });

  it("lists by asset, state, company and alarm, newest first, and counts a month's orders per asset", async () => {
    const other = { ...alarm, id: "T05:generator_de:imbalance:1", asset: "T05", company: "sc-b" };
    const monthStart = Date.parse("2026-03-01T00:00:00Z");
    const monthEnd = Date.parse("2026-04-01T00:00:00Z");
    now = monthStart - MIN; // February: opened before the month, done in it
    await orders.create({ alarm, title: "a", actor: "x" });
    now = monthStart + MIN;
    await orders.update("WO-1", { state: "done" }, "x");
    await orders.create({ alarm, title: "b", actor: "x" });
    await orders.create({ alarm: other, title: "c", actor: "y" });
    now = monthEnd; // April: outside
    await orders.create({ alarm, title: "d", actor: "x" });

    expect((await orders.list()).map((o) => o.id)).toEqual(["WO-4", "WO-3", "WO-2", "WO-1"]);
    expect((await orders.list({ company: "sc-b" })).map((o) => o.id)).toEqual(["WO-3"]);
    expect((await orders.list({ asset: "T02", state: "open" })).map((o) => o.id)).toEqual(["WO-4", "WO-2"]);
    expect((await orders.list({ alarm: other.id })).map((o) => o.id)).toEqual(["WO-3"]);
    expect((await orders.list({ limit: 1 })).map((o) => o.id)).toEqual(["WO-4"]);

    expect(await orders.countsByAsset("sc-a", monthStart, monthEnd)).toEqual(
      new Map([["T02", { opened: 1, done: 1 }]]),
    );
    expect(await orders.countsByAsset("sc-b", monthStart, monthEnd)).toEqual(
      new Map([["T05", { opened: 1, done: 0 }]]),
    );
  });

  it("numbers orders without gaps or clashes when two replicas share the database", async () => {
    const replica = new WorkOrders((await md.open()).db, () => now);
    const ids = [
      (await open()).id,
      (await replica.create({ alarm, title: "r", actor: "r" })).id,
      (await open()).id,
    ];
    expect(ids).toEqual(["WO-1", "WO-2", "WO-3"]);
    await replica.update("WO-3", { state: "in_progress" }, "r");
    await expect(orders.update("WO-3", { state: "open" }, "anna")).rejects.toThrow(WorkOrderConflict);
    // Replicas creating at the same moment: distinct numbers, none skipped.
    const together = await Promise.all([
      ...Array.from({ length: 5 }, () => open()),
      ...Array.from({ length: 5 }, () => replica.create({ alarm, title: "r", actor: "r" })),
    ]);
    expect(together.map((o) => o.id).sort()).toEqual(
      ["WO-4", "WO-5", "WO-6", "WO-7", "WO-8", "WO-9", "WO-10", "WO-11", "WO-12", "WO-13"].sort(),
    );
  });
});
