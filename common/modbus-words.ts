// Values in Modbus registers as devices serve them and the edge reads them:
// 16-bit words, bytes within a word big-endian (Modbus Application Protocol
// v1.1b3 §4.2), 32-bit values in two words whose order the protocol leaves
// to the vendor. One decoder for the simulated devices and the agent, so a
// map reads the same on both sides.

export const RegisterTypes = ["float32", "uint16", "int16", "uint32", "int32"] as const;
export type RegisterType = (typeof RegisterTypes)[number];
/** Word order of 32-bit values: high_first = ABCD, low_first = CDAB. */
export const WordOrders = ["high_first", "low_first"] as const;
export type WordOrder = (typeof WordOrders)[number];

/** How many 16-bit registers a value of `type` occupies. */
export const wordsOf = (type: RegisterType): 1 | 2 => (type === "uint16" || type === "int16" ? 1 : 2);

/** Decodes one value from its words in protocol order. */
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
