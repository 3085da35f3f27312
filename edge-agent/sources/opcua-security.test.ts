// OPC UA with SecurityPolicy Basic256Sha256 and SignAndEncrypt against the
// turbine simulator's real server on loopback, certificates in PKI folders.
// The thumbprint expected in the log is computed here from the server's own
// certificate file (SHA-1 of its DER), not taken from the code under test.

import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ErrorCode } from "../../common/errors.ts";
import type { Point } from "../../common/wire.ts";
import { start as startTurbine, type TurbineSim } from "../../simulators/turbine/index.ts";
import { type OpcuaSourceConfig, parseAgentConfig } from "../config.ts";
import { createOpcuaSource } from "./opcua.ts";
import type { Source } from "./source.ts";

const pemToDer = (pem: string): Buffer =>
  Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, ""), "base64");
const sha1 = (der: Buffer): string => createHash("sha1").update(der).digest("hex").toUpperCase();

function sourceConfig(sim: TurbineSim, pkiDir: string, over: Record<string, unknown>): OpcuaSourceConfig {
  return parseAgentConfig({
    agent: { id: "wf1-agent", site: "wf1" },
    central: { url: "http://127.0.0.1:1", token: "t" },
    queue: { dir: pkiDir },
    sources: [
      {
        kind: "opcua",
        id: "t01-opcua",
        endpoint: sim.opcuaEndpoint,
        asset: "T01",
        pkiDir,
        publishingIntervalMs: 100,
        timeoutMs: 5000,
        securityMode: "SignAndEncrypt",
        securityPolicy: "Basic256Sha256",
        scalars: [{ nodeId: sim.nodeIds.scada.PowerKw, measurement: "scada", field: "power_kw" }],
        ...over,
      },
    ],
  }).sources[0] as OpcuaSourceConfig;
}

describe("OPC UA Basic256Sha256 SignAndEncrypt with explicitly trusted certificates", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  const setUp = async (trustClients: "auto" | "explicit", over: Record<string, unknown> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), "vetra-opcua-sec-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const sim = await startTurbine({
      assetId: "T01",
      samples: 1024,
      sampleRateHz: 2560,
      waveformRefreshMs: 60_000,
      scadaRefreshMs: 200,
      pkiDir: join(dir, "server-pki"),
      // None stays offered for discovery (GetEndpoints), as on most devices: clients need
      // the server certificate before they can open a secure channel.
      opcuaSecurityModes: ["None", "SignAndEncrypt"],
      opcuaTrustClients: trustClients,
    });
    cleanup.push(() => sim.stop());
    const pkiDir = join(dir, "agent-pki");
    const points: Point[] = [];
    const errors: { code: ErrorCode; message: string }[] = [];
    const logs: string[] = [];
    const source: Source = createOpcuaSource(sourceConfig(sim, pkiDir, over), {
      site: "wf1",
      agentId: "wf1-agent",
      pkiDir,
      log: (line) => logs.push(line),
    });
    await source.start({
      points: (p) => points.push(...p),
      waveform: () => {},
      error: (code, message) => errors.push({ code, message }),
    });
    cleanup.push(() => source.stop());
    return { sim, pkiDir, points, errors, logs };
  };

  it("refuses an untrusted server certificate, names its thumbprint and where to put it; data flows once it is trusted", {
    timeout: 60_000,
  }, async () => {
    const { sim, pkiDir, points, errors, logs } = await setUp("auto");
    await expect
      .poll(() => errors.filter((e) => e.code === "SOURCE_CERT_UNTRUSTED").length, { timeout: 20_000 })
      .toBeGreaterThan(0);
    const thumbprint = sha1(pemToDer(readFileSync(sim.opcuaPki.certificateFile, "utf8")));
    const lines = logs.filter((l) => l.includes("not trusted"));
    expect(lines).toHaveLength(1); // one line, not one per attempt
    expect(lines[0]).toContain(thumbprint);
    expect(lines[0]).toContain(join(pkiDir, "trusted", "certs"));
    expect(points).toEqual([]);
    // The operator's step: the saved certificate into the trusted folder.
    const saved = /move (\S+\.pem) into/.exec(lines[0]!)?.[1];
    expect(saved).toBeDefined();
    expect(sha1(pemToDer(readFileSync(saved!, "utf8")))).toBe(thumbprint);
    mkdirSync(join(pkiDir, "trusted", "certs"), { recursive: true });
    renameSync(saved!, join(pkiDir, "trusted", "certs", "turbine.pem"));
    const trustedAt = Date.now();
    await expect.poll(() => points.some((p) => p.ts >= trustedAt), { timeout: 15_000 }).toBe(true);
    expect(points.at(-1)!.fields.power_kw).toBeTypeOf("number");
  });

  it("reports clearly when the server refuses the agent's certificate", { timeout: 60_000 }, async () => {
    const { pkiDir, points, errors, logs } = await setUp("explicit", { trust: "auto" });
    await expect
      .poll(() => errors.filter((e) => e.code === "SOURCE_CERT_REJECTED").length, { timeout: 20_000 })
      .toBeGreaterThan(0);
    const ours = sha1(pemToDer(readFileSync(join(pkiDir, "own", "certs", "client_certificate.pem"), "utf8")));
    const line = logs.find((l) => l.includes("refused this agent's certificate"));
    expect(line).toContain(ours);
    expect(points).toEqual([]);
  });

  it("asks for an endpoint the server does not offer: says which ones it offers", {
    timeout: 60_000,
  }, async () => {
    const { errors, points } = await setUp("auto", { securityMode: "Sign" });
    await expect.poll(() => errors.length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(errors[0]!.code).toBe("SOURCE_DISCONNECTED");
    expect(errors[0]!.message).toMatch(
      /offers no endpoint with Sign \/ Basic256Sha256 \(offered: .*SignAndEncrypt Basic256Sha256/,
    );
    expect(points).toEqual([]);
  });
});
