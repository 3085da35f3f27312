// A Modbus register map as the source reads it: requests planned from the
// configured registers, words decoded into values, and the hints a wrong
// map earns (1-based addresses from a manual, a swapped word order).
import { decodeWords, type WordOrder, wordsOf } from "../../common/modbus-words.ts";
import type { ModbusRegister, ModbusSourceConfig } from "../config-sources.ts";

export { decodeWords, wordsOf };

/** Largest read of one request: Modbus Application Protocol v1.1b3 §6.3 allows 125 registers. */
export const MAX_REGISTERS_PER_READ = 125;

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

/**
 * Manuals often number registers from 1 with a prefix for the table
 * (Modicon convention: 30001 = input register 0, 40001 = holding register
 * 0); the protocol address is 0-based. For an address the device refused
 * (exception 02), what it probably meant.
 */
export function oneBasedHint(fn: 3 | 4, address: number): string | null {
  const prefix = fn === 4 ? 30_001 : 40_001;
  if (address >= prefix && address < prefix + 10_000)
    return `looks like a 1-based register number from the manual: ${address} is ${fn === 4 ? "input" : "holding"} register address ${address - prefix} (function ${fn})`;
  const other = fn === 4 ? 40_001 : 30_001;
  if (address >= other && address < other + 10_000)
    return `looks like a 1-based ${fn === 4 ? "holding" : "input"} register number: ${address} is address ${address - other} with function ${fn === 4 ? 3 : 4}`;
  if (address >= 1) return `if the manual numbers registers from 1, try address ${address - 1}`;
  return null;
}

/** The other word order of a 32-bit value (for "check word order" hints). */
export const otherOrder = (o: WordOrder): WordOrder => (o === "high_first" ? "low_first" : "high_first");
