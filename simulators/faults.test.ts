import { describe, expect, it } from "vitest";
import { parseCycle, parseModbusFault } from "./faults.ts";

describe("fault flags", () => {
  it("parses each Modbus fault, with and without a unit", () => {
    expect(parseModbusFault("exception:6")).toEqual({ fault: { kind: "exception", code: 6 } });
    expect(parseModbusFault("delay:3000@2")).toEqual({ fault: { kind: "delay", ms: 3000 }, unitId: 2 });
    expect(parseModbusFault("garbage")).toEqual({ fault: { kind: "garbage" } });
    expect(parseModbusFault("short@1")).toEqual({ fault: { kind: "short" }, unitId: 1 });
    expect(() => parseModbusFault("exception")).toThrow(/exception code/);
    expect(() => parseModbusFault("garbage:3")).toThrow(/takes no argument/);
    expect(() => parseModbusFault("short@300")).toThrow(/unit id/);
  });
  it("parses ON/OFF cycles in seconds", () => {
    expect(parseCycle("20/10")).toEqual({ onS: 20, offS: 10 });
    expect(parseCycle("0.5/1.5")).toEqual({ onS: 0.5, offS: 1.5 });
    expect(() => parseCycle("0/1")).toThrow(/ON\/OFF/);
  });
});

describe("fault schedule against a real Modbus server", () => {
  it("takes the device away and back in its cycle, and stop() leaves it present and fault-free", async () => {
    const { startModbusServer } = await import("./modbus-server.ts");
    const { startFaultSchedule } = await import("./faults.ts");
    const modbusSerial = (await import("modbus-serial")).default;
    const ModbusRTU = modbusSerial as unknown as typeof modbusSerial.default;
    const server = await startModbusServer({
      units: [
        {
          unitId: 1,
          registers: [
            {
              name: "x",
              field: "x",
              function: 3,
              address: 0,
              type: "uint16",
              wordOrder: "high_first",
              unit: "",
              description: "",
            },
          ],
          snapshot: () => ({ x: 42 }),
        },
      ],
    });
    const outage = startFaultSchedule(server, { outageCycle: { onS: 0.3, offS: 0.3 } });
    const seen = new Set<boolean>();
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      seen.add(server.present);
      await new Promise((r) => setTimeout(r, 25));
    }
    await outage.stop();
    expect([...seen].sort()).toEqual([false, true]);
    expect(server.present).toBe(true);
    // A fault without a cycle: every answer is the injected exception until stop().
    const busy = startFaultSchedule(server, { modbusFaults: [{ fault: { kind: "exception", code: 6 } }] });
    try {
      const c1 = new ModbusRTU();
      await c1.connectTCP("127.0.0.1", { port: server.port });
      c1.setTimeout(1000);
      c1.setID(1);
      await expect(c1.readHoldingRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 6 });
      c1.destroy(() => {});
    } finally {
      await busy.stop();
    }
    expect(server.present).toBe(true);
    const c2 = new ModbusRTU();
    await c2.connectTCP("127.0.0.1", { port: server.port });
    c2.setTimeout(1000);
    c2.setID(1);
    expect((await c2.readHoldingRegisters(0, 1)).data).toEqual([42]);
    await new Promise<void>((r) => c2.close(() => r()));
    await server.stop();
  });
});
