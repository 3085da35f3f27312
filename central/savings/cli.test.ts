// `vetra savings` and `vetra import` on files with known content.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type HourlyRow, hourlyHistory } from "../../simulators/facility/model.ts";
import { openEmbeddedStore } from "../stores/embedded.ts";
import { parseTimeValueCsv, registerToIntervals, runImport, runSavings } from "./cli.ts";

/**
 * `rows` as the two CSV files the commands read, `<prefix>meter.csv` and
 * `<prefix>weather.csv`: the meter as a cumulative register from 1000 kWh at
 * `from`, read at the end of each hour; the weather at each hour's start, with
 * one malformed row at the end. Times in UTC (local naive time would be awkward).
 */
function writeMeterAndWeather(dir: string, prefix: string, from: Date, rows: HourlyRow[]): void {
  let registerKwh = 1000;
  const meter = ["timestamp,value", `${from.toISOString()},${registerKwh}`];
  for (const r of rows) {
    registerKwh += r.kwh;
    meter.push(`${new Date(Date.parse(r.timestamp) + 3_600_000).toISOString()},${registerKwh}`);
  }
  writeFileSync(join(dir, `${prefix}meter.csv`), `${meter.join("\n")}\n`);
  writeFileSync(
    join(dir, `${prefix}weather.csv`),
    `timestamp,value\n${rows.map((r) => `${r.timestamp},${r.temp_c}`).join("\n")}\nbad,row\n`,
  );
}

