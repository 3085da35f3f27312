// Source implementations by config `kind`. Adding a protocol = one schema in
// config-sources.ts (SourceSchemas) + one loader here (its source and its
// `vetra edge check` probe). Implementations are loaded on first use: an
// agent with only Modbus meters never loads node-opcua (tens of MiB of code
// and memory on a small gateway).
import type { ModbusSourceConfig, OpcuaSourceConfig, SourceConfig } from "../config-sources.ts";
import type { ProbeRow, Source, SourceContext } from "./source.ts";

export const sourceRegistry = {
  modbus: async () => {
    const m = await import("./modbus.ts");
    return {
      create: m.createModbusSource,
      probe: (c: ModbusSourceConfig, _ctx: SourceContext) => m.probeModbus(c),
    };
  },
  opcua: async () => {
    const m = await import("./opcua.ts");
    return { create: m.createOpcuaSource, probe: m.probeOpcua };
  },
} as const satisfies {
  modbus: () => Promise<{
    create: (c: ModbusSourceConfig, ctx: SourceContext) => Source;
    probe: (c: ModbusSourceConfig, ctx: SourceContext) => Promise<ProbeRow[]>;
  }>;
  opcua: () => Promise<{
    create: (c: OpcuaSourceConfig, ctx: SourceContext) => Source;
    probe: (c: OpcuaSourceConfig, ctx: SourceContext) => Promise<ProbeRow[]>;
  }>;
};

export async function createSource(config: SourceConfig, ctx: SourceContext): Promise<Source> {
  switch (config.kind) {
    case "modbus":
      return (await sourceRegistry.modbus()).create(config, ctx);
    case "opcua":
      return (await sourceRegistry.opcua()).create(config, ctx);
  }
}

/** Reads every configured point of a source once (`vetra edge check`). */
export async function probeSource(config: SourceConfig, ctx: SourceContext): Promise<ProbeRow[]> {
  switch (config.kind) {
    case "modbus":
      return (await sourceRegistry.modbus()).probe(config, ctx);
    case "opcua":
      return (await sourceRegistry.opcua()).probe(config, ctx);
  }
}
