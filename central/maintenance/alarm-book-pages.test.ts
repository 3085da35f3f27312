// The alarm book at fleet size, on both engines: a pass raising, touching
// and clearing more alarms than one multi-row statement holds (the book
// writes a pass in chunks), and the list paged after a cursor (keyset)
// giving the same rows in the same order as paging by offset, for every
// sort and order, ties included; a cursor altered or made for another
// order is refused, naming the parameter.
import { beforeEach, describe, expect, it } from "vitest";
import { freshMetadata, metadataKinds } from "../../test/helpers/metadata.ts";
import type { MetaDb } from "../db/types.ts";
import {
  AlarmBook,
  type AlarmFilter,
  type AlarmRecord,
  AlarmSorts,
  type Condition,
  type ReconcilePolicy,
} from "./alarm-book.ts";

const MIN = 60_000;
const T0 = Date.parse("2026-11-02T08:00:00Z");
/** More than one statement's worth of alarms (444 rows per INSERT, 888 events, 800 touched per UPDATE). */
const ASSETS = 1200;

const asset = (i: number) => `WT${String(i).padStart(4, "0")}`;
const policy: ReconcilePolicy = {
  clearAfterMs: 5 * MIN,
  routeOf: (a) => ({
    company: `sc-${Number(a.slice(2)) % 7}`,
    site: `wf${Number(a.slice(2)) % 11}`,
    responseTimeMs: 30 * MIN,
  }),
};
/** Two conditions per asset; severities, zones and starts repeat, so every sort has ties. */
const conditions = (severityOf: (i: number, k: number) => "warning" | "alarm"): Condition[] =>
  Array.from({ length: ASSETS }, (_, i) =>
    (["imbalance", "misalignment"] as const).map((fault, k) => ({
      asset: asset(i),
      point: "main_bearing",
      fault,
      severity: severityOf(i, k),
      sinceMs: T0 - ((i % 5) + 1) * MIN,
      isoZone: i % 2 === 0 ? ("C" as const) : ("D" as const),
    })),
  ).flat();

