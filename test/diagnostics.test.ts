// Diagnoses end to end, every part real: a turbine simulator (OPC UA +
// Modbus TCP) → an edge agent with the drive train's machine data → central
// → the store (embedded and InfluxDB). Blocks are published by hand, so the
// test knows which block carried what: a fault injected at run time becomes
// an active diagnosis after the persistence count (3 of 5 blocks), its
// snapshot arrives with reason `diagnosis_changed`, and once the fault is
// removed it clears after the hysteresis count (5 clean blocks) — while
// central is down, so the outage must lose no diagnosis point and no
// snapshot.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseCentralConfig } from "../central/config.ts";
import { META_FILE } from "../central/meta/meta.ts";
import { type RunningCentral, startCentral } from "../central/server.ts";
import type { RunningAgent } from "../edge-agent/agent.ts";
import { start as startTurbine, type TurbineSim } from "../simulators/turbine/index.ts";
import { defectFrequenciesHz, type FaultSpec, TURBINE_POINTS } from "../simulators/turbine/physics.ts";
import { simulatedTurbine } from "./helpers/central-fixture.ts";
import { describeEachStore } from "./helpers/each-store.ts";
import { type RunningInfluxd, startInfluxd } from "./helpers/influxd.ts";
import { freePort } from "./helpers/ports.ts";
import { startTurbineAgent, type TurbineAgent } from "./helpers/turbine-agent.ts";

const HOUR = 3_600_000;
const OUTER_RACE: FaultSpec = { point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 };
// The agent's defaults (diagnostics.persistence): raise after 3 of 5 blocks, clear after 5 without.
const RAISE_AFTER = 3;
const CLEAR_AFTER = 5;

interface HealthDiagnosis {
  point: string | null;
  fault: string;
  severity: string | null;
}
interface ServedSnapshot {
  point: string;
  ts: string;
  reason: string;
  speedRpm: number | null;
  envelope: { df_hz: number; values: number[] };
  markers: { kind: string; harmonic: number; frequency_hz: number }[];
  diagnoses: { fault: string }[];
}

