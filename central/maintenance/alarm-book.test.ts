// The alarm lifecycle on a real database (SQLite file, and PostgreSQL where
// installed) with a controllable clock: raise, severity changes,
// acknowledge, re-annunciation, automatic clearing after the configured
// absence, re-raise as a new occurrence, escalation at the response time,
// and two replicas on one database.
import { beforeEach, describe, expect, it } from "vitest";
import { freshMetadata, metadataKinds } from "../../test/helpers/metadata.ts";
import { AlarmBook, AlarmStateError, type Condition, type ReconcilePolicy } from "./alarm-book.ts";

const MIN = 60_000;
const T0 = Date.parse("2026-11-02T08:00:00Z");
const RESPONSE_MS = 30 * MIN;
const CLEAR_AFTER_MS = 5 * MIN;

const policy: ReconcilePolicy = {
  clearAfterMs: CLEAR_AFTER_MS,
  routeOf: (asset) =>
    asset === "gone"
      ? null
      : { company: asset === "T04" ? "sc-b" : "sc-a", site: "wf1", responseTimeMs: RESPONSE_MS },
};

const outer = (severity: "warning" | "alarm", sinceMs = T0 - 2 * MIN): Condition => ({
  asset: "T02",
  point: "main_bearing",
  fault: "bearing_outer_race",
  severity,
  sinceMs,
  isoZone: "C",
});

