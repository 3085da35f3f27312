// A listener of its own for Prometheus text on GET /metrics: central and the
// edge agent serve their metrics on a port apart from any API, so what
// Prometheus scrapes inside a cluster or on a gateway is never reachable
// through the public ingress and needs no token.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface MetricsServer {
  /** `http://host:port/metrics`. */
  url: string;
  close(): Promise<void>;
}

/** Serves `GET /metrics` from `registry`; port 0 = a free port. */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if ((req.method === "GET" || req.method === "HEAD") && /^\/metrics(\?|$)/.test(req.url ?? "")) {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
          res.end(req.method === "HEAD" ? undefined : text);
        })
        .catch((e: Error) => {
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
          res.end(`${e.message}\n`);
        });
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("not found; try /metrics\n");
  });
  server.listen(port, host);
  await Promise.race([
    once(server, "listening"),
    once(server, "error").then(([e]) => Promise.reject(e as Error)),
  ]);
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
