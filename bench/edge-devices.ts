// Devices of the edge benchmark (edge.bench.ts), in a process of their own
// so their work never runs on the agent's event loop:
//   node bin/run-ts.js bench/edge-devices.ts turbines N WAVEFORM_MS
//   node bin/run-ts.js bench/edge-devices.ts facilities N
// starts N turbine simulators (OPC UA waveforms of 3 points each, a new
// block every WAVEFORM_MS) or N facility simulators (Modbus TCP meter and
// temperature transmitter), prints one line with their ports (JSON after
// READY_MARK), and
// runs until stdin closes.
import { start as startFacility } from "../simulators/facility/index.ts";
import { start as startTurbine } from "../simulators/turbine/index.ts";

const READY_MARK = "edge-devices: ";
const [kind, countText, waveformMsText] = process.argv.slice(2);
const count = Number(countText);
if ((kind !== "turbines" && kind !== "facilities") || !(Number.isInteger(count) && count > 0)) {
  console.error("usage: edge-devices.ts turbines|facilities N [WAVEFORM_MS]");
  process.exit(2);
}

const stops: (() => Promise<void>)[] = [];
const devices: { assetId: string; modbusPort: number; opcuaEndpoint?: string }[] = [];
for (let i = 1; i <= count; i++) {
  if (kind === "turbines") {
    const assetId = `BT${String(i).padStart(2, "0")}`;
    const sim = await startTurbine({
      assetId,
      seed: i,
      waveformRefreshMs: Number(waveformMsText ?? 2560),
      // Some faulty machines, so the chain names faults and the agent sends snapshots.
      faults:
        i % 3 === 0
          ? [{ point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 }]
          : i % 4 === 0
            ? [{ point: "generator_de", fault: "imbalance", severity: 0.6 }]
            : [],
    });
    stops.push(() => sim.stop());
    devices.push({ assetId, modbusPort: sim.modbusPort, opcuaEndpoint: sim.opcuaEndpoint });
  } else {
    const assetId = `BF${String(i).padStart(2, "0")}`;
    const sim = await startFacility({ assetId, kind: "school", seed: i });
    stops.push(() => sim.stop());
    devices.push({ assetId, modbusPort: sim.modbusPort });
  }
}
// node-opcua writes its own lines to stdout too: ours is marked.
console.log(`${READY_MARK}${JSON.stringify({ devices })}`);

const stop = async (): Promise<void> => {
  await Promise.all(stops.map((s) => s().catch(() => undefined)));
  process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
