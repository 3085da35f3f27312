// The agent config of a controllable facility simulator (simulators/facility,
// unit 4 building controller) for control tests: the main meter polled over
// Modbus TCP, four writable points of every function and data type; and the
// pieces those tests start the same way (the simulator, the control ticked
// by hand, a client standing for a change made at the device).
import modbusSerial from "modbus-serial";
import { facilityControlPoints } from "../../cli/demo-fleet.ts";
import type { Point } from "../../common/wire.ts";
import type { AgentConfig } from "../../edge-agent/config.ts";
import { parseAgentConfig } from "../../edge-agent/config.ts";
import { type RunningControl, startControl } from "../../edge-agent/control/index.ts";
import { BMS_UNIT_ID, type FacilitySim, start as startFacility } from "../../simulators/facility/index.ts";

const ModbusClient = modbusSerial as unknown as typeof modbusSerial.default;
type ModbusRTU = InstanceType<typeof ModbusClient>;

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
    // The agent's default request timeout (10 s, edge-agent/config.ts): it runs on the wall clock even where a
    // test moves `now`, and a first sync (fetch loading its client) can take over half a second on a loaded machine.
    central: { url: centralUrl, token: "t", gzip: false },
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
        // The demo's three points (the setpoint ramped at 60 °C/min), each written at most once a
        // second; the HVAC relinquishes to auto (3).
        ...facilityControlPoints(ASSET, "school", "bms", {
          maxRatePerMinute: 60,
          minWriteIntervalMs: 1000,
        }).map((p) => (p.point === "hvac_mode" ? { ...p, failSafe: 3 } : p)),
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

/** The edge's control on `config`, ticked by the test (no timers, no sync loop) on the test's clock. */
export async function controlByHand(
  config: AgentConfig,
  now?: () => number,
  emit: (points: Point[]) => void = () => {},
): Promise<RunningControl> {
  const control = await startControl(config, {
    log: () => {},
    emit,
    ...(now ? { now } : {}),
    autostart: false,
  });
  if (!control) throw new Error("the config declares no writable points");
  return control;
}

/** The controllable school of these tests (its building controller writable), on the test's clock if given. */
export const startControlFacility = (seed: number, clock?: () => number): Promise<FacilitySim> =>
  startFacility({ assetId: CONTROL_ASSET, kind: "school", seed, ...(clock ? { clock } : {}), control: true });

/** A Modbus TCP client on the simulator's building controller: a change made at the device. */
export async function connectBms(port: number): Promise<ModbusRTU> {
  const device = new ModbusClient();
  await device.connectTCP("127.0.0.1", { port });
  device.setTimeout(1000);
  device.setID(BMS_UNIT_ID);
  return device;
}

/** The controllable school and a client on its building controller; `stop` ends both. */
export async function startControlBench(
  seed: number,
  clock: () => number,
): Promise<{ sim: FacilitySim; device: ModbusRTU; stop(): Promise<void> }> {
  const sim = await startControlFacility(seed, clock);
  const device = await connectBms(sim.modbusPort);
  return {
    sim,
    device,
    async stop() {
      await new Promise<void>((r) => device.close(() => r()));
      await sim.stop();
    },
  };
}
