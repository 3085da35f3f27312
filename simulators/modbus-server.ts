// A small Modbus TCP server for the simulators: register maps are data
// (name, address, type, word order), values come from a snapshot function
// called once per request, so the two words of a 32-bit value always belong
// to the same reading. Unmapped addresses answer with exception 02 (illegal
// data address) like a real device, not with zeros.
import { createServer } from "node:net";
import ModbusRTU from "modbus-serial";

export type RegisterType = "float32" | "uint16" | "int16" | "uint32" | "int32";
/** Word order of 32-bit values (bytes within a word are big-endian as Modbus defines): high_first = ABCD, low_first = CDAB. */
export type WordOrder = "high_first" | "low_first";

/** One value in a device's register map, in the same terms as an edge agent's Modbus register config. */
export interface RegisterEntry {
  /** The register's own name in device units; the key into the unit's snapshot (e.g. `total_system_power_w`). */
  readonly name: string;
  /** Field name the value is stored under (common/names.ts), after multiplying by `scale`. */
  readonly field: string;
  /** 3 = holding registers, 4 = input registers. */
  readonly function: 3 | 4;
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
}

export interface ModbusUnit {
  readonly unitId: number;
  readonly registers: readonly RegisterEntry[];
  /** Current raw values by register name; a missing or non-finite value reads as a device failure (exception 04). */
  readonly snapshot: () => Readonly<Record<string, number>>;
}

export interface RunningModbusServer {
  readonly port: number;
  stop(): Promise<void>;
}

/** Modbus exception codes (Modbus Application Protocol v1.1b3, §7). */
export const ModbusExceptionCodes = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  SERVER_DEVICE_FAILURE: 0x04,
  GATEWAY_TARGET_FAILED: 0x0b,
} as const;

/** Thrown into modbus-serial's handler, which turns `modbusErrorCode` into an exception response. */
class ModbusException extends Error {
  constructor(
    readonly modbusErrorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const registerCount = (type: RegisterType): 1 | 2 => (type === "uint16" || type === "int16" ? 1 : 2);

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

/** Decodes registers (protocol order) into a value; the inverse of `encodeRegisters`. */
export function decodeRegisters(
  type: RegisterType,
  registers: readonly number[],
  wordOrder: WordOrder = "high_first",
): number {
  const buf = Buffer.alloc(4);
  const [r0 = 0, r1 = 0] = registers;
  if (type === "uint16") return r0 & 0xffff;
  if (type === "int16") {
    buf.writeUInt16BE(r0 & 0xffff, 0);
    return buf.readInt16BE(0);
  }
  const [high, low] = wordOrder === "high_first" ? [r0, r1] : [r1, r0];
  buf.writeUInt16BE(high & 0xffff, 0);
  buf.writeUInt16BE(low & 0xffff, 2);
  if (type === "uint32") return buf.readUInt32BE(0);
  if (type === "int32") return buf.readInt32BE(0);
  return buf.readFloatBE(0);
}

/** Checks a map for overlapping fields; throws (a bug in the map, not an I/O condition). */
function indexFields(
  fields: readonly RegisterEntry[],
  what: string,
): Map<number, { field: RegisterEntry; word: number }> {
  const index = new Map<number, { field: RegisterEntry; word: number }>();
  for (const field of fields) {
    for (let word = 0; word < registerCount(field.type); word++) {
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

/**
 * Starts a Modbus TCP server on 127.0.0.1 serving the given units (by unit
 * id) on one port. `port` 0 or absent picks a free port (modbus-serial
 * itself treats 0 as 502, so the port is chosen here and retried if taken).
 */
export async function startModbusServer(opts: {
  port?: number;
  units: readonly ModbusUnit[];
}): Promise<RunningModbusServer> {
  const units = new Map<
    number,
    { unit: ModbusUnit; holding: ReturnType<typeof indexFields>; input: ReturnType<typeof indexFields> }
  >();
  for (const unit of opts.units) {
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
    });
  }

  const read = (kind: "holding" | "input", address: number, length: number, unitId: number): number[] => {
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
  const illegalFunction = (): never => {
    throw new ModbusException(ModbusExceptionCodes.ILLEGAL_FUNCTION, "read-only device");
  };

  const vector = {
    getHoldingRegister: (addr: number, unitID: number): number => read("holding", addr, 1, unitID)[0] ?? 0,
    getMultipleHoldingRegisters: (addr: number, length: number, unitID: number): number[] =>
      read("holding", addr, length, unitID),
    getInputRegister: (addr: number, unitID: number): number => read("input", addr, 1, unitID)[0] ?? 0,
    getMultipleInputRegisters: (addr: number, length: number, unitID: number): number[] =>
      read("input", addr, length, unitID),
    getCoil: (_addr: number, _unitID: number): boolean => illegalFunction(),
    getDiscreteInput: (_addr: number, _unitID: number): boolean => illegalFunction(),
    setCoil: (_addr: number, _value: boolean, _unitID: number): void => illegalFunction(),
    setRegister: (_addr: number, _value: number, _unitID: number): void => illegalFunction(),
    setRegisterArray: (_addr: number, _value: number[], _unitID: number): void => illegalFunction(),
  };

  const requested = opts.port ?? 0;
  for (let attempt = 0; ; attempt++) {
    const port = requested > 0 ? requested : await freePort();
    try {
      const server = await listen(vector, port);
      return {
        port,
        stop: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
          }),
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (requested > 0 || code !== "EADDRINUSE" || attempt >= 4) throw err;
    }
  }
}

function listen(vector: ModbusRTU.IServiceVector, port: number): Promise<ModbusRTU.ServerTCP> {
  return new Promise((resolve, reject) => {
    // unitID 255: answer every unit id and dispatch on it ourselves.
    const server = new ModbusRTU.ServerTCP(vector, { host: "127.0.0.1", port, unitID: 255 });
    server.once("initialized", () => resolve(server));
    server.once("serverError", (err: Error) => reject(err));
    // A client resetting its socket must not bring the simulator down.
    server.on("socketError", () => {});
    server.on("error", () => {});
  });
}
