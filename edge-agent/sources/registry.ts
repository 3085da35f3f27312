// Source implementations by config `kind`. Adding a protocol = one schema in
// config.ts (SourceSchemas) + one factory here.
import type { ModbusSourceConfig, OpcuaSourceConfig, SourceConfig, SourceKind } from "../config.ts";
import { createModbusSource } from "./modbus.ts";
import { createOpcuaSource } from "./opcua.ts";
import type { Source, SourceContext } from "./source.ts";

export const sourceRegistry = {
  modbus: createModbusSource,
  opcua: createOpcuaSource,
} as const satisfies {
  modbus: (c: ModbusSourceConfig, ctx: SourceContext) => Source;
  opcua: (c: OpcuaSourceConfig, ctx: SourceContext) => Source;
};

export function createSource(config: SourceConfig, ctx: SourceContext): Source {
  const kind: SourceKind = config.kind;
  switch (kind) {
    case "modbus":
      return sourceRegistry.modbus(config as ModbusSourceConfig, ctx);
    case "opcua":
      return sourceRegistry.opcua(config as OpcuaSourceConfig, ctx);
  }
}
