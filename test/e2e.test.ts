// End to end over loopback with every part real: a turbine simulator (OPC UA
// + Modbus TCP servers) and a hospital meter (Modbus TCP) → one edge agent
// per site (disk queue, gzip uplink) → central (auth, validation) → the
// store, once embedded (SQLite) and once a throwaway InfluxDB. The
// simulators' SCADA and meter clocks are frozen and waveform blocks are
// published by hand, so the test knows exactly what the devices served.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseCentralConfig } from "../central/config.ts";
import { type RunningCentral, startCentral } from "../central/server.ts";
import type { Series } from "../central/stores/types.ts";
import { facilitySources, turbineSources } from "../cli/demo-fleet.ts";
import { type TurbinePointId, TurbinePoints } from "../common/names.ts";
import { type RunningAgent, startAgent } from "../edge-agent/agent.ts";
import { parseAgentConfig } from "../edge-agent/config.ts";
import {
  type FacilitySim,
  SDM630_MAP,
  start as startFacility,
  TEMPERATURE_MAP,
} from "../simulators/facility/index.ts";
import { start as startTurbine, type TurbineSim } from "../simulators/turbine/index.ts";
import { simulatedTurbine } from "./helpers/central-fixture.ts";
import { describeEachStore } from "./helpers/each-store.ts";
import { type RunningInfluxd, startInfluxd } from "./helpers/influxd.ts";
import { until } from "./helpers/until.ts";

const POINTS = Object.keys(TurbinePoints) as TurbinePointId[];
const HOUR = 3_600_000;
const FROZEN_MS = Date.UTC(2026, 5, 15, 10, 0, 0); // a June weekday at noon, local time of the model
const BLOCKS_PUBLISHED_BY_HAND = 3;

