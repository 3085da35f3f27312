// A Modbus device whose one register is a counter: each read answered is
// the next integer (1, 2, 3, …), so the set of values it served, and hence
// what a store must hold exactly once, is known. With the agent source that
// polls it and the InfluxDB query that reads the values back.
import { type RunningModbusServer, startModbusServer } from "../../simulators/modbus-server.ts";
import type { RunningInfluxd } from "./influxd.ts";

export interface CounterDevice {
  server: RunningModbusServer;
  /** Values served so far (the last value served). */
  served(): number;
}

export async function startCounterDevice(): Promise<CounterDevice> {
  let served = 0;
  const server = await startModbusServer({
    units: [
      {
        unitId: 1,
        registers: [
          {
            name: "counter",
            field: "power_kw",
            function: 3,
            address: 0,
            type: "uint32",
            wordOrder: "high_first",
            unit: "1",
            description: "reads answered",
          },
        ],
        snapshot: () => ({ counter: ++served }),
      },
    ],
  });
  return { server, served: () => served };
}

/** The edge agent's source polling the counter as `scada.power_kw` of asset T01. */
export const counterSource = (port: number, intervalMs: number) => ({
  kind: "modbus" as const,
  id: "counter",
  host: "127.0.0.1",
  port,
  intervalMs,
  timeoutMs: 500,
  asset: "T01",
  registers: [{ address: 0, type: "uint32" as const, measurement: "scada" as const, field: "power_kw" }],
});

/** The counter values stored in InfluxDB, in time order. */
export async function storedCounterValues(influx: RunningInfluxd): Promise<number[]> {
  const q = new URLSearchParams({
    db: influx.database,
    q: "SELECT power_kw FROM scada WHERE asset = 'T01'",
    epoch: "ms",
  });
  const res = await fetch(`${influx.url}/query?${q}`);
  const body = (await res.json()) as { results: { series?: { values: [number, number][] }[] }[] };
  return (body.results[0]?.series?.[0]?.values ?? []).map((v) => v[1]);
}
