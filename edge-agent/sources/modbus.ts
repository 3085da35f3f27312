// Modbus polling (modbus-serial) over TCP, RTU on a serial line, or RTU over
// TCP (modbus-link.ts). Registers are read in as few requests as the map
// allows; any timeout, broken link or malformed answer closes the
// connection and reconnects with backoff (`isOpen` is not trusted). What did
// arrive in a poll is delivered even when another unit failed: one silent
// meter on an RS-485 line must not take the others' values with it.
import type { ErrorCode } from "../../common/errors.ts";
import { isPlausible, physicalRangeOf } from "../../common/names.ts";
import type { Point } from "../../common/wire.ts";
import { type ModbusRegister, type ModbusSourceConfig, plausibleRangeOf } from "../config-sources.ts";
import { acquireLink, ConnectError, type ModbusLink, releaseLink } from "./modbus-link.ts";
import { decodeWords, oneBasedHint, otherOrder, planReads, type ReadPlan, wordsOf } from "./modbus-map.ts";
import type { ProbeRow, Source, SourceContext, SourceSink } from "./source.ts";
import { cancellableSleep, reconnectDelayMs } from "./source.ts";
import { storedValue } from "./values.ts";

export { decodeWords, MAX_REGISTERS_PER_READ, planReads, wordsOf } from "./modbus-map.ts";

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
  if (e instanceof ConnectError) return { code: "SOURCE_DISCONNECTED", reconnect: true, message };
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

type PlanResult = { data: number[] } | { error: unknown };

async function readPlan(link: ModbusLink, plan: ReadPlan, timeoutMs: number): Promise<PlanResult> {
  try {
    const res = await link.request(plan.unitId, timeoutMs, (c) =>
      plan.fn === 3
        ? c.readHoldingRegisters(plan.address, plan.length)
        : c.readInputRegisters(plan.address, plan.length),
    );
    return { data: (res as { data: number[] }).data };
  } catch (error) {
    return { error };
  }
}

const where = (plan: Pick<ReadPlan, "unitId" | "fn" | "address" | "length">) =>
  `unit ${plan.unitId} fn ${plan.fn} @${plan.address}+${plan.length}`;

/** An exception 02 (illegal data address) with what the address probably meant. */
const withHint = (plan: ReadPlan, message: string, e: unknown): string => {
  if ((e as ModbusErrorLike)?.modbusCode !== 2) return message;
  const hint = oneBasedHint(plan.fn, plan.address);
  return hint ? `${message} (${hint})` : message;
};

