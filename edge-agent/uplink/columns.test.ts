// The uplink's columnar body: how a batch becomes one, and which body the
// agent sends to which central — a real central behind a recording proxy
// that can also play an older central (a catalog without `ingestFormats`,
// 415 for the columnar body, as a central without its parser answers).
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { INGEST_V2_MEDIA_TYPE } from "../../common/wire-columns.ts";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import { batchOf, scada } from "../../test/helpers/wire-batch.ts";
import { CentralCatalog, createHttpCatalogFetch } from "./catalog.ts";
import { batchRefusals, toColumnsBatch } from "./columns.ts";
import { createHttpTransport, isRefusedInPart } from "./transport.ts";

const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;

describe("toColumnsBatch", () => {
  it("groups points by series in order of first sight, nulls where a point lacks a field, and maps refusals back", () => {
    const points = [
      scada("T01", T0, { power_kw: 1 }),
      scada("T02", T0, { power_kw: 2, wind_speed_m_s: 5 }),
      scada("T01", T0 + 1, { wind_speed_m_s: 6 }),
      { ...scada("T02", T0 + 1, { power_kw: 3 }), tags: { asset: "T02", site: "wf1" } },
    ];
    const { body, order } = toColumnsBatch(batchOf("wf1-agent-1-4", points));
    expect(body.series).toEqual([
      {
        measurement: "scada",
        tags: { site: "wf1", asset: "T01" },
        fields: ["power_kw", "wind_speed_m_s"],
        ts: [T0, T0 + 1],
        values: [
          [1, null],
          [null, 6],
        ],
      },
      {
        measurement: "scada",
        tags: { site: "wf1", asset: "T02" },
        fields: ["power_kw", "wind_speed_m_s"],
        ts: [T0, T0 + 1],
        values: [
          [2, 3],
          [5, null],
        ],
      },
    ]);
    expect([...order]).toEqual([0, 2, 1, 3]);
    expect(
      batchRefusals([{ index: 1, code: "UNKNOWN_FIELD", message: "points[1].fields.x: no" }], order),
    ).toEqual([{ index: 2, code: "UNKNOWN_FIELD", message: "points[2].fields.x: no" }]);
    // An index the body does not have: not mapped (the batch is refused whole).
    expect(batchRefusals([{ index: 4, code: "UNKNOWN_FIELD", message: "x" }], order)).toBeNull();
  });
});

describe("the uplink's body against a new and an older central", () => {
  let f: CentralFixture;
  let proxy: Server;
  let url: string;
  /** Content-Types of the ingest POSTs the proxy passed on (or answered as an older central). */
  let posted: string[];
  let older: boolean;

  beforeEach(async () => {
    f = await makeCentralFixture();
    await f.app.listen({ port: 0, host: "127.0.0.1" });
    const central = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
    posted = [];
    older = false;
    proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const type = String(req.headers["content-type"] ?? "");
      if (req.method === "POST") posted.push(type);
      if (older && req.method === "POST" && type.startsWith(INGEST_V2_MEDIA_TYPE)) {
        res.writeHead(415, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ error: { code: "UNSUPPORTED_ENCODING", message: "Unsupported Media Type" } }),
        );
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
      const answer = await fetch(`${central}${req.url}`, {
        method: req.method ?? "GET",
        headers,
        ...(req.method === "POST" ? { body: Buffer.concat(chunks) } : {}),
      });
      let text = await answer.text();
      if (older && req.url?.startsWith("/api/v1/ingest/catalog") && answer.status === 200) {
        const { ingestFormats: _, ...catalog } = JSON.parse(text);
        text = JSON.stringify(catalog);
      }
      res.writeHead(answer.status, {
        "content-type": answer.headers.get("content-type") ?? "application/json",
      });
      res.end(text);
    });
    proxy.listen(0, "127.0.0.1");
    await once(proxy, "listening");
    url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    proxy.closeAllConnections();
    proxy.close();
    await f.close();
  });

  const agent = async () => {
    const options = { url, token: f.tokens.agentWf1, timeoutMs: 10_000, gzip: true };
    const catalog = new CentralCatalog(createHttpCatalogFetch(options), {
      refreshMs: 60_000,
      log: () => undefined,
    });
    await catalog.start();
    return { catalog, transport: createHttpTransport(options, catalog) };
  };

  const storedPower = async (): Promise<number> => {
    const r = await f.store.query({
      measurement: "scada",
      field: "power_kw",
      fromMs: T0 - 60_000,
      toMs: T0 + 60_000,
    });
    if (r.kind !== "success") throw new Error(r.message);
    return r.value.reduce((n, s) => n + s.points.length, 0);
  };

  it("sends the columnar body to a central whose catalog lists it, and names refused points by their batch index", async () => {
    const { catalog, transport } = await agent();
    expect(catalog.accepts(INGEST_V2_MEDIA_TYPE)).toBe(true);
    const ok = await transport.send(
      batchOf(
        "wf1-agent-1-3",
        [0, 1, 2].map((i) => scada("T01", T0 + i, { power_kw: i })),
      ),
    );
    expect(ok).toEqual({
      kind: "success",
      value: { batchId: "wf1-agent-1-3", accepted: 3, duplicate: false },
    });
    // The bad point is the batch's second; in the columnar body it is the last (its series comes second).
    const refused = await transport.send(
      batchOf("wf1-agent-4-6", [
        scada("T01", T0 + 10, { power_kw: 1 }),
        scada("T99", T0 + 10, { power_kw: 1 }),
        scada("T01", T0 + 11, { power_kw: 1 }),
      ]),
    );
    expect(isRefusedInPart(refused)).toBe(true);
    if (!isRefusedInPart(refused)) return;
    expect(refused.rejected).toEqual([
      expect.objectContaining({
        index: 1,
        code: "UNKNOWN_ASSET",
        message: expect.stringMatching(/^points\[1\]\.tags\.asset/),
      }),
    ]);
    expect(posted.every((t) => t === INGEST_V2_MEDIA_TYPE)).toBe(true);
    expect(posted).toHaveLength(2);
    expect(await storedPower()).toBe(3);
    await catalog.stop();
  });

  it("sends version 1 to a central whose catalog does not list the columnar body", async () => {
    older = true;
    const { catalog, transport } = await agent();
    expect(catalog.current()).not.toBeNull();
    expect(catalog.accepts(INGEST_V2_MEDIA_TYPE)).toBe(false);
    const r = await transport.send(
      batchOf(
        "wf1-agent-1-2",
        [0, 1].map((i) => scada("T02", T0 + i, { power_kw: i })),
      ),
    );
    expect(r).toEqual({
      kind: "success",
      value: { batchId: "wf1-agent-1-2", accepted: 2, duplicate: false },
    });
    expect(posted).toEqual(["application/json"]);
    expect(await storedPower()).toBe(2);
    await catalog.stop();
  });

  it("re-sends as version 1 when central answers the columnar body 415, and keeps to version 1 after", async () => {
    const { catalog, transport } = await agent();
    older = true; // replaced by an older central after its catalog was read
    const first = await transport.send(batchOf("wf1-agent-1-1", [scada("T01", T0, { power_kw: 7 })]));
    expect(first.kind).toBe("success");
    const second = await transport.send(batchOf("wf1-agent-2-2", [scada("T01", T0 + 1, { power_kw: 8 })]));
    expect(second.kind).toBe("success");
    expect(posted).toEqual([INGEST_V2_MEDIA_TYPE, "application/json", "application/json"]);
    expect(await storedPower()).toBe(2);
    await catalog.stop();
  });
});
