// OPC UA acquisition (node-opcua): scalars by monitored items, waveforms by
// watching each point's trigger (block counter, acquisition time or the
// array itself) and reading the block in one Read (opcua-blocks.ts).
//
// Node ids are checked at config load (opcua-nodeid.ts); at every connect
// `nsu=` namespace URIs are resolved through the server's namespace array
// (indexes differ between devices and may change when a server restarts)
// and every configured node is looked up once: a node the server does not
// have, or a namespace it does not know, is a counted source error naming
// the node and its key, and the other points go on. No failure of a node,
// a monitored item or the subscription may escape as an unhandled error:
// the subscription is created with createSubscription2 (awaited, with its
// error listener), which the process-killing `createSubscription has failed
// = > no session` of ClientSubscription.create cannot reach.
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
  type ClientSubscription,
  DataType,
  type DataValue,
  MessageSecurityMode,
  type NodeId,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
} from "node-opcua-client";
import type { ErrorCode } from "../../common/errors.ts";
import { isPlausible, physicalRangeOf } from "../../common/names.ts";
import { quietRsaPkcs1Check } from "../../common/opcua-warnings.ts";
import type { Point } from "../../common/wire.ts";
import { type OpcuaSourceConfig, plausibleRangeOf } from "../config-sources.ts";
import { openCursors } from "./cursors.ts";
import { createWaveformReader, toNumber, type WaveformReader } from "./opcua-blocks.ts";
import { configuredNodes, lookUpNodes } from "./opcua-lookup.ts";
import type { ProbeRow, Source, SourceContext, SourceSink } from "./source.ts";
import { cancellableSleep, reconnectDelayMs } from "./source.ts";
import { storedValue } from "./values.ts";

// Node 20 prints a PKCS#1 v1.5 warning at load that never concerns Vetra (common/opcua-warnings.ts).
quietRsaPkcs1Check();

/** Keep-alive periods without any sign of life before the link counts as broken. */
const KEEPALIVE_COUNT = 5;

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

/** A scalar's DataValue as stored: raw × scale + offset without float noise; null when it is not a number. */
function scalarValue(
  dv: DataValue,
  s: { scale: number; offset: number; decimals?: number | undefined },
): number | null {
  const raw = toNumber(dv.value.value);
  if (raw === null) return null;
  const v = storedValue(raw, s, dv.value.dataType === DataType.Float);
  return Number.isFinite(v) ? v : null;
}

interface Opened {
  readonly client: OPCUAClient;
  readonly session: ClientSession;
  readonly manager: OPCUACertificateManager;
}