export function createModbusSource(config: ModbusSourceConfig, ctx: SourceContext): Source {
  const plans = planReads(config);
  const nap = cancellableSleep();
  let running = false;
  let loop: Promise<void> | null = null;
  let link: ModbusLink | null = null;

  /**
   * One poll of every register; returns false when the link must be rebuilt.
   * What did arrive is delivered even then.
   */
  async function pollOnce(sink: SourceSink, l: ModbusLink): Promise<boolean> {
    const ts = Date.now();
    const values = new Map<ModbusRegister, number>();
    let answered = 0;
    let timedOut = false;
    let rebuild = false;
    // A unit that timed out is skipped for the rest of this poll (its other reads would wait out the timeout too).
    const silentUnits = new Set<number>();
    for (const plan of plans) {
      if (silentUnits.has(plan.unitId)) continue;
      const r = await readPlan(l, plan, config.timeoutMs);
      if ("error" in r) {
        const { code, reconnect, message } = classifyModbusError(r.error);
        sink.error(code, `${config.id} ${where(plan)}: ${withHint(plan, message, r.error)}`);
        if (r.error instanceof ConnectError) {
          rebuild = true;
          break;
        }
        if (!reconnect) {
          answered++; // an exception response: the link and the device are alive
          continue;
        }
        if (code === "SOURCE_TIMEOUT") {
          // Other units may still answer; a late answer is discarded by its transaction id / unit id.
          timedOut = true;
          silentUnits.add(plan.unitId);
          continue;
        }
        // A broken link or a garbled stream: nothing more on this connection.
        rebuild = true;
        break;
      }
      answered++;
      const data = r.data;
      if (!Array.isArray(data) || data.length < plan.length) {
        sink.error(
          "SOURCE_BAD_FRAME",
          `${config.id} ${where(plan)}: ${data?.length ?? 0} of ${plan.length} words`,
        );
        rebuild = true;
        break;
      }
      let offset = 0;
      for (const reg of plan.registers) {
        const n = wordsOf(reg.type);
        const raw = decodeWords(reg.type, data.slice(offset, offset + n), reg.wordOrder);
        offset += n;
        const value = storedValue(raw, reg, reg.type === "float32");
        if (Number.isFinite(value)) values.set(reg, value);
        else
          sink.error(
            "SOURCE_BAD_FRAME",
            `${config.id} ${where(plan)}: ${reg.measurement}.${reg.field} is not a finite number`,
          );
      }
    }
    // Nothing answered after a timeout: the link itself is suspect (isOpen is not to be trusted).
    if (timedOut && answered === 0) rebuild = true;
    sink.link?.(answered > 0);
    // One point per measurement and measuring point, all fields of the poll together.
    const byKey = new Map<string, Point>();
    for (const [reg, value] of values) {
      const key = `${reg.measurement}\u0000${reg.point ?? ""}`;
      let p = byKey.get(key);
      if (!p) {
        const tags: Record<string, string> = { site: ctx.site, asset: config.asset };
        if (reg.point) tags.point = reg.point;
        p = { measurement: reg.measurement, tags, fields: {}, ts };
        byKey.set(key, p);
      }
      p.fields[reg.field] = value;
    }
    if (byKey.size > 0) sink.points([...byKey.values()]);
    return !rebuild;
  }

  async function run(sink: SourceSink, l: ModbusLink): Promise<void> {
    let attempt = 0;
    while (running) {
      const started = Date.now();
      const healthy = await pollOnce(sink, l);
      if (!healthy) {
        await l.reset();
        await nap.sleep(reconnectDelayMs(attempt++, Math.min(config.intervalMs, 1000)));
        continue;
      }
      attempt = 0;
      await nap.sleep(Math.max(0, config.intervalMs - (Date.now() - started)));
    }
  }

  return {
    id: config.id,
    async start(sink) {
      if (running) return;
      running = true;
      const l = acquireLink(config);
      link = l;
      ctx.log(
        `source ${config.id}: polling ${l.label} every ${config.intervalMs} ms (${plans.length} requests)`,
      );
      loop = run(sink, l).catch((e) => {
        sink.error("INTERNAL", `${config.id}: ${(e as Error).stack ?? e}`);
      });
    },
    async stop() {
      running = false;
      nap.cancel();
      await loop;
      loop = null;
      if (link) await releaseLink(link, config);
      link = null;
    },
  };
}

const hexWords = (words: readonly number[]): string =>
  words.map((w) => `0x${(w & 0xffff).toString(16).padStart(4, "0")}`).join(" ");

/** Judges a decoded value against its plausible range, with what to check when it is outside. */
export function judge(reg: ModbusRegister, value: number): { unit: string; ok: boolean; range: string } {
  const range = plausibleRangeOf(reg);
  if (!range) return { unit: "", ok: true, range: "" };
  return {
    unit: range.unit,
    ok: isPlausible(value, range),
    range: `${range.min}…${range.max} ${range.unit}`,
  };
}

/**
 * How many decades a value lies from the top of its range: real readings
 * sit within a few (230 V of 1000 V: 0.6), the other word order of a
 * float32 usually dozens away (3.97e-7 V: 9.4). Zero is typical.
 */
function decadesOff(v: number, reg: ModbusRegister): number {
  const range = plausibleRangeOf(reg);
  const top = range ? Math.max(Math.abs(range.min), Math.abs(range.max)) : 0;
  if (v === 0 || top === 0) return 0;
  return Math.abs(Math.log10(Math.abs(v)) - Math.log10(top));
}

function rowOf(config: ModbusSourceConfig, plan: ReadPlan, reg: ModbusRegister, words: number[]): ProbeRow {
  const raw = decodeWords(reg.type, words, reg.wordOrder);
  const value = storedValue(raw, reg, reg.type === "float32");
  const j = judge(reg, value);
  let note = "";
  let verdict: ProbeRow["verdict"] = "ok";
  const other =
    wordsOf(reg.type) === 2
      ? storedValue(decodeWords(reg.type, words, otherOrder(reg.wordOrder)), reg, reg.type === "float32")
      : null;
  const otherOk = other !== null && Number.isFinite(other) && judge(reg, other).ok;
  const wordOrderHint = `check word order: ${otherOrder(reg.wordOrder)} gives ${other} ${j.unit}`;
  if (!Number.isFinite(value) || !j.ok) {
    verdict = "implausible";
    note = `outside ${j.range}; ${otherOk ? wordOrderHint : `check address, type${other === null ? "" : ", word order"} and scale`}`;
  } else if (
    reg.type === "float32" &&
    otherOk &&
    other !== null &&
    decadesOff(value, reg) - decadesOff(other, reg) > 3
  ) {
    // Inside the range but off by orders of magnitude, while the other word order reads like the real thing.
    verdict = "implausible";
    note = `${value} ${j.unit} is ${Math.round(decadesOff(value, reg))} orders of magnitude from the field's range (${j.range}); ${wordOrderHint}`;
  }
  return {
    source: config.id,
    point: `${reg.measurement}.${reg.field}${reg.point ? `@${reg.point}` : ""}`,
    at: where({ unitId: plan.unitId, fn: reg.function, address: reg.address, length: wordsOf(reg.type) }),
    raw: hexWords(words),
    value: Number.isFinite(value) ? value : null,
    unit: j.unit,
    verdict,
    note,
  };
}

