// The connection a Modbus source talks over (modbus-serial): Modbus TCP,
// RTU on a serial line, or RTU through a serial device server over TCP.
// Requests on one link run strictly one after another: modbus-serial reads
// the unit id from the client when a request is sent (so two requests in
// flight would cross their unit ids), an RS-485 line is half duplex, and a
// serial device server forwards one frame at a time. Sources naming the
// same line (serial path, or device server host:port) share one link.
//
// modbus-serial traps handled here: requests have no timeout unless one is
// set (setTimeout, plus our own race in case a callback never comes);
// `isOpen` stays true on a half-dead TCP link, so the link keeps its own
// state and is rebuilt whenever a source says so; `destroy()` does nothing
// for a serial port (only `close()` releases it); `connectTcpRTUBuffered`
// sends MBAP frames, so RTU over TCP goes through `connectTelnet`.
import modbusSerial from "modbus-serial";
import { interFrameDelayMsOf, type ModbusSourceConfig } from "../config-sources.ts";

// The package is CommonJS with `module.exports = ModbusRTU`; its typings
// describe an ES default export, so the constructor is typed by hand.
export type ModbusClient = InstanceType<typeof modbusSerial.default>;
const ModbusRTU = modbusSerial as unknown as new () => ModbusClient;

/** A connect that failed (as opposed to a request on an open link). */
export class ConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectError";
  }
}

export const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what}: timed out after ${ms} ms`), { errno: "ETIMEDOUT" })),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface LinkSpec {
  /** Sources with the same key share the link. */
  readonly key: string;
  /** For logs: `tcp 10.0.0.5:502`, `rtu /dev/ttyUSB0 9600 8N1`. */
  readonly label: string;
  readonly serial: boolean;
  readonly interFrameDelayMs: number;
  open(c: ModbusClient): Promise<void>;
}

function specOf(config: ModbusSourceConfig): LinkSpec {
  if (config.transport === "rtu") {
    const s = config.serial!;
    const parity = s.parity === "none" ? "N" : s.parity === "even" ? "E" : "O";
    return {
      key: `rtu\u0000${s.path}`,
      label: `rtu ${s.path} ${s.baudRate} ${s.dataBits}${parity}${s.stopBits}`,
      serial: true,
      interFrameDelayMs: interFrameDelayMsOf(s),
      open: (c) =>
        c.connectRTUBuffered(s.path, {
          baudRate: s.baudRate,
          parity: s.parity,
          stopBits: s.stopBits,
          dataBits: s.dataBits,
        }),
    };
  }
  const host = config.host!;
  const port = config.port!;
  if (config.transport === "rtu_over_tcp")
    return {
      key: `rtu_over_tcp\u0000${host}\u0000${port}`,
      label: `rtu over tcp ${host}:${port}`,
      serial: false,
      interFrameDelayMs: 0,
      // connectTelnet writes the RTU frames (CRC and all) to the socket as a transparent serial
      // device server expects them; connectTcpRTUBuffered, despite its name, speaks MBAP.
      open: (c) => c.connectTelnet(host, { port }),
    };
  return {
    // Modbus TCP: one connection per source, as gateways serve several.
    key: `tcp\u0000${config.id}`,
    label: `tcp ${host}:${port}`,
    serial: false,
    interFrameDelayMs: 0,
    open: (c) => c.connectTCP(host, { port }),
  };
}

export class ModbusLink {
  private client: ModbusClient | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  users = 0;
  constructor(private readonly spec: LinkSpec) {}

  get label(): string {
    return this.spec.label;
  }

  /**
   * Queues `fn` behind every request on this link and runs it with the
   * client connected (a failed connect throws ConnectError) and set to
   * `unitId`; on a serial line the inter-frame silence follows it.
   */
  request<T>(unitId: number, timeoutMs: number, fn: (c: ModbusClient) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const c = await this.connected(timeoutMs);
      try {
        c.setID(unitId);
        c.setTimeout(timeoutMs);
        return await withTimeout(fn(c), timeoutMs + 250, "read");
      } finally {
        if (this.spec.interFrameDelayMs > 0) await sleep(this.spec.interFrameDelayMs);
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Closes the connection after what is queued; the next request reconnects. */
  reset(): Promise<void> {
    const run = async (): Promise<void> => this.close();
    const done = this.tail.then(run, run);
    this.tail = done.catch(() => undefined);
    return done;
  }

  private async connected(timeoutMs: number): Promise<ModbusClient> {
    if (this.client) return this.client;
    const c = new ModbusRTU();
    try {
      await withTimeout(this.spec.open(c), timeoutMs, "connect");
    } catch (e) {
      await closeClient(c, this.spec.serial);
      const err = e as Error & { code?: string };
      throw new ConnectError(`${this.spec.label}: ${err.code ? `${err.code}: ` : ""}${err.message ?? e}`);
    }
    this.client = c;
    return c;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await closeClient(c, this.spec.serial);
  }
}

async function closeClient(c: ModbusClient, serial: boolean): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    try {
      if (serial) c.close(done);
      else c.destroy(done);
    } catch {
      done();
    }
  });
}

const links = new Map<string, ModbusLink>();

/** The link of a source (shared with the other sources on the same line); release it on stop. */
export function acquireLink(config: ModbusSourceConfig): ModbusLink {
  const spec = specOf(config);
  let link = links.get(spec.key);
  if (!link) {
    link = new ModbusLink(spec);
    links.set(spec.key, link);
  }
  link.users++;
  return link;
}

export async function releaseLink(link: ModbusLink, config: ModbusSourceConfig): Promise<void> {
  link.users--;
  if (link.users > 0) return;
  const key = specOf(config).key;
  if (links.get(key) === link) links.delete(key);
  await link.reset();
}
