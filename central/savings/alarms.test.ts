// Facility anomaly alarms: detectors on simulator history with injected
// anomalies, and their way out through GET /api/v1/alarms.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hourlyHistory } from "../../simulators/facility/model.ts";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import { detectFacilityAnomalies } from "./alarms.ts";
import { historyPoints, writeAll } from "./backfill.ts";
import { fitHourly } from "./hourly.ts";
import { fixedOffset, HOUR_MS, type HourlyData } from "./series.ts";

const offsetOf = fixedOffset(3);
const toData = (rows: { timestamp: string; kwh: number; temp_c: number }[]): HourlyData => ({
  startMs: Date.parse(rows[0]!.timestamp),
  kwh: Float64Array.from(rows.map((r) => r.kwh)),
  tempC: Float64Array.from(rows.map((r) => r.temp_c)),
});

describe("facility anomaly detectors", () => {
  const baseline = hourlyHistory({
    kind: "school",
    from: new Date("2025-01-01T00:00:00Z"),
    to: new Date("2026-01-01T00:00:00Z"),
    seed: 3,
  });
  const model = fitHourly(toData(baseline), offsetOf)!;
  // A Wednesday in March (school open), 24 hours ending at 2026-03-12T00:00Z.
  const day = hourlyHistory({
    kind: "school",
    from: new Date("2026-03-11T00:00:00Z"),
    to: new Date("2026-03-12T00:00:00Z"),
    seed: 3,
  });

  it("a normal day raises nothing", () => {
    expect(detectFacilityAnomalies({ recent: toData(day), model, offsetOf })).toEqual([]);
  });

  it("night load doubled → after_hours_load from the first such hour", () => {
    // 20:00–23:00 UTC = 23:00–02:00 local: the school is closed.
    const rows = day.map((r, i) => (i >= 20 ? { ...r, kwh: r.kwh * 2 } : r));
    const d = detectFacilityAnomalies({ recent: toData(rows), model, offsetOf });
    expect(d.map((x) => x.fault)).toEqual(["after_hours_load"]);
    expect(d[0]!.sinceMs).toBe(Date.parse("2026-03-11T20:00:00Z"));
  });

  it("the whole day 40 % up at the same weather → consumption_jump", () => {
    const d = detectFacilityAnomalies({
      recent: toData(day.map((r) => ({ ...r, kwh: r.kwh * 1.4 }))),
      model,
      offsetOf,
    });
    expect(d.map((x) => x.fault)).toContain("consumption_jump");
  });

  it("last two hours missing → meter_missing; above the contracted peak → demand alarm; frozen register", () => {
    const gap = toData(day);
    gap.kwh[22] = Number.NaN;
    gap.kwh[23] = Number.NaN;
    const peak = Math.max(...day.map((r) => r.kwh));
    const d = detectFacilityAnomalies({
      recent: gap,
      model,
      offsetOf,
      contractedPeakKw: peak - 1,
      latestPowerKw: { ts: gap.startMs + 23 * HOUR_MS, value: 30 },
      registerFlat2h: true,
    });
    expect(d.map((x) => [x.fault, x.severity])).toEqual([
      ["meter_missing", "warning"],
      ["meter_frozen", "warning"],
      ["demand_above_contract", "alarm"],
    ]);
    expect(d[0]!.sinceMs).toBe(gap.startMs + 22 * HOUR_MS);
  });
});

describe("facility alarms through GET /api/v1/alarms", () => {
  let fx: CentralFixture;
  beforeAll(async () => {
    fx = await makeCentralFixture();
    const now = Date.now();
    const end = Math.floor(now / HOUR_MS) * HOUR_MS;
    // A year of hospital history ending 3 hours ago: the meter has gone quiet.
    const rows = hourlyHistory({
      kind: "hospital",
      from: new Date(end - 365 * 24 * HOUR_MS),
      to: new Date(end - 3 * HOUR_MS),
      seed: 9,
    });
    expect((await writeAll(fx.store, historyPoints("H01", "fac-h01", rows))).kind).toBe("success");
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  it("lists meter_missing for the hospital beside the ISO-zone alarms, to admin and ministry, not to a turbine company", async () => {
    // The history went into the store directly, not through ingest: evaluate now rather than at the next period.
    expect((await fx.app.service.evaluator.evaluate()).kind).toBe("success");
    const res = await fx.app.inject({ url: "/api/v1/alarms", headers: fx.auth(fx.tokens.ministry) });
    expect(res.statusCode).toBe(200);
    const alarms = (
      res.json() as { alarms: { key: string; asset: string; fault: string; isoZone: unknown }[] }
    ).alarms;
    const missing = alarms.find((a) => a.key === "H01:meter:meter_missing");
    expect(missing).toMatchObject({ asset: "H01", fault: "meter_missing", isoZone: null });
    const north = await fx.app.inject({ url: "/api/v1/alarms", headers: fx.auth(fx.tokens.north) });
    expect((north.json() as { alarms: { asset: string }[] }).alarms.some((a) => a.asset === "H01")).toBe(
      false,
    );
    const ack = await fx.app.inject({
      method: "POST",
      url: "/api/v1/alarms/H01:meter:meter_missing/ack",
      headers: fx.auth(fx.tokens.admin),
    });
    expect(ack.statusCode).toBe(200);
  });
});
