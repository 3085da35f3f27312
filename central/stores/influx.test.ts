import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { influxdAvailable, type RunningInfluxd, startInfluxd } from "../../test/helpers/influxd.ts";
import { freePort } from "../../test/helpers/ports.ts";
import { openInfluxStore, quoteIdent, quoteString } from "./influx.ts";
import { describeStoreConformance } from "./store.conformance.ts";

describe.skipIf(!influxdAvailable())("InfluxDB store against a real influxd", () => {
  let influxd: RunningInfluxd;
  let databases = 0;
  beforeAll(async () => {
    influxd = await startInfluxd();
  });
  afterAll(async () => {
    await influxd?.stop();
  });

  describeStoreConformance("influx (InfluxDB 1.x HTTP API)", async () => {
    // A fresh database per test keeps the cases independent; the store creates it.
    const database = `conformance_${++databases}`;
    const store = openInfluxStore({ url: influxd.url, database, timeoutMs: 5000 });
    return {
      store,
      dispose: async () => {
        const q = new URLSearchParams({ q: `DROP DATABASE ${quoteIdent(database)}` });
        await fetch(`${influxd.url}/query?${q}`, { method: "POST" });
      },
    };
  });

  it("round-trips tag values and names that need escaping", async () => {
    const store = openInfluxStore({ url: influxd.url, database: "escaping" });
    const ts = 1_700_000_000_000;
    const tags = { site: 'wf 1,"a"=b', asset: "T'01\\x" };
    expect(await store.write([{ measurement: "scada", tags, fields: { power_kw: 1.25 }, ts }])).toEqual({
      kind: "success",
      value: { written: 1 },
    });
    expect(
      await store.query({
        measurement: "scada",
        field: "power_kw",
        tags,
        fromMs: ts,
        toMs: ts + 1,
        groupBy: ["asset"],
      }),
    ).toEqual({ kind: "success", value: [{ tags: { asset: "T'01\\x" }, points: [{ ts, value: 1.25 }] }] });
    await store.close();
  });
});

describe("InfluxDB store without a server", () => {
  it("reports a dead port as retryable STORE_UNAVAILABLE on ping, write and query", async () => {
    const port = await freePort();
    const store = openInfluxStore({ url: `http://127.0.0.1:${port}`, database: "x", timeoutMs: 1000 });
    expect(await store.ping()).toMatchObject({ kind: "retryable", code: "STORE_UNAVAILABLE" });
    const point = {
      measurement: "meter" as const,
      tags: { asset: "H01" },
      fields: { power_kw: 1 },
      ts: 1_700_000_000_000,
    };
    const written = await store.write([point]);
    expect(written).toMatchObject({ kind: "retryable", code: "STORE_UNAVAILABLE" });
    expect(written.kind === "retryable" && written.retryInMillis > 0).toBe(true);
    const queried = await store.query({ measurement: "meter", field: "power_kw", fromMs: 0, toMs: 1 });
    expect(queried).toMatchObject({ kind: "retryable", code: "STORE_UNAVAILABLE" });
  });

  it("escapes InfluxQL identifiers and string literals", () => {
    expect(quoteIdent('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteString("it's \\ ok")).toBe("'it\\'s \\\\ ok'");
  });
});
