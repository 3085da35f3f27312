// Modbus RTU framing for the simulators (Modbus over Serial Line
// Specification and Implementation Guide V1.02 §2.5.1): a frame is
// unit id, PDU, CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF, low
// byte first). A device answers only requests addressed to one of its unit
// ids with a good CRC; anything else it ignores, as a device on a shared
// RS-485 line must (a wrong CRC or another unit's request gets silence, and
// the master's timeout says so). Frames end where a read request's fixed
// length (8 bytes) ends, or else at a silence.
import { SerialPort } from "serialport";
import type { ModbusDevice, ModbusFault } from "./modbus-server.ts";

export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

export function rtuFrame(unitId: number, pdu: Buffer): Buffer {
  const frame = Buffer.alloc(pdu.length + 3);
  frame[0] = unitId;
  pdu.copy(frame, 1);
  frame.writeUInt16LE(crc16(frame.subarray(0, frame.length - 2)), frame.length - 2);
  return frame;
}

/** Silence that ends a frame of unknown length, ms (3.5 characters at 9600 baud is 4 ms). */
const SILENCE_MS = 5;

/**
 * A byte-stream parser: feed it what arrives; it calls `send` with each
 * answer frame (and how long to hold it back, for an injected delay).
 */
export function rtuFramer(
  device: ModbusDevice,
  send: (frame: Buffer, delayMs: number) => void,
): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let silence: NodeJS.Timeout | undefined;
  const answer = (frame: Buffer): void => {
    if (frame.length < 4) return;
    const crc = frame.readUInt16LE(frame.length - 2);
    if (crc !== crc16(frame.subarray(0, frame.length - 2))) return; // garbled: a device keeps quiet
    const unitId = frame[0]!;
    if (!device.serves(unitId)) return; // another device's request (or a broadcast)
    const fault: ModbusFault | undefined = device.faultFor(unitId);
    const pdu = device.respond(unitId, Buffer.from(frame.subarray(1, frame.length - 2)));
    let out = rtuFrame(unitId, pdu);
    if (fault?.kind === "short") out = out.subarray(0, Math.max(3, out.length - 4));
    send(out, fault?.kind === "delay" ? fault.ms : 0);
  };
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    clearTimeout(silence);
    // Read requests (functions 3 and 4) are 8 bytes: answer as soon as one is complete.
    while (pending.length >= 8 && (pending[1] === 3 || pending[1] === 4)) {
      answer(pending.subarray(0, 8));
      pending = pending.subarray(8);
    }
    if (pending.length > 0)
      silence = setTimeout(() => {
        const frame = pending;
        pending = Buffer.alloc(0);
        answer(frame);
      }, SILENCE_MS);
  };
}

export interface RunningRtuLine {
  readonly path: string;
  stop(): Promise<void>;
}

/** Serves `device` as RTU on a serial port (e.g. one end of a `socat` PTY pair). */
export async function startModbusRtuSerial(opts: {
  path: string;
  device: ModbusDevice;
  baudRate?: number;
  parity?: "none" | "even" | "odd";
  stopBits?: 1 | 2;
  dataBits?: 7 | 8;
}): Promise<RunningRtuLine> {
  const port = new SerialPort({
    path: opts.path,
    baudRate: opts.baudRate ?? 19_200,
    parity: opts.parity ?? "even",
    stopBits: opts.stopBits ?? 1,
    dataBits: opts.dataBits ?? 8,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  port.on("error", () => {});
  port.on(
    "data",
    rtuFramer(opts.device, (frame, delayMs) => {
      const write = (): void => {
        if (port.isOpen) port.write(frame);
      };
      if (delayMs > 0) setTimeout(write, delayMs).unref();
      else write();
    }),
  );
  return {
    path: opts.path,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) resolve();
        else port.close(() => resolve());
      }),
  };
}
