// A small Modbus TCP server for the simulators: register maps are data
// (name, address, type, word order), values come from a snapshot function
// called once per request, so the two words of a 32-bit value always belong
// to the same reading. Unmapped addresses answer with exception 02 (illegal
// data address) like a real device, not with zeros. The TCP framing is our
// own (a few lines of MBAP) rather than modbus-serial's server, so faults can
// be injected at the byte level: exceptions, delays, garbage and short
// frames, a device that disappears and returns. The same answers go out as
// RTU frames over TCP or on a serial line (modbus-rtu.ts).
import { createServer, type Server, type Socket } from "node:net";
import { decodeWords, type RegisterType, type WordOrder, wordsOf } from "../common/modbus-words.ts";
import { rtuFramer } from "./modbus-rtu.ts";

export type { RegisterType, WordOrder };
/** Decodes registers (protocol order) into a value; the inverse of `encodeRegisters`. */
export { decodeWords as decodeRegisters };

/** One value in a device's register map, in the same terms as an edge agent's Modbus register config. */
export interface RegisterEntry {
  /** The register's own name in device units; the key into the unit's snapshot (e.g. `total_system_power_w`). */
  readonly name: string;
  /** Field name the value is stored under (common/names.ts), after multiplying by `scale`. */
  readonly field: string;
  /** 1 = coils (one bit, type uint16 0/1), 3 = holding registers, 4 = input registers. */
  readonly function: 1 | 3 | 4;
  /** Zero-based protocol address. */
  readonly address: number;
  readonly type: RegisterType;
  readonly wordOrder: WordOrder;
  /** Device unit of the raw value. */
  readonly unit: string;
  /** raw × scale = field value (e.g. W → kW: 0.001). */
  readonly scale?: number;
  /** Measuring point the value belongs to, when there are several. */
  readonly point?: string;
  readonly description: string;
  /**
   * A holding register or coil a client may write (FC5/6/15/16), with the
   * range the device accepts in raw units; without it the value is read-only
   * and a write answers exception 02 like most devices.
   */
  readonly writable?: { readonly min: number; readonly max: number };
}

export interface ModbusUnit {
  readonly unitId: number;
  readonly registers: readonly RegisterEntry[];
  /** Current raw values by register name; a missing or non-finite value reads as a device failure (exception 04). */
  readonly snapshot: () => Readonly<Record<string, number>>;
  /** Takes a written raw value of a writable register (already range-checked); may throw to answer exception 04. */
  readonly write?: (name: string, value: number) => void;
}

/**
 * A fault the server injects into its answers (tests, `vetra sim --modbus-fault`):
 * - `exception`: every request is answered with this exception code (e.g. 6 = server device busy);
 * - `delay`: every answer is held back this long (beyond a client's timeout it is a hung device);
 * - `garbage`: the answer carries the request's transaction id but a PDU that is not Modbus
 *   (an unknown function code and random bytes), like a device with a corrupted firmware buffer;
 * - `short`: a read answer that carries fewer register bytes than were asked for.
 */
export type ModbusFault =
  | { readonly kind: "exception"; readonly code: number }
  | { readonly kind: "delay"; readonly ms: number }
  | { readonly kind: "garbage" }
  | { readonly kind: "short" };

export interface RunningModbusServer {
  readonly port: number;
  /** The answers behind the framing (shared with an RTU line serving the same units). */
  readonly device: ModbusDevice;
  /**
   * Injects a fault into every answer (or only those of `unitId`, a device
   * behind a gateway); `null` clears it. Replaces an earlier fault of the same scope.
   */
  inject(fault: ModbusFault | null, unitId?: number): void;
  /** The device disappears: the listener closes and every open connection is cut. */
  disappear(): Promise<void>;
  /** The device returns on the same port. */
  reappear(): Promise<void>;
  /** Whether the device is listening (false between disappear and reappear). */
  readonly present: boolean;
  stop(): Promise<void>;
}