describe.each(metadataKinds())("alarm book at fleet size (%s)", (kind) => {
  const md = freshMetadata(kind);
  let db: MetaDb;
  let book: AlarmBook;
  let announced: (string | null)[];

  beforeEach(async () => {
    db = (await md.open()).db;
    book = new AlarmBook(db, () => T0);
    announced = [];
    book.onChange((payload) => announced.push(payload));
  });

  it("raises, touches and clears thousands of alarms in one pass each, events in order and announced once", async () => {
    const first = conditions((i, k) => ((i + k) % 3 === 0 ? "alarm" : "warning"));
    expect(await book.reconcile(first, T0, policy)).toEqual({ applied: true, events: 2 * ASSETS });
    const raised = await book.events({ limit: 10_000 });
    expect(raised).toHaveLength(2 * ASSETS);
    expect(raised.map((e) => e.kind)).toEqual(Array(2 * ASSETS).fill("raised"));
    // In the order the pass decided them, one per condition, with distinct ids.
    expect(raised.map((e) => e.alarm)).toEqual(first.map((c) => `${c.asset}:${c.point}:${c.fault}:1`));
    expect(new Set(raised.map((e) => e.id)).size).toBe(2 * ASSETS);
    // (PostgreSQL also brings this replica's own announcement back through LISTEN: the same payload.)
    expect([...new Set(announced)]).toEqual([String(raised[raised.length - 1]!.id)]);
    const all = await book.list({ states: ["active"], limit: 5000 });
    expect(all.total).toBe(2 * ASSETS);
    expect(all.alarms.filter((a) => a.severity === "alarm").length).toBe(
      first.filter((c) => c.severity === "alarm").length,
    );

    // The next pass: every alarm seen again (touched), a third of them risen to `alarm`, zones swapped.
    const second = conditions((i, k) => ((i + k) % 3 === 0 || i % 3 === 1 ? "alarm" : "warning")).map(
      (c) => ({ ...c, isoZone: c.isoZone === "C" ? ("D" as const) : ("C" as const) }),
    );
    const risen = second.filter((c, n) => c.severity !== first[n]!.severity).length;
    expect(risen).toBeGreaterThan(500);
    expect((await book.reconcile(second, T0 + MIN, policy)).events).toBe(risen);
    const after = await book.list({ states: ["active"], limit: 5000, sort: "asset", order: "asc" });
    expect(after.alarms.filter((a) => a.severity === "alarm").length).toBe(
      second.filter((c) => c.severity === "alarm").length,
    );
    expect(after.alarms.find((a) => a.id === `${asset(0)}:main_bearing:imbalance:1`)?.isoZone).toBe("D");
    const risenOne = after.alarms.find((a) => a.id === `${asset(1)}:main_bearing:imbalance:1`)!;
    expect(risenOne).toMatchObject({ severity: "alarm", maxSeverity: "alarm" });
    expect(risenOne.responseDueAt).toBe(new Date(T0 + MIN + 30 * MIN).toISOString());

    // Gone for longer than clearAfterMs: every one cleared in one pass.
    expect((await book.reconcile([], T0 + 10 * MIN, policy)).events).toBe(2 * ASSETS);
    expect((await book.list({ states: ["active", "acknowledged"] })).total).toBe(0);
    expect((await book.list({ states: ["cleared"] })).total).toBe(2 * ASSETS);
    const last = await book.events({ afterId: raised[raised.length - 1]!.id, limit: 10_000 });
    expect(last.filter((e) => e.kind === "cleared")).toHaveLength(2 * ASSETS);
    expect(new Set(announced).size).toBe(3);

    // Back again: new occurrences, numbered after the cleared ones.
    expect((await book.reconcile(first, T0 + 11 * MIN, policy)).events).toBe(2 * ASSETS);
    const again = await book.resolve(`${asset(7)}:main_bearing:misalignment`);
    expect(again).toMatchObject({ occurrence: 2, state: "active" });
    const raisedAgain = await book.events({ alarm: again!.id });
    expect(raisedAgain.map((e) => e.comment)).toEqual([
      `again after ${asset(7)}:main_bearing:misalignment:1`,
    ]);
  });

  it("pages after a cursor through the same rows, in the same order, as by offset, for every sort", async () => {
    await book.reconcile(
      conditions((i, k) => ((i + k) % 3 === 0 ? "alarm" : "warning")),
      T0,
      policy,
    );
    // Acknowledge some, so the state sort has three values; clear nothing.
    for (const i of [3, 4, 50, 51, 700])
      await book.acknowledge(`${asset(i)}:main_bearing:imbalance:1`, "ivanov", null);
    const filters: AlarmFilter[] = [{}, { companies: ["sc-3"] }, { states: ["active"] }];
    for (const filter of filters)
      for (const sort of AlarmSorts)
        for (const order of ["asc", "desc"] as const) {
          const f = { ...filter, sort, order };
          const whole = await book.list({ ...f, limit: 5000 });
          const byCursor: AlarmRecord[] = [];
          let after: string | undefined;
          for (let pages = 0; pages < 100; pages++) {
            const page = await book.list({ ...f, limit: 173, ...(after ? { after } : {}) });
            expect(page.total).toBe(whole.total);
            byCursor.push(...page.alarms);
            after = page.next;
            if (!after) break;
          }
          expect(
            byCursor.map((a) => a.id),
            `${JSON.stringify(f)}`,
          ).toEqual(whole.alarms.map((a) => a.id));
        }
  });

  it("keeps each company's count per state (the list's total) equal to its alarms through every change", async () => {
    const counted = async () => {
      for (const companies of [undefined, ["sc-0"], ["sc-3", "sc-5"]])
        for (const states of [
          ["active"],
          ["acknowledged"],
          ["cleared"],
          ["active", "acknowledged"],
        ] as const) {
          const f = { ...(companies ? { companies } : {}), states, limit: 1 };
          // A time filter makes the book count the alarms themselves rather than read the kept count.
          const counted = (await book.list({ ...f, raisedFromMs: 0 })).total;
          expect((await book.list(f)).total, JSON.stringify(f)).toBe(counted);
        }
    };
    await book.reconcile(
      conditions(() => "warning"),
      T0,
      policy,
    );
    await counted();
    for (const i of [3, 4, 50, 51, 700])
      await book.acknowledge(`${asset(i)}:main_bearing:imbalance:1`, "ivanov", null);
    await counted();
    // A rise re-annunciates the acknowledged (back to active); half the fleet clears.
    const half = conditions((i) => (i === 3 || i === 50 ? "alarm" : "warning")).filter((_, n) => n % 2 === 0);
    await book.reconcile(half, T0 + 10 * MIN, policy);
    expect(await book.get(`${asset(3)}:main_bearing:imbalance:1`)).toMatchObject({ state: "active" });
    expect((await book.list({ states: ["cleared"] })).total).toBe(ASSETS);
    await counted();
  });

  it("refuses a cursor that is not one, was altered, or was made for another order", async () => {
    await book.reconcile(
      conditions(() => "warning"),
      T0,
      policy,
    );
    const { next } = await book.list({ sort: "raisedAt", order: "desc", limit: 10 });
    expect(next).toBeDefined();
    const refused = (filter: AlarmFilter) =>
      expect(book.list(filter)).rejects.toMatchObject({
        code: "VALIDATION_FAILED",
        message: expect.stringMatching(/^querystring\.after: /),
      });
    await refused({ sort: "raisedAt", order: "asc", after: next! });
    await refused({ sort: "asset", order: "desc", after: next! });
    await refused({ after: "not-a-cursor" });
    const forged = (value: unknown[]) => Buffer.from(JSON.stringify(value)).toString("base64url");
    await refused({ sort: "raisedAt", order: "desc", after: forged(["raisedAt", "desc", "x", 0, "id"]) });
    await refused({ sort: "raisedAt", order: "desc", after: forged(["raisedAt", "desc", 1, 0.5, "id"]) });
    await refused({ sort: "raisedAt", order: "desc", after: forged(["raisedAt", "desc", 1, 0, 7]) });
    await refused({ sort: "asset", order: "desc", after: forged(["asset", "desc", 1, 0, "id"]) });
    await refused({ after: forged({ sort: "severity" } as never) });
    // A well-formed cursor for a row that is not there still pages from where it would sort.
    const ghost = await book.list({
      sort: "asset",
      order: "asc",
      after: forged(["asset", "asc", asset(ASSETS - 1), 0, "~"]),
    });
    expect(ghost).toMatchObject({ alarms: [], total: 2 * ASSETS });
  });
});
