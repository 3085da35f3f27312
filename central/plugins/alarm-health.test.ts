// GET /api/v1/alarms/health through the app: figures worked out by hand from
// alarms put into the book on a controllable clock, who sees which company's
// figures, and what a hurried or hostile caller sends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import { metadataKinds, suiteMetadata } from "../../test/helpers/metadata.ts";
import type { Condition, ReconcilePolicy } from "../maintenance/alarm-book.ts";

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const T0 = Date.parse("2026-11-02T08:00:00Z");

describe.each(metadataKinds())("alarm-system health route (%s metadata)", (kind) => {
  const metadata = suiteMetadata(kind);
  let f: CentralFixture;
  let now = T0;
  beforeAll(async () => {
    f = await makeCentralFixture({
      metadata: await metadata(),
      clock: () => now,
      config: { alarms: { evaluateEveryMs: 0 } },
    });
    const { book, evaluator } = f.app.service;
    // Straight into the book, unfiltered, as an alarm system without on/off delays would have it.
    const policy: ReconcilePolicy = { clearAfterMs: 0, routeOf: await evaluator.routes() };
    const c = (asset: string, fault: string, severity: "warning" | "alarm" | null): Condition[] =>
      severity ? [{ asset, point: "main_bearing", fault, severity, sinceMs: now, isoZone: null }] : [];
    const at = async (ms: number, conditions: Condition[]) => {
      now = ms;
      await book.reconcile(conditions, ms, policy);
    };
    // T03 (sc-north): raised 30 h before T0 + 2 h and never cleared: stale.
    await at(T0 - 28 * HOUR, c("T03", "imbalance", "warning"));
    // T01 (sc-north): chatters — raised/cleared at 0, 20, 40 s; then alarm ↔ warning at 5 min (2 more).
    const hold = c("T03", "imbalance", "warning");
    await at(T0, [...hold, ...c("T01", "looseness", "warning")]);
    await at(T0 + 10 * S, hold);
    await at(T0 + 20 * S, [...hold, ...c("T01", "looseness", "warning")]);
    await at(T0 + 30 * S, hold);
    await at(T0 + 40 * S, [...hold, ...c("T01", "looseness", "warning")]);
    await at(T0 + 5 * MIN, [...hold, ...c("T01", "looseness", "alarm")]);
    await at(T0 + 6 * MIN, [...hold, ...c("T01", "looseness", "warning")]);
    await at(T0 + 7 * MIN, [...hold, ...c("T01", "looseness", "alarm")]);
    // T02 (sc-south): one alarm at 30 min.
    await at(T0 + 30 * MIN, [...hold, ...c("T01", "looseness", "alarm"), ...c("T02", "gear_mesh", "alarm")]);
    now = T0 + 2 * HOUR;
  });
  afterAll(async () => f.close());

  const get = (query: string, token: string) =>
    f.app.inject({ url: `/api/v1/alarms/health${query}`, headers: f.auth(token) });
  const from = new Date(T0).toISOString();
  const to = new Date(T0 + 2 * HOUR).toISOString();

  it("counts annunciations per operator and turbine, chattering, stale alarms and the bad actors", async () => {
    const res = await get(`?from=${from}&to=${to}`, f.tokens.north);
    expect(res.statusCode, res.body).toBe(200);
    const h = res.json();
    // sc-north in the 2 h: T01 raised 3× (0, 20, 40 s) and rose to alarm twice (5 and 7 min): 5.
    // 10-minute intervals: the first holds all 5. Average 5 / 12 intervals.
    expect(h.totals).toMatchObject({
      annunciations: 5,
      peakPer10Min: 5,
      peakAt: from,
      chattering: 1,
      stale: 1,
    });
    expect(h.totals.averagePer10Min).toBeCloseTo(5 / 12, 12);
    expect(h.companies).toEqual([
      expect.objectContaining({ company: "sc-north", name: "North Wind Service", annunciations: 5 }),
    ]);
    expect(
      h.assets.map((a: { asset: string; annunciations: number; stale: number }) => [
        a.asset,
        a.annunciations,
        a.stale,
      ]),
    ).toEqual([
      ["T01", 5, 0],
      ["T03", 0, 1],
    ]);
    expect(h.chattering).toEqual([
      expect.objectContaining({ key: "T01:main_bearing:looseness", annunciations: 5, maxPerMinute: 3 }),
    ]);
    expect(h.stale).toEqual([
      expect.objectContaining({ id: "T03:main_bearing:imbalance:1", state: "active", openHours: 30 }),
    ]);
    // Its state events: 3 raised, 2 cleared, 3 severity changes (w→a, a→w, w→a).
    expect(h.badActors).toEqual([
      expect.objectContaining({ key: "T01:main_bearing:looseness", annunciations: 5, sharePct: 100 }),
    ]);
    expect(h.badActors[0].events).toBe(3 + 2 + 3);
    expect(h.targets).toEqual({ averagePer10Min: 1, peakPer10Min: 10, chattering: 0, stale: 0 });
  });

  it("shows a company its own figures, admin and ministry anyone's, and refuses agents", async () => {
    const south = (await get(`?from=${from}&to=${to}`, f.tokens.south)).json();
    expect(south.totals).toMatchObject({ annunciations: 1, chattering: 0, stale: 0 });
    expect(south.assets.map((a: { asset: string }) => a.asset)).toEqual(["T02"]);
    const all = (await get(`?from=${from}&to=${to}`, f.tokens.ministry)).json();
    expect(
      all.companies.map((c: { company: string; annunciations: number }) => [c.company, c.annunciations]),
    ).toEqual([
      ["sc-north", 5],
      ["sc-south", 1],
    ]);
    const one = (await get(`?company=sc-south&from=${from}&to=${to}`, f.tokens.admin)).json();
    expect(one.totals.annunciations).toBe(1);
    expect((await get(`?asset=T01&from=${from}&to=${to}`, f.tokens.admin)).json().totals.annunciations).toBe(
      5,
    );
    // Another company's, or one that does not exist: 404 alike.
    expect((await get("?company=sc-south", f.tokens.north)).statusCode).toBe(404);
    expect((await get("?company=sc-nowhere", f.tokens.admin)).statusCode).toBe(404);
    expect((await get("", f.tokens.agentWf1)).statusCode).toBe(403);
    expect((await f.app.inject({ url: "/api/v1/alarms/health" })).statusCode).toBe(401);
    // Without a period: the last 24 h up to now (T0 + 2 h).
    const recent = (await get("", f.tokens.north)).json();
    expect([recent.from, recent.to]).toEqual([new Date(T0 - 22 * HOUR).toISOString(), to]);
  });

  it("answers a clear 400 to a bad period or an unknown key", async () => {
    const cases: [string, RegExp][] = [
      ["?from=yesterday", /querystring\/from|from/],
      [`?from=${to}&to=${from}`, /from: must be before to/],
      ["?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", /at most 367 days/],
      ["?from=%00", /from/],
      [`?company=${"x".repeat(500)}`, /company/],
      ["?colour=red", /colour|additional/],
    ];
    for (const [query, message] of cases) {
      const res = await get(query, f.tokens.admin);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.message, query).toMatch(message);
    }
  });
});
