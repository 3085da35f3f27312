import modbusSerial from "modbus-serial";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeRegisters, type RunningModbusServer, startModbusServer } from "./modbus-server.ts";

const ModbusRTU = modbusSerial as unknown as typeof modbusSerial.default;

describe("register encoding (known bit patterns)", () => {
  it("float32 1.0 is 0x3F80 0x0000 high word first, swapped low word first", () => {
    expect(encodeRegisters("float32", 1, "high_first")).toEqual([0x3f80, 0x0000]);
    expect(encodeRegisters("float32", 1, "low_first")).toEqual([0x0000, 0x3f80]);
    expect(encodeRegisters("float32", -2.5, "high_first")).toEqual([0xc020, 0x0000]);
  });
  it("int32 −2 is 0xFFFF 0xFFFE; uint32 65536 is 0x0001 0x0000; 16-bit types clamp", () => {
    expect(encodeRegisters("int32", -2, "high_first")).toEqual([0xffff, 0xfffe]);
    expect(encodeRegisters("uint32", 65536, "high_first")).toEqual([0x0001, 0x0000]);
    expect(encodeRegisters("uint16", 70000)).toEqual([0xffff]);
    expect(encodeRegisters("int16", -1)).toEqual([0xffff]);
  });
});

describe("Modbus server wrapper", () => {
  let server: RunningModbusServer;
  const client = new ModbusRTU();
  let value = 1;

  beforeAll(async () => {
    server = await startModbusServer({
      units: [
        {
          unitId: 1,
          registers: [
            {
              name: "a",
              field: "a",
              function: 3,
              address: 10,
              type: "uint16",
              wordOrder: "high_first",
              unit: "",
              description: "",
            },
            {
              name: "b",
              field: "b",
              function: 3,
              address: 11,
              type: "float32",
              wordOrder: "high_first",
              unit: "",
              description: "",
            },
            {
              name: "missing",
              field: "m",
              function: 4,
              address: 0,
              type: "uint16",
              wordOrder: "high_first",
              unit: "",
              description: "",
            },
          ],
          snapshot: () => ({ a: value, b: value * 2 }),
        },
      ],
    });
    await client.connectTCP("127.0.0.1", { port: server.port });
    client.setTimeout(2000);
    client.setID(1);
  });
  afterAll(async () => {
    await new Promise<void>((r) => client.close(() => r()));
    await server?.stop();
  });

  it("picks a free port and serves a contiguous read from one snapshot", async () => {
    expect(server.port).toBeGreaterThan(0);
    value = 7;
    const { data } = await client.readHoldingRegisters(10, 3);
    expect(data).toEqual([7, 0x4160, 0x0000]); // 14.0f = 0x41600000
  });

  it("answers exceptions like a device: 02 unmapped, 04 value unavailable, 01 writes, 0B unknown unit", async () => {
    await expect(client.readHoldingRegisters(9, 2)).rejects.toMatchObject({ modbusCode: 2 });
    await expect(client.readInputRegisters(0, 1)).rejects.toMatchObject({ modbusCode: 4 });
    await expect(client.writeRegister(10, 5)).rejects.toMatchObject({ modbusCode: 1 });
    client.setID(9);
    await expect(client.readHoldingRegisters(10, 1)).rejects.toMatchObject({ modbusCode: 11 });
    client.setID(1);
  });

  it("refuses overlapping fields (a bug in the map)", async () => {
    await expect(
      startModbusServer({
        units: [
          {
            unitId: 1,
            registers: [
              {
                name: "x",
                field: "x",
                function: 3,
                address: 0,
                type: "float32",
                wordOrder: "high_first",
                unit: "",
                description: "",
              },
              {
                name: "y",
                field: "y",
                function: 3,
                address: 1,
                type: "uint16",
                wordOrder: "high_first",
                unit: "",
                description: "",
              },
            ],
            snapshot: () => ({}),
          },
        ],
      }),
    ).rejects.toThrow(/y overlaps x at address 1/);
  });
});