/**
 * `vetra edge check`: reads every configured register once and judges each
 * value. A request the device refuses is retried register by register (to
 * find the one that is wrong), and an illegal address once more at the
 * 0-based address a 1-based manual number would stand for.
 */
export async function probeModbus(config: ModbusSourceConfig): Promise<ProbeRow[]> {
  const rows: ProbeRow[] = [];
  const l = acquireLink(config);
  try {
    for (const plan of planReads(config)) {
      const r = await readPlan(l, plan, config.timeoutMs);
      if ("data" in r && Array.isArray(r.data) && r.data.length >= plan.length) {
        let offset = 0;
        for (const reg of plan.registers) {
          const n = wordsOf(reg.type);
          rows.push(rowOf(config, plan, reg, r.data.slice(offset, offset + n)));
          offset += n;
        }
        continue;
      }
      if ("error" in r && r.error instanceof ConnectError) {
        for (const reg of plan.registers)
          rows.push(errorRow(config, plan, reg, "", `cannot connect: ${(r.error as Error).message}`));
        continue;
      }
      // Register by register: which of them is wrong.
      for (const reg of plan.registers) {
        const single: ReadPlan = {
          ...plan,
          address: reg.address,
          length: wordsOf(reg.type),
          registers: [reg],
        };
        const one = plan.registers.length === 1 ? r : await readPlan(l, single, config.timeoutMs);
        if ("data" in one && Array.isArray(one.data) && one.data.length >= single.length) {
          rows.push(rowOf(config, single, reg, one.data));
          continue;
        }
        const e = "error" in one ? one.error : new Error("short answer");
        const { message } = classifyModbusError(e);
        let note = withHint(single, message, e);
        if ((e as ModbusErrorLike)?.modbusCode === 2) {
          const alt = oneBasedAddress(single.fn, single.address);
          if (alt !== null) {
            const tried = await readPlan(
              l,
              { ...single, fn: alt.fn, address: alt.address },
              config.timeoutMs,
            );
            if ("data" in tried && Array.isArray(tried.data) && tried.data.length >= single.length) {
              const v = storedValue(
                decodeWords(reg.type, tried.data, reg.wordOrder),
                reg,
                reg.type === "float32",
              );
              const j = judge(reg, v);
              note += `; function ${alt.fn} address ${alt.address} answers ${v} ${j.unit}${j.ok ? "" : ` (outside ${j.range})`}`;
            }
          }
        }
        rows.push(errorRow(config, single, reg, "", note));
      }
    }
  } finally {
    await releaseLink(l, config);
  }
  return rows;
}

/** The 0-based address a 1-based manual number stands for (30001 → fn 4 @0, 40001 → fn 3 @0, n → n − 1). */
function oneBasedAddress(fn: 3 | 4, address: number): { fn: 3 | 4; address: number } | null {
  if (address >= 30_001 && address < 40_001) return { fn: 4, address: address - 30_001 };
  if (address >= 40_001 && address < 50_001) return { fn: 3, address: address - 40_001 };
  return address >= 1 ? { fn, address: address - 1 } : null;
}

function errorRow(
  config: ModbusSourceConfig,
  plan: ReadPlan,
  reg: ModbusRegister,
  raw: string,
  note: string,
): ProbeRow {
  return {
    source: config.id,
    point: `${reg.measurement}.${reg.field}${reg.point ? `@${reg.point}` : ""}`,
    at: where({ unitId: plan.unitId, fn: reg.function, address: reg.address, length: wordsOf(reg.type) }),
    raw,
    value: null,
    unit: physicalRangeOf(reg.measurement, reg.field)?.unit ?? "",
    verdict: "error",
    note,
  };
}
