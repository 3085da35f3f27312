// Modbus TCP polling (modbus-serial). One connection per source; requests on
// it run strictly one after another because modbus-serial reads the unit id
// from the client when a request is sent, and registers of one source may
// name different unit ids (devices behind a gateway). Any timeout, broken
// link or malformed answer closes the connection and reconnects with
// backoff: `isOpen` stays true after a half-dead link, so it is not trusted.
import modbusSerial from "modbus-serial";
import type { ErrorCode } from "../../common/errors.ts";
import type { Point } from "../../common/wire.ts";
import type { ModbusRegister, ModbusSourceConfig, RegisterType, WordOrder } from "../config.ts";
import {
  cancellableSleep,
  reconnectDelayMs,
  type Source,
  type SourceContext,
  type SourceSink,
} from "./source.ts";

/** Largest read of one request: Modbus Application Protocol v1.1b3 §6.3 allows 125 registers. */
export const MAX_REGISTERS_PER_READ = 125;

// The package is CommonJS with `module.exports = ModbusRTU`; its typings
// describe an ES default export, so the constructor is typed by hand.
type ModbusClient = InstanceType<typeof modbusSerial.default>;
const ModbusRTU = modbusSerial as unknown as new () => ModbusClient;

export const wordsOf = (type: RegisterType): 1 | 2 => (type === "uint16" || type === "int16" ? 1 : 2);

/** Decodes one value from its words in protocol order (bytes within a word big-endian). */
export function decodeWords(type: RegisterType, words: ArrayLike<number>, order: WordOrder): number {
  const buf = Buffer.alloc(4);
  const w0 = words[0] ?? 0;
  if (type === "uint16") return w0 & 0xffff;
  if (type === "int16") {
    buf.writeUInt16BE(w0 & 0xffff, 0);
    return buf.readInt16BE(0);
  }
  const w1 = words[1] ?? 0;
  const [high, low] = order === "high_first" ? [w0, w1] : [w1, w0];
  buf.writeUInt16BE(high & 0xffff, 0);
  buf.writeUInt16BE(low & 0xffff, 2);
  if (type === "uint32") return buf.readUInt32BE(0);
  if (type === "int32") return buf.readInt32BE(0);
  return buf.readFloatBE(0);
}

export interface ReadPlan {
  readonly unitId: number;
  readonly fn: 3 | 4;
  readonly address: number;
  readonly length: number;
  readonly registers: readonly ModbusRegister[];
}

/**
 * Groups registers into as few requests as possible: same unit id and
 * function, strictly adjacent addresses (a gap may hold unmapped addresses,
 * which real devices answer with exception 02), at most 125 words.
 */
export function planReads(config: Pick<ModbusSourceConfig, "unitId" | "registers">): ReadPlan[] {
  const sorted = [...config.registers].sort(
    (a, b) =>
      (a.unitId ?? config.unitId) - (b.unitId ?? config.unitId) ||
      a.function - b.function ||
      a.address - b.address,
  );
  const plans: { unitId: number; fn: 3 | 4; address: number; length: number; registers: ModbusRegister[] }[] =
    [];
  for (const r of sorted) {
    const unitId = r.unitId ?? config.unitId;
    const words = wordsOf(r.type);
    const last = plans[plans.length - 1];
    if (
      last &&
      last.unitId === unitId &&
      last.fn === r.function &&
      last.address + last.length === r.address &&
      last.length + words <= MAX_REGISTERS_PER_READ
    ) {
      last.length += words;
      last.registers.push(r);
    } else plans.push({ unitId, fn: r.function, address: r.address, length: words, registers: [r] });
  }
  return plans;
}

interface ModbusErrorLike {
  message?: string;
  name?: string;
  errno?: string;
  code?: string;
  modbusCode?: number;
}

