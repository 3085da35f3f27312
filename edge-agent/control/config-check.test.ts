// The `control` section as a hurried integrator writes it: every mistake
// refused at load with one line naming the key path; control off by default.
import { describe, expect, it } from "vitest";
import { parseAgentConfig } from "../config.ts";

const base = (control: unknown) => ({
  agent: { id: "edge-1", site: "site-1" },
  central: { url: "http://127.0.0.1:9", token: "t" },
  queue: { kind: "memory", dir: "." },
  sources: [
    {
      kind: "modbus",
      id: "bms",
      host: "127.0.0.1",
      port: 502,
      asset: "school-1",
      registers: [{ function: 4, address: 0, type: "float32", measurement: "meter", field: "power_kw" }],
    },
  ],
  control,
});
const point = (over: Record<string, unknown> = {}, write: Record<string, unknown> = {}) => ({
  asset: "school-1",
  point: "heating_setpoint_c",
  unit: "degC",
  min: 12,
  max: 26,
  maxRatePerMinute: 1,
  failSafe: 20,
  critical: false,
  write: { kind: "modbus", source: "bms", function: 16, address: 0, type: "float32", ...write },
  ...over,
});
const frost = {
  id: "frost_protection",
  when: { asset: "school-1", measurement: "scada", field: "indoor_temp_c", below: 8, deadband: 2 },
  force: { asset: "school-1", point: "heating_setpoint_c", value: 20 },
};
const interlock = (over: Record<string, unknown> = {}) => ({ ...frost, ...over });
const error = (control: unknown): string => {
  try {
    parseAgentConfig(base(control));
    return "accepted";
  } catch (e) {
    return (e as Error).message;
  }
};

describe("control config", () => {
  it("is off unless points are declared, with defaults from the schema", () => {
    const c = parseAgentConfig(base(undefined)).control;
    expect(c.points).toEqual([]);
    expect(c).toMatchObject({
      tickMs: 1000,
      manualHoldMinutes: 60,
      syncWaitMs: 25_000,
      syncIntervalMs: 1000,
      timeZone: "Europe/Moscow",
    });
    // 0 is a choice (a disk sync per change), not a mistake.
    expect(parseAgentConfig(base({ syncIntervalMs: 0 })).control.syncIntervalMs).toBe(0);
    const p = parseAgentConfig(base({ points: [point()] })).control.points[0]!;
    expect(p.write).toMatchObject({ kind: "modbus", wordOrder: "high_first", scale: 1 });
    expect(p.minWriteIntervalMs).toBe(5000);
    expect(c.interlocks).toEqual([]);
    const il = parseAgentConfig(base({ points: [point()], interlocks: [frost] })).control.interlocks[0]!;
    expect(il).toEqual(frost);
    const digital = {
      ...frost,
      when: { asset: "school-1", measurement: "scada", field: "operating_state", equals: 1 },
    };
    expect(
      parseAgentConfig(base({ points: [point()], interlocks: [digital] })).control.interlocks[0]!.when,
    ).toEqual({
      ...digital.when,
      deadband: 0,
    });
  });

  it.each([
    [{ points: [point({ colour: "red" })] }, "control.points[0].colour: unknown key"],
    [{ points: [point({ failSafe: undefined })] }, "control.points[0].failSafe: required key is missing"],
    [{ points: [point({ critical: undefined })] }, "control.points[0].critical: required key is missing"],
    [
      { points: [point({ maxRatePerMinute: undefined })] },
      "control.points[0].maxRatePerMinute: required key is missing",
    ],
    [{ points: [point({ maxRatePerMinute: -1 })] }, "control.points[0].maxRatePerMinute"],
    [{ points: [point({ min: 30 })] }, "control.points[0].max: must be greater than min (30), got 26"],
    [{ points: [point({ failSafe: 40 })] }, "control.points[0].failSafe: must lie within [12, 26], got 40"],
    [
      { points: [point({ states: { "0": "off", "9": "x" }, min: 0, max: 3, failSafe: 0 })] },
      "control.points[0].states.9",
    ],
    [
      { points: [point({}, { kind: "bacnet" })] },
      "control.points[0].write.kind: expected one of modbus|opcua",
    ],
    [
      { points: [point({}, { source: "nope" })] },
      'control.points[0].write.source: "nope" is not the id of a modbus source',
    ],
    [
      {
        points: [
          point(
            {},
            { kind: "opcua", nodeId: "ns=1;s=x", function: undefined, address: undefined, type: undefined },
          ),
        ],
      },
      "control.points[0].write",
    ],
    [
      { points: [point({}, { function: 6 })] },
      "control.points[0].write.type: function 6 writes one register",
    ],
    [{ points: [point({}, { function: 5 })] }, "control.points[0].write.function: a coil holds 0 or 1"],
    [
      { points: [point({}, { type: "uint16", scale: 0.0001 })] },
      "control.points[0].write.scale: min/max over scale leave the range of uint16",
    ],
    [{ points: [point({}, { address: 70_000 })] }, "control.points[0].write.address"],
    [
      { points: [point(), point()] },
      'control.points[1].point: asset "school-1" point "heating_setpoint_c" is declared twice',
    ],
    [{ points: [point({ point: "Heating Setpoint" })] }, "control.points[0].point"],
    [{ syncWaitMs: 600_000 }, "control.syncWaitMs"],
    [{ syncIntervalMs: -1 }, "control.syncIntervalMs"],
    [{ syncIntervalMs: 1e12 }, "control.syncIntervalMs"],
    [{ syncIntervalMs: 2.5 }, "control.syncIntervalMs"],
    [{ syncIntervalMs: "1s" }, "control.syncIntervalMs"],
    [{ demand: { asset: "school-1", limitKw: 100 } }, "control.demand.limitKw: unknown key"],
    [
      { points: [point()], interlocks: [interlock({ when: { ...frost.when, above: 30 } })] },
      "control.interlocks[0].when: expected exactly one of above|below|equals",
    ],
    [
      { points: [point()], interlocks: [interlock({ when: { ...frost.when, below: undefined } })] },
      "control.interlocks[0].when: expected exactly one of above|below|equals",
    ],
    [
      { points: [point()], interlocks: [interlock({ when: { ...frost.when, field: "indoor_temp" } })] },
      'control.interlocks[0].when.field: "indoor_temp" is not a field a source stores in measurement "scada"',
    ],
    [
      { points: [point()], interlocks: [interlock({ force: { ...frost.force, point: "lighting" } })] },
      'control.interlocks[0].force.point: asset "school-1" point "lighting" is not in control.points',
    ],
    [
      { points: [point()], interlocks: [interlock({ force: { ...frost.force, value: 40 } })] },
      "control.interlocks[0].force.value: must lie within [12, 26], got 40",
    ],
    [
      { points: [point()], interlocks: [interlock(), interlock()] },
      'control.interlocks[1].id: "frost_protection" is declared twice',
    ],
    [
      { points: [point()], interlocks: [interlock({ when: { ...frost.when, hysteresis: 1 } })] },
      "control.interlocks[0].when.hysteresis: unknown key",
    ],
    [
      { points: [point()], interlocks: [interlock({ force: { ...frost.force, value: undefined } })] },
      "control.interlocks[0].force.value: required key is missing",
    ],
  ])("refuses %j naming the key", (control, message) => {
    expect(error(control)).toContain(message);
  });
});