describeEachStore("diagnoses: simulator → agent → central → $kind store", (kind) => {
  let influx: RunningInfluxd | undefined;
  let central: RunningCentral | null = null;
  let turbine: TurbineSim;
  let agent: RunningAgent;
  let dataDir: string;
  let port: number;
  let reader: string;
  let rig: TurbineAgent;
  const log: { block: number; line: string }[] = [];
  const fromMs = Date.now() - 60_000;

  const centralConfig = () =>
    parseCentralConfig({
      server: { port },
      dataDir: join(dataDir, "central"),
      store: influx ? { kind: "influx", url: influx.url, database: influx.database } : { kind: "embedded" },
      tenants: [{ id: "sc-a", name: "Service A" }],
      sites: [{ id: "wf1", name: "Wind farm", kind: "wind_farm" }],
      assets: [simulatedTurbine("T07", "WTG 7", "sc-a")],
      // What is measured here is the edge's persistence (n of m blocks): central shows its diagnoses at once.
      alarms: { byKind: { diagnosis: { onDelayMs: 0 } } },
    });

  const publish = () => rig.publish();
  const delivered = () => rig.delivered();
  const api = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${central!.url}${path}`, { headers: { authorization: `Bearer ${reader}` } });
    return { status: res.status, body: (await res.json()) as T };
  };
  const activeDiagnoses = async () =>
    (await api<{ diagnoses: HealthDiagnosis[] }>("/api/v1/assets/T07/health")).body.diagnoses;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `vetra-diagnostics-${kind}-`));
    if (kind === "influx") influx = await startInfluxd();
    turbine = await startTurbine({
      assetId: "T07",
      seed: 21,
      // Frozen: blocks change only when the test publishes one.
      scadaRefreshMs: HOUR,
      waveformRefreshMs: HOUR,
    });
    port = await freePort();
    central = await startCentral(centralConfig());
    reader = await central.meta.tokens.create({
      role: "service_company",
      tenant: "sc-a",
      label: "diagnostics reader",
    });
    rig = await startTurbineAgent({
      turbine,
      assetId: "T07",
      centralUrl: central.url,
      agentToken: await central.meta.tokens.create({ role: "agent", site: "wf1", label: "diagnostics" }),
      dir: dataDir,
      log: (line, block) => log.push({ block, line }),
    });
    agent = rig.agent;
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await central?.close();
    await turbine?.stop();
    await influx?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`raises an injected fault after ${RAISE_AFTER} blocks and sends its snapshot`, {
    timeout: 120_000,
  }, async () => {
    // Healthy first: no diagnosis on any point.
    await publish();
    await delivered();
    expect(await activeDiagnoses()).toEqual([]);

    turbine.setFaults([OUTER_RACE]);
    const activeAfter: boolean[] = [];
    for (let i = 1; i <= RAISE_AFTER; i++) {
      await publish();
      await delivered();
      activeAfter.push((await activeDiagnoses()).some((d) => d.fault === "bearing_outer_race"));
    }
    // Not after one or two faulty blocks: after the third.
    expect(activeAfter).toEqual([false, false, true]);
    const diagnoses = await activeDiagnoses();
    expect(diagnoses.find((d) => d.fault === "bearing_outer_race")).toMatchObject({ point: "main_bearing" });
    // Nothing on the healthy points of the same turbine.
    expect(diagnoses.filter((d) => d.point !== "main_bearing")).toEqual([]);

    const alarms = await api<{ alarms: { id: string; fault: string }[] }>("/api/v1/alarms");
    expect(alarms.body.alarms.map((a) => a.id)).toContain("T07:main_bearing:bearing_outer_race:1");

    const spectrum = await api<{ snapshots: ServedSnapshot[] }>(
      "/api/v1/assets/T07/spectrum?point=main_bearing",
    );
    expect(spectrum.status).toBe(200);
    const [snap] = spectrum.body.snapshots;
    expect(snap?.reason).toBe("diagnosis_changed");
    expect(snap?.diagnoses.map((d) => d.fault)).toContain("bearing_outer_race");
    // The BPFO marker where the simulator's geometry and speed put it.
    const truth = turbine.truth().points.main_bearing;
    const bpfo = defectFrequenciesHz(TURBINE_POINTS.main_bearing.bearing, truth.shaftHz).bpfo;
    const marker = snap?.markers.find((m) => m.kind === "bpfo" && m.harmonic === 1);
    expect(Math.abs((marker?.frequency_hz ?? 0) - bpfo)).toBeLessThanOrEqual(snap!.envelope.df_hz);
  });

  it(`clears it after ${CLEAR_AFTER} clean blocks, and an outage loses no diagnosis point or snapshot`, {
    timeout: 180_000,
  }, async () => {
    const before = agent.stats();
    await central!.close();
    central = null;
    turbine.setFaults([]);
    const healthyFrom = rig.published + 1;
    for (let i = 0; i < CLEAR_AFTER; i++) await publish();
    const cleared = log.find((l) => / main_bearing: bearing_outer_race cleared/.test(l.line));
    expect(cleared?.block).toBe(healthyFrom + CLEAR_AFTER - 1);
    // While central is away, the points and snapshots wait at the edge.
    const waiting = agent.stats();
    expect(waiting.snapshotsPending).toBeGreaterThan(0);
    expect(waiting.queueDepth).toBeGreaterThan(0);
    expect(waiting.diagnosisPoints).toBeGreaterThan(before.diagnosisPoints);

    central = await startCentral(centralConfig());
    await delivered();
    const s = agent.stats();
    expect(s).toMatchObject({ dropped: 0, deadLettered: 0, snapshotsDropped: 0, snapshotsRejected: 0 });
    expect(s.snapshotsSent).toBe(s.snapshotsQueued);

    // Every diagnosis point the agent queued is stored, the last word on the outer race being "cleared".
    const r = await central.store.query({
      measurement: "diagnosis",
      field: "active",
      fromMs,
      toMs: Date.now() + 1000,
      groupBy: ["point", "fault"],
    });
    if (r.kind !== "success") throw new Error(r.message);
    expect(r.value.reduce((n, series) => n + series.points.length, 0)).toBe(s.diagnosisPoints);
    const outer = r.value.find((x) => x.tags.fault === "bearing_outer_race");
    expect(outer?.points.at(0)?.value).toBe(1);
    expect(outer?.points.at(-1)?.value).toBe(0);
    expect((await activeDiagnoses()).filter((d) => d.fault === "bearing_outer_race")).toEqual([]);

    // Every snapshot the agent sent is in central's metadata file.
    const db = new Database(join(dataDir, "central", META_FILE), { readonly: true });
    const stored = (db.prepare("SELECT COUNT(*) AS n FROM spectrum_snapshot").get() as { n: number }).n;
    db.close();
    expect(stored).toBe(s.snapshotsSent);
    const latest = await api<{ snapshots: ServedSnapshot[] }>(
      "/api/v1/assets/T07/spectrum?point=main_bearing",
    );
    expect(latest.body.snapshots[0]).toMatchObject({ reason: "diagnosis_changed" });
    expect(latest.body.snapshots[0]?.diagnoses.map((d) => d.fault)).not.toContain("bearing_outer_race");
  });
});
