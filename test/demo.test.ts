// `npm start` as a person meets it: the real `vetra demo` process on a free
// port, then the API it prints. Within a minute the farm and facilities have
// live values, and the two faulty turbines' points have left ISO zone A
// while their healthy points have not; soon after, the edge names their
// faults (and nothing on the healthy turbines) and central serves their
// spectra with the fault frequencies marked.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { spawnSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { defectFrequenciesHz, TURBINE_POINTS } from "../simulators/turbine/physics.ts";
import { opensslCmsVerify } from "./documents/fixtures.ts";
import { type DemoProcess, startDemoProcess } from "./helpers/demo.ts";
import { describeEachStore } from "./helpers/each-store.ts";
import { type RunningInfluxd, startInfluxd } from "./helpers/influxd.ts";

interface Health {
  points: { point: string; isoZone: string | null; features: Record<string, number> }[];
  diagnoses: { point: string | null; fault: string; severity: string | null; confidence: number | null }[];
  scada?: { fields: Record<string, number> };
  meter?: { fields: Record<string, number> };
}

describeEachStore("vetra demo --store $kind", (store) => {
  let demo: DemoProcess | undefined;
  let child: ChildProcessWithoutNullStreams;
  let influx: RunningInfluxd | undefined;
  let url: string;
  let tokens: Record<string, string>;

  const api = async <T>(path: string, token = tokens.admin): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as T };
  };

  beforeAll(async () => {
    if (store === "influx") influx = await startInfluxd();
    demo = await startDemoProcess(store, influx);
    ({ url, tokens, child } = demo);
  }, 120_000);

  afterAll(async () => {
    demo?.kill();
    await influx?.stop();
  });

  it("writes the credentials SPEC.md names, readable by its owner only, and prints no token", async () => {
    expect(Object.keys(tokens).sort()).toEqual([
      "admin",
      "energy_manager",
      "ministry",
      "sc-kavkaz",
      "sc-step",
    ]);
    const file = join(demo!.dataDir, "demo-credentials.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // How to sign in follows the URL (it may arrive in a later chunk of the output).
    await expect
      .poll(() => demo!.output(), { timeout: 10_000 })
      .toContain(`sign in:      paste a token from ${file}`);
    for (const token of Object.values(tokens)) expect(demo!.output()).not.toContain(token);
  });

  it("shows live values and the faulty points out of zone A within a minute", async () => {
    const deadline = Date.now() + 60_000;
    let zones: Record<string, Record<string, string | null>> = {};
    let facilities: Record<string, number | undefined> = {};
    for (;;) {
      const { body } = await api<{ assets: { id: string; kind: string }[] }>("/api/v1/assets");
      zones = {};
      facilities = {};
      for (const a of body.assets) {
        const h = (await api<Health>(`/api/v1/assets/${a.id}/health`)).body;
        if (a.kind === "turbine") zones[a.id] = Object.fromEntries(h.points.map((p) => [p.point, p.isoZone]));
        else facilities[a.id] = h.meter?.fields.power_kw;
      }
      const complete =
        Object.keys(zones).length === 6 &&
        Object.values(zones).every((z) => Object.values(z).every((v) => v !== null)) &&
        Object.values(facilities).every((p) => p !== undefined);
      if (complete || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(Object.keys(facilities).sort()).toEqual(["C01", "H01", "S01"]);
    for (const p of Object.values(facilities)) expect(p).toBeGreaterThan(0);
    // T02: main-bearing outer-race defect; T05: generator imbalance (cli/demo-fleet.ts).
    expect(zones.T02?.main_bearing).not.toBe("A");
    expect(zones.T05?.generator_de).not.toBe("A");
    for (const [asset, points] of Object.entries(zones)) {
      for (const [point, zone] of Object.entries(points)) {
        if ((asset === "T02" && point === "main_bearing") || (asset === "T05" && point === "generator_de"))
          continue;
        expect(zone, `${asset} ${point}`).toBe("A");
      }
    }
  });

  it("names the faulty turbines' diagnoses, none on the healthy ones, and serves marked spectra", {
    timeout: 150_000,
  }, async () => {
    const turbines = ["T01", "T02", "T03", "T04", "T05", "T06"];
    // Diagnoses need a few blocks (persistence): 3 of 5 at one block per 5 s.
    const deadline = Date.now() + 90_000;
    let named: Record<string, string[]> = {};
    for (;;) {
      named = {};
      for (const id of turbines) {
        const h = (await api<Health>(`/api/v1/assets/${id}/health`)).body;
        named[id] = h.diagnoses.map((d) => `${d.point}:${d.fault}`).sort();
      }
      const found =
        named.T02?.includes("main_bearing:bearing_outer_race") &&
        named.T05?.includes("generator_de:imbalance");
      if (found || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    // T02: main-bearing outer-race defect; T05: generator imbalance (cli/demo-fleet.ts). Their
    // points out of zone A may also carry overall_vibration (the ISO zone); nothing else anywhere.
    expect(named.T02).toContain("main_bearing:bearing_outer_race");
    expect(named.T05).toContain("generator_de:imbalance");
    for (const d of named.T02 ?? [])
      expect(["main_bearing:bearing_outer_race", "main_bearing:overall_vibration"]).toContain(d);
    for (const d of named.T05 ?? [])
      expect(["generator_de:imbalance", "generator_de:overall_vibration"]).toContain(d);
    for (const id of ["T01", "T03", "T04", "T06"]) expect(named[id], id).toEqual([]);

    interface Spectrum {
      snapshots: {
        point: string;
        ts: string;
        speedRpm: number;
        envelope: { df_hz: number; values: number[] };
        markers: { kind: string; harmonic: number; frequency_hz: number; spectrum: string }[];
        diagnoses: { fault: string }[];
      }[];
    }
    const t02 = await api<Spectrum>("/api/v1/assets/T02/spectrum?point=main_bearing", tokens["sc-kavkaz"]);
    expect(t02.status).toBe(200);
    const snap = t02.body.snapshots[0]!;
    expect(Date.now() - Date.parse(snap.ts)).toBeLessThan(5 * 60_000);
    expect(snap.diagnoses.map((d) => d.fault)).toContain("bearing_outer_race");
    // BPFO from the simulator's bearing geometry at the speed it served with the block.
    const bpfo = defectFrequenciesHz(TURBINE_POINTS.main_bearing.bearing, snap.speedRpm / 60).bpfo;
    const marker = snap.markers.find((m) => m.kind === "bpfo" && m.harmonic === 1);
    expect(marker?.spectrum).toBe("envelope");
    expect(Math.abs((marker?.frequency_hz ?? 0) - bpfo)).toBeLessThanOrEqual(snap.envelope.df_hz);
    // And the envelope spectrum really peaks there: the largest value within ±3 bins of BPFO
    // stands well above the trough (the lowest value) between it and its second harmonic (1.3–1.7 × BPFO);
    // the median there rides on the peaks' skirts when a 2.56 s block makes them a few bins wide.
    const env = snap.envelope.values;
    const bin = (hz: number) => Math.round(hz / snap.envelope.df_hz);
    const near = Math.max(...env.slice(Math.max(1, bin(bpfo) - 3), bin(bpfo) + 4));
    const between = env.slice(bin(1.3 * bpfo), bin(1.7 * bpfo) + 1).sort((a, b) => a - b);
    expect(near).toBeGreaterThan(10 * between[0]!);

    const t05 = await api<Spectrum>("/api/v1/assets/T05/spectrum?point=generator_de", tokens["sc-step"]);
    expect(t05.status).toBe(200);
    expect(t05.body.snapshots[0]?.diagnoses.map((d) => d.fault)).toContain("imbalance");
    expect(t05.body.snapshots[0]?.markers.some((m) => m.kind === "shaft" && m.harmonic === 1)).toBe(true);
    // Healthy turbines have their spectra too (scheduled snapshots), every point of them.
    const t01 = await api<Spectrum>("/api/v1/assets/T01/spectrum");
    expect(t01.body.snapshots.map((s) => s.point).sort()).toEqual([
      "gearbox_hss",
      "generator_de",
      "main_bearing",
    ]);
    // Another service company's spectrum does not exist for the caller.
    expect((await api("/api/v1/assets/T05/spectrum?point=generator_de", tokens["sc-kavkaz"])).status).toBe(
      404,
    );
    expect((await api("/api/v1/assets/T02/spectrum", tokens["sc-step"])).status).toBe(404);
  });

  it("reports the school's saving from its heating schedule, with the schedule's start as the measure date", async () => {
    interface Report {
      reporting_from: string;
      facilities: {
        id: string;
        avoided_kwh: number;
        r2: number;
        fsu_pct: number | null;
        measure?: { from: string; description: { en?: string } };
      }[];
    }
    const { body: report } = await api<Report>("/api/v1/savings/report", tokens.ministry);
    const { body: assigned } = await api<{ schedule: { effectiveFrom?: number; template?: string } | null }>(
      "/api/v1/control/schedules/S01",
      tokens.energy_manager,
    );
    expect(assigned.schedule?.template).toBe("school");
    // The measure starts where the reports' reporting period starts: the schedule's first instant.
    expect(assigned.schedule?.effectiveFrom).toBe(Date.parse(report.reporting_from));
    const s01 = report.facilities.find((f) => f.id === "S01")!;
    expect(s01.measure?.description.en).toMatch(/schedule/);
    expect(s01.avoided_kwh).toBeGreaterThan(0);
    // Simulated meters, but not implausibly perfect ones.
    for (const f of report.facilities) {
      expect(f.r2, f.id).toBeLessThan(0.99);
      expect(f.fsu_pct, f.id).toBeGreaterThan(1);
    }
  });

  it("shows each service company only its own turbines", async () => {
    const own = await api<{ assets: { id: string }[] }>("/api/v1/assets", tokens["sc-kavkaz"]);
    expect(own.body.assets.map((a) => a.id).sort()).toEqual(["T01", "T02", "T03"]);
    expect((await api("/api/v1/assets/T05/health", tokens["sc-kavkaz"])).status).toBe(404);
  });

  it("issued each company's month and a completion act, signed by both sides; openssl and pdfsig accept them", async () => {
    const caFile = join(demo!.dataDir, "pki", "ca.pem");
    for (const company of ["sc-kavkaz", "sc-step"]) {
      const list = await api<{ documents: { id: string; type: string; status: string; fileName: string }[] }>(
        "/api/v1/documents",
        tokens[company],
      );
      const types = list.body.documents.map((d) => d.type);
      for (const t of ["statement", "act_of_services", "invoice", "service_report"])
        expect(types).toContain(t);
      if (company === "sc-kavkaz") expect(types).toContain("completion_act");
      for (const d of list.body.documents) {
        expect(d.status, d.id).toBe("accepted");
        const headers = { authorization: `Bearer ${tokens[company]}` };
        const file = Buffer.from(
          await (await fetch(`${demo!.url}/api/v1/documents/${d.id}`, { headers })).arrayBuffer(),
        );
        const path = join(demo!.dataDir, `${d.id}.pdf`);
        writeFileSync(path, file);
        for (const n of [1, 2]) {
          const p7s = Buffer.from(
            await (
              await fetch(`${demo!.url}/api/v1/documents/${d.id}/signatures/${n}`, { headers })
            ).arrayBuffer(),
          );
          writeFileSync(`${path}.${n}.p7s`, p7s);
          const r = opensslCmsVerify(path, `${path}.${n}.p7s`, caFile);
          expect(r.status, `${d.id} ${n}: ${r.stderr}`).toBe(0);
        }
        const signed = Buffer.from(
          await (await fetch(`${demo!.url}/api/v1/documents/${d.id}?signed=pdf`, { headers })).arrayBuffer(),
        );
        writeFileSync(`${path}.signed.pdf`, signed);
        const report = spawnSync("pdfsig", [`${path}.signed.pdf`], { encoding: "utf8" }).stdout;
        expect(report.match(/Signature is Valid/g)?.length, d.id).toBe(2);
      }
    }
  });

  it("stops cleanly on SIGINT", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});
