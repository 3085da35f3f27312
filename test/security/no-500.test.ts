// Issue 13, finding 11: requests that answered 500 instead of 400/404.
// Over a real socket against a real central (both stores where the store is
// asked): a time range ending in year 300,000; a point name with a line
// break or NUL (InfluxQL cannot carry them, and the raw query error was
// echoed); `/map/assets/constructor` and other names of Object's
// properties; a grid line with 300,000 voltages (a spread over them
// overflowed the stack), through the API and through `vetra grid import`,
// which printed a stack trace.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wf1Batch } from "../helpers/central-fixture.ts";
import {
  type CentralUnderTest,
  type StoreKind,
  startCentralUnderTest,
} from "../helpers/central-under-test.ts";
import { type InfluxRef, onEachStore } from "../helpers/each-store.ts";

const root = join(import.meta.dirname, "..", "..");
const seriesPath = (extra: string) =>
  `/api/v1/series?asset=T01&measurement=vibration&field=v_rms_mm_s${extra}`;

function storeReads(kind: StoreKind, influx: InfluxRef): void {
  describe(`${kind} store`, () => {
    let c: CentralUnderTest;
    beforeAll(async () => {
      c = await startCentralUnderTest({ store: kind, ...(influx() ? { influx: influx()! } : {}) });
      // Something to read, so the store is really asked.
      const t = Date.now() - 60_000;
      const res = await c.request("/api/v1/ingest", {
        method: "POST",
        token: c.tokens.agentWf1,
        json: wf1Batch(
          `no500-${kind}-${t}`,
          [
            {
              measurement: "vibration",
              tags: { site: "wf1", asset: "T01", point: "main_bearing" },
              fields: { v_rms_mm_s: 1 },
              ts: t,
            },
          ],
          t,
        ),
      });
      expect(res.status).toBe(200);
    });
    afterAll(async () => {
      await c?.close();
    });

    it.each([
      ["to=9999999999999999", "&to=9999999999999999"],
      ["from=-1&to=99999999999999", "&from=0&to=99999999999999"],
      ["to in year 9999", "&to=9999-12-31T00:00:00Z"],
      ["every=1ms over a year", `&from=${Date.now() - 365 * 86_400_000}&every=1ms`],
    ])("series with %s is a 400", async (_what, extra) => {
      const res = await c.request(seriesPath(extra), { token: c.tokens.admin });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_FAILED");
    });

    it.each([
      ["a line feed", "a\nb"],
      ["NUL", "a\u0000b"],
      ["a carriage return", "a\rb"],
      ["a backslash", "a\\b"],
      ["a tab", "a\tb"],
    ])("a point name with %s is a 400 that does not echo a query error", async (_what, point) => {
      const res = await c.request(seriesPath(`&point=${encodeURIComponent(point)}`), {
        token: c.tokens.admin,
      });
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).not.toMatch(/influx|InfluxQL|error parsing|SQLITE|expected identifier/i);
    });

    it("a point name of bytes that are not UTF-8 arrives as U+FFFD: a valid name with no data", async () => {
      const res = await c.request(seriesPath("&point=a%ED%A0%80b%FF"), { token: c.tokens.admin });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { series: unknown[] }).series).toEqual([]);
    });

    it("a point name with quotes is answered from the store (escaped, not an injection)", async () => {
      for (const point of ["x' OR '1'='1", 'x" OR "1"="1', "main_bearing'; DROP MEASUREMENT vibration; --"]) {
        const res = await c.request(seriesPath(`&point=${encodeURIComponent(point)}`), {
          token: c.tokens.admin,
        });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { series: unknown[] }).series).toEqual([]);
      }
      const still = await c.request(seriesPath(""), { token: c.tokens.admin });
      expect(((await still.json()) as { series: { points: unknown[] }[] }).series[0]!.points).toHaveLength(1);
    });
  });
}

describe("finding 11: 400/404 instead of 500", () => {
  onEachStore(storeReads);

  describe("names of Object's properties and unbounded lists", () => {
    let c: CentralUnderTest;
    let dir: string;
    beforeAll(async () => {
      c = await startCentralUnderTest();
      dir = mkdtempSync(join(tmpdir(), "vetra-no500-"));
    });
    afterAll(async () => {
      await c?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it.each(["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"])(
      "/map/assets/%s is a 404",
      async (name) => {
        for (const path of [`/map/assets/${name}`, `/map/assets/images/${name}`]) {
          const res = await c.request(path);
          expect(res.status, path).toBe(404);
        }
      },
    );

    const hugeLine = (voltages: number) => ({
      type: "FeatureCollection",
      features: [
        {
          type: "Feature",
          properties: { id: "P1", name: "ПС 110/10 Север", voltages_kv: [110, 10] },
          geometry: { type: "Point", coordinates: [43.5, 44.1] },
        },
        {
          type: "Feature",
          properties: { id: "L1", voltages_kv: Array.from({ length: voltages }, (_, i) => 1 + (i % 500)) },
          geometry: {
            type: "LineString",
            coordinates: [
              [43.5, 44.1],
              [43.6, 44.2],
            ],
          },
        },
      ],
    });

    it("a grid line with 300,000 voltages_kv is a 422 naming the feature, and the API keeps answering", async () => {
      const res = await c.request("/api/v1/grid/connection-points", {
        method: "PUT",
        token: c.tokens.admin,
        json: hugeLine(300_000),
      });
      expect(res.status).toBe(422);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("GRID_INVALID_FEATURES");
      expect(body.error.message).toMatch(/feature 1: voltages_kv: 300000 voltages/);
      const parts = await c.request("/api/v1/grid/connection-points", {
        method: "PUT",
        token: c.tokens.admin,
        json: {
          type: "FeatureCollection",
          features: [
            {
              type: "Feature",
              properties: { id: "L2", voltage_kv: 110 },
              geometry: {
                type: "MultiLineString",
                coordinates: Array.from({ length: 200_000 }, () => [
                  [43.5, 44.1],
                  [43.6, 44.2],
                ]),
              },
            },
          ],
        },
      });
      expect(parts.status).toBe(422);
      expect((await c.request("/healthz")).status).toBe(200);
    });

    it("`vetra grid import` of that file exits 2 with one line per rejected feature, no stack trace", () => {
      const file = join(dir, "huge.geojson");
      writeFileSync(file, JSON.stringify(hugeLine(300_000)));
      const r = spawnSync(
        process.execPath,
        [join(root, "bin", "vetra.js"), "grid", "import", file, "--data-dir", dir],
        {
          encoding: "utf8",
        },
      );
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/rejected feature 1 \(L1\): voltages_kv: 300000 voltages/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).not.toMatch(/RangeError|Maximum call stack/);
    });

    it("`vetra constructor` and `vetra __proto__` are unknown commands, not a stack trace", () => {
      for (const name of ["constructor", "__proto__", "toString"]) {
        const r = spawnSync(process.execPath, [join(root, "bin", "vetra.js"), name], { encoding: "utf8" });
        expect(r.status, name).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`unknown command '${name}'`));
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    });
  });
});