/** Modbus exception codes (Modbus Application Protocol v1.1b3, §7). */
export const ModbusExceptionCodes = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
  SERVER_DEVICE_FAILURE: 0x04,
  GATEWAY_TARGET_FAILED: 0x0b,
} as const;

/** Thrown by a register read; the server turns `modbusErrorCode` into an exception response. */
class ModbusException extends Error {
  constructor(
    readonly modbusErrorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Encodes one value into its 16-bit registers in protocol order. */
export function encodeRegisters(
  type: RegisterType,
  value: number,
  wordOrder: WordOrder = "high_first",
): number[] {
  const buf = Buffer.alloc(4);
  switch (type) {
    case "uint16":
      buf.writeUInt16BE(Math.min(0xffff, Math.max(0, Math.round(value))), 0);
      return [buf.readUInt16BE(0)];
    case "int16":
      buf.writeInt16BE(Math.min(0x7fff, Math.max(-0x8000, Math.round(value))), 0);
      return [buf.readUInt16BE(0)];
    case "uint32":
      buf.writeUInt32BE(Math.min(0xffffffff, Math.max(0, Math.round(value))), 0);
      break;
    case "int32":
      buf.writeInt32BE(Math.min(0x7fffffff, Math.max(-0x80000000, Math.round(value))), 0);
      break;
    case "float32":
      buf.writeFloatBE(value, 0);
      break;
  }
  const high = buf.readUInt16BE(0);
  const low = buf.readUInt16BE(2);
  return wordOrder === "high_first" ? [high, low] : [low, high];
}

/** Checks a map for overlapping fields; throws (a bug in the map, not an I/O condition). */
function indexFields(
  fields: readonly RegisterEntry[],
  what: string,
): Map<number, { field: RegisterEntry; word: number }> {
  const index = new Map<number, { field: RegisterEntry; word: number }>();
  for (const field of fields) {
    for (let word = 0; word < wordsOf(field.type); word++) {
      const address = field.address + word;
      const clash = index.get(address);
      if (clash) throw new Error(`${what}: ${field.name} overlaps ${clash.field.name} at address ${address}`);
      index.set(address, { field, word });
    }
  }
  return index;
}

/** Asks the OS for a free TCP port on 127.0.0.1 (closed again before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** A device's answers, independent of framing (MBAP over TCP, RTU on a line or over TCP). */
export interface ModbusDevice {
  /** Whether `unitId` is served (an RTU line stays silent for others). */
  serves(unitId: number): boolean;
  /** The answer PDU to a request PDU, with any injected fault applied. */
  respond(unitId: number, pdu: Buffer): Buffer;
  faultFor(unitId: number): ModbusFault | undefined;
  inject(fault: ModbusFault | null, unitId?: number): void;
}

export function createModbusDevice(unitList: readonly ModbusUnit[]): ModbusDevice {
  const units = new Map<
    number,
    {
      unit: ModbusUnit;
      holding: ReturnType<typeof indexFields>;
      input: ReturnType<typeof indexFields>;
      coils: ReturnType<typeof indexFields>;
    }
  >();
  for (const unit of unitList) {
    if (units.has(unit.unitId)) throw new Error(`unit id ${unit.unitId} given twice`);
    units.set(unit.unitId, {
      unit,
      holding: indexFields(
        unit.registers.filter((r) => r.function === 3),
        `unit ${unit.unitId} holding`,
      ),
      input: indexFields(
        unit.registers.filter((r) => r.function === 4),
        `unit ${unit.unitId} input`,
      ),
      coils: indexFields(
        unit.registers.filter((r) => r.function === 1).map((r) => ({ ...r, type: "uint16" as const })),
        `unit ${unit.unitId} coils`,
      ),
    });
  }

  const read = (
    kind: "holding" | "input" | "coils",
    address: number,
    length: number,
    unitId: number,
  ): number[] => {
    const entry = units.get(unitId);
    if (!entry) throw new ModbusException(ModbusExceptionCodes.GATEWAY_TARGET_FAILED, `no unit ${unitId}`);
    const index = entry[kind];
    const values = entry.unit.snapshot();
    const encoded = new Map<RegisterEntry, number[]>();
    const out: number[] = [];
    for (let a = address; a < address + length; a++) {
      const hit = index.get(a);
      if (!hit)
        throw new ModbusException(ModbusExceptionCodes.ILLEGAL_DATA_ADDRESS, `no ${kind} register ${a}`);
      let words = encoded.get(hit.field);
      if (!words) {
        const value = values[hit.field.name];
        if (value === undefined || !Number.isFinite(value)) {
          throw new ModbusException(
            ModbusExceptionCodes.SERVER_DEVICE_FAILURE,
            `${hit.field.name} unavailable`,
          );
        }
        words = encodeRegisters(hit.field.type, value, hit.field.wordOrder);
        encoded.set(hit.field, words);
      }
      out.push(words[hit.word] ?? 0);
    }
    return out;
  };
  /**
   * Writes whole values starting at `address` (Modbus Application Protocol
   * §6.6/§6.12 for registers, §6.5/§6.11 for coils): every address must be
   * mapped and writable (02), a 32-bit value is written whole or not at all
   * (02), each value within the register's range (03); nothing is applied
   * unless the whole request is valid.
   */
  const write = (
    kind: "holding" | "coils",
    address: number,
    words: readonly number[],
    unitId: number,
  ): void => {
    const entry = units.get(unitId);
    if (!entry) throw new ModbusException(ModbusExceptionCodes.GATEWAY_TARGET_FAILED, `no unit ${unitId}`);
    const apply = entry.unit.write;
    const index = entry[kind];
    const values: [RegisterEntry, number][] = [];
    for (let i = 0; i < words.length; ) {
      const hit = index.get(address + i);
      // An address the unit does not have is 02; a register it has, on a unit that takes no writes at
      // all, is 01 (the function is not supported there); a read-only or half a 32-bit register is 02.
      if (!hit)
        throw new ModbusException(
          ModbusExceptionCodes.ILLEGAL_DATA_ADDRESS,
          `${kind} ${address + i} not mapped`,
        );
      if (!apply)
        throw new ModbusException(ModbusExceptionCodes.ILLEGAL_FUNCTION, `unit ${unitId} takes no writes`);
      const writable = hit.word === 0 ? hit.field.writable : undefined;
      if (!writable)
        throw new ModbusException(
          ModbusExceptionCodes.ILLEGAL_DATA_ADDRESS,
          `${kind} ${address + i} not writable`,
        );
      const n = wordsOf(hit.field.type);
      if (i + n > words.length)
        throw new ModbusException(
          ModbusExceptionCodes.ILLEGAL_DATA_ADDRESS,
          `${hit.field.name} written in part`,
        );
      const value = decodeWords(hit.field.type, words.slice(i, i + n), hit.field.wordOrder);
      const { min, max } = writable;
      if (!Number.isFinite(value) || value < min || value > max)
        throw new ModbusException(
          ModbusExceptionCodes.ILLEGAL_DATA_VALUE,
          `${hit.field.name} ${value} out of range`,
        );
      values.push([hit.field, value]);
      i += n;
    }
    for (const [field, value] of values) apply?.(field.name, value);
  };
  const faults = new Map<number | "all", ModbusFault>();
  const faultFor = (unitId: number): ModbusFault | undefined => faults.get(unitId) ?? faults.get("all");

  /** Answers one request PDU (function code first) of `unitId`; returns the answer PDU. */
  const answer = (unitId: number, pdu: Buffer): Buffer => {
    const fn = pdu[0] ?? 0;
    const exception = (code: number): Buffer => Buffer.from([fn | 0x80, code]);
    try {
      if (fn === 5 || fn === 6) {
        // §6.5/§6.6: address, value; the answer echoes the request.
        if (pdu.length !== 5) return exception(ModbusExceptionCodes.ILLEGAL_DATA_VALUE);
        const address = pdu.readUInt16BE(1);
        const raw = pdu.readUInt16BE(3);
        if (fn === 5) {
          // A coil is written with 0xFF00 (on) or 0x0000 (off), anything else is 03.
          if (raw !== 0xff00 && raw !== 0) return exception(ModbusExceptionCodes.ILLEGAL_DATA_VALUE);
          write("coils", address, [raw === 0xff00 ? 1 : 0], unitId);
        } else write("holding", address, [raw], unitId);
        return Buffer.from(pdu);
      }
      if (fn === 15 || fn === 16) {
        // §6.11/§6.12: address, quantity, byte count, values; the answer is address and quantity.
        if (pdu.length < 6) return exception(ModbusExceptionCodes.ILLEGAL_DATA_VALUE);
        const address = pdu.readUInt16BE(1);
        const quantity = pdu.readUInt16BE(3);
        const bytes = pdu[5] ?? 0;
        const maxQuantity = fn === 15 ? 0x7b0 : 123;
        const expectBytes = fn === 15 ? Math.ceil(quantity / 8) : 2 * quantity;
        if (quantity < 1 || quantity > maxQuantity || bytes !== expectBytes || pdu.length !== 6 + bytes)
          return exception(ModbusExceptionCodes.ILLEGAL_DATA_VALUE);
        if (address + quantity > 0x10000) return exception(ModbusExceptionCodes.ILLEGAL_DATA_ADDRESS);
        const values: number[] = [];
        for (let i = 0; i < quantity; i++)
          values.push(fn === 15 ? ((pdu[6 + (i >> 3)] ?? 0) >> (i & 7)) & 1 : pdu.readUInt16BE(6 + 2 * i));
        write(fn === 15 ? "coils" : "holding", address, values, unitId);
        return Buffer.from(pdu.subarray(0, 5));
      }
      if (fn !== 1 && fn !== 3 && fn !== 4) return exception(ModbusExceptionCodes.ILLEGAL_FUNCTION);
      if (pdu.length !== 5) return exception(ModbusExceptionCodes.ILLEGAL_DATA_VALUE);
      const address = pdu.readUInt16BE(1);
      const quantity = pdu.readUInt16BE(3);
      // §6.1: 1..2000 coils; §6.3/§6.4: 1..125 registers per read.
      if (quantity < 1 || quantity > (fn === 1 ? 2000 : 125))
        return exception(ModbusExceptionCodes.ILLEGAL_DATA_VALUE);
      if (address + quantity > 0x10000) return exception(ModbusExceptionCodes.ILLEGAL_DATA_ADDRESS);
      if (fn === 1) {
        const bits = read("coils", address, quantity, unitId);
        const out = Buffer.alloc(2 + Math.ceil(quantity / 8));
        out[0] = fn;
        out[1] = out.length - 2;
        bits.forEach((b, i) => {
          if (b) out[2 + (i >> 3)] = (out[2 + (i >> 3)] ?? 0) | (1 << (i & 7));
        });
        return out;
      }
      const words = read(fn === 3 ? "holding" : "input", address, quantity, unitId);
      const out = Buffer.alloc(2 + 2 * words.length);
      out[0] = fn;
      out[1] = 2 * words.length;
      for (let i = 0; i < words.length; i++) out.writeUInt16BE((words[i] ?? 0) & 0xffff, 2 + 2 * i);
      return out;
    } catch (err) {
      if (err instanceof ModbusException) return exception(err.modbusErrorCode);
      return exception(ModbusExceptionCodes.SERVER_DEVICE_FAILURE);
    }
  };

  /** The answer with the injected fault applied (the PDU part only; the MBAP header is added by the caller). */
  const faulty = (fault: ModbusFault | undefined, pdu: Buffer, unitId: number): Buffer => {
    const fn = pdu[0] ?? 0;
    if (fault?.kind === "exception") return Buffer.from([fn | 0x80, fault.code & 0xff]);
    const good = answer(unitId, pdu);
    if (fault?.kind === "garbage") {
      // 0x5A is no function code Modbus defines; the rest is noise.
      const noise = Buffer.alloc(7);
      for (let i = 0; i < noise.length; i++) noise[i] = (Math.random() * 256) | 0;
      noise[0] = 0x5a;
      return noise;
    }
    if (fault?.kind === "short" && (fn === 3 || fn === 4) && good.length > 4) {
      // Keep the byte count the full read claims, send only half the registers.
      return good.subarray(0, 2 + Math.max(1, Math.floor((good.length - 2) / 4)) * 2);
    }
    return good;
  };

  return {
    serves: (unitId) => units.has(unitId),
    respond: (unitId, pdu) => faulty(faultFor(unitId), pdu, unitId),
    faultFor,
    inject(fault, unitId) {
      if (fault) faults.set(unitId ?? "all", fault);
      else faults.delete(unitId ?? "all");
    },
  };
}

/**
 * Starts a Modbus server on 127.0.0.1 serving the given units (by unit id)
 * on one port: Modbus TCP (MBAP framing), or with `framing: "rtu"` RTU
 * frames over TCP as a serial device server forwards them. `port` 0 or
 * absent picks a free port.
 */
export async function startModbusServer(opts: {
  port?: number;
  units: readonly ModbusUnit[];
  framing?: "tcp" | "rtu";
  /** Serve this device's answers (and faults) instead of a new one of `units`. */
  device?: ModbusDevice;
}): Promise<RunningModbusServer> {
  const device = opts.device ?? createModbusDevice(opts.units);
  const { faultFor } = device;
  const sockets = new Set<Socket>();
  const onConnection = (socket: Socket): void => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    if (opts.framing === "rtu") {
      const feed = rtuFramer(device, (frame, delayMs) => {
        const send = (): void => {
          if (!socket.destroyed) socket.write(frame);
        };
        if (delayMs > 0) setTimeout(send, delayMs).unref();
        else send();
      });
      socket.on("data", feed);
      return;
    }
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      // Modbus TCP (Messaging on TCP/IP Implementation Guide v1.0b §3.1.3): MBAP header
      // transaction id, protocol id 0, length of unit id + PDU, unit id.
      while (pending.length >= 7) {
        const protocol = pending.readUInt16BE(2);
        const length = pending.readUInt16BE(4);
        if (protocol !== 0 || length < 2 || length > 254) {
          socket.destroy(); // not Modbus: a real device drops such a peer
          return;
        }
        if (pending.length < 6 + length) return;
        const transaction = pending.readUInt16BE(0);
        const unitId = pending[6] ?? 0;
        const pdu = Buffer.from(pending.subarray(7, 6 + length));
        pending = pending.subarray(6 + length);
        const fault = faultFor(unitId);
        const body = device.respond(unitId, pdu);
        const frame = Buffer.alloc(7 + body.length);
        frame.writeUInt16BE(transaction, 0);
        frame.writeUInt16BE(0, 2);
        frame.writeUInt16BE(1 + body.length, 4);
        frame[6] = unitId;
        body.copy(frame, 7);
        const send = (): void => {
          if (!socket.destroyed) socket.write(frame);
        };
        if (fault?.kind === "delay") setTimeout(send, fault.ms).unref();
        else send();
      }
    });
  };

  let server: Server | null = await listen(onConnection, opts.port ?? 0);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const close = async (): Promise<void> => {
    const s = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  let stopped = false;
  return {
    port,
    device,
    inject: device.inject,
    disappear: close,
    async reappear() {
      if (server || stopped) return;
      server = await listen(onConnection, port);
    },
    get present() {
      return server !== null;
    },
    async stop() {
      stopped = true;
      await close();
    },
  };
}

function listen(onConnection: (socket: Socket) => void, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(onConnection);
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      // A client resetting its socket must not bring the simulator down.
      server.on("error", () => {});
      resolve(server);
    });
  });
}
