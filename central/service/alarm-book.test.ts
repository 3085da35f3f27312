// The alarm lifecycle on a real SQLite file with a controllable clock:
// raise, severity changes, acknowledge, re-annunciation, automatic clearing
// after the configured absence, re-raise as a new occurrence, escalation at
// the response time, and two replicas on one file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MetaStore } from "../meta/meta.ts";
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

describe("alarm book", () => {
  let dir: string;
  let meta: MetaStore;
  let now: number;
  let book: AlarmBook;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vetra-book-"));
    meta = new MetaStore(join(dir, "metadata.sqlite"));
    now = T0;
    book = new AlarmBook(meta.sqlite, () => now);
  });
  afterEach(() => {
    meta.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const kinds = (id: string) => book.events({ alarm: id }).map((e) => e.kind);

  it("raises one occurrence per asset + point + fault, routed by the policy, with the condition's start", () => {
    const r = book.reconcile(
      [outer("warning"), outer("warning"), { ...outer("alarm"), asset: "T04" }],
      now,
      policy,
    );
    expect(r).toEqual({ applied: true, events: 2 });
    const { alarms, total } = book.list({ sort: "asset", order: "asc" });
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
    expect(book.reconcile([outer("warning"), { ...outer("alarm"), asset: "T04" }], now, policy).events).toBe(
      0,
    );
    expect(book.list({ companies: ["sc-b"] }).alarms.map((a) => a.asset)).toEqual(["T04"]);
  });

  it("records severity changes; a rise re-annunciates an acknowledged alarm and starts a new response time", () => {
    book.reconcile([outer("warning")], now, policy);
    const id = "T02:main_bearing:bearing_outer_race:1";
    now += MIN;
    const acked = book.acknowledge(id, "ivanov", "crew informed");
    expect(acked).toMatchObject({
      state: "acknowledged",
      acknowledgedBy: "ivanov",
      ackComment: "crew informed",
    });
    expect(() => book.acknowledge(id, "petrov", null)).toThrow(AlarmStateError);
    now += MIN;
    const reactivatedAt = now;
    book.reconcile([outer("alarm")], now, policy);
    expect(book.get(id)).toMatchObject({
      severity: "alarm",
      maxSeverity: "alarm",
      state: "active",
      responseDueAt: new Date(reactivatedAt + RESPONSE_MS).toISOString(),
    });
    // Back to warning and up again, unacknowledged: the clock started at the reactivation runs on.
    now += MIN;
    book.reconcile([outer("warning")], now, policy);
    expect(book.get(id)).toMatchObject({
      severity: "warning",
      maxSeverity: "alarm",
      responseDueAt: new Date(reactivatedAt + RESPONSE_MS).toISOString(),
    });
    now += MIN;
    book.reconcile([outer("alarm")], now, policy);
    expect(book.get(id)?.responseDueAt).toBe(new Date(reactivatedAt + RESPONSE_MS).toISOString());
    expect(kinds(id)).toEqual(["raised", "acknowledged", "severity", "reactivated", "severity", "severity"]);
    const severity = book.events({ alarm: id }).filter((e) => e.kind === "severity");
    expect(severity.map((e) => [e.from, e.to])).toEqual([
      ["warning", "alarm"],
      ["alarm", "warning"],
      ["warning", "alarm"],
    ]);
  });

  it("does not restart the escalation clock when an unacknowledged alarm flaps: it escalates on its return", () => {
    book.reconcile([outer("alarm")], now, policy);
    const id = "T02:main_bearing:bearing_outer_race:1";
    // Flapping alarm ↔ warning every minute (no filter in this policy) past the response time.
    for (let i = 1; i <= 40; i++) {
      now += MIN;
      book.reconcile([outer(i % 2 === 0 ? "warning" : "alarm")], now, policy);
      const a = book.get(id)!;
      expect(a.responseDueAt).toBe(new Date(T0 + RESPONSE_MS).toISOString());
      if (now < T0 + RESPONSE_MS) expect(a.escalatedAt).toBeNull();
    }
    // At minute 30 (due) it was a warning, so nothing escalated then; minute 31 returned to alarm and
    // escalated at once.
    expect(book.get(id)?.escalatedAt).toBe(new Date(T0 + 31 * MIN).toISOString());
    expect(kinds(id).filter((k) => k === "escalated")).toHaveLength(1);
  });

  it("clears only after the condition has been absent for clearAfterMs, and a return is a new occurrence", () => {
    book.reconcile([outer("alarm")], now, policy);
    const first = "T02:main_bearing:bearing_outer_race:1";
    const lastSeen = now;
    now = lastSeen + CLEAR_AFTER_MS - 1;
    book.reconcile([], now, policy);
    expect(book.get(first)?.state).toBe("active");
    now = lastSeen + CLEAR_AFTER_MS;
    book.reconcile([], now, policy);
    expect(book.get(first)).toMatchObject({ state: "cleared", clearedAt: new Date(now).toISOString() });
    expect(book.list({ states: ["active", "acknowledged"] }).total).toBe(0);
    now += MIN;
    book.reconcile([outer("warning", now - 10_000)], now, policy);
    const second = book.resolve("T02:main_bearing:bearing_outer_race");
    expect(second).toMatchObject({
      id: "T02:main_bearing:bearing_outer_race:2",
      occurrence: 2,
      state: "active",
    });
    expect(book.events({ alarm: second!.id })[0]).toMatchObject({
      kind: "raised",
      comment: `again after ${first}`,
    });
    expect(book.list({ states: ["cleared"] }).alarms.map((a) => a.id)).toEqual([first]);
    expect(() => book.acknowledge(first, "ivanov", null)).toThrow(AlarmStateError);
  });

  it("escalates an unacknowledged alarm exactly at its response time, once; an acknowledged one never", () => {
    book.reconcile([outer("alarm"), { ...outer("alarm"), point: "gearbox_hss" }], now, policy);
    const a = "T02:main_bearing:bearing_outer_race:1";
    const b = "T02:gearbox_hss:bearing_outer_race:1";
    book.acknowledge(b, "ivanov", null);
    now = T0 + RESPONSE_MS - 1;
    book.reconcile([outer("alarm"), { ...outer("alarm"), point: "gearbox_hss" }], now, policy);
    expect(book.get(a)?.escalatedAt).toBeNull();
    now = T0 + RESPONSE_MS;
    book.reconcile([outer("alarm"), { ...outer("alarm"), point: "gearbox_hss" }], now, policy);
    expect(book.get(a)?.escalatedAt).toBe(new Date(T0 + RESPONSE_MS).toISOString());
    now += 10 * MIN;
    book.reconcile([outer("alarm"), { ...outer("alarm"), point: "gearbox_hss" }], now, policy);
    expect(kinds(a)).toEqual(["raised", "escalated"]);
    expect(book.get(b)?.escalatedAt).toBeNull();
  });

  it("ignores an observation older than one applied (a slower replica) and raises nothing for a vanished asset", () => {
    const replica = new AlarmBook(new MetaStore(join(dir, "metadata.sqlite")).sqlite, () => now);
    book.reconcile([outer("alarm")], now + MIN, policy);
    const stale = replica.reconcile([], now + MIN + CLEAR_AFTER_MS - 1, policy);
    expect(stale.applied).toBe(true);
    expect(replica.reconcile([], now, policy)).toEqual({ applied: false, events: 0 });
    expect(book.reconcile([{ ...outer("alarm"), asset: "gone" }], now + 2 * MIN, policy).events).toBe(0);
    expect(replica.list().alarms.map((a) => a.id)).toEqual(["T02:main_bearing:bearing_outer_race:1"]);
  });

  it("assigns, comments and filters", () => {
    book.reconcile([outer("alarm"), { ...outer("warning"), asset: "T03", fault: "imbalance" }], now, policy);
    const id = "T02:main_bearing:bearing_outer_race:1";
    book.assign(id, "Sidorov", "dispatcher", "nearest crew");
    book.comment(id, "Sidorov", "on site at 14:00");
    expect(book.get(id)).toMatchObject({ assignee: "Sidorov" });
    expect(book.events({ alarm: id }).map((e) => [e.kind, e.actor, e.to, e.comment])).toEqual([
      ["raised", "system", "alarm", null],
      ["assigned", "dispatcher", "Sidorov", "nearest crew"],
      ["comment", "Sidorov", null, "on site at 14:00"],
    ]);
    expect(book.list({ severity: "warning" }).alarms.map((a) => a.asset)).toEqual(["T03"]);
    expect(book.list({ text: "imbal" }).alarms.map((a) => a.asset)).toEqual(["T03"]);
    expect(book.list({ sort: "severity", order: "desc" }).alarms.map((a) => a.severity)).toEqual([
      "alarm",
      "warning",
    ]);
    expect(book.list({ limit: 1, offset: 1, sort: "asset", order: "asc" })).toMatchObject({
      total: 2,
      alarms: [{ asset: "T03" }],
    });
    expect(book.openCounts(["sc-a"]).get("T02")).toEqual({ alarm: 1, warning: 0, acknowledged: 0 });
  });
});
