// Central over TLS with a self-signed certificate made here with openssl:
// the client that trusts the certificate gets through, one that does not is
// refused by TLS itself, and the security headers include HSTS.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_FLEET } from "../test/helpers/central-fixture.ts";
import { parseCentralConfig } from "./config.ts";
import { type RunningCentral, startCentral } from "./server.ts";

const get = (
  url: string,
  ca?: Buffer,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request(url, { ...(ca ? { ca } : {}) }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => {
        body += c.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });

describe("central behind TLS (self-signed certificate)", () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-tls-"));
  let central: RunningCentral;
  let cert: Buffer;
  beforeAll(async () => {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-sha256",
        "-days",
        "2",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    cert = readFileSync(join(dir, "cert.pem"));
    const config = parseCentralConfig({
      server: { port: 0, tls: { certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") } },
      dataDir: join(dir, "data"),
      ...FIXTURE_FLEET,
    });
    central = await startCentral(config);
  });
  afterAll(async () => {
    await central?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves HTTPS to a client that trusts the certificate, with HSTS", async () => {
    expect(central.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await get(`${central.url}/healthz`, cert);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: "ok" });
    expect(String(res.headers["strict-transport-security"])).toMatch(/max-age=\d+/);
    const api = await get(`${central.url}/api/v1/assets`, cert);
    expect(api.status).toBe(401);
  });

  it("is refused by a client that does not trust the certificate", async () => {
    await expect(get(`${central.url}/healthz`)).rejects.toThrow(/self[- ]signed|certificate/i);
  });

  it("does not answer plain HTTP on the TLS port", async () => {
    const plain = central.url.replace("https:", "http:");
    const r = await fetch(`${plain}/healthz`).then(
      (res) => res.status,
      () => "refused",
    );
    expect(r).not.toBe(200);
  });
});
