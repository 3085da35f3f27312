// Writing to a device: what the control loop needs of any protocol. A write
// is followed by a read-back of the same point (the device may clamp, refuse
// silently or be overridden locally); both are I/O results, never throws.
// Implementations by target `kind`, loaded on first use like the sources.
import type { IoResult } from "../../common/result.ts";
import type { ModbusSourceConfig, OpcuaSourceConfig, SourceConfig } from "../config.ts";
import type { SourceContext } from "./source.ts";
import type { WriteTarget } from "./write-target.ts";

export interface PointWriter {
  /** Writes `value` (engineering units) and reads it back: success carries the value read back. */
  write(value: number): Promise<IoResult<number>>;
  /** Reads the point's present value (engineering units). */
  read(): Promise<IoResult<number>>;
  close(): Promise<void>;
}

/** One link per source, shared by every point written through it. */
export interface WriteLink {
  writer(target: WriteTarget): PointWriter;
  close(): Promise<void>;
}

export const writeLinkRegistry = {
  modbus: async () => (await import("./modbus-write.ts")).createModbusWriteLink,
  opcua: async () => (await import("./opcua-write.ts")).createOpcuaWriteLink,
} as const satisfies {
  modbus: () => Promise<(c: ModbusSourceConfig, ctx: SourceContext) => WriteLink>;
  opcua: () => Promise<(c: OpcuaSourceConfig, ctx: SourceContext) => WriteLink>;
};

export async function createWriteLink(config: SourceConfig, ctx: SourceContext): Promise<WriteLink> {
  switch (config.kind) {
    case "modbus":
      return (await writeLinkRegistry.modbus())(config, ctx);
    case "opcua":
      return (await writeLinkRegistry.opcua())(config, ctx);
  }
}
