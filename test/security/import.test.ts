// Issue 13, finding 13: `vetra import meter` stored the years 1900, 2099 and
// 275760, 1e308 kWh, −5 kWh and `0x10` read as 16, skipped bad rows and
// exited 0. The real `vetra import` process against a central's config, on
// both stores: a file with such rows is refused as a whole (exit 2, how
// many rows and the first reasons with their lines, nothing stored);
// `--skip-invalid` stores exactly the good rows; a header naming another
// unit is refused.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEmbeddedStore } from "../../central/stores/embedded.ts";
import { openInfluxStore } from "../../central/stores/influx.ts";
import { EMBEDDED_STORE_FILE } from "../../central/stores/registry.ts";
import type { TimeSeriesStore } from "../../central/stores/types.ts";
import { FIXTURE_FLEET } from "../helpers/central-fixture.ts";
import { type InfluxRef, onEachStore, type StoreKind } from "../helpers/each-store.ts";

const root = join(import.meta.dirname, "..", "..");
const HOUR = 3_600_000;
/** Good readings: hourly, at known past times and values. */
const T0 = Date.UTC(2024, 0, 10);
const good = [
  [new Date(T0).toISOString(), "12.5"],
  [new Date(T0 + HOUR).toISOString(), "0"],
  [new Date(T0 + 2 * HOUR).toISOString(), "7.25"],
];
const HOSTILE_METER: [string, string][] = [
  ["1900-01-01T00:00:00Z", "5"],
  ["2099-01-01T00:00:00Z", "5"],
  ["+275760-09-13T00:00:00Z", "5"],
  ["275760-09-13T00:00:00Z", "5"],
  [new Date(T0 + 3 * HOUR).toISOString(), "1e308"],
  [new Date(T0 + 4 * HOUR).toISOString(), "-5"],
  [new Date(T0 + 5 * HOUR).toISOString(), "0x10"],
  [new Date(T0 + 6 * HOUR).toISOString(), "Infinity"],
  [new Date(T0 + 7 * HOUR).toISOString(), "1_000"],
  [new Date(T0 + 8 * HOUR).toISOString(), "12abc"],
  [new Date(T0 + 9 * HOUR).toISOString(), "1e999"],
  ["yesterday", "5"],
];

function importOnce(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "bin", "vetra.js"), "import", ...args], {
    encoding: "utf8",
    env: { ...process.env, VETRA_DEBUG: "" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function importSuite(kind: StoreKind, influx: InfluxRef): void {
  describe(`${kind} store`, () => {
    let dir: string;
    let config: string;
    let store: () => TimeSeriesStore;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "vetra-import-"));
      const database = `import_${process.pid}`;
      const storeConfig =
        kind === "influx" ? { kind: "influx", url: influx()!.url, database } : { kind: "embedded" };
      config = join(dir, "central.json");
      writeFileSync(
        config,
        JSON.stringify({ dataDir: join(dir, "data"), store: storeConfig, ...FIXTURE_FLEET }),
      );
      store = () =>
        kind === "influx"
          ? openInfluxStore({ url: influx()!.url, database })
          : openEmbeddedStore({ path: join(dir, "data", EMBEDDED_STORE_FILE) });
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const stored = async (measurement: "meter" | "weather", field: string, asset?: string) => {
      const s = store();
      try {
        const r = await s.query({
          measurement,
          field,
          ...(asset ? { tags: { asset } } : {}),
          fromMs: Date.UTC(1800, 0),
          toMs: 8_000_000_000_000,
        });
        if (r.kind !== "success") throw new Error(r.message);
        return r.value.flatMap((x) => x.points.map((p) => [p.ts, p.value]));
      } finally {
        await s.close();
      }
    };

    it("refuses the file: exit 2, the count and the first reasons with lines, nothing stored", async () => {
      const file = join(dir, "meter.csv");
      const lines = [
        "timestamp_utc,kwh",
        ...good.map((r) => r.join(",")),
        ...HOSTILE_METER.map((r) => r.join(",")),
      ];
      writeFileSync(file, `${lines.join("\n")}\n`);
      const r = importOnce(["meter", "--facility", "H01", "--config", config, file]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(
        `${HOSTILE_METER.length} of ${lines.length - 1} rows refused; nothing was imported`,
      );
      expect(r.stderr).toMatch(/line 5: .*(before 2000|1900)/);
      expect(r.stderr).toMatch(/line 6: .*ahead of central's clock/);
      expect(r.stderr).toMatch(/line 7: timestamp '\+275760-09-13T00:00:00Z' is not ISO 8601/);
      expect(r.stderr).toMatch(/… and \d+ more/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(await stored("meter", "interval_energy_kwh", "H01")).toEqual([]);
    });

    it("--skip-invalid stores exactly the good rows and says what it refused", async () => {
      const file = join(dir, "meter.csv");
      const r = importOnce(["meter", "--facility", "H01", "--config", config, "--skip-invalid", file]);
      expect(r.status, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as {
        imported: number;
        rejected: number;
        rejected_lines: { line: number; reason: string }[];
      };
      expect(summary).toMatchObject({ imported: good.length, rejected: HOSTILE_METER.length });
      const reasons = Object.fromEntries(summary.rejected_lines.map((x) => [x.line, x.reason]));
      expect(reasons[5]).toMatch(/before/);
      expect(await stored("meter", "interval_energy_kwh", "H01")).toEqual(
        good.map(([t, v]) => [Date.parse(t!), Number(v)]),
      );
      // Exactly the good rows: none of the hostile values (0x10 as 16, 1e308, −5…) was stored as a number.
    });

    it("refuses weather beyond the coldest and hottest air, and headers naming another unit", async () => {
      const file = join(dir, "weather.csv");
      writeFileSync(
        file,
        `timestamp,temp_c\n${new Date(T0).toISOString()},-500\n${new Date(T0 + HOUR).toISOString()},85\n`,
      );
      const w = importOnce(["weather", "--site", "wf1", "--config", config, file]);
      expect(w.status).toBe(2);
      expect(w.stderr).toMatch(/line 2: fields\.temp_c: -500 is below its physical minimum/);
      expect(w.stderr).toMatch(/line 3: fields\.temp_c: 85 is above its physical maximum/);
      for (const [what, header, flag] of [
        ["weather", "timestamp,temp_f", ["--site", "wf1"]],
        ["meter", "timestamp,energy_wh", ["--facility", "H01"]],
      ] as const) {
        writeFileSync(file, `${header}\n${new Date(T0).toISOString()},5\n`);
        const r = importOnce([what, ...flag, "--config", config, file]);
        expect(r.status, header).toBe(2);
        expect(r.stderr).toMatch(/header: column '.*' is in/);
      }
      expect(await stored("weather", "temp_c")).toEqual([]);
    });
  });
}

describe("finding 13: vetra import applies ingest's validation", () => {
  onEachStore(importSuite);
});
