// The energy manager's view of the alarm routes, on a real central over
// HTTP: the alarms of its tenant's facilities (a comfort alarm of its
// school) in the list, one alarm's detail and the live feed; a turbine's
// alarm and another tenant's school's never, answered 404 like an unknown
// id so that existence is not revealed. Acting on an alarm (acknowledge,
// assign, comment) stays with admin and the service company: 403.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Condition, ReconcilePolicy } from "../central/maintenance/alarm-book.ts";
import { startTestCentral, type TestCentral } from "./helpers/central.ts";
import { FIXTURE_FLEET } from "./helpers/central-fixture.ts";

const OWN = "S01";
const OTHER = "S02";
const TURBINE = "T01";

const comfort = (asset: string, sinceMs: number): Condition => ({
  asset,
  point: "indoor_temp_c",
  fault: "comfort",
  severity: "warning",
  sinceMs,
  isoZone: null,
  kind: "comfort",
});

describe("the energy manager sees the alarms of its tenant's facilities, and only those", () => {
  let c: TestCentral;
  let cityEnergy: string;
  const api = async (token: string, path: string, method = "GET") => {
    const res = await fetch(`${c.url}${path}`, { method, headers: c.auth(token) });
    // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
    return { status: res.status, body: (await res.json()) as any };
  };
  const policy: ReconcilePolicy = {
    clearAfterMs: 24 * 3_600_000,
    routeOf: (asset) => {
      const a = c.config.assets.find((x) => x.id === asset);
      return a ? { company: a.tenant, site: a.site, responseTimeMs: 3_600_000 } : null;
    },
  };
  const turbineAlarm: Condition = {
    asset: TURBINE,
    point: "main_bearing",
    fault: "overall_vibration",
    severity: "alarm",
    sinceMs: Date.now() - 60_000,
    isoZone: "D",
  };

  beforeAll(async () => {
    const school = (id: string, site: string, tenant: string) => ({
      site: { id: site, name: `School ${id}`, kind: "facility", tenant, timezone: "Europe/Moscow" },
      asset: { id, name: `School ${id}`, kind: "school", site, tenant, points: [] },
    });
    const own = school(OWN, "fac-s01", "region");
    const other = school(OTHER, "fac-s02", "city");
    c = await startTestCentral({
      config: {
        tenants: [...FIXTURE_FLEET.tenants, { id: "city", name: "City education department" }],
        sites: [...FIXTURE_FLEET.sites, own.site, other.site],
        assets: [...FIXTURE_FLEET.assets, own.asset, other.asset],
        // The evaluator's own pass (no data here) would clear these alarms: evaluations far apart.
        alarms: { evaluateEveryMs: 3_600_000 },
      },
    });
    cityEnergy = await c.meta.tokens.create({ role: "energy_manager", tenant: "city", label: "city energy" });
  }, 60_000);
  afterAll(async () => c?.close());

  it("lists, details and streams its school's comfort alarm; never a turbine's or another tenant's", async () => {
    // The live feed first, so the events of the raises below come through it.
    const abort = new AbortController();
    const stream = await fetch(`${c.url}/api/v1/alarms/stream`, {
      headers: c.auth(c.tokens.energy),
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    const { book } = c.central.app.service;
    const now = Date.now();
    // The turbine's and the other tenant's alarms before its own: every event before its own has been
    // served (or withheld) when its own arrives.
    await book.reconcile([turbineAlarm, comfort(OTHER, now - 30_000)], now, policy);
    await book.reconcile(
      [turbineAlarm, comfort(OTHER, now - 30_000), comfort(OWN, now - 30_000)],
      now + 1,
      policy,
    );

    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const deadline = Date.now() + 20_000;
    while (!text.includes(`"asset":"${OWN}"`) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    abort.abort();
    expect(text).toContain(`"asset":"${OWN}"`);
    expect(text).not.toContain(`"asset":"${OTHER}"`);
    expect(text).not.toContain(`"asset":"${TURBINE}"`);

    const list = await api(c.tokens.energy, "/api/v1/alarms?state=all");
    expect(list.status).toBe(200);
    expect(list.body.alarms.map((a: { asset: string; fault: string }) => [a.asset, a.fault])).toEqual([
      [OWN, "comfort"],
    ]);
    expect(list.body.total).toBe(1);
    // Asking by asset for what it does not see: an empty list, not another's alarms.
    for (const asset of [OTHER, TURBINE]) {
      const r = await api(c.tokens.energy, `/api/v1/alarms?state=all&asset=${asset}`);
      expect(r.body).toEqual({ alarms: [], total: 0 });
    }

    const mine = await api(c.tokens.energy, `/api/v1/alarms/${list.body.alarms[0].id}`);
    expect(mine.status).toBe(200);
    expect(mine.body.alarm).toMatchObject({ asset: OWN, fault: "comfort", state: "active" });
    expect(mine.body.events.length).toBeGreaterThan(0);

    // Another tenant's school and a turbine: 404 by id and by key, as for an id that does not exist.
    const all = (await api(c.tokens.admin, "/api/v1/alarms?state=all")).body.alarms as {
      id: string;
      key: string;
      asset: string;
    }[];
    expect(all.map((a) => a.asset).sort()).toEqual([OWN, OTHER, TURBINE].sort());
    for (const a of all.filter((x) => x.asset !== OWN)) {
      for (const ref of [a.id, a.key]) {
        const r = await api(c.tokens.energy, `/api/v1/alarms/${encodeURIComponent(ref)}`);
        expect(r.status, `${a.asset} ${ref}`).toBe(404);
        expect(r.body.error.code).toBe("NOT_FOUND");
        expect(r.body.alarm).toBeUndefined();
      }
    }
    expect((await api(c.tokens.energy, "/api/v1/alarms/no-such-alarm")).status).toBe(404);

    // The other tenant's energy manager sees its school and not this one.
    const city = await api(cityEnergy, "/api/v1/alarms?state=all");
    expect(city.body.alarms.map((a: { asset: string }) => a.asset)).toEqual([OTHER]);
    // A service company sees its turbine's alarm and no facility's.
    const north = await api(c.tokens.north, "/api/v1/alarms?state=all");
    expect(north.body.alarms.map((a: { asset: string }) => a.asset)).toEqual([TURBINE]);

    // Reading is all: acknowledging stays with admin and the company the alarm is routed to.
    const ack = await api(c.tokens.energy, `/api/v1/alarms/${list.body.alarms[0].id}/ack`, "POST");
    expect(ack.status).toBe(403);
    // Alarm-system health is per operating company: not the energy manager's.
    expect((await api(c.tokens.energy, "/api/v1/alarms/health")).status).toBe(403);
  }, 60_000);
});
