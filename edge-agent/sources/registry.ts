// Source implementations by config `kind`. Adding a protocol = one schema in
// config.ts (SourceSchemas) + one loader here. Implementations are loaded
// on first use: an agent with only Modbus meters never loads node-opcua
// (tens of MiB of code and memory on a small gateway).
import type { ModbusSourceConfig, OpcuaSourceConfig, SourceConfig } from "../config.ts";
import type { Source, SourceContext } from "./source.ts";

export const sourceRegistry = {
  modbus: async () => (await import("./modbus.ts")).createModbusSource,
  opcua: async () => (await import("./opcua.ts")).createOpcuaSource,
} as const satisfies {
  modbus: () => Promise<(c: ModbusSourceConfig, ctx: SourceContext) => Source>;
  opcua: () => Promise<(c: OpcuaSourceConfig, ctx: SourceContext) => Source>;
};

export async function createSource(config: SourceConfig, ctx: SourceContext): Promise<Source> {
  switch (config.kind) {
    case "modbus":
      return (await sourceRegistry.modbus())(config, ctx);
    case "opcua":
      return (await sourceRegistry.opcua())(config, ctx);
  }
}