export function createOpcuaSource(
  config: OpcuaSourceConfig,
  ctx: SourceContext,
): Source & { probe(): Promise<ProbeRow[]> } {
  const nap = cancellableSleep();
  let running = false;
  let loop: Promise<void> | null = null;
  let opened: Opened | null = null;
  let subscription: ClientSubscription | null = null;
  let broken: ((why: string) => void) | null = null;
  let stopping: (() => void) | null = null;
  const secure = config.securityMode !== "None";
  const securityMode = MessageSecurityMode[config.securityMode];
  const securityPolicy = secure ? SecurityPolicy[config.securityPolicy] : SecurityPolicy.None;
  // Without security there is no server certificate to check.
  const acceptAnyServer = config.trust === "auto" || !secure;
  const logged = new Set<string>();
  const logOnce = (line: string): void => {
    if (logged.has(line)) return;
    logged.add(line);
    ctx.log(line);
  };
  const cursors = openCursors(ctx.dataDir, config.id, ctx.log);
  /** The latest value of each scalar (speedFrom of a waveform of this source). */
  const latest = new Map<string, { value: number; at: number }>();
  let readers: WaveformReader[] = [];

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
    const o = opened;
    subscription = null;
    opened = null;
    readers = [];
    // Each step may fail on a dead link; none of that matters any more.
    if (sub) await sub.terminate().catch(() => {});
    if (o) {
      await o.session.close().catch(() => {});
      await o.client.disconnect().catch(() => {});
      await o.manager.dispose().catch(() => {});
    }
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

  /** Client and session (certificates checked as configured); kept in `opened` so teardown closes them. */
  async function openSession(): Promise<Opened> {
    mkdirSync(ctx.pkiDir, { recursive: true });
    const manager = new OPCUACertificateManager({
      rootFolder: ctx.pkiDir,
      automaticallyAcceptUnknownCertificate: acceptAnyServer,
    });
    try {
      await manager.initialize();
      if (!acceptAnyServer) await checkServerTrusted(manager);
    } catch (e) {
      await manager.dispose().catch(() => {});
      throw e;
    }
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
    const events = cli as unknown as EventEmitter;
    events.on("connection_lost", () => broken?.("connection lost"));
    events.on("close", () => broken?.("connection closed"));
    events.on("backoff", () => broken?.("reconnecting"));
    try {
      await cli.connect(config.endpoint);
    } catch (e) {
      await manager.dispose().catch(() => {});
      throw refusedOrAsIs(cli, e);
    }
    let ses: ClientSession;
    try {
      ses = await cli.createSession();
    } catch (e) {
      await cli.disconnect().catch(() => {});
      await manager.dispose().catch(() => {});
      throw refusedOrAsIs(cli, e);
    }
    (ses as unknown as EventEmitter).on("session_closed", () => broken?.("session closed"));
    return { client: cli, session: ses, manager };
  }

  const scalarPoint = (s: OpcuaSourceConfig["scalars"][number], value: number, ts: number): Point => {
    const tags: Record<string, string> = { site: ctx.site, asset: config.asset };
    if (s.point) tags.point = s.point;
    return { measurement: s.measurement, tags, fields: { [s.field]: value }, ts };
  };

  async function connectAll(sink: SourceSink): Promise<string> {
    const o = await openSession();
    opened = o;
    const { conn, problems, resolved } = await lookUpNodes(config, o.session, sink);
    const sub = await o.session.createSubscription2({
      requestedPublishingInterval: config.publishingIntervalMs,
      requestedMaxKeepAliveCount: 2,
      requestedLifetimeCount: 2 * KEEPALIVE_COUNT * 3,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    subscription = sub;
    const subEvents = sub as unknown as EventEmitter;
    subEvents.on("terminated", () => broken?.("subscription terminated"));
    subEvents.on("internal_error", (e: Error) => broken?.(`subscription error: ${e?.message ?? e}`));
    subEvents.on("error", (e: Error) => broken?.(`subscription error: ${e?.message ?? e}`));

    const itemParams = { samplingInterval: config.publishingIntervalMs, discardOldest: true, queueSize: 1 };
    const monitor = async (node: NodeId, key: string, text: string, onChange: (dv: DataValue) => void) => {
      try {
        const item = await sub.monitor(
          { nodeId: node, attributeId: AttributeIds.Value },
          itemParams,
          TimestampsToReturn.Both,
        );
        const events = item as unknown as EventEmitter;
        events.on("err", (message: string) =>
          sink.error("SOURCE_NODE_UNKNOWN", `${config.id} ${key} ${text}: cannot be monitored: ${message}`),
        );
        events.on("changed", (dv: DataValue) => {
          try {
            onChange(dv);
          } catch (e) {
            sink.error("INTERNAL", `${config.id} ${key} ${text}: ${(e as Error).message}`);
          }
        });
      } catch (e) {
        sink.error(
          "SOURCE_NODE_UNKNOWN",
          `${config.id} ${key} ${text}: cannot be monitored: ${(e as Error).message}`,
        );
      }
    };
    for (const [i, s] of config.scalars.entries()) {
      const node = conn.node(s.nodeId);
      if (!node) continue;
      await monitor(node, `scalars[${i}].nodeId`, s.nodeId, (dv) => {
        if (dv.statusCode.isNotGood()) {
          sink.error("SOURCE_EXCEPTION", `${config.id} ${s.nodeId}: ${dv.statusCode.toString()}`);
          return;
        }
        const value = scalarValue(dv, s);
        if (value === null) {
          sink.error("SOURCE_BAD_FRAME", `${config.id} ${s.nodeId}: not a number`);
          return;
        }
        const now = Date.now();
        latest.set(`${s.measurement}\n${s.field}\n${s.point ?? ""}`, { value, at: now });
        sink.points([scalarPoint(s, value, now)]);
      });
    }
    readers = [];
    for (const [i, w] of config.waveforms.entries()) {
      const reader = createWaveformReader(w, {
        sourceId: config.id,
        asset: config.asset,
        sink,
        cursors,
        logOnce,
        running: () => running,
        ...(w.speedFrom ? { speedFrom: () => speedFromOf(w.speedFrom!) } : {}),
      });
      const missing = reader.nodes.filter((n) => !conn.node(n));
      if (missing.length > 0) {
        sink.error(
          "SOURCE_NODE_UNKNOWN",
          `${config.id} waveforms[${i}] ${w.point}: not read, ${missing.length} of its nodes cannot be used (${missing.join(", ")})`,
        );
        continue;
      }
      readers.push(reader);
      await monitor(conn.node(reader.triggerNode)!, `waveforms[${i}]`, reader.triggerNode, (dv) =>
        reader.onChange(conn, dv),
      );
    }
    const total = configuredNodes(config).size;
    return problems.length === 0
      ? `${resolved} nodes`
      : `${resolved} of ${total} nodes; ${problems.length} cannot be used (${problems
          .slice(0, 3)
          .map((p) => `${p.key} ${p.node}`)
          .join(", ")}${problems.length > 3 ? ", …" : ""})`;
  }

  /** The shaft speed from the latest value of a point of this agent (speedFrom), rpm, if fresh. */
  function speedFromOf(f: NonNullable<OpcuaSourceConfig["waveforms"][number]["speedFrom"]>): number | null {
    const key = `${f.measurement}\n${f.field}\n${f.point ?? ""}`;
    const v = latest.get(key) ?? ctx.latest?.(config.asset, f.measurement, f.field, f.point) ?? null;
    return v && Date.now() - v.at <= f.maxAgeMs ? v.value : null;
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
        const nodes = await connectAll(sink);
        attempt = 0;
        sink.link?.(true);
        ctx.log(`source ${config.id}: connected to ${config.endpoint} (${nodes})`);
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
        reason = (e as Error)?.message ?? String(e);
        if (e instanceof SourceFailure) code = e.code;
      }
      broken = null;
      stopping = null;
      const pending = readers;
      await teardown();
      await Promise.all(pending.map((r) => r.idle()));
      if (!running) break;
      sink.error(code, `${config.id} ${config.endpoint}: ${reason}`);
      sink.link?.(false);
      await nap.sleep(reconnectDelayMs(attempt++, 500));
    }
  }

  /**
   * `vetra edge check`: connects once, looks every configured node up, reads
   * every scalar and the latest block of every waveform point, and judges
   * them. Connection failures come back as one row.
   */
  async function probe(): Promise<ProbeRow[]> {
    const rows: ProbeRow[] = [];
    let o: Opened | null = null;
    const row = (
      point: string,
      at: string,
      raw: string,
      value: number | null,
      unit: string,
      verdict: ProbeRow["verdict"],
      note: string,
    ): ProbeRow => ({
      source: config.id,
      point,
      at,
      raw,
      value,
      unit,
      verdict,
      note,
    });
    try {
      o = await openSession();
      const { conn, problems } = await lookUpNodes(config, o.session, null);
      for (const p of problems) rows.push(row(p.key, p.node, "", null, "", "error", p.message));
      for (const [i, s] of config.scalars.entries()) {
        const node = conn.node(s.nodeId);
        if (!node) continue;
        const name = `${s.measurement}.${s.field}${s.point ? `@${s.point}` : ""}`;
        const dv = await o.session.read({ nodeId: node, attributeId: AttributeIds.Value });
        const unit = physicalRangeOf(s.measurement, s.field)?.unit ?? "";
        if (dv.statusCode.isNotGood()) {
          rows.push(
            row(name, s.nodeId, "", null, unit, "error", `scalars[${i}]: ${dv.statusCode.toString()}`),
          );
          continue;
        }
        const value = scalarValue(dv, s);
        const range = plausibleRangeOf(s);
        const raw = String(dv.value.value);
        if (value === null) rows.push(row(name, s.nodeId, raw, null, unit, "error", "not a number"));
        else if (range && !isPlausible(value, range))
          rows.push(
            row(
              name,
              s.nodeId,
              raw,
              value,
              unit,
              "implausible",
              `outside ${range.min}…${range.max} ${range.unit}; check node and scale`,
            ),
          );
        else rows.push(row(name, s.nodeId, raw, value, unit, "ok", ""));
      }
      for (const [i, w] of config.waveforms.entries()) {
        const blocks: { samples: number; rate: number; ts: number; speed: number | null }[] = [];
        const local: string[] = [];
        const reader = createWaveformReader(w, {
          sourceId: config.id,
          asset: config.asset,
          sink: {
            points: () => {},
            waveform: (b) =>
              blocks.push({ samples: b.samples.length, rate: b.sampleRateHz, ts: b.ts, speed: b.speedRpm }),
            error: (_c, m) => local.push(m),
          },
          cursors: { get: () => null, set: () => {} },
          logOnce: (l) => local.push(l),
          running: () => true,
        });
        const missing = reader.nodes.filter((n) => !conn.node(n));
        const name = `waveform ${w.point}`;
        if (missing.length > 0) {
          rows.push(
            row(
              name,
              w.waveformNodeId,
              "",
              null,
              w.unit,
              "error",
              `waveforms[${i}]: ${missing.length} of its nodes cannot be used`,
            ),
          );
          continue;
        }
        const trig = await o.session.read({
          nodeId: conn.node(reader.triggerNode)!,
          attributeId: AttributeIds.Value,
        });
        reader.onChange(conn, trig);
        await reader.idle();
        const b = blocks[0];
        if (!b) {
          rows.push(row(name, w.waveformNodeId, "", null, w.unit, "error", local.join("; ") || "no block"));
          continue;
        }
        const ageS = (Date.now() - b.ts) / 1000;
        rows.push(
          row(
            name,
            w.waveformNodeId,
            `${b.samples} samples at ${b.rate} Hz`,
            b.speed,
            "rpm",
            "ok",
            `trigger ${reader.trigger}; stamped ${ageS.toFixed(1)} s ago by the ${w.clock === "agent" ? "agent" : "device"}${b.speed === null ? "; no shaft speed" : ""}${local.length ? `; ${local.join("; ")}` : ""}`,
          ),
        );
      }
    } catch (e) {
      rows.push(row("(connection)", config.endpoint, "", null, "", "error", `${(e as Error)?.message ?? e}`));
    } finally {
      if (o) {
        await o.session.close().catch(() => {});
        await o.client.disconnect().catch(() => {});
        await o.manager.dispose().catch(() => {});
      }
    }
    return rows;
  }

  return {
    id: config.id,
    probe,
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

/** `vetra edge check` of one OPC UA source. */
export const probeOpcua = (config: OpcuaSourceConfig, ctx: SourceContext): Promise<ProbeRow[]> =>
  createOpcuaSource(config, ctx).probe();
