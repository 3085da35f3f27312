// The service model through the API: connecting a company and contracting a
// turbine to it (visibility and routing follow the contract), the live alarm
// feed over real HTTP (Server-Sent Events, per company), and escalation and
// clearing timed by a controllable clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Point } from "../../common/wire.ts";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import { metadataKinds, suiteMetadata } from "../../test/helpers/metadata.ts";

const MIN = 60_000;

/** A diagnosis point of an edge that raised it `raisedAgoMs` before `ts` (past the alarm on-delay by default). */
const diagnosis = (asset: string, ts: number, severity: 1 | 2, active = 1, raisedAgoMs = 5 * MIN): Point => ({
  measurement: "diagnosis",
  tags: { site: asset === "T03" ? "wf2" : "wf1", asset, point: "main_bearing", fault: "bearing_outer_race" },
  fields: { severity, confidence: 0.9, active, raised_at_ms: ts - raisedAgoMs },
  ts,
});

describe.each(metadataKinds())("companies and contracts (%s metadata)", (kind) => {
  const metadata = suiteMetadata(kind);
  let f: CentralFixture;
  beforeAll(async () => {
    f = await makeCentralFixture({
      metadata: await metadata(),
      config: { alarms: { evaluateEveryMs: 0 } },
    });
  });
  afterAll(async () => f.close());

  const call = (method: "GET" | "POST" | "PATCH", url: string, token: string, payload?: object) =>
    f.app.inject({ method, url, headers: f.auth(token), ...(payload ? { payload } : {}) });

  it("connects a company, gives it a token, contracts a turbine to it: visibility and alarms follow", async () => {
    const created = await call("POST", "/api/v1/companies", f.tokens.admin, {
      id: "sc-east",
      name: "East Wind Service",
      email: "ops@east.example",
      lang: "en",
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().company).toEqual({
      id: "sc-east",
      name: "East Wind Service",
      email: "ops@east.example",
      lang: "en",
      timezone: "Europe/Moscow",
      source: "api",
    });
    expect(
      (await call("POST", "/api/v1/companies", f.tokens.admin, { id: "sc-east", name: "x" })).statusCode,
    ).toBe(409);
    expect(
      (await call("POST", "/api/v1/companies", f.tokens.north, { id: "sc-x", name: "x" })).statusCode,
    ).toBe(403);
    const badZone = await call("POST", "/api/v1/companies", f.tokens.admin, {
      id: "sc-y",
      name: "y",
      timezone: "Mars/Olympus",
    });
    expect(badZone.json().error.message).toMatch(/^body\.timezone: unknown time zone/);
    const token = await call("POST", "/api/v1/tokens", f.tokens.admin, {
      role: "service_company",
      tenant: "sc-east",
      label: "east ops",
    });
    expect(token.statusCode).toBe(201);
    const east = token.json().token as string;

    const assetsOf = async (t: string) =>
      ((await call("GET", "/api/v1/assets", t)).json().assets as { id: string }[]).map((a) => a.id);
    expect(await assetsOf(east)).toEqual([]);
    const from = new Date(Date.now() - MIN).toISOString();
    const contract = await call("POST", "/api/v1/contracts", f.tokens.admin, {
      company: "sc-east",
      assets: ["T02"],
      from,
      responseTimeMinutes: 120,
    });
    expect(contract.statusCode).toBe(201);
    expect(contract.json().contract).toMatchObject({
      company: "sc-east",
      assets: ["T02"],
      to: null,
      responseTimeMinutes: 120,
    });
    // The contract overrides the fleet owner (sc-south) from its start.
    expect(await assetsOf(east)).toEqual(["T02"]);
    expect(await assetsOf(f.tokens.south)).toEqual([]);
    const overlap = await call("POST", "/api/v1/contracts", f.tokens.admin, {
      company: "sc-north",
      assets: ["T02"],
      from: "2030-01-01",
      responseTimeMinutes: 60,
    });
    expect(overlap.statusCode).toBe(409);
    expect(overlap.json().error.message).toMatch(/"T02" is under contract/);
    // What does not resolve is a bad request, not a conflict.
    const ghost = await call("POST", "/api/v1/contracts", f.tokens.admin, {
      company: "sc-east",
      assets: ["T99"],
      from: "2030-01-01",
      responseTimeMinutes: 60,
    });
    expect([ghost.statusCode, ghost.json().error]).toEqual([
      400,
      { code: "VALIDATION_FAILED", message: 'assets: unknown asset "T99"' },
    ]);
    const unknown = await call("POST", "/api/v1/contracts", f.tokens.admin, {
      company: "sc-east",
      assets: ["T02"],
      from: "tomorrow",
      responseTimeMinutes: 60,
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toMatch(/^body\.from/);

    // An alarm on T02 now goes to sc-east, with the contract's response time.
    await f.store.write([diagnosis("T02", Date.now() - 1000, 2)]);
    await f.app.service.evaluator.evaluate();
    const alarms = (await call("GET", "/api/v1/alarms", east)).json().alarms;
    expect(alarms).toEqual([
      expect.objectContaining({ asset: "T02", company: "sc-east", severity: "alarm" }),
    ]);
    expect(Date.parse(alarms[0].responseDueAt) - Date.parse(alarms[0].raisedAt)).toBe(120 * MIN);
    expect((await call("GET", "/api/v1/alarms", f.tokens.south)).json().alarms).toEqual([]);
    // Each company sees its own contracts; admin all.
    expect(
      (await call("GET", "/api/v1/contracts", east))
        .json()
        .contracts.map((c: { company: string }) => c.company),
    ).toEqual(["sc-east"]);
    expect(
      (await call("GET", "/api/v1/companies", east)).json().companies.map((c: { id: string }) => c.id),
    ).toEqual(["sc-east"]);
    // Ending the contract hands the turbine back to its owner.
    const id = contract.json().contract.id;
    const ended = await call("PATCH", `/api/v1/contracts/${id}`, f.tokens.admin, {
      to: new Date().toISOString(),
    });
    expect(ended.statusCode).toBe(200);
    expect(await assetsOf(f.tokens.south)).toEqual(["T02"]);
    expect(await assetsOf(east)).toEqual([]);
    // The alarm stays with the company it was routed to: its record of the work.
    expect((await call("GET", "/api/v1/alarms", east)).json().alarms).toHaveLength(1);
  });
});

describe.each(metadataKinds())("alarm timing, controllable clock (%s metadata)", (kind) => {
  const metadata = suiteMetadata(kind);
  let f: CentralFixture;
  let now = Date.parse("2026-11-02T08:00:00Z");
  beforeAll(async () => {
    f = await makeCentralFixture({
      metadata: await metadata(),
      clock: () => now,
      // Escalation and clearing on their own: the filter's delays are tested in maintenance/alarm-*.test.ts.
      config: {
        alarms: {
          evaluateEveryMs: 0,
          clearAfterMs: 5 * MIN,
          defaultResponseTimeMinutes: 30,
          onDelayMs: 0,
          offDelayMs: 0,
        },
      },
    });
  });
  afterAll(async () => f.close());

  const alarm = async () =>
    (
      await f.app.inject({
        url: "/api/v1/alarms/T01:main_bearing:bearing_outer_race?",
        headers: f.auth(f.tokens.north),
      })
    ).json();

  it("escalates at the response time, clears after the configured absence, re-raises as a new occurrence", async () => {
    const t0 = now;
    // Diagnosis points are judged active against the real time; write them near it.
    const real = Date.now();
    await f.store.write([diagnosis("T01", real - 1000, 2)]);
    await f.app.service.evaluator.evaluate();
    expect((await alarm()).alarm).toMatchObject({
      id: "T01:main_bearing:bearing_outer_race:1",
      state: "active",
      responseDueAt: new Date(t0 + 30 * MIN).toISOString(),
      escalatedAt: null,
    });
    now = t0 + 30 * MIN - 1;
    await f.app.service.evaluator.evaluate();
    expect((await alarm()).alarm.escalatedAt).toBeNull();
    now = t0 + 30 * MIN;
    await f.app.service.evaluator.evaluate();
    expect((await alarm()).alarm.escalatedAt).toBe(new Date(t0 + 30 * MIN).toISOString());

    // The edge clears the diagnosis: the alarm stays until the condition has been gone 5 minutes.
    await f.store.write([diagnosis("T01", real, 2, 0)]);
    const lastSeen = now;
    now = lastSeen + MIN;
    await f.app.service.evaluator.evaluate();
    expect((await alarm()).alarm.state).toBe("active");
    now = lastSeen + 5 * MIN;
    await f.app.service.evaluator.evaluate();
    const cleared = await alarm();
    expect(cleared.alarm).toMatchObject({
      state: "cleared",
      clearedAt: new Date(lastSeen + 5 * MIN).toISOString(),
    });
    expect(cleared.events.map((e: { kind: string; at: string }) => [e.kind, e.at])).toEqual([
      ["raised", new Date(t0).toISOString()],
      ["escalated", new Date(t0 + 30 * MIN).toISOString()],
      ["cleared", new Date(lastSeen + 5 * MIN).toISOString()],
    ]);
    const clearedList = await f.app.inject({
      url: "/api/v1/alarms?state=cleared",
      headers: f.auth(f.tokens.north),
    });
    expect(clearedList.json().alarms.map((a: { id: string }) => a.id)).toEqual([
      "T01:main_bearing:bearing_outer_race:1",
    ]);

    // It returns: occurrence 2, a fresh response time.
    now += MIN;
    await f.store.write([diagnosis("T01", real + 1000, 2)]);
    await f.app.service.evaluator.evaluate();
    expect((await alarm()).alarm).toMatchObject({
      id: "T01:main_bearing:bearing_outer_race:2",
      state: "active",
      escalatedAt: null,
      responseDueAt: new Date(now + 30 * MIN).toISOString(),
    });
  });
});

describe.each(metadataKinds())("live alarm feed, SSE over HTTP (%s metadata)", (kind) => {
  const metadata = suiteMetadata(kind);
  let f: CentralFixture;
  let base: string;
  beforeAll(async () => {
    f = await makeCentralFixture({
      metadata: await metadata(),
      config: { alarms: { evaluateEveryMs: 0 } },
    });
    base = await f.app.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => f.close());

  /** Reads SSE messages until `count` alarm events arrived or the time is up. */
  async function listen(
    token: string,
    count: number,
    timeoutMs: number,
    headers: Record<string, string> = {},
    opened: () => void = () => {},
  ) {
    const controller = new AbortController();
    const res = await fetch(`${base}/api/v1/alarms/stream`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    opened(); // subscribed: the stream's position is taken before its answer starts
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events: {
      id: string;
      data: { event: { kind: string; company: string }; alarm: { asset: string } };
    }[] = [];
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      while (events.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut = buffer.indexOf("\n\n");
        // At most `count`: one read may carry later events too (the next listen() replays those).
        while (cut >= 0 && events.length < count) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id && data && /^event: alarm$/m.test(block)) events.push({ id, data: JSON.parse(data) });
          cut = buffer.indexOf("\n\n");
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    return events;
  }

  it("pushes each change to the companies that may see it, and replays after Last-Event-ID", async () => {
    expect((await fetch(`${base}/api/v1/alarms/stream`)).status).toBe(401);
    expect(
      (
        await fetch(`${base}/api/v1/alarms/stream`, {
          headers: { authorization: `Bearer ${f.tokens.agentWf1}` },
        })
      ).status,
    ).toBe(403);
    const open: Promise<void>[] = [];
    const opening = () => {
      let done!: () => void;
      open.push(new Promise<void>((resolve) => (done = resolve)));
      return done;
    };
    const north = listen(f.tokens.north, 2, 8000, {}, opening());
    const south = listen(f.tokens.south, 1, 3000, {}, opening());
    const admin = listen(f.tokens.admin, 3, 8000, {}, opening());
    await Promise.all(open); // the streams are open
    await f.store.write([diagnosis("T01", Date.now() - 1000, 2), diagnosis("T03", Date.now() - 1000, 1)]);
    await f.app.service.evaluator.evaluate();
    const acked = await f.app.inject({
      method: "POST",
      url: "/api/v1/alarms/T01:main_bearing:bearing_outer_race/ack",
      headers: f.auth(f.tokens.north),
      payload: { comment: "seen" },
    });
    expect(acked.statusCode).toBe(200);
    const [n, s, a] = await Promise.all([north, south, admin]);
    expect(n.map((e) => [e.data.alarm.asset, e.data.event.kind])).toEqual([
      ["T01", "raised"],
      ["T03", "raised"],
    ]);
    expect(s).toEqual([]); // sc-south maintains neither turbine
    expect(a.map((e) => e.data.event.kind)).toEqual(["raised", "raised", "acknowledged"]);
    // A reconnect with the last id it saw gets what it missed.
    const replay = await listen(f.tokens.north, 1, 3000, { "last-event-id": n[1]!.id });
    expect(replay.map((e) => e.data.event.kind)).toEqual(["acknowledged"]);
  });
});
