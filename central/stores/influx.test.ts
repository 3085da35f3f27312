import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeStoreConformance } from "../../test/conformance/store.ts";
import { influxdAvailable, type RunningInfluxd, startInfluxd } from "../../test/helpers/influxd.ts";
import { freePort } from "../../test/helpers/ports.ts";
import { openInfluxStore, quoteIdent, quoteString } from "./influx.ts";

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
    const tags = { site: 'wf 1,"a"=b', asset: "T'01 =x" };
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
    ).toEqual({ kind: "success", value: [{ tags: { asset: "T'01 =x" }, points: [{ ts, value: 1.25 }] }] });
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

describe("InfluxDB store HTTP behaviour (loopback server)", () => {
  it("sends token or user/password auth and maps statuses to success, retryable and failure", async () => {
    const { createServer } = await import("node:http");
    const seen: { url: string; authorization: string | undefined; body: string }[] = [];
    let writeStatus = 204;
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        seen.push({ url: req.url ?? "", authorization: req.headers.authorization, body });
        if (req.url?.startsWith("/query")) {
          res.writeHead(200, { "content-type": "application/json" }).end('{"results":[{"statement_id":0}]}');
        } else if (req.url?.startsWith("/write")) {
          res
            .writeHead(writeStatus, writeStatus === 503 ? { "retry-after": "7" } : {})
            .end(writeStatus === 204 ? "" : '{"error":"nope"}');
        } else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    try {
      const point = {
        measurement: "meter" as const,
        tags: { asset: "H 01" },
        fields: { power_kw: 2.5 },
        ts: 1_700_000_000_123,
      };
      const withToken = openInfluxStore({ url, database: "db1", token: "tok" });
      expect(await withToken.write([point])).toEqual({ kind: "success", value: { written: 1 } });
      const write = seen.find((s) => s.url.startsWith("/write"))!;
      expect(write.authorization).toBe("Token tok");
      expect(new URLSearchParams(write.url.split("?")[1]).get("precision")).toBe("ms");
      expect(write.body).toBe("meter,asset=H\\ 01 power_kw=2.5 1700000000123");
      const create = seen.find((s) => s.url.startsWith("/query"))!;
      expect(new URLSearchParams(create.url.split("?")[1]).get("q")).toBe('CREATE DATABASE "db1"');

      seen.length = 0;
      const withUser = openInfluxStore({ url, database: "db1", username: "ann", password: "p&w" });
      await withUser.write([point]);
      const params = new URLSearchParams(seen.find((s) => s.url.startsWith("/write"))!.url.split("?")[1]);
      expect([params.get("u"), params.get("p"), params.get("db")]).toEqual(["ann", "p&w", "db1"]);
      expect(seen[0]?.authorization).toBeUndefined();

      writeStatus = 503;
      expect(await withUser.write([point])).toMatchObject({
        kind: "retryable",
        code: "STORE_UNAVAILABLE",
        retryInMillis: 7000,
      });
      writeStatus = 400;
      expect(await withUser.write([point])).toMatchObject({ kind: "failure", code: "STORE_REFUSED_BATCH" });
      // Central's own credentials are wrong: keep the data at the edge, do not dead-letter it.
      writeStatus = 401;
      expect(await withUser.write([point])).toMatchObject({ kind: "retryable", code: "STORE_UNAVAILABLE" });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
