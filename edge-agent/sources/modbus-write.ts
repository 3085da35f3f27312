// Modbus TCP writes (modbus-serial): FC6 write single register, FC16 write
// multiple registers, FC5 write single coil, FC15 write multiple coils
// (Modbus Application Protocol v1.1b3 §6.5, §6.6, §6.11, §6.12), every data
// type and word order the read side decodes, then a read-back with FC3 or
// FC1. One connection per source, its own (the poller's link is never
// shared: a write must not wait behind a slow poll), requests one after
// another. An exception response is a `failure` (the device refused this
// value: retrying it will not help); a broken link is `retryable` and the
// link is rebuilt on the next request.
import modbusSerial from "modbus-serial";
import { failure, type IoResult, retryable, success } from "../../common/result.ts";
import type { ModbusSourceConfig } from "../config.ts";
import type { ModbusWriteTarget, WriteTarget } from "../control/schema.ts";
import { classifyModbusError, decodeWords, wordsOf } from "./modbus.ts";
import type { SourceContext } from "./source.ts";
import type { PointWriter, WriteLink } from "./write.ts";

type ModbusClient = InstanceType<typeof modbusSerial.default>;
const ModbusRTU = modbusSerial as unknown as new () => ModbusClient;

/** Encodes one raw value into its words in protocol order; the inverse of `decodeWords`. Null if it does not fit. */
export function encodeWords(
  type: ModbusWriteTarget["type"],
  raw: number,
  order: ModbusWriteTarget["wordOrder"],
): number[] | null {
  if (!Number.isFinite(raw)) return null;
  const buf = Buffer.alloc(4);
  const int = Math.round(raw);
  switch (type) {
    case "uint16":
      if (int < 0 || int > 0xffff) return null;
      return [int];
    case "int16":
      if (int < -0x8000 || int > 0x7fff) return null;
      buf.writeInt16BE(int, 0);
      return [buf.readUInt16BE(0)];
    case "uint32":
      if (int < 0 || int > 0xffffffff) return null;
      buf.writeUInt32BE(int, 0);
      break;
    case "int32":
      if (int < -0x80000000 || int > 0x7fffffff) return null;
      buf.writeInt32BE(int, 0);
      break;
    case "float32":
      if (Math.abs(raw) > 3.4028234663852886e38) return null;
      buf.writeFloatBE(raw, 0);
      break;
  }
  const high = buf.readUInt16BE(0);
  const low = buf.readUInt16BE(2);
  return order === "high_first" ? [high, low] : [low, high];
}

const RETRY_MS = 1000;

export function createModbusWriteLink(config: ModbusSourceConfig, ctx: SourceContext): WriteLink {
  let client: ModbusClient | null = null;
  let chain: Promise<unknown> = Promise.resolve();

  const drop = (): void => {
    const c = client;
    client = null;
    try {
      c?.destroy(() => {});
    } catch {
      // already gone
    }
  };

  async function connected(): Promise<ModbusClient> {
    if (client) return client;
    const c = new ModbusRTU();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        c.connectTCP(config.host, { port: config.port }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error("connect timed out"), { errno: "ETIMEDOUT" })),
            config.timeoutMs,
          );
        }),
      ]);
    } catch (e) {
      try {
        c.destroy(() => {});
      } catch {
        // nothing to close
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
    c.setTimeout(config.timeoutMs);
    client = c;
    return c;
  }

  /** Runs one request on the link (serialised), mapping errors onto results. */
  function request<T>(what: string, fn: (c: ModbusClient) => Promise<T>): Promise<IoResult<T>> {
    const run = async (): Promise<IoResult<T>> => {
      try {
        return success(await fn(await connected()));
      } catch (e) {
        const { code, reconnect, message } = classifyModbusError(e);
        if (reconnect) {
          drop();
          return retryable(code, `${config.id} ${what}: ${message}`, RETRY_MS);
        }
        return failure(code, `${config.id} ${what}: ${message}`);
      }
    };
    const next = chain.then(run, run);
    chain = next.catch(() => {});
    return next;
  }

  function writer(target: WriteTarget): PointWriter {
    if (target.kind !== "modbus") throw new Error(`${target.kind} target on a modbus link`);
    const unitId = target.unitId ?? config.unitId;
    const coil = target.function === 5 || target.function === 15;
    const at = `unit ${unitId} fn ${target.function} @${target.address}`;

    const read = (): Promise<IoResult<number>> =>
      request(`read-back ${at}`, async (c) => {
        c.setID(unitId);
        if (coil) {
          const res = await c.readCoils(target.address, 1);
          return res.data[0] ? 1 : 0;
        }
        const n = wordsOf(target.type);
        const res = await c.readHoldingRegisters(target.address, n);
        if (!Array.isArray(res.data) || res.data.length < n)
          throw Object.assign(new Error("read-back: short answer"), { message: "unexpected length" });
        return decodeWords(target.type, res.data, target.wordOrder) * target.scale;
      });

    return {
      read,
      async write(value) {
        let words: number[] | null;
        if (coil) words = value === 0 || value === 1 ? [value] : null;
        else words = encodeWords(target.type, value / target.scale, target.wordOrder);
        if (!words)
          return failure("SOURCE_EXCEPTION", `${config.id} ${at}: ${value} does not fit ${target.type}`);
        const w = words;
        const wrote = await request(`write ${at}`, async (c) => {
          c.setID(unitId);
          if (target.function === 5) await c.writeCoil(target.address, w[0] === 1);
          else if (target.function === 15) await c.writeCoils(target.address, [w[0] === 1]);
          else if (target.function === 6) await c.writeRegister(target.address, w[0] ?? 0);
          else await c.writeRegisters(target.address, w);
          return true;
        });
        if (wrote.kind !== "success") return wrote;
        return read();
      },
      async close() {},
    };
  }

  ctx.log(`control: writing through ${config.id} ${config.host}:${config.port}`);
  return {
    writer,
    async close() {
      await chain;
      drop();
    },
  };
}