describe("savings and import commands", () => {
  let dir: string;
  let trueAvoided: number;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "vetra-savings-cli-"));
    const from = new Date("2024-12-31T21:00:00Z");
    const mid = new Date("2025-12-31T21:00:00Z");
    const to = new Date("2026-12-31T21:00:00Z");
    const rows = hourlyHistory({
      kind: "clinic",
      from,
      to,
      seed: 23,
      measure: { from: mid, savingFraction: 0.05 },
    });
    writeMeterAndWeather(dir, "", from, rows);
    const cf = hourlyHistory({ kind: "clinic", from: mid, to, seed: 23 }).reduce((s, r) => s + r.kwh, 0);
    trueAvoided =
      cf - rows.filter((r) => Date.parse(r.timestamp) >= mid.getTime()).reduce((s, r) => s + r.kwh, 0);
    // The import's files: two past years (an import refuses readings ahead of the clock, as ingest does).
    const past = hourlyHistory({
      kind: "clinic",
      from: new Date("2013-12-31T21:00:00Z"),
      to: new Date("2015-12-31T21:00:00Z"),
      seed: 23,
    });
    writeMeterAndWeather(dir, "import-", new Date("2013-12-31T21:00:00Z"), past);
    writeFileSync(
      join(dir, "central.json"),
      JSON.stringify({
        dataDir: dir,
        tenants: [{ id: "region", name: "R" }],
        sites: [{ id: "fac-c01", name: "C", kind: "facility", tenant: "region" }],
        assets: [{ id: "C01", name: "Clinic", kind: "clinic", site: "fac-c01", tenant: "region" }],
      }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const capture = async (fn: () => Promise<number>): Promise<{ code: number; out: string }> => {
    let out = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => {
      out += `${a.join(" ")}\n`;
    });
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      return { code: await fn(), out };
    } finally {
      spy.mockRestore();
      log.mockRestore();
      err.mockRestore();
    }
  };

  it("parses zoned and naive timestamps and turns a register into intervals", () => {
    const p = parseTimeValueCsv(
      "timestamp,value\n2026-01-01T03:00:00,5\n2026-01-01T01:00:00+00:00,3\nx,y\n",
      () => 3 * 3_600_000,
    );
    expect(p.rows).toEqual([
      { ts: Date.UTC(2026, 0, 1, 0), value: 5, line: 2 },
      { ts: Date.UTC(2026, 0, 1, 1), value: 3, line: 3 },
    ]);
    expect(p.rejected).toEqual([{ line: 4, reason: "value 'y' is not a decimal number" }]);
    expect(
      registerToIntervals([
        { ts: 0, value: 10, line: 2 },
        { ts: 1, value: 12.5, line: 3 },
        { ts: 2, value: 1, line: 4 },
      ]),
    ).toEqual({
      rows: [{ ts: 0, value: 2.5, line: 3 }],
      resets: [{ line: 4, reason: "register went backwards" }],
    });
  });

  it("savings JSON recovers the 5 % saving; CSV rows sum to it", async () => {
    const args = [
      "--meter",
      join(dir, "meter.csv"),
      "--weather",
      join(dir, "weather.csv"),
      "--cumulative",
      "--tz",
      "Europe/Moscow",
      "--baseline",
      "2024-12-31T21:00:00Z/2025-12-31T21:00:00Z",
      "--reporting",
      "2025-12-31T21:00:00Z/2026-12-31T21:00:00Z",
    ];
    const json = await capture(() => runSavings(args));
    expect(json.code).toBe(0);
    const r = JSON.parse(json.out) as Record<string, number>;
    for (const key of [
      "avoided_kwh",
      "savings_pct",
      "fsu_pct",
      "baseline_kwh",
      "actual_kwh",
      "model",
      "cv_rmse",
      "nmbe",
      "r2",
      "ashrae14_pass",
      "sufficiency",
    ])
      expect(r).toHaveProperty(key);
    expect(Math.abs(r.avoided_kwh! - trueAvoided)).toBeLessThanOrEqual(r.uncertainty_kwh!);
    expect(r.savings_pct).toBeCloseTo(5, 0);
    const csv = await capture(() => runSavings([...args, "--format", "csv"]));
    const lines = csv.out.trim().split("\r\n");
    expect(lines[0]).toBe("timestamp,actual_kwh,baseline_kwh");
    const sum = lines.slice(1).reduce((s, l) => s + Number(l.split(",")[2]) - Number(l.split(",")[1]), 0);
    expect(sum).toBeCloseTo(r.avoided_kwh!, 0);
    expect((await capture(() => runSavings(["--meter", "x"]))).code).toBe(2);
  });

  it("import writes interval energy and temperature idempotently; a refused row refuses the file unless --skip-invalid", async () => {
    const meterArgs = [
      "meter",
      "--facility",
      "C01",
      "--cumulative",
      "--config",
      join(dir, "central.json"),
      join(dir, "import-meter.csv"),
    ];
    const meter = await capture(() => runImport(meterArgs));
    expect(meter.code).toBe(0);
    const summary = JSON.parse(meter.out.trim().split("\n").at(-1)!) as {
      imported: number;
      rejected: number;
      gaps: number;
    };
    expect(summary.imported).toBe(2 * 8760);
    expect(summary.gaps).toBe(0);
    const weatherArgs = [
      "weather",
      "--site",
      "fac-c01",
      "--config",
      join(dir, "central.json"),
      join(dir, "import-weather.csv"),
    ];
    expect((await capture(() => runImport(weatherArgs))).code).toBe(2);
    const weather = await capture(() => runImport([...weatherArgs, "--skip-invalid"]));
    expect(weather.code).toBe(0);
    expect(JSON.parse(weather.out.trim().split("\n").at(-1)!).rejected).toBe(1);
    // Again: the same points overwrite, nothing is duplicated.
    await capture(() => runImport(meterArgs));
    const store = openEmbeddedStore({ path: join(dir, "timeseries.sqlite") });
    try {
      const q = await store.query({
        measurement: "meter",
        field: "interval_energy_kwh",
        tags: { asset: "C01" },
        fromMs: 0,
        toMs: Date.UTC(2030, 0),
        aggregate: "count",
      });
      expect(q.kind === "success" && q.value[0]!.points[0]!.value).toBe(2 * 8760);
    } finally {
      await store.close();
    }
    expect(
      (
        await capture(() =>
          runImport([
            "meter",
            "--facility",
            "NOPE",
            "--config",
            join(dir, "central.json"),
            join(dir, "meter.csv"),
          ]),
        )
      ).code,
    ).toBe(2);
    expect(readFileSync(join(dir, "import-weather.csv"), "utf8")).toContain("bad,row");
  });
});
