// OPC UA acquisition (node-opcua): scalars by monitored items, waveforms by
// watching each point's block counter and, when it changes, reading
// counter + waveform + sample rate + speed(s) in one Read so they belong to
// the same block.
//
// Security (IEC 62541-2/-4): `securityMode` None, Sign or SignAndEncrypt
// with a policy such as Basic256Sha256; the client's certificate store is
// the source's PKI folder. With `trust: explicit` the server certificate is
// looked up before the secure channel is opened (GetEndpoints on a
// discovery connection) and checked against `<pki>/trusted/certs` only: an
// unknown certificate is refused, saved to `<pki>/rejected` and named in one
// log line with its SHA-1 thumbprint and where to move it (a certificate
// in `rejected` counts as refused even when also in `trusted`). A server refusing
// *our* certificate is reported the same way. The certificate manager is
// rebuilt on every connection attempt, so a certificate an operator copies
// into `trusted` takes effect at the next attempt.
//
// node-opcua can re-establish a secure channel by itself, but after a
// server restart its session and subscriptions are gone; rather than trust
// the partial recovery, any sign of a broken link (connection lost, session
// closed, subscription terminated, keep-alives stopping) tears everything
// down and rebuilds client, session and subscription from scratch.
import { createHash } from "node:crypto";
import type { EventEmitter } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
// The client and certificate-manager packages, not the `node-opcua`
// umbrella: that one loads the OPC UA server too (≈ 19 MB more memory and
// 1.9 MB more bundle on a gateway that only reads).
import { OPCUACertificateManager } from "node-opcua-certificate-manager";
import {
  AttributeIds,
  type ClientSession,
  ClientSubscription,
  type DataValue,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  TimestampsToReturn,
} from "node-opcua-client";
import type { ErrorCode } from "../../common/errors.ts";
import type { Point } from "../../common/wire.ts";
import type { OpcuaSourceConfig, OpcuaWaveform } from "../config.ts";
import {
  cancellableSleep,
  reconnectDelayMs,
  type Source,
  type SourceContext,
  type SourceSink,
} from "./source.ts";

/** Keep-alive periods without any sign of life before the link counts as broken. */
const KEEPALIVE_COUNT = 5;

const toNumber = (v: unknown): number | null => {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number"))
    return v[0]! * 2 ** 32 + v[1]!; // Int64 as [high, low]
  return null;
};

function toSamples(v: unknown): Float32Array | Float64Array | null {
  if (v instanceof Float32Array || v instanceof Float64Array) return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return Float64Array.from(v as number[]);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return Float64Array.from(v as unknown as ArrayLike<number>);
  return null;
}

/** SHA-1 thumbprint of a DER certificate, as OPC UA names certificates (Part 6 §6.2.2), upper-case hex. */
export const thumbprintOf = (der: Buffer): string =>
  createHash("sha1").update(der).digest("hex").toUpperCase();

