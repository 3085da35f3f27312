// HTTP/1.1 over a plain socket, bytes as written: fetch and the test
// injector resolve `/./` and `//`, upper-case nothing but may re-encode, so
// hostile paths are sent exactly this way.
import { connect } from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: string;
  /** Sent as is on the request line. */
  url: string;
  headers?: Record<string, string>;
  body?: string | object;
}

const decodeChunked = (data: Buffer): Buffer => {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
};

/** One request on its own connection (`Connection: close`); resolves with the whole response. */
export function rawRequest(base: string, request: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  const body =
    request.body === undefined
      ? undefined
      : Buffer.from(typeof request.body === "string" ? request.body : JSON.stringify(request.body));
  const headers: Record<string, string> = {
    Host: `${hostname}:${port}`,
    Connection: "close",
    ...(body ? { "Content-Type": "application/json", "Content-Length": String(body.length) } : {}),
    ...request.headers,
  };
  const head = `${request.method} ${request.url} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(
      () => socket.destroy(new Error(`no answer to ${request.method} ${request.url}`)),
      timeoutMs,
    );
    socket.on("data", (d) => chunks.push(d));
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const data = Buffer.concat(chunks);
      const split = data.indexOf("\r\n\r\n");
      if (split < 0) return reject(new Error(`no HTTP answer to ${request.method} ${request.url}`));
      const [statusLine = "", ...lines] = data.subarray(0, split).toString("latin1").split("\r\n");
      const parsed: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        parsed[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const rest = data.subarray(split + 4);
      const content = parsed["transfer-encoding"] === "chunked" ? decodeChunked(rest) : rest;
      resolve({ status: Number(statusLine.split(" ")[1]), headers: parsed, body: content.toString("utf8") });
    });
    socket.write(head);
    if (body) socket.write(body);
  });
}
