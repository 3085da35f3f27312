// OPC UA writes (node-opcua-client): the Write service on a Variable's Value
// attribute (IEC 62541-4 §5.10.4), whose per-node StatusCode is checked — a
// server answers a refused write with a Bad code, not with a failed request
// (BadNotWritable, BadUserAccessDenied, BadOutOfRange, BadTypeMismatch) —
// then a Read of the same attribute for the read-back. One session per
// source, its own, with the source's endpoint and security; the certificate
// store is the source's PKI folder, so a server the poller refuses is
// refused here too (with `trust: explicit` node-opcua checks the server
// certificate against `<pki>/trusted`).
import { mkdirSync } from "node:fs";
import { OPCUACertificateManager } from "node-opcua-certificate-manager";
import {
  AttributeIds,
  type ClientSession,
  DataType,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
} from "node-opcua-client";
import { failure, type IoResult, retryable, success } from "../../common/result.ts";
import type { OpcuaSourceConfig } from "../config.ts";
import type { SourceContext } from "./source.ts";
import type { PointWriter, WriteLink } from "./write.ts";
import type { WriteTarget } from "./write-target.ts";

const RETRY_MS = 1000;

/** Bad codes that mean the server refused this write (a retry changes nothing) rather than a broken link. */
const REFUSALS = new Set(
  [
    StatusCodes.BadNotWritable,
    StatusCodes.BadUserAccessDenied,
    StatusCodes.BadOutOfRange,
    StatusCodes.BadTypeMismatch,
    StatusCodes.BadNodeIdUnknown,
    StatusCodes.BadNodeIdInvalid,
    StatusCodes.BadAttributeIdInvalid,
    StatusCodes.BadWriteNotSupported,
  ].map((s) => s.value),
);

export function createOpcuaWriteLink(config: OpcuaSourceConfig, ctx: SourceContext): WriteLink {
  let client: OPCUAClient | null = null;
  let session: ClientSession | null = null;
  let manager: OPCUACertificateManager | null = null;
  let chain: Promise<unknown> = Promise.resolve();
  const secure = config.securityMode !== "None";

  async function teardown(): Promise<void> {
    const ses = session;
    const cli = client;
    const m = manager;
    session = null;
    client = null;
    manager = null;
    if (ses) await ses.close().catch(() => {});
    if (cli) await cli.disconnect().catch(() => {});
    if (m) await m.dispose().catch(() => {});
  }

  async function connected(): Promise<ClientSession> {
    if (session) return session;
    mkdirSync(ctx.pkiDir, { recursive: true });
    const m = new OPCUACertificateManager({
      rootFolder: ctx.pkiDir,
      automaticallyAcceptUnknownCertificate: config.trust === "auto" || !secure,
    });
    manager = m;
    await m.initialize();
    const cli = OPCUAClient.create({
      applicationName: `vetra-edge-${ctx.agentId}-control`,
      securityMode: MessageSecurityMode[config.securityMode],
      securityPolicy: secure ? SecurityPolicy[config.securityPolicy] : SecurityPolicy.None,
      endpointMustExist: false,
      clientCertificateManager: m,
      connectionStrategy: { maxRetry: 0, initialDelay: 200, maxDelay: 1000 },
      transportTimeout: config.timeoutMs,
      requestedSessionTimeout: 60_000,
    });
    client = cli;
    await cli.connect(config.endpoint);
    session = await cli.createSession();
    return session;
  }

  function request<T>(what: string, fn: (s: ClientSession) => Promise<IoResult<T>>): Promise<IoResult<T>> {
    const run = async (): Promise<IoResult<T>> => {
      try {
        return await fn(await connected());
      } catch (e) {
        await teardown();
        return retryable("SOURCE_DISCONNECTED", `${config.id} ${what}: ${(e as Error).message}`, RETRY_MS);
      }
    };
    const next = chain.then(run, run);
    chain = next.catch(() => {});
    return next;
  }

  function writer(target: WriteTarget): PointWriter {
    if (target.kind !== "opcua") throw new Error(`${target.kind} target on an opcua link`);
    const read = (): Promise<IoResult<number>> =>
      request(`read ${target.nodeId}`, async (s) => {
        const dv = await s.read({ nodeId: target.nodeId, attributeId: AttributeIds.Value });
        if (!dv.statusCode.isGood())
          return failure("SOURCE_EXCEPTION", `${config.id} read ${target.nodeId}: ${dv.statusCode.name}`);
        const v = dv.value.value as unknown;
        const n = typeof v === "boolean" ? (v ? 1 : 0) : typeof v === "number" ? v : Number.NaN;
        if (!Number.isFinite(n))
          return failure("SOURCE_BAD_FRAME", `${config.id} read ${target.nodeId}: not a number`);
        return success(n);
      });
    return {
      read,
      async write(value) {
        const wrote = await request(`write ${target.nodeId}`, async (s) => {
          const status = await s.write({
            nodeId: target.nodeId,
            attributeId: AttributeIds.Value,
            value: {
              value: {
                dataType: DataType[target.dataType],
                value: target.dataType === "Boolean" ? value !== 0 : value,
              },
            },
          });
          if (status.isGood()) return success(true);
          const message = `${config.id} write ${target.nodeId} = ${value}: ${status.name}`;
          return REFUSALS.has(status.value)
            ? failure("SOURCE_EXCEPTION", message)
            : retryable("SOURCE_EXCEPTION", message, RETRY_MS);
        });
        if (wrote.kind !== "success") return wrote;
        return read();
      },
      async close() {},
    };
  }

  ctx.log(`control: writing through ${config.id} ${config.endpoint}`);
  return {
    writer,
    async close() {
      await chain;
      await teardown();
    },
  };
}