describeEachStore("devices → edge agent → central → $kind store", (kind) => {
  let influx: RunningInfluxd | undefined;
  let central: RunningCentral;
  let turbine: TurbineSim;
  let facility: FacilitySim;
  let windAgent: RunningAgent;
  let facilityAgent: RunningAgent;
  let dataDir: string;
  let reader: string;
  const servedVelocity: Record<TurbinePointId, number[]> = {
    main_bearing: [],
    gearbox_hss: [],
    generator_de: [],
  };
  let fromMs: number;
  let toMs: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `vetra-e2e-${kind}-`));
    if (kind === "influx") influx = await startInfluxd();
    turbine = await startTurbine({
      assetId: "T02",
      faults: [{ point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 }],
      seed: 11,
      // Frozen: SCADA and blocks change only when the test says so.
      scadaRefreshMs: HOUR,
      waveformRefreshMs: HOUR,
    });
    facility = await startFacility({ assetId: "H01", kind: "hospital", seed: 5, clock: () => FROZEN_MS });
    fromMs = Date.now() - 60_000;
    central = await startCentral(
      parseCentralConfig({
        server: { port: 0 },
        dataDir,
        store: influx ? { kind: "influx", url: influx.url, database: influx.database } : { kind: "embedded" },
        tenants: [
          { id: "sc-a", name: "Service A" },
          { id: "region", name: "Region" },
        ],
        sites: [
          { id: "wf1", name: "Wind farm", kind: "wind_farm" },
          { id: "h01", name: "Hospital", kind: "facility", tenant: "region" },
        ],
        assets: [
          simulatedTurbine("T02", "WTG 2", "sc-a"),
          { id: "H01", name: "Hospital", kind: "hospital", site: "h01", tenant: "region", points: [] },
        ],
      }),
    );
    reader = await central.meta.tokens.create({
      role: "service_company",
      tenant: "sc-a",
      label: "e2e reader",
    });
    const agentConfig = async (site: string, sources: unknown[]) =>
      parseAgentConfig({
        agent: { id: `${site}-agent`, site },
        central: {
          url: central.url,
          token: await central.meta.tokens.create({ role: "agent", site, label: "e2e" }),
          flushIntervalMs: 100,
        },
        queue: { dir: join(dataDir, "agents", site) },
        healthIntervalMs: 1000,
        sources,
      });
    windAgent = await startAgent(
      await agentConfig(
        "wf1",
        turbineSources(
          "T02",
          { host: "127.0.0.1", port: turbine.modbusPort },
          turbine.opcuaEndpoint,
          join(dataDir, "pki"),
        ),
      ),
    );
    facilityAgent = await startAgent(
      await agentConfig("h01", facilitySources("H01", { host: "127.0.0.1", port: facility.modbusPort })),
    );

    // The agent reads the block in place when it subscribes; then the test
    // publishes more, one at a time, and waits until each one has arrived.
    await until("the first block", () =>
      windAgent.stats().waveformBlocks >= POINTS.length ? true : undefined,
    );
    for (const p of POINTS) servedVelocity[p].push(turbine.truth().points[p].transmitter.v_rms_mm_s);
    for (let i = 1; i <= BLOCKS_PUBLISHED_BY_HAND; i++) {
      turbine.refreshWaveforms();
      for (const p of POINTS) servedVelocity[p].push(turbine.truth().points[p].transmitter.v_rms_mm_s);
      await until(`block ${i + 1}`, () =>
        windAgent.stats().waveformBlocks >= POINTS.length * (i + 1) ? true : undefined,
      );
    }
    await until("a few meter polls", () => (facilityAgent.stats().acquired >= 5 ? true : undefined));
    // A clean stop sends what is still queued.
    await windAgent.stop();
    await facilityAgent.stop();
    toMs = Date.now() + 1000;
  }, 120_000);

  afterAll(async () => {
    await windAgent?.stop();
    await facilityAgent?.stop();
    await central?.close();
    await turbine?.stop();
    await facility?.stop();
    await influx?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const query = async (
    measurement: "scada" | "meter" | "weather" | "vibration" | "agent",
    field: string,
    groupBy: string[] = [],
  ) => {
    const r = await central.store.query({ measurement, field, fromMs, toMs, groupBy });
    if (r.kind !== "success") throw new Error(`${r.code}: ${r.message}`);
    return r.value;
  };
  const values = (series: Series[]) => series.flatMap((s) => s.points.map((p) => p.value));

  it("delivers everything the agents acquired, nothing dropped, queues empty", () => {
    for (const agent of [windAgent, facilityAgent]) {
      const s = agent.stats();
      expect(s.dropped).toBe(0);
      expect(s.deadLettered).toBe(0);
      expect(s.queueDepth).toBe(0);
      expect(s.acked).toBe(s.acquired + s.healthPoints);
    }
  });

  it("stores one vibration point per measuring point and block the simulator served", async () => {
    const blocks = 1 + BLOCKS_PUBLISHED_BY_HAND;
    const series = await query("vibration", "v_rms_mm_s", ["asset", "point"]);
    expect(series.map((s) => s.tags.point).sort()).toEqual([...POINTS].sort());
    for (const s of series) {
      expect(s.tags.asset).toBe("T02");
      expect(s.points).toHaveLength(blocks);
    }
    expect(windAgent.stats().waveformBlocks).toBe(blocks * POINTS.length);
    // The agents' own health points arrive too, one series per agent.
    const health = await query("agent", "queue_depth", ["agent"]);
    expect(Object.fromEntries(health.map((s) => [s.tags.agent, s.points.length]))).toEqual({
      "wf1-agent": windAgent.stats().healthPoints,
      "h01-agent": facilityAgent.stats().healthPoints,
    });
  });

  it("computes the velocity the simulator's own transmitter reports for the same blocks", async () => {
    const series = await query("vibration", "v_rms_mm_s", ["point"]);
    for (const s of series) {
      const stored = s.points.map((p) => p.value);
      const served = servedVelocity[s.tags.point as TurbinePointId];
      // Two independent implementations of ISO 10816-21's 10–1000 Hz velocity
      // RMS: the edge's Hann-windowed spectrum and the transmitter's
      // rectangular one are two estimates of the same band power; where most
      // of it sits in the few bins of 10–20 Hz (healthy broadband noise)
      // they differ by several %, so the check allows 12 %.
      expect(stored).toHaveLength(served.length);
      for (const [i, v] of stored.entries())
        expect(Math.abs(v / (served[i] ?? Number.NaN) - 1)).toBeLessThan(0.12);
    }
  });

  it("places the faulty main bearing out of zone A and the healthy points in it", async () => {
    const zones = await query("vibration", "iso_zone", ["point"]);
    const byPoint: Record<string, number[]> = Object.fromEntries(
      zones.map((s) => [s.tags.point, values([s])]),
    );
    expect(byPoint.main_bearing?.every((z) => z >= 2)).toBe(true);
    expect(byPoint.gearbox_hss?.every((z) => z === 1)).toBe(true);
    expect(byPoint.generator_de?.every((z) => z === 1)).toBe(true);
    // The zone stored is the one the standard's table gives for the stored
    // velocity, written out here rather than taken from the agent's code:
    // ISO 10816-21 / VDI 3834-1 B/C and C/D (mm/s, 10–1000 Hz), and A/B as
    // B/C ÷ 1.6 (the standard gives none; ISO 10816-1 Annex B step ratio).
    const boundaries: Record<TurbinePointId, [number, number, number]> = {
      main_bearing: [2.0 / 1.6, 2.0, 3.2],
      gearbox_hss: [3.5 / 1.6, 3.5, 5.6],
      generator_de: [6.0 / 1.6, 6.0, 10],
    };
    const velocity = await query("vibration", "v_rms_mm_s", ["point"]);
    for (const s of velocity) {
      const [ab, bc, cd] = boundaries[s.tags.point as TurbinePointId];
      const zoneValues = byPoint[s.tags.point as string] ?? [];
      for (const [i, p] of s.points.entries()) {
        const expected = p.value < ab ? 1 : p.value < bc ? 2 : p.value < cd ? 3 : 4;
        expect(zoneValues[i], `${s.tags.point} ${p.value} mm/s`).toBe(expected);
      }
    }
  });

  it("stores the SCADA values the turbine served, over Modbus (float32) and OPC UA (Double)", async () => {
    const truth = turbine.truth().scada;
    for (const field of ["rotor_speed_rpm", "generator_speed_rpm", "power_kw", "wind_speed_m_s"] as const) {
      const stored = values(await query("scada", field));
      expect(stored.length, field).toBeGreaterThanOrEqual(3);
      // The same float32 the controller served, stored at its shortest decimal.
      for (const v of stored) expect(Math.fround(v), field).toBe(Math.fround(truth[field]));
    }
    for (const field of ["nacelle_temp_c", "main_bearing_temp_c", "gearbox_bearing_temp_c"] as const) {
      const stored = values(await query("scada", field));
      expect(stored.length, field).toBeGreaterThanOrEqual(1);
      for (const v of stored) expect(v, field).toBe(truth[field]);
    }
  });

  it("stores the meter and outdoor temperature registers the hospital served", async () => {
    const registers = facility.truth().registers;
    for (const r of [...SDM630_MAP, ...TEMPERATURE_MAP]) {
      const measurement = r.field === "temp_c" ? "weather" : "meter";
      const stored = values(await query(measurement, r.field));
      expect(stored.length, r.field).toBeGreaterThanOrEqual(5);
      // The float32 the meter served (stored at its shortest decimal, then scaled).
      const served = Math.fround(registers[r.name] ?? Number.NaN);
      for (const v of stored) expect(Math.fround(v / (r.scale ?? 1)), r.field).toBe(served);
    }
  });

  it("serves the same data through the API, scoped to the caller's tenant", async () => {
    const get = (path: string) =>
      fetch(`${central.url}${path}`, { headers: { authorization: `Bearer ${reader}` } }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as Record<string, unknown>,
      }));
    const assets = await get("/api/v1/assets");
    expect(assets.status).toBe(200);
    expect((assets.body.assets as { id: string }[]).map((a) => a.id)).toEqual(["T02"]);

    const health = await get("/api/v1/assets/T02/health");
    expect(health.status).toBe(200);
    const zones = Object.fromEntries(
      (health.body.points as { point: string; isoZone: string }[]).map((p) => [p.point, p.isoZone]),
    );
    expect(zones.gearbox_hss).toBe("A");
    expect(zones.main_bearing).not.toBe("A");

    const series = await get(
      `/api/v1/series?asset=T02&measurement=vibration&field=v_rms_mm_s&point=main_bearing&from=${fromMs}&to=${toMs}`,
    );
    expect(series.status).toBe(200);
    const stored = await query("vibration", "v_rms_mm_s", ["point"]);
    const mainBearing = stored.find((s) => s.tags.point === "main_bearing");
    const apiPoints = (series.body.series as { points: [number, number][] }[]).flatMap((s) => s.points);
    expect(apiPoints.map(([, v]) => v)).toEqual(mainBearing?.points.map((p) => p.value));

    // Another tenant's asset does not exist for this caller.
    expect((await get("/api/v1/assets/H01/health")).status).toBe(404);
  });
});
