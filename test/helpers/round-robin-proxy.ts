// A load balancer for tests of several central replicas: request n goes to
// backend n mod k (no stickiness, a new upstream connection per request, so
// consecutive requests of one client land on different replicas). A backend
// that refuses the connection (its process is dead or not yet listening) is
// skipped and the next one tried, as a load balancer's passive health check
// does (nginx `proxy_next_upstream error`: only when nothing of the request
// reached the upstream, so a POST is never sent twice by the proxy). A
// backend that dies mid-request is the client's 502: its retry decides.
// Responses stream through (Server-Sent Events pass unbuffered).
import { once } from "node:events";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RoundRobinProxy {
  url: string;
  /** Requests answered by each backend (by index). */
  readonly hits: number[];
  /** Connections refused by each backend, after which the next one was tried. */
  readonly skipped: number[];
  close(): Promise<void>;
}

/** Connection errors that prove nothing of the request reached the backend. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);

export async function startRoundRobinProxy(backends: readonly string[]): Promise<RoundRobinProxy> {
  const hits = backends.map(() => 0);
  const skipped = backends.map(() => 0);
  let next = 0;

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, first: number, tried: number) => {
    if (tried === backends.length) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end("no backend accepted the connection");
      return;
    }
    const i = (first + tried) % backends.length;
    const target = new URL(req.url ?? "/", backends[i]);
    const upstream = httpRequest(
      target,
      {
        method: req.method,
        headers: { ...req.headers, host: target.host, "content-length": String(body.length) },
        agent: false,
      },
      (answer) => {
        hits[i]!++;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on("error", () => res.destroy());
      },
    );
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (NOT_CONNECTED.has(error.code ?? "")) {
        skipped[i]!++;
        forward(req, res, body, first, tried + 1);
        return;
      }
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end("the backend failed mid-request");
      } else res.destroy();
    });
    // The client went away (a closed event stream): close the upstream too.
    res.on("close", () => upstream.destroy());
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    // Buffered, so that the request can go to the next backend when one refuses the connection.
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => forward(req, res, Buffer.concat(chunks), next++ % backends.length, 0));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    skipped,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
