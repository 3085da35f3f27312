// Comfort is watched, not assumed: a school's schedule, run by the real
// agent on the facility simulator's building controller, and the indoor
// temperature the agent reads from it, judged by central against the
// classroom's band (SanPiN 1.2.3685-21 table 5.34, 18–24 °C) during the
// occupied hours of that schedule. In band: no alarm. Too cold while the
// schedule says nobody is there: no alarm. A setback reaching into the
// occupied hours that drives the room below 18 °C: exactly one `comfort`
// alarm, through the alarm filter (kind `comfort`), not one per reading.
//
// The simulated building's clock runs 60 times faster than the wall clock
// and its time constant is one hour, so a room cools in seconds; the agent,
// central and the schedule run on the wall clock (entries cover every day
// and hour, so what is occupied does not depend on when the test runs).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CONTROL_POINTS } from "../cli/demo-fleet.ts";
import type { Schedule } from "../common/control.ts";
import type { FacilitySim } from "../simulators/facility/index.ts";
import type { TestCentral } from "./helpers/central.ts";
import { FIXTURE_FLEET } from "./helpers/central-fixture.ts";
import { type ControlWorld, fastRoom, startControlWorld } from "./helpers/control-world.ts";
import { waitFor } from "./helpers/until.ts";

const ASSET = "S01";
const SITE = "fac-s01";
const ON_DELAY_MS = 3000;

const ALL_DAY = { days: [1, 2, 3, 4, 5, 6, 7], from: "00:00", to: "24:00" };
/** Heating at `setpointC` all day; the room occupied all day (lighting's entry) or never. */
const schedule = (setpointC: number, occupied: boolean): Schedule => ({
  timeZone: "Europe/Moscow",
  points: [
    { point: "heating_setpoint_c", entries: [], otherwise: setpointC },
    { point: "lighting", entries: occupied ? [{ ...ALL_DAY, value: 1 }] : [], otherwise: 0 },
  ],
  exceptions: [],
});

describe("comfort: a room out of its band during occupied hours raises one alarm", () => {
  let world: ControlWorld;
  let c: TestCentral;
  let sim: FacilitySim;
  let api: ControlWorld["api"];
  const comfortAlarms = async () =>
    (await api(c.tokens.admin, "GET", `/api/v1/alarms?asset=${ASSET}&fault=comfort&state=all`)).body
      .alarms as { asset: string; point: string; fault: string; severity: string; state: string }[];
  /** Indoor temperatures central has stored since `fromMs` (what the agent read from the controller). */
  const storedIndoor = async (fromMs: number): Promise<number[]> => {
    const r = await c.central.store.query({
      measurement: "scada",
      field: "indoor_temp_c",
      tags: { asset: ASSET },
      fromMs,
      toMs: Date.now() + 1,
    });
    if (r.kind !== "success") throw new Error(r.message);
    return (r.value[0]?.points ?? []).map((p) => p.value);
  };
  const putSchedule = async (s: Schedule) =>
    expect((await api(c.tokens.energy, "PUT", `/api/v1/control/schedules/${ASSET}`, s)).status).toBe(200);
  const indoorC = () => sim.truth().building!.indoorC;
  /** Lets the filter see a steady state for longer than its on-delay, then evaluates. */
  const settle = async () => {
    await new Promise((r) => setTimeout(r, ON_DELAY_MS + 2000));
    await c.central.app.service.evaluator.evaluate();
  };

  beforeAll(async () => {
    world = await startControlWorld({
      asset: ASSET,
      kind: "school",
      central: {
        sites: [
          ...FIXTURE_FLEET.sites,
          { id: SITE, name: "School 1", kind: "facility", tenant: "region", timezone: "Europe/Moscow" },
        ],
        assets: [
          ...FIXTURE_FLEET.assets,
          {
            id: ASSET,
            name: "School 1",
            kind: "school",
            site: SITE,
            tenant: "region",
            points: DEMO_CONTROL_POINTS.map((id) => ({ id })),
          },
        ],
        alarms: { evaluateEveryMs: 500, byKind: { comfort: { onDelayMs: ON_DELAY_MS, offDelayMs: 0 } } },
      },
      ...fastRoom(3),
      limits: { maxRatePerMinute: 600, minWriteIntervalMs: 100 },
      log: (line) => process.env.COMFORT_LOG && console.log(line),
    });
    ({ c, sim, api } = world);
  }, 90_000);
  afterAll(async () => world?.stop());

  it("the default bands are the sanitary norms' (SanPiN 1.2.3685-21 tables 5.34 and 5.30)", () => {
    expect(c.config.comfort.bands.classroom).toEqual({ minC: 18, maxC: 24 });
    expect(c.config.comfort.bands.ward).toEqual({ minC: 20, maxC: 26 });
    expect(c.config.comfort.roomTypeOfKind.school).toBe("classroom");
  });

  it("in band while occupied: none", async () => {
    await putSchedule(schedule(21, true));
    await waitFor(
      () => sim.truth().registers.heating_setpoint_c ?? 0,
      (v) => Math.abs(v - 21) < 1e-3,
    );
    const from = Date.now();
    await settle();
    const seen = await storedIndoor(from);
    expect(seen.length).toBeGreaterThan(2);
    for (const t of seen) expect(t).toBeGreaterThanOrEqual(18);
    expect(await comfortAlarms()).toEqual([]);
  }, 60_000);

  it("below band while the schedule says nobody is there: none", async () => {
    await putSchedule(schedule(12, false));
    const cold = await waitFor(indoorC, (t) => t < 17);
    expect(cold).toBeLessThan(17);
    const from = Date.now();
    await settle();
    const seen = await storedIndoor(from);
    expect(seen.length).toBeGreaterThan(2);
    expect(Math.max(...seen)).toBeLessThan(18);
    expect(await comfortAlarms()).toEqual([]);
  }, 90_000);

  it("a setback reaching into the occupied hours raises exactly one comfort alarm", async () => {
    await putSchedule(schedule(12, true));
    const alarms = await waitFor(comfortAlarms, (a) => a.length > 0, 30_000);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      asset: ASSET,
      point: "indoor_temp_c",
      fault: "comfort",
      state: "active",
    });
    // More readings, more evaluations: still the one occurrence (the filter holds it, nothing chatters).
    const from = Date.now();
    await settle();
    await settle();
    expect((await storedIndoor(from)).every((t) => t < 18)).toBe(true);
    expect(await comfortAlarms()).toHaveLength(1);
  }, 90_000);
});
