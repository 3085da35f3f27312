// Modbus TCP writes (modbus-serial): FC6 write single register, FC16 write
// multiple registers, FC5 write single coil, FC15 write multiple coils
// (Modbus Application Protocol v1.1b3 §6.5, §6.6, §6.11, §6.12), every data
// type and word order the read side decodes, then a read-back with FC3 or
// FC1. The source's link is shared with its poller (modbus-link.ts),
// requests one after another. An exception response is a `failure` (the device refused this
// value: retrying it will not help); a broken link is `retryable` and the
// link is rebuilt on the next request.
import { failure, type IoResult, retryable, success } from "../../common/result.ts";
import type { ModbusSourceConfig } from "../config.ts";
import { classifyModbusError, decodeWords, wordsOf } from "./modbus.ts";
import { acquireLink, type ModbusClient, releaseLink } from "./modbus-link.ts";
import type { SourceContext } from "./source.ts";
import type { PointWriter, WriteLink } from "./write.ts";
import type { ModbusWriteTarget, WriteTarget } from "./write-target.ts";

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
  // The source's own link (shared with its poller and any source on the same line): on an RS-485
  // line there is only one master, and requests on it must follow one another anyway.
  const link = acquireLink(config);
  let released = false;

  /** Runs one request on the link, mapping errors onto results. */
  async function request<T>(
    what: string,
    unitId: number,
    fn: (c: ModbusClient) => Promise<T>,
  ): Promise<IoResult<T>> {
    try {
      return success(await link.request(unitId, config.timeoutMs, fn));
    } catch (e) {
      const { code, reconnect, message } = classifyModbusError(e);
      if (reconnect) {
        await link.reset();
        return retryable(code, `${config.id} ${what}: ${message}`, RETRY_MS);
      }
      return failure(code, `${config.id} ${what}: ${message}`);
    }
  }

  function writer(target: WriteTarget): PointWriter {
    if (target.kind !== "modbus") throw new Error(`${target.kind} target on a modbus link`);
    const unitId = target.unitId ?? config.unitId;
    const coil = target.function === 5 || target.function === 15;
    const at = `unit ${unitId} fn ${target.function} @${target.address}`;

    const read = (): Promise<IoResult<number>> =>
      request(`read-back ${at}`, unitId, async (c) => {
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
        const wrote = await request(`write ${at}`, unitId, async (c) => {
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

  ctx.log(`control: writing through ${config.id} (${link.label})`);
  return {
    writer,
    async close() {
      if (released) return;
      released = true;
      await releaseLink(link, config);
    },
  };
}