describe.each(metadataKinds())("alarm book (%s)", (kind) => {
  const md = freshMetadata(kind);
  let now: number;
  let book: AlarmBook;

  beforeEach(async () => {
    now = T0;
    book = new AlarmBook((await md.open()).db, () => now);
  });

  const kinds = async (id: string) => (await book.events({ alarm: id })).map((e) => e.kind);

  it("raises one occurrence per asset + point + fault, routed by the policy, with the condition's start", async () => {
    const r = await book.reconcile(
      [outer("warning"), outer("warning"), { ...outer("alarm"), asset: "T04" }],
      now,
      policy,
    );
    expect(r).toEqual({ applied: true, events: 2 });
    const { alarms, total } = await book.list({ sort: "asset", order: "asc" });
    expect(total).toBe(2);
    expect(alarms[0]).toMatchObject({
      id: "T02:main_bearing:bearing_outer_race:1",
      key: "T02:main_bearing:bearing_outer_race",
      company: "sc-a",
      severity: "warning",
      state: "active",
      since: new Date(T0 - 2 * MIN).toISOString(),
      raisedAt: new Date(T0).toISOString(),
      responseDueAt: null, // a warning does not escalate
    });
    expect(alarms[1]).toMatchObject({
      company: "sc-b",
      severity: "alarm",
      responseDueAt: new Date(T0 + RESPONSE_MS).toISOString(),
    });
    // Evaluating the same conditions again changes nothing and writes no event.
    now += MIN;
    expect(
      (await book.reconcile([outer("warning"), { ...outer("alarm"), asset: "T04" }], now, policy)).events,
    ).toBe(0);
    expect((await book.list({ companies: ["sc-b"] })).alarms.map((a) => a.asset)).toEqual(["T04"]);
  });

  it("records severity changes; a rise re-annunciates an acknowledged alarm and starts a new response time", async () => {
    await book.reconcile([outer("warning")], now, policy);
    const id = "T02:main_bearing:bearing_outer_race:1";
    now += MIN;
    const acked = await book.acknowledge(id, "ivanov", "crew informed");
    expect(acked).toMatchObject({
      state: "acknowledged",
      acknowledgedBy: "ivanov",
      ackComment: "crew informed",
    });
    await expect(book.acknowledge(id, "petrov", null)).rejects.toThrow(AlarmStateError);
    now += MIN;
    const reactivatedAt = now;
    await book.reconcile([outer("alarm")], now, policy);
    expect(await book.get(id)).toMatchObject({
      severity: "alarm",
      maxSeverity: "alarm",
      state: "active",
      responseDueAt: new Date(reactivatedAt + RESPONSE_MS).toISOString(),
    });
    // Back to warning and up again, unacknowledged: the clock started at the reactivation runs on.
    now += MIN;
    await book.reconcile([outer("warning")], now, policy);
    expect(await book.get(id)).toMatchObject({
      severity: "warning",
      maxSeverity: "alarm",
      responseDueAt: new Date(reactivatedAt + RESPONSE_MS).toISOString(),
    });
    now += MIN;
    await book.reconcile([outer("alarm")], now, policy);
    expect((await book.get(id))?.responseDueAt).toBe(new Date(reactivatedAt + RESPONSE_MS).toISOString());
    expect(await kinds(id)).toEqual([
      "raised",
      "acknowledged",
      "severity",
      "reactivated",
      "severity",
      "severity",
    ]);
    const severity = (await book.events({ alarm: id })).filter((e) => e.kind === "severity");
    expect(severity.map((e) => [e.from, e.to])).toEqual([
      ["warning", "alarm"],
      ["alarm", "warning"],
      ["warning", "alarm"],
    ]);
  });

  it("does not restart the escalation clock when an unacknowledged alarm flaps: it escalates on its return", async () => {
    await book.reconcile([outer("alarm")], now, policy);
    const id = "T02:main_bearing:bearing_outer_race:1";
    // Flapping alarm ↔ warning every minute (no filter in this policy) past the response time.
    for (let i = 1; i <= 40; i++) {
      now += MIN;
      await book.reconcile([outer(i % 2 === 0 ? "warning" : "alarm")], now, policy);
      const a = (await book.get(id))!;
      expect(a.responseDueAt).toBe(new Date(T0 + RESPONSE_MS).toISOString());
      if (now < T0 + RESPONSE_MS) expect(a.escalatedAt).toBeNull();
    }
    // At minute 30 (due) it was a warning, so nothing escalated then; minute 31 returned to alarm and
    // escalated at once.
    expect((await book.get(id))?.escalatedAt).toBe(new Date(T0 + 31 * MIN).toISOString());
    expect((await kinds(id)).filter((k) => k === "escalated")).toHaveLength(1);
  });

  it("clears only after the condition has been absent for clearAfterMs, and a return is a new occurrence", async () => {
    await book.reconcile([outer("alarm")], now, policy);
    const first = "T02:main_bearing:bearing_outer_race:1";
    const lastSeen = now;
    now = lastSeen + CLEAR_AFTER_MS - 1;
    await book.reconcile([], now, policy);
    expect((await book.get(first))?.state).toBe("active");
    now = lastSeen + CLEAR_AFTER_MS;
    await book.reconcile([], now, policy);
    expect(await book.get(first)).toMatchObject({ state: "cleared", clearedAt: new Date(now).toISOString() });
    expect((await book.list({ states: ["active", "acknowledged"] })).total).toBe(0);
    now += MIN;
    await book.reconcile([outer("warning", now - 10_000)], now, policy);
    const second = await book.resolve("T02:main_bearing:bearing_outer_race");
    expect(second).toMatchObject({
      id: "T02:main_bearing:bearing_outer_race:2",
      occurrence: 2,
      state: "active",
    });
    expect((await book.events({ alarm: second!.id }))[0]).toMatchObject({
      kind: "raised",
      comment: `again after ${first}`,
    });
    expect((await book.list({ states: ["cleared"] })).alarms.map((a) => a.id)).toEqual([first]);
    await expect(book.acknowledge(first, "ivanov", null)).rejects.toThrow(AlarmStateError);
  });

  it("escalates an unacknowledged alarm exactly at its response time, once; an acknowledged one never", async () => {
    await book.reconcile([outer("alarm"), { ...outer("alarm"), point: "gearbox_hss" }], now, policy);
    const a = "T02:main_bearing:bearing_outer_race:1";
    const b = "T02:gearbox_hss:bearing_outer_race:1";
    await book.acknowledge(b, "ivanov", null);
    now = T0 + RESPONSE_MS - 1;
    await book.reconcile([outer("alarm"), { ...outer("alarm"), point: "gearbox_hss" }], now, policy);
    expect((await book.get(a))?.escalatedAt).toBeNull();
    now = T0 + RESPONSE_MS;
    await book.reconcile([outer("alarm"), { ...outer("alarm"), point: "gearbox_hss" }], now, policy);
    expect((await book.get(a))?.escalatedAt).toBe(new Date(T0 + RESPONSE_MS).toISOString());
    now += 10 * MIN;
    await book.reconcile([outer("alarm"), { ...outer("alarm"), point: "gearbox_hss" }], now, policy);
    expect(await kinds(a)).toEqual(["raised", "escalated"]);
    expect((await book.get(b))?.escalatedAt).toBeNull();
  });

  it("ignores an observation older than one applied (a slower replica) and raises nothing for a vanished asset", async () => {
    const replica = new AlarmBook((await md.open()).db, () => now);
    await book.reconcile([outer("alarm")], now + MIN, policy);
    const stale = await replica.reconcile([], now + MIN + CLEAR_AFTER_MS - 1, policy);
    expect(stale.applied).toBe(true);
    expect(await replica.reconcile([], now, policy)).toEqual({ applied: false, events: 0 });
    expect((await book.reconcile([{ ...outer("alarm"), asset: "gone" }], now + 2 * MIN, policy)).events).toBe(
      0,
    );
    expect((await replica.list()).alarms.map((a) => a.id)).toEqual(["T02:main_bearing:bearing_outer_race:1"]);
  });

  it("assigns, comments and filters", async () => {
    await book.reconcile(
      [outer("alarm"), { ...outer("warning"), asset: "T03", fault: "imbalance" }],
      now,
      policy,
    );
    const id = "T02:main_bearing:bearing_outer_race:1";
    await book.assign(id, "Sidorov", "dispatcher", "nearest crew");
    await book.comment(id, "Sidorov", "on site at 14:00");
    expect(await book.get(id)).toMatchObject({ assignee: "Sidorov" });
    expect((await book.events({ alarm: id })).map((e) => [e.kind, e.actor, e.to, e.comment])).toEqual([
      ["raised", "system", "alarm", null],
      ["assigned", "dispatcher", "Sidorov", "nearest crew"],
      ["comment", "Sidorov", null, "on site at 14:00"],
    ]);
    expect((await book.list({ severity: "warning" })).alarms.map((a) => a.asset)).toEqual(["T03"]);
    expect((await book.list({ text: "imbal" })).alarms.map((a) => a.asset)).toEqual(["T03"]);
    expect((await book.list({ sort: "severity", order: "desc" })).alarms.map((a) => a.severity)).toEqual([
      "alarm",
      "warning",
    ]);
    expect(await book.list({ limit: 1, offset: 1, sort: "asset", order: "asc" })).toMatchObject({
      total: 2,
      alarms: [{ asset: "T03" }],
    });
    expect((await book.openCounts(["sc-a"])).get("T02")).toEqual({ alarm: 1, warning: 0, acknowledged: 0 });
  });
});
