// `npm start` as a person meets it: the real `vetra demo` process on a free
// port, then the API it prints. Within a minute the farm and facilities have
// live values, and the two faulty turbines' points have left ISO zone A
// while their healthy points have not.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { influxdAvailable, type RunningInfluxd, startInfluxd } from "./helpers/influxd.ts";

interface Health {
  points: { point: string; isoZone: string | null; features: Record<string, number> }[];
  scada?: { fields: Record<string, number> };
  meter?: { fields: Record<string, number> };
}

const vetra = join(import.meta.dirname, "..", "bin", "vetra.js");

const variants = [
  { store: "embedded" as const, run: true },
  { store: "influx" as const, run: influxdAvailable() },
];

describe.each(variants)("vetra demo --store $store", ({ store, run }) => {
  if (!run) {
    it.skip("needs influxd");
    return;
  }
  let dir: string;
  let child: ChildProcessWithoutNullStreams;
  let influx: RunningInfluxd | undefined;
  let url: string;
  let output = "";
  let tokens: Record<string, string>;

  const api = async <T>(path: string, token = tokens.admin): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as T };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-demo-"));
    if (store === "influx") influx = await startInfluxd();
    child = spawn(process.execPath, [vetra, "demo", "--port", "0", "--data-dir", dir, "--store", store], {
      env: { ...process.env, ...(influx ? { INFLUX_URL: influx.url, INFLUX_DB: influx.database } : {}) },
    });
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output}`)), 90_000);
      const check = () => {
        const m = /Vetra is running: (http:\/\/[^/\s]+)/.exec(output);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout.on("data", check);
      child.on("exit", (code) => reject(new Error(`demo exited with ${code}:\n${output}`)));
    });
    tokens = (
      JSON.parse(readFileSync(join(dir, "demo-credentials.json"), "utf8")) as {
        tokens: Record<string, string>;
      }
    ).tokens;
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGKILL");
    }
    await influx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes the credentials SPEC.md names", () => {
    expect(Object.keys(tokens).sort()).toEqual(["admin", "ministry", "sc-kavkaz", "sc-step"]);
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

  it("shows each service company only its own turbines", async () => {
    const own = await api<{ assets: { id: string }[] }>("/api/v1/assets", tokens["sc-kavkaz"]);
    expect(own.body.assets.map((a) => a.id).sort()).toEqual(["T01", "T02", "T03"]);
    expect((await api("/api/v1/assets/T05/health", tokens["sc-kavkaz"])).status).toBe(404);
  });

  it("stops cleanly on SIGINT", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});
