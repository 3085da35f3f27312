// Central's catalog as the agent keeps it, against a local HTTP server that
// answers the way central does (ETag, 304), is down, or answers nonsense.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { buildCatalog, checkPoint } from "../../common/catalog.ts";
import { CentralCatalog, createHttpCatalogFetch } from "./catalog.ts";

const catalogOf = (generation: number, points: string[]) =>
  buildCatalog("wf1", generation, [{ id: "T01", kind: "turbine", points: points.map((id) => ({ id })) }]);

describe("central's catalog at the agent", () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
    server = undefined;
  });

  const serve = async (answer: () => { status: number; body?: unknown; etag?: string }) => {
    const seen: { ifNoneMatch: string | undefined; auth: string | undefined }[] = [];
    server = createServer((req, res) => {
      seen.push({ ifNoneMatch: req.headers["if-none-match"], auth: req.headers.authorization });
      const a = answer();
      if (a.etag && req.headers["if-none-match"] === a.etag) {
        res.writeHead(304, { etag: a.etag });
        res.end();
        return;
      }
      res.writeHead(a.status, { "content-type": "application/json", ...(a.etag ? { etag: a.etag } : {}) });
      res.end(a.body === undefined ? "" : typeof a.body === "string" ? a.body : JSON.stringify(a.body));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, seen };
  };

  it("fetches with the token, re-fetches conditionally, and follows a change", async () => {
    let current = { status: 200, body: catalogOf(1, ["main_bearing"]), etag: '"g1"' };
    const { url, seen } = await serve(() => current);
    const lines: string[] = [];
    let changes = 0;
    const catalog = new CentralCatalog(
      createHttpCatalogFetch({ url, token: "agent-token", timeoutMs: 2000, gzip: false }),
      {
        refreshMs: 60_000,
        log: (l) => lines.push(l),
        onChange: () => changes++,
      },
    );
    expect(catalog.current()).toBeNull();
    await catalog.start();
    const point = (p: string) => ({
      measurement: "vibration" as const,
      tags: { site: "wf1", asset: "T01", point: p },
      fields: { v_rms_mm_s: 1 },
      ts: 1,
    });
    expect(checkPoint(catalog.current()!, point("main_bearing"))).toBeNull();
    expect(checkPoint(catalog.current()!, point("generator_de"))).toMatchObject({ code: "UNKNOWN_POINT" });
    await catalog.refresh();
    expect(seen.map((s) => s.ifNoneMatch)).toEqual([undefined, '"g1"']);
    expect(seen[0]!.auth).toBe("Bearer agent-token");
    expect(changes).toBe(1);
    current = { status: 200, body: catalogOf(2, ["main_bearing", "generator_de"]), etag: '"g2"' };
    await catalog.refresh();
    expect(changes).toBe(2);
    expect(checkPoint(catalog.current()!, point("generator_de"))).toBeNull();
    expect(lines.filter((l) => l.startsWith("catalog: central accepts"))).toHaveLength(2);
    await catalog.stop();
  });

  it("a failed fetch keeps what it had, logs once per kind of trouble, and says when it recovers", async () => {
    let current: { status: number; body?: unknown; etag?: string } = {
      status: 200,
      body: catalogOf(1, ["a"]),
    };
    const { url } = await serve(() => current);
    const lines: string[] = [];
    const catalog = new CentralCatalog(
      createHttpCatalogFetch({ url, token: "t", timeoutMs: 2000, gzip: false }),
      {
        refreshMs: 60_000,
        log: (l) => lines.push(l),
      },
    );
    await catalog.start();
    const had = catalog.current();
    current = { status: 503, body: { error: { code: "STORE_UNAVAILABLE", message: "down" } } };
    await catalog.refresh();
    await catalog.refresh();
    current = { status: 200, body: { site: "wf1", assets: "all of them" } };
    await catalog.refresh();
    expect(catalog.current()).toBe(had);
    expect(lines.filter((l) => l.includes("503"))).toHaveLength(1);
    expect(lines.filter((l) => l.includes("not a catalog"))).toHaveLength(1);
    current = { status: 200, body: catalogOf(1, ["a"]) };
    await catalog.refresh();
    expect(lines.at(-2)).toBe("catalog: read from central again");
    await catalog.stop();
  });

  it("without central (connection refused) there is no catalog, and start() still returns", async () => {
    const { url } = await serve(() => ({ status: 200 }));
    server!.close();
    await once(server!, "close");
    server = undefined;
    const lines: string[] = [];
    const catalog = new CentralCatalog(
      createHttpCatalogFetch({ url, token: "t", timeoutMs: 1000, gzip: false }),
      {
        refreshMs: 60_000,
        log: (l) => lines.push(l),
      },
    );
    await catalog.start();
    expect(catalog.current()).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^catalog: UPLINK_UNREACHABLE .*ECONNREFUSED; points are not checked before sending/,
    );
    await catalog.stop();
  });
});
