// Control through a real central over real sockets, with a small agent client
// speaking the sync contract (common/control.ts): who sees and commands what,
// the command lifecycle from the agent's reports, the long poll woken by a
// change and ended by a revoked token, expiry of a command an offline agent
// never fetched, schedules with templates and demand limits, the audit log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCentral, type TestCentral } from "./helpers/central.ts";
import { FIXTURE_FLEET } from "./helpers/central-fixture.ts";
import { facilityPoints, TestControlAgent } from "./helpers/control-agent.ts";
import { callJson } from "./helpers/json-api.ts";

describe("control through central", () => {
  let c: TestCentral;
  let agent: TestControlAgent;
  let schoolAgent: TestControlAgent;
  let agentToken: string;
  let northEnergy: string;
  const api = (token: string, method: string, path: string, body?: unknown) =>
    callJson(c, token, method, path, body);
  const command = (token: string, body: Record<string, unknown>) =>
    api(token, "POST", "/api/v1/control/commands", body);
  /** The energy manager's command on the hospital's heating setpoint. */
  const heating = (value: number, reason: string) =>
    command(c.tokens.energy, { asset: "H01", point: "heating_setpoint_c", value, reason });

  beforeAll(async () => {
    c = await startTestCentral({
      config: {
        sites: [
          ...FIXTURE_FLEET.sites,
          {
            id: "fac-s01",
            name: "School 1",
            kind: "facility",
            tenant: "sc-north",
            timezone: "Europe/Moscow",
          },
        ],
        assets: [
          ...FIXTURE_FLEET.assets,
          { id: "S01", name: "School 1", kind: "school", site: "fac-s01", tenant: "sc-north", points: [] },
        ],
      },
    });
    agentToken = await c.meta.tokens.create({ role: "agent", site: "fac-h01", label: "edge h01" });
    agent = new TestControlAgent(c.url, agentToken, facilityPoints("H01", ["hvac_mode"]));
    schoolAgent = new TestControlAgent(
      c.url,
      await c.meta.tokens.create({ role: "agent", site: "fac-s01", label: "edge s01" }),
      facilityPoints("S01"),
    );
    northEnergy = await c.meta.tokens.create({
      role: "energy_manager",
      tenant: "sc-north",
      label: "north energy",
    });
    expect((await agent.sync()).status).toBe(200);
    expect((await schoolAgent.sync()).status).toBe(200);
  });
  afterAll(async () => c?.close());

  it("shows a facility's declared points to its energy manager, the ministry and admin; 404 to another tenant's, 403 to a service company", async () => {
    for (const token of [c.tokens.energy, c.tokens.ministry, c.tokens.admin]) {
      const res = await api(token, "GET", "/api/v1/control/points?asset=H01");
      expect(res.status).toBe(200);
      expect(res.body.points.map((p: { point: string }) => p.point)).toEqual([
        "heating_setpoint_c",
        "hvac_mode",
        "lighting",
      ]);
      expect(res.body.points[0]).toMatchObject({
        asset: "H01",
        unit: "degC",
        min: 12,
        max: 26,
        critical: false,
      });
      expect(res.body.points[1]).toMatchObject({ critical: true });
    }
    expect((await api(northEnergy, "GET", "/api/v1/control/points?asset=H01")).status).toBe(404);
    expect((await api(c.tokens.north, "GET", "/api/v1/control/points?asset=H01")).status).toBe(403);
    // Without asset: every facility the caller sees, and only those.
    const own = await api(c.tokens.energy, "GET", "/api/v1/control/points");
    expect(own.body.facilities.map((f: { id: string }) => f.id)).toEqual(["H01"]);
    const north = await api(northEnergy, "GET", "/api/v1/control/points");
    expect(north.body.facilities.map((f: { id: string }) => f.id)).toEqual(["S01"]);
    expect(north.body.points.every((p: { asset: string }) => p.asset === "S01")).toBe(true);
    const ministry = await api(c.tokens.ministry, "GET", "/api/v1/control/points");
    expect(ministry.body.facilities.map((f: { id: string }) => f.id).sort()).toEqual(["H01", "S01"]);
    // A turbine is no facility.
    expect((await api(c.tokens.admin, "GET", "/api/v1/control/points?asset=T01")).status).toBe(404);
  });

  it("takes a command through requested → delivered → applied → confirmed from the agent's reports", async () => {
    const posted = await heating(19.5, "night setback trial");
    expect(posted.status).toBe(202);
    const id = posted.body.command.id as string;
    expect(posted.body.command).toMatchObject({
      asset: "H01",
      point: "heating_setpoint_c",
      value: 19.5,
      state: "requested",
    });

    const answer = await agent.sync();
    expect(answer.status).toBe(200);
    expect(answer.body.commands).toEqual([
      expect.objectContaining({
        id,
        asset: "H01",
        point: "heating_setpoint_c",
        value: 19.5,
        requestedBy: "region energy",
      }),
    ]);
    expect((await api(c.tokens.energy, "GET", `/api/v1/control/commands/${id}`)).body.command.state).toBe(
      "delivered",
    );

    const t = Date.now();
    await agent.sync({
      reports: [
        // Out of order and repeated: the lifecycle only moves forward.
        { id, state: "confirmed", at: t + 20, actual: 19.5 },
        { id, state: "applied", at: t + 10 },
        { id, state: "applied", at: t + 10 },
      ],
      states: [
        {
          asset: "H01",
          point: "heating_setpoint_c",
          effective: { value: 19.5, holder: id, priority: "operator" },
          actual: 19.5,
          at: t + 20,
        },
      ],
    });
    const after = (await api(c.tokens.ministry, "GET", `/api/v1/control/commands/${id}`)).body.command;
    expect(after.state).toBe("confirmed");
    expect(after.actual).toBe(19.5);
    expect(after.history.map((h: { state: string }) => h.state)).toEqual([
      "requested",
      "delivered",
      "applied",
      "confirmed",
    ]);
    // A late report of an earlier step changes nothing; nor do the same reports sent again in a later sync
    // (an agent whose record of having sent them a power cut took makes and sends them again).
    await agent.sync({ reports: [{ id, state: "delivered", at: t + 30 }] });
    await agent.sync({
      reports: [
        { id, state: "applied", at: t + 40 },
        { id, state: "confirmed", at: t + 40, actual: 19.5 },
      ],
    });
    const again = (await api(c.tokens.admin, "GET", `/api/v1/control/commands/${id}`)).body.command;
    expect(again.state).toBe("confirmed");
    expect(again.history).toEqual(after.history);

    const point = (await api(c.tokens.energy, "GET", "/api/v1/control/points?asset=H01")).body.points[0];
    expect(point).toMatchObject({
      commanded: { id, value: 19.5, state: "confirmed" },
      effective: { value: 19.5, holder: id, priority: "operator" },
      actual: 19.5,
    });
    const list = await api(c.tokens.ministry, "GET", "/api/v1/control/commands?asset=H01");
    expect(list.body.commands.some((x: { id: string }) => x.id === id)).toBe(true);

    // Relinquish: the command leaves the desired state, the next level acts at the edge.
    const rel = await api(c.tokens.energy, "DELETE", `/api/v1/control/commands/${id}`);
    expect(rel.status).toBe(200);
    expect(rel.body.command.state).toBe("relinquished");
    expect((await agent.sync()).body.commands.map((x) => x.id)).not.toContain(id);
  });

  it("holds the agent's poll until a change of its site, and answers at once when one comes", async () => {
    await agent.sync();
    const waiting = agent.sync({ waitMs: 20_000 });
    // Another site's change does not wake it.
    await new Promise((r) => setTimeout(r, 300));
    expect(
      (await command(northEnergy, { asset: "S01", point: "lighting", value: 0, reason: "closed" })).status,
    ).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    const posted = Date.now();
    const res = await command(c.tokens.admin, { asset: "H01", point: "lighting", value: 0, reason: "test" });
    expect(res.status).toBe(202);
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeGreaterThan(500);
    expect(Date.now() - posted).toBeLessThan(1000);
    expect(answer.body.commands.map((x) => x.id)).toContain(res.body.command.id);
    expect(answer.body.commands.every((x) => x.asset === "H01")).toBe(true);
    // An idle wait ends at waitMs with the same revision.
    const idle = await agent.sync({ waitMs: 400 });
    expect(idle.status).toBe(200);
    expect(idle.elapsedMs).toBeGreaterThanOrEqual(380);
  });

  it("replaces the operator's earlier command on the same point (one operator level per point)", async () => {
    const first = await heating(20, "a");
    const second = await heating(21, "b");
    const old = (await api(c.tokens.energy, "GET", `/api/v1/control/commands/${first.body.command.id}`)).body
      .command;
    expect(old).toMatchObject({
      state: "relinquished",
      stateReason: `superseded by ${second.body.command.id}`,
    });
    const desired = (await agent.sync()).body.commands.filter((x) => x.point === "heating_setpoint_c");
    expect(desired.map((x) => x.value)).toEqual([21]);
  });

  it("expires a command the offline agent never fetched at its until", async () => {
    const until = Date.now() + 1200;
    const res = await command(northEnergy, {
      asset: "S01",
      point: "heating_setpoint_c",
      value: 18,
      until,
      reason: "short",
    });
    expect(res.status).toBe(202);
    expect(res.body.command.until).toBe(new Date(until).toISOString());
    await new Promise((r) => setTimeout(r, 2500));
    const after = (await api(northEnergy, "GET", `/api/v1/control/commands/${res.body.command.id}`)).body
      .command;
    expect(after.state).toBe("expired");
    expect(after.history.map((h: { state: string }) => h.state)).toEqual(["requested", "expired"]);
    expect((await schoolAgent.sync()).body.commands.map((x) => x.id)).not.toContain(res.body.command.id);
  });

  it("takes the agent's word for its own site only: another site's assets refused, another site's commands ignored", async () => {
    const foreign = await command(c.tokens.admin, { asset: "S01", point: "lighting", value: 1, reason: "x" });
    const id = foreign.body.command.id as string;
    const lying = await agent.sync({ reports: [{ id, state: "failed", at: Date.now(), reason: "forged" }] });
    expect(lying.status).toBe(200);
    expect((await api(c.tokens.admin, "GET", `/api/v1/control/commands/${id}`)).body.command.state).toBe(
      "requested",
    );
    const smuggled = new TestControlAgent(c.url, agentToken, [
      ...facilityPoints("H01"),
      ...facilityPoints("S01"),
    ]);
    const res = await smuggled.sync();
    expect(res.status).toBe(403);
    expect(res.body.error?.message).toMatch(/declarations\[3\]\.asset: "S01"/);
    const state = await agent.sync({
      states: [
        {
          asset: "T01",
          point: "lighting",
          effective: { value: 1, holder: "x", priority: "schedule" },
          at: 1,
        },
      ],
    });
    expect(state.status).toBe(403);
    // The school's declarations are untouched by the refused request.
    expect((await api(c.tokens.admin, "GET", "/api/v1/control/points?asset=S01")).body.points).toHaveLength(
      3,
    );
  });

  it("refuses what the edge declared impossible: out of range, unknown point, critical without override, until in the past", async () => {
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [
        { asset: "H01", point: "heating_setpoint_c", value: 40, reason: "r" },
        400,
        /outside heating_setpoint_c's range 12…26/,
      ],
      [{ asset: "H01", point: "heating_setpoint_c", value: 1e308, reason: "r" }, 400, /outside/],
      [{ asset: "H01", point: "heating_setpoint_c", value: -1e308, reason: "r" }, 400, /outside/],
      [{ asset: "H01", point: "heating_setpoint_c", value: "NaN", reason: "r" }, 400, /body\.value/],
      [{ asset: "H01", point: "heating_setpoint_c", value: "1e400", reason: "r" }, 400, /body\.value/],
      [{ asset: "H01", point: "lighting", value: 0.5, reason: "r" }, 400, /not a state of lighting/],
      [{ asset: "H01", point: "steam_valve", value: 1, reason: "r" }, 400, /not a controllable point of H01/],
      [{ asset: "H01", point: "../x", value: 1, reason: "r" }, 400, /body\.point/],
      [{ asset: "NOPE", point: "lighting", value: 1, reason: "r" }, 404, /No facility NOPE/],
      [{ asset: "H01", point: "hvac_mode", value: 0, reason: "r" }, 400, /critical/],
      [
        { asset: "H01", point: "lighting", value: 1, reason: "r", until: Date.now() - 1000 },
        400,
        /until: in the past/,
      ],
      [{ asset: "H01", point: "lighting", value: 1, reason: "r", until: "yesterday" }, 400, /until/],
      [
        { asset: "H01", point: "lighting", value: 1, reason: "r", until: "+275760-09-13T00:00:00Z" },
        400,
        /until/,
      ],
      [{ asset: "H01", point: "lighting", value: 1, reason: "" }, 400, /body\.reason/],
      [{ asset: "H01", point: "lighting", value: 1 }, 400, /reason: required/],
      [
        { asset: "H01", point: "lighting", value: 1, reason: "r", priority: "safety" },
        400,
        /priority: unknown key/,
      ],
    ];
    for (const [body, status, message] of cases) {
      const res = await command(c.tokens.energy, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect(
      (
        await command(c.tokens.energy, {
          asset: "H01",
          point: "hvac_mode",
          value: 0,
          reason: "r",
          override: true,
        })
      ).status,
    ).toBe(202);
    // Not JSON at all, and a body that is a number.
    expect((await api(c.tokens.energy, "POST", "/api/v1/control/commands", "{not json")).status).toBe(400);
    expect((await api(c.tokens.energy, "POST", "/api/v1/control/commands", "12")).status).toBe(400);
    // A command id that is not one: 404, never 500.
    expect((await api(c.tokens.energy, "GET", "/api/v1/control/commands/nope")).status).toBe(404);
    expect((await api(c.tokens.energy, "DELETE", "/api/v1/control/commands/%2E%2E")).status).toBe(404);
    expect((await api(c.tokens.energy, "DELETE", "/api/v1/control/commands/a%2Fb")).status).toBe(400);
  });

  it("refuses a hostile sync whole, with a 4xx naming the key, and stores nothing of it", async () => {
    const raw = (body: unknown) =>
      fetch(`${c.url}/api/v1/control/agent/sync`, {
        method: "POST",
        headers: { ...c.auth(agentToken), "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: { message: string } } }));
    const ok = {
      revision: 0,
      waitMs: 0,
      declarations: facilityPoints("H01", ["hvac_mode"]),
      reports: [],
      states: [],
      events: [],
    };
    const [heating] = facilityPoints("H01");
    const cases: [unknown, number, RegExp][] = [
      [{ ...ok, declarations: [{ ...heating, min: 30, max: 10 }] }, 400, /min: greater than max/],
      [{ ...ok, declarations: [{ ...heating, failSafe: 99 }] }, 400, /failSafe: outside/],
      [{ ...ok, declarations: [heating, heating] }, 400, /declared twice/],
      [{ ...ok, declarations: [{ ...heating, min: "NaN" }] }, 400, /min/],
      [{ ...ok, declarations: [{ ...heating, point: "Heating Setpoint" }] }, 400, /point/],
      [{ ...ok, revision: -1 }, 400, /revision/],
      [{ ...ok, waitMs: 10 ** 9 }, 400, /waitMs/],
      [{ ...ok, extra: 1 }, 400, /extra: unknown key/],
      [{ ...ok, reports: [{ id: "x", state: "exploded", at: 1 }] }, 400, /state/],
      [
        {
          ...ok,
          states: [
            {
              asset: "H01",
              point: "lighting",
              effective: { value: 1, holder: "x", priority: "schedule" },
              at: Date.now() + 3 * 86_400_000,
            },
          ],
        },
        400,
        /states\[0\]\.at: more than a day in the future/,
      ],
      [
        {
          ...ok,
          events: Array.from({ length: 10_001 }, () => ({ asset: "H01", point: "x", kind: "shed", at: 1 })),
        },
        400,
        /events/,
      ],
      ["[]", 400, /body/],
    ];
    for (const [body, status, message] of cases) {
      const res = await raw(body);
      expect(res.status, String(message)).toBe(status);
      expect(res.body.error.message).toMatch(message);
    }
    // Nothing of the refused requests was stored: the declared points are the agent's three.
    const points = (await api(c.tokens.admin, "GET", "/api/v1/control/points?asset=H01")).body.points;
    expect(points.map((p: { point: string; min: number }) => [p.point, p.min])).toEqual([
      ["heating_setpoint_c", 12],
      ["hvac_mode", 0],
      ["lighting", 0],
    ]);
    // An energy manager's token needs a tenant the fleet knows.
    const noTenant = await api(c.tokens.admin, "POST", "/api/v1/tokens", {
      role: "energy_manager",
      label: "x",
    });
    expect(noTenant.status).toBe(400);
    expect(noTenant.body.error.message).toMatch(/tenant: required for energy_manager/);
  });

  it("assigns a schedule from its kind's template and a demand limit; refuses critical points, bad times and a 10 MB body", async () => {
    const got = await api(c.tokens.energy, "GET", "/api/v1/control/schedules/H01");
    expect(got.status).toBe(200);
    expect(got.body.schedule).toBeNull();
    // The hospital template: lighting of the administrative zones only, the Labour Code's holidays.
    expect(got.body.template.points.map((p: { point: string }) => p.point)).toEqual(["lighting"]);
    expect(got.body.template.exceptions.some((x: { name: string }) => /Новогодние/.test(x.name))).toBe(true);
    const schedule = {
      ...got.body.template,
      points: [
        ...got.body.template.points,
        {
          point: "heating_setpoint_c",
          entries: [{ days: [1, 2, 3, 4, 5], from: "07:00", to: "19:00", value: 21 }],
          otherwise: 18,
        },
      ],
      effectiveFrom: Date.now(),
    };
    const before = await agent.sync();
    const put = await api(c.tokens.energy, "PUT", "/api/v1/control/schedules/H01", schedule);
    expect(put.status).toBe(200);
    expect(put.body.updatedBy).toBe("region energy");
    const desired = await agent.sync();
    expect(desired.body.revision).toBeGreaterThan(before.body.revision);
    expect(desired.body.schedules.H01?.points.map((p) => p.point)).toEqual([
      "lighting",
      "heating_setpoint_c",
    ]);
    expect(
      (await api(c.tokens.ministry, "GET", "/api/v1/control/schedules/H01")).body.schedule.points,
    ).toHaveLength(2);

    const bad: [unknown, RegExp][] = [
      [
        { ...schedule, points: [{ point: "hvac_mode", entries: [], otherwise: 1 }] },
        /critical: never scheduled/,
      ],
      [{ ...schedule, points: [{ point: "heating_setpoint_c", entries: [], otherwise: 99 }] }, /outside/],
      [
        {
          ...schedule,
          points: [
            {
              point: "heating_setpoint_c",
              entries: [{ days: [1], from: "19:00", to: "07:00", value: 20 }],
              otherwise: 18,
            },
          ],
        },
        /from must be before to/,
      ],
      [
        {
          ...schedule,
          points: [
            {
              point: "heating_setpoint_c",
              entries: [{ days: [8], from: "07:00", to: "19:00", value: 20 }],
              otherwise: 18,
            },
          ],
        },
        /days/,
      ],
      [{ ...schedule, timeZone: "Mars/Olympus" }, /not an IANA time zone/],
      [
        { ...schedule, exceptions: [{ from: "2026-02-30", to: "2026-03-01", name: "x" }] },
        /not a calendar date/,
      ],
      [{ ...schedule, exceptions: [{ from: "2026-03-02", to: "2026-03-01", name: "x" }] }, /from after to/],
    ];
    for (const [body, message] of bad) {
      const res = await api(c.tokens.energy, "PUT", "/api/v1/control/schedules/H01", body);
      expect(res.status, String(message)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    const huge = {
      ...schedule,
      exceptions: [{ from: "2026-01-01", to: "2026-01-02", name: "x".repeat(10 * 1024 * 1024) }],
    };
    expect((await api(c.tokens.energy, "PUT", "/api/v1/control/schedules/H01", huge)).status).toBe(413);
    expect((await api(northEnergy, "PUT", "/api/v1/control/schedules/H01", schedule)).status).toBe(404);
    expect((await api(c.tokens.ministry, "PUT", "/api/v1/control/schedules/H01", schedule)).status).toBe(403);

    const limit = {
      limitKw: 250,
      intervalMinutes: 15,
      restoreBelowFraction: 0.1,
      sheds: [{ point: "lighting", shedValue: 0 }],
    };
    expect((await api(c.tokens.energy, "GET", "/api/v1/control/limits/H01")).body.limit).toBeNull();
    const putLimit = await api(c.tokens.energy, "PUT", "/api/v1/control/limits/H01", limit);
    expect(putLimit.status).toBe(200);
    expect((await agent.sync()).body.limits.H01).toEqual(limit);
    const badLimits: [unknown, RegExp][] = [
      [{ ...limit, sheds: [{ point: "hvac_mode", shedValue: 0 }] }, /critical/],
      [{ ...limit, limitKw: 0 }, /limitKw/],
      [{ ...limit, limitKw: 1e12 }, /limitKw/],
      [{ ...limit, intervalMinutes: 7 }, /intervalMinutes/],
      [
        {
          ...limit,
          sheds: [
            { point: "lighting", shedValue: 0 },
            { point: "lighting", shedValue: 0 },
          ],
        },
        /twice/,
      ],
    ];
    for (const [body, message] of badLimits) {
      const res = await api(c.tokens.energy, "PUT", "/api/v1/control/limits/H01", body);
      expect(res.status, String(message)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
  });

  it("writes every command, relinquish, schedule and limit change to the audit log with what was set", async () => {
    const audit = (await api(c.tokens.admin, "GET", "/api/v1/audit?limit=500")).body.entries as {
      action: string;
      target: string;
      actor: string;
      detail: string;
    }[];
    const actions = new Set(audit.map((e) => e.action));
    for (const a of ["control.command", "control.relinquish", "control.schedule", "control.limit"])
      expect(actions).toContain(a);
    const cmd = audit.find((e) => e.action === "control.command" && e.target === "H01/heating_setpoint_c");
    expect(cmd?.actor).toBe("region energy");
    expect(JSON.parse(cmd!.detail)).toHaveProperty("value");
    expect(actions).toContain("POST /api/v1/control/commands");
    // The agents' polls are not audit entries.
    expect(actions).not.toContain("POST /api/v1/control/agent/sync");
  });

  it("stores the edge's events once, however often they are re-sent, and serves them as history", async () => {
    const at = Date.now() - 5000;
    const events = [
      {
        asset: "H01",
        point: "lighting",
        kind: "shed" as const,
        at,
        value: 0,
        detail: "forecast 262 kW > 250 kW",
      },
      { asset: "H01", point: "lighting", kind: "restore" as const, at: at + 1000, value: 1 },
    ];
    await agent.sync({ events });
    await agent.sync({ events });
    const res = await api(c.tokens.ministry, "GET", "/api/v1/control/events?asset=H01");
    expect(
      res.body.events
        .filter((e: { at: string }) => Date.parse(e.at) >= at)
        .map((e: { kind: string }) => e.kind),
    ).toEqual(["restore", "shed"]);
    expect((await api(c.tokens.north, "GET", "/api/v1/control/events?asset=H01")).status).toBe(403);
  });

  it("ends a waiting poll at once when the agent's token is revoked, and refuses the next one", async () => {
    const token = await c.meta.tokens.create({ role: "agent", site: "fac-h01", label: "to revoke" });
    const doomed = new TestControlAgent(c.url, token, facilityPoints("H01", ["hvac_mode"]));
    await doomed.sync();
    const waiting = doomed.sync({ waitMs: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    const revokedAt = Date.now();
    expect(
      (await api(c.tokens.admin, "DELETE", `/api/v1/tokens/${await c.meta.tokens.idOf(token)}`)).status,
    ).toBe(200);
    const answer = await waiting;
    expect(answer.status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect((await doomed.sync()).status).toBe(401);
  });

  it("answers waiting polls when central stops, so a shutdown is not held for their wait", async () => {
    const own = await startTestCentral();
    try {
      const token = await own.meta.tokens.create({ role: "agent", site: "fac-h01", label: "h01" });
      const a = new TestControlAgent(own.url, token, facilityPoints("H01"));
      await a.sync();
      const waiting = a.sync({ waitMs: 30_000 }).catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 300));
      const stopping = Date.now();
      await own.close();
      await waiting;
      expect(Date.now() - stopping).toBeLessThan(5000);
    } finally {
      await own.close().catch(() => undefined);
    }
  });
});