const toPem = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${(der.toString("base64").match(/.{1,64}/g) ?? []).join("\n")}\n-----END CERTIFICATE-----\n`;

/** A connection failure with its own error code (certificates). */
class SourceFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** node-opcua's words for a peer refusing our certificate during OpenSecureChannel / CreateSession. */
const CERT_REFUSED =
  /BadCertificate|BadSecurityChecksFailed|BadSecurityPolicyRejected|BadNoValidCertificates/;

export function createOpcuaSource(config: OpcuaSourceConfig, ctx: SourceContext): Source {
  const nap = cancellableSleep();
  let running = false;
  let loop: Promise<void> | null = null;
  let client: OPCUAClient | null = null;
  let session: ClientSession | null = null;
  let subscription: ClientSubscription | null = null;
  let broken: ((why: string) => void) | null = null;
  let stopping: (() => void) | null = null;
  const lastSequence = new Map<string, number>();
  const secure = config.securityMode !== "None";
  const securityMode = MessageSecurityMode[config.securityMode];
  const securityPolicy = secure ? SecurityPolicy[config.securityPolicy] : SecurityPolicy.None;
  // Without security there is no server certificate to check.
  const acceptAnyServer = config.trust === "auto" || !secure;
  let certificateManager: OPCUACertificateManager | null = null;
  const logged = new Set<string>();
  const logOnce = (line: string): void => {
    if (logged.has(line)) return;
    logged.add(line);
    ctx.log(line);
  };

  /** The server's certificate of the endpoint we are to use (a discovery connection without security). */
  async function serverCertificateOf(manager: OPCUACertificateManager): Promise<Buffer | null> {
    const probe = OPCUAClient.create({
      applicationName: `vetra-edge-${ctx.agentId}`,
      endpointMustExist: false,
      clientCertificateManager: manager,
      connectionStrategy: { maxRetry: 0, initialDelay: 200, maxDelay: 1000 },
      transportTimeout: config.timeoutMs,
    });
    try {
      await probe.connect(config.endpoint);
      const endpoints = await probe.getEndpoints();
      const match = endpoints.find(
        (e) => e.securityMode === securityMode && e.securityPolicyUri === securityPolicy,
      );
      if (!match) {
        throw new SourceFailure(
          "SOURCE_DISCONNECTED",
          `the server offers no endpoint with ${config.securityMode} / ${config.securityPolicy} (offered: ${endpoints
            .map((e) => `${MessageSecurityMode[e.securityMode]} ${e.securityPolicyUri?.split("#")[1] ?? ""}`)
            .join(", ")})`,
        );
      }
      return match.serverCertificate ? Buffer.from(match.serverCertificate) : null;
    } finally {
      await probe.disconnect().catch(() => {});
    }
  }

  /** Explicit trust: refuses (and says so) unless the server certificate is in `<pki>/trusted/certs`. */
  async function checkServerTrusted(manager: OPCUACertificateManager): Promise<void> {
    const der = await serverCertificateOf(manager);
    if (!der) throw new SourceFailure("SOURCE_CERT_UNTRUSTED", "the server sent no certificate");
    const status = String(await manager.verifyCertificate(der));
    if (status === "Good") return;
    const thumbprint = thumbprintOf(der);
    mkdirSync(join(ctx.pkiDir, "rejected"), { recursive: true });
    const saved = join(ctx.pkiDir, "rejected", `server[${thumbprint}].pem`);
    writeFileSync(saved, toPem(der));
    const trusted = join(ctx.pkiDir, "trusted", "certs");
    const message = `server certificate of ${config.endpoint} (SHA-1 thumbprint ${thumbprint}) is not trusted (${status}): after checking the thumbprint with the device, move ${saved} into ${trusted}/`;
    logOnce(`source ${config.id}: ${message}`);
    throw new SourceFailure("SOURCE_CERT_UNTRUSTED", message);
  }

  async function teardown(): Promise<void> {
    const sub = subscription;
    const ses = session;
    const cli = client;
    const manager = certificateManager;
    subscription = null;
    session = null;
    client = null;
    certificateManager = null;
    // Each step may fail on a dead link; none of that matters any more.
    if (sub) await sub.terminate().catch(() => {});
    if (ses) await ses.close().catch(() => {});
    if (cli) await cli.disconnect().catch(() => {});
    if (manager) await manager.dispose().catch(() => {});
  }

  async function readBlock(sink: SourceSink, w: OpcuaWaveform): Promise<void> {
    const ses = session;
    if (!ses) return;
    const nodes = [w.sequenceNodeId, w.waveformNodeId, w.sampleRateNodeId];
    const speedAt = w.speedNodeId ? nodes.push(w.speedNodeId) - 1 : -1;
    const speedEndAt = w.speedEndNodeId ? nodes.push(w.speedEndNodeId) - 1 : -1;
    let values: DataValue[];
    try {
      values = await ses.read(nodes.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })));
    } catch (e) {
      sink.error("SOURCE_DISCONNECTED", `${config.id} ${w.point}: read failed: ${(e as Error).message}`);
      return;
    }
    const ts = Date.now();
    const bad = values.findIndex((v) => v.statusCode.isNotGood());
    if (bad >= 0) {
      sink.error("SOURCE_EXCEPTION", `${config.id} ${nodes[bad]}: ${values[bad]!.statusCode.toString()}`);
      return;
    }
    const sequence = toNumber(values[0]!.value.value);
    const samples = toSamples(values[1]!.value.value);
    const sampleRateHz = toNumber(values[2]!.value.value);
    const speedRpm = speedAt >= 0 ? toNumber(values[speedAt]!.value.value) : null;
    const speedRpmEnd = speedEndAt >= 0 ? toNumber(values[speedEndAt]!.value.value) : null;
    if (
      sequence === null ||
      samples === null ||
      sampleRateHz === null ||
      !(sampleRateHz > 0) ||
      samples.length < 4
    ) {
      sink.error("SOURCE_BAD_FRAME", `${config.id} ${w.point}: block is incomplete or of the wrong type`);
      return;
    }
    if (lastSequence.get(w.point) === sequence) return; // already delivered (e.g. after a reconnect)
    lastSequence.set(w.point, sequence);
    sink.waveform({
      sourceId: config.id,
      asset: config.asset,
      point: w.point,
      component: w.component,
      samples,
      sampleRateHz,
      unit: w.unit,
      speedRpm,
      ...(speedEndAt >= 0 ? { speedRpmEnd } : {}),
      sequence,
      ts,
    });
  }

  /** A connect error that says the server refused our certificate becomes SOURCE_CERT_REJECTED, with where our certificate is. */
  function refusedOrAsIs(cli: OPCUAClient, e: unknown): unknown {
    const text = `${(e as Error)?.message ?? e}`;
    if (!secure || !CERT_REFUSED.test(text)) return e;
    let ours = "";
    try {
      const der = (cli as unknown as { getCertificate(): Buffer }).getCertificate();
      ours = ` (SHA-1 thumbprint ${thumbprintOf(der)}, file ${(cli as unknown as { certificateFile: string }).certificateFile})`;
    } catch {
      // no certificate to name
    }
    const message = `the server at ${config.endpoint} refused this agent's certificate${ours}: add it to the server's trusted certificates (${text.split("\n")[0]})`;
    logOnce(`source ${config.id}: ${message}`);
    return new SourceFailure("SOURCE_CERT_REJECTED", message);
  }

  async function connectAll(sink: SourceSink): Promise<void> {
    mkdirSync(ctx.pkiDir, { recursive: true });
    const manager = new OPCUACertificateManager({
      rootFolder: ctx.pkiDir,
      automaticallyAcceptUnknownCertificate: acceptAnyServer,
    });
    certificateManager = manager;
    await manager.initialize();
    if (!acceptAnyServer) await checkServerTrusted(manager);
    const cli = OPCUAClient.create({
      applicationName: `vetra-edge-${ctx.agentId}`,
      securityMode,
      securityPolicy,
      endpointMustExist: false,
      clientCertificateManager: manager,
      // Our own loop reconnects (and rebuilds the session): node-opcua makes one attempt.
      connectionStrategy: { maxRetry: 0, initialDelay: 200, maxDelay: 1000 },
      requestedSessionTimeout: Math.max(10_000, config.publishingIntervalMs * KEEPALIVE_COUNT * 4),
      keepSessionAlive: false,
      transportTimeout: config.timeoutMs,
      transportSettings: { maxMessageSize: 64 * 1024 * 1024, maxChunkCount: 0 },
    });
    client = cli;
    const events = cli as unknown as EventEmitter;
    events.on("connection_lost", () => broken?.("connection lost"));
    events.on("close", () => broken?.("connection closed"));
    events.on("backoff", () => broken?.("reconnecting"));
    try {
      await cli.connect(config.endpoint);
    } catch (e) {
      throw refusedOrAsIs(cli, e);
    }
    let ses: ClientSession;
    try {
      ses = await cli.createSession();
    } catch (e) {
      throw refusedOrAsIs(cli, e);
    }
    session = ses;
    (ses as unknown as EventEmitter).on("session_closed", () => broken?.("session closed"));

    const sub = ClientSubscription.create(ses, {
      requestedPublishingInterval: config.publishingIntervalMs,
      requestedMaxKeepAliveCount: 2,
      requestedLifetimeCount: 2 * KEEPALIVE_COUNT * 3,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    subscription = sub;
    (sub as unknown as EventEmitter).on("terminated", () => broken?.("subscription terminated"));
    (sub as unknown as EventEmitter).on("internal_error", (e: Error) =>
      broken?.(`subscription error: ${e.message}`),
    );

    const itemParams = { samplingInterval: config.publishingIntervalMs, discardOldest: true, queueSize: 1 };
    for (const s of config.scalars) {
      const item = await sub.monitor(
        { nodeId: s.nodeId, attributeId: AttributeIds.Value },
        itemParams,
        TimestampsToReturn.Both,
      );
      item.on("changed", (dv: DataValue) => {
        if (dv.statusCode.isNotGood()) {
          sink.error("SOURCE_EXCEPTION", `${config.id} ${s.nodeId}: ${dv.statusCode.toString()}`);
          return;
        }
        const raw = toNumber(dv.value.value);
        if (raw === null) {
          sink.error("SOURCE_BAD_FRAME", `${config.id} ${s.nodeId}: not a number`);
          return;
        }
        const tags: Record<string, string> = { site: ctx.site, asset: config.asset };
        if (s.point) tags.point = s.point;
        const point: Point = {
          measurement: s.measurement,
          tags,
          fields: { [s.field]: raw * s.scale },
          ts: Date.now(),
        };
        sink.points([point]);
      });
    }
    for (const w of config.waveforms) {
      // One read at a time per point; a change during a read is picked up by a re-read after it.
      let busy = false;
      let again = false;
      const onChange = async (): Promise<void> => {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        try {
          do {
            again = false;
            await readBlock(sink, w);
          } while (again && running);
        } finally {
          busy = false;
        }
      };
      const item = await sub.monitor(
        { nodeId: w.sequenceNodeId, attributeId: AttributeIds.Value },
        itemParams,
        TimestampsToReturn.Both,
      );
      item.on("changed", (dv: DataValue) => {
        if (dv.statusCode === StatusCodes.Good || dv.statusCode.isGood()) void onChange();
      });
    }
  }

  async function run(sink: SourceSink): Promise<void> {
    let attempt = 0;
    while (running) {
      let reason = "";
      let code: ErrorCode = "SOURCE_DISCONNECTED";
      try {
        const linkBroken = new Promise<string>((resolve) => {
          broken = (why) => resolve(why);
          stopping = () => resolve("stopping");
        });
        await connectAll(sink);
        attempt = 0;
        ctx.log(`source ${config.id}: connected to ${config.endpoint}`);
        // Keep-alives: the subscription says something at least every keep-alive period.
        let lastSign = Date.now();
        const sub = subscription as unknown as EventEmitter | null;
        sub?.on("keepalive", () => {
          lastSign = Date.now();
        });
        sub?.on("received_notifications", () => {
          lastSign = Date.now();
        });
        const staleAfterMs = Math.max(3000, config.publishingIntervalMs * 2 * KEEPALIVE_COUNT);
        const watchdog = setInterval(
          () => {
            if (Date.now() - lastSign > staleAfterMs) broken?.(`no keep-alive for ${staleAfterMs} ms`);
          },
          Math.min(1000, staleAfterMs / 3),
        );
        reason = await linkBroken;
        clearInterval(watchdog);
      } catch (e) {
        reason = (e as Error).message;
        if (e instanceof SourceFailure) code = e.code;
      }
      broken = null;
      stopping = null;
      await teardown();
      if (!running) break;
      sink.error(code, `${config.id} ${config.endpoint}: ${reason}`);
      await nap.sleep(reconnectDelayMs(attempt++, 500));
    }
  }

  return {
    id: config.id,
    async start(sink) {
      if (running) return;
      running = true;
      loop = run(sink).catch((e) => sink.error("INTERNAL", `${config.id}: ${(e as Error).stack ?? e}`));
    },
    async stop() {
      running = false;
      nap.cancel();
      stopping?.();
      await loop;
      loop = null;
    },
  };
}