/** Maps a modbus-serial error onto our code, and whether the link must be rebuilt. */
export function classifyModbusError(e: unknown): { code: ErrorCode; reconnect: boolean; message: string } {
  const err = (e ?? {}) as ModbusErrorLike;
  const message = err.message ?? String(e);
  if (typeof err.modbusCode === "number")
    return { code: "SOURCE_EXCEPTION", reconnect: false, message: `exception ${err.modbusCode}: ${message}` };
  if (err.errno === "ETIMEDOUT" || /timed out/i.test(message))
    return { code: "SOURCE_TIMEOUT", reconnect: true, message };
  if (/CRC|data length|unexpected|length/i.test(message))
    return { code: "SOURCE_BAD_FRAME", reconnect: true, message };
  return {
    code: "SOURCE_DISCONNECTED",
    reconnect: true,
    message: err.code ? `${err.code}: ${message}` : message,
  };
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what}: timed out after ${ms} ms`), { errno: "ETIMEDOUT" })),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
};

export function createModbusSource(config: ModbusSourceConfig, ctx: SourceContext): Source {
  const plans = planReads(config);
  const nap = cancellableSleep();
  let running = false;
  let loop: Promise<void> | null = null;
  let client: ModbusClient | null = null;

  const drop = (): void => {
    const c = client;
    client = null;
    if (!c) return;
    try {
      c.destroy(() => {});
    } catch {
      // the socket is already gone
    }
  };

  async function connect(): Promise<void> {
    const c = new ModbusRTU();
    // A connect that never completes would leave the socket dangling: destroy it on timeout.
    try {
      await withTimeout(c.connectTCP(config.host, { port: config.port }), config.timeoutMs, "connect");
    } catch (e) {
      try {
        c.destroy(() => {});
      } catch {
        // nothing to close
      }
      throw e;
    }
    c.setTimeout(config.timeoutMs);
    client = c;
  }

  /**
   * One poll of every register; returns false when the link must be rebuilt.
   * What did arrive is delivered even then: one failing unit behind a
   * gateway must not take the others' values with it.
   */
  async function pollOnce(sink: SourceSink): Promise<boolean> {
    const c = client!;
    const ts = Date.now();
    const values = new Map<ModbusRegister, number>();
    let answered = 0;
    let timedOut = false;
    let rebuild = false;
    // A unit that timed out is skipped for the rest of this poll (its other reads would wait out the timeout too).
    const silentUnits = new Set<number>();
    for (const plan of plans) {
      if (silentUnits.has(plan.unitId)) continue;
      let data: number[];
      try {
        c.setID(plan.unitId);
        const res: { data: number[] } = await withTimeout(
          plan.fn === 3
            ? c.readHoldingRegisters(plan.address, plan.length)
            : c.readInputRegisters(plan.address, plan.length),
          config.timeoutMs + 250,
          "read",
        );
        data = res.data;
      } catch (e) {
        const { code, reconnect, message } = classifyModbusError(e);
        sink.error(
          code,
          `${config.id} unit ${plan.unitId} fn ${plan.fn} @${plan.address}+${plan.length}: ${message}`,
        );
        if (!reconnect) {
          answered++; // an exception response: the link and the device are alive
          continue;
        }
        if (code === "SOURCE_TIMEOUT") {
          // Other units may still answer; a late answer is discarded by its transaction id.
          timedOut = true;
          silentUnits.add(plan.unitId);
          continue;
        }
        // A broken link or a garbled stream: nothing more on this connection.
        rebuild = true;
        break;
      }
      answered++;
      if (!Array.isArray(data) || data.length < plan.length) {
        sink.error(
          "SOURCE_BAD_FRAME",
          `${config.id} @${plan.address}: ${data?.length ?? 0} of ${plan.length} words`,
        );
        rebuild = true;
        break;
      }
      let offset = 0;
      for (const r of plan.registers) {
        const n = wordsOf(r.type);
        const raw = decodeWords(r.type, data.slice(offset, offset + n), r.wordOrder);
        offset += n;
        const value = raw * r.scale;
        if (Number.isFinite(value)) values.set(r, value);
        else sink.error("SOURCE_BAD_FRAME", `${config.id} @${r.address}: ${r.field} is not a finite number`);
      }
    }
    // Nothing answered after a timeout: the link itself is suspect (isOpen is not to be trusted).
    if (timedOut && answered === 0) rebuild = true;
    // One point per measurement and measuring point, all fields of the poll together.
    const byKey = new Map<string, Point>();
    for (const [r, value] of values) {
      const key = `${r.measurement}\u0000${r.point ?? ""}`;
      let p = byKey.get(key);
      if (!p) {
        const tags: Record<string, string> = { site: ctx.site, asset: config.asset };
        if (r.point) tags.point = r.point;
        p = { measurement: r.measurement, tags, fields: {}, ts };
        byKey.set(key, p);
      }
      p.fields[r.field] = value;
    }
    if (byKey.size > 0) sink.points([...byKey.values()]);
    return !rebuild;
  }

  async function run(sink: SourceSink): Promise<void> {
    let attempt = 0;
    while (running) {
      if (!client) {
        try {
          await connect();
          attempt = 0;
        } catch (e) {
          const { message } = classifyModbusError(e);
          sink.error("SOURCE_DISCONNECTED", `${config.id} ${config.host}:${config.port}: ${message}`);
          await nap.sleep(reconnectDelayMs(attempt++, Math.min(config.intervalMs, 1000)));
          continue;
        }
      }
      const started = Date.now();
      const healthy = await pollOnce(sink);
      if (!healthy) {
        drop();
        await nap.sleep(reconnectDelayMs(attempt++, Math.min(config.intervalMs, 1000)));
        continue;
      }
      await nap.sleep(Math.max(0, config.intervalMs - (Date.now() - started)));
    }
  }

  return {
    id: config.id,
    async start(sink) {
      if (running) return;
      running = true;
      ctx.log(
        `source ${config.id}: polling ${config.host}:${config.port} every ${config.intervalMs} ms (${plans.length} requests)`,
      );
      loop = run(sink).catch((e) => {
        sink.error("INTERNAL", `${config.id}: ${(e as Error).stack ?? e}`);
      });
    },
    async stop() {
      running = false;
      nap.cancel();
      await loop;
      loop = null;
      drop();
    },
  };
}
