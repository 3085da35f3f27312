// The agent config of a controllable facility simulator (simulators/facility,
// unit 4 building controller) for control tests: the main meter polled over
// Modbus TCP, four writable points of every function and data type.
import type { AgentConfig } from "../../edge-agent/config.ts";
import { parseAgentConfig } from "../../edge-agent/config.ts";
import { BMS_UNIT_ID } from "../../simulators/facility/index.ts";

export const CONTROL_ASSET = "school-1";
const ASSET = CONTROL_ASSET;

/** The main meter's total system power (SDM630_MAP: input register 0x34, W) as an agent reads it, in kW. */
export const MAIN_METER_POWER_KW = {
  function: 4,
  address: 0x34,
  type: "float32",
  measurement: "meter",
  field: "power_kw",
  scale: 0.001,
} as const;

export function facilityControlConfig(
  port: number,
  dir: string,
  extra: Record<string, unknown> = {},
  centralUrl = "http://127.0.0.1:9",
): AgentConfig {
  const bms = { kind: "modbus", source: "bms", unitId: BMS_UNIT_ID } as const;
  return parseAgentConfig({
    agent: { id: "edge-1", site: "site-1" },
    central: { url: centralUrl, token: "t", timeoutMs: 500, gzip: false },
    queue: { kind: "memory", dir },
    sources: [
      {
        kind: "modbus",
        id: "bms",
        host: "127.0.0.1",
        port,
        unitId: 1,
        asset: ASSET,
        timeoutMs: 500,
        registers: [MAIN_METER_POWER_KW],
      },
    ],
    control: {
      readBackIntervalMs: 1000,
      manualHoldMinutes: 30,
      points: [
        {
          asset: ASSET,
          point: "heating_setpoint_c",
          unit: "degC",
          min: 12,
          max: 26,
          maxRatePerMinute: 60,
          failSafe: 21,
          critical: false,
          minWriteIntervalMs: 1000,
          write: { ...bms, function: 16, address: 0, type: "float32" },
        },
        {
          asset: ASSET,
          point: "hvac_mode",
          unit: "state",
          min: 0,
          max: 3,
          states: { "0": "off", "1": "heat", "2": "cool", "3": "auto" },
          failSafe: 3,
          critical: false,
          minWriteIntervalMs: 1000,
          write: { ...bms, function: 6, address: 4, type: "uint16" },
        },
        {
          asset: ASSET,
          point: "lighting",
          unit: "state",
          min: 0,
          max: 1,
          states: { "0": "off", "1": "on" },
          failSafe: 1,
          critical: false,
          minWriteIntervalMs: 1000,
          write: { ...bms, function: 5, address: 0 },
        },
        {
          asset: ASSET,
          point: "ventilation_pct",
          unit: "%",
          min: 0,
          max: 100,
          maxRatePerMinute: 600,
          failSafe: 100,
          critical: true,
          minWriteIntervalMs: 1000,
          write: { ...bms, function: 16, address: 5, type: "uint16" },
        },
      ],
      ...extra,
    },
  });
}
